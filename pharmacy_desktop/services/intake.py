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

from pharmacy_desktop.db.models.prescriptions import Medication, Prescription, PrescriptionItem
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain.identifiers import (
    DEA_SCHEDULE_CODES,
    format_dea_schedules,
    normalize_dea,
    parse_dea_schedules,
)
from pharmacy_desktop.domain.schedules import Schedule
from pharmacy_desktop.domain.sig import analyze_sig
from pharmacy_desktop.domain.workflow import RxStatus
from pharmacy_desktop.errors import ConcurrentUpdate, NotFound, ValidationFailed
from pharmacy_desktop.services import dur_review
from pharmacy_desktop.services.auth import Actor, require
from pharmacy_desktop.services.drug_search import search_drugs
from pharmacy_desktop.services.prescription_form import (  # the form's names, used as intake.X by callers
    ENTER,
    MAX_REFILLS_NON_CONTROLLED,
    MAX_WRITTEN_AGE_DAYS,
    QUANTITY_UNITS,
    SOURCES,
    DrugChoice,
    ItemInput,
    PrescriberInput,
    PrescriptionInput,
    ReturnedPrescription,
    SavedPrescription,
    SigPreview,
    decimal_or_none,
    directions_for,
    expiration_for,
    field_errors,
    form_text_errors,
    integer_or_none,
    preview_sig,
    unit_choices,
    unit_for_form,
)
from pharmacy_desktop.services.prescription_views import medication_name
from pharmacy_desktop.services.scan_resolution import resolve_scan

__all__ = [  # the form's names stay reachable as intake.X (screens, tests)
    "MAX_REFILLS_NON_CONTROLLED",
    "MAX_WRITTEN_AGE_DAYS",
    "QUANTITY_UNITS",
    "SOURCES",
    "SigPreview",
    "form_text_errors",
    "preview_sig",
    "unit_choices",
]


# ---------------------------------------------------------------------------------------------
# Drug field


def _label(med: Medication) -> str:
    return medication_name(med)


def _choice(med: Medication) -> DrugChoice:
    schedule = dur_review.schedule_of(med)
    detail = " · ".join(
        p
        for p in (f"NDC {med.package_ndc or med.ndc_code}", med.package_description or "", med.manufacturer or "")
        if p
    )
    return DrugChoice(
        med.id,
        _label(med),
        detail,
        "" if schedule is Schedule.NONE else schedule.display,
        unit_for_form(med.dosage_form),
        med.is_active is not False,
    )


def find_drugs(uow_factory: UnitOfWorkFactory, text: str, limit: int = 15) -> list[DrugChoice]:
    """Drugs for the drug field: name fragments and strength ("amox 500"), or an NDC typed or scanned."""
    text = (text or "").strip()
    if not text:
        return []
    with uow_factory() as uow:
        hits = search_drugs(uow, text, limit=limit)
        meds = uow.catalog.by_ids(h.medication_id for h in hits if h.medication_id)
        return [_choice(meds[h.medication_id]) for h in hits if h.medication_id in meds]


def drug_from_scan(uow_factory: UnitOfWorkFactory, scan_text: str) -> tuple[list[DrugChoice], str]:
    """A scanned stock bottle: the matching package(s) and the scanner's message."""
    result = resolve_scan(uow_factory, scan_text)
    ids = [result.medication_id] if result.medication_id else [c.medication_id for c in result.choices]
    if not ids:
        return [], result.message
    with uow_factory() as uow:
        meds = uow.catalog.by_ids(ids)
        return [_choice(meds[i]) for i in ids if i in meds], result.message


def drug_choice(uow_factory: UnitOfWorkFactory, medication_id: uuid.UUID) -> DrugChoice:
    with uow_factory() as uow:
        med = uow.catalog.get(medication_id)
        if med is None:
            raise NotFound("That drug is no longer in the catalog; search for it again.")
        return _choice(med)


def _check(uow: UnitOfWork, form: PrescriptionInput, today: dt.date) -> dict[uuid.UUID, Medication]:
    ids = [i.medication_id for i in form.items if i.medication_id]
    drugs = uow.catalog.by_ids(ids)
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
        refills = integer_or_none(item.refills) or 0
        result.append(
            PrescriptionItem(
                medication_id=med.id,
                written_medication_name=_label(med)[:255],
                quantity=decimal_or_none(item.quantity),
                quantity_unit=(item.quantity_unit or unit_for_form(med.dosage_form)).strip(),
                days_supply=integer_or_none(item.days_supply),
                sig=" ".join(item.sig.split()),
                directions=directions_for(item),
                directions_typed=not analyze_sig(item.sig or "").understood,
                refills_authorized=refills,
                refills_remaining=refills,
                daw_code=item.daw_code,
                substitution_allowed=item.daw_code not in ("1", "7"),
            )
        )
    return result


_ITEM_COLUMNS = (
    "medication_id",
    "written_medication_name",
    "quantity",
    "quantity_unit",
    "days_supply",
    "sig",
    "directions",
    "directions_typed",
    "refills_authorized",
    "refills_remaining",
    "daw_code",
    "substitution_allowed",
)


