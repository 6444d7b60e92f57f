import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from pharmacy_desktop.domain.dur import (
    WELL_KNOWN_INTERACTIONS,
    ActiveMedication,
    Allergy,
    Check,
    DrugFacts,
    DurContext,
    DurFinding,
    InteractionRule,
    NewItem,
    PatientFacts,
    Prescriber,
    PreviousFill,
    allergen_classes,
    blocking,
    check_allergies,
    check_controlled,
    check_dose,
    check_duplication,
    check_early_refill,
    check_interactions,
    check_prescriber,
    interaction_rules_for,
    normalize_ingredient,
    refill_due_date,
    run_dur,
    split_ingredients,
)
from pharmacy_desktop.domain.dur_facts import IngredientStrength
from pharmacy_desktop.domain.schedules import Schedule
from tests.domain.dur_knowledge import KB
from tests.dur_checks import EVERY_DUR_CHECK

TODAY = date(2025, 3, 1)
D = Decimal

AMOXICILLIN = DrugFacts(
    "Amoxicillin", "Amoxil", "500 mg", "capsule", "oral", "Antibiotics",
    ("Penicillin-class Antibacterial [EPC]", "Penicillins [CS]"), None, ("AMOXICILLIN",),
    (IngredientStrength("amoxicillin", Decimal(250), "mg/1"),),
)  # fmt: skip
AMOXICILLIN_SUSPENSION = DrugFacts(
    "Amoxicillin", None, "250 mg/5 mL", "suspension", "oral",
    strengths=(IngredientStrength("amoxicillin", Decimal(250), "mg/5mL"),),
)  # fmt: skip
AUGMENTIN = DrugFacts("Amoxicillin and Clavulanate Potassium", "Augmentin", "875-125 mg")
CEPHALEXIN = DrugFacts("Cephalexin", "Keflex", "500 mg", pharm_classes=("Cephalosporin Antibacterial [EPC]",))
AZITHROMYCIN = DrugFacts("Azithromycin", "Zithromax", "250 mg", therapeutic_class="Antibiotics")
WARFARIN = DrugFacts("Warfarin Sodium", "Coumadin", "5 mg", therapeutic_class="Anticoagulants")
ASPIRIN = DrugFacts("Aspirin", None, "81 mg", therapeutic_class="Antiplatelets")
EXCEDRIN = DrugFacts("Acetaminophen; Aspirin; Caffeine", "Excedrin", "250-250-65 mg")
IBUPROFEN = DrugFacts("Ibuprofen", "Motrin", "800 mg", therapeutic_class="NSAIDs")
NAPROXEN = DrugFacts("Naproxen Sodium", "Anaprox", "550 mg", therapeutic_class="NSAIDs")
METHOTREXATE = DrugFacts("Methotrexate", None, "2.5 mg")
SMX_TMP = DrugFacts("Sulfamethoxazole/Trimethoprim", "Bactrim DS", "800-160 mg")
LEVOTHYROXINE = DrugFacts("Levothyroxine Sodium", "Synthroid", "50 mcg")
CALCIUM = DrugFacts("Calcium Carbonate", "Tums", "500 mg")
LISINOPRIL = DrugFacts("Lisinopril", "Zestril", "10 mg", therapeutic_class="ACE inhibitors")
SPIRONOLACTONE = DrugFacts("Spironolactone", "Aldactone", "25 mg")
LOSARTAN = DrugFacts("Losartan Potassium", "Cozaar", "50 mg")
SIMVASTATIN = DrugFacts("Simvastatin", "Zocor", "40 mg")
CLARITHROMYCIN = DrugFacts("Clarithromycin", "Biaxin", "500 mg")
NORCO = DrugFacts("Hydrocodone Bitartrate and Acetaminophen", "Norco", "10-325 mg", schedule="CII")
TYLENOL = DrugFacts("Acetaminophen", "Tylenol", "500 mg")
MORPHINE = DrugFacts("Morphine Sulfate", "MS Contin", "15 mg", schedule="CII")
ALPRAZOLAM = DrugFacts("Alprazolam", "Xanax", "0.5 mg", schedule="CIV")
TESTOSTERONE = DrugFacts("Testosterone Cypionate", None, "200 mg/mL", schedule="CIII")

