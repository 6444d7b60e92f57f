"""The rules issue 6 names, in one place (pure domain, no database): SIG codes, NPI and DEA check
digits, and one case per DUR rule. The other modules of tests/domain hold the exhaustive versions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pharmacy_desktop.domain import dur
from pharmacy_desktop.domain.identifiers import dea_check_digit, dea_problem, npi_check_digit, npi_problem
from pharmacy_desktop.domain.schedules import Schedule
from pharmacy_desktop.domain.sig import expand_sig, unknown_tokens
from tests.domain.dur_knowledge import KB

# 36 common codes, each in a SIG where it is the thing being tested
SIG_CODES = {
    "T": ("1 T PO QD", "Take 1 tablet by mouth once a day"),
    "TAB": ("2 TAB PO BID", "Take 2 tablets by mouth 2 times a day"),
    "C": ("1 C PO TID", "Take 1 capsule by mouth 3 times a day"),
    "CAP": ("1 CAP PO QID", "Take 1 capsule by mouth 4 times a day"),
    "PO": ("1 T PO DAILY", "Take 1 tablet by mouth once a day"),
    "QD": ("1 T PO QD", "Take 1 tablet by mouth once a day"),
    "DAILY": ("1 T PO DAILY", "Take 1 tablet by mouth once a day"),
    "BID": ("1 T PO BID", "Take 1 tablet by mouth 2 times a day"),
    "TID": ("1 T PO TID", "Take 1 tablet by mouth 3 times a day"),
    "QID": ("1 T PO QID", "Take 1 tablet by mouth 4 times a day"),
    "QHS": ("1 T PO QHS", "Take 1 tablet by mouth at bedtime"),
    "AT BEDTIME (not HS)": ("1 T PO AT BEDTIME", "Take 1 tablet by mouth at bedtime"),
    "PRN": ("1 T PO Q6H PRN", "Take 1 tablet by mouth every 6 hours as needed"),
    "Q4H": ("1 T PO Q4H", "Take 1 tablet by mouth every 4 hours"),
    "Q6H": ("1 T PO Q6H", "Take 1 tablet by mouth every 6 hours"),
    "Q8H": ("1 T PO Q8H", "Take 1 tablet by mouth every 8 hours"),
    "Q12H": ("1 T PO Q12H", "Take 1 tablet by mouth every 12 hours"),
    "AC": ("1 T PO AC", "Take 1 tablet by mouth before meals"),
    "PC": ("1 T PO PC", "Take 1 tablet by mouth after meals"),
    "QAM": ("1 T PO QAM", "Take 1 tablet by mouth every morning"),
    "QPM": ("1 T PO QPM", "Take 1 tablet by mouth every evening"),
    "QOD": ("1 T PO QOD", "Take 1 tablet by mouth every other day"),
    "QWK": ("1 T PO QWK", "Take 1 tablet by mouth once a week"),
    "SL": ("1 T SL Q5MIN PRN", "Place 1 tablet under the tongue every 5 minutes as needed"),
    "TOP": ("APP TOP BID", "Apply topically 2 times a day"),
    "OU": ("1 GTT OU BID", "Instill 1 drop in both eyes 2 times a day"),
    "RIGHT EYE (not OD)": ("1 GTT IN THE RIGHT EYE QID", "Instill 1 drop in the right eye 4 times a day"),
    "OS": ("1 GTT OS TID", "Instill 1 drop in the left eye 3 times a day"),
    "GTT": ("2 GTT AU QID", "Instill 2 drops in both ears 4 times a day"),
    "INH / PUFF": ("2 PUFF INH Q4H PRN", "Inhale 2 puffs every 4 hours as needed"),
    "ML": ("5 ML PO BID", "Take 5 mL by mouth 2 times a day"),
    "TSP": ("1 TSP PO TID", "Take 1 teaspoonful by mouth 3 times a day"),
    "SQ / UNITS": ("10 UNITS SQ QHS", "Inject 10 units subcutaneously at bedtime"),
    "PR / SUPP": ("1 SUPP PR Q12H PRN", "Insert 1 suppository rectally every 12 hours as needed"),
    "TD / PATCH": ("1 PATCH TD Q72H", "Apply 1 patch to the skin every 72 hours"),
    "X10D": ("1 C PO TID X10D", "Take 1 capsule by mouth 3 times a day for 10 days"),
    "UD": ("UD", "Use as directed"),
    "STAT": ("2 T PO STAT", "Take 2 tablets by mouth immediately"),
    "WF": ("1 T PO BID WF", "Take 1 tablet by mouth 2 times a day with food"),
}


def test_at_least_thirty_codes():
    assert len(SIG_CODES) >= 30


@pytest.mark.parametrize(("sig", "expected"), SIG_CODES.values(), ids=SIG_CODES.keys())
def test_sig_expansion(sig, expected):
    assert expand_sig(sig) == expected
    assert unknown_tokens(sig) == []


def test_unknown_sig_code_is_kept_and_reported():
    assert expand_sig("1 T PO XYZ") == "Take 1 tablet by mouth XYZ"
    assert unknown_tokens("1 T PO XYZ") == ["XYZ"]


@pytest.mark.parametrize(
    ("npi", "ok"),
    [("1234567893", True), ("1234567890", False), ("123456789", False), ("12345678a3", False), ("", False)],
)
def test_npi_luhn_with_80840_prefix(npi, ok):
    assert (npi_problem(npi) is None) is ok


def test_npi_check_digit():
    assert npi_check_digit("123456789") == 3


@pytest.mark.parametrize(
    ("dea", "last", "ok"),
    [
        ("BC1234563", "Chen", True),
        ("BC1234564", "Chen", False),
        ("BX1234563", "Chen", False),
        ("B1234563", None, False),
        ("QC1234563", None, False),
        ("", None, False),
    ],
)
def test_dea_checksum(dea, last, ok):
    assert (dea_problem(dea, last) is None) is ok


def test_dea_check_digit_formula():
    # (1+3+5) + 2*(2+4+6) = 33 -> 3
    assert dea_check_digit("123456") == 3


TODAY = dt.date(2026, 11, 26)
AMOX = dur.DrugFacts("amoxicillin", strength="500 mg", pharm_classes=("Penicillin-class Antibacterial [EPC]",))
LISINOPRIL = dur.DrugFacts(
    "lisinopril",
    therapeutic_class="ACE inhibitor",
    strengths=(dur.IngredientStrength("lisinopril", Decimal(10), "mg/1"),),
)
ENALAPRIL = dur.DrugFacts("enalapril maleate", therapeutic_class="ACE inhibitor")
WARFARIN = dur.DrugFacts("warfarin sodium")
ASPIRIN = dur.DrugFacts("aspirin")
OXY = dur.DrugFacts("oxycodone hydrochloride", schedule=Schedule.CII)
ALPRAZOLAM = dur.DrugFacts("alprazolam", schedule="CIV")
PRESCRIBER = dur.Prescriber("Dr. Sarah Chen", "1234567893", "BC1234563")


def ctx(drug, *, quantity=30, days=30, sig="1 T PO QD", refills=0, written=TODAY, prescriber=PRESCRIBER, **kw):
    item = dur.NewItem(drug, Decimal(quantity), days, sig, refills, written)
    kw.setdefault("knowledge", KB)  # the rules read clinical knowledge (issue 15)
    return dur.DurContext(item, prescriber, TODAY, **kw)


def statuses(findings):
    return [f.status for f in findings]


def test_rule_drug_drug_interaction():
    rule = dur.InteractionRule("warfarin", "aspirin", "serious", "Bleeding risk", "Monitor INR")
    found = dur.check_interactions(
        ctx(ASPIRIN, active_medications=(dur.ActiveMedication("1000001", WARFARIN),), interaction_rules=(rule,))
    )
    assert statuses(found) == ["failed"] and found[0].details["management"] == "Monitor INR"


def test_rule_drug_allergy_penicillin_flags_amoxicillin():
    found = dur.check_allergies(ctx(AMOX, sig="1 C PO TID", allergies=(dur.Allergy("Penicillin"),)))
    assert statuses(found) == ["failed"] and "penicillins" in found[0].message


def test_rule_therapeutic_duplication():
    found = dur.check_duplication(ctx(ENALAPRIL, active_medications=(dur.ActiveMedication("1000002", LISINOPRIL),)))
    assert statuses(found) == ["warning"]


@pytest.mark.parametrize(("quantity", "days", "status"), [(30, 30, "passed"), (30, 90, "warning"), (90, 30, "warning")])
def test_rule_dose_quantity_sanity(quantity, days, status):
    assert statuses(dur.check_dose(ctx(LISINOPRIL, quantity=quantity, days=days))) == [status]


def test_rule_early_refill():
    early = ctx(LISINOPRIL, previous_fill=dur.PreviousFill(TODAY - dt.timedelta(days=10), 30))
    due = ctx(LISINOPRIL, previous_fill=dur.PreviousFill(TODAY - dt.timedelta(days=23), 30))
    assert statuses(dur.check_early_refill(early)) == ["warning"]
    assert statuses(dur.check_early_refill(due)) == ["passed"]


@pytest.mark.parametrize(
    ("drug", "refills", "prescriber", "written", "status"),
    [
        (OXY, 0, PRESCRIBER, TODAY, "passed"),
        (OXY, 1, PRESCRIBER, TODAY, "failed"),  # C-II: no refills
        (OXY, 0, dur.Prescriber("Dr. Sarah Chen", "1234567893"), TODAY, "failed"),  # DEA required
        # a bad checksum is the prescriber check's (dur_prescriber), not repeated here
        (OXY, 0, dur.Prescriber("Dr. Sarah Chen", "1234567893", "BC1234564"), TODAY, "passed"),
        (ALPRAZOLAM, 5, PRESCRIBER, TODAY, "passed"),
        (ALPRAZOLAM, 6, PRESCRIBER, TODAY, "failed"),  # C-III..V: at most 5
        (ALPRAZOLAM, 1, PRESCRIBER, TODAY - dt.timedelta(days=200), "failed"),  # 6 months from written
    ],
)
def test_rule_controlled_substances(drug, refills, prescriber, written, status):
    found = dur.check_controlled(
        ctx(drug, refills=refills, prescriber=prescriber, written=written, sig="1 T PO Q6H PRN", quantity=20, days=5)
    )
    assert set(statuses(found)) == {status}
