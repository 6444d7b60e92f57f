"""DUR for one prescription: gather the facts from the database, run ``domain.dur``, log the results.

Every check leaves ``prescription_validations`` rows (one per finding, at least one ``passed`` row
per check and item). A new run marks the earlier rows ``is_current = false``, so what the
pharmacist saw before stays on record and only the current alerts need acknowledging. A warning
the new run repeats word for word keeps its acknowledgement (``details.carried_from`` names the row
acknowledged); a hard stop is always decided again.

Facts gathered: the patient's clinical profile (birth date, sex, weight, pregnancy, breastfeeding,
active conditions), active drug allergies; the other items of this prescription and the patient's
other active prescriptions (with their last fill); each drug's ingredients, strengths and release
(``services/dur_drugs.py``); the clinical knowledge for those ingredients, allergies and conditions
(``uow.clinical.knowledge_for``) with the pharmacy's own ``drug_interactions`` rows added as
ingredient-level rules; the prescriber's DEA number and schedules; previous fills of this
prescription (for a refill).

Staleness: a run first reads the patient's ``clinical_profile_version`` (bumped by database
triggers on every change to allergies, conditions, weight, pregnancy, breastfeeding, birth date,
sex or active medications) and stores it on every row it writes. Results are stale when no row is
current or a current row saw another version; ``rerun_waiting`` re-runs the patient's waiting
prescriptions after such a change, in the unit of work that made it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pharmacy_desktop.db.repositories.clinical import LEGACY_SOURCE as LEGACY_SOURCE  # re-exported
from pharmacy_desktop.db.repositories.clinical import legacy_interactions
from pharmacy_desktop.db.repositories.dur_run import ReviewItem, ReviewSubject
from pharmacy_desktop.db.unit_of_work import UnitOfWork
from pharmacy_desktop.domain import dur, dur_facts
from pharmacy_desktop.domain.clinical_knowledge import ClinicalKnowledge, InteractionRule
from pharmacy_desktop.domain.schedules import Schedule
from pharmacy_desktop.errors import NotFound
from pharmacy_desktop.services.dur_drugs import drug_facts as drug_facts  # re-exported: dur_review.drug_facts
from pharmacy_desktop.services.dur_drugs import schedule_of as schedule_of  # re-exported: dur_review.schedule_of
from pharmacy_desktop.services.prescription_views import medication_name


@dataclass(frozen=True)
class ActiveMed:
    """One active medication of the patient, for the review screen."""

    rx_number: str
    drug: str
    sig: str
    status: str
    last_fill_date: dt.date | None
    days_supply: int | None


@dataclass(frozen=True)
class PatientPart:
    """What one DUR run reads about the patient, once for every item of the prescription."""

    profile_version: int | None
    facts: dur_facts.PatientFacts | None
    allergies: tuple[dur_facts.Allergy, ...]
    others: tuple[dur_facts.ActiveMedication, ...]  # the patient's other active prescriptions
    knowledge: ClinicalKnowledge
    interaction_rules: tuple[dur_facts.InteractionRule, ...] = ()


def _last_fills(uow: UnitOfWork, item_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[dt.date, int]]:
    if not item_ids:
        return {}
    return uow.dur.last_fills(item_ids)


def legacy_rules(uow: UnitOfWork, drugs: Iterable[dur_facts.DrugFacts]) -> tuple[InteractionRule, ...]:
    """The pharmacy's ``drug_interactions`` rows naming an ingredient of ``drugs``, as rules between
    ingredients (a pair stored between two packages applies to every product of those ingredients).
    A run reads them with the clinical knowledge (``knowledge_for(..., legacy_keys=...)``)."""
    keys = sorted(frozenset().union(*(d.name_keys for d in drugs)))
    if not keys:
        return ()
    return legacy_interactions(uow.dur.interaction_pairs(keys))


def _sex(gender: str | None) -> str | None:
    value = (gender or "").strip().lower()
    return "F" if value in ("f", "female") else "M" if value in ("m", "male") else None


def patient_facts(subject: ReviewSubject) -> dur_facts.PatientFacts | None:
    """The patient's clinical facts as ``uow.dur.review_subject`` read them (None: no patient row)."""
    if not subject.patient_found:
        return None
    sex = _sex(subject.gender)
    pregnancy = subject.pregnancy_status
    return dur_facts.PatientFacts(
        birth_date=subject.date_of_birth,
        sex="F" if sex == "F" else "M" if sex == "M" else None,
        weight_kg=Decimal(subject.weight_kg) if subject.weight_kg is not None else None,
        pregnancy="pregnant"
        if pregnancy == "pregnant"
        else "not_pregnant"
        if pregnancy == "not_pregnant"
        else "unknown",
        breastfeeding=bool(subject.breastfeeding),
        conditions=tuple(dur_facts.Condition(name, code) for name, code in subject.conditions),
    )