ADULT = PatientFacts(date(1980, 5, 1), "M", D(80), "not_pregnant")
PRESCRIBER = Prescriber("Dr. Jane Brown, MD", "1234567893", "AB1234563")


def item(
    drug: DrugFacts = AMOXICILLIN,
    quantity: int | str = 30,
    days: int = 10,
    sig: str = "1 C PO TID",
    refills: int = 0,
    written: date = TODAY,
) -> NewItem:
    return NewItem(drug, D(quantity), days, sig, refills, written)


def ctx(new: NewItem | None = None, **kwargs: object) -> DurContext:
    kwargs.setdefault("interaction_rules", WELL_KNOWN_INTERACTIONS)
    kwargs.setdefault("knowledge", KB)
    kwargs.setdefault("patient", ADULT)
    kwargs.setdefault("prescriber", PRESCRIBER)
    return DurContext(item=new or item(), today=TODAY, **kwargs)  # type: ignore[arg-type]


def active(drug: DrugFacts, rx: str = "1000001", filled: date | None = None, days: int | None = 30) -> ActiveMedication:
    return ActiveMedication(rx, drug, filled, days, D(30))


def only(findings: list[DurFinding]) -> DurFinding:
    assert len(findings) == 1, findings
    return findings[0]


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Warfarin Sodium", "warfarin"),
        ("POTASSIUM CHLORIDE", "potassium"),
        ("Losartan Potassium", "losartan"),
        ("Calcium Carbonate", "calcium"),
        ("Amoxicillin (as trihydrate)", "amoxicillin"),
        ("Penicillin V Potassium", "penicillin v"),
        ("Isosorbide Mononitrate", "isosorbide mononitrate"),
        ("Sodium", "sodium"),
    ],
)
def test_normalize_ingredient(name: str, key: str) -> None:
    assert normalize_ingredient(name) == key


def test_split_ingredients() -> None:
    assert split_ingredients("Acetaminophen and Codeine Phosphate") == ("acetaminophen", "codeine")
    assert split_ingredients("ACETAMINOPHEN; ASPIRIN; CAFFEINE") == (
        "acetaminophen",
        "aspirin",
        "caffeine",
    )
    assert split_ingredients("Sulfamethoxazole/Trimethoprim") == (
        "sulfamethoxazole",
        "trimethoprim",
    )


def test_drug_facts_normalise_schedule_and_prefer_listed_ingredients() -> None:
    assert NORCO.schedule is Schedule.CII
    assert AMOXICILLIN.schedule is Schedule.NONE
    assert DrugFacts("Combo", ingredients=("Hydrocodone Bitartrate", "Acetaminophen")).ingredient_keys == {
        "hydrocodone",
        "acetaminophen",
    }
    assert AMOXICILLIN.display_name == "Amoxil (Amoxicillin) 500 mg"


def test_new_item_rejects_float_quantity() -> None:
    with pytest.raises(TypeError):
        NewItem(AMOXICILLIN, 30.0, 10, "1 C PO TID", 0, TODAY)  # type: ignore[arg-type]
    from_int = NewItem(AMOXICILLIN, 30, 10, "1 C PO TID", 0, TODAY)  # type: ignore[arg-type]
    assert from_int.quantity == D(30)


# --------------------------------------------------------------------------- interactions


def test_interaction_found_and_blocking() -> None:
    finding = only(
        check_interactions(
            ctx(
                item(WARFARIN, sig="1 T PO QD", days=30),
                active_medications=(active(ASPIRIN, "RX7"),),
            )
        )
    )
    assert finding.check == Check.INTERACTION == "drug_interaction"
    assert (finding.status, finding.severity) == ("failed", "serious")
    assert finding.blocks_approval
    assert "Serious interaction: Coumadin (Warfarin Sodium) 5 mg with Aspirin 81 mg (Rx RX7)" in finding.message
    assert "bleeding" in finding.message
    assert finding.details["management"].startswith("Confirm the combination")
    assert finding.details["interacting_rx_number"] == "RX7"


