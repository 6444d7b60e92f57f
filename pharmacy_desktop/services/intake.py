"""Prescription entry (intake): check the form, number it, save it as ``received``, run DUR.

Field errors come back as ``ValidationFailed.field_errors`` keyed by the form's field names
("prescriber_npi", "items[0].sig", ...) so the screen shows each next to its field. The Rx
number comes from the database sequence (unique across workstations); the expiration date is
the earliest default of the items' schedules. DUR runs in the same transaction, so a prescription
never reaches the review queue without its checks. A prescription the pharmacist sent back to
intake is corrected with ``correct_prescription`` (same Rx number, DUR run again).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pharmacy_desktop.db.models.prescriptions import Medication, Prescription, PrescriptionItem
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain.daw import DAW_CODES, DAW_CODES_TEXT
from pharmacy_desktop.domain.identifiers import dea_problem, normalize_dea, npi_problem, prescriber_last_name
from pharmacy_desktop.domain.schedules import Schedule, default_expiration, max_refills
from pharmacy_desktop.domain.product_names import strength_of
from pharmacy_desktop.domain.sig import InvalidSig, analyze_sig, sig_problem
from pharmacy_desktop.domain.workflow import Permission, RxStatus
from pharmacy_desktop.errors import ConcurrentUpdate, NotFound, ValidationFailed
from pharmacy_desktop.services import dur_review
from pharmacy_desktop.services.auth import Actor, require
from pharmacy_desktop.services.drug_search import search_drugs
from pharmacy_desktop.services.scan_resolution import resolve_scan
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
    name: str
    npi: str
    dea: str | None = None
    phone: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class ItemInput:
    medication_id: uuid.UUID | None
    quantity: Decimal | str | int | None
    days_supply: int | str | None
    sig: str
    refills: int | str | None = 0
    quantity_unit: str | None = None  # defaults from the dosage form
    daw_code: str = "0"


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

    @property
    def message(self) -> str:
        if self.problem:
            return self.problem
        if not self.unknown:
            return self.directions
        return f"{self.directions}  — not a known code: {' '.join(self.unknown)}"


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
    return SigPreview(analysis.directions, analysis.unknown)


def expiration_for(written_date: dt.date, schedules: list[Schedule]) -> dt.date:
    """The earliest default expiration among the items' schedules (DOMAIN.md)."""
    return min(default_expiration(written_date, s) for s in schedules or [Schedule.NONE])


# ---------------------------------------------------------------------------------------------
# Drug field


def unit_for_form(dosage_form: str | None) -> str:
    form = (dosage_form or "").lower()
    for word, unit in (("tablet", "tablet"), ("capsule", "capsule"), ("solution", "mL"), ("suspension", "mL"),
                       ("syrup", "mL"), ("elixir", "mL"), ("liquid", "mL"), ("drops", "mL"), ("cream", "g"),
                       ("ointment", "g"), ("gel", "g"), ("patch", "patch"), ("inhal", "inhaler"),
                       ("aerosol", "inhaler"), ("injection", "mL"), ("pen", "pen")):
        if word in form:
            return unit
    return "each"


def _label(med: Medication) -> str:
    name = (med.generic_name or med.drug_name).strip()
    name = name[:1].upper() + name[1:].lower() if name.isupper() else name
    if med.brand_name and med.brand_name.strip().lower() != name.lower():
        brand = med.brand_name.strip()
        brand = brand.title() if brand.isupper() else brand
        name = f"{name} ({brand})"
    parts = [name, strength_of(med, name) or "", (med.dosage_form or "").lower()]
    return " ".join(p for p in parts if p).strip()


def _choice(med: Medication) -> DrugChoice:
    schedule = dur_review.schedule_of(med)
    detail = " · ".join(p for p in (f"NDC {med.package_ndc or med.ndc_code}", med.package_description or "",
                                    med.manufacturer or "") if p)
    return DrugChoice(med.id, _label(med), detail, "" if schedule is Schedule.NONE else schedule.display,
                      unit_for_form(med.dosage_form), med.is_active is not False)


def find_drugs(uow_factory: UnitOfWorkFactory, text: str, limit: int = 15) -> list[DrugChoice]:
    """Drugs for the drug field: name fragments and strength ("amox 500"), or an NDC typed or scanned."""
    text = (text or "").strip()
    if not text:
        return []
    with uow_factory() as uow:
        hits = search_drugs(uow, text, limit=limit)
        meds = {m.id: m for m in uow.session.scalars(
            select(Medication).where(Medication.id.in_([h.medication_id for h in hits])))}
        return [_choice(meds[h.medication_id]) for h in hits if h.medication_id in meds]


