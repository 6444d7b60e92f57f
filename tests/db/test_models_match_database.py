"""The ORM models and the migrated database describe the same tables, so they cannot drift apart.

Every mapped table and column exists in the database with the same type, nullability, default,
primary key, foreign keys, unique constraints and named indexes; and every table and column of
the seven schemas is mapped. The comparison is a pure function, and the last tests prove it
notices a drift.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine
from sqlalchemy.dialects import postgresql

import pharmacy_desktop.db.models as models
from pharmacy_desktop.config import normalize_url
from pharmacy_desktop.db.base import Base
from tests.conftest import create_database, drop_database

DIALECT = postgresql.dialect()


@pytest.fixture(scope="module")
def reflected(pg_server, template_db) -> MetaData:
    url = create_database(pg_server, template_db)
    engine = create_engine(normalize_url(url))
    try:
        metadata = MetaData()
        for schema in models.SCHEMAS:
            metadata.reflect(engine, schema=schema)
        return metadata
    finally:
        engine.dispose()
        drop_database(pg_server, url)


def _type(column: Column) -> str:
    return column.type.compile(dialect=DIALECT)


def _default(column: Column) -> str | None:
    """A comparable spelling of the server default: casts dropped, now() == CURRENT_TIMESTAMP."""
    server_default = column.server_default
    if server_default is None:
        return None
    arg = getattr(server_default, "arg", None)
    if arg is None:  # FetchedValue: the server fills it somehow (e.g. BIGSERIAL)
        return "<server>"
    spelled = arg if isinstance(arg, str) else str(arg.compile(dialect=DIALECT))
    spelled = getattr(arg, "text", spelled)
    if spelled.startswith("nextval("):
        return "<server>"
    spelled = re.sub(r"::[a-z ]+(\(\d+\))?", "", spelled).strip("() ")
    return "now" if spelled.lower() in {"now", "current_timestamp"} else spelled


def _defaults_match(model: Column, db: Column) -> bool:
    ours, theirs = _default(model), _default(db)
    if ours == "<server>":
        return theirs is not None
    return ours == theirs


def _foreign_keys(table: Table) -> set[tuple]:
    return {
        (
            tuple(el.parent.name for el in fk.elements),
            fk.elements[0].column.table.fullname,
            tuple(el.column.name for el in fk.elements),
            (fk.ondelete or "").upper() or None,
        )
        for fk in table.foreign_key_constraints
    }


def _uniques(table: Table) -> set[tuple[str, ...]]:
    from sqlalchemy import UniqueConstraint

    return {
        tuple(sorted(c.name for c in constraint.columns))
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    }


def _indexes(table: Table) -> dict[str, tuple[tuple[str, ...], bool]]:
    return {index.name: (tuple(c.name for c in index.columns), bool(index.unique)) for index in table.indexes}


def _checks(table: Table) -> set[str]:
    from sqlalchemy import CheckConstraint

    return {c.name for c in table.constraints if isinstance(c, CheckConstraint)}


def diff(mapped: MetaData, database: MetaData) -> list[str]:
    """Every difference between the mapped tables and the database's tables, one line each."""
    problems: list[str] = []
    for name in sorted(set(database.tables) - set(mapped.tables)):
        problems.append(f"{name}: table in the database is not mapped")
    for name, table in sorted(mapped.tables.items()):
        db_table = database.tables.get(name)
        if db_table is None:
            problems.append(f"{name}: mapped table missing from the database")
            continue
        for column_name in sorted(set(db_table.c.keys()) - set(table.c.keys())):
            problems.append(f"{name}.{column_name}: column in the database is not mapped")
        for column in table.columns:
            db_column = db_table.c.get(column.name)
            where = f"{name}.{column.name}"
            if db_column is None:
                problems.append(f"{where}: mapped column missing from the database")
                continue
            if _type(column) != _type(db_column):
                problems.append(f"{where}: type {_type(column)} in the model, {_type(db_column)} in the database")
            if column.nullable != db_column.nullable:
                problems.append(
                    f"{where}: nullable={column.nullable} in the model, {db_column.nullable} in the database"
                )
            if not _defaults_match(column, db_column):
                problems.append(
                    f"{where}: default {_default(column)!r} in the model, {_default(db_column)!r} in the database"
                )
        ours, theirs = [c.name for c in table.primary_key], [c.name for c in db_table.primary_key]
        if sorted(ours) != sorted(theirs):
            problems.append(f"{name}: primary key {ours} in the model, {theirs} in the database")
        if _foreign_keys(table) != _foreign_keys(db_table):
            problems.append(
                f"{name}: foreign keys {_foreign_keys(table)} in the model, {_foreign_keys(db_table)} in the database"
            )
        if _uniques(table) != _uniques(db_table):
            problems.append(
                f"{name}: unique columns {_uniques(table)} in the model, {_uniques(db_table)} in the database"
            )
        if _indexes(table) != _indexes(db_table):
            problems.append(f"{name}: indexes {_indexes(table)} in the model, {_indexes(db_table)} in the database")
        if _checks(table) != _checks(db_table):
            problems.append(f"{name}: checks {_checks(table)} in the model, {_checks(db_table)} in the database")
    return problems