def test_interaction_in_the_other_order() -> None:
    finding = only(
        check_interactions(ctx(item(ASPIRIN, sig="1 T PO QD", days=30), active_medications=(active(WARFARIN),)))
    )
    assert finding.status == "failed"
    assert "Aspirin 81 mg with Coumadin (Warfarin Sodium) 5 mg" in finding.message


def test_interaction_via_an_active_combination_product() -> None:
    finding = only(check_interactions(ctx(item(WARFARIN), active_medications=(active(EXCEDRIN),))))
    assert finding.details["generic_b"] == "aspirin"
    assert "Excedrin" in finding.message


def test_interaction_via_a_new_combination_product() -> None:
    finding = only(check_interactions(ctx(item(SMX_TMP), active_medications=(active(METHOTREXATE),))))
    assert (finding.status, finding.severity) == ("failed", "serious")
    assert finding.details["generic_b"] == "trimethoprim"


def test_interaction_rule_matching_is_case_insensitive() -> None:
    rule = InteractionRule("WARFARIN", "Aspirin", "serious", "Bleeding.", "Monitor.")
    finding = only(
        check_interactions(ctx(item(WARFARIN), active_medications=(active(ASPIRIN),), interaction_rules=(rule,)))
    )
    assert finding.status == "failed"


@pytest.mark.parametrize(
    ("new", "other", "severity", "status"),
    [
        (SIMVASTATIN, CLARITHROMYCIN, "contraindicated", "failed"),
        (LISINOPRIL, SPIRONOLACTONE, "significant", "warning"),
        (LEVOTHYROXINE, CALCIUM, "minor", "warning"),
    ],
)
def test_interaction_severity_decides_blocking(new: DrugFacts, other: DrugFacts, severity: str, status: str) -> None:
    finding = only(check_interactions(ctx(item(new), active_medications=(active(other),))))
    assert (finding.severity, finding.status) == (severity, status)


def test_unknown_interaction_severity_blocks() -> None:
    rule = InteractionRule("warfarin", "aspirin", "Major", "Bleeding.")
    assert (
        only(
            check_interactions(ctx(item(WARFARIN), active_medications=(active(ASPIRIN),), interaction_rules=(rule,)))
        ).status
        == "failed"
    )


def test_potassium_salt_is_not_a_potassium_supplement() -> None:
    finding = only(check_interactions(ctx(item(LISINOPRIL), active_medications=(active(LOSARTAN),))))
    assert finding.status == "passed"


def test_one_finding_per_interacting_medication() -> None:
    findings = check_interactions(
        ctx(
            item(WARFARIN),
            active_medications=(
                active(ASPIRIN, "1"),
                active(IBUPROFEN, "2"),
                active(LISINOPRIL, "3"),
            ),
        )
    )
    assert [f.details["interacting_rx_number"] for f in findings] == ["1", "2"]


def test_no_interaction_passes() -> None:
    finding = only(check_interactions(ctx(item(AMOXICILLIN), active_medications=(active(LISINOPRIL),))))
    assert (finding.status, finding.severity) == ("passed", "none")
    assert finding.message == "No interactions with 1 active medication."


# --------------------------------------------------------------------------- allergies


def test_penicillin_allergy_flags_amoxicillin() -> None:
    finding = only(
        check_allergies(
            ctx(
                item(AMOXICILLIN),
                allergies=(Allergy("Penicillin", "medication", "severe", "hives"),),
            )
        )
    )
    assert finding.check == "allergy_check"
    assert finding.status == "failed" and finding.blocks_approval
    assert "allergic to Penicillin (recorded: severe, hives)" in finding.message
    assert "same class (penicillins)" in finding.message
    assert finding.details["classes"] == ["penicillin"]


def test_penicillin_allergy_flags_amoxicillin_without_catalog_classes() -> None:
    bare = DrugFacts("amoxicillin")
    assert only(check_allergies(ctx(item(bare), allergies=(Allergy("PCN"),)))).status == "failed"


