"""What must be true before a bag leaves the counter (issue 13 items 2-4 and 9), checked on the server
inside the sale's transaction: the screen's checks are a convenience, these are the rule.

- the date of birth of every patient whose bag is in the cart, typed at the counter, matches;
- the picker is the patient, or a person that patient allows to pick up (patient_relationships);
- a Schedule II-V prescription in the cart needs the picker's government ID (type, number, issuing
  state, expiry), not expired;
- counseling is recorded for every fill that needs it; 'accepted' needs a pharmacist who signed off
  by PIN or badge for this user on this workstation (services/cosign.py);
- the signature is a PNG; the receipt (and, the first time, the privacy notice) is acknowledged;
- tenders: a card tender carries the terminal's approval, a check its number.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass

from pharmacy_desktop.db.models.prescriptions import Prescription, PrescriptionRefill
from pharmacy_desktop.db.unit_of_work import UnitOfWork
from pharmacy_desktop.domain.money import to_money
from pharmacy_desktop.domain.sale_math import TENDER_METHODS, Tender
from pharmacy_desktop.domain.schedules import is_controlled
from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.services.access import Actor
from pharmacy_desktop.services.cosign import signed_off_recently
from pharmacy_desktop.services.pickup import birth_date_matches, counseling_need
from pharmacy_desktop.services.sale_cart import SaleRequest, TenderIn

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ID_TYPES = ("drivers_license", "state_id", "passport", "military_id", "other")
RELATIONSHIPS = ("self", "spouse", "parent", "child", "guardian", "caregiver", "sibling", "other")
COUNSELING = ("accepted", "declined", "not_required")
_STATE = re.compile(r"^[A-Z]{2}$")
_LAST_FOUR = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class Bag:
    """One patient's part of the sale: one pickups row."""

    patient_id: uuid.UUID
    relationship: str  # the picker's relationship to this patient ('self', 'spouse', ...)
    refills: tuple[PrescriptionRefill, ...]
    has_controlled: bool


@dataclass(frozen=True)
class Counseling:
    status: str  # accepted, declined, not_required
    counseled_by: uuid.UUID | None
    notes: str | None
    offered: bool  # the fill needed counseling


def refuse(message: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, {field: message})


def check_signature(request: SaleRequest) -> None:
    png = request.signature_png or b""
    if len(png) <= len(PNG_MAGIC) or not png.startswith(PNG_MAGIC):
        raise refuse("The signature is missing: the person picking up signs on the pad.", "signature")
    if not request.acknowledged_receipt:
        raise refuse("The person picking up must acknowledge receiving the prescriptions.", "acknowledged_receipt")


def tenders_of(request: SaleRequest) -> list[Tender]:
    """The domain tenders; a card without its approval or a check without its number is refused."""
    tenders = []
    for n, tender in enumerate(request.tenders, start=1):
        if tender.method not in TENDER_METHODS:
            raise refuse(f"Tender {n}: unknown payment method {tender.method!r}.", "tenders")
        if tender.method in ("credit_card", "debit_card"):
            _check_card(n, tender)
        if tender.method == "check" and not (tender.check_number or "").strip():
            raise refuse(f"Tender {n}: type the check number.", "check_number")
        try:
            tenders.append(Tender(tender.method, to_money(tender.amount), tender.cash_tendered))
        except (TypeError, ValueError) as exc:
            raise refuse(f"Tender {n}: {exc}", "tenders") from None
    return tenders


def _check_card(n: int, tender: TenderIn) -> None:
    if not (tender.transaction_id or "").strip():
        raise refuse(f"Tender {n}: the card was not charged at the terminal yet; take the card first.", "tenders")
    if not _LAST_FOUR.match(tender.card_last_four or ""):
        raise refuse(f"Tender {n}: the terminal's answer has no card last four digits; take the card again.", "tenders")


def _relationship(uow: UnitOfWork, request: SaleRequest, bag_patient: uuid.UUID, rx_numbers: str) -> str:
    """The picker's relationship to the patient whose bag it is, or ValidationFailed."""
    picker = request.picker
    if picker is None or not (picker.name or "").strip():
        raise refuse("Choose who is picking up.", "picker")
    if picker.patient_id == bag_patient:
        return "self"
    allowed = uow.patients.may_pick_up_for(bag_patient)
    for row in allowed:
        if picker.patient_id is not None and row.related_patient_id == picker.patient_id:
            return row.relationship_type
        if picker.patient_id is None and (row.related_name or "").strip().lower() == picker.name.strip().lower():
            return row.relationship_type
    # messages name prescriptions, never people: they may be logged or shown on a screen others see
    raise refuse(
        f"The person picking up is not on the list of people who may pick up Rx {rx_numbers}. Leave that bag "
        "in the bin, or have its patient add them to their profile.",
        "picker",
    )


