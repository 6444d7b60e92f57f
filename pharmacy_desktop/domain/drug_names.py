"""How a drug is named on every screen: one formatter, so a name reads the same everywhere.

FDA's NDC Directory writes names in whatever case the labeler typed: "OXYCODONE AND
ACETAMINOPHEN", "Amlodipine besylate", "NovoLog". A person reads them best in title case with the
usual pharmacy exceptions, so each *word* is recased only when it is ALL CAPS or all lower case
(a word already in mixed case, "NovoLog", "EpiPen", "pH", "Fe", is the labeler's own spelling and
is kept):

- units as pharmacists write them: mg, mcg, g, mL, L, mEq, units, IU, % ;
- salt abbreviations HCl, HBr; release and brand suffixes upper case: ER, XL, XR, SR, CR, DR,
  ODT, HCT, CD, LA, DS, HFA ...; USP and NF; common abbreviations (HCTZ, APAP, NPH, PEG);
- "and", "with", "in", "of", "or", "for", "per", "to" lower case (except as the first word);
- each part of a hyphenated or slashed word cased on its own ("Sulfamethoxazole/Trimethoprim",
  "Depo-Testosterone"); a part holding a digit is kept as written ("beta-1a", "B12");
- Roman numerals II..XX upper case ("Factor VIII").

The dosage form is shortened to what a pharmacist reads after the strength (FDA's qualifiers
that do not change how the product is taken are dropped):

==========================================  ====================
FDA dosage form                             shown
==========================================  ====================
TABLET, FILM COATED / COATED / SUGAR ...    tablet
TABLET, EXTENDED RELEASE (any coating)      ER tablet
TABLET, DELAYED RELEASE                     DR tablet
TABLET, ORALLY DISINTEGRATING               ODT
TABLET, CHEWABLE                            chewable tablet
CAPSULE, EXTENDED RELEASE                   ER capsule
CAPSULE, GELATIN COATED / LIQUID FILLED     capsule
INJECTION, SOLUTION                         injection
INJECTION, SUSPENSION                       injectable suspension
INJECTION, POWDER, LYOPHILIZED, FOR ...     powder for injection
POWDER, FOR SUSPENSION                      for suspension
AEROSOL, METERED                            metered aerosol
PATCH, EXTENDED RELEASE                     patch (every transdermal patch releases slowly)
==========================================  ====================

The release marker (ER, DR, ODT) belongs to the product's identity (ER and immediate release
are different drugs to a pharmacist), so :attr:`DrugName.short`, which a narrow view shows
before eliding, keeps it: "Metformin Hydrochloride 500 mg ER"; :attr:`DrugName.full` adds the
form noun: "Metformin Hydrochloride 500 mg ER tablet". When the name already carries a release
suffix ("Wellbutrin XL", "Ambien CR") the marker is not repeated.

Pure functions; no database, no Qt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "DrugName",
    "drug_display_name",
    "drug_name_parts",
    "form_text",
    "strength_text",
    "title_case",
]

UNITS = {
    "mg": "mg",
    "mcg": "mcg",
    "ug": "mcg",
    "g": "g",
    "gm": "g",
    "kg": "kg",
    "ml": "mL",
    "l": "L",
    "meq": "mEq",
    "mmol": "mmol",
    "unit": "unit",
    "units": "units",
    "iu": "IU",
    "hr": "hr",
    "h": "h",
    "actuat": "actuation",
    "spray": "spray",
}
SPECIAL = {"hcl": "HCl", "hbr": "HBr", "ph": "pH", "mg/ml": "mg/mL"}
UPPER = frozenset(
    (
        # release and brand suffixes
        "er xl xr sr cr dr odt hct cd la ec xt ir ds hfa es sa hp dm pm "
        # pharmacopeia and common abbreviations
        "usp nf pf hctz apap asa nph peg dha epa hiv bcg hpv ii iii iv vi vii viii ix xi xii "
        "xiii xiv xv xvi xvii xviii xix xx"
    ).split()
)
SMALL = frozenset("and with in of or for per to as by w/o".split())
# after the strength, a form word is the form ("Zestril 10 mg tablet"), not part of a name
FORM_WORDS = frozenset(
    """tablet capsule caplet injection solution suspension syrup elixir cream ointment gel lotion patch
    spray drops powder film lozenge suppository inhaler aerosol foam kit vial pen syringe chewable
    injectable concentrate""".split()
)
_PARTS = re.compile(r"([-/])")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_RELEASE_SUFFIXES = frozenset("er xl xr sr cr dr odt la cd xt ec sa".split())


def _case_word(word: str, first: bool, after_number: bool, past_strength: bool = False) -> str:
    """One run of letters (maybe with an apostrophe: "John's")."""
    if not (word.isupper() or word.islower()):
        return word  # the labeler's mixed case ("NovoLog", "pH", "Fe")
    key = word.lower()
    if key in SPECIAL:
        return SPECIAL[key]
    if after_number and key in UNITS:
        return UNITS[key]  # "2 MG" in a name; a lone "G" is a letter ("Penicillin G")
    if past_strength and key.removesuffix("s") in FORM_WORDS:
        return key  # "10 mg tablet": the form as the formatter writes it
    if key in UPPER:
        return word.upper()
    if key in SMALL and not first:
        return key
    return word[:1].upper() + word[1:].lower()


def _case_piece(piece: str, first: bool, after_number: bool, past_strength: bool = False) -> str:
    """A part of a word between hyphens or slashes: cased unless it holds a digit ("1a", "B12")."""
    if any(c.isdigit() for c in piece):
        m = re.fullmatch(r"([\d.,]+)([A-Za-z]+)", piece)  # "10MG" -> "10mg"
        if m and m.group(2).lower() in UNITS and (m.group(2).isupper() or m.group(2).islower()):
            return m.group(1) + UNITS[m.group(2).lower()]
        return piece
    out = []
    pos = 0
    for m in _WORD.finditer(piece):
        out.append(piece[pos : m.start()])
        out.append(_case_word(m.group(), first and pos == 0, after_number, past_strength))
        pos = m.end()
    out.append(piece[pos:])
    return "".join(out)


def title_case(name: str | None) -> str:
    """``"OXYCODONE AND ACETAMINOPHEN"`` -> ``"Oxycodone and Acetaminophen"``; mixed-case words
    kept (see the module docstring); spaces collapsed; '' for None."""
    out: list[str] = []
    for word in (name or "").split():
        after_number = bool(out) and out[-1][-1:].isdigit()
        past_strength = any(c.isdigit() for w in out for c in w)
        pieces = _PARTS.split(word)
        out.append(
            "".join(
                p if p in ("-", "/") else _case_piece(p, not out and i == 0, after_number and i == 0, past_strength)
                for i, p in enumerate(pieces)
            )
        )
    return " ".join(out)


_STRENGTH_UNIT = re.compile(r"[A-Za-z]+")


def strength_text(strength: str | None) -> str:
    """A strength as pharmacists write it: ``"10 MG"`` -> ``"10 mg"``, ``"5 MG/5ML"`` ->
    ``"5 mg/5mL"``; words that are no unit ("valsartan", "USP'U") are kept as written."""
    text = " ".join((strength or "").split())

    def unit(m: re.Match[str]) -> str:
        w = m.group()
        mixed = not (w.isupper() or w.islower())
        return w if mixed else UNITS.get(w.lower(), w)

    return _STRENGTH_UNIT.sub(unit, text)


# -- dosage form -----------------------------------------------------------------------------------

_DROPPED = frozenset(
    (
        "film coated",
        "coated",
        "sugar coated",
        "gelatin coated",
        "liquid filled",
        "multilayer",
        "lyophilized",
        "soft",
        "hard",
        "coated pellets",
        "pellets",
        "augmented",
    )
)
_RELEASE = {"extended release": "ER", "delayed release": "DR", "delayed release pellets": "DR"}
_WHOLE: dict[tuple[str, ...], str] = {  # forms whose words read better said another way
    ("aerosol", "foam"): "foam",
    ("solution", "drops"): "drops",
    ("solution", "concentrate"): "concentrate",
}


def _form_parts(form: str | None) -> tuple[str, str]:
    """(release marker, form noun): ``TABLET, FILM COATED, EXTENDED RELEASE`` -> ("ER", "tablet")."""
    parts = [" ".join(p.split()).lower() for p in re.split(r"[,/]", form or "")]
    parts = [p for p in parts if p and p not in _DROPPED]
    if not parts:
        return "", ""
    base, others = parts[0], []
    markers: list[str] = []
    for mod in parts[1:]:
        if mod in _RELEASE:
            markers.insert(0, _RELEASE[mod])
        elif mod == "orally disintegrating":
            markers.append("ODT")
        else:
            others.append(mod)
    release = " ".join(dict.fromkeys(markers))  # "DR ODT"
    if base == "injection":
        if "powder" in others or any(m.startswith("for ") for m in others):
            return release, "powder for injection"
        others = [m for m in others if m != "solution"]
        return release, f"injectable {others[0]}" if others else "injection"
    if base == "patch":
        return "", base  # every transdermal patch releases over time: "ER patch" reads oddly
    if base == "tablet" and release.endswith("ODT"):
        return release, ""
    if (base, *others) in _WHOLE:
        return release, _WHOLE[(base, *others)]
    before = [m for m in others if not m.startswith("for ")]
    after = [m for m in others if m.startswith("for ")]
    return release, " ".join([*before, base, *after])


def form_text(form: str | None) -> str:
    """The shortened dosage form (table in the module docstring): ``"ER tablet"``, ``"ODT"``."""
    return " ".join(p for p in _form_parts(form) if p)


# -- the whole name --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrugName:
    """A drug's name in parts, so a narrow view can drop the form before the strength.

    ``name``: the drug's name, title-cased; ``brand``: a brand shown in parentheses after it
    ('' when none or the same as the name); ``strength``: '10 mg', '5 mg/325 mg';
    ``release``: 'ER', 'DR', 'ODT' or ''; ``form``: the form noun, 'tablet', 'injection' or ''.
    """

    name: str
    strength: str = ""
    release: str = ""
    form: str = ""
    brand: str = ""

    @property
    def label(self) -> str:
        """The name with its brand: ``"Atorvastatin Calcium (Lipitor)"``."""
        return f"{self.name} ({self.brand})" if self.brand else self.name

    @property
    def short(self) -> str:
        """Name, strength and release marker: ``"Metformin Hydrochloride 500 mg ER"``."""
        return " ".join(p for p in (self.label, self.strength, self.release) if p)

    @property
    def full(self) -> str:
        """Everything: ``"Metformin Hydrochloride 500 mg ER tablet"``."""
        return " ".join(p for p in (self.short, self.form) if p)

    def __str__(self) -> str:
        return self.full


_SPACES = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _SPACES.sub("", text.lower())


def drug_name_parts(
    name: str | None, strength: str | None = None, dosage_form: str | None = None, *, brand: str | None = None
) -> DrugName:
    """:class:`DrugName` from catalog fields as FDA gives them (any case).

    The strength is left out when the name already states it ("Amoxicillin 500 mg"), the form
    noun when the name already says it ("Lidocaine Patch"), the release marker when the name
    ends in a release suffix ("Wellbutrin XL"); a brand equal to the name (or inside it) is not
    repeated.
    """
    shown = title_case(name)
    words = {w.lower() for w in re.findall(r"[A-Za-z]+", shown)}
    size = strength_text(strength)
    if size and _norm(size) in _norm(shown):
        size = ""
    release, noun = _form_parts(dosage_form)
    if release and (words & _RELEASE_SUFFIXES or release.lower() in words):
        release = ""
    if noun and all(w in words for w in noun.split()):
        noun = ""
    mark = title_case(brand)
    if mark and _norm(mark) in _norm(shown):
        mark = ""
    return DrugName(shown, size, release, noun, mark)


def drug_display_name(
    name: str | None, strength: str | None = None, dosage_form: str | None = None, *, brand: str | None = None
) -> str:
    """The one way a drug is named on a screen: ``"Oxycodone and Acetaminophen 5 mg/325 mg
    tablet"``, ``"Atorvastatin Calcium (Lipitor) 10 mg tablet"`` (see :func:`drug_name_parts`)."""
    return drug_name_parts(name, strength, dosage_form, brand=brand).full