def drug_from_scan(uow_factory: UnitOfWorkFactory, scan_text: str) -> tuple[list[DrugChoice], str]:
    """A scanned stock bottle: the matching package(s) and the scanner's message."""
    result = resolve_scan(uow_factory, scan_text)
    ids = [result.medication_id] if result.medication_id else [c.medication_id for c in result.choices]
    if not ids:
        return [], result.message
    with uow_factory() as uow:
        meds = {m.id: m for m in uow.session.scalars(select(Medication).where(Medication.id.in_(ids)))}
        return [_choice(meds[i]) for i in ids if i in meds], result.message


def drug_choice(uow_factory: UnitOfWorkFactory, medication_id: uuid.UUID) -> DrugChoice:
    with uow_factory() as uow:
        med = uow.catalog.get(medication_id)
        if med is None:
            raise NotFound("That drug is no longer in the catalog; search for it again.")
        return _choice(med)


# ---------------------------------------------------------------------------------------------
# Validation


def _decimal(value: Decimal | str | int | None) -> Decimal | None:
    if value is None or isinstance(value, (bool, float)):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _integer(value: int | str | None) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    # ASCII digits only ("²".isdigit() is true, int("²") fails), and a bounded count of them:
    # int() refuses 4,301 digits with a ValueError, and no count here needs more than 9
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def field_errors(form: PrescriptionInput, drugs: dict[uuid.UUID, Medication], *, today: dt.date,
                 patient_exists: bool = True) -> dict[str, str]:
    """Field -> what to fix. ``drugs`` holds the catalog rows of the items' medication ids."""
    errors: dict[str, str] = {}
    texts = form_text_errors(form)
    if form.patient_id is None:
        errors["patient"] = "Choose the patient: type a name, date of birth or phone and press Enter."
    elif not patient_exists:
        errors["patient"] = "This patient no longer exists; search again."
    p = form.prescriber
    if not (p.name or "").strip():
        errors["prescriber_name"] = "Prescriber name is required."
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
        quantity = _decimal(item.quantity)
        if quantity is None or quantity <= 0:
            errors[f"{key}.quantity"] = "Quantity must be a number above 0."
        elif quantity >= Decimal("100000000"):
            errors[f"{key}.quantity"] = "Quantity is too large."
        elif quantity.as_tuple().exponent < -2:  # type: ignore[operator]
            errors[f"{key}.quantity"] = "Quantity has at most 2 decimals."
        days = _integer(item.days_supply)
        if days is None or not 1 <= days <= 365:
            errors[f"{key}.days_supply"] = "Days supply is a whole number from 1 to 365."
        problem = sig_problem(item.sig or "")
        sig = analyze_sig("" if problem else item.sig or "")
        if not (item.sig or "").strip():
            errors[f"{key}.sig"] = "SIG is required (e.g. 1 T PO BID)."
        elif problem:
            errors[f"{key}.sig"] = problem
        elif sig.unknown:
            errors[f"{key}.sig"] = (f"Not a known SIG code: {' '.join(sig.unknown)}. Fix it or write the words out.")
        refills = _integer(item.refills)
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
    if controlled:
        if not (p.dea or "").strip():
            errors["prescriber_dea"] = f"DEA number is required for a controlled substance ({controlled[0]})."
        else:
            problem = dea_problem(p.dea, prescriber_last_name(p.name or ""))
            if problem:
                errors["prescriber_dea"] = problem
    elif (p.dea or "").strip():
        problem = dea_problem(p.dea, prescriber_last_name(p.name or ""))
        if problem:
            errors["prescriber_dea"] = problem
    errors.update(texts)  # a NUL or an over-long value explains a "looks wrong" above better
    return errors


_TEXT_LABELS = {"prescriber_name": "Prescriber name", "prescriber_npi": "NPI", "prescriber_dea": "DEA number",
                "prescriber_phone": "Prescriber phone", "prescriber_address": "Prescriber address", "notes": "Notes",
                "external_rx_number": "External Rx number"}


