"""Clinical knowledge CSV files into the ``clinical_*`` tables (revision 0013), and the curated seed.

The format (one CSV per table, header row, UTF-8, empty cell = NULL) is documented in
``docs/CLINICAL_DATA.md``; ``resources/clinical/`` holds the curated seed in it, and a licensed feed
(FDB, Medi-Span, Multum) mapped into the same files is loaded with ``pharmacy-desktop clinical
import DIR``. Every row is validated before anything is written; a bad row is refused with its file
and line. Rows are staged with COPY and written set-based (``INSERT ... ON CONFLICT DO UPDATE`` on
each table's natural key), in one transaction on one psycopg connection.

- :func:`load_directory`: load a folder (``replace=True`` empties every clinical table first).
- :func:`ensure_seed`: load ``resources/clinical/`` when its checksum differs from the one
  recorded (called at the end of ``db.migrate.upgrade``: every migrated database, the test template
  and the embedded server carry the seed).
- :func:`derive_epc_classes`: FDA established pharmacologic classes (``[EPC]`` entries of
  ``drug_products.pharm_classes``) as ``epc:<class>`` classes of each single-ingredient product's
  ingredient; called by the catalog import and by :func:`load_directory`.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from pharmacy_desktop import paths
from pharmacy_desktop.db.clinical_csv import checksum_of, read_directory
from pharmacy_desktop.db.clinical_format import KNOWN_FILES, SOURCES_FILE, SPECS, ClinicalDataError, ParsedTable
from pharmacy_desktop.domain.dur_facts import normalize_ingredient

__all__ = [
    "KNOWN_FILES",
    "SPECS",
    "ClinicalDataError",
    "LoadSummary",
    "checksum_of",
    "derive_epc_classes",
    "ensure_seed",
    "load_directory",
    "read_directory",
]

log = logging.getLogger(__name__)

SCHEMA = "prescription_schema"
SEED_DIR = paths.clinical_seed_dir()
EPC_SOURCE = "FDA NDC Directory: PHARM_CLASSES [EPC]"
_LOCK_KEY = 0x5048_434C_494E  # one clinical load at a time ("PHCLIN")
_CLASS_SPLIT = re.compile(r"(?<=\]),\s*")
_EPC_TAG = re.compile(r"\s*\[EPC\]\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class LoadSummary:
    source: str
    checksum: str
    counts: dict[str, int]  # file -> rows loaded
    replaced: bool
    epc_classes: int  # ingredient -> EPC class rows derived from the catalog

    @property
    def row_count(self) -> int:
        return sum(self.counts.values())


# ---------------------------------------------------------------------------------------------
# Writing


_DELETE_ORDER = (
    "clinical_allergy_cross",
    "clinical_sex_rules",
    "clinical_age_rules",
    "clinical_pregnancy_rules",
    "clinical_disease_rules",
    "clinical_condition_terms",
    "clinical_dose_limits",
    "clinical_interactions",
    "clinical_allergen_terms",
    "clinical_ingredient_classes",
    "clinical_classes",
    "clinical_sources",
)


def _table(name: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(SCHEMA), sql.Identifier(name))


def _write(cur: psycopg.Cursor[Any], table: ParsedTable) -> None:
    spec = table.spec
    cols = sql.SQL(", ").join(map(sql.Identifier, spec.names))
    cur.execute(
        sql.SQL("CREATE TEMP TABLE clinical_stage ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA").format(
            cols, _table(spec.table)
        )
    )
    with cur.copy(sql.SQL("COPY clinical_stage ({}) FROM STDIN").format(cols)) as copy:
        for row in table.rows:
            copy.write_row(row)
    updates = [c for c in spec.names if c not in spec.key]
    cur.execute(
        sql.SQL("INSERT INTO {} ({}) SELECT {} FROM clinical_stage ON CONFLICT ({}) DO UPDATE SET {}").format(
            _table(spec.table),
            cols,
            cols,
            sql.SQL(", ").join(map(sql.Identifier, spec.key)),
            sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in updates),
        )
    )
    cur.execute("DROP TABLE clinical_stage")


def load_directory(conn: psycopg.Connection[Any], path: Path | str, *, replace: bool) -> LoadSummary:
    """Validate and load the CSV files of ``path`` in one transaction (committed here).

    ``replace=True`` empties every clinical table first (the folder becomes all the knowledge);
    otherwise rows are added or updated by their natural key and other rows stay. The EPC classes
    derived from the catalog are written again afterwards either way."""
    path = Path(path)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            known: list[str] = []
            if not replace:
                known = [r[0] for r in cur.execute(f"SELECT code FROM {SCHEMA}.clinical_classes")]  # noqa: S608
            (name, description), tables = read_directory(path, known)
            if replace:
                for table in _DELETE_ORDER:
                    cur.execute(sql.SQL("DELETE FROM {}").format(_table(table)))
            for parsed in tables:
                _write(cur, parsed)
            counts = {t.spec.file: len(t.rows) for t in tables}
            checksum = checksum_of(path)
            cur.execute(
                f"INSERT INTO {SCHEMA}.clinical_sources (name, description, checksum, row_count) "  # noqa: S608
                "VALUES (%s, %s, %s, %s) ON CONFLICT (name) DO UPDATE SET description = EXCLUDED.description, "
                "checksum = EXCLUDED.checksum, row_count = EXCLUDED.row_count, loaded_at = now()",
                (name, description, checksum, sum(counts.values())),
            )
            epc = derive_epc_classes(cur)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    log.info("clinical knowledge %s loaded: %d rows, %d EPC class links", name, sum(counts.values()), epc)
    return LoadSummary(name, checksum, counts, replace, epc)


def seed_name(path: Path = SEED_DIR) -> str | None:
    """The data set name of the seed's sources.csv (None when the seed is not there)."""
    file = path / SOURCES_FILE
    if not file.is_file():
        return None
    rows = list(csv.DictReader(io.StringIO(file.read_text(encoding="utf-8-sig"))))
    return rows[0]["name"].strip() if rows and rows[0].get("name") else None


