"""SIG tokens: splitting the text, dose amounts ("1-2", "1 1/2", "ONE"), durations ("X7D",
"FOR 10 DAYS"), frequency codes split by spaces ("Q 6 H"), daily maximums, and the doses a day the
frequencies add up to. Used by ``domain/sig.py``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from .sig_phrases import days_at, frequency_phrase_at, route_phrase_at, timing_at
from .sig_vocabulary import (
    _DOTTED_CODE,
    _DURATION,
    _DURATION_NAMES,
    _GLUED_DOSE,
    _NUMBER,
    _NUMBER_WORDS,
    _QUANTITY,
    _ROUTES,
    _UNITS,
    _VERBS,
    _Freq,
    _frequency,
    _Unit,
)

# ---------------------------------------------------------------------------------------------
# Tokens


@dataclass(frozen=True)
class _Token:
    raw: str  # as typed, without trailing punctuation
    key: str  # upper case, dots of "B.I.D." removed
    trail: str = ""  # trailing punctuation, kept in the output


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for word in text.split():
        raw = word.rstrip(",;:")
        trail = word[len(raw) :]
        key = raw.upper()
        if _DOTTED_CODE.fullmatch(key):
            key = key.replace(".", "")
        elif key.endswith(".") and len(key) > 1:
            raw, key, trail = raw[:-1], key[:-1], "." + trail
        if not key:
            tokens.append(_Token(word, word))
            continue
        glued = _GLUED_DOSE.fullmatch(key)
        if glued and glued[2] in _UNITS:
            cut = len(glued[1])
            tokens.append(_Token(raw[:cut], key[:cut]))
            tokens.append(_Token(raw[cut:], key[cut:], trail))
        else:
            tokens.append(_Token(raw, key, trail))
    return tokens


def _number_value(text: str) -> Fraction:
    return Fraction(text)  # Fraction accepts "1/2", "0.5" and ".5"


def _number_text(text: str) -> str:
    # ISMP: always a leading zero, never a trailing zero ("0.5 mL", "1 mL", not ".5" or "1.0").
    if "/" in text:
        return text
    value = Decimal(text)
    return str(int(value)) if value == value.to_integral() else format(value.normalize(), "f")


@dataclass(frozen=True)
class _Quantity:
    low: Fraction
    high: Fraction
    text: str


def _quantity_at(tokens: list[_Token], i: int) -> tuple[_Quantity, int] | None:
    """A dose amount at ``i`` ("2", "1-2", "1/2", "1 1/2", "1 TO 2", "ONE"), tokens used."""
    key = _NUMBER_WORDS.get(tokens[i].key, tokens[i].key)
    match = _QUANTITY.fullmatch(key)
    if not match:
        return None
    low = high = _number_value(match[1])
    text = _number_text(match[1])
    used = 1
    if match[2]:
        high = _number_value(match[2])
        text = f"{text} to {_number_text(match[2])}"
    elif i + 1 < len(tokens):
        nxt = tokens[i + 1].key
        after = tokens[i + 2].key if i + 2 < len(tokens) else ""
        if "/" not in key and "/" in nxt and _NUMBER.fullmatch(nxt) and _number_value(nxt) < 1:
            low = high = low + _number_value(nxt)  # mixed number "1 1/2"
            text, used = f"{text} {nxt}", 2
        elif "/" not in key and nxt == "AND" and "/" in after and _NUMBER.fullmatch(after) and _number_value(after) < 1:
            low = high = low + _number_value(after)  # "1 and 1/2"
            text, used = f"{text} {after}", 3
        elif nxt in ("TO", "-") and i + 2 < len(tokens):
            other = _NUMBER_WORDS.get(tokens[i + 2].key, tokens[i + 2].key)
            if _NUMBER.fullmatch(other):
                high = _number_value(other)
                text, used = f"{text} to {_number_text(other)}", 3
    if high < low:
        low, high = high, low
    return _Quantity(low, high, text), used


def _joined(tokens: list[_Token], i: int, count: int) -> str | None:
    if i + count > len(tokens):
        return None
    return "".join(t.key for t in tokens[i : i + count])


def _duration_at(tokens: list[_Token], i: int) -> tuple[str, int] | None:
    """ "X7D", "X 7 DAYS", "FOR 2 WEEKS" -> ("for 7 days", tokens used)."""
    if not tokens[i].key.startswith(("X", "FOR")):
        return None
    for count in (1, 2, 3):
        joined = _joined(tokens, i, count)
        match = joined and _DURATION.fullmatch(joined)
        if match and int(match[1]) > 0:
            n = int(match[1])
            name = _DURATION_NAMES[match[2][0]]
            return f"for {n} {name}{'' if n == 1 else 's'}", count
    return None


def _frequency_at(tokens: list[_Token], i: int) -> tuple[_Freq, int] | None:
    """A frequency code, also when split by spaces ("Q 6 H", "Q AM", "Q4-6 HRS")."""
    freq = _frequency(tokens[i].key)
    if freq:
        return freq, 1
    if re.fullmatch(r"Q([0-9]+(-[0-9]+)?)?", tokens[i].key):
        for count in (2, 3):
            joined = _joined(tokens, i, count)
            freq = _frequency(joined) if joined else None
            if freq:
                return freq, count
    return None


_LIMIT_OPENERS = (("DO", "NOT", "EXCEED"), ("NOT", "TO", "EXCEED"), ("NO", "MORE", "THAN"), ("MAXIMUM", "OF"),
                  ("MAX", "OF"), ("MAXIMUM",), ("MAX",), ("NTE",))  # fmt: skip
_LIMIT_PERIODS = (("IN", "24", "HOURS"), ("IN", "24", "HRS"), ("PER", "24", "HOURS"), ("PER", "24", "HRS"),
                  ("IN", "24H"), ("PER", "DAY"), ("A", "DAY"), ("EACH", "DAY"), ("/DAY",), ("/24H",), ("DAILY",))  # fmt: skip


def _limit_at(tokens: list[_Token], i: int) -> tuple[_Quantity, _Unit | None, int] | None:
    """A daily maximum: "MAX 6 TABS PER DAY", "DO NOT EXCEED 8 IN 24 HOURS", "NTE 4 DAILY":
    (amount, unit or None, tokens used). Without a period it is not a daily maximum (None)."""
    keys = [t.key for t in tokens]
    for opener in _LIMIT_OPENERS:
        if tuple(keys[i : i + len(opener)]) != opener:
            continue
        j = i + len(opener)
        amount = _quantity_at(tokens, j) if j < len(tokens) else None
        if amount is None or amount[0].low != amount[0].high:
            return None
        j += amount[1]
        unit = _UNITS.get(keys[j]) if j < len(keys) else None
        j += unit is not None
        for period in _LIMIT_PERIODS:
            if tuple(keys[j : j + len(period)]) == period:
                return amount[0], unit, j + len(period) - i
        return None
    return None


def _doses_per_day(freqs: list[_Freq]) -> Fraction | None:
    if any(f.kind == "uncountable" for f in freqs):
        return None
    intervals = [f.per_day for f in freqs if f.kind == "interval" and f.per_day]
    events = sum((f.per_day for f in freqs if f.kind == "event" and f.per_day), Fraction(0))
    meals = sum((f.per_day for f in freqs if f.kind == "meals" and f.per_day), Fraction(0))
    if len(set(intervals)) > 1:
        return None
    if intervals:
        # "QD HS" names the time of the one dose; "BID QHS" contradicts itself.
        return intervals[0] if not events or events == intervals[0] else None
    return events + meals or None


def _conflict(freqs: list[_Freq], doses: int) -> str | None:
    """Two rates for one dose ("daily every other day", "BID QHS"): which, to write one."""
    if doses > 1 or any(f.kind == "uncountable" for f in freqs):
        return None
    rates = [f for f in freqs if f.kind in ("interval", "event") and f.per_day]
    intervals = {f.per_day for f in rates if f.kind == "interval"}
    events = sum((f.per_day for f in rates if f.kind == "event" and f.per_day), Fraction(0))
    if len(intervals) > 1 or (intervals and events and events != next(iter(intervals))):
        said = " and ".join(dict.fromkeys(f"'{f.phrase}'" for f in rates))
        return f"The SIG gives two different frequencies ({said}): write one."
    return None


def _is_code(tokens: list[_Token], i: int) -> bool:
    key = tokens[i].key
    return bool(
        key in _UNITS or key in _ROUTES or key in _VERBS or key in ("PRN", "FOR")
        or _frequency_at(tokens, i) or _duration_at(tokens, i) or _quantity_at(tokens, i)
    )  # fmt: skip


def _is_phrase(tokens: list[_Token], i: int) -> bool:
    keys = [t.key for t in tokens]
    return bool(
        _limit_at(tokens, i) or timing_at(keys, i) or days_at(keys, i) or frequency_phrase_at(keys, i)
        or route_phrase_at(keys, i)
    )  # fmt: skip
