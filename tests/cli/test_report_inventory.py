"""`pharmacy-desktop report controlled-log|expiring|inventory-valuation|dispensing-log|reorder` against
the test database, on a stock history made through the services: the PDF and a refused date as real
subprocesses, the CSVs and the other refusals through the entry point's main(argv) in this process."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import subprocess
import sys
from decimal import Decimal

import pytest

from pharmacy_desktop.cli import reports
from tests.cli.conftest import run_main
from tests.fill import factories as f
from tests.inventory import report_history
from tests.inventory.invariants import assert_inventory_invariants

TODAY = dt.date.today()


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pharmacy_desktop", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ})  # fmt: skip


INVENTORY_REPORTS = ["controlled-log", "expiring", "inventory-valuation", "dispensing-log", "reorder"]


@pytest.fixture
def history(uow_factory, engine, actors):
    made = report_history.build(uow_factory, actors)
    assert_inventory_invariants(engine)
    return made


def csv_rows(capsys, database_url, tmp_path, name: str, *args: str) -> list[dict[str, str]]:
    out = tmp_path / f"{name}.csv"
    done = run_main(
        capsys, "report", name, "--format", "csv", "--output", str(out), *args, "--database-url", database_url
    )
    assert done.returncode == 0, done.stderr
    assert f"Wrote the {name} report (CSV" in done.stdout
    raw = out.read_bytes()
    raw.decode("utf-8")  # UTF-8, or this raises
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))


def test_every_inventory_report_is_a_table_entry():
    assert [r.name for r in reports.REPORTS][1:] == INVENTORY_REPORTS


def test_controlled_log_csv_ends_at_on_hand(database_url, history, tmp_path, capsys):
    rows = csv_rows(capsys, database_url, tmp_path, "controlled-log")
    assert list(rows[0]) == ["ndc", "drug", "schedule", "date", "kind", "reference", "quantity_in", "quantity_out",
                             "balance"]  # fmt: skip
    last = {r["ndc"]: Decimal(r["balance"]) for r in rows}
    assert last == {f.OXYCODONE_5.ndc11: 118, report_history.ALPRAZOLAM.ndc11: 140}
    since = csv_rows(capsys, database_url, tmp_path, "controlled-log", "--from", (TODAY - dt.timedelta(days=5)).isoformat(),
                     "--to", TODAY.isoformat())  # fmt: skip
    oxy = [r for r in since if r["ndc"] == f.OXYCODONE_5.ndc11]
    assert (oxy[0]["kind"], oxy[0]["balance"], oxy[0]["date"]) == (
        "opening_balance", "150.00", (TODAY - dt.timedelta(days=5)).isoformat())  # fmt: skip
    assert [r["kind"] for r in oxy[1:]] == ["dispensed", "dispensed", "return", "damaged"]


def test_the_other_csvs(database_url, history, tmp_path, capsys):
    expiring = csv_rows(capsys, database_url, tmp_path, "expiring", "--days", "1000")
    assert [r["lot"] for r in expiring] == ["AL1", "LI1", "ME1", "OX1", "OX2", "AL2"]
    assert csv_rows(capsys, database_url, tmp_path, "expiring") == []  # 90 days by default: nothing that soon
    valuation = csv_rows(capsys, database_url, tmp_path, "inventory-valuation")
    assert valuation[-1]["drug"] == "TOTAL" and valuation[-1]["cost_value"] == "57.33"
    dispensed = csv_rows(capsys, database_url, tmp_path, "dispensing-log")  # today by default
    assert sorted({r["rx_number"] for r in dispensed}) == sorted(
        [history.rx["oxy"], history.rx["alprazolam"], history.rx["lisinopril"]]
    )
    assert {r["patient"] for r in dispensed} == {history.patient}
    [reorder] = csv_rows(capsys, database_url, tmp_path, "reorder")
    assert (reorder["ndc"], reorder["suggested_quantity"]) == (f.METFORMIN_500.ndc11, "80.00")


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_controlled_log_pdf(database_url, history, tmp_path):
    out = tmp_path / "log.pdf"
    done = run_cli("--database-url", database_url, "report", "controlled-log", "-o", str(out))
    assert done.returncode == 0, done.stderr
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    words = " ".join(text.split())
    assert "Controlled substance log (perpetual inventory)" in words and "Period the first record to now" in words
    assert "= on hand 118 tablet" in words and "= on hand 140 tablet" in words and "Page 1 of 1" in words


def test_wrong_input_is_refused_with_what_to_type(database_url, tmp_path, capsys):
    out = str(tmp_path / "x.csv")
    bad = run_cli("report", "controlled-log", "--from", "12/01/2026", "-o", out, "--database-url", database_url)
    assert bad.returncode == 2 and "write it YYYY-MM-DD" in bad.stderr
    swapped = run_main(capsys, "report", "dispensing-log", "--from", TODAY.isoformat(), "--to",
                      (TODAY - dt.timedelta(days=3)).isoformat(), "-o", out, "--database-url", database_url)  # fmt: skip
    assert swapped.returncode == 2 and "swap --from and --to" in swapped.stderr
    days = run_main(capsys, "report", "expiring", "--days", "-4", "-o", out, "--database-url", database_url)
    assert days.returncode == 2 and "number of days from 0" in days.stderr
    assert not (tmp_path / "x.csv").exists()