def ensure_seed(conn: psycopg.Connection[Any], path: Path = SEED_DIR) -> LoadSummary | None:
    """Load the curated seed when its checksum differs from the recorded one; None when nothing
    was done (already loaded, no seed folder, or a database before revision 0013).

    Only the seed (or nothing) loaded: the seed replaces the knowledge (rows it dropped go).
    A licensed feed merged over the seed: the seed's rows are added or updated and the feed's stay.
    A feed that replaced the knowledge (``clinical import --replace``, the seed no longer recorded):
    the seed is left out."""
    name = seed_name(path)
    if name is None:
        log.warning("no clinical seed in %s: the clinical checks will say they could not decide", path)
        return None
    row = conn.execute("SELECT to_regclass(%s)", (f"{SCHEMA}.clinical_sources",)).fetchone()
    if row is None or row[0] is None:
        return None
    loaded = dict(conn.execute(f"SELECT name, checksum FROM {SCHEMA}.clinical_sources").fetchall())  # noqa: S608
    conn.commit()
    if loaded.get(name) == checksum_of(path):
        return None
    others = set(loaded) - {name}
    if others and name not in loaded:
        log.info("clinical knowledge replaced by %s: the curated seed is left out", ", ".join(sorted(others)))
        return None
    return load_directory(conn, path, replace=not others)


# ---------------------------------------------------------------------------------------------
# FDA established pharmacologic classes from the catalog


def epc_classes_of(pharm_classes: str | None) -> list[str]:
    """The ``[EPC]`` entries of an FDA PHARM_CLASSES cell, untagged."""
    if not pharm_classes:
        return []
    parts = (c.strip() for c in _CLASS_SPLIT.split(pharm_classes))
    return list(dict.fromkeys(_EPC_TAG.sub("", c).strip() for c in parts if _EPC_TAG.search(c)))


def derive_epc_classes(cur: psycopg.Cursor[Any]) -> int:
    """``epc:<class>`` classes and ingredient links for every single-ingredient catalog product with
    ``[EPC]`` classes (a combination product's classes belong to one of its ingredients, which the
    file does not say: those come from the curated data). Returns the ingredient links written."""
    rows = cur.execute(
        f"SELECT DISTINCT substance_name, pharm_classes FROM {SCHEMA}.drug_products "  # noqa: S608
        "WHERE pharm_classes LIKE '%[EPC]%' AND substance_name IS NOT NULL AND position(';' IN substance_name) = 0"
    ).fetchall()
    classes: dict[str, str] = {}
    links: set[tuple[str, str]] = set()
    for substance, pharm in rows:
        ingredient = normalize_ingredient(substance)
        if not ingredient:
            continue
        for epc in epc_classes_of(pharm):
            code = f"epc:{epc}"[:120]
            classes[code] = epc[:200]
            links.add((ingredient[:200], code))
    if not links:
        return 0
    cur.execute("CREATE TEMP TABLE epc_stage (ingredient TEXT, code TEXT, name TEXT) ON COMMIT DROP")
    with cur.copy("COPY epc_stage (ingredient, code, name) FROM STDIN") as copy:
        for ingredient, code in links:
            copy.write_row((ingredient, code, classes[code]))
    cur.execute(
        f"INSERT INTO {SCHEMA}.clinical_classes (code, name, kind, source) "  # noqa: S608
        "SELECT DISTINCT code, name, 'epc', %s FROM epc_stage ON CONFLICT (code) DO NOTHING",
        (EPC_SOURCE,),
    )
    written = cur.execute(
        f"INSERT INTO {SCHEMA}.clinical_ingredient_classes (ingredient, class_code, source) "  # noqa: S608
        "SELECT ingredient, code, %s FROM epc_stage ON CONFLICT DO NOTHING",
        (EPC_SOURCE,),
    ).rowcount
    cur.execute("DROP TABLE epc_stage")
    return len(links) if written < 0 else written
