"""`pharmacy-desktop db create-roles`, `pharmacy-desktop users create|list`, `pharmacy-desktop screenshots DIR`.

create-roles: two database roles instead of the superuser the server was set up with.

- the *owner* owns the database, the seven schemas and everything in them: migrations run as it;
- the *application* role, which every workstation connects as, may read and write rows and use
  sequences, nothing else: no DROP, ALTER, TRUNCATE, CREATE; roles/permissions are read-only (a
  migration seeds them); Alembic's ``alembic_version`` is out of its reach. Audit rows, accounts'
  roles, credentials and lockout fields are written only through revision 0008's functions, and
  patients, users and prescriptions are never hard-deleted (pharmacy_desktop/db/grants.py).

Default privileges make tables that later migrations create (as the owner) reachable by the
application role. Passwords are random, stored only in the secret store (pharmacy_desktop.secrets:
the OS keyring, else an encrypted file) and sent to the server as SCRAM verifiers, so no plaintext
reaches the server's statement log.
"""

from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import hmac
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit, urlunsplit

from pharmacy_desktop.cli import database, raw_url

SCHEMAS = ("user_schema", "patient_schema", "prescription_schema", "inventory_schema", "billing_schema",
           "notification_schema", "audit_schema")
APPEND_ONLY = {"audit_schema": ("domain_events", "access_logs")}
READ_ONLY = {"user_schema": ("roles", "permissions", "role_permissions")}
DEFAULT_OWNER = "pharmacy_schema_owner"
DEFAULT_APP = "pharmacy_app"