def form_text_errors(form: PrescriptionInput) -> dict[str, str]:
    """Lengths (from the columns) and control characters of every text typed into the prescription."""
    p = form.prescriber
    fields_ = [
        ("prescriber_name", Prescription.prescriber_name, p.name), ("prescriber_npi", Prescription.prescriber_npi, p.npi),
        ("prescriber_dea", Prescription.prescriber_dea, p.dea),
        ("prescriber_phone", Prescription.prescriber_phone, p.phone),
        ("prescriber_address", Prescription.prescriber_address, p.address),
        ("notes", Prescription.notes, form.notes),
        ("external_rx_number", Prescription.external_rx_number, form.external_rx_number),
    ]
    labels = dict(_TEXT_LABELS)
    for i, item in enumerate(form.items):
        fields_ += [(f"items[{i}].sig", PrescriptionItem.sig, item.sig),
                    (f"items[{i}].quantity_unit", PrescriptionItem.quantity_unit, item.quantity_unit),
                    (f"items[{i}].daw_code", PrescriptionItem.daw_code, item.daw_code)]
        labels.update({f"items[{i}].sig": "SIG", f"items[{i}].quantity_unit": "Unit",
                       f"items[{i}].daw_code": "DAW code"})
    # the SIG is one line (it is printed on the label); its column is TEXT only for long directions
    return text_errors(fields_, labels=labels, single_line=[f"items[{i}].sig" for i in range(len(form.items))])


def _check(uow: UnitOfWork, form: PrescriptionInput, today: dt.date) -> dict[uuid.UUID, Medication]:
    ids = [i.medication_id for i in form.items if i.medication_id]
    drugs = {m.id: m for m in uow.session.scalars(select(Medication).where(Medication.id.in_(ids)))} if ids else {}
    exists = form.patient_id is not None and uow.patients.get(form.patient_id) is not None
    errors = field_errors(form, drugs, today=today, patient_exists=exists)
    if errors:
        raise ValidationFailed(
            f"The prescription was not saved: {len(errors)} field(s) need attention (shown next to each field).",
            errors,
        )
    return drugs


def _items(form: PrescriptionInput, drugs: dict[uuid.UUID, Medication]) -> list[PrescriptionItem]:
    result = []
    for item in form.items:
        assert item.medication_id is not None
        med = drugs[item.medication_id]
        refills = _integer(item.refills) or 0
        result.append(PrescriptionItem(
            medication_id=med.id,
            written_medication_name=_label(med)[:255],
            quantity=_decimal(item.quantity),
            quantity_unit=(item.quantity_unit or unit_for_form(med.dosage_form)).strip(),
            days_supply=_integer(item.days_supply),
            sig=" ".join(item.sig.split()),
            directions=analyze_sig(item.sig).directions,
            refills_authorized=refills,
            refills_remaining=refills,
            daw_code=item.daw_code,
            substitution_allowed=item.daw_code not in ("1", "7"),
        ))
    return result


_ITEM_COLUMNS = ("medication_id", "written_medication_name", "quantity", "quantity_unit", "days_supply", "sig",
                 "directions", "refills_authorized", "refills_remaining", "daw_code", "substitution_allowed")


def _replace_items(rx: Prescription, new_items: list[PrescriptionItem]) -> None:
    """Update items in place (their earlier DUR rows stay linked), drop or add the difference."""
    old_items = sorted(rx.items, key=lambda i: i.created_at or dt.datetime.min.replace(tzinfo=dt.timezone.utc))
    for old, new in zip(old_items, new_items):
        for column in _ITEM_COLUMNS:
            setattr(old, column, getattr(new, column))
    for old in old_items[len(new_items):]:
        rx.items.remove(old)
    for new in new_items[len(old_items):]:
        rx.items.append(new)


def _prescriber_values(p: PrescriberInput) -> dict[str, object]:
    return dict(
        prescriber_name=" ".join(p.name.split()),
        prescriber_npi=p.npi.strip(),
        prescriber_dea=normalize_dea(p.dea) or None,
        prescriber_phone=(p.phone or "").strip() or None,
        prescriber_address=(p.address or "").strip() or None,
    )


def _saved(uow: UnitOfWork, rx: Prescription) -> SavedPrescription:
    counts = dur_review.open_alert_counts(uow, [rx.id]).get(rx.id, (0, 0))
    return SavedPrescription(rx.id, rx.prescription_number, rx.status, rx.expiration_date, rx.version or 1, *counts)


# ---------------------------------------------------------------------------------------------
# Saving


