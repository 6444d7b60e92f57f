"""What goes on the paper, built from the database: vial labels from a fill, the pharmacy header.

The JSON form of the documents and their bytes are printing's (`printing.codec`).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.db.models.prescriptions import Medication
from pharmacy_desktop.db.unit_of_work import UnitOfWork
from pharmacy_desktop.domain.dispensing import dispensing_unit
from pharmacy_desktop.domain.drug_names import drug_name_parts, title_case
from pharmacy_desktop.domain.product_names import strength_of
from pharmacy_desktop.domain.sig import analyze_sig
from pharmacy_desktop.errors import NotFound, ValidationFailed
from pharmacy_desktop.printing.documents import LabelData, PharmacyInfo, discard_by_date

__all__ = ["pharmacy_info", "build_vial_label"]


def pharmacy_info(uow: UnitOfWork) -> PharmacyInfo:
    row = uow.print_jobs.pharmacy_profile()
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
        name=row.name,
        address_lines=tuple(lines),
        phone=row.phone,
        npi=row.npi or "",
        ncpdp=row.ncpdp or "",
        dea=row.dea or "",
    )


def _patient_name(patient: Patient) -> str:
    middle = f" {patient.middle_name[0]}" if patient.middle_name else ""
    return f"{patient.first_name}{middle} {patient.last_name}"


def _form(name: str, dosage_form: str | None) -> str:
    """The form as every screen names it (``domain/drug_names``): FDA's "TABLET, FILM COATED,
    EXTENDED RELEASE" -> "ER tablet", "TABLET, ORALLY DISINTEGRATING" -> "ODT"; the release kept (a
    patient told "tablet" for an ER tablet might split it), left out when the name already says it."""
    parts = drug_name_parts(name, None, dosage_form)
    return " ".join(p for p in (parts.release, parts.form) if p)


def _drug_names(dispensed: Medication, written: Medication | None) -> tuple[str, str | None]:
    """(name on the label, brand it substitutes for)."""
    name = dispensed.drug_name
    if dispensed.is_generic:
        name = dispensed.generic_name or dispensed.drug_name
    brand = None
    if dispensed.is_generic and written is not None and written.brand_name and not written.is_generic:
        brand = written.brand_name
    return title_case(name), title_case(brand) or None


def build_vial_label(uow: UnitOfWork, refill_id: uuid.UUID, *, is_reprint: bool = False) -> LabelData:
    """The vial label of one fill (a prescription_refills row), as USP <17> and DOMAIN.md want it."""
    sources = uow.print_jobs.label_sources(refill_id)
    if sources is None:
        raise NotFound("That fill was not found; it may have been returned to stock on another workstation.")
    refill, rx, item = sources.refill, sources.prescription, sources.item
    if rx is None or item is None:
        raise NotFound("The prescription of that fill was not found.")
    dispensed, written, patient = sources.dispensed, sources.written, sources.patient
    if dispensed is None:
        raise NotFound(f"Rx {rx.prescription_number}: the dispensed drug is not in the catalog.")
    if patient is None:
        raise NotFound(f"Rx {rx.prescription_number}: the patient record was not found.")
    name, brand = _drug_names(dispensed, written)
    strength = " ".join(p for p in (strength_of(dispensed, name) or "", _form(name, dispensed.dosage_form)) if p)
    directions = (item.directions or "").strip()
    sig = analyze_sig(item.sig or "")
    # A SIG the reader does not fully understand prints only what a technician typed for it: rows
    # saved before directions could be typed hold an older reader's expansion ("OD" -> "right eye").
    if not sig.understood and not (directions and item.directions_typed):
        raise ValidationFailed(
            f"Rx {rx.prescription_number}: the SIG is not fully understood and no directions were typed, "
            "so the label cannot say how to take it. Send the prescription back to intake to type the directions."
        )
    if not directions:  # rows saved before directions were stored: the SIG's reading
        directions = sig.directions
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
        pharmacist_initials=uow.print_jobs.initials(refill.verified_by or rx.verified_by),
        technician_initials=uow.print_jobs.initials(refill.filled_by),
    )
