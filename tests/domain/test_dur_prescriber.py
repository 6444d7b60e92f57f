"""The DUR prescriber check (issue 15 item 6): NPI, prescriber DEA registrant type and surname,
the drug's schedule among the prescriber's DEA schedules. Fires and near-misses."""

from datetime import date
from decimal import Decimal

import pytest

from pharmacy_desktop.domain.dur_facts import Check, DrugFacts, DurContext, NewItem, Prescriber
from pharmacy_desktop.domain.dur_prescriber import check_prescriber, required_schedule_code
from pharmacy_desktop.domain.identifiers import dea_check_digit, npi_check_digit
from pharmacy_desktop.domain.schedules import Schedule

TODAY = date(2026, 12, 1)
NPI = "123456789" + str(npi_check_digit("123456789"))
ALL = frozenset({"2", "2N", "3", "3N", "4", "5"})


def dea(letters: str) -> str:
    return f"{letters}123456{dea_check_digit('123456')}"


def ctx(
    generic: str = "oxycodone",
    schedule: str = "II",
    *,
    npi: str = NPI,
    dea_number: str | None = None,
    last: str = "de la Cruz",
    schedules: frozenset[str] | None = ALL,
) -> DurContext:
    drug = DrugFacts(generic_name=generic, schedule=schedule)
    item = NewItem(
        drug=drug, quantity=Decimal(30), days_supply=30, sig="1 tab po q12h", refills_authorized=0, written_date=TODAY
    )
    prescriber = Prescriber(
        name=f"Maria {last}",
        npi=npi,
        dea=dea_number if dea_number is not None else dea("AD"),
        last_name=last,
        first_name="Maria",
        dea_schedules=schedules,
    )
    return DurContext(item=item, prescriber=prescriber, today=TODAY)


def rules(findings: list) -> list[str]:
    return [f.details.get("rule", "") for f in findings if f.status != "passed"]


def test_valid_prescriber_with_multi_word_surname_passes() -> None:
    for letters in ("AD", "AL", "AC"):
        findings = check_prescriber(ctx(dea_number=dea(letters)))
        assert [f.status for f in findings] == ["passed"]
        assert findings[0].check == Check.PRESCRIBER


def test_van_buren_by_either_word() -> None:
    assert rules(check_prescriber(ctx(dea_number=dea("BV"), last="Van Buren"))) == []
    assert rules(check_prescriber(ctx(dea_number=dea("BB"), last="Van Buren"))) == []


def test_surname_mismatch_is_a_failed_overridable_finding() -> None:
    findings = check_prescriber(ctx(dea_number=dea("AS"), last="Van Buren"))
    assert rules(findings) == ["dea_name_mismatch"]
    assert findings[0].status == "failed" and findings[0].blocks_approval
    assert "Van Buren" in findings[0].message


@pytest.mark.parametrize("letter", ["E", "P", "R", "S", "X"])
def test_manufacturer_or_distributor_dea_fails(letter: str) -> None:
    findings = check_prescriber(ctx(dea_number=dea(letter + "D")))
    assert rules(findings) == ["dea_not_prescriber"]


def test_mid_level_practitioner_passes() -> None:
    assert rules(check_prescriber(ctx(dea_number=dea("MD")))) == []


def test_npi_starting_with_3_fails_even_for_a_non_controlled_drug() -> None:
    npi = "323456789" + str(npi_check_digit("323456789"))
    findings = check_prescriber(ctx("lisinopril", "", npi=npi, dea_number=""))
    assert rules(findings) == ["npi_invalid"]
    assert "start with 1 or 2" in findings[0].message


def test_schedule_not_registered_fails() -> None:
    findings = check_prescriber(ctx("oxycodone", "II", schedules=frozenset({"3", "4", "5"})))
    assert rules(findings) == ["schedule_not_registered"]
    assert "schedule 2 " in findings[0].message and findings[0].status == "failed"


def test_non_narcotic_schedule_codes() -> None:
    # 2N covers amphetamine but not oxycodone; 2 alone does not cover amphetamine
    assert rules(check_prescriber(ctx("amphetamine", "II", schedules=frozenset({"2N"})))) == []
    assert rules(check_prescriber(ctx("oxycodone", "II", schedules=frozenset({"2N"})))) == ["schedule_not_registered"]
    assert rules(check_prescriber(ctx("methylphenidate", "II", schedules=frozenset({"2"})))) == [
        "schedule_not_registered"
    ]
    assert required_schedule_code(Schedule.CIII, frozenset({"testosterone"})) == "3N"
    assert required_schedule_code(Schedule.CIII, frozenset({"buprenorphine"})) == "3"
    assert required_schedule_code(Schedule.CIV, frozenset({"alprazolam"})) == "4"
    assert required_schedule_code(Schedule.NONE, frozenset({"lisinopril"})) is None


def test_schedule_4_with_only_2_recorded_fails_near_miss_passes() -> None:
    assert rules(check_prescriber(ctx("alprazolam", "IV", schedules=frozenset({"2"})))) == ["schedule_not_registered"]
    assert rules(check_prescriber(ctx("alprazolam", "IV", schedules=frozenset({"4"})))) == []


def test_schedules_not_recorded_warn_never_pass_silently() -> None:
    findings = check_prescriber(ctx("oxycodone", "II", schedules=None))
    assert [(f.status, f.details["rule"]) for f in findings] == [("warning", "schedules_unknown")]


def test_non_controlled_drug_needs_no_schedule() -> None:
    assert rules(check_prescriber(ctx("lisinopril", "", schedules=None, dea_number=""))) == []
