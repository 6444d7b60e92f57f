"""Final verification's own rules (issue 15 item 8): the vial label of this prescription was
scanned, and, while the pharmacy's ``independent_verification`` setting is on (the default), the
verifying pharmacist is not the one who filled. ``services/verify.approve`` calls both."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from pharmacy_desktop.db.models.users import User
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain.barcodes import rx_number_from_scan
from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.services import auth
from pharmacy_desktop.services.auth import Actor


def independent_verification_on(uow: UnitOfWork) -> bool:
    """The pharmacy setting (default on): the verifying pharmacist is not the one who filled."""
    profile = uow.users.pharmacy_profile()
    return True if profile is None else bool(profile.independent_verification)


def independent_verification(uow_factory: UnitOfWorkFactory) -> bool:
    with uow_factory() as uow:
        return independent_verification_on(uow)


def set_independent_verification(uow_factory: UnitOfWorkFactory, actor: Actor, on: bool) -> bool:
    """Turn the pharmacy's independent-verification rule on or off (settings.manage); returns it."""
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, "settings.manage", doing="change the verification setting")
        row = uow.users.pharmacy_profile()
        if row is None:
            raise ValidationFailed("Enter the pharmacy details first (Settings, first start).")
        if bool(row.independent_verification) != on:
            row.independent_verification = on
            row.updated_by = actor.user_id
            uow.record("IndependentVerificationChanged", "pharmacy", uuid.UUID(int=1), {"on": on})
        uow.commit()
        return on


def require_label(rx: Any, label_scan: str | None) -> None:
    """The printed vial label of this prescription was scanned (the service checks it, not only the screen)."""
    if not (label_scan or "").strip():
        raise ValidationFailed(
            f"Scan the Rx barcode on the printed label of Rx {rx.prescription_number} before approving."
        )
    number = rx_number_from_scan(label_scan)
    if number is None or number.lstrip("0") != str(rx.prescription_number).lstrip("0"):
        raise ValidationFailed(
            f"The label scanned is not Rx {rx.prescription_number}'s. Scan the label on this prescription's vial."
        )


def require_independent(uow: UnitOfWork, rx: Any, pending: Sequence[Any], pharmacist: User) -> None:
    if not independent_verification_on(uow):
        return
    if any(r.filled_by == pharmacist.id for r in pending) or rx.filled_by == pharmacist.id:
        raise ValidationFailed(
            f"Independent verification: you filled Rx {rx.prescription_number}, so another pharmacist must "
            "verify it. (An administrator can turn this off in Settings, Point of sale: 'Independent verification'.)"
        )
