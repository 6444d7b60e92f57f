"""SIG codes to plain-language directions ("1 T PO BID" -> "Take 1 tablet by mouth 2 times a day").

USP <17>: explicit numerals ("2 times a day", never "twice"), plural nouns above one. Tokens are
translated in the order written; a token that is not a known code is kept exactly as typed
(never dropped) and reported by ``unknown_tokens`` so the intake screen can warn.

``sig_daily_quantity`` gives the most units a day the directions allow, in dispensing units
(tablets, capsules, mL, patches ...), for the DUR dose check. It is None whenever that is not
certain: unknown tokens, several doses (tapers), no countable frequency (PRN alone, UD, STAT),
or dose units that are not how the product is counted (drops, puffs, sprays, mg, insulin units).

A run of more than ``MAX_NUMBER_DIGITS`` digits is no dose, interval or duration anyone writes;
such a SIG raises :class:`InvalidSig` (a ValueError) saying so, instead of Python's own
int-string limit error at 4,301 digits or arithmetic on absurd numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from .sig_phrases import days_at, frequency_phrase_at, route_phrase_at, timing_at
from .sig_tokens import (
    _conflict,
    _doses_per_day,
    _duration_at,
    _frequency_at,
    _is_code,
    _is_phrase,
    _limit_at,
    _Quantity,
    _quantity_at,
    _tokenize,
)
from .sig_vocabulary import (  # the tables; private to the SIG reader
    _FREQS,
    _INDICATIONS,
    _INHALATION,
    _LEADING_VERBS,
    _ML,
    _PATCH,
    _PUFF,
    _REFUSED,
    _ROUTES,
    _SUPPOSITORY,
    _UNITS,
    _VERBS,
    _WORDS,
    _Freq,
    _Route,
    _Unit,
)

MAX_NUMBER_DIGITS = 8  # 1,200,000 units of penicillin G is 7; 8 leaves room, 9 is a typo or an attack
_LONG_NUMBER = re.compile(rf"\d{{{MAX_NUMBER_DIGITS + 1},}}")


class InvalidSig(ValueError):
    """A SIG that cannot be read at all; the message says what to fix."""

    @property
    def message(self) -> str:
        return str(self.args[0])


def sig_problem(text: str) -> str | None:
    """Why ``text`` cannot be read as a SIG at all (a number far too long), or None."""
    match = _LONG_NUMBER.search(text or "")
    if match is None:
        return None
    digits = match[0]
    return (
        f"The SIG has a {len(digits):,}-digit number ({digits[:6]}…); numbers in directions have "
        f"at most {MAX_NUMBER_DIGITS} digits. Fix the SIG."
    )


# ---------------------------------------------------------------------------------------------
# Parsing


@dataclass
class _Piece:
    kind: str  # verb, dose, route, freq, prn, duration, word, unknown
    text: str
    key: str = ""


@dataclass
class _Parse:
    pieces: list[_Piece]
    unknown: list[str]
    doses: list[tuple[_Quantity | None, _Unit | None]]
    routes: list[_Route]
    freqs: list[_Freq]
    prn: bool
    refused: list[str]
    limit: tuple[_Quantity, _Unit | None] | None = None  # "max 6 tablets a day"


def _parse(text: str) -> _Parse:
    problem = sig_problem(text)
    if problem:
        raise InvalidSig(problem)
    tokens = _tokenize(text)
    p = _Parse([], [], [], [], [], False, [])
    keys = [t.key for t in tokens]

    def emit(kind: str, phrase: str, last: int, key: str = "") -> None:
        p.pieces.append(_Piece(kind, phrase + tokens[last].trail, key))

    i, n = 0, len(tokens)
    while i < n:
        tok = tokens[i]
        key = tok.key
        nxt = tokens[i + 1].key if i + 1 < n else ""

        if i == 0 and key in _LEADING_VERBS and nxt and (_quantity_at(tokens, 1) or nxt in _UNITS):
            emit("verb", _LEADING_VERBS[key], i)
            i += 1
            continue
        if key in _VERBS and not (key == "USE" and i > 0 and tokens[i - 1].key in ("AFTER", "BEFORE", "EACH")):
            emit("verb", _VERBS[key], i)
            i += 1
            continue
        if key == "AS" and nxt in ("NEEDED", "DIRECTED"):
            if nxt == "NEEDED":
                p.prn = True
                emit("prn", "as needed", i + 1)
            else:
                p.freqs.append(_FREQS["UD"])
                emit("freq", "as directed", i + 1)
            i += 2
            continue
        if key == "PRN":
            p.prn = True
            following = (
                i + 1 < n and not _is_code(tokens, i + 1) and nxt not in _WORDS and not _is_phrase(tokens, i + 1)
            )
            if nxt == "FOR":
                emit("prn", "as needed for", i + 1)
                i += 2
                continue
            emit("prn", "as needed for" if following else "as needed", i)
            i += 1
            continue

        if key in _REFUSED:
            # Two meanings: kept as typed, never translated; the reason says what to write.
            p.refused.append(_REFUSED[key])
            p.unknown.append(tok.raw + tok.trail)
            emit("unknown", tok.raw, i)
            i += 1
            continue

        limit = _limit_at(tokens, i)
        if limit and p.limit is None:
            most, most_unit, used = limit
            p.limit = (most, most_unit)
            unit_text = f" {most_unit.form(most.high > 1)}" if most_unit else ""
            emit("limit", f"no more than {most.text}{unit_text} a day", i + used - 1)
            i += used
            continue

        words = timing_at(keys, i) or days_at(keys, i)
        if words:
            text_read, used = words
            emit("word", text_read, i + used - 1)
            i += used
            continue

        written_freq = frequency_phrase_at(keys, i)
        if written_freq:
            freq, used = written_freq
            p.freqs.append(freq)
            emit("freq", freq.phrase, i + used - 1, freq.kind)
            i += used
            continue
        route = route_phrase_at(keys, i)
        if route:
            written, used = route
            p.routes.append(written)
            emit("route", written.phrase, i + used - 1, "")
            i += used
            continue

        duration = _duration_at(tokens, i)
        if duration:
            phrase, used = duration
            emit("duration", phrase, i + used - 1)
            i += used
            continue

        frequency = _frequency_at(tokens, i)
        if frequency:
            freq, used = frequency
            p.freqs.append(freq)
            emit("freq", freq.phrase, i + used - 1, freq.kind)
            i += used
            continue

        amount = _quantity_at(tokens, i)
        if amount:
            qty, used = amount
            j = i + used
            unit = _UNITS.get(tokens[j].key) if j < n else None
            if unit:
                emit("dose", f"{qty.text} {unit.form(qty.high > 1)}", j)
                used += 1
            else:
                emit("dose", qty.text, j - 1)
            p.doses.append((qty, unit))
            i += used
            continue

        if key in _ROUTES:
            p.routes.append(_ROUTES[key])
            emit("route", _ROUTES[key].phrase, i, key)
        elif key in _UNITS:
            p.doses.append((None, _UNITS[key]))
            emit("dose", _UNITS[key].singular, i)
        elif key in _INDICATIONS:
            emit("word", _INDICATIONS[key], i)
        elif key in _WORDS:
            emit("word", key.lower(), i)
        else:
            p.unknown.append(tok.raw + tok.trail)
            emit("unknown", tok.raw, i)
        i += 1
    if p.limit is not None and p.limit[1] is None and len(p.doses) == 1 and p.doses[0][1] is not None:
        # "max 6 a day" counts what each dose counts: "no more than 6 tablets a day"
        most, unit = p.limit[0], p.doses[0][1]
        for piece in p.pieces:
            if piece.kind == "limit":
                piece.text = piece.text.replace(f" {most.text} a day", f" {most.text} {unit.form(most.high > 1)} a day")
    for before, piece in zip(p.pieces, p.pieces[1:], strict=False):
        if piece.kind == "limit" and not before.text.endswith((",", ";", ".")):
            before.text += ";"  # "as needed for pain; no more than 6 tablets a day"
    return p


def _infer_verb(p: _Parse) -> str:
    units = [u for _, u in p.doses if u is not None]
    first_unit = units[0] if units else None
    # Puffs, suppositories and patches decide regardless of a route written next to them.
    if first_unit in (_PUFF, _INHALATION, _SUPPOSITORY, _PATCH):
        return first_unit.verb or "take"
    if p.routes:
        return p.routes[0].verb
    if first_unit is not None and first_unit.verb:
        return first_unit.verb
    return "take" if p.doses else "use"


def _pieces(p: _Parse) -> Iterator[str]:
    verb = next((piece.text for piece in p.pieces if piece.kind == "verb"), None)
    if verb is None:
        verb = _infer_verb(p)
        yield verb
    previous: _Piece | None = None
    for piece in p.pieces:
        # "Inhale 2 puffs by inhalation" says the route twice.
        if piece.kind == "route" and piece.key == "INH" and verb.startswith("inhale"):
            continue
        timed = ("event", "meals")
        if previous and previous.kind == piece.kind == "freq" and {previous.key, piece.key} <= set(timed):
            yield "and"  # "every morning and at bedtime"
        yield piece.text
        previous = piece


# ---------------------------------------------------------------------------------------------
# Public API


def expand_sig(text: str) -> str:
    """Plain-language directions for a SIG; unknown tokens are kept as typed.
    Raises :class:`InvalidSig` for a SIG that cannot be read at all (see :func:`sig_problem`)."""
    return analyze_sig(text).directions


def unknown_tokens(text: str) -> list[str]:
    """The tokens of ``text`` that are not known codes or words, in order, as typed."""
    return _parse(text or "").unknown


@dataclass(frozen=True)
class SigAnalysis:
    """What a SIG says. ``directions`` is the word-by-word reading, with unknown or refused tokens
    kept as typed; it may be printed only when ``understood``. The dose and interval fields are
    set only for an understood SIG with one dose (not a taper)."""

    directions: str
    unknown: tuple[str, ...]  # tokens not understood, refused ones included, as typed
    prn: bool
    daily_min: Decimal | None  # fewest units a day (0 for PRN); weekly 1 tablet -> 1/7
    daily_max: Decimal | None  # most units a day
    daily_unit: str | None = None  # what daily_min/max count: "tablets", "mL" ...
    dose_min: Decimal | None = None  # units per administration ("1-2 T" -> 1 and 2)
    dose_max: Decimal | None = None
    dose_unit: str | None = None  # "tablets", "mL" (teaspoonfuls converted), or as written: "mg", "drops", "puffs"
    min_interval_hours: Decimal | None = None  # shortest time between doses: Q4-6H -> 4, QID -> 6, weekly -> 168
    period_days: int | None = None  # the regimen repeats every: 1 daily, 2 every other day, 7 weekly
    refused: str | None = None  # why the SIG may not be read: an error-prone abbreviation, two frequencies
    understood: bool = True  # False: some token unknown or refused; print no automatic directions

    def unit_for(self, amount: Decimal) -> str:
        """``daily_unit`` in the number ``amount`` takes ("1 tablet", "2 tablets")."""
        unit = self.daily_unit or "units"
        return _SINGULARS.get(unit, unit) if amount == 1 else unit


def _decimal(value: Fraction) -> Decimal:
    if value.denominator == 1:
        return Decimal(value.numerator)
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP).normalize()


def _daily_range(p: _Parse) -> tuple[Fraction, Fraction] | None:
    if p.unknown or len(p.doses) != 1:
        return None
    qty, unit = p.doses[0]
    if qty is None:
        return None
    factor = unit.dispensing_factor if unit is not None else Fraction(1)
    per_day = _doses_per_day(p.freqs)
    if factor is None or per_day is None:
        return None
    high = qty.high * per_day * factor
    if p.limit is not None and p.limit[1] in (None, unit):  # "max 6 tablets a day" caps the rate
        high = min(high, p.limit[0].high * factor)
    low = Fraction(0) if p.prn else min(qty.low * per_day * factor, high)
    return low, high


_SINGULARS = {u.plural: u.singular for u in _UNITS.values()} | {"units": "unit"}


def _dispensing_name(unit: _Unit | None) -> str:
    if unit is None:
        return "units"
    return unit.plural if unit.dispensing_factor == 1 else _ML.plural


def _dose(p: _Parse) -> tuple[Fraction, Fraction, str] | None:
    if len(p.doses) != 1 or p.doses[0][0] is None:
        return None
    qty, unit = p.doses[0]
    assert qty is not None
    factor = unit.dispensing_factor if unit is not None else Fraction(1)
    if factor is None:
        assert unit is not None
        return qty.low, qty.high, unit.plural
    return qty.low * factor, qty.high * factor, _dispensing_name(unit)


def _period_days(per_day: Fraction) -> int:
    # 3 times a week is 3/7 a day: the regimen repeats every 7 days; anything daily or more is 1.
    return 1 if per_day >= 1 else per_day.denominator


def analyze_sig(text: str) -> SigAnalysis:
    """Directions, unknown tokens, the dose, interval and the daily range of units in one pass."""
    p = _parse(text or "")
    directions = " ".join(_pieces(p)) if text and text.strip() else ""
    conflict = _conflict(p.freqs, len(p.doses))
    if conflict:
        p.refused.append(conflict)
    understood = bool(directions) and not p.unknown and not p.refused
    daily = _daily_range(p)
    unit = p.doses[0][1] if daily and p.doses else None
    dose = _dose(p) if understood else None
    per_day = _doses_per_day(p.freqs) if understood and len(p.doses) <= 1 else None
    return SigAnalysis(
        directions=directions[:1].upper() + directions[1:],
        unknown=tuple(p.unknown),
        prn=p.prn,
        daily_min=_decimal(daily[0]) if daily else None,
        daily_max=_decimal(daily[1]) if daily else None,
        daily_unit=_dispensing_name(unit) if daily else None,
        dose_min=_decimal(dose[0]) if dose else None,
        dose_max=_decimal(dose[1]) if dose else None,
        dose_unit=dose[2] if dose else None,
        min_interval_hours=_decimal(Fraction(24) / per_day) if per_day else None,
        period_days=_period_days(per_day) if per_day else None,
        refused=" ".join(dict.fromkeys(p.refused)) or None,
        understood=understood,
    )


def sig_daily_quantity(text: str) -> Decimal | None:
    """Most dispensing units a day ("1-2 T PO Q6H PRN" -> 8), or None when not computable."""
    return analyze_sig(text).daily_max
