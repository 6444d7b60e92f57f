"""A small ClinicalKnowledge for the DUR domain tests, shaped like the curated seed (class codes of
resources/clinical/classes.csv: leaf classes with their parents expanded, as the repository gives
them). Sources are named as the seed names them."""

from datetime import date
from decimal import Decimal
from typing import Any

from pharmacy_desktop.domain.clinical_knowledge import (
    AgeRule,
    AllergyCross,
    ClinicalKnowledge,
    DiseaseRule,
    DoseLimit,
    InteractionRule,
    PregnancyRule,
    SexRule,
    Subject,
)
from pharmacy_desktop.domain.dur_facts import (
    ActiveMedication,
    DrugFacts,
    DurContext,
    IngredientStrength,
    NewItem,
    PatientFacts,
    Prescriber,
    normalize_ingredient,
)

D = Decimal
LABEL = "FDA label: Contraindications (4)"

_CLASSES = {
    # code: (name, kind)
    "penicillin": ("penicillins", "therapeutic"),
    "cephalosporin": ("cephalosporins", "therapeutic"),
    "beta_lactam": ("beta-lactam antibiotics", "allergy"),
    "sulfonamide_antibiotic": ("sulfonamide antibiotics", "therapeutic"),
    "sulfonamide_nonantibiotic": ("non-antibiotic sulfonamides", "allergy"),
    "nsaid": ("NSAIDs", "therapeutic"),
    "nsaid_cox2_selective": ("COX-2 selective NSAIDs", "therapeutic"),
    "salicylate": ("salicylates", "therapeutic"),
    "anticoagulant": ("anticoagulants", "therapeutic"),
    "vitamin_k_antagonist": ("vitamin K antagonists", "therapeutic"),
    "statin": ("HMG-CoA reductase inhibitors (statins)", "therapeutic"),
    "cholesterol_absorption_inhibitor": ("cholesterol absorption inhibitors", "therapeutic"),
    "beta_blocker": ("beta blockers", "therapeutic"),
    "beta_blocker_cardioselective": ("cardioselective beta blockers", "therapeutic"),
    "beta_blocker_nonselective": ("non-selective beta blockers", "therapeutic"),
    "ace_inhibitor": ("ACE inhibitors", "therapeutic"),
    "arb": ("angiotensin II receptor blockers", "therapeutic"),
    "potassium_sparing_diuretic": ("potassium-sparing diuretics", "therapeutic"),
    "potassium_supplement": ("potassium supplements", "therapeutic"),
    "thiazide_diuretic": ("thiazide diuretics", "therapeutic"),
    "pde5_inhibitor": ("PDE5 inhibitors", "therapeutic"),
    "nitrate": ("nitrates", "therapeutic"),
    "opioid": ("opioids", "therapeutic"),
    "benzodiazepine": ("benzodiazepines", "therapeutic"),
    "ssri": ("SSRIs", "therapeutic"),
    "maoi": ("MAO inhibitors", "therapeutic"),
    "p2y12_inhibitor": ("P2Y12 inhibitors", "therapeutic"),
    "ppi": ("proton pump inhibitors", "therapeutic"),
    "macrolide": ("macrolides", "therapeutic"),
    "fluoroquinolone": ("fluoroquinolones", "therapeutic"),
    "tetracycline": ("tetracyclines", "therapeutic"),
    "epc:Penicillin-class Antibacterial": ("Penicillin-class Antibacterial", "epc"),
    "bisphosphonate": ("bisphosphonates", "therapeutic"),
    "five_alpha_reductase_inhibitor": ("5-alpha reductase inhibitors", "therapeutic"),
    "antihistamine_first_gen": ("first-generation antihistamines", "therapeutic"),
    "thiazolidinedione": ("thiazolidinediones", "therapeutic"),
    "retinoid_systemic": ("systemic retinoids", "therapeutic"),
    "epc:HMG-CoA Reductase Inhibitor": ("HMG-CoA Reductase Inhibitor", "epc"),
}

