"""What the pharmacist sees at final verification: each filled line, prescribed vs filled, and its label.

Split from ``services/verify.py`` (which re-exports ``FilledLine`` and ``VerifyView``): the view is
built inside the caller's unit of work and returned as frozen dataclasses.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pharmacy_desktop.db.models.prescriptions import PrescriptionRefill
from pharmacy_desktop.db.unit_of_work import UnitOfWork
from pharmacy_desktop.domain import dispensing as rules
from pharmacy_desktop.domain import stock
from pharmacy_desktop.errors import PharmacyError
from pharmacy_desktop.services.prescription_views import DrugView, RxHeader, drug_view, header_fields, product_of


@dataclass(frozen=True)
class FilledLine:
    item_id: uuid.UUID
    refill_id: uuid.UUID
    prescribed: DrugView
    filled: DrugView
    prescribed_quantity: Decimal
    filled_quantity: Decimal
    unit: str
    sig: str
    directions: str
    days_supply: int
    fill_number: int  # 0 = original
    lot: str | None
    expiry: dt.date | None
    is_partial: bool
    match: str
    match_message: str
    filled_by: str
    filled_at: dt.datetime | None
    label_lines: tuple[str, ...]
    label_status: str


@dataclass(frozen=True)
class VerifyView(RxHeader):
    lines: tuple[FilledLine, ...]


def pending_refills(uow: UnitOfWork, prescription_id: uuid.UUID) -> list[PrescriptionRefill]:
    return uow.prescriptions.pending_refills(prescription_id)


def _user_name(uow: UnitOfWork, user_id: uuid.UUID | None) -> str:
    user = uow.users.get(user_id) if user_id else None
    return f"{user.first_name} {user.last_name}" if user else ""


def _label_lines(uow: UnitOfWork, refill: PrescriptionRefill) -> tuple[tuple[str, ...], str]:
    from pharmacy_desktop.printing.codec import label_from_json
    from pharmacy_desktop.services import labels

    job = uow.prescriptions.print_job(refill.label_job_id)
    try:
        label = label_from_json(job.document) if job is not None else labels.build_vial_label(uow, refill.id)
    except PharmacyError as exc:
        return (f"(label not available: {exc.message})",), "missing"
    lines = [
        label.patient_name,
        f"{label.drug_name} {label.strength}".strip() + (f" [{label.schedule}]" if label.schedule else ""),
        label.directions,
        f"Qty {stock.format_quantity(label.quantity)} {label.quantity_unit} · "
        + (f"Refills: {label.refills_remaining}" if label.refills_remaining else "No refills"),
        f"Rx {label.rx_number} · Fill {label.fill_number} · {label.date_filled.strftime('%m/%d/%Y')}",
        label.prescriber_name,
        f"Discard by {label.discard_by.strftime('%m/%d/%Y')}",
        f"NDC {label.ndc11}",
    ]
    if label.generic_for:
        lines.insert(3, f"Generic for {label.generic_for}")
    if label.transfer_caution:
        lines.append("Caution: Federal law prohibits transfer of this drug.")
    return tuple(lines), job.status if job is not None else "not queued"


def build_view(uow: UnitOfWork, rx: Any) -> VerifyView:
    patient = uow.prescriptions.patient(rx.patient_id)
    items = {i.id: i for i in rx.items}
    lines = []
    for refill in pending_refills(uow, rx.id):
        item = items.get(refill.prescription_item_id)
        if item is None:
            continue
        filled_med = uow.prescriptions.medication(refill.medication_id)
        prescribed = drug_view(item.medication, item.written_medication_name)
        filled = drug_view(filled_med, refill.ndc_code)
        if item.medication is not None and filled_med is not None:
            result = rules.match_product(
                product_of(item.medication),
                product_of(filled_med),
                substitution_allowed=item.substitution_allowed,
                daw_code=item.daw_code,
                patient_allows_generic=patient.allow_generic_substitution if patient else True,
            )
            match, message = result.match.value, result.message
        else:
            match, message = "unknown", "The prescribed or the filled product is not in the catalog."
        label_lines, label_status = _label_lines(uow, refill)
        lines.append(
            FilledLine(
                item_id=item.id,
                refill_id=refill.id,
                prescribed=prescribed,
                filled=filled,
                prescribed_quantity=item.quantity,
                filled_quantity=refill.quantity_dispensed,
                unit=rules.dispensing_unit(
                    item.quantity, item.quantity_unit, filled_med.dosage_form if filled_med else None
                ),
                sig=item.sig,
                directions=item.directions or "",
                days_supply=refill.days_supply,
                fill_number=refill.refill_number,
                lot=refill.lot_number,
                expiry=refill.expiration_date,
                is_partial=refill.is_partial,
                match=match,
                match_message=message,
                filled_by=_user_name(uow, refill.filled_by),
                filled_at=refill.created_at,
                label_lines=label_lines,
                label_status=label_status,
            )
        )
    return VerifyView(**header_fields(rx, patient), lines=tuple(lines))
