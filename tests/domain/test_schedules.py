from datetime import date

import pytest

from pharmacy_desktop.domain.schedules import (
    CII_EXPIRATION_DAYS,
    Schedule,
    add_months,
    default_expiration,
    is_controlled,
    max_refills,
    parse_schedule,
    refill_problem,
    refill_window_ok,
    requires_transfer_caution,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CII", Schedule.CII),
        ("C-II", Schedule.CII),
        ("c-ii", Schedule.CII),
        ("II", Schedule.CII),
        ("2", Schedule.CII),
        (2, Schedule.CII),
        ("C2", Schedule.CII),
        ("Schedule II", Schedule.CII),
        ("CIIN", Schedule.CII),
        ("2N", Schedule.CII),
        ("CIII", Schedule.CIII),
        ("3", Schedule.CIII),
        ("C-IV", Schedule.CIV),
        ("IV", Schedule.CIV),
        ("CV", Schedule.CV),
        ("V", Schedule.CV),
        ("5", Schedule.CV),
        ("CI", Schedule.CI),
        (None, Schedule.NONE),
        ("", Schedule.NONE),
        ("  ", Schedule.NONE),
        ("none", Schedule.NONE),
        (0, Schedule.NONE),
        (Schedule.CIV, Schedule.CIV),
    ],
)
def test_parse_schedule(text: object, expected: Schedule) -> None:
    assert parse_schedule(text) is expected  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["C", "VI", "6", "CX", "controlled", "IIII"])
def test_parse_schedule_rejects_unknown(text: str) -> None:
    with pytest.raises(ValueError, match="unknown DEA schedule"):
        parse_schedule(text)


def test_parse_schedule_rejects_bool() -> None:
    with pytest.raises(TypeError):
        parse_schedule(True)  # type: ignore[arg-type]


def test_display_and_database_forms() -> None:
    assert Schedule.CII.display == "C-II"
    assert str(Schedule.CIV) == "C-IV"
    assert Schedule.CIII.roman == "III"
    assert Schedule.NONE.roman is None
    assert Schedule.NONE.display == "Non-controlled"


def test_is_controlled() -> None:
    assert is_controlled("CII") and is_controlled(Schedule.CV) and is_controlled("IV")
    assert not is_controlled(None) and not is_controlled(Schedule.NONE)


@pytest.mark.parametrize(
    ("schedule", "caution"),
    [("CII", True), ("CIII", True), ("CIV", True), ("CV", False), (None, False)],
)
def test_transfer_caution(schedule: str | None, caution: bool) -> None:
    assert requires_transfer_caution(schedule) is caution


@pytest.mark.parametrize(
    ("schedule", "limit"),
    [("CI", 0), ("CII", 0), ("CIII", 5), ("CIV", 5), ("CV", 5), (None, None)],
)
def test_max_refills(schedule: str | None, limit: int | None) -> None:
    assert max_refills(schedule) == limit


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert add_months(date(2025, 1, 15), 12) == date(2026, 1, 15)


def test_default_expiration() -> None:
    written = date(2025, 1, 15)
    assert default_expiration(written, None) == date(2026, 1, 15)
    assert default_expiration(written, "CIII") == date(2025, 7, 15)
    assert default_expiration(written, "CV") == date(2025, 7, 15)
    assert CII_EXPIRATION_DAYS == 90
    assert default_expiration(written, "CII") == date(2025, 4, 15)
    assert default_expiration(written, "CII", cii_days=30) == date(2025, 2, 14)
    assert default_expiration(date(2024, 2, 29), None) == date(2025, 2, 28)
    with pytest.raises(ValueError, match="Schedule I"):
        default_expiration(written, "CI")


def test_refill_window() -> None:
    written = date(2025, 1, 15)
    assert refill_window_ok("CIV", written, date(2025, 7, 15), refill_number=5)
    assert not refill_window_ok("CIV", written, date(2025, 7, 16), refill_number=1)
    assert "expired on 2025-07-15" in (refill_problem("CIV", written, date(2025, 7, 16), 1) or "")
    assert "at most 5 refills" in (refill_problem("CIII", written, date(2025, 2, 1), 6) or "")
    assert refill_window_ok("CII", written, date(2025, 2, 1), refill_number=0)
    assert "cannot be refilled" in (refill_problem("CII", written, date(2025, 2, 1), 1) or "")
    assert refill_window_ok(None, written, date(2026, 1, 15), refill_number=40)
    assert not refill_window_ok(None, written, date(2026, 1, 16))
    assert "before the written date" in (refill_problem(None, written, date(2025, 1, 14)) or "")
    assert "Schedule I" in (refill_problem("CI", written, written) or "")


def test_stored_expiration_can_only_shorten_the_window() -> None:
    written = date(2025, 1, 15)
    assert not refill_window_ok(None, written, date(2025, 3, 2), expiration_date=date(2025, 3, 1))
    assert not refill_window_ok("CIV", written, date(2025, 8, 1), expiration_date=date(2026, 1, 1))
