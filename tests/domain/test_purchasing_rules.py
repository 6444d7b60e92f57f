"""domain/purchasing.py and domain/receiving.py: reorder math, order money, receipt planning (pure)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from pharmacy_desktop.domain import purchasing as p
from pharmacy_desktop.domain import receiving as r
from pharmacy_desktop.domain.barcodes import GS, build_gs1_element_string, ndc_to_gtin14, ndc_to_upc_a

D = Decimal
TODAY = dt.date(2026, 12, 2)
NDC = "64725-1020-1"
NDC11 = "64725102001"


def need(on_hand, point=50, qty=250, par=None, on_order=0, size=100):
    return p.ReorderNeed(D(on_hand), D(point), D(qty), None if par is None else D(par), D(on_order), size and D(size))


@pytest.mark.parametrize(
    "quantity,size,expected",
    [
        ("250", "100", "300"),
        ("300", "100", "300"),
        ("1", "100", "100"),
        ("0", "100", "0"),
        ("-5", "100", "0"),
        ("12.5", None, "13"),
        ("480", "118.5", "592.5"),  # a 118.5 mL bottle: whole bottles
        ("7", "0", "7"),  # a nonsense size: whole units
    ],
)
def test_round_up_to_packages(quantity, size, expected):
    assert p.round_up_to_packages(D(quantity), size and D(size)) == D(expected)


@pytest.mark.parametrize(
    "kwargs,expected",
    [
        (dict(on_hand=40), "300"),  # below the point: the reorder quantity, in bottles of 100
        (dict(on_hand=50), "300"),  # at the point counts (the buyer orders when it is reached)
        (dict(on_hand=51), "0"),  # above: nothing
        (dict(on_hand=40, on_order=300), "0"),  # already on order: not ordered twice
        (dict(on_hand=10, on_order=30), "300"),  # on order but still short
        (dict(on_hand=40, par=1000), "1000"),  # up to par: 960 -> 10 bottles
        (dict(on_hand=10, par=950, on_order=40), "900"),  # par counts what is coming: 900 (not 940 -> 1000)
        (dict(on_hand=40, par=30), "300"),  # par under the position: the reorder quantity instead
        (dict(on_hand=0, qty=250, size=None), "250"),  # unknown package size: units
        (dict(on_hand=0, point=0, qty=100, size=1000), "1000"),  # point 0: ordered when empty
    ],
)
def test_reorder_quantity(kwargs, expected):
    assert p.reorder_quantity(need(**kwargs)) == D(expected)


def test_money_half_up_and_totals():
    assert p.line_total(D(300), D("0.0315")) == D("9.45")
    assert p.line_total(D(3), D("0.0050")) == D("0.02")  # 0.015 -> 0.02, half-up
    assert p.line_total(D(1), D("2.675")) == D("2.68")
    assert p.order_total([D("9.45"), D("63.00")]) == D("72.45")
    assert p.order_total([]) == D("0.00")


def test_is_schedule_ii():
    assert p.is_schedule_ii(["CII", None])
    assert p.is_schedule_ii(["2N"])
    assert not p.is_schedule_ii(["CIII", "CIV", None, "junk"])
    assert not p.is_schedule_ii([])


def test_over_receipt_and_status():
    assert p.over_receipt_problem("Lisinopril", D(300), D(200), D(100)) is None
    assert p.over_receipt_problem("Lisinopril", D(300), D(100), D(100), scanned=D(100)) is None
    message = p.over_receipt_problem("Lisinopril", D(300), D(250), D(100))
    assert "(100 units) is more than ordered (250 of 300 units received; 50 left)" in message and "aside" in message
    message = p.over_receipt_problem("Lisinopril", D(300), D(200), D(100), scanned=D(100))
    assert "200 of 300 units received, 100 more in the packages scanned before it; 0 left" in message
    assert p.order_status_after_receipt([(D(300), D(300)), (D(100), D(100))]) == "received"
    assert p.order_status_after_receipt([(D(300), D(100)), (D(100), D(0))]) == "partially_received"
    assert p.order_status_after_receipt([(D(300), D(0))]) == "sent"


def scan(lot="A1", expiry=TODAY + dt.timedelta(days=400), serial="S1", ndc=NDC):
    return "]d2" + build_gs1_element_string(ndc_to_gtin14(ndc), expiry=expiry, lot=lot, serial=serial)


def test_parse_package():
    text = scan(lot="LOT7", serial="0001")
    assert GS in text
    package = r.parse_package(text, 1, today=TODAY)
    assert (package.lot, package.serial, NDC11 in package.ndc_candidates) == ("LOT7", "0001", True)
    assert r.parse_package("]d2" + "(01)" + ndc_to_gtin14(NDC) + "(17)271231(10)X9", 2, today=TODAY).serial is None
    with pytest.raises(r.ReceivingRefused, match="line barcode"):
        r.parse_package(ndc_to_upc_a(NDC), 1, today=TODAY)  # the bottle's UPC-A
    with pytest.raises(r.ReceivingRefused, match="no lot"):
        r.parse_package("]d2" + build_gs1_element_string(ndc_to_gtin14(NDC), expiry=TODAY), 1, today=TODAY)
    with pytest.raises(r.ReceivingRefused, match="expired on"):
        r.parse_package(scan(expiry=TODAY - dt.timedelta(days=1)), 3, today=TODAY)
    with pytest.raises(r.ReceivingRefused, match="could not be read"):
        r.parse_package("]d201" + "1" * 14, 4, today=TODAY)


LINE = r.OrderLine(uuid.uuid4(), uuid.uuid4(), NDC11, "Lisinopril 20 mg", D(300), D(0), D(100))


def plan(scans, *, lines=(LINE,), lots=None, serials=frozenset(), units=None):
    packages = [r.parse_package(s, n, today=TODAY) for n, s in enumerate(scans, 1)]
    return r.plan_receipt("PO000001", lines, packages, lots=lots or {}, received_serials=set(serials), units=units)


def test_plan_groups_by_lot():
    receipts = plan([scan("A1", serial="1"), scan("B2", serial="2"), scan("a1", serial="3")])
    assert [(x.lot, x.quantity, len(x.packages)) for x in receipts] == [("A1", D(200), 2), ("B2", D(100), 1)]


def test_plan_refusals():
    with pytest.raises(
        r.ReceivingRefused,
        match=r"Package 4 .*more than ordered \(0 of 300 units received, 300 more in the packages scanned before it",
    ):
        plan([scan(serial=str(n)) for n in range(4)])
    with pytest.raises(r.ReceivingRefused, match="scanned twice"):
        plan([scan(serial="1"), scan(serial="1")])
    with pytest.raises(r.ReceivingRefused, match="received before"):
        plan([scan(serial="1")], serials={(ndc_to_gtin14(NDC), "1")})
    with pytest.raises(r.ReceivingRefused, match="not on purchase order PO000001"):
        plan([scan(ndc="64725-0102-1")])
    with pytest.raises(r.ReceivingRefused, match="recalled"):
        plan([scan("A1")], lots={(LINE.item_id, "A1"): r.LotOnRecord(TODAY + dt.timedelta(days=400), "recalled")})
    with pytest.raises(r.ReceivingRefused, match="on record expiring"):
        plan([scan("A1")], lots={(LINE.item_id, "A1"): r.LotOnRecord(TODAY + dt.timedelta(days=30), "active")})
    other_expiry = scan("A1", serial="2", expiry=TODAY + dt.timedelta(days=30))
    with pytest.raises(r.ReceivingRefused, match="another package of the same lot"):
        plan([scan("A1", serial="1"), other_expiry])
    unknown = r.OrderLine(LINE.id, LINE.item_id, NDC11, "Lisinopril 20 mg", D(300), D(0), None)
    with pytest.raises(r.ReceivingRefused, match="how many units"):
        plan([scan()], lines=(unknown,))
    (typed,) = plan([scan()], lines=(unknown,), units={LINE.id: D(30)})
    assert typed.quantity == D(30)


def test_package_ndc_decides_between_lines_sharing_an_11_digit_key():
    # 64725-1020-1 and 64725-0102-1 both give 64725010201 as a candidate key from the same ten digits
    lisinopril = r.OrderLine(uuid.uuid4(), uuid.uuid4(), NDC11, "Lisinopril", D(300), D(0), D(100), "6472510201")
    metformin = r.OrderLine(uuid.uuid4(), uuid.uuid4(), "64725010201", "Metformin", D(100), D(0), D(100), "6472501021")
    (receipt,) = plan([scan()], lines=(metformin, lisinopril))
    assert receipt.line_id == lisinopril.id
    (receipt,) = plan([scan(ndc="64725-0102-1")], lines=(lisinopril, metformin))
    assert receipt.line_id == metformin.id
