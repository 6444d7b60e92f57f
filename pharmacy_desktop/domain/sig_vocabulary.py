"""The SIG vocabulary: dose units, verbs, routes, frequencies, durations, indications and plain
words, as tables. Its size is data; reading a SIG with it is ``domain/sig.py``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class _Unit:
    singular: str
    plural: str
    verb: str | None = None
    # Dispensing units per dose unit (a teaspoonful is 5 mL); None: not comparable to quantity.
    dispensing_factor: Fraction | None = Fraction(1)

    def form(self, many: bool) -> str:
        return self.plural if many else self.singular


def _u(singular: str, plural: str | None = None, verb: str | None = None, factor: int | None = 1) -> _Unit:
    return _Unit(singular, plural or singular, verb, None if factor is None else Fraction(factor))


_TABLET = _u("tablet", "tablets")
_CAPSULE = _u("capsule", "capsules")
_ML = _u("mL")
_DROP = _u("drop", "drops", "instill", None)
_PUFF = _u("puff", "puffs", "inhale", None)
_INHALATION = _u("inhalation", "inhalations", "inhale", None)
_SPRAY = _u("spray", "sprays", "use", None)
_PATCH = _u("patch", "patches", "apply")
_SUPPOSITORY = _u("suppository", "suppositories", "insert")
_INSULIN_UNIT = _u("unit", "units", "inject", None)

_UNITS: dict[str, _Unit] = {}
for _keys, _unit in (
    ("T TAB TABS TABLET TABLETS", _TABLET),
    ("C CAP CAPS CAPSULE CAPSULES", _CAPSULE),
    ("ML MLS", _ML),
    ("GTT GTTS DROP DROPS", _DROP),
    ("TSP TEASPOON TEASPOONS TEASPOONFUL TEASPOONFULS", _u("teaspoonful", "teaspoonfuls", None, 5)),
    (
        "TBSP TBS TABLESPOON TABLESPOONS TABLESPOONFUL",
        _u("tablespoonful", "tablespoonfuls", None, 15),
    ),
    ("PUFF PUFFS", _PUFF),
    ("INH INHALATION INHALATIONS", _INHALATION),
    ("SPRAY SPRAYS", _SPRAY),
    ("PATCH PATCHES", _PATCH),
    ("SUPP SUPPS SUPPOSITORY SUPPOSITORIES", _SUPPOSITORY),
    ("U UNIT UNITS IU", _INSULIN_UNIT),
    ("LOZ LOZENGE LOZENGES", _u("lozenge", "lozenges")),
    ("PKT PACKET PACKETS", _u("packet", "packets")),
    ("APPLIC APPLICATION APPLICATIONS", _u("application", "applications", "apply", None)),
    ("MG", _u("mg", factor=None)),
    ("MCG", _u("mcg", factor=None)),
    ("G GM", _u("g", factor=None)),
):
    for _key in _keys.split():
        _UNITS[_key] = _unit

_VERBS = {
    "TK": "take", "TAKE": "take", "GIVE": "give", "CHEW": "chew", "DISSOLVE": "dissolve",
    "INJ": "inject", "INJECT": "inject", "APP": "apply", "APPLY": "apply", "INST": "instill",
    "INSTILL": "instill", "INS": "insert", "INSERT": "insert", "USE": "use", "PLACE": "place",
    "INHALE": "inhale", "SWISH": "swish and swallow", "GARGLE": "gargle",
}  # fmt: skip
# Codes that are a verb only when they open the SIG and a dose follows ("INH 2 PUFFS").
_LEADING_VERBS = {"INH": "inhale", "U": "use", "SPRAY": "spray"}


@dataclass(frozen=True)
class _Route:
    phrase: str
    verb: str


_ROUTES: dict[str, _Route] = {}
for _keys, _route in (
    ("PO ORAL ORALLY", _Route("by mouth", "take")),
    ("SL SUBLINGUAL SUBLINGUALLY", _Route("under the tongue", "place")),
    ("BUCC", _Route("between the cheek and gum", "place")),
    ("TOP TOPICAL TOPICALLY", _Route("topically", "apply")),
    ("TD", _Route("to the skin", "apply")),
    ("AA AAA", _Route("to the affected area", "apply")),
    ("OU", _Route("in both eyes", "instill")),
    ("OS", _Route("in the left eye", "instill")),
    ("AU", _Route("in both ears", "instill")),
    ("PR RECTALLY", _Route("rectally", "insert")),
    ("PV VAGINALLY", _Route("vaginally", "insert")),
    ("INH", _Route("by inhalation", "inhale")),
    ("SQ SC SUBQ SUBCUT SUBCUTANEOUSLY", _Route("subcutaneously", "inject")),
    ("IM", _Route("into the muscle", "inject")),
    ("IV", _Route("intravenously", "inject")),
    ("NAS", _Route("in the nose", "use")),
    ("EN IEN", _Route("in each nostril", "use")),
):
    for _key in _keys.split():
        _ROUTES[_key] = _route


@dataclass(frozen=True)
class _Freq:
    phrase: str
    per_day: Fraction | None = None
    # interval: sets the dose count alone (BID, Q6H); event: once-a-day moments that add up
    # (QAM + QHS = 2); meals: 3 a day unless an interval is also given (BID AC); uncountable:
    # a rate with no daily meaning (Q5MIN); other: says nothing about the count (WF, PRN-like).
    kind: str = "other"


def _interval(phrase: str, per_day: Fraction | int) -> _Freq:
    return _Freq(phrase, Fraction(per_day), "interval")


_FREQS: dict[str, _Freq] = {}
for _keys, _freq in (
    ("QD DAILY QDAY", _interval("once a day", 1)),
    ("BID", _interval("2 times a day", 2)),
    ("TID", _interval("3 times a day", 3)),
    ("QID", _interval("4 times a day", 4)),
    ("QOD", _interval("every other day", Fraction(1, 2))),
    ("QWK QW QWEEK WEEKLY", _interval("once a week", Fraction(1, 7))),
    ("QMO QMONTH MONTHLY", _interval("once a month", Fraction(1, 30))),
    ("QHS", _Freq("at bedtime", Fraction(1), "event")),
    ("QAM", _Freq("every morning", Fraction(1), "event")),
    ("QPM", _Freq("every evening", Fraction(1), "event")),
    ("AM", _Freq("in the morning", Fraction(1), "event")),
    ("PM", _Freq("in the evening", Fraction(1), "event")),
    ("NOON QNOON", _Freq("at noon", Fraction(1), "event")),
    ("AC", _Freq("before meals", Fraction(3), "meals")),
    ("PC", _Freq("after meals", Fraction(3), "meals")),
    ("WM", _Freq("with meals", Fraction(3), "meals")),
    ("ACHS", _Freq("before meals and at bedtime", Fraction(4), "meals")),
    ("WF W/F", _Freq("with food")),
    ("ATC", _Freq("around the clock")),
    ("UD", _Freq("as directed")),
    ("STAT", _Freq("immediately")),
    ("NOW", _Freq("now")),
    ("X1 ONCE", _Freq("1 time only")),
):
    for _key in _keys.split():
        _FREQS[_key] = _freq

_EVERY = re.compile(
    r"Q(\d+)(?:-(\d+))?"
    r"(H|HR|HRS|HOUR|HOURS|D|DAY|DAYS|W|WK|WKS|WEEK|WEEKS|MIN|MINS|MINUTES|MO|MONTH|MONTHS)",
    re.ASCII,
)
_PERIODS = {"H": ("hour", Fraction(24)), "D": ("day", Fraction(1)), "W": ("week", Fraction(1, 7)),
            "MI": ("minute", None), "MO": ("month", Fraction(1, 30))}  # fmt: skip


def _every(key: str) -> _Freq | None:
    """Q6H, Q4-6H, Q2D, Q2W, Q5MIN, Q3MO."""
    match = _EVERY.fullmatch(key)
    if not match or int(match[1]) == 0 or (match[2] and int(match[2]) == 0):
        return None
    unit = match[3]
    name, per_unit = _PERIODS[unit[:2] if unit[:2] in ("MI", "MO") else unit[0]]
    low = int(match[1])
    if match[2]:
        phrase = f"every {low} to {int(match[2])} {name}s"
    else:
        phrase = f"every {name}" if low == 1 else f"every {low} {name}s"
    # The shortest interval gives the most doses: that is the daily maximum.
    shortest = min(low, int(match[2] or low))
    if per_unit is None:
        return _Freq(phrase, None, "uncountable")
    return _interval(phrase, per_unit / shortest)


def _frequency(key: str) -> _Freq | None:
    return _FREQS.get(key) or _every(key)


_DURATION = re.compile(r"(?:X|FOR)([0-9]+)(D|DAY|DAYS|W|WK|WKS|WEEK|WEEKS|MO|MOS|MONTH|MONTHS)", re.ASCII)
_DURATION_NAMES = {"D": "day", "W": "week", "M": "month"}

_INDICATIONS = {
    "PAIN": "pain", "N/V": "nausea and vomiting", "NAUSEA": "nausea", "VOMITING": "vomiting",
    "SOB": "shortness of breath", "HA": "headache", "HEADACHE": "headache", "CP": "chest pain",
    "ANXIETY": "anxiety", "SLEEP": "sleep", "INSOMNIA": "sleep", "FEVER": "fever",
    "ITCHING": "itching", "COUGH": "cough", "WHEEZING": "wheezing", "CONSTIPATION": "constipation",
    "DIARRHEA": "diarrhea", "MIGRAINE": "migraine", "SPASMS": "spasms", "AGITATION": "agitation",
    "SEVERE": "severe", "MODERATE": "moderate", "MILD": "mild", "BREAKTHROUGH": "breakthrough",
    "CHEST": "chest", "MUSCLE": "muscle", "BACK": "back", "BP": "blood pressure", "BLOOD": "blood",
    "PRESSURE": "pressure", "SUGAR": "sugar", "CHOLESTEROL": "cholesterol", "HEART": "heart",
    "INFECTION": "infection", "ALLERGIES": "allergies", "ALLERGY": "allergy", "HEARTBURN": "heartburn",
    "REFLUX": "reflux", "ACID": "acid", "GOUT": "gout", "ARTHRITIS": "arthritis", "THYROID": "thyroid",
    "DEPRESSION": "depression", "MOOD": "mood", "ACNE": "acne", "RASH": "rash", "SWELLING": "swelling",
    "CONGESTION": "congestion", "DIZZINESS": "dizziness", "SEIZURES": "seizures", "DIABETES": "diabetes",
}  # fmt: skip
# Error-prone abbreviations (ISMP list; The Joint Commission "Do Not Use") that have more than one
# meaning: never translated; the reason says what to write instead. Key -> reason.
_REFUSED = {
    "OD": "OD is an error-prone abbreviation (once daily or right eye): write 'once daily' or 'in the right eye'.",
    "TIW": "TIW is an error-prone abbreviation (3 times a week, misread as 3 times a day or twice a "
    "week): write '3 times a week'.",
    "BIW": "BIW is an error-prone abbreviation (twice a week, misread as twice a day): write '2 times a week'.",
    "SS": "SS is an error-prone abbreviation (sliding scale or one-half): write 'sliding scale' or '1/2'.",
    "D/C": "D/C is an error-prone abbreviation (discharge or discontinue): write the word.",
    "CC": "cc is an error-prone abbreviation (misread as u, units): write 'mL'.",
    "QN": "QN is an error-prone abbreviation (nightly, misread as every hour): write 'at bedtime'.",
    "HS": "HS is an error-prone abbreviation (at bedtime or half-strength): write 'QHS' or 'at bedtime'.",
    "AS": "AS is an error-prone abbreviation (left ear, mistaken for left eye, or the word 'as'): write "
    "'in the left ear'.",
    "AD": "AD is an error-prone abbreviation (right ear, mistaken for right eye): write 'in the right ear'.",
    "Q1D": "Q1D is an error-prone abbreviation (once daily, misread as 4 times a day): write 'once a day'.",
}
# Plain words are known (not warned about) and printed in lower case. DAY, WEEK, TIMES, HOURS,
# EVERY are not: they mean something only inside a phrase ("4 times a day", "every 6 hours",
# "for 7 days", domain/sig_phrases.py); left over alone they are not understood.
_WORDS = frozenset(
    """A AN AND OR THEN WITH WITHOUT FOOD MEALS MEAL WATER MILK IN INTO ON TO OF AT BY FOR THE EACH
    EYE EYES EAR EARS NOSTRIL NOSTRILS MOUTH TONGUE AFFECTED AREA SKIN THIN LAYER NIGHT MORNING
    EVENING BEDTIME UP MAX MAXIMUM PER DO NOT EXCEED MORE
    THAN EMPTY STOMACH SHAKE WELL BEFORE AFTER USING NEEDED DIRECTED ONLY ALTERNATING UNTIL GONE
    FINISHED ALL DOSE DOSES BREAKFAST LUNCH DINNER SUPPER FULL GLASS EATING LYING DOWN UPRIGHT STAY
    REMAIN RINSE SWALLOW WHOLE CRUSH SPIT OUT USE""".split()
)
_NUMBER_WORDS = {
    "ONE": "1", "TWO": "2", "THREE": "3", "FOUR": "4", "FIVE": "5", "SIX": "6", "SEVEN": "7",
    "EIGHT": "8", "NINE": "9", "TEN": "10", "HALF": "1/2", "ONE-HALF": "1/2",
}  # fmt: skip

# ASCII digits only, and no zero denominators ("1/0" stays an unknown token).
_NUM = r"(?:[0-9]+/0*[1-9][0-9]*|[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
_NUMBER = re.compile(_NUM)
_QUANTITY = re.compile(rf"({_NUM})(?:-({_NUM}))?")
_GLUED_DOSE = re.compile(rf"({_NUM}(?:-{_NUM})?)([A-Z]+)")
_DOTTED_CODE = re.compile(r"(?:[A-Z]\.)+[A-Z]?")
