"""Phrases of several words a SIG reader must take as one meaning: "four times daily", "once a
week", "every other day", "every 4 to 6 hours", "every Monday", "to aa", "in the right eye".

Read word by word these misprint ("4 times once a day", "1 time only a week", "to to the affected
area"), so ``domain/sig.py`` tries them before single codes. Each matcher takes the upper-case
keys of the tokens and a position, and returns what it read and how many tokens it used."""

from __future__ import annotations

import re
from fractions import Fraction

from .sig_vocabulary import _FREQS, _NUMBER_WORDS, _ROUTES, _every, _Freq, _interval, _Route

_TIMES_WORDS = {"ONCE": 1, "TWICE": 2, "THRICE": 3}
_TIMES = frozenset({"TIMES", "TIME", "X"})
_PER = frozenset({"A", "AN", "PER", "EACH", "EVERY", "/"})
# period word -> (name, days in the period)
_PERIOD_WORDS = {"DAY": ("day", 1), "DAILY": ("day", 1), "WEEK": ("week", 7), "WEEKLY": ("week", 7),
                 "MONTH": ("month", 30), "MONTHLY": ("month", 30)}  # fmt: skip
_STANDALONE_PERIODS = frozenset({"DAILY", "WEEKLY", "MONTHLY"})  # need no "a"/"per" before them
_GLUED_TIMES = re.compile(r"([0-9]{1,2})X(?:/(DAY|D|DAILY|WK|WEEK|WEEKLY))?", re.ASCII)
_GLUED_PERIOD = {"D": "DAY", "WK": "WEEK"}
_WEEKDAYS = {
    "MONDAY": "Monday", "TUESDAY": "Tuesday", "WEDNESDAY": "Wednesday", "THURSDAY": "Thursday",
    "FRIDAY": "Friday", "SATURDAY": "Saturday", "SUNDAY": "Sunday",
}  # fmt: skip
_DAY_PREFIX = frozenset({"EVERY", "ON", "Q", "EACH"})
_EVERY_UNITS = {"HOUR": "H", "HOURS": "H", "HR": "H", "HRS": "H", "H": "H", "DAY": "D", "DAYS": "D",
                "WEEK": "W", "WEEKS": "W", "WK": "W", "WKS": "W", "MONTH": "MO", "MONTHS": "MO",
                "MINUTE": "MIN", "MINUTES": "MIN", "MIN": "MIN", "MINS": "MIN"}  # fmt: skip
_EVERY_MOMENTS = {
    ("MORNING",): _FREQS["QAM"],
    ("EVENING",): _FREQS["QPM"],
    ("NIGHT", "AT", "BEDTIME"): _FREQS["QHS"],
    ("NIGHT",): _Freq("every night", Fraction(1), "event"),
}
_MOMENTS = {
    ("IN", "THE", "AM"): _FREQS["AM"],
    ("IN", "AM"): _FREQS["AM"],
    ("IN", "THE", "PM"): _FREQS["PM"],
    ("IN", "PM"): _FREQS["PM"],
    ("AT", "BEDTIME"): _FREQS["QHS"],
    ("AT", "NIGHT"): _Freq("at night", Fraction(1), "event"),
    ("IN", "THE", "MORNING"): _FREQS["AM"],
    ("IN", "THE", "EVENING"): _FREQS["PM"],
}


def _count(key: str) -> int | None:
    """A small whole count ("4", "FOUR") for "N times a day", or None."""
    text = _NUMBER_WORDS.get(key, key)
    if text.isascii() and text.isdigit() and 0 < int(text) <= 24:
        return int(text)
    return None


def _times_phrase(n: int, period: str) -> _Freq:
    name, days = _PERIOD_WORDS[period]
    phrase = f"once a {name}" if n == 1 else f"{n} times a {name}"
    return _interval(phrase, Fraction(n, days))


