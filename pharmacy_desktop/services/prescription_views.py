"""How a prescription, its drugs and its patient are shown: the views fill, verify and will-call share."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from pharmacy_desktop.db.unit_of_work import UnitOfWork
from pharmacy_desktop.domain.barcodes import rx_number_from_scan
from pharmacy_desktop.domain.dispensing import Product
from pharmacy_desktop.domain.drug_names import drug_display_name, title_case
from pharmacy_desktop.domain.product_names import strength_of
from pharmacy_desktop.errors import NotFound

__all__ = [
    "DrugView",
    "RxHeader",
    "drug_view",
    "header_fields",
    "load_prescription",
    "medication_name",
    "patient_name",
    "product_of",
    "rx_header",
    "rx_number_from_scan",
]


@dataclass(frozen=True)
class DrugView:
    medication_id: uuid.UUID | None
    name: str  # 'Lisinopril 20 mg tablet'
    ndc: str  # the labeler's hyphenated form
    ndc11: str
    schedule: str | None  # 'C-II' .. 'C-V', None when not controlled
    strength: str | None = None
    dosage_form: str | None = None
    generic_name: str | None = None
    brand_name: str | None = None
    package: str | None = None

    @property
    def title(self) -> str:
        return f"{self.name} [{self.schedule}]" if self.schedule else self.name


@dataclass(frozen=True)
class RxHeader:
    """The head of a prescription as every dispensing screen shows it."""

    prescription_id: uuid.UUID
    version: int
    rx_number: str
    status: str
    is_stat: bool
    patient_id: uuid.UUID
    patient_name: str
    patient_dob: dt.date | None
    prescriber: str
    notes: str | None


def rx_header(rx: Any, patient: Any) -> RxHeader:
    """The header fields of ``rx`` (a prescription row) and its ``patient`` (or None), as keywords."""
    return RxHeader(**header_fields(rx, patient))


def header_fields(rx: Any, patient: Any) -> dict[str, Any]:
    return dict(
        prescription_id=rx.id,
        version=rx.version,
        rx_number=rx.prescription_number,
        status=rx.status,
        is_stat=bool(rx.is_stat),
        patient_id=rx.patient_id,
        patient_name=patient_name(patient),
        patient_dob=patient.date_of_birth if patient else None,
        prescriber=rx.prescriber_name,
        notes=rx.notes,
    )


def product_of(med: Any) -> Product:
    """The domain's view of a catalog medication row."""
    ingredients: tuple[tuple[str, str], ...] = ()
    if med.active_ingredients:
        try:
            ingredients = tuple(
                (str(i.get("name") or i.get("substance") or ""), _ingredient_strength(i))
                for i in med.active_ingredients
            )
        except AttributeError:
            ingredients = ()
        if not all(n for n, _ in ingredients):
            ingredients = ()
    return Product(
        ndc11=med.ndc_code,
        drug_name=med.drug_name,
        medication_id=med.id,
        package_ndc=med.package_ndc,
        generic_name=med.generic_name,
        brand_name=med.brand_name,
        strength=strength_of(med),  # shown: each ingredient with its own strength
        dosage_form=med.dosage_form,
        route=med.route,
        package_description=med.package_description,
        dea_schedule=med.dea_schedule,
        is_generic=med.is_generic,
        product_id=med.product_id,
        active_ingredients=ingredients,
    )


def _ingredient_strength(item: dict[str, Any]) -> str:
    strength = item.get("strength") or ""
    unit = item.get("unit") or ""
    return f"{strength} {unit}".strip()


def drug_view(med: Any | None, fallback_name: str = "") -> DrugView:
    if med is None:
        return DrugView(None, title_case(fallback_name) or "(not in catalog)", "", "", None)
    p = product_of(med)
    size = p.package_size
    return DrugView(
        medication_id=med.id,
        name=p.display_name,
        ndc=p.ndc_display,
        ndc11=med.ndc_code,
        schedule=p.schedule_label,
        strength=p.strength,
        dosage_form=med.dosage_form,
        generic_name=med.generic_name,
        brand_name=med.brand_name,
        package=str(size) if size else med.package_description,
    )


def medication_name(med: Any | None, written: str | None = "") -> str:
    """A prescription item's drug as intake, review and the patient's medication list name it: the
    catalog product, generic first with its brand ('Lisinopril (Zestril) 10 mg tablet'), else the
    name as written, title-cased."""
    if med is None:
        return title_case(written)
    name = (med.generic_name or med.drug_name).strip()
    return drug_display_name(name, strength_of(med, name), med.dosage_form, brand=med.brand_name)


def patient_name(patient: Any | None) -> str:
    return f"{patient.last_name}, {patient.first_name}" if patient else "(patient not found)"


def rx_numbered(uow: UnitOfWork, number: str) -> Any:
    """The prescription a label's Rx number names (read from a vial or bag label's barcode); ``NotFound``
    when none has it."""
    rx = uow.prescriptions.by_number(number)
    if rx is None:
        raise NotFound(f"No prescription has the number {number}. Check the label.")
    return rx


def load_prescription(uow: UnitOfWork, prescription_id: uuid.UUID, *, lock: bool = False) -> Any:
    """The prescription with its items (row-locked when asked), or ``NotFound``."""
    rx = uow.prescriptions.get_with_items(prescription_id, for_update=lock)
    if rx is None:
        raise NotFound("The prescription was not found; it may have been cancelled on another workstation.")
    return rx