_INGREDIENTS = {
    "amoxicillin": "penicillin beta_lactam",
    "ampicillin": "penicillin beta_lactam",
    "cephalexin": "cephalosporin beta_lactam",
    "sulfamethoxazole": "sulfonamide_antibiotic",
    "trimethoprim": "",
    "celecoxib": "nsaid nsaid_cox2_selective sulfonamide_nonantibiotic",
    "ibuprofen": "nsaid",
    "naproxen": "nsaid",
    "aspirin": "nsaid salicylate",
    "warfarin": "anticoagulant vitamin_k_antagonist",
    "atorvastatin": "statin epc:HMG-CoA Reductase Inhibitor",
    "rosuvastatin": "statin epc:HMG-CoA Reductase Inhibitor",
    "pravastatin": "statin epc:HMG-CoA Reductase Inhibitor",
    "simvastatin": "statin epc:HMG-CoA Reductase Inhibitor",
    "ezetimibe": "cholesterol_absorption_inhibitor",
    "metoprolol": "beta_blocker beta_blocker_cardioselective",
    "carvedilol": "beta_blocker beta_blocker_nonselective",
    "propranolol": "beta_blocker beta_blocker_nonselective",
    "lisinopril": "ace_inhibitor",
    "enalapril": "ace_inhibitor",
    "losartan": "arb",
    "spironolactone": "potassium_sparing_diuretic",
    "potassium": "potassium_supplement",
    "hydrochlorothiazide": "thiazide_diuretic sulfonamide_nonantibiotic",
    "sildenafil": "pde5_inhibitor",
    "tadalafil": "pde5_inhibitor",
    "nitroglycerin": "nitrate",
    "isosorbide mononitrate": "nitrate",
    "oxycodone": "opioid",
    "hydrocodone": "opioid",
    "codeine": "opioid",
    "tramadol": "opioid",
    "morphine": "opioid",
    "alprazolam": "benzodiazepine",
    "lorazepam": "benzodiazepine",
    "sertraline": "ssri",
    "fluoxetine": "ssri",
    "linezolid": "maoi",
    "clopidogrel": "p2y12_inhibitor",
    "omeprazole": "ppi",
    "pantoprazole": "ppi",
    "dicloxacillin": "penicillin beta_lactam",
    "erythromycin": "macrolide",
    "levofloxacin": "fluoroquinolone",
    "tetracycline": "tetracycline",
    "doxycycline": "tetracycline",
    "azithromycin": "macrolide",
    "clarithromycin": "macrolide",
    "ciprofloxacin": "fluoroquinolone",
    "alendronate": "bisphosphonate",
    "finasteride": "five_alpha_reductase_inhibitor",
    "diphenhydramine": "antihistamine_first_gen",
    "pioglitazone": "thiazolidinedione",
    "isotretinoin": "retinoid_systemic",
    "acetaminophen": "",
    "metronidazole": "",
    "methotrexate": "",
    "levothyroxine": "",
    "calcium": "",
    "amiodarone": "",
    "digoxin": "",
}


def ing(code: str) -> Subject:
    return Subject("ingredient", code)


def cls(code: str) -> Subject:
    return Subject("class", code)


def _ix(
    a: Subject, b: Subject, severity: str, mechanism: str, management: str = "Contact the prescriber."
) -> InteractionRule:
    return InteractionRule(a, b, severity, mechanism, management, "FDA label: Drug Interactions (7)")


INTERACTIONS = (
    _ix(cls("pde5_inhibitor"), cls("nitrate"), "contraindicated", "Profound hypotension."),
    _ix(cls("opioid"), cls("benzodiazepine"), "serious", "Respiratory depression (boxed warning)."),
    _ix(cls("ssri"), ing("tramadol"), "serious", "Serotonin syndrome and seizures."),
    _ix(ing("warfarin"), ing("sulfamethoxazole"), "serious", "CYP2C9 inhibition: INR rises."),
    _ix(ing("warfarin"), ing("metronidazole"), "serious", "CYP2C9 inhibition: INR rises."),
    _ix(ing("warfarin"), cls("nsaid"), "serious", "Bleeding risk."),
    _ix(cls("ace_inhibitor"), cls("potassium_sparing_diuretic"), "significant", "Hyperkalemia."),
    _ix(cls("ace_inhibitor"), cls("potassium_supplement"), "significant", "Hyperkalemia."),
    _ix(ing("clopidogrel"), ing("omeprazole"), "significant", "CYP2C19 inhibition: less active clopidogrel."),
    _ix(ing("simvastatin"), ing("clarithromycin"), "contraindicated", "CYP3A4 inhibition: rhabdomyolysis."),
    _ix(ing("levothyroxine"), ing("calcium"), "minor", "Calcium lowers absorption.", "Separate by 4 hours."),
    _ix(cls("ssri"), cls("maoi"), "contraindicated", "Serotonin syndrome."),
)


def limit(ingredient: str, **kw: object) -> DoseLimit:
    return DoseLimit(ingredient, kw.pop("source", "FDA label: Dosage and Administration (2)"), **kw)  # type: ignore[arg-type]


