"""The prescription form at intake: what the technician types (inputs), what comes back (outputs), and
every rule the form must pass before it is saved (services/intake.py saves it)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from pharmacy_desktop.db.models.prescriptions import Medication, Prescription, PrescriptionItem
from pharmacy_desktop.domain.daw import DAW_CODES, DAW_CODES_TEXT
from pharmacy_desktop.domain.dosage_units import form_unit
from pharmacy_desktop.domain.identifiers import (
    dea_schedules_problem,
    npi_problem,
    prescriber_dea_problem,
    split_prescriber_name,
)
from pharmacy_desktop.domain.schedules import Schedule, default_expiration, max_refills
from pharmacy_desktop.domain.sig import InvalidSig, analyze_sig, sig_problem
from pharmacy_desktop.domain.workflow import Permission
from pharmacy_desktop.services import dur_review
from pharmacy_desktop.services.text_checks import text_errors

ENTER = Permission.ENTER
SOURCES = ("paper", "electronic", "phone", "fax")
QUANTITY_UNITS = ("tablet", "capsule", "mL", "g", "each", "patch", "inhaler", "vial", "pen", "kit")
MAX_REFILLS_NON_CONTROLLED = 11  # a one-year prescription: the original plus 11 monthly refills
MAX_WRITTEN_AGE_DAYS = 365


# ---------------------------------------------------------------------------------------------
# Inputs and outputs


@dataclass(frozen=True)
class PrescriberInput:
    """``name`` is the whole name as printed ("Maria de la Cruz"); with ``last_name`` given (the
    intake form asks for first and last separately) the name is built from the parts."""

    name: str
    npi: str
    dea: str | None = None
    phone: str | None = None
    address: str | None = None
    first_name: str | None = None
    last_name: str | None = None  # "de la Cruz", "Van Buren": the DEA second letter may match any word
    dea_schedules: tuple[str, ...] | None = None  # ("2", "2N", "3", "3N", "4", "5"); None: not recorded

    @property
    def name_parts(self) -> tuple[str | None, str | None]:
        """(first, last): the typed parts, else split from ``name`` (surname particles kept)."""
        first = " ".join((self.first_name or "").split()) or None
        last = " ".join((self.last_name or "").split()) or None
        if first or last:
            return first, last
        return split_prescriber_name(self.name)

    @property
    def full_name(self) -> str:
        """prescriptions.prescriber_name: "First Last" from the parts, else the name as typed."""
        first = " ".join((self.first_name or "").split())
        last = " ".join((self.last_name or "").split())
        if first or last:
            return " ".join(part for part in (first, last) if part)
        return " ".join((self.name or "").split())


@dataclass(frozen=True)
class ItemInput:
    medication_id: uuid.UUID | None
    quantity: Decimal | str | int | None
    days_supply: int | str | None
    sig: str
    refills: int | str | None = 0
    quantity_unit: str | None = None  # defaults from the dosage form
    daw_code: str = "0"
    # Typed by the technician when the SIG is not understood (an unknown word, or a refused
    # abbreviation such as OD); required then, and only then used for the label.
    directions: str | None = None


@dataclass(frozen=True)
class PrescriptionInput:
    patient_id: uuid.UUID | None
    prescriber: PrescriberInput
    items: tuple[ItemInput, ...]
    written_date: dt.date | None
    source: str = "paper"
    is_stat: bool = False
    notes: str | None = None
    promised_at: dt.datetime | None = None
    external_rx_number: str | None = None


@dataclass(frozen=True)
class DrugChoice:
    """A catalog package offered in the drug field."""

    medication_id: uuid.UUID
    label: str  # "Amoxicillin 500 mg capsule"
    detail: str  # NDC, package, labeler
    schedule: str  # "" or "C-II"
    default_unit: str
    is_active: bool = True

    @property
    def text(self) -> str:
        return f"{self.label} [{self.schedule}]" if self.schedule else self.label


@dataclass(frozen=True)
class SavedPrescription:
    prescription_id: uuid.UUID
    rx_number: str
    status: str
    expiration_date: dt.date
    version: int
    blocking_alerts: int
    warnings: int


@dataclass(frozen=True)
class SigPreview:
    directions: str
    unknown: tuple[str, ...]
    problem: str = ""  # the SIG cannot be read at all (e.g. a 4,000-digit number): what to fix
    refused: str = ""  # an error-prone abbreviation (OD ...): why it is not translated
    understood: bool = True  # False: no automatic directions; the technician types them

    @property
    def message(self) -> str:
        if self.problem:
            return self.problem
        if self.refused:
            return f"{self.refused} Type the directions for the label."
        if not self.unknown:
            return self.directions
        return f"Not understood: {' '.join(self.unknown)}. Type the directions for the label, or fix the SIG."


@dataclass(frozen=True)
class ReturnedPrescription:
    """A prescription the pharmacist sent back to intake, with their note."""

    prescription_id: uuid.UUID
    rx_number: str
    patient_name: str
    drug: str
    note: str
    version: int
    form: PrescriptionInput = field(compare=False)


def preview_sig(text: str) -> SigPreview:
    try:
        analysis = analyze_sig(text or "")
    except InvalidSig as exc:
        return SigPreview("", (), exc.message)
    return SigPreview(
        analysis.directions,
        analysis.unknown,
        refused=analysis.refused or "",
        understood=analysis.understood or not (text or "").strip(),
    )


MAX_DIRECTIONS = 500


def directions_for(item: ItemInput) -> str:
    """What the label says: the SIG's reading when it is fully understood, else what was typed."""
    analysis = analyze_sig(item.sig or "")
    if analysis.understood:
        return analysis.directions
    return " ".join((item.directions or "").split())


