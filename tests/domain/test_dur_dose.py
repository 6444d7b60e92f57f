"""Dose range (issue 15 item 2): single and daily mg from SIG x strength, mg/kg, weekly-only drugs,
minimum intervals; fires on the issue's cases, passes the therapeutic near-misses, and warns (never
passes) when it cannot decide."""

from decimal import Decimal

import pytest

from pharmacy_desktop.domain.dur import check_dose, mg_per_unit
from pharmacy_desktop.domain.dur_facts import IngredientStrength
from tests.domain.dur_knowledge import NO_KNOWLEDGE, context, drug, patient

D = Decimal
WARFARIN_4 = drug("Warfarin Sodium", "4")
WARFARIN_5 = drug("Warfarin Sodium", "5")
APAP_500 = drug("Acetaminophen", "500")
APAP_SUSP = drug("Acetaminophen", "160", "mg/5mL", dosage_form="suspension")
ALPRAZOLAM_2 = drug("Alprazolam", "2", schedule="CIV")
ALPRAZOLAM_05 = drug("Alprazolam", "0.5", schedule="CIV")
OXY_ER = drug("Oxycodone Hydrochloride", "20", release="extended", schedule="CII")
SIMVA_80 = drug("Simvastatin", "80")
SIMVA_40 = drug("Simvastatin", "40")
MTX = drug("Methotrexate", "2.5")
ALENDRONATE_70 = drug("Alendronate Sodium", "70")
ALENDRONATE_10 = drug("Alendronate Sodium", "10")
HYDROCODONE_SOLN = drug("Hydrocodone Bitartrate", "2.5", "mg/5mL", schedule="CII")


def dose_findings(new, sig, quantity=30, days=30, **kw):
    return [f for f in check_dose(context(new, sig, quantity, days, **kw)) if f.status != "passed"]


def only(findings):
    assert len(findings) == 1, findings
    return findings[0]


@pytest.mark.parametrize(
    ("new", "sig", "quantity", "expect"),
    [
        (WARFARIN_4, "8 tabs po qd", 240, "32 mg a day is above the maximum of 15 mg"),
        (APAP_500, "2 tabs po q4h", 360, "6000 mg a day is above the maximum of 4000 mg"),
        (ALPRAZOLAM_2, "2 tabs po qid", 240, "16 mg a day is above the maximum of 4 mg"),
        (SIMVA_80, "1 tab po qhs", 30, "80 mg a day is above the maximum of 40 mg"),
        (OXY_ER, "1 tab po q4h", 180, "every 4 hours is more often than every 12 hours"),
        (MTX, "3 tabs po qd", 90, "methotrexate is taken once a week; this SIG gives it 7 times a week"),
        (ALENDRONATE_70, "1 tab po qd", 30, "70 mg a day is above the maximum of 10 mg"),
    ],
)
def test_dose_above_the_limit_is_a_hard_stop(new, sig, quantity, expect):
    finding = only(dose_findings(new, sig, quantity))
    assert (finding.check, finding.status, finding.severity) == ("dose_check", "failed", "serious")
    assert expect in finding.message, finding.message
    assert finding.details["source"].startswith("FDA label")


@pytest.mark.parametrize(
    ("new", "sig", "quantity"),
    [
        (WARFARIN_5, "1 tab po qd", 30),
        (APAP_500, "2 tabs po q6h prn", 240),  # 4 g a day, 1 g a dose: at the limit, not above
        (ALPRAZOLAM_05, "1 tab po tid", 90),
        (SIMVA_40, "1 tab po qhs", 30),
        (OXY_ER, "1 tab po q12h", 60),
        (MTX, "3 tabs po once a week", 12),
        (ALENDRONATE_70, "1 tab po once a week", 4),
        (ALENDRONATE_10, "1 tab po qd", 30),
    ],
)
def test_therapeutic_doses_pass(new, sig, quantity):
    assert dose_findings(new, sig, quantity) == []