def test_allergy_to_an_ingredient_of_a_combination() -> None:
    finding = only(check_allergies(ctx(item(AUGMENTIN), allergies=(Allergy("amoxicillin"),))))
    assert (finding.status, finding.severity) == ("failed", "contraindicated")
    assert finding.details["ingredients"] == ["amoxicillin"]


def test_allergy_recorded_by_brand() -> None:
    assert only(check_allergies(ctx(item(SMX_TMP), allergies=(Allergy("Bactrim"),)))).severity == "contraindicated"
    assert only(check_allergies(ctx(item(CEPHALEXIN), allergies=(Allergy("Keflex"),)))).severity == "contraindicated"


def test_allergy_by_fda_pharm_class_only() -> None:
    unusual = DrugFacts("Temocillin", pharm_classes=("Penicillin-class Antibacterial [EPC]",))
    finding = only(check_allergies(ctx(item(unusual), allergies=(Allergy("Penicillins"),))))
    assert finding.status == "failed" and finding.details["match"] == "class"


def test_cephalosporin_cross_sensitivity_for_penicillin_allergy() -> None:
    finding = only(check_allergies(ctx(item(CEPHALEXIN), allergies=(Allergy("Penicillin"),))))
    assert (finding.status, finding.severity) == ("warning", "significant")
    assert not finding.blocks_approval
    assert "Possible cross-sensitivity" in finding.message
    assert finding.details["allergy_class"] == "penicillin"


def test_cephalosporin_allergy_flags_cephalosporin() -> None:
    assert only(check_allergies(ctx(item(CEPHALEXIN), allergies=(Allergy("Cephalosporins"),)))).status == "failed"


@pytest.mark.parametrize(
    ("allergen", "drug"),
    [
        ("Sulfa", SMX_TMP),
        ("aspirin", IBUPROFEN),
        ("NSAIDs", NAPROXEN),
        ("Codeine", NORCO),
        ("codeine", MORPHINE),
        ("Statins", SIMVASTATIN),
        ("ACE inhibitors", LISINOPRIL),
        ("erythromycin", CLARITHROMYCIN),
        ("Cipro", DrugFacts("Levofloxacin")),
        ("Tetracycline", DrugFacts("Doxycycline Hyclate")),
        ("Ampicillin", DrugFacts("Dicloxacillin Sodium")),
    ],
)
def test_allergy_classes(allergen: str, drug: DrugFacts) -> None:
    finding = only(check_allergies(ctx(item(drug), allergies=(Allergy(allergen),))))
    assert finding.status == "failed", finding.message


def test_allergen_classes_come_from_the_knowledge() -> None:
    assert allergen_classes("PCN", KB) == {"penicillin"}
    assert allergen_classes("amoxicillin", KB) == {"penicillin"}  # not the beta-lactam grouping


@pytest.mark.parametrize(
    ("allergen", "drug"),
    [
        ("Penicillin", AZITHROMYCIN),
        ("Sulfa", MORPHINE),  # "sulfate" is not a sulfonamide
        ("Codeine", TYLENOL),
        ("Lisinopril", LOSARTAN),
    ],
)
def test_no_allergy_conflict(allergen: str, drug: DrugFacts) -> None:
    finding = only(check_allergies(ctx(item(drug), allergies=(Allergy(allergen),))))
    assert finding.status == "passed"
    assert finding.message == "No conflict with 1 recorded drug allergy."


def test_food_allergies_are_not_drug_allergies() -> None:
    finding = only(check_allergies(ctx(item(AMOXICILLIN), allergies=(Allergy("Peanut", "food"),))))
    assert finding.message == "No drug allergies on file."


# --------------------------------------------------------------------------- duplication


def test_same_therapeutic_class_warns() -> None:
    finding = only(check_duplication(ctx(item(NAPROXEN), active_medications=(active(IBUPROFEN, "55"),))))
    assert (finding.check, finding.status) == ("therapeutic_duplication", "warning")
    assert "are both NSAIDs" in finding.message and "Rx 55" in finding.message


