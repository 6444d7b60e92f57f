"""The drug-allergy check: the allergen against generic name, brand, ingredients and class.

Most of this module is its tables (allergy classes with their members and FDA class markers,
brands an allergy is recorded by, resolved to ingredients).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .dur_facts import (
    FAILED,
    WARNING,
    Allergy,
    Check,
    DrugFacts,
    DurContext,
    DurFinding,
    normalize_ingredient,
    passed_finding,
)


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
CROSS_SENSITIVITY = frozenset({("penicillins", "cephalosporins"), ("cephalosporins", "penicillins")})

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
        c.name for c in ALLERGY_CLASSES if keys & c.members or any(m in t for m in c.markers for t in texts)
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
    medication_allergies = [a for a in ctx.allergies if (a.allergen_type or "").lower() not in _NON_DRUG_ALLERGEN_TYPES]
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
                    f"Allergy: patient is allergic to {allergy.allergen_name}{note}; {drug.display_name} contains it.",
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
    return passed_finding(Check.ALLERGY, message, allergies_checked=count)
