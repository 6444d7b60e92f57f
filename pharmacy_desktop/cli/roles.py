"""`pharmacy-desktop db create-roles`: two database roles instead of the superuser the server was set up with.

- the *owner* owns the database, the seven schemas and everything in them: migrations run as it;
- the *application* role, which every workstation connects as, may read and write rows and use
  sequences, nothing else: no DROP, ALTER, TRUNCATE, CREATE; roles/permissions are read-only (a
  migration seeds them); Alembic's ``alembic_version`` is out of its reach. Audit rows, accounts'
  roles, credentials and lockout fields are written only through revision 0008's functions, and
  patients, users and prescriptions are never hard-deleted (pharmacy_desktop/db/grants.py).

Default privileges make tables that later migrations create (as the owner) reachable by the
application role. Passwords are random, stored only in the secret store (pharmacy_desktop.keyring_store:
the OS keyring, else an encrypted file) and sent to the server as SCRAM verifiers, so no plaintext
reaches the server's statement log.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import os
import secrets
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit, urlunsplit

from pharmacy_desktop.cli.confirm import NotConfirmed
from pharmacy_desktop.cli.options import raw_url

if TYPE_CHECKING:
    import psycopg

SCHEMAS = (
    "user_schema",
    "patient_schema",
    "prescription_schema",
    "inventory_schema",
    "billing_schema",
    "notification_schema",
    "audit_schema",
)
APPEND_ONLY = {"audit_schema": ("domain_events", "access_logs")}
READ_ONLY = {"user_schema": ("roles", "permissions", "role_permissions")}
DEFAULT_OWNER = "pharmacy_schema_owner"
DEFAULT_APP = "pharmacy_app"


def register(db_actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`db create-roles`, beside the other `db` actions (cli/db.py)."""
    roles = db_actions.add_parser(
        "create-roles",
        help="create the owner role (migrations) and the least-privilege application role; passwords go to the keyring",
    )
    roles.add_argument("--owner-role", default=DEFAULT_OWNER)
    roles.add_argument("--app-role", default=DEFAULT_APP)
    roles.add_argument(
        "--configure", action="store_true", help="also make this workstation connect as the application role"
    )
    roles.add_argument(
        "--reset-password",
        "--yes",
        dest="reset_password",
        action="store_true",
        help="a role that exists but whose password this computer does not have gets a new one without asking "
        "(every workstation connecting as it must then store the new one); without a terminal to ask on, required",
    )
    roles.set_defaults(handler=cmd_create_roles)


# -- db create-roles ----------------------------------------------------------------------------


def scram_verifier(password: str, *, iterations: int = 4096, salt: bytes | None = None) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores (RFC 7677), computed here."""
    salt = salt or os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def url_as(url: str, role: str) -> str:
    """``url`` for another role, without a password (it lives in the keyring)."""
    from pharmacy_desktop.config import normalize_url

    parts = urlsplit(normalize_url(url))
    netloc = f"{role}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum() or not name[0].isalpha():
        raise SystemExit(f"error: {name!r} is not a plain role name (letters, digits, underscores)")
    return f'"{name}"'


ConfirmReset = Callable[[Sequence[str], str], None]  # (roles, where): returns to go on, raises NotConfirmed to stop


def create_roles(
    admin_url: str, owner: str = DEFAULT_OWNER, app: str = DEFAULT_APP, *, confirm_reset: ConfirmReset | None = None
) -> dict[str, str]:
    """Create or update both roles on the database of ``admin_url`` (a superuser or CREATEROLE
    owner); returns role -> URL without password. Idempotent: re-running re-applies the grants and
    keeps the passwords already in the keyring.

    A role that exists already but whose password this computer's secret store lacks (another
    workstation made it, or another database of the server) would get a new password, and every
    workstation connecting as it would lose access: ``confirm_reset(roles, where)`` is asked first
    and stops everything by raising; without it, refused (``NotConfirmed``). Nothing is changed
    before the answer."""
    from pharmacy_desktop.config import secret_key_for
    from pharmacy_desktop.db import connect
    from pharmacy_desktop.db.grants import restrict_app_role
    from pharmacy_desktop.keyring_store import get_secret, set_secret

    o, a = _ident(owner), _ident(app)
    urls = {owner: url_as(admin_url, owner), app: url_as(admin_url, app)}
    with connect.connect(admin_url, autocommit=True) as conn:  # the URL's sslmode applies
        dbname = conn.info.dbname
        db = f'"{dbname}"'
        known = {role: get_secret(secret_key_for(url)) for role, url in urls.items()}
        existing = {
            row[0] for row in conn.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (list(urls),))
        }
        unknown = [role for role in urls if role in existing and known[role] is None]
        if unknown:
            (confirm_reset or refuse_reset)(unknown, f"{conn.info.host}:{conn.info.port} (database {dbname})")
        for role, url in urls.items():
            key = secret_key_for(url)
            password = known[role] or secrets.token_urlsafe(24)
            verifier = scram_verifier(password)
            verb = "ALTER" if role in existing else "CREATE"
            conn.execute(
                f"{verb} ROLE {_ident(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
                f"PASSWORD '{verifier}'"
            )
            set_secret(key, password)
        with conn.transaction():
            row = conn.execute("SELECT rolname, rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
            assert row is not None  # the current user is a role
            me, superuser = row
            if not superuser:  # a CREATEROLE owner must be a member to hand its objects over
                conn.execute(f"GRANT {o} TO {_ident(me)}")
            conn.execute(f"ALTER DATABASE {db} OWNER TO {o}")
            conn.execute(f"REVOKE ALL ON DATABASE {db} FROM PUBLIC")
            conn.execute(f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {a}")
            conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
            conn.execute(f"GRANT USAGE ON SCHEMA public TO {a}")
            _hand_over(conn, o)
            if _has_alembic(conn):
                conn.execute(f"REVOKE ALL ON TABLE public.alembic_version FROM PUBLIC, {a}")
            for schema in SCHEMAS:
                s = f'"{schema}"'
                conn.execute(f"ALTER SCHEMA {s} OWNER TO {o}")
                conn.execute(f"REVOKE ALL ON SCHEMA {s} FROM PUBLIC")
                conn.execute(f"GRANT USAGE ON SCHEMA {s} TO {a}")
                table_rights = "SELECT, INSERT" if schema in APPEND_ONLY else "SELECT, INSERT, UPDATE, DELETE"
                conn.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {a}")
                conn.execute(f"GRANT {table_rights} ON ALL TABLES IN SCHEMA {s} TO {a}")
                for table in READ_ONLY.get(schema, ()):
                    conn.execute(f'REVOKE INSERT, UPDATE, DELETE ON {s}."{table}" FROM {a}')
                conn.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {a}")
                conn.execute(f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {s} TO {a}")
                conn.execute(
                    f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA {s} GRANT {table_rights} ON TABLES TO {a}"
                )
                conn.execute(
                    f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA {s} GRANT USAGE, SELECT ON SEQUENCES TO {a}"
                )
            restrict_app_role(conn, a, SCHEMAS)  # what only revision 0008's functions may write
            # inventory_summary is refreshed through revision 0014's refresh_inventory_summary(), a SECURITY
            # DEFINER function: handed over to the owner above, EXECUTE granted with the schema's functions
            if conn.info.server_version >= 170000:  # MAINTAIN: refresh the typo list without owning it
                conn.execute(f"GRANT MAINTAIN ON prescription_schema.drug_words TO {a}")
    return urls


def _has_alembic(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute("SELECT to_regclass('public.alembic_version') IS NOT NULL").fetchone()
    return row is not None and bool(row[0])


def _hand_over(conn: psycopg.Connection[Any], owner: str) -> None:
    """The owner role owns every table, view, sequence and function of the seven schemas and Alembic's table."""
    kinds = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE", "f": "FOREIGN TABLE"}
    rows = conn.execute(
        "SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE (n.nspname = ANY(%s) OR (n.nspname = 'public' AND c.relname = 'alembic_version')) "
        "AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
        # sequences owned by a column follow their table
        "AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))",
        (list(SCHEMAS),),
    ).fetchall()
    for schema, name, kind in rows:
        conn.execute(f'ALTER {kinds[kind]} "{schema}"."{name}" OWNER TO {owner}')
    functions = conn.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')",
        (list(SCHEMAS),),
    ).fetchall()
    for (signature,) in functions:
        conn.execute(f"ALTER ROUTINE {signature} OWNER TO {owner}")


