"""The facts a DUR check reads and the finding it returns: plain data, no rules.

A service gathers these into a ``DurContext``; ``domain/dur.py`` runs the checks over it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any, Literal

from .clinical_knowledge import ClinicalKnowledge
from .outcomes import DurStatus
from .schedules import Schedule, parse_schedule

Status = Literal["passed", "warning", "failed"]  # a DurStatus value
PASSED: Status = DurStatus.PASSED.value
WARNING: Status = DurStatus.WARNING.value
FAILED: Status = DurStatus.FAILED.value

SEVERITY_ORDER = ("contraindicated", "serious", "significant", "minor", "none")
# Interactions at these severities need acknowledgement only; every other severity (including
# one this code does not know) blocks approval until overridden.
ACKNOWLEDGE_ONLY_SEVERITIES = frozenset({"significant", "minor"})
EARLY_REFILL_THRESHOLD = Decimal("0.75")
MAX_DAYS_SUPPLY = 365


class Check:
    """``prescription_validations.validation_type`` values."""

    INTERACTION = "drug_interaction"
    ALLERGY = "allergy_check"
    DUPLICATION = "therapeutic_duplication"
    DOSE = "dose_check"
    EARLY_REFILL = "early_refill"
    CONTROLLED = "controlled_substance"
    DRUG_DISEASE = "drug_disease"
    PREGNANCY = "pregnancy"
    LACTATION = "lactation"
    AGE = "age"
    SEX = "sex"
    PRESCRIBER = "prescriber"


# ---------------------------------------------------------------------------------------------
# Inputs

_SALT_WORDS = frozenset(
    """hydrochloride hcl hydrobromide hbr sodium disodium potassium calcium magnesium phosphate
    sulfate bisulfate maleate besylate mesylate succinate tartrate bitartrate citrate acetate
    fumarate carbonate chloride bromide nitrate monohydrate dihydrate trihydrate hydrate hyclate
    anhydrous gluconate lactate propionate dipropionate furoate xinafoate""".split()
)
_SPLIT = re.compile(r"\s*(?:;|/|,|\+|\band\b|\bwith\b)\s*", re.IGNORECASE)


def normalize_ingredient(name: str) -> str:
    """Comparable form of a drug name: lower case, no parentheses, salt words stripped from the end.

    "Warfarin Sodium" -> "warfarin", "Potassium Chloride" -> "potassium",
    "Amoxicillin (as trihydrate)" -> "amoxicillin".
    """
    words = re.sub(r"\([^)]*\)", " ", name.lower()).split()
    while len(words) > 1 and words[-1] in _SALT_WORDS:
        words.pop()
    return " ".join(words)


def split_ingredients(generic_name: str) -> tuple[str, ...]:
    """ "acetaminophen and codeine phosphate" -> ("acetaminophen", "codeine")."""
    parts = (normalize_ingredient(p) for p in _SPLIT.split(generic_name or ""))
    return tuple(dict.fromkeys(p for p in parts if p))


@dataclass(frozen=True)
class IngredientStrength:
    """One active ingredient's amount per unit, as FDA writes it ("mg/1", "mg/5mL", "ug/1", "g/100g")."""

    ingredient: str  # normalize_ingredient form
    amount: Decimal
    unit: str


@dataclass(frozen=True)
class DrugFacts:
    generic_name: str
    brand_name: str | None = None
    strength: str | None = None
    dosage_form: str | None = None
    route: str | None = None
    therapeutic_class: str | None = None
    pharm_classes: tuple[str, ...] = ()  # FDA PHARM_CLASSES entries
    schedule: Schedule = Schedule.NONE  # any ScheduleLike is accepted and normalised
    ingredients: tuple[str, ...] = ()  # empty: taken from generic_name
    strengths: tuple[IngredientStrength, ...] = ()  # per unit of the product; empty: unknown
    release: str = "any"  # 'immediate' | 'extended' | 'any' (not known)

    def __post_init__(self) -> None:
        object.__setattr__(self, "schedule", parse_schedule(self.schedule))
        object.__setattr__(self, "pharm_classes", tuple(self.pharm_classes))
        object.__setattr__(self, "ingredients", tuple(self.ingredients))
        object.__setattr__(self, "strengths", tuple(self.strengths))

    @cached_property
    def ingredient_keys(self) -> frozenset[str]:
        """Normalised ingredient names; a combination product has several."""
        names = [normalize_ingredient(i) for i in self.ingredients if i.strip()]
        return frozenset(names or split_ingredients(self.generic_name))

    @cached_property
    def name_keys(self) -> frozenset[str]:
        """Ingredients plus the whole generic name ("amoxicillin and clavulanate")."""
        return self.ingredient_keys | {normalize_ingredient(self.generic_name)}

    @property
    def display_name(self) -> str:
        name = self.generic_name
        if self.brand_name and self.brand_name.strip().lower() != name.strip().lower():
            name = f"{self.brand_name} ({name})"
        return f"{name} {self.strength}" if self.strength else name