def _allergen_type(value: str | None) -> str:
    # the patient form says "drug"; the DUR vocabulary says "medication"
    kind = (value or "").lower()
    return "medication" if kind in ("", "drug", "medication") else kind


def _knowledge(
    uow: UnitOfWork,
    drugs: Sequence[dur_facts.DrugFacts],
    allergies: Sequence[dur_facts.Allergy],
    facts: dur_facts.PatientFacts | None,
) -> ClinicalKnowledge:
    """The clinical knowledge with the pharmacy's own interaction pairs among its interactions (one
    round trip: ``legacy_keys``)."""
    ingredients = sorted(frozenset().union(*(d.ingredient_keys for d in drugs))) if drugs else []
    return uow.clinical.knowledge_for(
        ingredients,
        [a.allergen_name for a in allergies],
        [c.name for c in facts.conditions] + [c.icd10_code for c in facts.conditions if c.icd10_code]
        if facts is not None
        else [],
        legacy_keys=sorted(frozenset().union(*(d.name_keys for d in drugs))) if drugs else [],
    )


def _drug(item: ReviewItem) -> dur_facts.DrugFacts:
    return drug_facts(item.medication, item.written_medication_name, item.product)


def patient_part(
    uow: UnitOfWork, subject: ReviewSubject, items: Sequence[ReviewItem], drugs: dict[uuid.UUID, dur_facts.DrugFacts]
) -> PatientPart:
    """Everything a run reads about the patient of ``subject``: ``items`` (``uow.dur.review_items``)
    are the prescription's own and the patient's other active ones, ``drugs`` their facts by item."""
    others = tuple(
        dur_facts.ActiveMedication(
            other.prescription_number,
            drugs[other.id],
            other.last_fill[0] if other.last_fill else None,
            other.last_fill[1] if other.last_fill else other.days_supply,
            Decimal(other.quantity),
        )
        for other in items
        if not other.own
    )
    allergies = tuple(
        dur_facts.Allergy(name, _allergen_type(kind), severity, reaction)
        for name, kind, severity, reaction in subject.allergies
    )
    facts = patient_facts(subject)
    knowledge = _knowledge(uow, [drugs[i.id] for i in items if i.own] + [m.drug for m in others], allergies, facts)
    return PatientPart(subject.profile_version, facts, allergies, others, knowledge)


def _schedules(text: str | None) -> frozenset[str] | None:
    if text is None or not text.strip():
        return None
    return frozenset(text.replace(",", " ").upper().split())


def prescriber_of(rx: Any) -> dur_facts.Prescriber:
    return dur_facts.Prescriber(
        rx.prescriber_name,
        rx.prescriber_npi,
        rx.prescriber_dea,
        last_name=getattr(rx, "prescriber_last_name", None),
        dea_schedules=_schedules(getattr(rx, "prescriber_dea_schedules", None)),
        first_name=getattr(rx, "prescriber_first_name", None),
    )


def context_for(
    subject: ReviewSubject,
    own: Sequence[ReviewItem],
    item: ReviewItem,
    part: PatientPart,
    drugs: dict[uuid.UUID, dur_facts.DrugFacts],
    *,
    today: dt.date,
) -> dur_facts.DurContext:
    """The DUR facts for one item of the prescription: its other items (``own``) count as active
    medications."""
    same_rx = [
        dur_facts.ActiveMedication(subject.prescription_number, drugs[i.id], None, i.days_supply, Decimal(i.quantity))
        for i in own
        if i.id != item.id
    ]
    return dur_facts.DurContext(
        item=dur_facts.NewItem(
            drugs[item.id],
            Decimal(item.quantity),
            item.days_supply,
            item.sig,
            item.refills_authorized,
            subject.written_date,
        ),
        prescriber=prescriber_of(subject),
        today=today,
        allergies=part.allergies,
        active_medications=(*same_rx, *part.others),
        interaction_rules=part.interaction_rules,
        previous_fill=dur_facts.PreviousFill(*item.last_fill) if item.last_fill else None,
        patient=part.facts,
        knowledge=part.knowledge,
    )


