"""A workstation file that holds only printers (prepared before the app first ran, or copied from
another counter) is no database choice: the first-run wizard still asks how this computer is used
(issue 17). A file that names a server is a choice, as is an embedded database."""

from __future__ import annotations

import itertools
import os

from pharmacy_desktop import config as config_mod
from pharmacy_desktop.ui.first_start import first_run_needed

PRINTERS_ONLY = """\
[printers.label]
uri = "tcp://10.0.0.31:9100"
profile = "default"

[printers.receipt]
uri = "tcp://10.0.0.32:9100"
profile = "default"
"""
_folders = itertools.count()


def _workstation(sandbox, monkeypatch):
    folder = sandbox / f"first-run-printers-{os.getpid()}-{next(_folders)}"  # the postgres user can look in
    monkeypatch.setenv("PHARMACY_CONFIG_DIR", str(folder / "config"))
    monkeypatch.setenv("PHARMACY_DATA_DIR", str(folder / "data"))
    monkeypatch.delenv("PHARMACY_DATABASE_URL", raising=False)
    config_mod.config_path().parent.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_file_with_only_printers_still_gets_the_wizard(sandbox, monkeypatch):
    _workstation(sandbox, monkeypatch)
    config_mod.config_path().write_text(PRINTERS_ONLY, encoding="utf-8")
    cfg = config_mod.load()
    assert set(cfg.printers) == {"label", "receipt"} and not cfg.database_url
    assert first_run_needed(None, cfg)


def test_a_file_saved_with_an_empty_database_section_is_no_choice_either(sandbox, monkeypatch):
    _workstation(sandbox, monkeypatch)
    config_mod.save(config_mod.Config(printers={"label": config_mod.PrinterConfig(uri="tcp://10.0.0.31:9100")}))
    assert "[database]" in config_mod.config_path().read_text(encoding="utf-8")
    assert first_run_needed(None, config_mod.load())


def test_a_file_that_names_a_server_is_a_choice(sandbox, monkeypatch):
    _workstation(sandbox, monkeypatch)
    config_mod.config_path().write_text(
        '[database]\nurl = "postgresql+psycopg://pharmacy_app@db.local:5432/pharmacy"\n\n' + PRINTERS_ONLY,
        encoding="utf-8",
    )
    assert not first_run_needed(None, config_mod.load())
    assert not first_run_needed(None, config_mod.Config())  # whatever Config the caller passes


def test_an_embedded_database_is_a_choice_with_a_printers_only_file(sandbox, monkeypatch):
    folder = _workstation(sandbox, monkeypatch)
    config_mod.config_path().write_text(PRINTERS_ONLY, encoding="utf-8")
    (folder / "data" / "embedded" / "pgdata").mkdir(parents=True, exist_ok=True)
    (folder / "data" / "embedded" / "pgdata" / "PG_VERSION").write_text("15\n")
    assert not first_run_needed(None, config_mod.load())
