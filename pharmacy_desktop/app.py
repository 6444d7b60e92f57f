"""The composition root: from the configuration to one typed, frozen application context.

The GUI (ui/app.py), the command line (cli/) and the screenshot renderer (ui/screenshots.py) all
start here: find the database (``--database-url``, PHARMACY_DATABASE_URL, the workstation file,
else the embedded server, migrated and, on its first start, loaded with the demo pharmacy), build
the engine and the unit-of-work factory, and hand out the workstation's printers, print sender,
scanner timing and what the change listener connects to. Nothing below this module builds any of
them from the configuration itself.

The claims switch (``adjudicator``) and the card terminal (``payment_terminal``) are the built-in
simulators (``adapters/``) for now: one of each per application, so a retried card charge reaches
the terminal that remembers its reference. A real switch or gateway will be chosen by a
configuration key (e.g. ``[adapters] adjudicator = "..."``) read here, and nowhere else.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from pharmacy_desktop import config as config_mod
from pharmacy_desktop.adapters.adjudication import Adjudicator, SimulatedAdjudicator
from pharmacy_desktop.adapters.payment_terminal import PaymentTerminal, SimulatedTerminal
from pharmacy_desktop.config import Config, PrinterConfig
from pharmacy_desktop.db.connect import resolve_url
from pharmacy_desktop.db.engine import make_engine, make_session_factory
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory

if TYPE_CHECKING:
    from pharmacy_desktop.db.embedded import EmbeddedPostgres
    from pharmacy_desktop.services.backup_job import NightlyBackup
    from pharmacy_desktop.services.expiry_job import ExpiryJob
    from pharmacy_desktop.services.notification_sender import NotificationSender
    from pharmacy_desktop.services.print_sender import PrintSender

log = logging.getLogger(__name__)

FIRST_START_NOTE = "first start: demo data loaded"
DEMO_MARKER = "demo-pharmacy"  # in the embedded folder: this workstation's database is the demo pharmacy


def demo_marker() -> Path:
    """The file that says the embedded database holds the demo pharmacy (written when the demo is
    loaded into it, removed by ``demo --remove``): the sign-in then shows the demo accounts."""
    return config_mod.data_dir() / "embedded" / DEMO_MARKER


def mark_demo(loaded: bool) -> None:
    marker = demo_marker()
    if loaded:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text("the embedded database holds the demo pharmacy\n", encoding="utf-8")
    else:
        marker.unlink(missing_ok=True)


@dataclass(frozen=True)
class ScannerTiming:
    """How the keyboard-wedge scanner is told apart from typing (ui/scanner.py's filter uses it)."""

    max_gap_ms: float
    min_length: int


@dataclass(frozen=True)
class Application:
    """Everything the app, a command or the screenshot renderer is built from; made by :func:`open_database`."""

    url: str  # carries sslmode and the keyring password: the change listener and migrations use it
    source: str  # "command line", "environment", "configuration file", "embedded"
    engine: Engine
    session_factory: sessionmaker[Session]
    uow_factory: UnitOfWorkFactory
    config: Config
    embedded: EmbeddedPostgres | None = None
    notes: tuple[str, ...] = ()
    revision_unchecked: bool = False  # the server did not answer at open: recheck_revision when it does
    adjudicator: Adjudicator = field(default_factory=SimulatedAdjudicator)
    payment_terminal: PaymentTerminal = field(default_factory=SimulatedTerminal)

    @property
    def demo_accounts(self) -> tuple[tuple[str, str], ...]:
        """(username, password) of the demo staff when this is the embedded demo pharmacy; else none."""
        if self.embedded is None or not demo_marker().exists():
            return ()
        from pharmacy_desktop.demo import DEMO_PASSWORDS

        return tuple(DEMO_PASSWORDS.items())

    @property
    def workstation(self) -> str:
        return self.config.workstation_name

    @property
    def printers(self) -> Mapping[str, PrinterConfig]:
        return MappingProxyType(self.config.printers)

    @property
    def scanner_timing(self) -> ScannerTiming:
        return ScannerTiming(float(self.config.scanner_gap_ms), int(self.config.scanner_min_length))

    @property
    def listen_url(self) -> str:
        """What the change listener (one LISTEN connection per app) connects to."""
        return self.url

    def make_print_sender(self) -> PrintSender:
        """This workstation's print sender (not started: the GUI starts it, a command sends one job)."""
        return make_print_sender(self.uow_factory, self.config, self.workstation)

    def make_expiry_job(self) -> ExpiryJob:
        """This workstation's daily expiry pass (not started: the GUI starts it; a command runs one pass)."""
        from pharmacy_desktop.services.expiry_job import ExpiryJob

        return ExpiryJob(self.uow_factory)

    def make_nightly_backup(self) -> NightlyBackup | None:
        """The nightly backup with its retention (not started: the GUI starts it), on the workstation
        that hosts the database (the embedded server); None elsewhere."""
        if self.embedded is None:
            return None
        from pharmacy_desktop.db.backup import backup_dir
        from pharmacy_desktop.services.backup_job import NightlyBackup

        return NightlyBackup(self.url, backup_dir())

    def make_notification_sender(self, *, chosen_only: bool = True) -> NotificationSender:
        """The patient-notification sender (not started). ``chosen_only``: it works only while this
        is the pharmacy's sending workstation (the app); the ``notifications run`` command sends
        wherever it runs."""
        return make_notification_sender(
            self.uow_factory, self.config, self.workstation, chosen_only=chosen_only, demo=self.embedded is not None
        )

    def close(self) -> None:
        self.engine.dispose()
        if self.embedded is not None:
            self.embedded.stop()


def make_print_sender(uow_factory: UnitOfWorkFactory, config: Config, workstation: str) -> PrintSender:
    """The one place a print sender is built from the configuration (it reads ``config`` at each
    pass: the settings screen changes it in place)."""
    from pharmacy_desktop.services.print_sender import PrintSender
    from pharmacy_desktop.services.printer_settings import printer_settings_from

    return PrintSender(uow_factory, lambda: printer_settings_from(config), workstation)


def make_notification_sender(
    uow_factory: UnitOfWorkFactory, config: Config, workstation: str, *, chosen_only: bool = True, demo: bool = False
) -> NotificationSender:
    """The one place the notification adapters are built from the configuration: the mail server
    (PHARMACY_SMTP_URL or ``[notifications] smtp_url``, password from the keyring) and the SMS
    provider (``sms_url``: an https provider URL, token from the keyring, or "simulator"; the
    embedded demo database uses the simulator when nothing is configured). A channel left
    unconfigured is not guessed: its messages wait, retried, with an error saying what to set."""
    from pharmacy_desktop.adapters import sms as sms_mod
    from pharmacy_desktop.adapters.smtp_mail import SmtpEmailSender, parse_smtp_url
    from pharmacy_desktop.keyring_store import get_secret
    from pharmacy_desktop.services.notification_jobs import DailyJobs
    from pharmacy_desktop.services.notification_sender import NotificationSender

    email = None
    mail_url = config_mod.smtp_url(config)
    if mail_url:
        try:
            email = SmtpEmailSender(parse_smtp_url(mail_url), get_secret(config_mod.smtp_secret_key(mail_url)))
        except ValueError as error:
            log.warning("notification e-mail is off: %s", error)
    sms: sms_mod.SmsProvider | None = None
    sms_url = config.sms_url or ("simulator" if demo else "")
    if sms_url == "simulator":
        sms = sms_mod.SmsSimulator()
    elif sms_url:
        try:
            token = get_secret(config_mod.sms_secret_key(sms_url)) or ""
            sms = sms_mod.HttpSmsProvider(sms_mod.parse_sms_url(sms_url), token)
        except ValueError as error:
            log.warning("notification SMS is off: %s", error)
    return NotificationSender(
        uow_factory, workstation=workstation, email=email, sms=sms, daily_jobs=DailyJobs(uow_factory).run_due,
        chosen_only=chosen_only,
    )  # fmt: skip


def _check_revision(url: str) -> bool:
    """The revision guard for a configured server. A server that cannot be reached now is not an
    error here (the app opens and reconnects, as before; each command fails on its first query): False
    then, and the check is owed (``recheck_revision`` once the server answers)."""
    from sqlalchemy.exc import OperationalError

    from pharmacy_desktop.db import migrate

    try:
        migrate.require_compatible(url)
    except OperationalError as exc:
        log.warning("revision not checked: the database cannot be reached now (%s)", type(exc.orig).__name__)
        return False
    return True


def recheck_revision(url: str) -> bool:
    """The revision guard ``open_database`` could not run (``Application.revision_unchecked``), run when
    the server answers again: True once checked; False while it still cannot be reached; a database
    this app must not use raises as at open (``DatabaseTooNew`` naming the release to install,
    ``DatabaseNeedsUpgrade``)."""
    return _check_revision(url)


def _migrate_embedded(url: str) -> Path | None:
    from pharmacy_desktop.db import migrate
    from pharmacy_desktop.db.backup import backup_dir

    return migrate.upgrade_with_backup(url, backup_dir())


def configured_url(cli_url: str | None, cfg: Config) -> tuple[str | None, str]:
    if cli_url:
        return cli_url, "command line"
    env = os.environ.get("PHARMACY_DATABASE_URL")
    if env:
        return env, "environment"
    if cfg.database_url:
        return cfg.database_url, "configuration file"
    return None, "embedded"


def open_database(
    cli_url: str | None = None,
    *,
    cfg: Config | None = None,
    migrate_embedded: bool = True,
    seed_demo: bool = True,
    check_revision: bool = True,
) -> Application:
    """Connect to the configured server, or start the private embedded one (migrated; on its very
    first start the demo pharmacy is loaded unless ``seed_demo`` is False).

    The revision guard (db/migrate.py): a database newer than this app is refused
    (``DatabaseTooNew``); the embedded one, when older, is migrated after a backup; a configured
    server behind this app is refused (``DatabaseNeedsUpgrade``: an administrator runs
    ``pharmacy-desktop db upgrade``) unless ``check_revision`` is False."""
    from pharmacy_desktop.printing import use_escpos_cache

    use_escpos_cache()  # before anything built here imports escpos
    cfg = cfg or config_mod.load()
    url, source = configured_url(cli_url, cfg)
    embedded = None
    notes: list[str] = []
    revision_unchecked = False
    if url is None:
        from pharmacy_desktop.db.embedded import EmbeddedPostgres

        embedded = EmbeddedPostgres(config_mod.data_dir() / "embedded")
        first_start = not embedded.initialized
        url = embedded.start()
        log.info("embedded database started (%s)", embedded.data_dir)
        if migrate_embedded:
            try:  # a newer app's database is refused; an older one is migrated after a backup
                saved = _migrate_embedded(url)
            except BaseException:
                embedded.stop()
                raise
            if saved is not None:
                notes.append(f"database upgraded after a backup ({saved.name})")
        if first_start and seed_demo:
            from pharmacy_desktop.demo import load_demo

            notes.append(FIRST_START_NOTE)
            load_demo(url)
            mark_demo(True)
    else:
        # keyring password and sslmode go into the URL: everything built from the URL (the listener,
        # migrations, the catalog import) then connects the same way as this engine
        url = resolve_url(url, sslmode=cfg.sslmode or None)
        # a shared server is migrated only by an administrator (db upgrade); one that does not answer
        # now is checked when it does (recheck_revision: the app's reconnect path, ui/revision_recheck.py)
        revision_unchecked = check_revision and not _check_revision(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    return Application(
        url=url,
        source=source,
        engine=engine,
        session_factory=factory,
        uow_factory=UnitOfWorkFactory(factory, workstation=cfg.workstation_name),
        config=cfg,
        embedded=embedded,
        notes=tuple(notes),
        revision_unchecked=revision_unchecked,
    )