def submit_prescription(uow_factory: UnitOfWorkFactory, actor: Actor, form: PrescriptionInput, *,
                        today: dt.date | None = None) -> SavedPrescription:
    """Save a new prescription as ``received`` (to the review queue) with its DUR results."""
    today = today or dt.date.today()
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, ENTER, doing="enter prescriptions")
        drugs = _check(uow, form, today)
        assert form.written_date is not None and form.patient_id is not None
        schedules = [dur_review.schedule_of(drugs[i.medication_id]) for i in form.items if i.medication_id]
        now = dt.datetime.now(dt.timezone.utc)
        rx = Prescription(
            prescription_number=uow.prescriptions.next_rx_number(),
            patient_id=form.patient_id,
            prescription_date=today,
            written_date=form.written_date,
            expiration_date=expiration_for(form.written_date, schedules),
            source=form.source,
            external_rx_number=(form.external_rx_number or "").strip() or None,
            status=RxStatus.RECEIVED.value,
            received_at=now,
            received_by=actor.user_id,
            is_stat=form.is_stat,
            notes=(form.notes or "").strip() or None,
            promised_at=form.promised_at,
            **_prescriber_values(form.prescriber),
        )
        rx.items = _items(form, drugs)
        uow.prescriptions.add(rx)
        uow.record("PrescriptionReceived", "prescription", rx.id, {
            "rx_number": rx.prescription_number,
            "patient_id": rx.patient_id,
            "source": rx.source,
            "is_stat": bool(rx.is_stat),
            "drugs": [i.written_medication_name for i in rx.items],
            "schedules": [s.display for s in schedules if s is not Schedule.NONE],
        })
        dur_review.run_dur(uow, rx.id, today=today)
        saved = _saved(uow, rx)
        uow.notify("prescriptions", rx.id, status=rx.status)
        uow.commit()
        return saved


def returned_to_intake(uow_factory: UnitOfWorkFactory, actor: Actor) -> list[ReturnedPrescription]:
    """Prescriptions sent back by the pharmacist, oldest first, with the form to correct."""
    with uow_factory(actor.user_id) as uow:
        rows = uow.session.scalars(
            select(Prescription)
            .where(Prescription.status == RxStatus.RECEIVED.value, Prescription.returned_note.is_not(None))
            .order_by(Prescription.received_at)
            .options(selectinload(Prescription.items))  # with their items: one query, not one per row
        ).all()
        result = []
        for rx in rows:
            patient = uow.patients.get(rx.patient_id)
            result.append(ReturnedPrescription(
                rx.id, rx.prescription_number, patient.display_name if patient else "(unknown patient)",
                ", ".join(i.written_medication_name for i in rx.items), rx.returned_note or "", rx.version or 1,
                _form_of(rx),
            ))
        return result


def _form_of(rx: Prescription) -> PrescriptionInput:
    return PrescriptionInput(
        patient_id=rx.patient_id,
        prescriber=PrescriberInput(rx.prescriber_name, rx.prescriber_npi, rx.prescriber_dea, rx.prescriber_phone,
                                   rx.prescriber_address),
        items=tuple(ItemInput(i.medication_id, i.quantity, i.days_supply, i.sig, i.refills_authorized,
                              i.quantity_unit, i.daw_code or "0") for i in rx.items),
        written_date=rx.written_date, source=rx.source, is_stat=bool(rx.is_stat), notes=rx.notes,
        promised_at=rx.promised_at, external_rx_number=rx.external_rx_number,
    )


def correct_prescription(uow_factory: UnitOfWorkFactory, actor: Actor, prescription_id: uuid.UUID,
                         expected_version: int, form: PrescriptionInput, *,
                         today: dt.date | None = None) -> SavedPrescription:
    """Save corrections to a prescription sent back to intake; it returns to the review queue."""
    today = today or dt.date.today()
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, ENTER, doing="correct prescriptions")
        rx = uow.prescriptions.get_with_items(prescription_id, for_update=True)
        if rx is None:
            raise NotFound("The prescription was not found; it may have been removed on another workstation.")
        if rx.version != expected_version:
            raise ConcurrentUpdate(f"Rx {rx.prescription_number} was changed on another workstation. "
                                   "Nothing was saved: reopen it and enter the corrections again.")
        if rx.status != RxStatus.RECEIVED.value:
            raise ValidationFailed(f"Rx {rx.prescription_number} is {rx.status} and can no longer be corrected at intake.")
        drugs = _check(uow, form, today)
        assert form.written_date is not None
        schedules = [dur_review.schedule_of(drugs[i.medication_id]) for i in form.items if i.medication_id]
        for key, value in _prescriber_values(form.prescriber).items():
            setattr(rx, key, value)
        rx.patient_id = form.patient_id
        rx.written_date = form.written_date
        rx.expiration_date = expiration_for(form.written_date, schedules)
        rx.source = form.source
        rx.is_stat = form.is_stat
        rx.notes = (form.notes or "").strip() or None
        rx.promised_at = form.promised_at
        note = rx.returned_note
        rx.returned_note = None
        _replace_items(rx, _items(form, drugs))
        uow.flush()
        uow.record("PrescriptionCorrected", "prescription", rx.id, {"rx_number": rx.prescription_number,
                                                                     "returned_note": note})
        dur_review.run_dur(uow, rx.id, today=today)
        saved = _saved(uow, rx)
        uow.notify("prescriptions", rx.id, status=rx.status)
        uow.commit()
        return saved