def _period_at(keys: list[str], j: int) -> tuple[str, int] | None:
    """ "A DAY", "PER WEEK", "DAILY", "WEEKLY", "/DAY" at ``j``: (period word, tokens used)."""
    if j < len(keys) and keys[j] in _STANDALONE_PERIODS:
        return keys[j], 1
    if j + 1 < len(keys) and keys[j] in _PER and keys[j + 1] in _PERIOD_WORDS:
        return keys[j + 1], 2
    if j < len(keys) and keys[j].startswith("/") and keys[j][1:] in _PERIOD_WORDS:
        return keys[j][1:], 1
    return None


def times_per_period_at(keys: list[str], i: int) -> tuple[_Freq, int] | None:
    """ "ONCE A WEEK", "TWICE DAILY", "4 TIMES DAILY", "FOUR TIMES A DAY", "3X DAILY", "3X/DAY"."""
    key = keys[i]
    if key in _TIMES_WORDS:
        n, j = _TIMES_WORDS[key], i + 1
    else:
        glued = _GLUED_TIMES.fullmatch(key)
        if glued:
            n = int(glued[1])
            if glued[2]:
                period = _GLUED_PERIOD.get(glued[2], glued[2])
                return (_times_phrase(n, period), 1) if n > 0 else None
            j = i + 1
        else:
            count = _count(key)
            if count is None or i + 1 >= len(keys) or keys[i + 1] not in _TIMES:
                return None
            n, j = count, i + 2
    if n <= 0:
        return None
    found = _period_at(keys, j)
    if found is None:
        return None
    word, used = found
    return _times_phrase(n, word), j + used - i


def _every_interval_at(keys: list[str], i: int) -> tuple[_Freq, int] | None:
    """ "EVERY 6 HOURS", "EVERY 4 TO 6 HOURS", "EVERY 4-6 HRS", "EVERY HOUR", "EVERY 2 WEEKS"."""
    j, low, high = i + 1, "1", ""
    if j < len(keys):
        span = re.fullmatch(r"([0-9]{1,3})-([0-9]{1,3})", keys[j])
        count = _count(keys[j])
        if span:
            low, high, j = span[1], span[2], j + 1
        elif count is not None or keys[j].isdigit():
            low, j = _NUMBER_WORDS.get(keys[j], keys[j]), j + 1
            if j + 1 < len(keys) and keys[j] in ("TO", "-") and _count(keys[j + 1]) is not None:
                high, j = _NUMBER_WORDS.get(keys[j + 1], keys[j + 1]), j + 2
    if j >= len(keys) or keys[j] not in _EVERY_UNITS:
        return None
    unit = _EVERY_UNITS[keys[j]]
    freq = _every(f"Q{low}{'-' + high if high else ''}{unit}")
    if freq is None:
        return None
    if low == "1" and not high:  # "every 1 day" -> "once a day", "every week" -> "once a week"
        freq = {"D": _FREQS["QD"], "W": _FREQS["QWK"], "MO": _FREQS["QMO"]}.get(unit, freq)
    return freq, j + 1 - i


def weekdays_at(keys: list[str], i: int) -> tuple[_Freq, int] | None:
    """ "EVERY MONDAY", "ON MONDAYS", "Q MONDAY", "EVERY MONDAY AND THURSDAY", "MONDAYS"."""
    j = i + 1 if keys[i] in _DAY_PREFIX else i
    days: list[str] = []
    while j < len(keys):
        word = keys[j]
        name = _WEEKDAYS.get(word) or (_WEEKDAYS.get(word[:-1]) if word.endswith("S") else None)
        if name is None:
            break
        if name not in days:
            days.append(name)
        j += 1
        if j + 1 < len(keys) and keys[j] in ("AND", "&") and keys[j + 1].rstrip("S") in _WEEKDAYS:
            j += 1
    if not days or (j == i + 1 and keys[i] in _DAY_PREFIX and not days):
        return None
    if keys[i] not in _DAY_PREFIX and not keys[i].endswith("S"):
        return None  # a bare "MONDAY" says when, not how often
    phrase = "every " + (days[0] if len(days) == 1 else ", ".join(days[:-1]) + " and " + days[-1])
    return _interval(phrase, Fraction(len(days), 7)), j - i