def run_dur(
    uow: UnitOfWork, prescription_id: uuid.UUID, *, today: dt.date | None = None, performed_by: uuid.UUID | None = None
) -> list[Any]:
    """Run every check for every item; supersede earlier rows; return the new current rows.

    The patient's profile version is read with the patient's facts, in one statement, before the
    drugs: a change committed meanwhile by another workstation leaves these rows older than the
    profile: stale, never silently current."""
    today = today or dt.date.today()
    uow.flush()  # the triggers see this unit of work's own changes before the version is read
    start = uow.dur.start_run(prescription_id, as_of=today)  # supersedes the current rows; reads the facts
    if start is None:
        raise NotFound("The prescription was not found; it may have been removed on another workstation.")
    subject, items = start.subject, start.items
    version = subject.profile_version
    drugs = {i.id: _drug(i) for i in items}
    acknowledged = _acknowledged_warnings(start.replaced)  # of the rows this run replaces
    part = patient_part(uow, subject, items, drugs)
    own = [i for i in items if i.own]
    pending: list[dict[str, Any]] = []
    actor = performed_by or uow.actor_id
    for item in sorted(own, key=lambda i: i.created_at or dt.datetime.min.replace(tzinfo=dt.UTC)):
        for finding in dur.run_dur(context_for(subject, own, item, part, drugs, today=today)):
            columns: dict[str, Any] = {
                "prescription_id": prescription_id,
                "prescription_item_id": item.id,
                "validation_type": finding.check,
                "validation_status": finding.status,
                "severity": finding.severity,
                "message": finding.message,
                "details": {**finding.details, "drug": item.written_medication_name},
                "performed_by": actor,
                "is_current": True,
                "profile_version": version,
            }
            earlier = acknowledged.get(
                _finding_key(item.id, finding.check, finding.status, finding.severity, finding.message)
            )
            if earlier is not None:  # the same warning, acknowledged in the run this one replaces
                columns["acknowledged_by"] = earlier.acknowledged_by
                columns["acknowledged_at"] = earlier.acknowledged_at
                for column in _DECISION_COLUMNS:
                    columns[column] = getattr(earlier, column, None)
                columns["details"] = {**columns["details"], "carried_from": str(earlier.id)}
            pending.append(columns)
    rows = uow.dur.add_validations(pending)  # one INSERT for the whole run
    counts = {s: sum(1 for r in rows if r.validation_status == s) for s in ("failed", "warning", "passed")}
    uow.record(
        "DurChecked",
        "prescription",
        prescription_id,
        {"rx_number": subject.prescription_number, "profile_version": version, **counts},
    )
    return rows


_DECISION_COLUMNS = ("override_reason", "ncpdp_reason_code", "ncpdp_professional_code", "ncpdp_result_code")


def _finding_key(item_id: Any, check: str, status: str, severity: str | None, message: str | None) -> tuple[Any, ...]:
    return (item_id, check, status, severity or "none", message or "")


def _acknowledged_warnings(replaced: Iterable[Any]) -> dict[tuple[Any, ...], Any]:
    """The warnings of the run being replaced that a pharmacist acknowledged, by what they said: a
    re-run that says exactly the same keeps the acknowledgement (a hard stop's override never
    carries: it is decided again)."""
    return {
        _finding_key(r.prescription_item_id, r.validation_type, r.validation_status, r.severity, r.message): r
        for r in replaced
        if r.validation_status == "warning" and r.acknowledged_at is not None
    }


def is_stale(uow: UnitOfWork, prescription_id: uuid.UUID, patient_id: uuid.UUID | None = None) -> bool:
    """No current DUR rows, or rows that saw another version of the patient's clinical profile."""
    if patient_id is None:
        patient_id = uow.dur.patient_of(prescription_id)
        if patient_id is None:
            return False
    version = uow.dur.profile_version(patient_id)
    seen = uow.dur.current_profile_versions(prescription_id)
    return not seen or any(v is None or v != version for v in seen)


def rerun_waiting(
    uow: UnitOfWork, patient_id: uuid.UUID, *, excluding: uuid.UUID | None = None, today: dt.date | None = None
) -> int:
    """Run DUR again for the patient's prescriptions waiting for review whose results are stale
    (call it after the change to the profile, in the same unit of work); how many were run."""
    uow.flush()
    count = 0
    for rx_id in uow.dur.waiting_prescriptions(patient_id):
        if rx_id != excluding and is_stale(uow, rx_id, patient_id):
            run_dur(uow, rx_id, today=today)
            uow.notify("prescriptions", rx_id, status="received")
            count += 1
    return count


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
        name = medication_name(med, i.written_medication_name)
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
