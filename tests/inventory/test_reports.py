"""The inventory reports against the real PostgreSQL, on a history made through the services
(tests/inventory/report_history.py); the strict inventory invariants hold before each report."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import subprocess
from decimal import Decimal

import pytest
from sqlalchemy import text

from pharmacy_desktop.errors import PermissionDenied, ValidationFailed
from pharmacy_desktop.printing.controlled_log import CONTROLLED_LOG_COLUMNS, controlled_log_csv, controlled_log_pdf
from pharmacy_desktop.printing.inventory_reports import (
    dispensing_csv,
    dispensing_pdf,
    expiring_csv,
    expiring_pdf,
    reorder_csv,
    reorder_pdf,
    valuation_csv,
    valuation_pdf,
)
from pharmacy_desktop.services import inventory_reports as reports
from tests.fill import factories as f
from tests.inventory import report_history
from tests.inventory.invariants import assert_inventory_invariants

D = Decimal
TODAY = dt.date.today()


@pytest.fixture
def history(uow_factory, engine, actors):
    made = report_history.build(uow_factory, actors)
    assert_inventory_invariants(engine)
    return made


def rows_of(csv_text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(csv_text)))


def on_hand(engine) -> dict[str, Decimal]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT ndc_code, quantity_on_hand FROM inventory_schema.inventory_items")).all())


def check_running_balances(rows: list[dict[str, str]]) -> dict[str, Decimal]:
    """Walk the CSV: each item opens with its balance, every row moves it by in - out; the last balance per NDC."""
    last: dict[str, Decimal] = {}
    for row in rows:
        balance = D(row["balance"])
        if row["kind"] == "opening_balance":
            assert row["ndc"] not in last, "one opening row per item, first"
            assert row["quantity_in"] == row["quantity_out"] == ""
        else:
            moved = D(row["quantity_in"] or 0) - D(row["quantity_out"] or 0)
            assert moved != 0 and (row["quantity_in"] == "" or row["quantity_out"] == "")
            assert balance == last[row["ndc"]] + moved, row
        last[row["ndc"]] = balance
    return last


def test_controlled_log_runs_to_on_hand_for_every_controlled_item(uow_factory, engine, actors, history):
    log = reports.controlled_log(uow_factory, actors["pharmacist"])
    text_ = controlled_log_csv(log)
    assert text_.splitlines()[0] == ",".join(CONTROLLED_LOG_COLUMNS)
    assert text_.splitlines()[0] == "ndc,drug,schedule,date,kind,reference,quantity_in,quantity_out,balance"
    rows = rows_of(text_)
    closing = check_running_balances(rows)
    stock = on_hand(engine)
    oxy, alp = f.OXYCODONE_5.ndc11, report_history.ALPRAZOLAM.ndc11
    assert set(closing) == {oxy, alp}  # C-II..V only: lisinopril and metformin are not in it
    assert closing == {oxy: stock[oxy], alp: stock[alp]} == {oxy: D(118), alp: D(140)}
    assert all(item.closing == item.on_hand for item in log.items)

    oxy_rows = [r for r in rows if r["ndc"] == oxy]
    assert [r["kind"] for r in oxy_rows] == [
        "opening_balance", "receipt", "receipt", "dispensed", "dispensed", "return", "damaged",
    ]  # fmt: skip
    assert {r["schedule"] for r in oxy_rows} == {"C-II"} and oxy_rows[0]["drug"] == "Oxycodone Hydrochloride 5 mg"
    assert oxy_rows[0]["balance"] == "0.00" and oxy_rows[0]["date"] == (TODAY - dt.timedelta(days=40)).isoformat()
    assert oxy_rows[1]["reference"] == "lot OX1" and oxy_rows[1]["quantity_in"] == "100.00"
    assert oxy_rows[3]["reference"] == f"Rx {history.rx['oxy']} lot OX1" and oxy_rows[3]["quantity_out"] == "30.00"
    assert oxy_rows[4]["reference"].startswith(f"Rx {history.rx['oxy_returned']}")
    assert oxy_rows[5]["reference"].startswith(f"Rx {history.rx['oxy_returned']}")
    assert oxy_rows[6]["reference"] == "damage lot OX1" and oxy_rows[6]["balance"] == "118.00"
    alp_rows = [r for r in rows if r["ndc"] == alp]
    assert [r["reference"] for r in alp_rows if r["kind"] == "adjustment"] == ["recall lot AL2"]
    for row in rows:
        dt.date.fromisoformat(row["date"])  # ISO dates, every row


def test_controlled_log_of_a_period_opens_with_the_balance_then(uow_factory, actors, history):
    start = TODAY - dt.timedelta(days=10)
    log = reports.controlled_log(uow_factory, None, start=start, end=TODAY)
    oxy = next(i for i in log.items if i.ndc == f.OXYCODONE_5.ndc11)
    assert oxy.opening == D(150) and oxy.opening_date == start  # both receipts were 40 days ago
    assert [e.kind for e in oxy.entries] == ["dispensed", "dispensed", "return", "damaged"]
    assert oxy.closing == D(118)
    # a period before anything moved: the opening is what it held then (nothing), no rows
    early = reports.controlled_log(
        uow_factory, None, start=TODAY - dt.timedelta(days=60), end=TODAY - dt.timedelta(days=50)
    )
    assert all(not i.entries for i in early.items)
    assert {i.ndc: i.opening for i in early.items} == {}  # held nothing and nothing moved: left out
    # only the receipts' period
    receipts = reports.controlled_log(
        uow_factory, None, start=TODAY - dt.timedelta(days=41), end=TODAY - dt.timedelta(days=39)
    )
    [oxy_then] = [i for i in receipts.items if i.ndc == f.OXYCODONE_5.ndc11]
    assert (oxy_then.opening, [e.kind for e in oxy_then.entries], oxy_then.closing) == (0, ["receipt"] * 2, 150)
    with pytest.raises(ValidationFailed, match="swap --from and --to"):
        reports.controlled_log(uow_factory, None, start=TODAY, end=TODAY - dt.timedelta(days=1))


def test_reports_need_their_permission(uow_factory, actors, history):
    tech = actors["technician"]
    for report in (reports.controlled_log, reports.valuation, reports.dispensing_log):
        with pytest.raises(PermissionDenied):
            report(uow_factory, tech)
    assert reports.expiring(uow_factory, tech, days=1000).lots  # inventory.view is enough for these two
    assert reports.reorder(uow_factory, tech).lines


def test_expiring_lists_lots_within_the_days_with_status(uow_factory, actors, history):
    soon = reports.expiring(uow_factory, actors["technician"], days=30)
    assert [(x.lot, x.quantity, x.status) for x in soon.lots] == []  # LI2 was dispensed first (FEFO)
    assert [x.lot for x in reports.expiring(uow_factory, None, days=450).lots] == [
        "AL1",
        "LI1",
        "ME1",
        "OX1",
    ]  # same day: by drug
    everything = reports.expiring(uow_factory, None, days=1000)
    rows = rows_of(expiring_csv(everything))
    assert list(rows[0]) == ["ndc", "drug", "lot", "expiration_date", "quantity", "status"]
    recalled = next(r for r in rows if r["lot"] == "AL2")
    assert recalled == {
        "ndc": report_history.ALPRAZOLAM.ndc11,
        "drug": "Alprazolam 0.5 mg",
        "lot": "AL2",
        "expiration_date": (TODAY + dt.timedelta(days=600)).isoformat(),
        "quantity": "40.00",
        "status": "recalled",
    }
    with pytest.raises(ValidationFailed):
        reports.expiring(uow_factory, None, days=-1)


def test_expiring_includes_a_lot_expiring_soon(uow_factory, engine, actors, history):
    with engine.begin() as conn:  # the lot's date moves closer; its stock is what it was
        conn.execute(text("UPDATE inventory_schema.inventory_batches SET expiration_date = :d WHERE batch_number = 'ME1'"),
                     {"d": TODAY + dt.timedelta(days=12)})  # fmt: skip
    lots = reports.expiring(uow_factory, None, days=30).lots
    assert [(x.lot, x.quantity, x.status, x.expiration_date) for x in lots] == [
        ("ME1", D(20), "active", TODAY + dt.timedelta(days=12))
    ]
    assert reports.expiring(uow_factory, None, days=11).lots == ()


def test_valuation_is_on_hand_times_cost_and_awp_to_the_cent(uow_factory, actors, history):
    report = reports.valuation(uow_factory, actors["manager"])
    by = {x.ndc: x for x in report.lines}
    oxy = by[f.OXYCODONE_5.ndc11]
    assert (oxy.on_hand, oxy.cost_value, oxy.awp_value) == (D(118), D("39.53"), D("59.00"))  # 118 x 0.335 = 39.53
    alp = by[report_history.ALPRAZOLAM.ndc11]
    assert (alp.cost_value, alp.awp_value) == (D("1.75"), D("15.40"))  # 140 x 0.0125 = 1.75
    lis = by[f.LISINOPRIL_20_100.ndc11]
    assert (lis.cost_value, lis.awp_value) == (D("15.65"), D("117.50"))  # 470 x 0.0333 = 15.651
    met = by[f.METFORMIN_500.ndc11]
    assert (met.cost_value, met.awp_value) == (D("0.40"), D("1.80"))
    assert report.total_cost == D("57.33") and report.total_awp == D("193.70")
    rows = rows_of(valuation_csv(report))
    assert rows[-1]["drug"] == "TOTAL" and (rows[-1]["cost_value"], rows[-1]["awp_value"]) == ("57.33", "193.70")
    assert rows[0]["unit_cost"] in {"0.3350", "0.0125", "0.0333", "0.0200"}


def test_dispensing_log_lists_every_dispense_with_patient_lot_and_pharmacist(uow_factory, actors, history):
    log = reports.dispensing_log(uow_factory, actors["pharmacist"], start=TODAY - dt.timedelta(days=1), end=TODAY)
    rows = rows_of(dispensing_csv(log))
    assert list(rows[0]) == [
        "date",
        "rx_number",
        "fill_number",
        "patient",
        "drug",
        "ndc",
        "quantity",
        "lot",
        "pharmacist",
    ]
    by_rx: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_rx.setdefault(row["rx_number"], []).append(row)
    assert history.rx["oxy_returned"] not in by_rx  # returned to stock: never reached the patient
    [oxy] = by_rx[history.rx["oxy"]]
    assert (oxy["patient"], oxy["ndc"], oxy["quantity"], oxy["lot"]) == (
        history.patient, f.OXYCODONE_5.ndc11, "30.00", "OX1")  # fmt: skip
    assert oxy["pharmacist"] == actors["pharmacist"].display_name and oxy["date"] == TODAY.isoformat()
    assert oxy["fill_number"] == "0" and oxy["drug"] == "Oxycodone Hydrochloride 5 mg"
    [alp] = by_rx[history.rx["alprazolam"]]
    assert (alp["lot"], alp["quantity"], alp["pharmacist"]) == ("AL1", "60.00", "")  # not verified yet
    lis = by_rx[history.rx["lisinopril"]]
    assert sorted((r["lot"], r["quantity"]) for r in lis) == [("LI1", "20.00"), ("LI2", "10.00")]  # one line a lot
    # another period has none of them
    assert (
        reports.dispensing_log(
            uow_factory, None, start=TODAY - dt.timedelta(days=9), end=TODAY - dt.timedelta(days=1)
        ).lines
        == ()
    )


def test_reorder_suggests_up_to_par_less_what_is_on_order(uow_factory, actors, history):
    report = reports.reorder(uow_factory, actors["technician"])
    [met] = report.lines  # the only item under its reorder point
    assert (met.ndc, met.on_hand, met.reorder_point, met.par_level, met.on_order) == (
        f.METFORMIN_500.ndc11, D(20), D(50), D(200), D(100))  # fmt: skip
    assert met.suggested == D(80) and met.estimated_cost == D("1.60")
    rows = rows_of(reorder_csv(report))
    assert rows == [
        {
            "ndc": f.METFORMIN_500.ndc11,
            "drug": "Metformin Hydrochloride 500 mg",
            "quantity_on_hand": "20.00",
            "unit": "tablet",
            "reorder_point": "50.00",
            "reorder_quantity": "500.00",
            "par_level": "200.00",
            "on_order": "100.00",
            "suggested_quantity": "80.00",
            "unit_cost": "0.0200",
            "estimated_cost": "1.60",
        }
    ]
    assert reports.suggested_quantity(D(5), D(500), None, D(0)) == D(500)
    assert reports.suggested_quantity(D(5), D(500), None, D(600)) == D(0)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_each_pdf_has_title_period_pharmacy_and_pages(uow_factory, actors, history, tmp_path):
    pdfs = {
        "controlled": controlled_log_pdf(
            reports.controlled_log(uow_factory, None, start=TODAY - dt.timedelta(days=60))
        ),
        "expiring": expiring_pdf(reports.expiring(uow_factory, None, days=1000)),
        "valuation": valuation_pdf(reports.valuation(uow_factory, None)),
        "dispensing": dispensing_pdf(reports.dispensing_log(uow_factory, None)),
        "reorder": reorder_pdf(reports.reorder(uow_factory, None)),
    }
    expected = {
        "controlled": ["Controlled substance log", "Oxycodone Hydrochloride 5 mg", "Closing balance", "118",
                       f"Rx {history.rx['oxy']}", f"Period {TODAY - dt.timedelta(days=60):%m/%d/%Y} to now"],
        "expiring": ["Expiring stock", "AL2", "recalled", "within 1000 days"],
        "valuation": ["Inventory valuation", "$57.33", "$193.70"],
        "dispensing": ["Dispensing log", history.patient, actors["pharmacist"].display_name, "not verified yet",
                       f"Period {TODAY:%m/%d/%Y} to {TODAY:%m/%d/%Y}"],
        "reorder": ["Reorder list", "Metformin Hydrochloride 500 mg", "$1.60"],
    }  # fmt: skip
    for name, data in pdfs.items():
        assert data.startswith(b"%PDF")
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(data)
        if os.environ.get("PHARMACY_REPORT_PDF_DIR"):  # to render and look at them: pdftoppm -png
            shutil.copy(path, os.environ["PHARMACY_REPORT_PDF_DIR"])
        words = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
        for needle in [*expected[name], "Main Street Pharmacy", "Page 1 of 1", "Printed "]:
            assert needle in words, (name, needle)


def test_after_the_demo_the_controlled_log_ends_at_on_hand_for_every_item(demo_uow_factory):
    uow_factory = demo_uow_factory  # a copy of the demo pharmacy (tests/conftest.py demo_template)
    log = reports.controlled_log(uow_factory, None)
    assert log.items  # the demo stocks controlled drugs
    rows = rows_of(controlled_log_csv(log))
    closing = check_running_balances(rows)
    with uow_factory() as uow:
        on_hand = {i.ndc: i.on_hand for i in uow.inventory_reports.controlled_items()}
    assert closing == {ndc: on_hand[ndc] for ndc in closing}
    assert {ndc for ndc, qty in on_hand.items() if qty} <= {i.ndc for i in log.items}  # every one holding stock
