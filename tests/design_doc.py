"""Parse the database design document into the tables, columns and indexes it names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO.parent / "shared"  # the project's shared/ folder sits beside the checkout (CI too)
SHARED = SHARED_DIR / "seeds" / "000_6be8ba39444b26a2.txt"
COPY = REPO / "docs" / "database-design.md"


@dataclass
class Column:
    name: str
    type: str
    not_null: bool
    default: str | None
    unique: bool


@dataclass
class Table:
    schema: str
    name: str
    columns: dict[str, Column] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)
    primary_key: tuple[str, ...] = ()


@dataclass
class Design:
    schemas: list[str]
    tables: dict[tuple[str, str], Table]
    indexes: dict[str, tuple[str, str, tuple[str, ...]]]  # name -> (schema, table, columns)
    views: list[tuple[str, str]]


def document_text() -> str:
    return (SHARED if SHARED.exists() else COPY).read_text(encoding="utf-8")


def _sql_blocks(text: str) -> list[str]:
    return re.findall(r"```sql\n(.*?)```", text, re.S)


def _split_top_level(body: str) -> list[str]:
    parts, depth, current = [], 0, []
    for ch in body:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def parse(text: str | None = None) -> Design:
    text = text or document_text()
    blocks = [b for b in _sql_blocks(text) if "PARTITION OF" not in b]
    sql = "\n".join(re.sub(r"--[^\n]*", "", b) for b in blocks)
    schemas = re.findall(r"CREATE SCHEMA (\w+);", sql)
    tables: dict[tuple[str, str], Table] = {}
    for match in re.finditer(r"CREATE TABLE (\w+)\.(\w+) \((.*?)\n\);", sql, re.S):
        schema, name, body = match.groups()
        table = Table(schema, name)
        for item in _split_top_level(body):
            upper = item.upper()
            if re.match(r"CHECK\s*\(", upper):
                table.checks.append(item)
                continue
            if upper.startswith("PRIMARY KEY"):
                table.primary_key = tuple(c.strip() for c in re.search(r"\((.*)\)", item).group(1).split(","))
                continue
            col = re.match(r"(\w+)\s+(.+)", item, re.S)
            col_name, rest = col.group(1), " ".join(col.group(2).split())
            type_ = re.match(
                r"([A-Z]+(?: WITH TIME ZONE| PRECISION)?(?:\s*\(\s*\d+(?:\s*,\s*\d+)?\s*\))?)", rest
            ).group(1)
            default = re.search(r"DEFAULT (\S+(?:\(\))?)", rest)
            table.columns[col_name] = Column(
                name=col_name,
                type=type_,
                not_null="NOT NULL" in rest or "PRIMARY KEY" in rest,
                default=default.group(1) if default else None,
                unique="UNIQUE" in rest,
            )
        tables[(schema, name)] = table
    indexes = {
        m.group(1): (m.group(2), m.group(3), tuple(c.strip() for c in m.group(4).split(",")))
        for m in re.finditer(r"CREATE INDEX (\w+) ON (\w+)\.(\w+)\(([^)]*)\);", sql)
    }
    views = re.findall(r"CREATE MATERIALIZED VIEW (\w+)\.(\w+)", sql)
    return Design(schemas, tables, indexes, views)
