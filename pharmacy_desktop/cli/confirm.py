"""Commands that delete name the database they are about to change, and ask first.

    about to downgrade to base the database pharmacy on db.pharmacy.local:5432
      (from --database-url; revision 0007; 3 users, 50 patients, 212 prescriptions)
    Type the database name (pharmacy) to go on; anything else stops:

On a terminal the person types the database's name (not just "y": the name is what they must
read). Scripts say ``--yes``. With no terminal and no ``--yes`` the command refuses: a cron job
or a pipe must never reach a question nobody sees.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TextIO

from pharmacy_desktop.errors import PharmacyError

# the tables whose row counts tell a person which pharmacy this is
KEY_TABLES = (
    ("users", "user_schema.users"),
    ("patients", "patient_schema.patients"),
    ("prescriptions", "prescription_schema.prescriptions"),
)


class NotConfirmed(PharmacyError):
    pass


@dataclass
class Target:
    host: str
    port: int
    database: str
    source: str
    revision: str | None
    counts: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        rows = ", ".join(f"{n} {name}" for name, n in self.counts.items()) or "no application tables"
        return (
            f"the database {self.database} on {self.host}:{self.port} (from {self.source}; "
            f"revision {self.revision or 'base (empty)'}; {rows})"
        )


def inspect_target(url: str, source: str) -> Target:
    """Where ``url`` points, read from the server itself: revision and key row counts."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from pharmacy_desktop import config as config_mod
    from pharmacy_desktop.db.engine import make_engine

    parts = make_url(config_mod.normalize_url(url))
    engine = make_engine(url, sslmode=config_mod.load().sslmode, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as conn:
            database = conn.execute(text("SELECT current_database()")).scalar_one()
            revision = None
            if conn.execute(text("SELECT to_regclass('public.alembic_version')")).scalar() is not None:
                revision = conn.execute(text("SELECT version_num FROM public.alembic_version")).scalar()
            counts = {}
            for name, table in KEY_TABLES:
                if conn.execute(text("SELECT to_regclass(:t)"), {"t": table}).scalar() is not None:
                    counts[name] = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    finally:
        engine.dispose()
    host = parts.host or parts.query.get("host") or "localhost"
    return Target(
        host=str(host), port=parts.port or 5432, database=database, source=source, revision=revision, counts=counts
    )


def confirm_destructive(
    action: str, url: str, source: str, *, yes: bool, stdin: TextIO | None = None, stderr: TextIO | None = None
) -> Target:
    """Say what is about to happen to which database; return only if the person (or --yes) agrees."""
    stdin = stdin or sys.stdin
    stderr = stderr or sys.stderr
    target = inspect_target(url, source)
    print(f"About to {action} {target.describe()}.", file=stderr)
    if yes:
        return target
    if not stdin.isatty():
        raise NotConfirmed(
            f"refusing to {action} {target.database} on {target.host}:{target.port} without a confirmation: "
            "there is no terminal to ask on. Check that this is the database you mean and run the command "
            "again with --yes. Nothing was changed."
        )
    stderr.write(f"Type the database name ({target.database}) to go on; anything else stops: ")
    stderr.flush()
    answer = stdin.readline().strip()
    if answer != target.database:
        raise NotConfirmed(f"not confirmed (typed {answer!r}, not {target.database!r}); nothing was changed.")
    return target
