"""The clinical knowledge CSV format (docs/CLINICAL_DATA.md): one file per ``clinical_*`` table,
its columns, how each cell is read and checked (the tables' CHECK constraints, said in words).

Used by ``db/clinical_csv.py`` (reading and validating a folder) and ``db/clinical_load.py`` (writing).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from pharmacy_desktop.domain.clinical_knowledge import SEVERITIES
from pharmacy_desktop.domain.dur_facts import normalize_ingredient
from pharmacy_desktop.errors import PharmacyError

_ICD10 = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{0,4})?$")
CLASS_CODE = re.compile(r"^(epc:.+|[a-z0-9_]+)$")


class ClinicalDataError(PharmacyError):
    """A clinical data folder that cannot be loaded; nothing was written."""


# ---------------------------------------------------------------------------------------------
# Cell parsers: value or raise ValueError with the reason


def _text(value: str) -> str:
    return value


def _lower(value: str) -> str:
    return " ".join(value.lower().split())


def _ingredient(value: str) -> str:
    name = normalize_ingredient(value)
    if not name:
        raise ValueError("is not an ingredient name")
    return name


def _code(value: str) -> str:
    if not CLASS_CODE.match(value):
        raise ValueError("is not a class code (snake_case, or 'epc:<FDA class>')")
    return value


def _icd10(value: str) -> str:
    prefix = value.upper().strip()
    if not _ICD10.match(prefix):
        raise ValueError("is not an ICD-10-CM code or prefix (e.g. 'N18.4', 'J45', 'I50')")
    return prefix


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"is not one of {', '.join(allowed)}")
        return value

    return parse


def _decimal(minimum: Decimal | None = None, *, strict: bool = True) -> Callable[[str], Decimal]:
    def parse(value: str) -> Decimal:
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise ValueError("is not a number") from None
        if not number.is_finite():
            raise ValueError("is not a number")
        if minimum is not None and (number <= minimum if strict else number < minimum):
            raise ValueError(f"must be {'above' if strict else 'at least'} {minimum}")
        return number

    return parse


def _bool(value: str) -> bool:
    lowered = value.lower()
    if lowered in ("true", "t", "yes", "y", "1"):
        return True
    if lowered in ("false", "f", "no", "n", "0"):
        return False
    raise ValueError("is not true or false")


_POSITIVE = _decimal(Decimal(0))
_AGE = _decimal(Decimal(0), strict=False)
_SEVERITY = _choice(*SEVERITIES)
_KIND = _choice("ingredient", "class")


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], Any] = _text
    required: bool = True
    default: Any = None


@dataclass(frozen=True)
class TableSpec:
    file: str
    table: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # the natural key (primary key or unique constraint)
    subjects: tuple[str, ...] = ()  # column prefixes of (kind, subject) pairs: "subject", "subject_a"
    class_refs: tuple[str, ...] = ()  # columns naming a class that must exist

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _subject_columns(prefix: str = "subject") -> tuple[Column, Column]:
    return Column(f"{prefix}_kind", _KIND), Column(prefix)


_SOURCE = Column("source")
_MESSAGE = Column("message")

SPECS: tuple[TableSpec, ...] = (
    TableSpec(
        "classes.csv",
        "clinical_classes",
        (
            Column("code", _code),
            Column("name"),
            Column("kind", _choice("therapeutic", "allergy", "epc")),
            Column("parent_code", _code, required=False),
            _SOURCE,
        ),
        ("code",),
        class_refs=("parent_code",),
    ),
    TableSpec(
        "ingredient_classes.csv",
        "clinical_ingredient_classes",
        (Column("ingredient", _ingredient), Column("class_code", _code), _SOURCE),
        ("ingredient", "class_code"),
        class_refs=("class_code",),
    ),
    TableSpec(
        "allergen_terms.csv",
        "clinical_allergen_terms",
        (Column("term", _lower), *_subject_columns(), _SOURCE),
        ("term", "subject_kind", "subject"),
        subjects=("subject",),
    ),
    TableSpec(
        "interactions.csv",
        "clinical_interactions",
        (
            *_subject_columns("subject_a"),
            *_subject_columns("subject_b"),
            Column("severity", _SEVERITY),
            Column("mechanism"),
            Column("management"),
            _SOURCE,
        ),
        ("subject_a_kind", "subject_a", "subject_b_kind", "subject_b"),
        subjects=("subject_a", "subject_b"),
    ),
    TableSpec(
        "dose_limits.csv",
        "clinical_dose_limits",
        (
            Column("ingredient", _ingredient),
            Column("route", _lower, required=False, default="any"),
            Column("release", _choice("any", "immediate", "extended"), required=False, default="any"),
            Column("age_min_years", _AGE, required=False, default=Decimal(0)),
            Column("age_max_years", _POSITIVE, required=False),
            Column("max_single_mg", _POSITIVE, required=False),
            Column("max_daily_mg", _POSITIVE, required=False),
            Column("max_single_mg_per_kg", _POSITIVE, required=False),
            Column("max_daily_mg_per_kg", _POSITIVE, required=False),
            Column("min_interval_hours", _POSITIVE, required=False),
            Column("weekly_only", _bool, required=False, default=False),
            Column("max_weekly_mg", _POSITIVE, required=False),
            Column("note", required=False),
            _SOURCE,
        ),
        ("ingredient", "route", "release", "age_min_years"),
    ),
    TableSpec(
        "condition_terms.csv",
        "clinical_condition_terms",
        (Column("term", _lower), Column("icd10_prefix", _icd10), _SOURCE),
        ("term",),
    ),
    TableSpec(
        "disease_rules.csv",
        "clinical_disease_rules",
        (
            *_subject_columns(),
            Column("icd10_prefix", _icd10),
            Column("condition_name"),
            Column("severity", _SEVERITY),
            _MESSAGE,
            _SOURCE,
        ),
        ("subject_kind", "subject", "icd10_prefix"),
        subjects=("subject",),
    ),
    TableSpec(
        "pregnancy_rules.csv",
        "clinical_pregnancy_rules",
        (
            *_subject_columns(),
            Column("state", _choice("pregnancy", "lactation")),
            Column("severity", _SEVERITY),
            _MESSAGE,
            _SOURCE,
        ),
        ("subject_kind", "subject", "state"),
        subjects=("subject",),
    ),
    TableSpec(
        "age_rules.csv",
        "clinical_age_rules",
        (
            *_subject_columns(),
            Column("age_min_years", _AGE, required=False),
            Column("age_max_years", _POSITIVE, required=False),
            Column("criteria", _choice("beers", "pediatric", "other")),
            Column("severity", _SEVERITY),
            _MESSAGE,
            _SOURCE,
        ),
        ("subject_kind", "subject", "criteria"),
        subjects=("subject",),
    ),
    TableSpec(
        "sex_rules.csv",
        "clinical_sex_rules",
        (*_subject_columns(), Column("sex", _choice("F", "M")), Column("severity", _SEVERITY), _MESSAGE, _SOURCE),
        ("subject_kind", "subject", "sex"),
        subjects=("subject",),
    ),
    TableSpec(
        "allergy_cross.csv",
        "clinical_allergy_cross",
        (Column("allergy_class", _code), *_subject_columns(), Column("severity", _SEVERITY), _MESSAGE, _SOURCE),
        ("allergy_class", "subject_kind", "subject"),
        subjects=("subject",),
        class_refs=("allergy_class",),
    ),
)
SOURCES_FILE = "sources.csv"
KNOWN_FILES = (SOURCES_FILE, *(s.file for s in SPECS))


@dataclass
class ParsedTable:
    spec: TableSpec
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
