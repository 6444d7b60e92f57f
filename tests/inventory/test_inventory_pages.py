"""The inventory screen's Orders, Receiving, Recalls and Reports pages driven by keyboard and scanner
(pytest-qt, real PostgreSQL); the inventory invariants after each scenario that moved stock."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from pharmacy_desktop.db.models.inventory import StockAdjustment
from pharmacy_desktop.services import fill, purchasing
from pharmacy_desktop.ui.screens.inventory import InventoryScreen
from pharmacy_desktop.ui.widgets.inventory_orders import OrdersPage
from pharmacy_desktop.ui.widgets.inventory_recalls import LOT_HEADERS, PATIENT_HEADERS, RecallsPage
from pharmacy_desktop.ui.widgets.inventory_receiving import ReceivingPage
from pharmacy_desktop.ui.widgets.inventory_reports import REPORTS, ReportsPage
from tests.conftest import make_actor
from tests.counter_driver import Counter, context_for
from tests.fill import factories as f
from tests.inventory.invariants import assert_inventory_invariants
from tests.inventory.ledger_world import TODAY, new_item, receive
from tests.inventory.purchase_world import LISINOPRIL, OXYCODONE, buyer_world, sent_order

pytestmark = pytest.mark.ui
D = Decimal
WAIT = 15_000
R1_EXPIRY = TODAY + dt.timedelta(days=400)
PATIENT_QTY, LOT_QTY = PATIENT_HEADERS.index("Qty"), LOT_HEADERS.index("Qty")


def show(qtbot, page):
    qtbot.addWidget(page)
    page.resize(1280, 800)
    with qtbot.waitActive(page):
        page.show()
        page.activateWindow()
    return page


@pytest.fixture
def counter_for():
    made = []

    def make(page):
        c = Counter.on_screen(page)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


def batch_state(uow_factory, item_id):
    with uow_factory() as uow:
        return {b.batch_number: (b.status, b.quantity_remaining) for b in uow.inventory.batches_of(item_id)}


@pytest.fixture
def recalled_shelf(uow_factory, engine, actors):
    """Lot R1 of lisinopril 20 mg (100) and of oxycodone 5 mg (C-II, 40); Maria's prescription
    filled from R1 by its DataMatrix."""
    world = f.world(uow_factory, stock_for=())
    with uow_factory() as uow:
        meds = {
            d: uow.session.get(f.Medication, world.meds[d.package_ndc]) for d in (f.LISINOPRIL_20_100, f.OXYCODONE_5)
        }
        items = {d: new_item(uow, med).id for d, med in meds.items()}
        uow.commit()
    receive(uow_factory, items[f.LISINOPRIL_20_100], "R1", 100, expiry=R1_EXPIRY)
    receive(uow_factory, items[f.OXYCODONE_5], "X9", 40, expiry=R1_EXPIRY)
    fill.fill(uow_factory, actors["technician"], world.rx_id, f.LISINOPRIL_20_100.datamatrix("R1", R1_EXPIRY))
    assert_inventory_invariants(engine)
    return world, items


def test_recall_by_scan_lists_the_patients_then_returns_the_lot(
    qtbot, uow_factory, engine, actors, recalled_shelf, counter_for
):
    world, items = recalled_shelf
    lisinopril = items[f.LISINOPRIL_20_100]
    page = show(qtbot, RecallsPage(context_for(uow_factory), actors["pharmacist"]))
    counter = counter_for(page)
    page.activate()
    qtbot.waitUntil(lambda: page.quarantined.rowCount() == 0 and page.lots == [], timeout=WAIT)

    counter.scan(f.LISINOPRIL_20_100.datamatrix("R1", R1_EXPIRY, serial="SN1"))
    qtbot.waitUntil(lambda: page.lot.text() == "R1", timeout=WAIT)
    assert page.ndc.text() == f.LISINOPRIL_20_100.package_ndc
    assert page.reason.hasFocus()
    counter.type("NDMA above the limit")
    counter.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.recall is not None, timeout=WAIT)

    assert page.patients.rowCount() == 1
    assert page.patients.item(0, 0).text() == "Gonzalez, Maria"
    assert page.patients.item(0, 3).text() == world.rx_number
    assert "1 patient(s) received this lot" in page.status.text()
    left = int(batch_state(uow_factory, lisinopril)["R1"][1])
    # quantities in the unit counted out, like every other tab (issue 18): never a bare number
    assert f"{left} tablets moved to quarantine" in page.status.text() and " units " not in page.status.text()
    assert page.patients.item(0, PATIENT_QTY).text() == "30 tablets"
    assert batch_state(uow_factory, lisinopril)["R1"][0] == "recalled"
    qtbot.waitUntil(lambda: page.quarantined.rowCount() == 1, timeout=WAIT)
    assert page.quarantined.item(0, 2).text() == "R1"
    assert page.quarantined.item(0, LOT_QTY).text() == f"{left} tablets"
    assert_inventory_invariants(engine)

    # return it to the supplier: select the lot, Alt+E, who takes it, Enter
    page.quarantined.setFocus()
    page.quarantined.selectRow(0)
    counter.press(Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    assert page.disposal_panel.isVisible() and not page.disposal_panel.witness_rows.isVisible()
    counter.type("McKesson RA 5521")
    counter.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.last_disposal is not None, timeout=WAIT)
    assert batch_state(uow_factory, lisinopril)["R1"] == ("returned", 0)
    assert f"{left} tablets returned to the supplier" in page.status.text()
    qtbot.waitUntil(lambda: page.quarantined.rowCount() == 0, timeout=WAIT)
    assert_inventory_invariants(engine)

    page.clear_sensitive()  # sign-out: the patients' names and phones leave the screen
    assert page.patients.rowCount() == 0 and page.recall is None


def test_destroying_a_controlled_lot_takes_two_witnesses_with_their_passwords(
    qtbot, uow_factory, engine, actors, recalled_shelf, counter_for
):
    _, items = recalled_shelf
    oxycodone = items[f.OXYCODONE_5]
    make_actor(uow_factory, "pharmacist", "rph2")
    page = show(qtbot, RecallsPage(context_for(uow_factory), actors["pharmacist"]))
    counter = counter_for(page)
    page.ndc.setFocus()
    counter.type(f.OXYCODONE_5.package_ndc)
    counter.press(Qt.Key.Key_Tab)
    counter.type("X9")
    page.reason.setFocus()
    counter.type("Manufacturer recall: mislabeled strength")
    counter.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.recall is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: page.quarantined.rowCount() == 1, timeout=WAIT)
    assert page.quarantined.item(0, 0).text().startswith("[CII]") or "C" in page.quarantined.item(0, 0).text()

    page.quarantined.setFocus()
    page.quarantined.selectRow(0)
    counter.press(Qt.Key.Key_X, Qt.KeyboardModifier.AltModifier)
    assert page.disposal_panel.witness_rows.isVisible() and "two witnesses" in page.disposal_panel.title.text()
    counter.type("reverse distributor")
    counter.press(Qt.Key.Key_Return)  # no witnesses yet: refused on the screen, nothing sent
    assert "Both witnesses" in page.status.text()

    (u1, p1), (u2, p2) = page.disposal_panel.witness_fields
    for field, text in ((u1, "manager1"), (p1, "wrong-password"), (u2, "rph2"), (p2, "Counter-Test-2026!")):
        field.setFocus()
        counter.type(text)
    counter.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not page.busy and page.status.icon_kind == "stop", timeout=WAIT)
    assert batch_state(uow_factory, oxycodone)["X9"] == ("recalled", 40)  # a wrong password destroys nothing
    assert p1.text() == "" and p2.text() == ""  # passwords never linger on the screen

    for field, text in ((p1, "Counter-Test-2026!"), (p2, "Counter-Test-2026!")):
        field.setFocus()
        counter.type(text)
    counter.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.last_disposal is not None or page.status.icon_kind == "stop", timeout=WAIT)
    assert page.last_disposal is not None, page.status.text()
    assert page.last_disposal.form_41 is not None
    assert {name for _, name in page.last_disposal.form_41.witnesses} == {"Manager Manager1", "Pharmacist Rph2"}
    assert "DEA Form 41" in page.status.text()
    assert "40 tablets destroyed" in page.status.text()
    assert batch_state(uow_factory, oxycodone)["X9"] == ("destroyed", 0)
    with uow_factory() as uow:
        adjustment = uow.session.get(StockAdjustment, page.last_disposal.adjustment_id)
        assert adjustment.dea_form == "41"
    assert_inventory_invariants(engine)


@pytest.mark.parametrize("fmt", ["csv", "pdf"])
def test_reports_shown_then_saved_off_the_gui_thread(qtbot, uow_factory, actors, recalled_shelf, tmp_path, fmt):
    page = show(qtbot, ReportsPage(context_for(uow_factory), actors["pharmacist"]))
    page.folder = tmp_path
    counter = Counter.on_screen(page)
    try:
        page.activate()
        assert page.choice.hasFocus() and page.kind().name == "controlled-log"
        counter.press(Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: page.last is not None, timeout=WAIT)
        assert page.last.header == (
            "ndc", "drug", "schedule", "date", "kind", "reference", "quantity_in", "quantity_out", "balance",
        )  # fmt: skip
        oxy = [r for r in page.last.rows if r[0] == f.OXYCODONE_5.ndc11]
        assert oxy and Decimal(oxy[-1][-1]) == 40  # the running balance ends at on hand
        assert page.last.saved_to is None

        counter.press(Qt.Key.Key_Down)  # expiring, within 90 days by default
        assert page.kind().name == "expiring" and page.days.isEnabled() and not page.start.isEnabled()
        page.format.setCurrentIndex(page.format.findData(fmt))
        page.choice.setFocus()
        page.last = None
        counter.press(Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: page.last is not None, timeout=WAIT)
        saved = page.last.saved_to
        assert saved == tmp_path / f"expiring-{dt.date.today().isoformat()}.{fmt}"
        data = saved.read_bytes()
        if fmt == "pdf":
            assert data.startswith(b"%PDF")
        else:
            header = next(csv.reader(io.StringIO(data.decode("utf-8"))))
            assert header == ["ndc", "drug", "lot", "expiration_date", "quantity", "status"]
        assert "Saved" in page.status.text()
        assert not list(tmp_path.glob(".*"))  # no temporary file left beside it
    finally:
        counter.close()


def test_every_report_builds_for_the_pharmacist(qtbot, uow_factory, actors, recalled_shelf, tmp_path):
    page = show(qtbot, ReportsPage(context_for(uow_factory), actors["pharmacist"]))
    for row, kind in enumerate(REPORTS):
        page.choice.setCurrentRow(row)
        page.last = None
        page.show_report()
        qtbot.waitUntil(lambda: page.last is not None or page.status.icon_kind == "stop", timeout=WAIT)
        assert page.last is not None and page.last.kind is kind, page.status.text()
        assert page.table.columnCount() == len(page.last.header) > 1


def test_a_technician_is_told_why_a_report_is_refused(qtbot, uow_factory, actors, recalled_shelf):
    page = show(qtbot, ReportsPage(context_for(uow_factory), actors["technician"]))
    page.choice.setCurrentRow([k.name for k in REPORTS].index("dispensing-log"))
    page.show_report()
    qtbot.waitUntil(lambda: page.status.icon_kind == "stop", timeout=WAIT)
    assert page.last is None and not page.busy
    assert "permission" in page.status.text().lower() or "not allowed" in page.status.text().lower()


# -- orders and receiving -----------------------------------------------------------------------


@pytest.fixture
def buyer(uow_factory, actors, engine):
    world = buyer_world(uow_factory, actors)
    yield world
    assert_inventory_invariants(engine)


def test_suggestions_become_drafts_edited_and_sent_with_the_pdf_saved(
    qtbot, uow_factory, actors, buyer, tmp_path, counter_for
):
    page = show(qtbot, OrdersPage(context_for(uow_factory), actors["pharmacist"]))
    page.folder = tmp_path
    counter = counter_for(page)
    page.activate()
    counter.press(Qt.Key.Key_G, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: page.suggestion_table.rowCount() > 0, timeout=WAIT)
    ndcs = {page.suggestion_table.item(r, 2).text() for r in range(page.suggestion_table.rowCount())}
    assert "00406-0552-01" in ndcs  # the C-II item, its NDC as 5-4-2
    counter.press(Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.order is not None and not page.busy, timeout=WAIT)
    qtbot.waitUntil(lambda: len(page.orders) == 2, timeout=WAIT)  # one order, the C-II apart
    assert {o.status for o in page.orders} == {"pending"}

    # the C-II draft: change its quantity, then send it without and with its DEA Form 222 number
    c2_row = next(i for i, o in enumerate(page.orders) if o.is_schedule_ii)
    page.order_list.setFocus()
    page.order_list.selectRow(c2_row)
    counter.press(Qt.Key.Key_Return)
    assert page.order.is_schedule_ii and page.dea_number.isVisible() and page.lines.hasFocus()
    counter.press(Qt.Key.Key_Q, Qt.KeyboardModifier.AltModifier)
    assert page.quantity.hasFocus()
    counter.type("200")
    counter.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "changed" in page.status.text(), timeout=WAIT)
    assert page.order.lines[0].quantity_ordered == 200

    counter.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "DEA Form 222" in page.status.text() and page.dea_number.hasFocus()
    assert page.order.status == "pending"
    counter.type("261234567")
    counter.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.order.status == "sent", timeout=WAIT)
    pdf = tmp_path / f"{page.order.po_number}.pdf"
    assert page.last_pdf == pdf and pdf.read_bytes().startswith(b"%PDF")
    assert page.order.dea_order_number == "261234567"
    assert not page.send_button.isEnabled()
    with uow_factory() as uow:
        row = uow.purchasing.order(page.order.id)
        assert (row.status, row.dea_order_number, row.sent_by) == ("sent", "261234567", actors["pharmacist"].user_id)


def test_a_technician_cannot_send_a_schedule_ii_order(qtbot, uow_factory, actors, buyer, tmp_path):
    draft = purchasing.create_order(
        uow_factory,
        actors["pharmacist"],
        buyer.suppliers["McKesson"],
        [(buyer.items[OXYCODONE.package_ndc], D(100), None)],
    )
    page = show(qtbot, OrdersPage(context_for(uow_factory), actors["technician"]))
    page.folder = tmp_path
    page.activate()
    qtbot.waitUntil(lambda: len(page.orders) == 1, timeout=WAIT)
    page._open_row(0)
    page.dea_number.setText("261234567")
    page.send()
    qtbot.waitUntil(lambda: page.status.icon_kind == "stop", timeout=WAIT)
    assert page.order.status == "pending" and not list(tmp_path.iterdir())
    assert purchasing.get_order(uow_factory, actors["pharmacist"], draft.id).status == "pending"


def test_receiving_by_scanned_datamatrix_partial_then_over_receipt_refused_then_complete(
    qtbot, uow_factory, engine, actors, buyer, counter_for
):
    tech = actors["technician"]
    item = buyer.items[LISINOPRIL.package_ndc]
    order = sent_order(uow_factory, tech, buyer.suppliers["McKesson"], [(item, D(300), D("0.04"))])
    page = show(qtbot, ReceivingPage(context_for(uow_factory), tech))
    counter = counter_for(page)
    page.activate()
    qtbot.waitUntil(lambda: len(page.orders) == 1, timeout=WAIT)
    counter.scan(LISINOPRIL.datamatrix("L-100", R1_EXPIRY, serial="S1"))  # no order picked yet
    assert page.result.state == "problem" and "Pick the order" in page.result.text.text()

    page.order_list.setFocus()
    counter.press(Qt.Key.Key_Return)
    assert page.order.id == order.id and page.prompt.hasFocus()
    for serial in ("S1", "S2"):  # two bottles of 100: partial
        counter.scan(LISINOPRIL.datamatrix("L-100", R1_EXPIRY, serial=serial))
        qtbot.waitUntil(lambda: not page.checking, timeout=WAIT)
    assert page.result.state == "ok", page.result.text.text()
    assert "lot L-100" in page.result.text.text() and "100 tablets still due" in page.result.text.text()
    assert [page.lines.item(0, c).text() for c in (2, 3, 4, 5, 6)] == [
        "300 tablets",
        "0 tablets",
        "200 tablets",
        "100 tablets",
        "partial",
    ]
    assert page.packages.rowCount() == 2 and page.packages.item(1, 4).text() == "S2"

    counter.scan(LISINOPRIL.datamatrix("L-100", R1_EXPIRY, serial="S2"))  # the same package again
    qtbot.waitUntil(lambda: not page.checking, timeout=WAIT)
    assert page.result.state == "problem" and page.packages.rowCount() == 2

    counter.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.last_receipt is not None, timeout=WAIT)
    assert page.last_receipt.order.status == "partially_received"
    assert "partly received" in page.result.text.text()
    assert page.packages.rowCount() == 0
    assert [page.lines.item(0, c).text() for c in (3, 5)] == ["200 tablets", "100 tablets"]
    assert batch_state(uow_factory, item)["L-100"] == ("active", 200)
    assert_inventory_invariants(engine)

    # two more bottles would be 100 over: the second is refused, the first received -> complete
    counter.scan(LISINOPRIL.datamatrix("L-200", R1_EXPIRY, serial="S3"))
    qtbot.waitUntil(lambda: not page.checking, timeout=WAIT)
    assert "this line is complete" in page.result.text.text()
    counter.scan(LISINOPRIL.datamatrix("L-200", R1_EXPIRY, serial="S4"))
    qtbot.waitUntil(lambda: not page.checking, timeout=WAIT)
    assert page.result.state == "problem" and len(page.scans) == 1
    page.last_receipt = None
    counter.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.last_receipt is not None, timeout=WAIT)
    assert page.last_receipt.order.status == "received"
    assert "complete" in page.lines.item(0, 6).text()
    assert batch_state(uow_factory, item) == {
        "OLD-1": ("active", 40),
        "L-100": ("active", 200),
        "L-200": ("active", 100),
    }
    with uow_factory() as uow:
        assert uow.inventory.require(item).quantity_on_hand == 340
    qtbot.waitUntil(lambda: page.orders == [], timeout=WAIT)  # nothing left to receive


def test_a_package_size_the_catalog_lacks_is_typed_once_then_scans_count_it(
    qtbot, uow_factory, engine, actors, buyer, counter_for
):
    tech = actors["technician"]
    item = buyer.items[LISINOPRIL.package_ndc]
    order = sent_order(uow_factory, tech, buyer.suppliers["McKesson"], [(item, D(200), D("0.04"))])
    with uow_factory() as uow:  # a catalog row without its package description
        uow.session.get(f.Medication, uow.inventory.require(item).medication_id).package_description = None
        uow.commit()
    page = show(qtbot, ReceivingPage(context_for(uow_factory), tech))
    counter = counter_for(page)
    page.activate()
    qtbot.waitUntil(lambda: len(page.orders) == 1, timeout=WAIT)
    page.pick_order(page.orders[0])
    counter.scan(LISINOPRIL.datamatrix("U-1", R1_EXPIRY, serial="U1"))
    qtbot.waitUntil(lambda: not page.checking, timeout=WAIT)
    assert page.result.state == "problem" and "how many units a package holds" in page.result.text.text()
    assert page.scans == []

    page.lines.setFocus()
    page.lines.selectRow(0)
    counter.press(Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    assert page.package_units.hasFocus()
    counter.type("100")
    counter.press(Qt.Key.Key_Return)
    assert page.units and page.prompt.hasFocus()
    counter.scan(LISINOPRIL.datamatrix("U-1", R1_EXPIRY, serial="U1"))
    qtbot.waitUntil(lambda: not page.checking, timeout=WAIT)
    assert page.result.state == "ok", page.result.text.text()
    counter.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.last_receipt is not None, timeout=WAIT)
    assert page.last_receipt.order.id == order.id and page.last_receipt.order.status == "partially_received"
    assert batch_state(uow_factory, item)["U-1"] == ("active", 100)


def test_the_pages_are_tabs_of_the_inventory_screen_with_alt_keys_and_scans_reach_them(
    qtbot, uow_factory, actors, buyer
):
    pharmacist = InventoryScreen(context_for(uow_factory), actors["pharmacist"])
    show(qtbot, pharmacist)
    counter = Counter.on_screen(pharmacist)
    try:
        for key, kind in (
            (Qt.Key.Key_O, OrdersPage),
            (Qt.Key.Key_R, ReceivingPage),
            (Qt.Key.Key_L, RecallsPage),
            (Qt.Key.Key_P, ReportsPage),
        ):
            pharmacist.current_page().setFocus()
            counter.press(key, Qt.KeyboardModifier.AltModifier)
            assert isinstance(pharmacist.current_page(), kind), kind
        pharmacist.show_page(ReceivingPage)
        receiving_page = pharmacist.page(ReceivingPage)
        counter.scan(LISINOPRIL.datamatrix("L-1", R1_EXPIRY, serial="S9"))
        assert receiving_page.result.state == "problem" and "Pick the order" in receiving_page.result.text.text()
    finally:
        counter.close()
    technician = InventoryScreen(context_for(uow_factory), actors["technician"])
    qtbot.addWidget(technician)
    visible = {type(p) for i, p in enumerate(technician.pages) if technician.tabs.isTabVisible(i)}
    assert {OrdersPage, ReceivingPage, ReportsPage} <= visible and RecallsPage not in visible
