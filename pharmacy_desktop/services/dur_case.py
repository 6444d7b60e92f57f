"""`pharmacy-desktop dur check FILE --json`: the whole DUR for a case described in JSON, against the
catalog and the clinical knowledge of the configured database, with the engine the review screen
runs (``domain.dur.run_dur``; drugs built by ``services/dur_drugs.drug_facts``, knowledge by
``uow.clinical.knowledge_for`` plus the pharmacy's ``drug_interactions`` rows, as ``dur_review``).

The case (dates ISO; drugs by NDC in any form ``domain.ndc.to_ndc11`` accepts)::

    {"today": "2026-11-20",                                    (optional; default: today)
     "patient": {"birth_date": "1950-03-01", "sex": "F", "weight_kg": 60, "pregnant": false,
                 "breastfeeding": false, "conditions": ["N18.4", "asthma"],
                 "allergies": [{"allergen": "penicillin", "reaction": "hives"}]},
     "active": [{"ndc": "...", "sig": "1 tab po qd", "last_fill_date": "2026-11-01",
                 "days_supply": 30, "quantity": 30}],
     "new": {"ndc": "...", "sig": "1 tab po bid", "quantity": 60, "days_supply": 30, "refills": 0,
             "written_date": "2026-11-20", "last_fill_date": null,    (a refill: its previous fill)
             "prescriber": {"npi": "...", "dea": "...", "first_name": "...", "last_name": "...",
                            "schedules": ["2"]}}}

Result: ``{"alerts": [{"category", "severity", "message", "drugs"}]}``, passed checks left out.
A case that cannot be read raises :class:`CaseUnreadable` naming the field (the command exits 2).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain import dur, dur_facts
from pharmacy_desktop.domain.clinical_knowledge import ClinicalKnowledge
from pharmacy_desktop.domain.ndc import InvalidNDC, to_ndc11
from pharmacy_desktop.errors import PharmacyError
from pharmacy_desktop.services.dur_drugs import drug_facts
from pharmacy_desktop.services.dur_review import legacy_rules

_ICD10 = re.compile(r"^[A-Za-z][0-9][0-9A-Za-z](\.[0-9A-Za-z]{1,4})?$")
_OTHER_DRUG_KEYS = ("interacting_drug", "other_drug")
_SCHEDULES = frozenset({"2", "2N", "3", "3N", "4", "5"})


class CaseUnreadable(PharmacyError):
    """The JSON case cannot be run (a missing or wrong field, an NDC not in the catalog)."""


@dataclass(frozen=True)
class DurAlert:
    category: str  # drug_interaction, drug_allergy, dose_range, ... (domain.dur.category_of)
    severity: str  # hard_stop, warning, info (domain.dur.output_severity)
    message: str
    drugs: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "severity": self.severity,
            "message": self.message,
            "drugs": list(self.drugs),
        }


@dataclass(frozen=True)
class DurCaseResult:
    alerts: tuple[DurAlert, ...]

    def as_json(self) -> dict[str, Any]:
        return {"alerts": [a.as_json() for a in self.alerts]}


# ---------------------------------------------------------------------------------------------
# Reading the case: every problem names the field ("new.quantity", "active[1].ndc")


def _field(obj: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> Any:
    value = obj.get(key)
    if value is None and required:
        raise CaseUnreadable(f"{where}{key} is missing")
    return value


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise CaseUnreadable(f"{where or 'the case'} must be a JSON object")
    return value


def _date(value: Any, where: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise CaseUnreadable(f"{where} {value!r} is not an ISO date (YYYY-MM-DD)") from None


def _number(value: Any, where: str, *, integer: bool = False) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise CaseUnreadable(f"{where} must be a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise CaseUnreadable(f"{where} {value!r} is not a number") from None
    if not number.is_finite() or number < 0 or (integer and number != number.to_integral_value()):
        raise CaseUnreadable(f"{where} {value!r} must be a {'whole ' if integer else ''}number of 0 or more")
    return number


def _bool(value: Any, where: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise CaseUnreadable(f"{where} must be true or false")


def _list(value: Any, where: str) -> Sequence[Any]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise CaseUnreadable(f"{where} must be a JSON list")
    return value


def _patient(data: Mapping[str, Any]) -> tuple[dur_facts.PatientFacts, tuple[dur_facts.Allergy, ...]]:
    sex = data.get("sex")
    if sex not in (None, "F", "M"):
        raise CaseUnreadable(f'patient.sex {sex!r} must be "F", "M" or null')
    pregnant = _bool(data.get("pregnant"), "patient.pregnant")
    weight = data.get("weight_kg")
    conditions = []
    for i, text in enumerate(_list(data.get("conditions"), "patient.conditions")):
        if not isinstance(text, str) or not text.strip():
            raise CaseUnreadable(f"patient.conditions[{i}] must be an ICD-10-CM code or a condition name")
        code = text.strip().upper() if _ICD10.match(text.strip()) else None
        conditions.append(dur_facts.Condition(text.strip(), code))
    allergies = []
    for i, raw in enumerate(_list(data.get("allergies"), "patient.allergies")):
        where = f"patient.allergies[{i}]."
        item = {"allergen": raw} if isinstance(raw, str) else _mapping(raw, where.rstrip("."))
        name = _field(item, "allergen", where)
        if not isinstance(name, str) or not name.strip():
            raise CaseUnreadable(f"{where}allergen must be a name")
        allergies.append(
            dur_facts.Allergy(
                name.strip(), str(item.get("type") or "medication"), item.get("severity"), item.get("reaction")
            )
        )
    facts = dur_facts.PatientFacts(
        birth_date=_date(data.get("birth_date"), "patient.birth_date"),
        sex="F" if sex == "F" else "M" if sex == "M" else None,
        weight_kg=None if weight is None else _number(weight, "patient.weight_kg"),
        pregnancy="unknown" if pregnant is None else "pregnant" if pregnant else "not_pregnant",
        breastfeeding=bool(_bool(data.get("breastfeeding"), "patient.breastfeeding")),
        conditions=tuple(conditions),
    )
    return facts, tuple(allergies)


def _prescriber(data: Mapping[str, Any] | None) -> dur_facts.Prescriber:
    data = _mapping(data or {}, "new.prescriber")
    first, last = data.get("first_name"), data.get("last_name")
    name = data.get("name") or " ".join(str(p) for p in (first, last) if p) or "(prescriber not given)"
    schedules = data.get("schedules")
    if schedules is not None:
        values = [str(s).upper().removeprefix("C") for s in _list(schedules, "new.prescriber.schedules")]
        unknown = [s for s in values if s not in _SCHEDULES]
        if unknown:
            raise CaseUnreadable(f"new.prescriber.schedules {unknown} must be among 2, 2N, 3, 3N, 4, 5")
        schedules = frozenset(values)
    return dur_facts.Prescriber(
        str(name),
        str(data.get("npi") or ""),
        data.get("dea") or None,
        last_name=last,
        dea_schedules=schedules,
        first_name=first,
    )


def _ndc(text: Any, where: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise CaseUnreadable(f"{where} must be an NDC")
    try:
        return to_ndc11(text)
    except InvalidNDC as exc:
        raise CaseUnreadable(f"{where} {text!r}: {exc}") from None


def _drugs(uow: UnitOfWork, wanted: Sequence[tuple[Any, str]]) -> list[dur_facts.DrugFacts]:
    """(NDC text, field) -> the catalog drugs, in that order: one query for the packages, one for
    their FDA products."""
    ndcs = [_ndc(text, where) for text, where in wanted]
    meds = {m.ndc_code: m for m in uow.catalog.by_ndcs(ndcs)}
    for ndc, (text, where) in zip(ndcs, wanted, strict=True):
        if ndc not in meds:
            raise CaseUnreadable(f"{where} {text!r} is not in the catalog of this database")
    products = uow.dur.products({m.product_id for m in meds.values() if m.product_id is not None})
    drugs = []
    for ndc in ndcs:
        med = meds[ndc]
        drugs.append(drug_facts(med, med.drug_name, products.get(med.product_id) if med.product_id else None))
    return drugs


# ---------------------------------------------------------------------------------------------


def build_context(uow: UnitOfWork, case: Any, *, today: dt.date | None = None) -> dur_facts.DurContext:
    """The ``DurContext`` of a JSON case (already parsed from text)."""
    case = _mapping(case, "")
    new = _mapping(_field(case, "new", ""), "new")
    today = _date(case.get("today"), "today") or today or dt.date.today()
    facts, allergies = _patient(_mapping(case.get("patient") or {}, "patient"))
    _field(new, "ndc", "new.")
    actives = [_mapping(raw, f"active[{i}]") for i, raw in enumerate(_list(case.get("active"), "active"))]
    for i, med in enumerate(actives):
        _field(med, "ndc", f"active[{i}].")
    new_drug, *active_drugs = _drugs(
        uow, [(new["ndc"], "new.ndc"), *((m["ndc"], f"active[{i}].ndc") for i, m in enumerate(actives))]
    )
    others = []
    for i, (med, drug) in enumerate(zip(actives, active_drugs, strict=True)):
        where = f"active[{i}]"
        days_supply = med.get("days_supply")
        quantity = med.get("quantity")
        others.append(
            dur_facts.ActiveMedication(
                str(med.get("rx_number") or f"case-{i + 1}"),
                drug,
                _date(med.get("last_fill_date"), f"{where}.last_fill_date"),
                None if days_supply is None else int(_number(days_supply, f"{where}.days_supply", integer=True)),
                None if quantity is None else _number(quantity, f"{where}.quantity"),
            )
        )
    days = int(_number(_field(new, "days_supply", "new."), "new.days_supply", integer=True))
    last_fill = _date(new.get("last_fill_date"), "new.last_fill_date")
    sig = _field(new, "sig", "new.")
    if not isinstance(sig, str):
        raise CaseUnreadable("new.sig must be text")
    drugs = [new_drug, *(m.drug for m in others)]
    knowledge = _knowledge(uow, drugs, allergies, facts)
    return dur_facts.DurContext(
        item=dur_facts.NewItem(
            new_drug,
            _number(_field(new, "quantity", "new."), "new.quantity"),
            days,
            sig,
            int(_number(new.get("refills") or 0, "new.refills", integer=True)),
            _date(new.get("written_date"), "new.written_date") or today,
        ),
        prescriber=_prescriber(new.get("prescriber")),
        today=today,
        allergies=allergies,
        active_medications=tuple(others),
        previous_fill=dur_facts.PreviousFill(last_fill, days) if last_fill else None,
        patient=facts,
        knowledge=knowledge,
    )


def _knowledge(
    uow: UnitOfWork,
    drugs: Sequence[dur_facts.DrugFacts],
    allergies: Sequence[dur_facts.Allergy],
    facts: dur_facts.PatientFacts,
) -> ClinicalKnowledge:
    """As ``dur_review`` gathers it: the clinical tables plus the pharmacy's own pair rows."""
    knowledge = uow.clinical.knowledge_for(
        sorted(frozenset().union(*(d.ingredient_keys for d in drugs))),
        [a.allergen_name for a in allergies],
        [c.name for c in facts.conditions],
    )
    legacy = legacy_rules(uow, drugs)
    return dataclasses.replace(knowledge, interactions=(*knowledge.interactions, *legacy)) if legacy else knowledge


def alerts_of(findings: Sequence[dur_facts.DurFinding], new_drug: dur_facts.DrugFacts) -> tuple[DurAlert, ...]:
    alerts = []
    for finding in findings:
        severity = dur.output_severity(finding)
        if severity == dur_facts.PASSED:
            continue
        names = [new_drug.display_name]
        for key in _OTHER_DRUG_KEYS:  # the other drug of a pair finding, as the domain names it
            other = finding.details.get(key)
            if isinstance(other, str) and other not in names:
                names.append(other)
        alerts.append(DurAlert(dur.category_of(finding.check), severity, finding.message, tuple(names)))
    return tuple(alerts)


def check_case(uow_factory: UnitOfWorkFactory, case: Any, *, today: dt.date | None = None) -> DurCaseResult:
    """Run the DUR of ``case`` (parsed JSON) read-only; nothing is written."""
    with uow_factory() as uow:
        ctx = build_context(uow, case, today=today)
        return DurCaseResult(alerts_of(dur.run_dur(ctx), ctx.item.drug))
