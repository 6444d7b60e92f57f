"""Drug utilization review (OBRA '90) over plain data: the clinical-review checks.

A service gathers the facts into a ``DurContext`` and calls ``run_dur``. Every check returns a
list of ``DurFinding`` with at least one entry (a single ``passed`` finding when nothing is wrong),
so each check always leaves a ``prescription_validations`` row, and every alert is its own row the
pharmacist acknowledges. A ``failed`` finding blocks approval until a pharmacist overrides it with
a reason; a ``warning`` must be acknowledged. ``details`` holds JSON-ready values only.

Severity vocabulary (``drug_interactions.severity``): contraindicated > serious > significant >
minor; ``none`` on passed findings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from .identifiers import dea_problem, prescriber_last_name
from .schedules import Schedule, max_refills, parse_schedule, refill_problem
from .sig import analyze_sig

Status = Literal["passed", "warning", "failed"]
PASSED: Status = "passed"
WARNING: Status = "warning"
FAILED: Status = "failed"

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

    def __post_init__(self) -> None:
        object.__setattr__(self, "schedule", parse_schedule(self.schedule))
        object.__setattr__(self, "pharm_classes", tuple(self.pharm_classes))
        object.__setattr__(self, "ingredients", tuple(self.ingredients))

    @property
    def ingredient_keys(self) -> frozenset[str]:
        """Normalised ingredient names; a combination product has several."""
        names = [normalize_ingredient(i) for i in self.ingredients if i.strip()]
        return frozenset(names or split_ingredients(self.generic_name))

    @property
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


@dataclass(frozen=True)
class NewItem:
    drug: DrugFacts
    quantity: Decimal
    days_supply: int
    sig: str
    refills_authorized: int
    written_date: date

    def __post_init__(self) -> None:
        if isinstance(self.quantity, (float, bool)) or not isinstance(
            self.quantity, (int, Decimal)
        ):
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


def _passed(check: str, message: str, **details: Any) -> list[DurFinding]:
    return [DurFinding(check, PASSED, "none", message, details)]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# ---------------------------------------------------------------------------------------------
# Drug-drug interactions


def check_interactions(ctx: DurContext) -> list[DurFinding]:
    """New drug against each active medication, generic level, any ingredient, either order."""
    new = ctx.item.drug
    new_keys = new.name_keys
    findings: list[DurFinding] = []
    for med in ctx.active_medications:
        other_keys = med.drug.name_keys
        seen: set[tuple[str, str]] = set()
        for rule in ctx.interaction_rules:
            a, b = normalize_ingredient(rule.generic_a), normalize_ingredient(rule.generic_b)
            if not ((a in new_keys and b in other_keys) or (b in new_keys and a in other_keys)):
                continue
            pair = (min(a, b), max(a, b))
            if pair in seen:
                continue
            seen.add(pair)
            severity = rule.severity.strip().lower()
            status = WARNING if severity in ACKNOWLEDGE_ONLY_SEVERITIES else FAILED
            findings.append(
                DurFinding(
                    Check.INTERACTION,
                    status,
                    severity,
                    f"{severity.capitalize()} interaction: {new.display_name} with "
                    f"{med.drug.display_name} (Rx {med.rx_number}). {rule.description}",
                    {
                        "drug": new.display_name,
                        "interacting_drug": med.drug.display_name,
                        "interacting_rx_number": med.rx_number,
                        "generic_a": rule.generic_a,
                        "generic_b": rule.generic_b,
                        "description": rule.description,
                        "management": rule.management,
                    },
                )
            )
    if findings:
        return findings
    count = len(ctx.active_medications)
    return _passed(
        Check.INTERACTION,
        f"No interactions with {_plural(count, 'active medication')}.",
        active_medications=count,
    )


# ---------------------------------------------------------------------------------------------
# Drug-allergy


@dataclass(frozen=True)
class AllergyClass:
    name: str
    aliases: frozenset[str]  # allergen names that mean the whole class
    members: frozenset[str]  # normalised generic names
    markers: tuple[str, ...]  # lower-case fragments of FDA pharm class / therapeutic class text


def _cls(name: str, aliases: str, members: str, *markers: str) -> AllergyClass:
    def split(text: str) -> frozenset[str]:
        return frozenset(w.strip() for w in text.split(",") if w.strip())

    return AllergyClass(name, split(aliases), split(members), markers)


ALLERGY_CLASSES: tuple[AllergyClass, ...] = (
    _cls("penicillins", "penicillin, penicillins, pcn, pen",
         "amoxicillin, ampicillin, penicillin, penicillin g, penicillin v, penicillin g benzathine,"
         " penicillin g procaine, dicloxacillin, cloxacillin, nafcillin, oxacillin, piperacillin,"
         " ticarcillin, carbenicillin, mezlocillin",
         "penicillin-class", "penicillins [cs]"),
    _cls("cephalosporins", "cephalosporin, cephalosporins",
         "cephalexin, cefadroxil, cephradine, cefazolin, cefuroxime, cefprozil, cefaclor,"
         " cefoxitin, cefotetan, cefdinir, cefpodoxime, cefixime, cefditoren, ceftibuten,"
         " ceftriaxone, cefotaxime, ceftazidime, cefepime, ceftaroline",
         "cephalosporin"),
    _cls("sulfonamide antibiotics",
         "sulfa, sulfa drugs, sulfa antibiotics, sulfonamide, sulfonamides",
         "sulfamethoxazole, sulfadiazine, sulfisoxazole, sulfasalazine, sulfacetamide",
         "sulfonamide antibacterial"),
    _cls("NSAIDs", "nsaid, nsaids, non-steroidal anti-inflammatory drugs",
         "aspirin, ibuprofen, naproxen, diclofenac, meloxicam, celecoxib, indomethacin, ketorolac,"
         " etodolac, nabumetone, piroxicam, sulindac, ketoprofen, oxaprozin, flurbiprofen,"
         " fenoprofen, mefenamic acid, diflunisal, salsalate",
         "nonsteroidal anti-inflammatory", "anti-inflammatory agents, non-steroidal"),
    _cls("opioids", "opioid, opioids, opiate, opiates, narcotic, narcotics",
         "codeine, morphine, hydrocodone, oxycodone, hydromorphone, oxymorphone, fentanyl,"
         " methadone, tramadol, tapentadol, meperidine, buprenorphine, levorphanol, dihydrocodeine",
         "opioid agonist"),
    _cls("statins", "statin, statins, hmg-coa reductase inhibitors",
         "atorvastatin, simvastatin, rosuvastatin, pravastatin, lovastatin, fluvastatin,"
         " pitavastatin",
         "hmg-coa reductase inhibitor"),
    _cls("ACE inhibitors", "ace inhibitor, ace inhibitors, acei, ace-i",
         "lisinopril, enalapril, enalaprilat, ramipril, benazepril, captopril, quinapril,"
         " fosinopril, moexipril, perindopril, trandolapril",
         "angiotensin converting enzyme inhibitor"),
    _cls("macrolides", "macrolide, macrolides",
         "azithromycin, clarithromycin, erythromycin, fidaxomicin",
         "macrolide"),
    _cls("fluoroquinolones", "fluoroquinolone, fluoroquinolones, quinolone, quinolones",
         "ciprofloxacin, levofloxacin, moxifloxacin, ofloxacin, norfloxacin, gemifloxacin,"
         " delafloxacin",
         "fluoroquinolone", "quinolones [cs]"),
    _cls("tetracyclines", "tetracycline, tetracyclines",
         "tetracycline, doxycycline, minocycline, demeclocycline, omadacycline, sarecycline,"
         " eravacycline",
         "tetracycline-class", "tetracyclines [cs]"),
)  # fmt: skip
_CLASS_BY_NAME = {c.name: c for c in ALLERGY_CLASSES}
# (allergy class, drug class): partial cross-reactivity, a warning rather than a hard stop.
CROSS_SENSITIVITY = frozenset(
    {("penicillins", "cephalosporins"), ("cephalosporins", "penicillins")}
)

# Allergies are often recorded by brand; these resolve to ingredients.
ALLERGEN_BRANDS: dict[str, tuple[str, ...]] = {
    "augmentin": ("amoxicillin", "clavulanate"), "amoxil": ("amoxicillin",),
    "keflex": ("cephalexin",), "bactrim": ("sulfamethoxazole", "trimethoprim"),
    "bactrim ds": ("sulfamethoxazole", "trimethoprim"),
    "septra": ("sulfamethoxazole", "trimethoprim"),
    "advil": ("ibuprofen",), "motrin": ("ibuprofen",), "aleve": ("naproxen",),
    "naprosyn": ("naproxen",), "celebrex": ("celecoxib",), "toradol": ("ketorolac",),
    "zithromax": ("azithromycin",), "z-pak": ("azithromycin",), "zpak": ("azithromycin",),
    "biaxin": ("clarithromycin",), "cipro": ("ciprofloxacin",), "levaquin": ("levofloxacin",),
    "vibramycin": ("doxycycline",), "tylenol with codeine": ("acetaminophen", "codeine"),
    "tylenol #3": ("acetaminophen", "codeine"), "vicodin": ("hydrocodone", "acetaminophen"),
    "norco": ("hydrocodone", "acetaminophen"), "percocet": ("oxycodone", "acetaminophen"),
    "ultram": ("tramadol",), "lipitor": ("atorvastatin",), "zocor": ("simvastatin",),
    "crestor": ("rosuvastatin",), "prinivil": ("lisinopril",), "zestril": ("lisinopril",),
}  # fmt: skip
_NON_DRUG_ALLERGEN_TYPES = frozenset({"food", "environmental"})


def _allergen_ingredients(allergen: str) -> frozenset[str]:
    key = normalize_ingredient(allergen)
    return frozenset({key, *ALLERGEN_BRANDS.get(key, ())})


def allergen_classes(allergen: str) -> frozenset[str]:
    """Names of the allergy classes an allergen belongs to ("PCN" -> {"penicillins"})."""
    keys = _allergen_ingredients(allergen)
    return frozenset(c.name for c in ALLERGY_CLASSES if keys & (c.aliases | c.members))


def drug_classes(drug: DrugFacts) -> frozenset[str]:
    """Allergy classes of a drug, by ingredient or by FDA pharm class / therapeutic class text."""
    texts = [t.lower() for t in (*drug.pharm_classes, drug.therapeutic_class or "") if t]
    keys = drug.name_keys
    return frozenset(
        c.name
        for c in ALLERGY_CLASSES
        if keys & c.members or any(m in t for m in c.markers for t in texts)
    )


def _brand_matches(allergen_key: str, brand: str | None) -> bool:
    if not brand:
        return False
    brand_key = normalize_ingredient(brand)
    return brand_key == allergen_key or brand_key.startswith(allergen_key + " ")


def _allergy_details(allergy: Allergy, **extra: Any) -> dict[str, Any]:
    return {
        "allergen": allergy.allergen_name,
        "allergy_severity": allergy.severity,
        "reaction": allergy.reaction,
        **extra,
    }


def _allergy_note(allergy: Allergy) -> str:
    parts = [p for p in (allergy.severity, allergy.reaction) if p]
    return f" (recorded: {', '.join(parts)})" if parts else ""


def check_allergies(ctx: DurContext) -> list[DurFinding]:
    """Allergen against generic name, brand name, ingredients and class."""
    drug = ctx.item.drug
    drug_keys = drug.name_keys
    classes = drug_classes(drug)
    medication_allergies = [
        a for a in ctx.allergies if (a.allergen_type or "").lower() not in _NON_DRUG_ALLERGEN_TYPES
    ]
    findings: list[DurFinding] = []
    for allergy in medication_allergies:
        allergen_keys = _allergen_ingredients(allergy.allergen_name)
        note = _allergy_note(allergy)
        direct = sorted(allergen_keys & drug_keys)
        if direct or _brand_matches(normalize_ingredient(allergy.allergen_name), drug.brand_name):
            findings.append(
                DurFinding(
                    Check.ALLERGY,
                    FAILED,
                    "contraindicated",
                    f"Allergy: patient is allergic to {allergy.allergen_name}{note}; "
                    f"{drug.display_name} contains it.",
                    _allergy_details(allergy, match="ingredient", ingredients=direct),
                )
            )
            continue
        allergic_to = allergen_classes(allergy.allergen_name)
        shared = sorted(allergic_to & classes)
        if shared:
            findings.append(
                DurFinding(
                    Check.ALLERGY,
                    FAILED,
                    "serious",
                    f"Allergy: patient is allergic to {allergy.allergen_name}{note}; "
                    f"{drug.display_name} is in the same class ({', '.join(shared)}).",
                    _allergy_details(allergy, match="class", classes=shared),
                )
            )
            continue
        cross = sorted((a, d) for a in allergic_to for d in classes if (a, d) in CROSS_SENSITIVITY)
        if cross:
            allergy_class, drug_class = cross[0]
            findings.append(
                DurFinding(
                    Check.ALLERGY,
                    WARNING,
                    "significant",
                    f"Possible cross-sensitivity: patient is allergic to {allergy.allergen_name}"
                    f"{note} ({allergy_class}); {drug.display_name} is one of the "
                    f"{drug_class}. Check the reaction history before dispensing.",
                    _allergy_details(
                        allergy,
                        match="cross_sensitivity",
                        allergy_class=allergy_class,
                        drug_class=drug_class,
                    ),
                )
            )
    if findings:
        return findings
    count = len(medication_allergies)
    noun = "recorded drug allergy" if count == 1 else "recorded drug allergies"
    message = f"No conflict with {count} {noun}." if count else "No drug allergies on file."
    return _passed(Check.ALLERGY, message, allergies_checked=count)


# ---------------------------------------------------------------------------------------------
# Therapeutic duplication


def check_duplication(ctx: DurContext) -> list[DurFinding]:
    """Same ingredient, or same therapeutic class, already active."""
    drug = ctx.item.drug
    own_class = (drug.therapeutic_class or "").strip().lower()
    findings: list[DurFinding] = []
    for med in ctx.active_medications:
        shared = sorted(drug.ingredient_keys & med.drug.ingredient_keys)
        details = {"other_rx_number": med.rx_number, "other_drug": med.drug.display_name}
        if shared:
            findings.append(
                DurFinding(
                    Check.DUPLICATION,
                    WARNING,
                    "significant",
                    f"Duplicate ingredient: {', '.join(shared)} is also in active Rx "
                    f"{med.rx_number} ({med.drug.display_name}).",
                    {**details, "match": "ingredient", "ingredients": shared},
                )
            )
        elif own_class and own_class == (med.drug.therapeutic_class or "").strip().lower():
            findings.append(
                DurFinding(
                    Check.DUPLICATION,
                    WARNING,
                    "significant",
                    f"Therapeutic duplication: {drug.display_name} and active Rx {med.rx_number} "
                    f"({med.drug.display_name}) are both {drug.therapeutic_class}.",
                    {**details, "match": "therapeutic_class", "class": drug.therapeutic_class},
                )
            )
    return findings or _passed(Check.DUPLICATION, "No duplicate therapy among active medications.")


# ---------------------------------------------------------------------------------------------
# Dose / duration sanity


def _num(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral() else format(value.normalize(), "f")


def check_dose(ctx: DurContext) -> list[DurFinding]:
    """Quantity and days supply against the daily amount the SIG allows."""
    item = ctx.item
    days, quantity = item.days_supply, item.quantity
    facts = {"quantity": str(quantity), "days_supply": days, "sig": item.sig}
    if days <= 0 or days > MAX_DAYS_SUPPLY:
        return [
            DurFinding(
                Check.DOSE,
                FAILED,
                "serious",
                f"Days supply {days} is not plausible (must be 1 to {MAX_DAYS_SUPPLY}).",
                facts,
            )
        ]
    if quantity <= 0:
        return [
            DurFinding(
                Check.DOSE, FAILED, "serious", f"Quantity {quantity} must be above 0.", facts
            )
        ]
    sig = analyze_sig(item.sig)
    if sig.unknown:
        return [
            DurFinding(
                Check.DOSE,
                WARNING,
                "minor",
                f"SIG has unrecognised codes ({' '.join(sig.unknown)}); "
                "check the directions and the quantity by hand.",
                {**facts, "unknown_tokens": list(sig.unknown)},
            )
        ]
    if sig.daily_max is None or sig.daily_min is None or sig.daily_max <= 0:
        return _passed(
            Check.DOSE, "No daily amount in the SIG to compare with the quantity.", **facts
        )
    tolerance = max(Decimal(1), Decimal(days) / 10)
    shortest = quantity / sig.daily_max
    longest = quantity / sig.daily_min if sig.daily_min > 0 else None
    rate = (
        _num(sig.daily_max)
        if sig.daily_min == sig.daily_max
        else (f"{_num(sig.daily_min)} to {_num(sig.daily_max)}")
    )
    facts |= {
        "daily_min": str(sig.daily_min),
        "daily_max": str(sig.daily_max),
        "daily_unit": sig.daily_unit,
        "days_at_max": str(round(shortest, 1)),
    }
    if days < shortest - tolerance:
        return [
            DurFinding(
                Check.DOSE,
                WARNING,
                "significant",
                f"Quantity {_num(quantity)} lasts at least {_num(round(shortest, 1))} days "
                f"at up to {_num(sig.daily_max)} {sig.unit_for(sig.daily_max)} a day, "
                f"but the days supply is {days}.",
                facts,
            )
        ]
    if longest is not None and days > longest + tolerance:
        return [
            DurFinding(
                Check.DOSE,
                WARNING,
                "significant",
                f"Quantity {_num(quantity)} lasts only {_num(round(longest, 1))} days at "
                f"{_num(sig.daily_min)} {sig.unit_for(sig.daily_min)} a day, "
                f"but the days supply is {days}.",
                facts,
            )
        ]
    return _passed(
        Check.DOSE,
        f"Quantity {_num(quantity)} fits {days} days "
        f"at {rate} {sig.unit_for(sig.daily_max)} a day.",
        **facts,
    )


# ---------------------------------------------------------------------------------------------
# Early refill


def refill_due_date(
    last_fill: date, days_supply: int, threshold: Decimal = EARLY_REFILL_THRESHOLD
) -> date:
    """First day a refill is not early: once ``threshold`` of the days supply has elapsed."""
    # 75% of 30 days is 22.5: the refill is due on day 23, not day 22.
    return last_fill + timedelta(days=math.ceil(Decimal(days_supply) * threshold))


def _previous(ctx: DurContext) -> tuple[date, int, str | None] | None:
    if ctx.previous_fill is not None:
        return ctx.previous_fill.fill_date, ctx.previous_fill.days_supply, None
    # A new prescription for a drug the patient already has on hand counts too.
    fills: list[tuple[date, int, str | None]] = [
        (m.last_fill_date, m.days_supply, m.rx_number)
        for m in ctx.active_medications
        if m.drug.ingredient_keys == ctx.item.drug.ingredient_keys
        and m.last_fill_date is not None
        and m.days_supply
    ]
    return max(fills, key=lambda f: refill_due_date(f[0], f[1]), default=None)


def check_early_refill(ctx: DurContext) -> list[DurFinding]:
    """Refill before 75% of the previous days supply has elapsed."""
    previous = _previous(ctx)
    if previous is None:
        return _passed(Check.EARLY_REFILL, "No previous fill of this drug.")
    last_fill, days_supply, rx_number = previous
    due = refill_due_date(last_fill, days_supply)
    elapsed = (ctx.today - last_fill).days
    details = {
        "last_fill_date": last_fill.isoformat(),
        "previous_days_supply": days_supply,
        "days_elapsed": elapsed,
        "due_date": due.isoformat(),
        "previous_rx_number": rx_number,
    }
    if ctx.today < due:
        used = round(Decimal(max(elapsed, 0)) * 100 / days_supply)
        source = f" (Rx {rx_number})" if rx_number else ""
        return [
            DurFinding(
                Check.EARLY_REFILL,
                WARNING,
                "significant",
                f"Early refill: last filled {last_fill.isoformat()}{source} "
                f"for {days_supply} days; {elapsed} days elapsed ({used}%). "
                f"Due on {due.isoformat()}.",
                details,
            )
        ]
    return _passed(Check.EARLY_REFILL, f"Not early: due since {due.isoformat()}.", **details)


# ---------------------------------------------------------------------------------------------
# Controlled substances


def check_controlled(ctx: DurContext) -> list[DurFinding]:
    """DEA number present and valid; refill limits; written-date window."""
    item, prescriber = ctx.item, ctx.prescriber
    schedule = item.drug.schedule
    if schedule is Schedule.NONE:
        return _passed(Check.CONTROLLED, "Not a controlled substance.")
    label = schedule.display
    base = {"schedule": label, "dea": prescriber.dea, "refills_authorized": item.refills_authorized}
    problems: list[tuple[str, str]] = []
    last_name = prescriber.last_name or prescriber_last_name(prescriber.name)
    if not (prescriber.dea or "").strip():
        problems.append(("dea_missing", f"A prescriber DEA number is required for {label} drugs."))
    else:
        dea_issue = dea_problem(prescriber.dea, last_name)
        if dea_issue:
            problems.append(("dea_invalid", dea_issue))
    limit = max_refills(schedule)
    if limit is not None and item.refills_authorized > limit:
        text = (
            f"{label} prescriptions cannot have refills ({item.refills_authorized} written)."
            if limit == 0
            else f"{label} prescriptions allow at most {limit} refills "
            f"({item.refills_authorized} written)."
        )
        problems.append(("too_many_refills", text))
    if item.written_date > ctx.today:
        problems.append(
            ("postdated", f"Written date {item.written_date.isoformat()} is in the future.")
        )
    else:
        window = refill_problem(schedule, item.written_date, ctx.today)
        if window:
            problems.append(("expired", window))
    if not problems:
        return _passed(
            Check.CONTROLLED, f"{label}: DEA number and refill limits are valid.", **base
        )
    return [
        DurFinding(Check.CONTROLLED, FAILED, "serious", text, {**base, "rule": rule})
        for rule, text in problems
    ]


# ---------------------------------------------------------------------------------------------
# Running them all

CHECKS = (
    check_allergies,
    check_interactions,
    check_duplication,
    check_dose,
    check_early_refill,
    check_controlled,
)


def run_dur(ctx: DurContext) -> list[DurFinding]:
    """Every check, most serious first within the original check order."""
    findings = [finding for check in CHECKS for finding in check(ctx)]
    rank = {"failed": 0, "warning": 1, "passed": 2}
    return sorted(findings, key=lambda f: rank[f.status])


def blocking(findings: Iterable[DurFinding]) -> list[DurFinding]:
    """The findings that block approval until a pharmacist overrides them."""
    return [f for f in findings if f.blocks_approval]


# ---------------------------------------------------------------------------------------------
# Reference data for demo databases


def _rule(a: str, b: str, severity: str, description: str, management: str) -> InteractionRule:
    return InteractionRule(a, b, severity, description, management)


WELL_KNOWN_INTERACTIONS: tuple[InteractionRule, ...] = (
    _rule("warfarin", "aspirin", "serious",
          "Anticoagulant plus antiplatelet: markedly higher risk of serious bleeding.",
          "Confirm the combination is intended; lowest aspirin dose; monitor INR and bleeding."),
    _rule("warfarin", "ibuprofen", "serious",
          "NSAIDs impair platelets and injure the gastric lining; bleeding risk rises.",
          "Avoid; suggest acetaminophen. If needed, shortest course with INR and bleeding checks."),
    _rule("warfarin", "naproxen", "serious",
          "NSAIDs impair platelets and injure the gastric lining; bleeding risk rises.",
          "Avoid; suggest acetaminophen. If needed, shortest course with INR and bleeding checks."),
    _rule("warfarin", "fluconazole", "serious",
          "Fluconazole inhibits CYP2C9 and raises warfarin levels; INR can rise sharply.",
          "Contact prescriber; warfarin dose reduction and INR check within 3-5 days."),
    _rule("simvastatin", "clarithromycin", "contraindicated",
          "Strong CYP3A4 inhibition raises simvastatin levels: myopathy and rhabdomyolysis.",
          "Do not combine: hold simvastatin during the course or use azithromycin instead."),
    _rule("simvastatin", "amiodarone", "serious",
          "Amiodarone raises simvastatin levels: myopathy risk.",
          "Simvastatin at most 20 mg a day, or switch to another statin."),
    _rule("sildenafil", "nitroglycerin", "contraindicated",
          "PDE-5 inhibitor with a nitrate: profound, possibly fatal hypotension.",
          "Do not dispense together; contact the prescriber."),
    _rule("sildenafil", "isosorbide mononitrate", "contraindicated",
          "PDE-5 inhibitor with a nitrate: profound, possibly fatal hypotension.",
          "Do not dispense together; contact the prescriber."),
    _rule("sildenafil", "isosorbide dinitrate", "contraindicated",
          "PDE-5 inhibitor with a nitrate: profound, possibly fatal hypotension.",
          "Do not dispense together; contact the prescriber."),
    _rule("tadalafil", "nitroglycerin", "contraindicated",
          "PDE-5 inhibitor with a nitrate: profound, possibly fatal hypotension.",
          "Do not dispense together; nitrates not within 48 hours of tadalafil."),
    _rule("lisinopril", "spironolactone", "significant",
          "Both raise serum potassium: hyperkalemia, worse with renal impairment.",
          "Monitor potassium and renal function; no potassium supplements or salt substitutes."),
    _rule("lisinopril", "potassium chloride", "significant",
          "ACE inhibitors retain potassium; a supplement adds to it: hyperkalemia.",
          "Confirm the supplement is intended; monitor serum potassium."),
    _rule("methotrexate", "trimethoprim", "serious",
          "Additive antifolate effect and lower methotrexate clearance: bone marrow suppression.",
          "Avoid (including sulfamethoxazole/trimethoprim); if unavoidable monitor blood counts."),
    _rule("fluoxetine", "tramadol", "serious",
          "Serotonin syndrome and seizure risk; fluoxetine also blunts tramadol's analgesia.",
          "Prefer another analgesic; if used, lowest dose and counsel on serotonin toxicity."),
    _rule("sertraline", "linezolid", "contraindicated",
          "Linezolid is an MAO inhibitor: serotonin syndrome with SSRIs.",
          "Do not combine unless the prescriber confirms it is essential; monitor closely."),
    _rule("clopidogrel", "omeprazole", "significant",
          "Omeprazole inhibits CYP2C19 and reduces clopidogrel activation.",
          "Suggest pantoprazole or famotidine instead."),
    _rule("digoxin", "amiodarone", "serious",
          "Amiodarone raises digoxin levels (P-gp inhibition): toxicity.",
          "Reduce digoxin dose by about half; check digoxin level and heart rate."),
    _rule("ciprofloxacin", "tizanidine", "contraindicated",
          "Ciprofloxacin inhibits CYP1A2 and raises tizanidine levels about tenfold: "
          "severe hypotension and sedation.",
          "Do not combine; ask the prescriber for another antibiotic."),
    _rule("oxycodone", "alprazolam", "serious",
          "Opioid with a benzodiazepine: profound sedation, respiratory depression, death "
          "(FDA boxed warning).",
          "Confirm with the prescriber; lowest doses; counsel; offer naloxone."),
    _rule("lithium", "hydrochlorothiazide", "serious",
          "Thiazides reduce lithium clearance: lithium toxicity.",
          "Contact prescriber; lithium dose reduction and level monitoring."),
    _rule("levothyroxine", "calcium", "minor",
          "Calcium binds levothyroxine in the gut and lowers its absorption.",
          "Separate the doses by at least 4 hours."),
    _rule("ciprofloxacin", "calcium", "minor",
          "Calcium chelates ciprofloxacin and lowers its absorption.",
          "Take ciprofloxacin 2 hours before or 6 hours after calcium."),
)  # fmt: skip


def interaction_rules_for(
    drugs: Iterable[DrugFacts], rules: Iterable[InteractionRule]
) -> tuple[InteractionRule, ...]:
    """The rules that name an ingredient of any of ``drugs`` (a service's pre-filter)."""
    keys = frozenset().union(*(d.name_keys for d in drugs))
    return tuple(
        r
        for r in rules
        if normalize_ingredient(r.generic_a) in keys or normalize_ingredient(r.generic_b) in keys
    )