def test_same_ingredient_warns() -> None:
    finding = only(check_duplication(ctx(item(TYLENOL), active_medications=(active(NORCO, "77"),))))
    assert finding.status == "warning"
    assert finding.message.startswith("Duplicate ingredient: acetaminophen is also in active Rx 77")


def test_no_duplication() -> None:
    finding = only(check_duplication(ctx(item(AMOXICILLIN), active_medications=(active(LISINOPRIL),))))
    assert finding.status == "passed"


# --------------------------------------------------------------------------- dose


@pytest.mark.parametrize(
    ("quantity", "days", "sig"),
    [
        (60, 30, "1 T PO BID"),
        (28, 30, "1 T PO QD"),  # within 10% tolerance
        (240, 30, "1-2 T PO Q6H PRN"),
        (30, 30, "1-2 T PO Q6H PRN"),  # PRN may last longer
        (150, 10, "1 TSP PO TID"),  # teaspoons in mL
    ],
)
def test_dose_plausible(quantity: int, days: int, sig: str) -> None:
    drug = AMOXICILLIN_SUSPENSION if "TSP" in sig else AMOXICILLIN
    finding = only(check_dose(ctx(item(drug, quantity=quantity, days=days, sig=sig))))
    assert finding.status == "passed", finding.message


def test_dose_without_a_countable_sig_is_not_a_silent_pass() -> None:
    # "UD" (as directed): nothing to compare the quantity with, and the dose range cannot be
    # checked either: a warning (it used to pass).
    finding = only(check_dose(ctx(item(quantity=30, days=30, sig="UD"))))
    assert (finding.status, finding.details["undecided"]) == ("warning", True)
    assert "no countable dose" in finding.message


def test_dose_passed_message() -> None:
    assert only(check_dose(ctx(item(quantity=60, days=30, sig="1 T PO BID")))).message == (
        "Quantity 60 fits 30 days at 2 tablets a day."
    )


def test_quantity_too_small_for_days_supply() -> None:
    finding = only(check_dose(ctx(item(quantity=30, days=30, sig="1 T PO BID"))))
    assert (finding.status, finding.check) == ("warning", "dose_check")
    assert finding.message == "Quantity 30 lasts only 15 days at 2 tablets a day, but the days supply is 30."


def test_quantity_too_large_for_days_supply() -> None:
    finding = only(check_dose(ctx(item(quantity=120, days=30, sig="1 T PO QD"))))
    assert finding.message == (
        "Quantity 120 lasts at least 120 days at up to 1 tablet a day, but the days supply is 30."
    )


def test_prn_days_supply_too_short() -> None:
    finding = only(check_dose(ctx(item(quantity=120, days=5, sig="1-2 T PO Q6H PRN"))))
    assert finding.status == "warning"
    assert "lasts at least 15 days at up to 8 tablets a day" in finding.message


@pytest.mark.parametrize("days", [0, -1, 366, 1000])
def test_absurd_days_supply_fails(days: int) -> None:
    finding = only(check_dose(ctx(item(days=days))))
    assert finding.status == "failed" and finding.blocks_approval
    assert f"Days supply {days} is not plausible" in finding.message


def test_days_supply_of_a_year_is_allowed() -> None:
    assert only(check_dose(ctx(item(quantity=365, days=365, sig="1 T PO QD")))).status == "passed"


def test_zero_quantity_fails() -> None:
    assert only(check_dose(ctx(item(quantity=0)))).status == "failed"


def test_unknown_sig_tokens_warn() -> None:
    finding = only(check_dose(ctx(item(sig="1 T PO BID ZZTOP"))))
    assert finding.status == "warning" and "ZZTOP" in finding.message
    assert finding.details["unknown_tokens"] == ["ZZTOP"]


# --------------------------------------------------------------------------- early refill


def test_refill_due_date_rounds_up() -> None:
    assert refill_due_date(date(2025, 1, 1), 30) == date(2025, 1, 24)  # 22.5 days -> day 23
    assert refill_due_date(date(2025, 1, 1), 28) == date(2025, 1, 22)  # exactly 21 days