def test_child_dose_by_weight():
    child = patient(4, "F", weight_kg=D(16))
    over = only(dose_findings(APAP_SUSP, "10 mL po q4h", 300, 5, who=child))
    assert over.status == "failed"
    assert "1920 mg a day is above 75 mg/kg/day (1200 mg at 16 kg)" in over.message
    assert dose_findings(APAP_SUSP, "5 mL po q6h", 100, 5, who=child) == []


def test_child_opioid_by_weight():
    child = patient(6, "M", weight_kg=D(20))
    over = only(dose_findings(HYDROCODONE_SOLN, "10 mL po q4h", 300, 5, who=child))
    assert over.status == "failed" and "mg/kg/day" in over.message  # 30 mg/day > 12 mg at 20 kg
    assert dose_findings(HYDROCODONE_SOLN, "2.5 mL po q6h", 50, 5, who=child) == []


def test_child_without_weight_is_a_warning_not_a_pass():
    finding = only(dose_findings(APAP_SUSP, "5 mL po q6h", 100, 5, who=patient(4, "F")))
    assert (finding.status, finding.details["undecided"]) == ("warning", True)
    assert "without a recorded weight" in finding.message


def test_adult_dose_ignores_the_pediatric_band():
    assert dose_findings(APAP_500, "1 tab po q6h", 120, who=patient(40, "F", weight_kg=D(10))) == []


@pytest.mark.parametrize(
    ("new", "sig", "kb", "expect"),
    [
        (WARFARIN_5, "1 tab po qd", NO_KNOWLEDGE, "No clinical knowledge is loaded"),
        (drug("Warfarin Sodium"), "1 tab po qd", None, "strength of warfarin per tablets is not known"),
        (WARFARIN_5, "1 tab po od", None, "OD is an error-prone abbreviation"),
        (WARFARIN_5, "1 tab po zztop", None, "ZZTOP"),
        (WARFARIN_5, "use ud", None, "no countable dose"),
        (drug("Unknownium", "5"), "1 tab po qd", None, "No dose limit on file for unknownium"),
    ],
)
def test_undecided_dose_warns(new, sig, kb, expect):
    findings = dose_findings(new, sig, kb=kb)
    assert findings and all(f.status == "warning" for f in findings)
    assert any(expect.lower() in f.message.lower() for f in findings), [f.message for f in findings]


def test_weekly_only_drug_daily_passes_the_quantity_check_but_not_the_range():
    # quantity 90 for 30 days at 3 a day is consistent; the regimen itself is the error
    finding = only(dose_findings(MTX, "3 tabs po qd", 90))
    assert finding.details["problems"][0].startswith("methotrexate is taken once a week")


@pytest.mark.parametrize(
    ("unit", "measured", "mg"),
    [("mg/1", "tablets", "500"), ("ug/1", "tablets", "0.5"), ("g/1", "tablets", "500000"), ("mg/5mL", "mL", "100")],
)
def test_mg_per_unit(unit, measured, mg):
    assert mg_per_unit(IngredientStrength("x", D(500), unit), measured) == D(mg)


def test_mg_per_unit_refuses_mismatched_units():
    assert mg_per_unit(IngredientStrength("x", D(250), "mg/5mL"), "tablets") is None
    assert mg_per_unit(IngredientStrength("x", D(25), "mg/1"), "mL") is None
    assert mg_per_unit(IngredientStrength("x", D(1), "[iU]/1"), "tablets") is None


def test_age_unknown_uses_adult_limits_and_says_so_when_a_pediatric_band_exists():
    findings = dose_findings(APAP_500, "1 tab po q6h", 120, who=patient(None, "F"))
    assert [f.details.get("undecided") for f in findings] == [True]
    assert "age is not recorded" in findings[0].message
    # no pediatric band for warfarin: adult limits, nothing to say
    assert dose_findings(WARFARIN_5, "1 tab po qd", who=patient(None, "F")) == []


def test_limits_of_another_route_do_not_apply():
    topical = drug("Warfarin Sodium", "5", route="TOPICAL")
    (finding,) = dose_findings(topical, "1 tab po qd")
    assert "No dose limit for warfarin at this age, route and release" in finding.message
    several = drug("Warfarin Sodium", "4", route="ORAL; SUBLINGUAL")
    assert dose_findings(several, "8 tabs po qd", 240)[0].status == "failed"