def _replace_items(rx: Prescription, new_items: list[PrescriptionItem]) -> None:
    """Update items in place (their earlier DUR rows stay linked), drop or add the difference."""
    old_items = sorted(rx.items, key=lambda i: i.created_at or dt.datetime.min.replace(tzinfo=dt.UTC))
    for old, new in zip(old_items, new_items):
        for column in _ITEM_COLUMNS:
            setattr(old, column, getattr(new, column))
    for old in old_items[len(new_items) :]:
        rx.items.remove(old)
    for new in new_items[len(old_items) :]:
        rx.items.append(new)


def _prescriber_values(p: PrescriberInput) -> dict[str, object]:
    first, last = p.name_parts
    return dict(
        prescriber_name=p.full_name,
        prescriber_first_name=first,
        prescriber_last_name=last,
        prescriber_dea_schedules=format_dea_schedules(p.dea_schedules),
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


def submit_prescription(
    uow_factory: UnitOfWorkFactory, actor: Actor, form: PrescriptionInput, *, today: dt.date | None = None
) -> SavedPrescription:
    """Save a new prescription as ``received`` (to the review queue) with its DUR results."""
    today = today or dt.date.today()
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, ENTER, doing="enter prescriptions")
        drugs = _check(uow, form, today)
        assert form.written_date is not None and form.patient_id is not None
        schedules = [dur_review.schedule_of(drugs[i.medication_id]) for i in form.items if i.medication_id]
        now = dt.datetime.now(dt.UTC)
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
        uow.record(
            "PrescriptionReceived",
            "prescription",
            rx.id,
            {
                "rx_number": rx.prescription_number,
                "patient_id": rx.patient_id,
                "source": rx.source,
                "is_stat": bool(rx.is_stat),
                "drugs": [i.written_medication_name for i in rx.items],
                "schedules": [s.display for s in schedules if s is not Schedule.NONE],
            },
        )
        dur_review.run_dur(uow, rx.id, today=today)
        dur_review.rerun_waiting(uow, rx.patient_id, excluding=rx.id, today=today)  # a new active medication
        saved = _saved(uow, rx)
        uow.notify("prescriptions", rx.id, status=rx.status)
        uow.commit()
        return saved


def returned_to_intake(uow_factory: UnitOfWorkFactory, actor: Actor) -> list[ReturnedPrescription]:
    """Prescriptions sent back by the pharmacist, oldest first, with the form to correct."""
    with uow_factory(actor.user_id) as uow:
        rows = uow.prescriptions.returned_to_intake()
        result = []
        for rx in rows:
            patient = uow.patients.get(rx.patient_id)
            result.append(
                ReturnedPrescription(
                    rx.id,
                    rx.prescription_number,
                    patient.display_name if patient else "(unknown patient)",
                    ", ".join(i.written_medication_name for i in rx.items),
                    rx.returned_note or "",
                    rx.version or 1,
                    _form_of(rx),
                )
            )
        return result


def _schedules_tuple(text: str | None) -> tuple[str, ...] | None:
    codes = parse_dea_schedules(text)
    return None if codes is None else tuple(c for c in DEA_SCHEDULE_CODES if c in codes)


def _form_of(rx: Prescription) -> PrescriptionInput:
    return PrescriptionInput(
        patient_id=rx.patient_id,
        prescriber=PrescriberInput(
            rx.prescriber_name,
            rx.prescriber_npi,
            rx.prescriber_dea,
            rx.prescriber_phone,
            rx.prescriber_address,
            first_name=rx.prescriber_first_name,
            last_name=rx.prescriber_last_name,
            dea_schedules=_schedules_tuple(rx.prescriber_dea_schedules),
        ),
        items=tuple(
            ItemInput(
                i.medication_id,
                i.quantity,
                i.days_supply,
                i.sig,
                i.refills_authorized,
                i.quantity_unit,
                i.daw_code or "0",
                i.directions,
            )
            for i in rx.items
        ),
        written_date=rx.written_date,
        source=rx.source,
        is_stat=bool(rx.is_stat),
        notes=rx.notes,
        promised_at=rx.promised_at,
        external_rx_number=rx.external_rx_number,
    )


def correct_prescription(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    prescription_id: uuid.UUID,
    expected_version: int,
    form: PrescriptionInput,
    *,
    today: dt.date | None = None,
) -> SavedPrescription:
    """Save corrections to a prescription sent back to intake; it returns to the review queue."""
    today = today or dt.date.today()
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, ENTER, doing="correct prescriptions")
        rx = uow.prescriptions.get_with_items(prescription_id, for_update=True)
        if rx is None:
            raise NotFound("The prescription was not found; it may have been removed on another workstation.")
        if rx.version != expected_version:
            raise ConcurrentUpdate(
                f"Rx {rx.prescription_number} was changed on another workstation. "
                "Nothing was saved: reopen it and enter the corrections again."
            )
        if rx.status != RxStatus.RECEIVED.value:
            raise ValidationFailed(
                f"Rx {rx.prescription_number} is {rx.status} and can no longer be corrected at intake."
            )
        drugs = _check(uow, form, today)
        assert form.written_date is not None and form.patient_id is not None  # _check required both
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
        uow.record(
            "PrescriptionCorrected", "prescription", rx.id, {"rx_number": rx.prescription_number, "returned_note": note}
        )
        dur_review.run_dur(uow, rx.id, today=today)
        dur_review.rerun_waiting(uow, rx.patient_id, excluding=rx.id, today=today)  # a new active medication
        saved = _saved(uow, rx)
        uow.notify("prescriptions", rx.id, status=rx.status)
        uow.commit()
        return saved