@pytest.mark.parametrize(
    ("days_supply", "elapsed", "status"),
    [
        (28, 20, "warning"),
        (28, 21, "passed"),
        (30, 22, "warning"),
        (30, 23, "passed"),
        (30, 5, "warning"),
    ],
)
def test_early_refill_boundary_at_75_percent(days_supply: int, elapsed: int, status: str) -> None:
    context = ctx(previous_fill=PreviousFill(TODAY - timedelta(days=elapsed), days_supply))
    assert only(check_early_refill(context)).status == status


def test_early_refill_message_gives_the_due_date() -> None:
    context = ctx(previous_fill=PreviousFill(date(2025, 2, 19), 30))  # 10 days ago
    finding = only(check_early_refill(context))
    assert finding.check == "early_refill"
    assert "10 days elapsed (33%). Due on 2025-03-14." in finding.message
    assert finding.details["due_date"] == "2025-03-14"


def test_early_refill_against_an_active_prescription_of_the_same_drug() -> None:
    context = ctx(
        item(LISINOPRIL, quantity=30, days=30, sig="1 T PO QD"),
        active_medications=(active(LISINOPRIL, "4242", filled=TODAY - timedelta(days=3)),),
    )
    finding = only(check_early_refill(context))
    assert finding.status == "warning" and "(Rx 4242)" in finding.message


def test_no_previous_fill() -> None:
    finding = only(check_early_refill(ctx(active_medications=(active(LISINOPRIL, filled=TODAY),))))
    assert finding.status == "passed" and finding.message == "No previous fill of this drug."


# --------------------------------------------------------------------------- controlled substances


def controlled(
    drug: DrugFacts, refills: int = 0, written: date = TODAY, prescriber: Prescriber = PRESCRIBER
) -> list[DurFinding]:
    return check_controlled(
        ctx(
            item(drug, quantity=30, days=30, sig="1 T PO QD", refills=refills, written=written),
            prescriber=prescriber,
        )
    )


def test_non_controlled_passes() -> None:
    assert only(controlled(AMOXICILLIN, refills=11)).message == "Not a controlled substance."


def test_cii_without_refills_and_valid_dea_passes() -> None:
    finding = only(controlled(NORCO))
    assert finding.status == "passed"
    assert finding.details["schedule"] == "C-II"


def test_cii_with_refills_fails() -> None:
    finding = only(controlled(NORCO, refills=1))
    assert (finding.check, finding.status) == ("controlled_substance", "failed")
    assert finding.message == "C-II prescriptions cannot have refills (1 written)."


def test_civ_with_six_refills_fails() -> None:
    finding = only(controlled(ALPRAZOLAM, refills=6))
    assert finding.message == "C-IV prescriptions allow at most 5 refills (6 written)."


def test_civ_with_five_refills_passes() -> None:
    assert only(controlled(ALPRAZOLAM, refills=5)).status == "passed"


def test_written_seven_months_ago_fails() -> None:
    finding = only(controlled(TESTOSTERONE, written=date(2024, 8, 1)))
    assert finding.status == "failed"
    assert "expired on 2025-02-01" in finding.message
    assert finding.details["rule"] == "expired"


def test_written_six_months_ago_today_passes() -> None:
    assert only(controlled(TESTOSTERONE, written=date(2024, 9, 1))).status == "passed"


def test_missing_dea_fails() -> None:
    finding = only(controlled(ALPRAZOLAM, prescriber=replace(PRESCRIBER, dea=None)))
    assert finding.message == "A prescriber DEA number is required for C-IV drugs."
    assert finding.details["rule"] == "dea_missing"


def prescriber_findings(prescriber: Prescriber) -> list[DurFinding]:
    new = item(ALPRAZOLAM, quantity=30, days=30, sig="1 T PO QD")
    return check_prescriber(ctx(new, prescriber=replace(prescriber, dea_schedules=frozenset({"4"}))))