@dataclass(frozen=True)
class ActiveMedication:
    """One of the patient's *other* active prescriptions (not the one under review)."""

    rx_number: str
    drug: DrugFacts
    last_fill_date: date | None = None
    days_supply: int | None = None
    quantity: Decimal | None = None


@dataclass(frozen=True)
class PreviousFill:
    """The last fill of the prescription under review, when it is a refill."""

    fill_date: date
    days_supply: int


@dataclass(frozen=True)
class Allergy:
    allergen_name: str
    allergen_type: str = "medication"  # 'medication', 'food', 'environmental'
    severity: str | None = None  # 'mild', 'moderate', 'severe'
    reaction: str | None = None


@dataclass(frozen=True)
class InteractionRule:
    generic_a: str
    generic_b: str
    severity: str  # 'contraindicated', 'serious', 'significant', 'minor'
    description: str
    management: str = ""


@dataclass(frozen=True)
class Prescriber:
    name: str
    npi: str
    dea: str | None = None
    last_name: str | None = None  # taken from ``name`` when absent
    dea_schedules: frozenset[str] | None = None  # {"2", "2N", "3", "3N", "4", "5"}; None: not recorded
    first_name: str | None = None


@dataclass(frozen=True)
class Condition:
    name: str
    icd10_code: str | None = None


Pregnancy = Literal["unknown", "pregnant", "not_pregnant"]


@dataclass(frozen=True)
class PatientFacts:
    """What the patient-level checks (age, sex, pregnancy, lactation, disease, mg/kg) read."""

    birth_date: date | None = None
    sex: Literal["F", "M"] | None = None
    weight_kg: Decimal | None = None
    pregnancy: Pregnancy = "unknown"
    breastfeeding: bool = False
    conditions: tuple[Condition, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "conditions", tuple(self.conditions))

    def age_years(self, today: date) -> Decimal | None:
        """Age in whole years on ``today`` (None when the birth date is not recorded)."""
        if self.birth_date is None:
            return None
        years = today.year - self.birth_date.year
        if (today.month, today.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return Decimal(max(years, 0))


@dataclass(frozen=True)
class NewItem:
    drug: DrugFacts
    quantity: Decimal
    days_supply: int
    sig: str
    refills_authorized: int
    written_date: date

    def __post_init__(self) -> None:
        if isinstance(self.quantity, (float, bool)) or not isinstance(self.quantity, (int, Decimal)):
            raise TypeError("quantity must be Decimal or int")
        object.__setattr__(self, "quantity", Decimal(self.quantity))


@dataclass(frozen=True)
class DurContext:
    item: NewItem
    prescriber: Prescriber
    today: date
    allergies: tuple[Allergy, ...] = ()
    active_medications: tuple[ActiveMedication, ...] = ()
    interaction_rules: tuple[InteractionRule, ...] = ()
    previous_fill: PreviousFill | None = None
    patient: PatientFacts | None = None  # None: no patient facts gathered (patient checks warn)
    knowledge: ClinicalKnowledge = field(default_factory=lambda: ClinicalKnowledge(empty=True))


@dataclass(frozen=True)
class DurFinding:
    check: str
    status: Status
    severity: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def blocks_approval(self) -> bool:
        return self.status == FAILED


def passed_finding(check: str, message: str, **details: Any) -> list[DurFinding]:
    """A check's only finding when nothing is wrong (every check leaves one row)."""
    return [DurFinding(check, PASSED, "none", message, details)]
