"""What issue 12 moved in printing, pinned: printing is a leaf, the codec lives in printing, the
sender is a service, printer settings are handed in (no file read while a fill holds its locks)."""

from __future__ import annotations

import ast
import dataclasses
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from pharmacy_desktop import config as config_mod
from pharmacy_desktop.config import Config, PrinterConfig
from pharmacy_desktop.printing import codec
from pharmacy_desktop.printing.layouts import render_label, render_receipt
from pharmacy_desktop.printing.profiles import get_profile
from pharmacy_desktop.services import fill
from pharmacy_desktop.services.print_sender import PrintSender
from pharmacy_desktop.services.printer_settings import Printer, PrinterSettings, printer_settings_from
from tests.fill import factories as f
from tests.printing.conftest import read_all
from tests.printing.test_print_layouts import make_label, make_receipt

ROOT = Path(__file__).resolve().parents[2] / "pharmacy_desktop"
FORBIDDEN_IN_PRINTING = (
    "pharmacy_desktop.db",
    "pharmacy_desktop.services",
    "pharmacy_desktop.ui",
    "pharmacy_desktop.config",
    "sqlalchemy",
    "psycopg",
    "PySide6",
)
PRINT_SERVICES = (
    "print_sender.py",
    "print_outcomes.py",
    "print_queue.py",
    "print_enqueue.py",
    "printer_settings.py",
    "labels.py",
)


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (function-local imports included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: inside its own package
                names.add("pharmacy_desktop.printing." + (node.module or ""))
            else:
                names.add(node.module or "")
    return names


@pytest.mark.parametrize("path", sorted(ROOT.joinpath("printing").glob("*.py")), ids=lambda p: p.name)
def test_printing_imports_only_the_domain_and_its_libraries(path):
    bad = {m for m in imported_modules(path) if m.startswith(FORBIDDEN_IN_PRINTING)}
    assert bad == set(), f"{path.name} imports {sorted(bad)}"


def test_importing_all_of_printing_loads_no_database_and_no_qt():
    code = (
        "import sys, pkgutil, importlib, pharmacy_desktop.printing as p\n"
        "for m in pkgutil.iter_modules(p.__path__): importlib.import_module('pharmacy_desktop.printing.' + m.name)\n"
        "bad = [n for n in sys.modules if n.split('.')[0] in ('sqlalchemy', 'psycopg', 'PySide6')"
        " or n.startswith(('pharmacy_desktop.db', 'pharmacy_desktop.services', 'pharmacy_desktop.ui'))]\n"
        "print(sorted(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", PRINT_SERVICES)
def test_print_services_import_no_sqlalchemy_and_use_no_session(name):
    path = ROOT / "services" / name
    assert not {m for m in imported_modules(path) if m.startswith(("sqlalchemy", "psycopg", "PySide6"))}
    assert "uow.session" not in path.read_text()


def test_the_dispatcher_module_and_the_dead_get_job_are_gone():
    from pharmacy_desktop.services import print_queue

    assert not ROOT.joinpath("printing", "dispatcher.py").exists()
    assert not hasattr(print_queue, "get_job")


def test_the_codec_round_trips_and_renders_what_the_layouts_render():
    label, receipt = make_label(), make_receipt()
    profile = get_profile("TM-T88V")
    stored_label = codec.label_to_json(label)
    assert stored_label["kind"] == "label" and codec.label_from_json(stored_label) == label
    stored_receipt = codec.receipt_to_json(receipt)
    assert codec.receipt_from_json(stored_receipt) == receipt
    assert isinstance(codec.receipt_from_json(stored_receipt).total, Decimal)
    assert codec.render_document("label", stored_label, "TM-T88V") == render_label(label, profile)
    assert codec.render_document("receipt", stored_receipt, "TM-T88V") == render_receipt(receipt, profile)
    with pytest.raises(ValueError, match="no ESC/POS layout"):
        codec.render_document("report", {}, "default")


def test_printer_settings_from_a_configuration_are_frozen_and_leave_out_roles_without_an_address():
    cfg = Config(
        printers={
            "label": PrinterConfig("tcp://10.0.0.21:9100", "TM-L90"),
            "receipt": PrinterConfig("", "TM-T88V"),
            "report": PrinterConfig("file:/tmp/r", ""),
        }
    )
    settings = printer_settings_from(cfg)
    assert settings.printer("label") == Printer("tcp://10.0.0.21:9100", "TM-L90")
    assert settings.printer("receipt") is None and settings.printer_for("receipt") == (None, "default")
    assert settings.printer_for("report") == ("file:/tmp/r", "default")
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.printers = {}  # type: ignore[misc]
    with pytest.raises(TypeError):
        settings.printers["label"] = Printer("tcp://x:9100")  # type: ignore[index]
    cfg.printers["label"].uri = "tcp://10.0.0.99:9100"
    assert settings.printer("label").uri == "tcp://10.0.0.21:9100"  # a snapshot, not a view of the file


def test_a_fill_queues_its_label_for_the_printers_handed_in_without_reading_the_workstation_file(
    uow_factory, actors, printer, monkeypatch
):
    def no_file(*_args, **_kwargs):
        raise AssertionError("the workstation file was read during a fill")

    monkeypatch.setattr(config_mod, "load", no_file)
    world = f.world(uow_factory)
    fake = printer(read_all)
    settings = PrinterSettings({"label": Printer(fake.uri, "TM-L90")})
    result = fill.fill(uow_factory, actors["technician"], world.rx_id, f.LISINOPRIL_20_100.upc, printers=settings)
    with uow_factory() as uow:
        job = uow.print_jobs.require(result.label_job_id)
        assert (job.printer_uri, job.printer_profile) == (None, "TM-L90")  # rendered for the model handed in
        payload = job.payload
        assert payload == codec.render_document("label", job.document, "TM-L90")
    [sent] = PrintSender(uow_factory, settings, "test-ws").send_pending()
    assert sent.ok and sent.printer_uri == fake.uri
    assert fake.wait_jobs(1)[0].startswith(payload)


def test_the_sender_asks_for_the_current_settings_at_each_pass(uow_factory, actors, printer):
    world = f.world(uow_factory)
    first, second = printer(read_all), printer(read_all)
    current = {"settings": PrinterSettings({"label": Printer(first.uri)})}
    sender = PrintSender(uow_factory, lambda: current["settings"], "test-ws")
    fill.fill(uow_factory, actors["technician"], world.rx_id, f.LISINOPRIL_20_100.upc)
    current["settings"] = PrinterSettings({"label": Printer(second.uri)})  # saved in Settings meanwhile
    [sent] = sender.send_pending()
    assert sent.ok and sent.printer_uri == second.uri
    assert second.wait_jobs(1) and first.jobs == []
