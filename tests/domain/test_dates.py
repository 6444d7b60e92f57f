"""Dates and the promised time a person types (domain/dates.py): no Qt, no database."""

import datetime as dt

import pytest

from pharmacy_desktop.domain.dates import PromisedTimeError, parse_date, parse_promised, promised_text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("03/04/2025", dt.date(2025, 3, 4)),
        ("3/4/25", dt.date(2025, 3, 4)),
        ("2025-03-04", dt.date(2025, 3, 4)),
        ("03042025", dt.date(2025, 3, 4)),
        ("  3/4/2025 ", dt.date(2025, 3, 4)),
    ],
)
def test_parse_date_reads_the_typed_forms(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["", None, "02/30/2025", "13/01/2025", "tomorrow", "2025-3", "0304"])
def test_parse_date_is_none_when_not_a_date(text):
    assert parse_date(text) is None


def test_promised_time_defaults_to_the_local_clock():
    before = dt.datetime.now().astimezone().replace(second=0, microsecond=0)
    when = parse_promised("now")
    assert when is not None and when.tzinfo is not None
    assert before <= when <= dt.datetime.now().astimezone()


# -- the promised time typed at intake ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", None),
        ("4pm", (0, 16, 0)),
        ("4 PM", (0, 16, 0)),
        ("4:30 p.m.", (0, 16, 30)),
        ("16:30", (0, 16, 30)),
        ("1630", (0, 16, 30)),
        ("9am", (1, 9, 0)),  # 9 AM has passed at 10:15: tomorrow morning
        ("4", (0, 16, 0)),
        ("11", (0, 11, 0)),
        ("10", (0, 22, 0)),  # the next 4, 11, 10 o'clock
        ("tomorrow 9am", (1, 9, 0)),
        ("today 11:30", (0, 11, 30)),
        ("+2h", (0, 12, 15)),
        ("+45m", (0, 11, 0)),
        ("+1h30m", (0, 11, 45)),
        ("in 2 hours", (0, 12, 15)),
        ("now", (0, 10, 15)),
    ],
)
def test_parse_promised(text, expected):
    now = dt.datetime(2025, 3, 4, 10, 15, 40, tzinfo=dt.UTC)
    result = parse_promised(text, now)
    if expected is None:
        assert result is None
        return
    days, hour, minute = expected
    assert result == dt.datetime(2025, 3, 4 + days, hour, minute, tzinfo=dt.UTC)


@pytest.mark.parametrize("text", ["after lunch", "25:00", "4:75", "13pm", "+400h", "4pmm"])
def test_parse_promised_says_what_to_type(text):
    with pytest.raises(PromisedTimeError, match="type e.g. 4pm"):
        parse_promised(text, dt.datetime(2025, 3, 4, 10, 15, tzinfo=dt.UTC))


def test_promised_text_reads_back():
    now = dt.datetime(2025, 3, 4, 10, 15, tzinfo=dt.UTC)
    assert promised_text(now.replace(hour=16, minute=0), now) == "today 4:00 PM"
    assert promised_text(now + dt.timedelta(days=1), now) == "tomorrow 10:15 AM"
    assert promised_text(now + dt.timedelta(days=3), now) == "Fri 03/07 10:15 AM"
