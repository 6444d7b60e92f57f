"""Reading and validating a folder of clinical knowledge CSV files (format: ``db/clinical_format.py``,
docs/CLINICAL_DATA.md): every row is checked before anything is written; the problems are listed with
their file and line."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pharmacy_desktop.db.clinical_format import (
    CLASS_CODE,
    KNOWN_FILES,
    SOURCES_FILE,
    SPECS,
    ClinicalDataError,
    ParsedTable,
    TableSpec,
)
from pharmacy_desktop.domain.dur_facts import normalize_ingredient

MAX_REPORTED = 20  # problems listed in one refusal

# ---------------------------------------------------------------------------------------------
# Reading and validating


def checksum_of(path: Path) -> str:
    """SHA-256 over the known files of ``path`` (name and bytes, in name order)."""
    digest = hashlib.sha256()
    for name in sorted(KNOWN_FILES):
        file = path / name
        if file.is_file():
            digest.update(name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def _read_csv(file: Path, expected: tuple[str, ...], problems: list[str]) -> list[tuple[int, dict[str, str]]]:
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(f"{file.name}: not UTF-8 text (byte {exc.start})")
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        problems.append(f"{file.name}: empty file (a header row is required: {','.join(expected)})")
        return []
    header = [h.strip() for h in header]
    if tuple(header) != expected:
        missing = [c for c in expected if c not in header]
        extra = [c for c in header if c not in expected]
        detail = "; ".join(
            part
            for part in (
                f"missing {', '.join(missing)}" if missing else "",
                f"unknown {', '.join(extra)}" if extra else "",
                "columns in another order" if not missing and not extra else "",
            )
            if part
        )
        problems.append(f"{file.name} line 1: the header must be exactly {','.join(expected)} ({detail})")
        return []
    rows = []
    for record in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(expected):
            problems.append(f"{file.name} line {line}: {len(record)} cells, the header has {len(expected)}")
            continue
        rows.append((line, {name: cell.strip() for name, cell in zip(expected, record, strict=True)}))
    return rows


def _parse_table(spec: TableSpec, raw: list[tuple[int, dict[str, str]]], problems: list[str]) -> ParsedTable:
    parsed = ParsedTable(spec)
    seen: dict[tuple[Any, ...], int] = {}
    for line, cells in raw:
        values: dict[str, Any] = {}
        ok = True
        for column in spec.columns:
            cell = cells[column.name]
            if cell == "":
                if column.required:
                    problems.append(f"{spec.file} line {line}: {column.name} is empty (required)")
                    ok = False
                values[column.name] = column.default
                continue
            try:
                values[column.name] = column.parse(cell)
            except ValueError as exc:
                problems.append(f"{spec.file} line {line}: {column.name} {cell!r} {exc}")
                ok = False
        if not ok:
            continue
        for prefix in spec.subjects:  # an ingredient subject in normalize_ingredient form
            if values[f"{prefix}_kind"] == "ingredient":
                values[prefix] = normalize_ingredient(values[prefix])
            elif not CLASS_CODE.match(values[prefix]):
                problems.append(f"{spec.file} line {line}: {prefix} {values[prefix]!r} is not a class code")
                ok = False
        ok = ok and _row_rules(spec, values, line, problems)
        if not ok:
            continue
        if spec.table == "clinical_interactions":  # one order per pair: (b, a) repeats (a, b)
            a = (values["subject_a_kind"], values["subject_a"])
            b = (values["subject_b_kind"], values["subject_b"])
            if a == b:
                problems.append(f"{spec.file} line {line}: an interaction needs two different subjects")
                continue
            if b < a:
                values["subject_a_kind"], values["subject_a"], values["subject_b_kind"], values["subject_b"] = (
                    *b,
                    *a,
                )
        key = tuple(values[k] for k in spec.key)
        if key in seen:
            problems.append(f"{spec.file} line {line}: repeats line {seen[key]} ({', '.join(map(str, key))})")
            continue
        seen[key] = line
        parsed.rows.append(tuple(values[c] for c in spec.names))
        parsed.lines.append(line)
    return parsed


def _row_rules(spec: TableSpec, values: dict[str, Any], line: int, problems: list[str]) -> bool:
    """Rules across the cells of one row (the table's CHECK constraints, said in words)."""
    where = f"{spec.file} line {line}"
    if spec.table == "clinical_dose_limits":
        limits = ("max_single_mg", "max_daily_mg", "max_single_mg_per_kg", "max_daily_mg_per_kg", "max_weekly_mg")
        if all(values[c] is None for c in (*limits, "min_interval_hours")) and not values["weekly_only"]:
            problems.append(f"{where}: a dose limit needs at least one limit, an interval or weekly_only")
            return False
    if spec.table in ("clinical_dose_limits", "clinical_age_rules"):
        low, high = values["age_min_years"], values["age_max_years"]
        if spec.table == "clinical_age_rules" and low is None and high is None:
            problems.append(f"{where}: an age rule needs age_min_years or age_max_years")
            return False
        if low is not None and high is not None and high <= low:
            problems.append(f"{where}: age_max_years must be above age_min_years")
            return False
    if spec.table == "clinical_classes" and values["parent_code"] == values["code"]:
        problems.append(f"{where}: a class cannot be its own parent")
        return False
    return True


def read_directory(path: Path, known_classes: Iterable[str] = ()) -> tuple[tuple[str, str], list[ParsedTable]]:
    """Validate every file of ``path``: ((source name, description), tables). Raises
    :class:`ClinicalDataError` listing the problems (file and line) when any row is wrong.
    ``known_classes``: class codes already in the database (a partial import may refer to them)."""
    if not path.is_dir():
        raise ClinicalDataError(f"{path} is not a folder of clinical CSV files.")
    problems: list[str] = []
    present = {p.name for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".csv"}
    unknown = sorted(present - set(KNOWN_FILES))
    if unknown:
        problems.append(f"unknown file(s) {', '.join(unknown)}: the files are {', '.join(KNOWN_FILES)}")
    if SOURCES_FILE not in present:
        raise ClinicalDataError(
            f"{path} has no {SOURCES_FILE} (one row: name,description naming this data set); nothing was loaded."
        )
    sources = _read_csv(path / SOURCES_FILE, ("name", "description"), problems)
    source = ("", "")
    if len(sources) != 1:
        problems.append(f"{SOURCES_FILE}: exactly one row naming the data set is needed (found {len(sources)})")
    elif not sources[0][1]["name"] or len(sources[0][1]["name"]) > 100:
        problems.append(f"{SOURCES_FILE} line {sources[0][0]}: name is empty or longer than 100 characters")
    else:
        source = (sources[0][1]["name"], sources[0][1]["description"])
    tables = []
    for spec in SPECS:
        if spec.file in present:
            tables.append(_parse_table(spec, _read_csv(path / spec.file, spec.names, problems), problems))
    if not problems:
        _check_class_references(tables, set(known_classes), problems)
    if problems:
        shown = problems[:MAX_REPORTED]
        more = f"\n... and {len(problems) - MAX_REPORTED} more" if len(problems) > MAX_REPORTED else ""
        raise ClinicalDataError(f"{path}: {len(problems)} problem(s); nothing was loaded:\n" + "\n".join(shown) + more)
    return source, tables


def _check_class_references(tables: list[ParsedTable], known: set[str], problems: list[str]) -> None:
    classes = set(known)
    for table in tables:
        if table.spec.table == "clinical_classes":
            classes |= {row[0] for row in table.rows}
    for table in tables:
        names = table.spec.names
        for row, line in zip(table.rows, table.lines, strict=True):
            refs = [names.index(c) for c in table.spec.class_refs]
            refs += [names.index(p) for p in table.spec.subjects if row[names.index(f"{p}_kind")] == "class"]
            for i in refs:
                if row[i] is not None and row[i] not in classes:
                    problems.append(
                        f"{table.spec.file} line {line}: class {row[i]!r} is not in classes.csv nor in the database"
                    )