_CLOCK = re.compile(r"(1[0-2]|[1-9])(?::([0-5][0-9]))?(AM|PM)?", re.ASCII)


def clock_at(keys: list[str], i: int) -> tuple[_Freq, int] | None:
    """ "AT 8 AM", "AT 8:30 PM", "AT 9PM": a once-a-day moment."""
    if keys[i] != "AT":
        return None
    times: list[str] = []
    j = i + 1
    while j < len(keys):
        match = _CLOCK.fullmatch(keys[j])
        if not match:
            break
        half, end = match[3], j + 1
        if half is None and end < len(keys) and keys[end] in ("AM", "PM"):
            half, end = keys[end], end + 1
        if half is None:
            break  # "at 8": morning or evening is not said
        times.append(f"{match[1]}{':' + match[2] if match[2] else ''} {half}")
        j = end
        if not (j + 1 < len(keys) and keys[j] == "AND" and _CLOCK.fullmatch(keys[j + 1])):
            break
        j += 1
    if not times:
        return None
    used = j - i - (1 if keys[j - 1] == "AND" else 0)
    return _Freq("at " + " and ".join(times), Fraction(len(times)), "event"), used


def every_at(keys: list[str], i: int) -> tuple[_Freq, int] | None:
    """Frequencies that begin with "EVERY" (and the weekday and moment phrases)."""
    key = keys[i]
    if key == "EVERY" and i + 2 < len(keys) and keys[i + 1] == "OTHER":
        other = {"DAY": _FREQS["QOD"], "WEEK": _interval("every other week", Fraction(1, 14))}
        if keys[i + 2] in other:
            return other[keys[i + 2]], 3
        return None
    for words, freq in _MOMENTS.items():
        if tuple(keys[i : i + len(words)]) == words:
            return freq, len(words)
    days = weekdays_at(keys, i)
    if days:
        return days
    if key != "EVERY":
        return None
    for words, freq in sorted(_EVERY_MOMENTS.items(), key=lambda item: -len(item[0])):
        if tuple(keys[i + 1 : i + 1 + len(words)]) == words:
            return freq, 1 + len(words)
    return _every_interval_at(keys, i)


def frequency_phrase_at(keys: list[str], i: int) -> tuple[_Freq, int] | None:
    return times_per_period_at(keys, i) or clock_at(keys, i) or every_at(keys, i)


# ---------------------------------------------------------------------------------------------
# Routes written out ("to aa", "by mouth", "in the right eye")

_RIGHT_EYE = _Route("in the right eye", "instill")
_PREPOSITIONS = frozenset({"TO", "IN", "INTO", "BY", "UNDER", "ON"})
# words -> (route, needs a preposition before it)
_ROUTE_BODIES: dict[tuple[str, ...], tuple[_Route, bool]] = {
    ("AA",): (_ROUTES["AA"], True),
    ("AAA",): (_ROUTES["AA"], True),
    ("AFFECTED", "AREA"): (_ROUTES["AA"], False),
    ("AFFECTED", "AREAS"): (_Route("to the affected areas", "apply"), False),
    ("MOUTH",): (_ROUTES["PO"], True),
    ("INHALATION",): (_ROUTES["INH"], True),
    ("RIGHT", "EYE"): (_RIGHT_EYE, False),
    ("LEFT", "EYE"): (_ROUTES["OS"], False),
    ("BOTH", "EYES"): (_ROUTES["OU"], False),
    ("EACH", "EYE"): (_Route("in each eye", "instill"), False),
    ("RIGHT", "EAR"): (_Route("in the right ear", "instill"), False),
    ("LEFT", "EAR"): (_Route("in the left ear", "instill"), False),
    ("BOTH", "EARS"): (_ROUTES["AU"], False),
    ("EACH", "EAR"): (_Route("in each ear", "instill"), False),
    ("EACH", "NOSTRIL"): (_ROUTES["EN"], False),
    ("NOSE",): (_ROUTES["NAS"], True),
    ("TONGUE",): (_ROUTES["SL"], True),
    ("SKIN",): (_ROUTES["TD"], True),
}


