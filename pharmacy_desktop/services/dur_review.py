"""DUR for one prescription: gather the facts from the database, run ``domain.dur``, log the results.

Every check leaves ``prescription_validations`` rows (one per finding, at least one ``passed`` row
per check and item). A new run marks the earlier rows ``is_current = false``, so what the
pharmacist saw before stays on record and only the current alerts need acknowledging.

Facts gathered: the patient's active drug allergies; the other items of this prescription and the
patient's other active prescriptions (with their last fill); interaction pairs from
``drug_interactions`` matched at the generic level (a pair stored between two packages applies to
every package of the same generics); the prescriber's DEA number; previous fills of this
prescription (for a refill).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pharmacy_desktop.db.unit_of_work import UnitOfWork
from pharmacy_desktop.domain import dur, dur_facts
from pharmacy_desktop.domain.interaction_rules import interaction_rules_for
from pharmacy_desktop.domain.product_names import strength_of
from pharmacy_desktop.domain.schedules import Schedule, parse_schedule
from pharmacy_desktop.errors import NotFound


@dataclass(frozen=True)
class ActiveMed:
    """One active medication of the patient, for the review screen."""

    rx_number: str
    drug: str
    sig: str
    status: str
    last_fill_date: dt.date | None
    days_supply: int | None


def schedule_of(med: Any) -> Schedule:
    if med is None:
        return Schedule.NONE
    try:
        return parse_schedule(med.dea_schedule)
    except ValueError:
        # an unreadable schedule on a controlled product: treat it as the strictest dispensable one
        return Schedule.CII if med.is_controlled_substance else Schedule.NONE


def drug_facts(med: Any, written_name: str, pharm_classes: str | None = None) -> dur_facts.DrugFacts:
    if med is None:
        return dur_facts.DrugFacts(generic_name=written_name)
    ingredients: tuple[str, ...] = ()
    if isinstance(med.active_ingredients, list):
        ingredients = tuple(str(i.get("name")) for i in med.active_ingredients if isinstance(i, dict) and i.get("name"))
    classes = tuple(c.strip() for c in (pharm_classes or med.pharmacologic_class or "").split(",") if c.strip())
    generic = med.generic_name or med.drug_name
    brand = med.brand_name
    return dur_facts.DrugFacts(
        # the FDA catalog shouts ("AMOXICILLIN"); alert messages read better in normal case
        generic_name=generic.lower() if generic.isupper() else generic,
        brand_name=brand.title() if brand and brand.isupper() else brand,
        strength=strength_of(med, generic),  # paired in the order of the name the alert shows
        dosage_form=med.dosage_form,
        route=med.route,
        therapeutic_class=med.therapeutic_class,
        pharm_classes=classes,
        schedule=schedule_of(med),
        ingredients=ingredients,
    )


def _pharm_classes(uow: UnitOfWork, meds: Iterable[Any]) -> dict[uuid.UUID, str]:
    product_ids = {m.product_id for m in meds if m is not None and m.product_id is not None}
    if not product_ids:
        return {}
    return uow.dur.pharm_classes(product_ids)


def _facts(med: Any, written: str, classes: dict[uuid.UUID, str]) -> dur_facts.DrugFacts:
    return drug_facts(med, written, classes.get(med.product_id) if med is not None and med.product_id else None)


def _last_fills(uow: UnitOfWork, item_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[dt.date, int]]:
    if not item_ids:
        return {}
    return uow.dur.last_fills(item_ids)


def interaction_rules(uow: UnitOfWork, drugs: Iterable[dur_facts.DrugFacts]) -> tuple[dur_facts.InteractionRule, ...]:
    """Rules from ``drug_interactions`` naming an ingredient of any of ``drugs``, at generic level."""
    keys = sorted(frozenset().union(*(d.name_keys for d in drugs)))
    if not keys:
        return ()
    rules = uow.dur.interaction_pairs(keys)
    return interaction_rules_for(
        list(drugs), [dur_facts.InteractionRule(a, b, sev, desc, mgmt) for a, b, sev, desc, mgmt in sorted(rules)]
    )


def gather(
    uow: UnitOfWork, rx: Any, item: Any, *, today: dt.date, classes: dict[uuid.UUID, str] | None = None
) -> dur_facts.DurContext:
    """The DUR facts for one item of ``rx`` (items and their medications loaded)."""
    active = uow.prescriptions.active_medications(rx.patient_id, excluding=rx.id, as_of=today)
    meds = [item.medication, *(i.medication for i in rx.items), *(i.medication for i in active)]
    classes = classes if classes is not None else _pharm_classes(uow, meds)
    fills = _last_fills(uow, [i.id for i in active] + [item.id])
    others: list[dur_facts.ActiveMedication] = [
        dur_facts.ActiveMedication(
            rx.prescription_number,
            _facts(i.medication, i.written_medication_name, classes),
            None,
            i.days_supply,
            Decimal(i.quantity),
        )
        for i in rx.items
        if i.id != item.id
    ]
    for other in active:
        assert other.prescription is not None  # active_medications joins each item's prescription
        last = fills.get(other.id)
        others.append(
            dur_facts.ActiveMedication(
                other.prescription.prescription_number,
                _facts(other.medication, other.written_medication_name, classes),
                last[0] if last else None,
                last[1] if last else other.days_supply,
                Decimal(other.quantity),
            )
        )
    allergies = tuple(
        dur_facts.Allergy(a.allergen_name, _allergen_type(a.allergen_type), a.severity, a.reaction)
        for a in uow.dur.active_allergies(rx.patient_id)
    )
    new_drug = _facts(item.medication, item.written_medication_name, classes)
    previous = fills.get(item.id)
    return dur_facts.DurContext(
        item=dur_facts.NewItem(
            new_drug, Decimal(item.quantity), item.days_supply, item.sig, item.refills_authorized, rx.written_date
        ),
        prescriber=dur_facts.Prescriber(rx.prescriber_name, rx.prescriber_npi, rx.prescriber_dea),
        today=today,
        allergies=allergies,
        active_medications=tuple(others),
        interaction_rules=interaction_rules(uow, [new_drug, *(m.drug for m in others)]),
        previous_fill=dur_facts.PreviousFill(*previous) if previous else None,
    )


def _allergen_type(value: str | None) -> str:
    # the patient form says "drug"; the DUR vocabulary says "medication"
    kind = (value or "").lower()
    return "medication" if kind in ("", "drug", "medication") else kind


def run_dur(
    uow: UnitOfWork, prescription_id: uuid.UUID, *, today: dt.date | None = None, performed_by: uuid.UUID | None = None
) -> list[Any]:
    """Run every check for every item; supersede earlier rows; return the new current rows."""
    today = today or dt.date.today()
    rx = uow.prescriptions.get_with_items(prescription_id)
    if rx is None:
        raise NotFound("The prescription was not found; it may have been removed on another workstation.")
    uow.dur.supersede(rx.id)
    classes = _pharm_classes(uow, [i.medication for i in rx.items])
    rows: list[Any] = []
    actor = performed_by or uow.actor_id
    for item in sorted(rx.items, key=lambda i: i.created_at or dt.datetime.min.replace(tzinfo=dt.UTC)):
        for finding in dur.run_dur(gather(uow, rx, item, today=today, classes=classes)):
            row = uow.dur.add_validation(
                prescription_id=rx.id,
                prescription_item_id=item.id,
                validation_type=finding.check,
                validation_status=finding.status,
                severity=finding.severity,
                message=finding.message,
                details={**finding.details, "drug": item.written_medication_name},
                performed_by=actor,
                is_current=True,
            )
            rows.append(row)
    uow.flush()
    counts = {s: sum(1 for r in rows if r.validation_status == s) for s in ("failed", "warning", "passed")}
    uow.record("DurChecked", "prescription", rx.id, {"rx_number": rx.prescription_number, **counts})
    return rows


def current_validations(uow: UnitOfWork, prescription_id: uuid.UUID) -> list[Any]:
    rank = {"failed": 0, "warning": 1, "passed": 2}
    rows = uow.dur.current(prescription_id)
    return sorted(
        rows,
        key=lambda r: (
            rank.get(r.validation_status, 3),
            _severity_rank(r.severity),
            r.validation_type,
            r.message or "",
        ),
    )


def _severity_rank(severity: str | None) -> int:
    order = dur_facts.SEVERITY_ORDER
    return order.index(severity) if severity in order else len(order)


def open_alert_counts(uow: UnitOfWork, prescription_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[int, int]]:
    """Prescription -> (failed, warning) current alerts not yet acknowledged or overridden."""
    if not prescription_ids:
        return {}
    rows = uow.dur.open_alert_rows(prescription_ids)
    result: dict[uuid.UUID, list[int]] = {}
    for rx_id, status, count in rows:
        result.setdefault(rx_id, [0, 0])[0 if status == "failed" else 1] = count
    return {k: (a, b) for k, (a, b) in result.items()}


def has_current(uow: UnitOfWork, prescription_id: uuid.UUID) -> bool:
    return uow.dur.has_current(prescription_id)


def active_medication_list(
    uow: UnitOfWork, patient_id: uuid.UUID, *, excluding: uuid.UUID | None = None, today: dt.date | None = None
) -> list[ActiveMed]:
    items = uow.prescriptions.active_medications(patient_id, excluding=excluding, as_of=today or dt.date.today())
    fills = _last_fills(uow, [i.id for i in items])
    result = []
    for i in items:
        assert i.prescription is not None  # active_medications joins each item's prescription
        med = i.medication
        name = i.written_medication_name
        schedule = schedule_of(med)
        if schedule is not Schedule.NONE:
            name = f"{name} ({schedule.display})"
        last = fills.get(i.id)
        result.append(
            ActiveMed(
                i.prescription.prescription_number,
                name,
                i.directions or i.sig,
                i.prescription.status,
                last[0] if last else None,
                last[1] if last else i.days_supply,
            )
        )
    return result