def expiration_for(written_date: dt.date, schedules: list[Schedule]) -> dt.date:
    """The earliest default expiration among the items' schedules (DOMAIN.md)."""
    return min(default_expiration(written_date, s) for s in schedules or [Schedule.NONE])


def unit_for_form(dosage_form: str | None) -> str:
    """The unit a quantity of this dosage form is written in at intake, from the one table every screen
    counts in (domain/dosage_units): 'tablet', 'mL', 'canister' (AEROSOL), 'inhaler' (AEROSOL, METERED),
    'bottle' (SPRAY), 'roll' (TAPE), 'packet' (GRANULE); 'each' for a form nobody mapped (its quantity
    then reads '30 units')."""
    return form_unit(dosage_form) or "each"


def unit_choices(default_unit: str | None, current: str | None = None) -> tuple[str, ...]:
    """What the Unit field offers: the drug's own unit first, then the common ones, and the unit a
    prescription already has ('units' of insulin, 'EA' of an e-prescription) kept as it is, never
    replaced by the first choice."""
    units = [u for u in (default_unit, *QUANTITY_UNITS, current) if u and u.strip()]
    return tuple(dict.fromkeys(u.strip() for u in units))


# ---------------------------------------------------------------------------------------------
# Validation


def decimal_or_none(value: Decimal | str | int | None) -> Decimal | None:
    if value is None or isinstance(value, (bool, float)):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def integer_or_none(value: int | str | None) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    # ASCII digits only ("²".isdigit() is true, int("²") fails), and a bounded count of them:
    # int() refuses 4,301 digits with a ValueError, and no count here needs more than 9
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def field_errors(
    form: PrescriptionInput, drugs: dict[uuid.UUID, Medication], *, today: dt.date, patient_exists: bool = True
) -> dict[str, str]:
    """Field -> what to fix. ``drugs`` holds the catalog rows of the items' medication ids."""
    errors: dict[str, str] = {}
    texts = form_text_errors(form)
    if form.patient_id is None:
        errors["patient"] = "Choose the patient: type a name, date of birth or phone and press Enter."
    elif not patient_exists:
        errors["patient"] = "This patient no longer exists; search again."
    p = form.prescriber
    if (p.first_name or "").strip() and not (p.last_name or "").strip():
        errors["prescriber_last_name"] = "Prescriber last name is required."
    elif not p.full_name:
        errors["prescriber_name"] = "Prescriber name is required."
    problem = dea_schedules_problem(p.dea_schedules)
    if problem:
        errors["prescriber_dea_schedules"] = problem
    problem = npi_problem(p.npi)
    if problem:
        errors["prescriber_npi"] = problem
    if form.source not in SOURCES:
        errors["source"] = f"Source is one of: {', '.join(SOURCES)}."
    if form.written_date is None:
        errors["written_date"] = "Written date is required (MM/DD/YYYY)."
    elif form.written_date > today:
        errors["written_date"] = "Written date cannot be in the future."
    elif (today - form.written_date).days > MAX_WRITTEN_AGE_DAYS:
        errors["written_date"] = "Written more than a year ago: the prescription has expired."
    if not form.items:
        errors["items"] = "Add at least one drug."
    controlled: list[str] = []
    for i, item in enumerate(form.items):
        key = f"items[{i}]"
        med = drugs.get(item.medication_id) if item.medication_id else None
        schedule = dur_review.schedule_of(med)
        if item.medication_id is None:
            errors[f"{key}.drug"] = "Choose the drug: type its name or scan the stock bottle."
        elif med is None:
            errors[f"{key}.drug"] = "That drug is not in the catalog any more; search again."
        elif schedule is Schedule.CI:
            errors[f"{key}.drug"] = "Schedule I substances cannot be prescribed."
        elif med.is_active is False:
            errors[f"{key}.drug"] = "That package is no longer marketed; choose a current one."
        quantity = decimal_or_none(item.quantity)
        if quantity is None or quantity <= 0:
            errors[f"{key}.quantity"] = "Quantity must be a number above 0."
        elif quantity >= Decimal("100000000"):
            errors[f"{key}.quantity"] = "Quantity is too large."
        elif quantity.as_tuple().exponent < -2:  # type: ignore[operator]
            errors[f"{key}.quantity"] = "Quantity has at most 2 decimals."
        days = integer_or_none(item.days_supply)
        if days is None or not 1 <= days <= 365:
            errors[f"{key}.days_supply"] = "Days supply is a whole number from 1 to 365."
        problem = sig_problem(item.sig or "")
        sig = analyze_sig("" if problem else item.sig or "")
        if not (item.sig or "").strip():
            errors[f"{key}.sig"] = "SIG is required (e.g. 1 T PO BID)."
        elif problem:
            errors[f"{key}.sig"] = problem
        elif not sig.understood and not (item.directions or "").strip():
            why = sig.refused or f"Not understood: {' '.join(sig.unknown)}."
            errors[f"{key}.sig"] = (
                f"{why} Type the directions for the label under the SIG (the pharmacist sees them flagged), "
                "or fix the SIG."
            )
        elif not sig.understood and len(" ".join((item.directions or "").split())) > MAX_DIRECTIONS:
            errors[f"{key}.sig"] = f"Directions have at most {MAX_DIRECTIONS} characters."
        refills = integer_or_none(item.refills)
        limit = max_refills(schedule)
        if refills is None:
            errors[f"{key}.refills"] = "Refills is a whole number (0 for none)."
        elif limit == 0 and refills > 0:
            errors[f"{key}.refills"] = f"{schedule.display} prescriptions cannot have refills."
        elif limit is not None and refills > limit:
            errors[f"{key}.refills"] = f"{schedule.display} prescriptions allow at most {limit} refills."
        elif limit is None and refills > MAX_REFILLS_NON_CONTROLLED:
            errors[f"{key}.refills"] = f"At most {MAX_REFILLS_NON_CONTROLLED} refills (one year)."
        if item.daw_code not in DAW_CODES:
            errors[f"{key}.daw_code"] = f"DAW code is {DAW_CODES_TEXT}."
        if item.quantity_unit is not None and not item.quantity_unit.strip():
            errors[f"{key}.quantity_unit"] = "Unit is required (tablet, capsule, mL ...)."
        if schedule is not Schedule.NONE:
            controlled.append(schedule.display)
    if controlled and not (p.dea or "").strip():
        errors["prescriber_dea"] = f"DEA number is required for a controlled substance ({controlled[0]})."
    elif (p.dea or "").strip():
        # format, checksum and registrant type refuse the number here; a second letter that matches
        # no word of the surname (a registration under a former name?) is the DUR prescriber check's
        # hard stop, which the pharmacist may override with a reason
        problem = prescriber_dea_problem(p.dea, check_name=False)
        if problem:
            errors["prescriber_dea"] = problem
    errors.update(texts)  # a NUL or an over-long value explains a "looks wrong" above better
    return errors


