"""What the composition work pins: nothing changes the environment on import, no module shadows the
standard library, the ORM hooks belong to the project's own session factory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.orm import Session

import pharmacy_desktop

PACKAGE = Path(pharmacy_desktop.__file__).parent


def test_importing_every_layer_leaves_the_environment_alone():
    code = (
        "import os, json; before = dict(os.environ); "
        "import pharmacy_desktop.printing, pharmacy_desktop.printing.layouts, pharmacy_desktop.printing.profiles; "
        "import pharmacy_desktop.db.models, pharmacy_desktop.db.engine, pharmacy_desktop.config; "
        "after = dict(os.environ); "
        "print(json.dumps(sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))))"
    )
    env = {k: v for k, v in os.environ.items() if k != "ESCPOS_CAPABILITIES_PICKLE_DIR"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_use_escpos_cache_is_explicit_and_keeps_a_folder_already_chosen(tmp_path):
    from pharmacy_desktop.printing import ESCPOS_CACHE_VARIABLE, use_escpos_cache

    torn = tmp_path / "v1.capabilities.pickle"
    torn.write_bytes(b"\x80\x04partial")
    environ = {ESCPOS_CACHE_VARIABLE: str(tmp_path)}
    assert use_escpos_cache(environ) == str(tmp_path)
    assert not torn.exists()  # a torn cache is dropped (rebuilt by escpos)
    fresh: dict[str, str] = {}
    folder = use_escpos_cache(fresh)
    assert fresh == {ESCPOS_CACHE_VARIABLE: folder} and Path(folder).is_dir()


def test_no_module_shadows_the_standard_library():
    names = {p.stem for p in PACKAGE.rglob("*.py")} | {p.name for p in PACKAGE.rglob("*") if p.is_dir()}
    assert not names & set(sys.stdlib_module_names) - {"__init__", "__main__"}


def test_session_hooks_belong_to_the_projects_session_factory(engine):
    from pharmacy_desktop.db.engine import make_session_factory

    factory = make_session_factory(engine)
    assert not getattr(Session, "_pharmacy_hooks", False)
    assert factory._pharmacy_hooks  # type: ignore[attr-defined]
    plain = Session(engine)  # a session SQLAlchemy made without the factory has no project listener
    try:
        assert len(plain.dispatch.before_flush) == 0 and len(plain.dispatch.do_orm_execute) == 0
        made = factory()
        assert len(made.dispatch.before_flush) == 1 and len(made.dispatch.do_orm_execute) == 1
        made.close()
    finally:
        plain.close()


def test_every_command_group_is_an_explicit_import_with_the_database_option():
    import argparse

    from pharmacy_desktop import cli

    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) >= {"db", "demo", "catalog", "scan", "print", "users", "screenshots"}
    db_actions = next(a for a in sub.choices["db"]._actions if isinstance(a, argparse._SubParsersAction))
    assert set(db_actions.choices) == {
        "upgrade",
        "downgrade",
        "current",
        "connect",
        "create-roles",
        "backup",
        "restore",
        "host",
    }
    for old in ("cli_admin", "cli_catalog", "cli_print", "cli_confirm", "bootstrap", "demo_prescriptions", "secrets"):
        assert not (PACKAGE / f"{old}.py").exists(), old
    assert "demo_approve" not in (PACKAGE / "services" / "review.py").read_text()


def test_the_composition_root_builds_one_frozen_application(database_url):
    import dataclasses

    import pytest

    from pharmacy_desktop.app import Application, open_database
    from pharmacy_desktop.config import Config, PrinterConfig
    from pharmacy_desktop.ui.context import AppContext

    cfg = Config(
        workstation_name="counter-9",
        scanner_gap_ms=45,
        scanner_min_length=7,
        printers={"label": PrinterConfig("tcp://127.0.0.1:9", "TM-L90")},
    )
    app = open_database(database_url, cfg=cfg)
    try:
        assert isinstance(app, Application) and app.source == "command line" and app.notes == ()
        with pytest.raises(dataclasses.FrozenInstanceError):
            app.url = "postgresql://elsewhere/x"  # type: ignore[misc]
        assert app.workstation == "counter-9" and app.uow_factory.workstation == "counter-9"
        assert (app.scanner_timing.max_gap_ms, app.scanner_timing.min_length) == (45.0, 7)
        assert app.printers["label"].uri == "tcp://127.0.0.1:9"
        with pytest.raises(TypeError):
            app.printers["receipt"] = PrinterConfig("x", "y")  # type: ignore[index]
        sender = app.make_print_sender()
        assert not sender.running and sender.workstation == "counter-9"
        context = AppContext.from_application(app)
        assert (context.uow_factory, context.config, context.workstation, context.database_url) == (
            app.uow_factory,
            cfg,
            "counter-9",
            app.url,
        )
        with app.uow_factory() as uow:
            assert uow.session.connection().exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        app.close()