def test_the_seven_schemas_are_all_mapped(reflected):
    assert {t.schema for t in Base.metadata.tables.values()} == set(models.SCHEMAS)
    assert {t.schema for t in reflected.tables.values()} == set(models.SCHEMAS)
    # the design document's 33 tables at least; later revisions may add more
    assert len(Base.metadata.tables) >= 33


# audit.py declares no Index objects (its indexes exist in the database, from revision 0001).
# Drop an entry once the model declares them; the second assertion below says when.
INDEXES_NOT_DECLARED = ("audit_schema.access_logs", "audit_schema.domain_events")


def _known_gap(problem: str) -> bool:
    table, _, rest = problem.partition(": ")
    return table in INDEXES_NOT_DECLARED and rest.startswith("indexes {} in the model")


def _without_known_gaps(problems: list[str]) -> list[str]:
    return [p for p in problems if not _known_gap(p)]


def test_models_match_the_migrated_database(reflected):
    problems = diff(Base.metadata, reflected)
    assert _without_known_gaps(problems) == []
    assert len([p for p in problems if _known_gap(p)]) == len(INDEXES_NOT_DECLARED), (
        "an audit model now declares its indexes: remove it from INDEXES_NOT_DECLARED"
    )


def _tampered() -> MetaData:
    copy = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(copy)
    patients = copy.tables["patient_schema.patients"]
    patients.c.first_name.type = String(50)
    patients.c.phone_primary.nullable = True
    patients.append_column(Column("nickname", String(40)))
    copy.tables["prescription_schema.prescriptions"].c.status.server_default = None
    copy.remove(copy.tables["billing_schema.discounts"])
    return copy


def test_the_comparison_notices_drift(reflected):
    problems = _without_known_gaps(diff(_tampered(), reflected))
    assert problems == [
        "billing_schema.discounts: table in the database is not mapped",
        "patient_schema.patients.first_name: type VARCHAR(50) in the model, VARCHAR(100) in the database",
        "patient_schema.patients.phone_primary: nullable=True in the model, False in the database",
        "patient_schema.patients.nickname: mapped column missing from the database",
        "prescription_schema.prescriptions.status: default None in the model, \"'received'\" in the database",
    ]


def test_the_comparison_notices_an_unmapped_column(reflected):
    copy = MetaData()
    for table in reflected.tables.values():
        table.to_metadata(copy)
    copy.tables["inventory_schema.inventory_batches"].append_column(Column("shelf", Integer))
    assert _without_known_gaps(diff(Base.metadata, copy)) == [
        "inventory_schema.inventory_batches.shelf: column in the database is not mapped"
    ]