_TEXT_LABELS = {
    "prescriber_name": "Prescriber name",
    "prescriber_first_name": "Prescriber first name",
    "prescriber_last_name": "Prescriber last name",
    "prescriber_npi": "NPI",
    "prescriber_dea": "DEA number",
    "prescriber_phone": "Prescriber phone",
    "prescriber_address": "Prescriber address",
    "notes": "Notes",
    "external_rx_number": "External Rx number",
}


def form_text_errors(form: PrescriptionInput) -> dict[str, str]:
    """Lengths (from the columns) and control characters of every text typed into the prescription."""
    p = form.prescriber
    fields_ = [
        ("prescriber_name", Prescription.prescriber_name, p.full_name),
        ("prescriber_first_name", Prescription.prescriber_first_name, p.first_name),
        ("prescriber_last_name", Prescription.prescriber_last_name, p.last_name),
        ("prescriber_npi", Prescription.prescriber_npi, p.npi),
        ("prescriber_dea", Prescription.prescriber_dea, p.dea),
        ("prescriber_phone", Prescription.prescriber_phone, p.phone),
        ("prescriber_address", Prescription.prescriber_address, p.address),
        ("notes", Prescription.notes, form.notes),
        ("external_rx_number", Prescription.external_rx_number, form.external_rx_number),
    ]
    labels = dict(_TEXT_LABELS)
    for i, item in enumerate(form.items):
        fields_ += [
            (f"items[{i}].sig", PrescriptionItem.sig, item.sig),
            (f"items[{i}].quantity_unit", PrescriptionItem.quantity_unit, item.quantity_unit),
            (f"items[{i}].daw_code", PrescriptionItem.daw_code, item.daw_code),
        ]
        labels.update(
            {f"items[{i}].sig": "SIG", f"items[{i}].quantity_unit": "Unit", f"items[{i}].daw_code": "DAW code"}
        )
    # the SIG is one line (it is printed on the label); its column is TEXT only for long directions
    return text_errors(fields_, labels=labels, single_line=[f"items[{i}].sig" for i in range(len(form.items))])
