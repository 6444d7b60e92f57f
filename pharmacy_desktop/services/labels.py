"""What goes on the paper, built from the database: vial labels from a fill, the pharmacy header.

Also the JSON form of the printed documents: the print queue stores it with every job so a
redirect to a printer of another model can render the same content again, and so the queue
screen can say what a job is without parsing printer bytes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import fields
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.db.models.prescriptions import Medication, Prescription, PrescriptionItem, PrescriptionRefill
from pharmacy_desktop.db.models.users import PharmacyProfile
from pharmacy_desktop.db.unit_of_work import UnitOfWork
from pharmacy_desktop.domain.product_names import strength_of
from pharmacy_desktop.domain.dispensing import dispensing_unit
from pharmacy_desktop.domain.sig import expand_sig
from pharmacy_desktop.errors import NotFound, ValidationFailed
from pharmacy_desktop.printing.documents import (
    LabelData,
    PharmacyInfo,
    ReceiptData,
    ReceiptLine,
    discard_by_date,
)

__all__ = [
    "pharmacy_info",
    "build_vial_label",
    "label_to_json",
    "label_from_json",
    "receipt_to_json",
    "receipt_from_json",
]


def pharmacy_info(uow: UnitOfWork) -> PharmacyInfo:
    row = uow.session.get(PharmacyProfile, 1)
    if row is None:
        raise ValidationFailed(
            "The pharmacy's name, address and phone are not set up, and every label must show them. "
            "An administrator enters them in Settings, then print again from the print queue (F10)."
        )
    lines = [row.address_line1]
    if row.address_line2:
        lines.append(row.address_line2)
    lines.append(f"{row.city}, {row.state} {row.zip_code}")
    return PharmacyInfo(
        name=row.name, address_lines=tuple(lines), phone=row.phone,
        npi=row.npi or "", ncpdp=row.ncpdp or "", dea=row.dea or "",
    )


def _patient_name(patient: Patient) -> str:
    middle = f" {patient.middle_name[0]}" if patient.middle_name else ""
    return f"{patient.first_name}{middle} {patient.last_name}"


def _form(dosage_form: str | None) -> str:
    # FDA forms read "TABLET, FILM COATED": the first word is what a patient recognises
    if not dosage_form:
        return ""
    return dosage_form.split(",")[0].strip().capitalize()


def _drug_names(dispensed: Medication, written: Medication | None) -> tuple[str, str | None]:
    """(name on the label, brand it substitutes for)."""
    name = dispensed.drug_name
    if dispensed.is_generic:
        name = dispensed.generic_name or dispensed.drug_name
    brand = None
    if dispensed.is_generic and written is not None and written.brand_name and not written.is_generic:
        brand = written.brand_name
    return name.title() if name.isupper() else name, brand


def _initials(uow: UnitOfWork, user_id: uuid.UUID | None) -> str | None:
    if user_id is None:
        return None
    from pharmacy_desktop.db.models.users import User

    user = uow.session.get(User, user_id)
    return f"{user.first_name[:1]}{user.last_name[:1]}".upper() if user else None


def build_vial_label(uow: UnitOfWork, refill_id: uuid.UUID, *, is_reprint: bool = False) -> LabelData:
    """The vial label of one fill (a prescription_refills row), as USP <17> and DOMAIN.md want it."""
    refill = uow.session.get(PrescriptionRefill, refill_id)
    if refill is None:
        raise NotFound("That fill was not found; it may have been returned to stock on another workstation.")
    rx = uow.session.get(Prescription, refill.prescription_id)
    item = uow.session.get(PrescriptionItem, refill.prescription_item_id) if refill.prescription_item_id else None
    if rx is None or item is None:
        raise NotFound("The prescription of that fill was not found.")
    dispensed = uow.session.get(Medication, refill.medication_id or item.dispensed_medication_id or item.medication_id)
    written = uow.session.get(Medication, item.medication_id) if item.medication_id else None
    if dispensed is None:
        raise NotFound(f"Rx {rx.prescription_number}: the dispensed drug is not in the catalog.")
    patient = uow.session.scalars(
        select(Patient).where(Patient.id == rx.patient_id).execution_options(include_deleted=True)
    ).first()
    if patient is None:
        raise NotFound(f"Rx {rx.prescription_number}: the patient record was not found.")
    name, brand = _drug_names(dispensed, written)
    strength = " ".join(p for p in (strength_of(dispensed, name) or "", _form(dispensed.dosage_form)) if p)
    directions = (item.directions or "").strip() or expand_sig(item.sig)
    # What is left after this fill; never more than the item says (a transfer may have used some).
    remaining = max(0, min(item.refills_remaining, item.refills_authorized - refill.refill_number))
    address = f"{patient.address_line1}, {patient.city}, {patient.state} {patient.zip_code}"
    return LabelData(
        pharmacy=pharmacy_info(uow),
        rx_number=rx.prescription_number,
        patient_name=_patient_name(patient),
        prescriber_name=rx.prescriber_name,
        date_filled=refill.filled_date,
        drug_name=name,
        strength=strength,
        ndc11=refill.ndc_code or dispensed.ndc_code,
        quantity=Decimal(refill.quantity_dispensed),
        quantity_unit=dispensing_unit(refill.quantity_dispensed, item.quantity_unit, dispensed.dosage_form),
        directions=directions,
        refills_remaining=remaining,
        discard_by=discard_by_date(refill.filled_date, refill.expiration_date),
        fill_number=refill.refill_number + 1,
        patient_address=address,
        generic_for=brand,
        manufacturer=dispensed.manufacturer,
        schedule=dispensed.dea_schedule if dispensed.is_controlled_substance or dispensed.dea_schedule else None,
        is_reprint=is_reprint,
        pharmacist_initials=_initials(uow, refill.verified_by or rx.verified_by),
        technician_initials=_initials(uow, refill.filled_by),
    )


# -- JSON form of the documents ---------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, PharmacyInfo):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, ReceiptLine):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def label_to_json(label: LabelData) -> dict[str, Any]:
    return {"kind": "label", **{f.name: _plain(getattr(label, f.name)) for f in fields(label)}}


def _pharmacy(data: dict[str, Any]) -> PharmacyInfo:
    return PharmacyInfo(**{**data, "address_lines": tuple(data.get("address_lines", ()))})


def label_from_json(data: dict[str, Any]) -> LabelData:
    values = {k: v for k, v in data.items() if k != "kind"}
    values["pharmacy"] = _pharmacy(values["pharmacy"])
    values["date_filled"] = dt.date.fromisoformat(values["date_filled"])
    values["discard_by"] = dt.date.fromisoformat(values["discard_by"])
    values["quantity"] = Decimal(values["quantity"])
    values["warnings"] = tuple(values.get("warnings", ()))
    return LabelData(**values)


def receipt_to_json(receipt: ReceiptData) -> dict[str, Any]:
    return {"kind": "receipt", **{f.name: _plain(getattr(receipt, f.name)) for f in fields(receipt)}}


def receipt_from_json(data: dict[str, Any]) -> ReceiptData:
    values = {k: v for k, v in data.items() if k != "kind"}
    values["pharmacy"] = _pharmacy(values["pharmacy"])
    values["datetime"] = dt.datetime.fromisoformat(values["datetime"])
    values["lines"] = tuple(
        ReceiptLine(description=line["description"], amount=Decimal(line["amount"]), rx_number=line.get("rx_number"))
        for line in values["lines"]
    )
    for name in ("subtotal", "tax", "insurance_paid", "copay_total", "total", "tendered", "change"):
        if values.get(name) is not None:
            values[name] = Decimal(values[name])
    return ReceiptData(**values)
