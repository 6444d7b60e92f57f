"""A pharmacist's sign-off at the counter by PIN or badge (issue 13 item 3: counseling accepted).

The technician stays signed in: the pharmacist is identified exactly as quick switch identifies
someone (``quick_switch.identify_by_credential``: the people signed in with a password on this
workstation this shift, the same wait after wrong tries, the same counting of wrong PINs and
badges), but the workstation's user does not change. The sign-off is recorded as a
``CounselingSignOff`` event on the pharmacist's account, naming whom it was given to; the sale
checks that event (``signed_off_recently``), so an ``Actor`` object alone cannot stand in for a
pharmacist's PIN.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.domain.workflow import Permission
from pharmacy_desktop.errors import PermissionDenied
from pharmacy_desktop.services.access import Actor, actor_of, unchecked
from pharmacy_desktop.services.quick_switch import identify_by_credential

__all__ = ["SIGNOFF_EVENT", "SIGNOFF_VALID_FOR", "pharmacist_signoff", "signed_off_recently"]

SIGNOFF_EVENT = "CounselingSignOff"
SIGNOFF_VALID_FOR = dt.timedelta(minutes=30)  # a sign-off counts for the sale it was given for
PHARMACIST_PERMISSIONS = (Permission.FINAL_VERIFY, Permission.REVIEW)


def pharmacist_signoff(
    uow_factory: UnitOfWorkFactory,
    credential: str,
    method: str,
    workstation: str,
    on_behalf_of: Actor,
    *,
    now: Callable[[], dt.datetime] = utcnow,
) -> Actor:
    """The pharmacist whose PIN or badge this is (``method`` 'pin' or 'badge'), without signing
    ``on_behalf_of`` (the workstation's user) out. Raises ``AuthenticationFailed``/``TryLater`` as
    quick switch does, ``PermissionDenied`` when the person is not a pharmacist."""
    with unchecked(uow_factory, on_behalf_of.user_id) as uow:
        at = now()
        base: dict[str, object] = {
            "workstation": workstation,
            "method": method,
            "on_behalf_of": str(on_behalf_of.user_id),
            "purpose": "counseling",
        }
        user, session = identify_by_credential(uow, credential, workstation, method, at, base, on_behalf_of.user_id)
        if not any(uow.users.granted_now(user.id, p) for p in PHARMACIST_PERMISSIONS):
            uow.record("SignOffRefused", "user", user.id, {**base, "reason": "not a pharmacist"})
            uow.commit()
            raise PermissionDenied(
                f"{user.first_name} {user.last_name} is not a pharmacist: counseling is completed by a "
                "pharmacist. Ask the pharmacist on duty to enter their PIN or scan their badge."
            )
        pharmacist = actor_of(uow, user, session, workstation)
        uow.record(SIGNOFF_EVENT, "user", user.id, {**base, "license_number": user.license_number})
        uow.commit()
        return pharmacist


def signed_off_recently(uow: UnitOfWork, pharmacist: Actor, on_behalf_of: Actor) -> bool:
    """Inside the sale's unit of work: the pharmacist signed off for this user on this workstation
    within SIGNOFF_VALID_FOR, and is still a pharmacist now."""
    if not any(uow.users.granted_now(pharmacist.user_id, p) for p in PHARMACIST_PERMISSIONS):
        return False
    return uow.pickups.signoff_since(
        pharmacist.user_id, str(on_behalf_of.user_id), on_behalf_of.workstation, SIGNOFF_VALID_FOR, SIGNOFF_EVENT
    )