def check_identification(request: SaleRequest, today: dt.date) -> None:
    picker = request.picker
    ident = picker.identification if picker is not None else None
    if ident is None:
        raise refuse("A controlled substance is in the cart: record the picker's government photo ID.", "id_number")
    if ident.id_type not in ID_TYPES:
        raise refuse("Choose the kind of ID (driver's license, state ID, passport, military ID, other).", "id_type")
    if not (ident.id_number or "").strip():
        raise refuse("Type the ID number.", "id_number")
    if not _STATE.match((ident.id_state or "").strip().upper()):
        raise refuse("Type the two-letter state (or country) that issued the ID.", "id_state")
    if ident.id_expiry is None:
        raise refuse("Type the ID's expiry date.", "id_expiry")
    if ident.id_expiry < today:
        raise refuse("The ID has expired: ask for an ID that is valid today.", "id_expiry")


def check_bags(
    uow: UnitOfWork,
    request: SaleRequest,
    refills: list[PrescriptionRefill],
    prescriptions: dict[uuid.UUID, Prescription],
    controlled: dict[uuid.UUID, bool],
    today: dt.date,
) -> list[Bag]:
    """One Bag per patient in the cart: the patient may be handed it, by this picker, DOB confirmed."""
    household = {r.patient_id for r in uow.patients.authorized_by(request.patient_id)}
    typed = dict(request.household_birth_dates)
    typed[request.patient_id] = request.birth_date
    by_patient: dict[uuid.UUID, list[PrescriptionRefill]] = {}
    for refill in refills:
        assert refill.prescription_id is not None  # a verified fill belongs to a prescription
        owner = prescriptions[refill.prescription_id].patient_id
        if owner != request.patient_id and owner not in household:
            raise refuse(
                f"Rx {prescriptions[refill.prescription_id].prescription_number} belongs to someone who has not "
                "allowed this patient to pick up for them. Leave it in the bin.",
                "prescriptions",
            )
        by_patient.setdefault(owner, []).append(refill)
    bags = []
    for owner, fills in by_patient.items():
        numbers = ", ".join(
            dict.fromkeys(prescriptions[f.prescription_id].prescription_number for f in fills if f.prescription_id)
        )
        if not (typed.get(owner) or "").strip():
            raise refuse(
                f"Confirm the date of birth of the patient of Rx {numbers}: ask for it and type it.", "birth_date"
            )
        if not birth_date_matches(uow, owner, typed[owner]):
            raise refuse(
                f"The date of birth typed for the patient of Rx {numbers} does not match our records. Ask again; "
                "do not hand over the bag.",
                "birth_date",
            )
        relationship = _relationship(uow, request, owner, numbers)
        has_controlled = any(controlled.get(f.id, False) for f in fills)
        bags.append(Bag(owner, relationship, tuple(fills), has_controlled))
    if any(bag.has_controlled for bag in bags):
        check_identification(request, today)
    return bags


def controlled_fills(uow: UnitOfWork, refills: list[PrescriptionRefill]) -> dict[uuid.UUID, bool]:
    found = {}
    for refill in refills:
        med = uow.prescriptions.medication(refill.medication_id)
        try:
            found[refill.id] = med is not None and is_controlled(med.dea_schedule)
        except (TypeError, ValueError):
            found[refill.id] = True  # an unreadable schedule is treated as controlled: ask for the ID
    return found


def check_counseling(
    uow: UnitOfWork,
    actor: Actor,
    request: SaleRequest,
    refills: list[PrescriptionRefill],
    numbers: dict[uuid.UUID, str],
) -> dict[uuid.UUID, Counseling]:
    """The counseling of every fill; refused when a fill that needs it has none, or 'accepted' has no
    pharmacist who signed off."""
    chosen = {line.refill_id: line for line in request.prescriptions}
    result = {}
    for refill in refills:
        line = chosen[refill.id]
        number = numbers[refill.id]
        med = uow.prescriptions.medication(refill.medication_id)
        needed = bool(counseling_need(uow, refill, med))
        if line.counseling not in COUNSELING:
            raise refuse(f"Rx {number}: counseling must be accepted, declined or not required.", "counseling")
        if needed and line.counseling == "not_required":
            raise refuse(
                f"Rx {number} needs counseling offered (new or changed prescription): record accepted or declined.",
                "counseling",
            )
        counselor = None
        if line.counseling == "accepted":
            if line.counselor is None or not signed_off_recently(uow, line.counselor, actor):
                raise refuse(
                    f"Rx {number}: counseling accepted needs the pharmacist's PIN or badge (sign-off). "
                    "Ask the pharmacist to sign off again.",
                    "counseling",
                )
            counselor = line.counselor.user_id
        result[refill.id] = Counseling(line.counseling, counselor, line.counseling_notes, needed)
    if any(c.offered for c in result.values()) and not request.acknowledged_counseling:
        raise refuse("The person picking up must acknowledge that counseling was offered.", "acknowledged_counseling")
    return result