def test_bad_dea_checksum_fails() -> None:
    # DEA validity moved to the prescriber check (domain/dur_prescriber.py): one alert, not two.
    assert only(controlled(ALPRAZOLAM, prescriber=replace(PRESCRIBER, dea="AB1234564"))).status == "passed"
    finding = only(prescriber_findings(replace(PRESCRIBER, dea="AB1234564")))
    assert finding.details["rule"] == "dea_invalid"
    assert "checksum fails" in finding.message


def test_dea_of_another_prescriber_fails() -> None:
    finding = only(prescriber_findings(Prescriber("Dr. Sam Smith", "1234567893", "AB1234563")))
    assert finding.status == "failed" and "Smith" in finding.message


def test_postdated_controlled_prescription_fails() -> None:
    finding = only(controlled(ALPRAZOLAM, written=TODAY + timedelta(days=1)))
    assert "in the future" in finding.message


def test_several_controlled_problems_are_separate_findings() -> None:
    findings = controlled(NORCO, refills=2, prescriber=replace(PRESCRIBER, dea=""))
    assert [f.details["rule"] for f in findings] == ["dea_missing", "too_many_refills"]


# --------------------------------------------------------------------------- run_dur


def test_run_dur_penicillin_allergic_patient_gets_amoxicillin() -> None:
    findings = run_dur(ctx(item(AMOXICILLIN), allergies=(Allergy("Penicillin"),), patient=ADULT))
    assert {f.check for f in findings} == EVERY_DUR_CHECK
    assert findings[0].check == "allergy_check" and findings[0].status == "failed"
    assert [f.check for f in blocking(findings)] == ["allergy_check"]


def test_run_dur_clean_prescription_has_only_passed_findings() -> None:
    findings = run_dur(ctx(item(AMOXICILLIN), patient=ADULT))
    assert len(findings) == 12
    assert all(f.status == "passed" for f in findings)
    assert blocking(findings) == []


def test_finding_details_are_json_ready() -> None:
    findings = run_dur(
        ctx(
            item(NORCO, quantity=30, days=30, sig="1 T PO QD", refills=1),
            allergies=(Allergy("Codeine", severity="moderate"),),
            active_medications=(
                active(TYLENOL, filled=TODAY - timedelta(days=2)),
                active(ALPRAZOLAM),
            ),
            previous_fill=PreviousFill(TODAY - timedelta(days=5), 30),
            patient=ADULT,
        )
    )
    json.dumps([f.details for f in findings])
    assert {f.status for f in findings} == {"failed", "warning", "passed"}


# --------------------------------------------------------------------------- reference data


def test_well_known_interactions() -> None:
    assert len(WELL_KNOWN_INTERACTIONS) >= 20
    pairs = [
        frozenset((normalize_ingredient(r.generic_a), normalize_ingredient(r.generic_b)))
        for r in WELL_KNOWN_INTERACTIONS
    ]
    assert len(set(pairs)) == len(pairs)
    assert {r.severity for r in WELL_KNOWN_INTERACTIONS} == {
        "contraindicated",
        "serious",
        "significant",
        "minor",
    }
    assert all(r.description and r.management for r in WELL_KNOWN_INTERACTIONS)
    for a, b in [
        ("warfarin", "aspirin"), ("warfarin", "ibuprofen"), ("simvastatin", "clarithromycin"),
        ("sildenafil", "nitroglycerin"), ("lisinopril", "spironolactone"),
        ("methotrexate", "trimethoprim"),
        ("fluoxetine", "tramadol"), ("sertraline", "linezolid"), ("clopidogrel", "omeprazole"),
        ("digoxin", "amiodarone"), ("ciprofloxacin", "tizanidine"), ("levothyroxine", "calcium"),
    ]:  # fmt: skip
        assert frozenset((a, b)) in pairs


def test_interaction_rules_for_prefilters() -> None:
    rules = interaction_rules_for([WARFARIN], WELL_KNOWN_INTERACTIONS)
    assert {r.generic_b for r in rules} == {"aspirin", "ibuprofen", "naproxen", "fluconazole"}