DOSE_LIMITS = (
    limit("warfarin", route="oral", age_min_years=D(18), max_daily_mg=D(15)),
    limit("acetaminophen", route="oral", age_min_years=D(12), max_single_mg=D(1000), max_daily_mg=D(4000)),
    limit(
        "acetaminophen",
        route="oral",
        age_max_years=D(12),
        max_single_mg_per_kg=D(15),
        max_daily_mg_per_kg=D(75),
        max_daily_mg=D(4000),
    ),
    limit("alprazolam", route="oral", age_min_years=D(18), max_daily_mg=D(4)),
    limit("oxycodone", route="oral", release="extended", age_min_years=D(18), min_interval_hours=D(12)),
    limit("oxycodone", route="oral", release="immediate", age_min_years=D(18), max_single_mg=D(30)),
    limit(
        "simvastatin",
        route="oral",
        age_min_years=D(18),
        max_daily_mg=D(40),
        note="80 mg only for patients already on it.",
    ),
    limit("methotrexate", route="oral", weekly_only=True, max_weekly_mg=D(30)),
    limit(
        "alendronate", route="oral", age_min_years=D(18), max_single_mg=D(70), max_daily_mg=D(10), max_weekly_mg=D(70)
    ),
    limit("amoxicillin", route="oral", age_min_years=D(12), max_single_mg=D(1000), max_daily_mg=D(3000)),
    limit("amoxicillin", route="oral", age_max_years=D(12), max_daily_mg_per_kg=D(90)),
    limit("hydrocodone", route="oral", age_min_years=D(18), max_daily_mg=D(90)),
    limit("lisinopril", route="oral", age_min_years=D(18), max_daily_mg=D(80)),
    limit("hydrocodone", route="oral", age_max_years=D(18), max_daily_mg_per_kg=D("0.6")),
)

DISEASE_RULES = (
    DiseaseRule(
        cls("nsaid"),
        "N18.4",
        "CKD stage 4",
        "serious",
        "Avoid NSAIDs in severe renal impairment.",
        "FDA label: Warnings and Precautions (5.6)",
    ),
    DiseaseRule(
        cls("nsaid"),
        "N18.5",
        "CKD stage 5",
        "serious",
        "Avoid NSAIDs in severe renal impairment.",
        "FDA label: Warnings and Precautions (5.6)",
    ),
    DiseaseRule(cls("beta_blocker_nonselective"), "J45", "asthma", "serious", "Bronchospasm.", LABEL),
    DiseaseRule(
        cls("nsaid"),
        "I50",
        "heart failure",
        "significant",
        "Fluid retention, worsening heart failure.",
        "FDA label: Boxed Warning",
    ),
    DiseaseRule(
        cls("thiazolidinedione"),
        "I50",
        "heart failure",
        "contraindicated",
        "Fluid retention.",
        "FDA label: Boxed Warning",
    ),
)

PREGNANCY_RULES = (
    PregnancyRule(ing("warfarin"), "pregnancy", "contraindicated", "Embryopathy.", LABEL),
    PregnancyRule(cls("statin"), "pregnancy", "contraindicated", "Fetal harm.", LABEL),
    PregnancyRule(
        cls("ace_inhibitor"), "pregnancy", "serious", "Fetal toxicity (boxed warning).", "FDA label: Boxed Warning"
    ),
    PregnancyRule(ing("isotretinoin"), "pregnancy", "contraindicated", "Birth defects (iPLEDGE).", LABEL),
    PregnancyRule(
        ing("methotrexate"),
        "lactation",
        "contraindicated",
        "Do not breastfeed.",
        "FDA label: Use in Specific Populations (8.2)",
    ),
    PregnancyRule(
        ing("codeine"),
        "lactation",
        "serious",
        "Infant respiratory depression.",
        "FDA Drug Safety Communication 2017-04-20",
    ),
)

AGE_RULES = (
    AgeRule(
        cls("benzodiazepine"),
        "beers",
        "significant",
        "Avoid in older adults: falls, delirium.",
        "AGS Beers Criteria 2023, Table 2",
        age_min_years=D(65),
    ),
    AgeRule(
        cls("antihistamine_first_gen"),
        "beers",
        "significant",
        "Anticholinergic.",
        "AGS Beers Criteria 2023, Table 2",
        age_min_years=D(65),
    ),
    AgeRule(
        ing("codeine"),
        "pediatric",
        "contraindicated",
        "Ultra-rapid metabolism: death.",
        "FDA Drug Safety Communication 2017-04-20 (codeine/tramadol in children)",
        age_max_years=D(12),
    ),
    AgeRule(
        ing("tramadol"),
        "pediatric",
        "contraindicated",
        "Ultra-rapid metabolism: death.",
        "FDA Drug Safety Communication 2017-04-20 (codeine/tramadol in children)",
        age_max_years=D(12),
    ),
    AgeRule(
        ing("aspirin"),
        "pediatric",
        "serious",
        "Reye's syndrome.",
        "FDA label: Warnings (Reye's syndrome)",
        age_max_years=D(18),
    ),
)