def register(subparsers: argparse._SubParsersAction, add_db_option: Callable[[argparse.ArgumentParser], None]) -> None:
    db_parser = subparsers.choices.get("db")
    if db_parser is not None:
        db_actions = next(a for a in db_parser._actions if isinstance(a, argparse._SubParsersAction))
        roles = db_actions.add_parser(
            "create-roles",
            help="create the owner role (migrations) and the least-privilege application role; "
                 "passwords go to the keyring",
        )
        roles.add_argument("--owner-role", default=DEFAULT_OWNER)
        roles.add_argument("--app-role", default=DEFAULT_APP)
        roles.add_argument("--configure", action="store_true",
                           help="also make this workstation connect as the application role")
        add_db_option(roles)
        roles.set_defaults(handler=cmd_create_roles)

    users = subparsers.add_parser("users", help="staff accounts for scripted set-up: create, list")
    actions = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    create = actions.add_parser(
        "create",
        help="create an account; the first one must be an admin. The new password is read from stdin "
             "(--password-stdin) or asked for, never taken from the command line",
    )
    create.add_argument("--username", required=True)
    create.add_argument("--first-name", required=True)
    create.add_argument("--last-name", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--role", required=True, choices=("pharmacist", "technician", "manager", "admin"))
    create.add_argument("--license-number")
    create.add_argument("--phone")
    create.add_argument("--password-stdin", action="store_true", help="read the new password from the first line of stdin")
    create.add_argument("--admin", metavar="USERNAME",
                        help="an administrator to act as (password from $PHARMACY_ADMIN_PASSWORD or asked)")
    add_db_option(create)
    create.set_defaults(handler=cmd_users_create)
    listing = actions.add_parser("list", help="list accounts (needs --admin)")
    listing.add_argument("--admin", metavar="USERNAME", required=True)
    add_db_option(listing)
    listing.set_defaults(handler=cmd_users_list)

    shots = subparsers.add_parser(
        "screenshots", help="render every screen of the shell offscreen to DIR/<screen>.png (current database)"
    )
    shots.add_argument("dir", type=Path)
    shots.add_argument("--size", default="1280x800", help="window size, WIDTHxHEIGHT (default 1280x800)")
    shots.add_argument("--only", nargs="*", metavar="NAME", help="only these screenshots (e.g. signin users)")
    add_db_option(shots)
    shots.set_defaults(handler=cmd_screenshots)


# -- db create-roles ----------------------------------------------------------------------------


def scram_verifier(password: str, *, iterations: int = 4096, salt: bytes | None = None) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores (RFC 7677), computed here."""
    salt = salt or os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
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


def create_roles(admin_url: str, owner: str = DEFAULT_OWNER, app: str = DEFAULT_APP) -> dict[str, str]:
    """Create or update both roles on the database of ``admin_url`` (a superuser or CREATEROLE
    owner); returns role -> URL without password. Idempotent: re-running re-applies the grants and
    keeps the passwords already in the keyring."""
    from pharmacy_desktop.config import secret_key_for
    from pharmacy_desktop.db import connect
    from pharmacy_desktop.db.grants import restrict_app_role
    from pharmacy_desktop.secrets import get_secret, set_secret

    o, a = _ident(owner), _ident(app)
    urls = {owner: url_as(admin_url, owner), app: url_as(admin_url, app)}
    with connect.connect(admin_url, autocommit=True) as conn:  # the URL's sslmode applies
        dbname = conn.info.dbname
        db = f'"{dbname}"'
        for role, url in urls.items():
            key = secret_key_for(url)
            password = get_secret(key) or secrets.token_urlsafe(24)
            verifier = scram_verifier(password)
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            verb = "ALTER" if exists else "CREATE"
            conn.execute(f"{verb} ROLE {_ident(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
                         f"PASSWORD '{verifier}'")
            set_secret(key, password)
        with conn.transaction():
            me, superuser = conn.execute(
                "SELECT rolname, rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
            if not superuser:  # a CREATEROLE owner must be a member to hand its objects over
                conn.execute(f"GRANT {o} TO {_ident(me)}")
            conn.execute(f"ALTER DATABASE {db} OWNER TO {o}")
            conn.execute(f"REVOKE ALL ON DATABASE {db} FROM PUBLIC")
            conn.execute(f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {a}")
            conn.execute(f"REVOKE CREATE ON SCHEMA public FROM PUBLIC")
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
                conn.execute(f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA {s} GRANT {table_rights} ON TABLES TO {a}")
                conn.execute(f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA {s} GRANT USAGE, SELECT ON SEQUENCES TO {a}")
            restrict_app_role(conn, a, SCHEMAS)  # what only revision 0008's functions may write
            if conn.info.server_version >= 170000:  # MAINTAIN: refresh the typo list without owning it
                conn.execute(f"GRANT MAINTAIN ON prescription_schema.drug_words TO {a}")
    return urls


def _has_alembic(conn) -> bool:
    return conn.execute("SELECT to_regclass('public.alembic_version') IS NOT NULL").fetchone()[0]


def _hand_over(conn, owner: str) -> None:
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


def cmd_create_roles(args: argparse.Namespace) -> int:
    from pharmacy_desktop import config as config_mod

    with raw_url(args) as url:
        urls = create_roles(url, args.owner_role, args.app_role)
    print(f"owner role (run migrations as it):   {urls[args.owner_role]}")
    print(f"application role (workstations use): {urls[args.app_role]}")
    from pharmacy_desktop.secrets import storage_description

    print(f"Both passwords are kept in {storage_description()}.")  # the truth, whichever store that is
    if args.configure:
        cfg = config_mod.load()
        cfg.database_url = urls[args.app_role]
        print(f"workstation configuration written: {config_mod.save(cfg)}")
    else:
        print("Next: put the application URL in each workstation's configuration (or run with --configure); "
              "on another computer, run 'pharmacy-desktop db connect' there to store its password.")
    return 0


# -- users ----------------------------------------------------------------------------------------


def _read_new_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"New password for {args.username}: ")
    if first != getpass.getpass("Repeat it: "):
        raise SystemExit("error: the two passwords differ")
    return first


def _admin_actor(db, username: str):
    from pharmacy_desktop.services import auth

    password = os.environ.get("PHARMACY_ADMIN_PASSWORD") or getpass.getpass(f"Password of {username}: ")
    return auth.sign_in(db.uow_factory, username, password, "command line")


def cmd_users_create(args: argparse.Namespace) -> int:
    from pharmacy_desktop.services import auth

    with database(args, seed_demo=False) as db:
        first = auth.needs_first_run(db.uow_factory)
        if not first and not args.admin:
            raise SystemExit("error: accounts exist; act as an administrator with --admin USERNAME")
        actor = None if first else _admin_actor(db, args.admin)
        password = _read_new_password(args)
        auth.create_user(db.uow_factory, actor, username=args.username, password=password, email=args.email,
                         first_name=args.first_name, last_name=args.last_name, role=args.role,
                         license_number=args.license_number, phone=args.phone)
        if actor is not None:
            auth.sign_out(db.uow_factory, actor)
    print(f"created {args.role} {args.username}")
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    from pharmacy_desktop.services import auth

    with database(args, seed_demo=False) as db:
        actor = _admin_actor(db, args.admin)
        rows = auth.list_users(db.uow_factory, actor)
        auth.sign_out(db.uow_factory, actor)
    for r in rows:
        state = "active" if r.is_active else "deactivated"
        if r.locked:
            state += ", locked"
        print(f"{r.username:<16} {r.role:<11} {r.full_name:<28} {state}")
    return 0


# -- screenshots ------------------------------------------------------------------------------------

ROLE_PREFERENCE = ("pharmacist", "technician", "manager", "admin")


def cmd_screenshots(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    width, _, height = args.size.partition("x")
    with database(args) as db:
        written = render_screenshots(db.uow_factory, args.dir, (int(width), int(height)), only=args.only,
                                     database_url=db.url)
    for path in written:
        print(path)
    return 0


def settle(timeout: float = 15.0, minimum: float = 0.4) -> None:
    """Process events until every background operation has delivered (screens load off the GUI thread)."""
    from PySide6.QtCore import QCoreApplication, QObject, QThreadPool

    app = QCoreApplication.instance()
    pool = QThreadPool.globalInstance()
    start = time.monotonic()
    quiet_since = None
    while time.monotonic() - start < timeout:
        app.processEvents()
        relay = app.findChild(QObject, "pharmacy_desktop.ops.relay")
        busy = pool.activeThreadCount() > 0 or bool(getattr(relay, "pending", None))
        now = time.monotonic()
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since > 0.25 and now - start > minimum:
            return
        time.sleep(0.02)


def render_screenshots(uow_factory, out_dir: Path, size: tuple[int, int] = (1280, 800), *,
                       only: list[str] | None = None, database_url: str = "") -> list[Path]:
    """Every registered screen of the shell (and sign-in, first run, lock screen) as DIR/<name>.png."""
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import select

    from pharmacy_desktop import config as config_mod
    from pharmacy_desktop.db.models.users import User
    from pharmacy_desktop.services import auth
    from pharmacy_desktop.ui.app import default_screens, make_application
    from pharmacy_desktop.ui.context import AppContext
    from pharmacy_desktop.ui.main_window import MainWindow
    from pharmacy_desktop.ui.signin_window import SignInWindow

    app = make_application()
    out_dir.mkdir(parents=True, exist_ok=True)
    cfg = config_mod.load()
    context = AppContext(uow_factory=uow_factory, config=cfg, workstation=cfg.workstation_name or "counter-1",
                         database_url=database_url)
    wanted = (lambda name: not only or name in only)
    written: list[Path] = []

    def grab(widget, name: str) -> None:
        settle()
        path = out_dir / f"{name}.png"
        widget.grab().save(str(path))
        written.append(path)

    with uow_factory() as uow:
        accounts = {}
        for user in uow.session.scalars(select(User).where(User.is_active.is_(True)).order_by(User.created_at)):
            accounts.setdefault(user.role, user.id)

    if wanted("signin"):
        window = SignInWindow(context)
        window.resize(*size)
        window.show()
        settle()
        window.pages.setCurrentWidget(window.panel)
        window.panel.username.setText("rph")
        window.panel.password.setFocus()
        grab(window, "signin")
        window.close()
    if wanted("first-run"):
        window = SignInWindow(context)
        window.resize(*size)
        window.show()
        settle()
        window.pages.setCurrentWidget(window.first_run)
        for name, value in (("name", "Riverside Community Pharmacy"), ("address_line1", "120 Main Street"),
                            ("city", "Springfield"), ("state", "IL"), ("zip_code", "62701"),
                            ("phone", "(217) 555-0142"), ("ncpdp", "1456789"), ("first_name", "Alex"),
                            ("last_name", "Morgan"), ("email", "alex@riverside-pharmacy.example"),
                            ("username", "amorgan")):
            window.first_run.inputs[name].setText(value)
        grab(window, "first-run")
        window.close()

    classes = default_screens()
    shell: MainWindow | None = None
    for cls in classes:
        name = cls.screenshot_name()
        if not wanted(name) and not (name == "shell-home" and wanted("lock-screen")):
            continue
        role = cls.screenshot_role or _first_role(uow_factory, cls.permission)
        if role not in accounts:
            print(f"skipped {name}: no active {role} account (pharmacy-desktop users create ...)", file=sys.stderr)
            continue
        actor = auth.actor_for(uow_factory, accounts[role], context.workstation)
        shell = MainWindow(context, actor, classes)
        shell.set_database_connected(True)
        shell.resize(*size)
        shell.show()
        screen = next(s for s in shell.screens if type(s) is cls)
        shell.show_screen(screen)
        settle()
        screen.prepare_screenshot()
        if wanted(name):
            grab(shell, name)
        if name == "shell-home" and wanted("lock-screen"):
            shell.lock("screenshot", record=False)
            grab(shell, "lock-screen")
        shell.close()
        shell.deleteLater()
        QApplication.processEvents()
    return written


def _first_role(uow_factory, permission: str | None) -> str:
    if permission is None:
        return ROLE_PREFERENCE[0]
    from sqlalchemy import text

    with uow_factory() as uow:
        roles = set(uow.session.scalars(text(
            "SELECT r.name FROM user_schema.roles r JOIN user_schema.role_permissions rp ON rp.role_id = r.id "
            "JOIN user_schema.permissions p ON p.id = rp.permission_id WHERE p.name = :p"), {"p": permission}))
    return next((r for r in ROLE_PREFERENCE if r in roles), ROLE_PREFERENCE[0])