def route_phrase_at(keys: list[str], i: int) -> tuple[_Route, int] | None:
    """[TO|IN|BY|...] [THE] body, the longest that matches."""
    j = i
    prep = j < len(keys) and keys[j] in _PREPOSITIONS
    if prep:
        j += 1
    if j < len(keys) and keys[j] == "THE":
        j += 1
    best: tuple[_Route, int] | None = None
    for words, (route, needs_prep) in _ROUTE_BODIES.items():
        if tuple(keys[j : j + len(words)]) != words or (needs_prep and not prep):
            continue
        if best is None or j + len(words) - i > best[1]:
            best = (route, j + len(words) - i)
    return best


# ---------------------------------------------------------------------------------------------
# When, relative to something ("30 minutes before breakfast"), and which days ("on day 1")

_SPAN_UNITS = {"MIN": "minute", "MINS": "minute", "MINUTE": "minute", "MINUTES": "minute", "HR": "hour",
               "HRS": "hour", "HOUR": "hour", "HOURS": "hour"}  # fmt: skip
_MOMENT_WORDS = frozenset({"BREAKFAST", "LUNCH", "DINNER", "SUPPER", "MEALS", "MEAL", "EATING", "FOOD", "BEDTIME",
                           "ACTIVITY", "EXERCISE", "INTERCOURSE", "SURGERY", "PROCEDURE", "TRAVEL", "FLYING"})  # fmt: skip


def timing_at(keys: list[str], i: int) -> tuple[str, int] | None:
    """ "30 MIN BEFORE BREAKFAST", "1 HOUR BEFORE MEALS", "2 HRS AFTER A MEAL": words, tokens used."""
    count = _count(keys[i]) if keys[i] not in ("ONE-HALF", "HALF") else None
    if count is None and keys[i] not in ("30", "45", "60", "90"):
        return None
    n = count if count is not None else int(keys[i])
    if i + 2 >= len(keys) or keys[i + 1] not in _SPAN_UNITS or keys[i + 2] not in ("BEFORE", "AFTER"):
        return None
    j = i + 3
    article = j < len(keys) and keys[j] in ("A", "THE")
    if article:
        j += 1
    if j >= len(keys) or keys[j] not in _MOMENT_WORDS:
        return None
    name = _SPAN_UNITS[keys[i + 1]]
    words = [str(n), name if n == 1 else f"{name}s", keys[i + 2].lower()]
    words += [keys[j - 1].lower()] if article else []
    return " ".join([*words, keys[j].lower()]), j + 1 - i


def days_at(keys: list[str], i: int) -> tuple[str, int] | None:
    """ "ON DAY 1", "DAY 1", "ON DAYS 2-5", "DAYS 2 TO 5", "DAYS 2 THROUGH 5": words, tokens used."""
    j = i + 1 if keys[i] == "ON" else i
    if j + 1 >= len(keys) or keys[j] not in ("DAY", "DAYS"):
        return None
    span = re.fullmatch(r"([0-9]{1,3})-([0-9]{1,3})", keys[j + 1])
    if span:
        text, end = f"{int(span[1])} to {int(span[2])}", j + 2
    elif keys[j + 1].isascii() and keys[j + 1].isdigit() and len(keys[j + 1]) <= 3:
        text, end = str(int(keys[j + 1])), j + 2
        if end + 1 < len(keys) and keys[end] in ("TO", "THROUGH", "-") and keys[end + 1].isascii():
            if keys[end + 1].isdigit() and len(keys[end + 1]) <= 3:
                text, end = f"{text} to {int(keys[end + 1])}", end + 2
    else:
        return None
    plural = "days" if " to " in text else "day"
    return " ".join((["on"] if keys[i] == "ON" else []) + [plural, text]), end - i
