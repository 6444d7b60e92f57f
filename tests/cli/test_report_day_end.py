"""`pharmacy-desktop report day-end` against the test database: the PDF and a refused date as real
subprocesses, the CSV and the other refusals through the entry point's main(argv) in this process."""

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

from pharmacy_desktop.adapters.payment_terminal import SimulatedTerminal
from pharmacy_desktop.cli import reports
from pharmacy_desktop.services.sale import Picker, PickerId
from tests.cli.conftest import run_main
from tests.fill import factories as f
from tests.pos.conftest import ASPIRIN_UPC, allow_pickup, pos, ready_rx  # noqa: F401 (pos is a fixture)
from tests.pos.day_end_sales import at, card, cash, refund_all, sell

D = Decimal
TODAY = dt.date.today()


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pharmacy_desktop", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
    )


@pytest.fixture
def sales(uow_factory, actors, request):
    """Aspirin for cash (refunded), a C-II by credit card picked up by a caregiver with her passport."""
    pharmacy = request.getfixturevalue("pos")  # tests/pos/conftest.py: checks the billing invariants after
    one = at(actors["technician"], "COUNTER-1")
    allow_pickup(uow_factory, pharmacy.patient_id, name="Ana Ruiz", relationship="caregiver")
    aspirin = sell(uow_factory, one, pharmacy.patient_id, store=[ASPIRIN_UPC], pay=cash("10.00"))
    rx_id, oxy, number = ready_rx(uow_factory, actors, pharmacy, f.OXYCODONE_5, refills=0, quantity=20)
    passport = PickerId("passport", "X99887766", "NY", TODAY.replace(year=TODAY.year + 2))
    sell(
        uow_factory,
        one,
        pharmacy.patient_id,
        refills=[oxy],
        picker=Picker("Ana Ruiz", "caregiver", None, passport),
        pay=card(SimulatedTerminal(), "credit", "4242"),
    )
    refund_all(uow_factory, actors["manager"], aspirin.sale_number)
    return number


def test_day_end_csv_from_the_command_line(database_url, sales, tmp_path, capsys):
    out = tmp_path / "z.csv"
    done = run_main(capsys, "report", "day-end", "--date", TODAY.isoformat(), "--format", "csv", "--output", str(out),
                   "--database-url", database_url)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"to {out}" in done.stdout
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8"))))
    by = {(r["section"], r["item"]): r for r in rows if r["section"] != "controlled_pickups"}
    assert (by[("sales", "cash")]["count"], by[("sales", "cash")]["amount"]) == ("1", "7.03")
    assert by[("sales", "credit_card")]["amount"] == "12.00" and by[("sales", "total")]["amount"] == "19.03"
    assert by[("refunds", "cash")]["amount"] == "7.03" and by[("tax", "tax")]["amount"] == "0.54"
    assert by[("prescriptions", "picked_up")]["count"] == "1"
    [pickup] = [r for r in rows if r["section"] == "controlled_pickups"]
    assert (pickup["rx_number"], pickup["schedule"], pickup["id_number"]) == (sales, "C-II", "****7766")
    assert (pickup["picker_name"], pickup["id_type"], pickup["id_state"]) == ("Ana Ruiz", "passport", "NY")
    assert "99887" not in out.read_text()
    assert by[("drawer", "not_closed")]["workstation"] == "COUNTER-1"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".z.csv.")]  # no temporary file left


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_day_end_pdf_from_the_command_line_with_the_url_after_the_command(database_url, sales, tmp_path):
    out = tmp_path / "z.pdf"
    done = run_cli("--database-url", database_url, "report", "day-end", "--date", TODAY.isoformat(), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    words = " ".join(text.split())
    assert "Z report" in words and f"Business date {TODAY:%m/%d/%Y}" in words and "Page 1 of 1" in words
    assert f"Rx {sales}" in words and "Passport ****7766 (NY)" in words and "Drawer COUNTER-1 NOT CLOSED" in words


def test_a_bad_date_or_folder_is_refused_with_what_to_type(database_url, tmp_path, capsys):
    bad = run_cli(
        "report", "day-end", "--date", "12/02/2026", "-o", str(tmp_path / "z.pdf"), "--database-url", database_url
    )
    assert bad.returncode == 2 and "write it YYYY-MM-DD" in bad.stderr
    nowhere = tmp_path / "missing" / "z.pdf"
    done = run_main(
        capsys, "report", "day-end", "--date", TODAY.isoformat(), "-o", str(nowhere), "--database-url", database_url
    )
    assert done.returncode == 2 and "does not exist" in done.stderr and not nowhere.parent.exists()
    unknown = run_main(capsys, "report", "no-such-report", "--database-url", database_url)
    assert unknown.returncode == 2 and "day-end" in unknown.stderr


def test_a_new_report_is_one_table_entry():
    assert [r.name for r in reports.REPORTS][0] == "day-end"  # then the inventory reports (issue 14)
    assert all(callable(r.render) and callable(r.add_arguments) for r in reports.REPORTS)