def reset_warning(roles: Sequence[str], where: str) -> str:
    names = ", ".join(roles)
    return (
        f"The role{'s' if len(roles) > 1 else ''} {names} already exist{'' if len(roles) > 1 else 's'} on {where}, "
        "and this computer's secret store has no password for "
        f"{'them' if len(roles) > 1 else 'it'}. Going on gives {'them' if len(roles) > 1 else 'it'} a NEW password: "
        "every workstation (and service) that connects as it loses access until 'pharmacy-desktop db connect' "
        "stores the new password there."
    )


def refuse_reset(roles: Sequence[str], where: str) -> None:
    """``confirm_reset`` with nobody to ask: nothing is changed."""
    raise NotConfirmed(
        f"{reset_warning(roles, where)} Refused without a confirmation. To keep the passwords, run create-roles "
        "on the computer that made the roles; to give new ones, run it again with --reset-password. Nothing was changed."
    )


def ask_reset(*, reset_password: bool, stdin: TextIO | None = None, stderr: TextIO | None = None) -> ConfirmReset:
    """``confirm_reset`` for the command: --reset-password goes on; a terminal is asked; else refused."""

    def confirm(roles: Sequence[str], where: str) -> None:
        err, inp = stderr or sys.stderr, stdin or sys.stdin
        if reset_password:
            print(f"{reset_warning(roles, where)} (--reset-password: going on)", file=err)
            return
        if not inp.isatty():
            refuse_reset(roles, where)
        print(reset_warning(roles, where), file=err)
        err.write("Type 'reset' to give new passwords; anything else stops: ")
        err.flush()
        answer = inp.readline().strip()
        if answer != "reset":
            raise NotConfirmed(f"not confirmed (typed {answer!r}, not 'reset'); nothing was changed.")

    return confirm


def cmd_create_roles(args: argparse.Namespace) -> int:
    from pharmacy_desktop import config as config_mod

    with raw_url(args) as url:
        urls = create_roles(
            url, args.owner_role, args.app_role, confirm_reset=ask_reset(reset_password=args.reset_password)
        )
    print(f"owner role (run migrations as it):   {urls[args.owner_role]}")
    print(f"application role (workstations use): {urls[args.app_role]}")
    from pharmacy_desktop.keyring_store import storage_description

    print(f"Both passwords are kept in {storage_description()}.")  # the truth, whichever store that is
    if args.configure:
        cfg = config_mod.load()
        cfg.database_url = urls[args.app_role]
        print(f"workstation configuration written: {config_mod.save(cfg)}")
    else:
        print(
            "Next: put the application URL in each workstation's configuration (or run with --configure); "
            "on another computer, run 'pharmacy-desktop db connect' there to store its password."
        )
    return 0