SEX_RULES = (
    SexRule(cls("five_alpha_reductase_inhibitor"), "F", "contraindicated", "Not for women; fetal harm.", LABEL),
)

ALLERGY_CROSS = (
    AllergyCross(
        "penicillin",
        cls("cephalosporin"),
        "significant",
        "Partial cross-reactivity with penicillins.",
        "FDA label: Warnings (hypersensitivity)",
    ),
    AllergyCross(
        "sulfonamide_antibiotic",
        ing("celecoxib"),
        "serious",
        "Celecoxib is contraindicated in sulfonamide allergy.",
        LABEL,
    ),
)

ALLERGEN_TERMS = {
    "penicillin": (cls("penicillin"),),
    "penicillins": (cls("penicillin"), cls("epc:Penicillin-class Antibacterial")),
    "ace inhibitors": (cls("ace_inhibitor"),),
    "pcn": (cls("penicillin"),),
    "sulfa": (cls("sulfonamide_antibiotic"),),
    "sulfa drugs": (cls("sulfonamide_antibiotic"),),
    "nsaids": (cls("nsaid"),),
    "cephalosporins": (cls("cephalosporin"),),
    "statins": (cls("statin"),),
    "codeine": (ing("codeine"),),
}

BRANDS = {
    "zoloft": frozenset({"sertraline"}),
    "plavix": frozenset({"clopidogrel"}),
    "coumadin": frozenset({"warfarin"}),
    "bactrim": frozenset({"sulfamethoxazole", "trimethoprim"}),
    "keflex": frozenset({"cephalexin"}),
    "cipro": frozenset({"ciprofloxacin"}),
    "augmentin": frozenset({"amoxicillin", "clavulanate"}),
}

CONDITION_TERMS = {
    "asthma": "J45",
    "heart failure": "I50",
    "ckd stage 4": "N18.4",
    "chronic kidney disease stage 4": "N18.4",
}


def knowledge() -> ClinicalKnowledge:
    ingredient_classes = {i: frozenset(c.split()) for i, c in _INGREDIENTS.items()}
    vocabulary = frozenset(_INGREDIENTS) | {name.lower() for name, _ in _CLASSES.values()} | frozenset(ALLERGEN_TERMS)
    return ClinicalKnowledge(
        ingredient_classes=ingredient_classes,
        class_names={code: name for code, (name, _) in _CLASSES.items()},
        class_kinds={code: kind for code, (_, kind) in _CLASSES.items()},
        interactions=INTERACTIONS,
        dose_limits=DOSE_LIMITS,
        disease_rules=DISEASE_RULES,
        pregnancy_rules=PREGNANCY_RULES,
        age_rules=AGE_RULES,
        sex_rules=SEX_RULES,
        allergy_cross=ALLERGY_CROSS,
        allergen_terms=ALLERGEN_TERMS,
        brand_ingredients=BRANDS,
        vocabulary=vocabulary,
        condition_terms=CONDITION_TERMS,
    )


KB = knowledge()


# --------------------------------------------------------------------------- building contexts

TODAY = date(2026, 11, 20)
PRESCRIBER = Prescriber(
    "Dr. Jane Brown", "1234567893", "AB1234563", "Brown", frozenset({"2", "2N", "3", "3N", "4", "5"})
)


def drug(generic: str, amount: str | None = None, unit: str = "mg/1", **kw: Any) -> DrugFacts:
    """A product of one ingredient (or a combination given as "a/b" with no strength)."""
    strengths = ()
    if amount is not None:
        strengths = (IngredientStrength(normalize_ingredient(generic), Decimal(amount), unit),)
    kw.setdefault("route", "oral")
    return DrugFacts(generic, strengths=strengths, **kw)


def born(years: int, today: date = TODAY) -> date:
    return date(today.year - years, 1, 1)


def patient(age: int | None = 50, sex: str | None = "M", **kw: Any) -> PatientFacts:
    return PatientFacts(born(age) if age is not None else None, sex, **kw)  # type: ignore[arg-type]


def context(
    new: DrugFacts,
    sig: str = "1 tab po qd",
    quantity: int = 30,
    days: int = 30,
    *,
    active: tuple[DrugFacts, ...] = (),
    who: PatientFacts | None = None,
    kb: ClinicalKnowledge | None = None,
    **kw: Any,
) -> DurContext:
    item = NewItem(new, Decimal(quantity), days, sig, 0, TODAY)
    meds = tuple(ActiveMedication(f"RX{i}", d) for i, d in enumerate(active, 1))
    return DurContext(
        item,
        kw.pop("prescriber", PRESCRIBER),
        TODAY,
        active_medications=meds,
        patient=who if who is not None else patient(),
        knowledge=kb if kb is not None else KB,
        **kw,
    )


NO_KNOWLEDGE = ClinicalKnowledge(empty=True)
