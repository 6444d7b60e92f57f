"""Day end (issue 13 item 13) against the real PostgreSQL: the drawer count and close, and the Z
report's data, from sales made through the sale services (tests/pos/day_end_sales.py)."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest

from pharmacy_desktop.adapters.payment_terminal import SimulatedTerminal
from pharmacy_desktop.errors import PermissionDenied, ValidationFailed
from pharmacy_desktop.printing.day_end import day_end_csv
from pharmacy_desktop.services import day_end
from pharmacy_desktop.services.sale import Picker, SaleResult
from tests.fill import factories as f
from tests.pos.conftest import ASPIRIN_UPC, BANDAGE_UPC, add_discount, insure, ready_rx
from tests.pos.day_end_sales import LICENSE, at, card, cash, check, refund_all, sell, void_line

D = Decimal

# ---- the day end against the real database (services/day_end.py) ------------------------------

TODAY = date.today()


@dataclass
class Day:
    sales: dict[str, SaleResult]
    insurance: Decimal


@pytest.fixture
def day(uow_factory, actors, pos):
    """A day at two counters, through the sale services: aspirin for cash with change (refunded
    later, unopened), a C-II paid by credit card and cash and picked up with the picker's driver's
    license, bandages with a $1 code paid by check, a voided line; at the other counter an insured
    prescription's copay by debit card."""
    one, two = at(actors["technician"], "COUNTER-1"), at(actors["technician"], "COUNTER-2")
    terminal = SimulatedTerminal()
    add_discount(uow_factory, "TAKE1", kind="fixed_amount", value="1.00")
    sales = {"aspirin": sell(uow_factory, one, pos.patient_id, store=[ASPIRIN_UPC], pay=cash("10.00"))}
    _, oxy, _ = ready_rx(uow_factory, actors, pos, f.OXYCODONE_5, refills=0, quantity=20)
    sales["oxycodone"] = sell(
        uow_factory,
        one,
        pos.patient_id,
        refills=[oxy],
        picker=Picker("Maria Gonzalez", "self", pos.patient_id, LICENSE),
        pay=card(terminal, "credit", "4242", "5.00", then=cash()),
    )
    sales["bandages"] = sell(
        uow_factory, one, pos.patient_id, store=[BANDAGE_UPC], discount_code="TAKE1", pay=check("1043")
    )
    void_line(uow_factory, one, "Aspirin 81 mg 120 ct", "7.03")
    insure(uow_factory, pos.patient_id)
    _, lisinopril, _ = ready_rx(uow_factory, actors, pos, bill=True)
    sales["lisinopril"] = sell(
        uow_factory, two, pos.patient_id, refills=[lisinopril], pay=card(terminal, "debit", "0007")
    )
    refund_all(uow_factory, at(actors["manager"], "COUNTER-2"), sales["aspirin"].sale_number)
    assert [s.patient_pay for s in sales.values()] == [D("7.03"), D("12.00"), D("2.99"), D("10.00")]
    return Day(sales, D("7.00"))  # the plan's share of the lisinopril (tests/pos/test_sale.py)


def events(uow_factory, event_type: str):
    from sqlalchemy import select

    from pharmacy_desktop.db.models.audit import DomainEvent

    with uow_factory() as uow:
        rows = list(uow.session.scalars(select(DomainEvent).where(DomainEvent.event_type == event_type)))
        uow.session.expunge_all()
        return rows


COUNTS_1 = {"cash": D("107.00"), "credit_card": D("5.00"), "check": D("2.99")}


def test_the_drawer_should_hold_its_sales_less_its_refunds_plus_the_float(uow_factory, actors, day):
    rph = actors["pharmacist"]
    first = day_end.drawer_expected(uow_factory, rph, TODAY, "COUNTER-1", opening_float=D("100.00"))
    # cash: 7.03 (10.00 less 2.97 change) + 7.00 - the 7.03 refunded (the refund counts at the sale's counter)
    assert [(t.method, t.sales, t.refunds, t.expected) for t in first.tenders] == [
        ("cash", D("14.03"), D("7.03"), D("107.00")),
        ("credit_card", D("5.00"), D("0.00"), D("5.00")),
        ("check", D("2.99"), D("0.00"), D("2.99")),
    ]
    assert first.opening_float == D("100.00") and first.closed_at is None
    other = day_end.drawer_expected(uow_factory, rph, TODAY, "COUNTER-2")
    assert [(t.method, t.expected) for t in other.tenders] == [("cash", D("0.00")), ("debit_card", D("10.00"))]
    yesterday = day_end.drawer_expected(uow_factory, rph, TODAY - timedelta(days=1), "COUNTER-1")
    assert [(t.method, t.expected) for t in yesterday.tenders] == [("cash", D("0.00"))]


def test_a_drawer_is_closed_once_with_its_counts_and_variance(uow_factory, actors, day):
    rph = actors["pharmacist"]
    counted = {**COUNTS_1, "cash": D("106.90")}
    close = day_end.close_drawer(uow_factory, rph, TODAY, "COUNTER-1", D("100.00"), counted, "  short a dime  ")
    assert [(c.method, c.expected, c.counted, c.variance) for c in close.counts] == [
        ("cash", D("107.00"), D("106.90"), D("-0.10")),
        ("credit_card", D("5.00"), D("5.00"), D("0.00")),
        ("check", D("2.99"), D("2.99"), D("0.00")),
    ]
    assert close.variance == D("-0.10") and close.notes == "short a dime" and close.closed_by == rph.display_name
    with pytest.raises(ValidationFailed, match="already closed by .* once a day"):
        day_end.close_drawer(uow_factory, actors["manager"], TODAY, "COUNTER-1", D("100.00"), counted)
    [event] = events(uow_factory, "DrawerClosed")
    assert event.event_data["variance"]["cash"] == "-0.10" and event.user_id == rph.user_id
    again = day_end.drawer_expected(uow_factory, rph, TODAY, "COUNTER-1")
    assert again.closed_at is not None and again.opening_float == D("100.00") and again.expected("cash") == D("107.00")
    with uow_factory() as uow:
        [row] = uow.billing_reports.drawer_closes(TODAY)
        assert row.counted == {"cash": "106.90", "credit_card": "5.00", "check": "2.99"}
        assert row.expected["cash"] == "107.00" and row.variance["cash"] == "-0.10"


def test_every_tender_is_counted_and_counts_are_money(uow_factory, actors, day):
    rph = actors["pharmacist"]
    close = functools.partial(day_end.close_drawer, uow_factory, rph, TODAY, "COUNTER-1", D("100.00"))
    with pytest.raises(ValidationFailed, match=r"check \(expected \$2.99\)") as missing:
        close({"cash": D("107.00"), "credit_card": D("5.00")})
    assert missing.value.field_errors == {"check": "required"}
    with pytest.raises(ValidationFailed, match="cannot be negative"):
        close({**COUNTS_1, "cash": D("-1.00")})
    with pytest.raises(ValidationFailed, match="'bitcoin' is not a tender"):
        close({**COUNTS_1, "bitcoin": D("1.00")})
    with pytest.raises(TypeError):
        close({**COUNTS_1, "cash": 107.0})
    with pytest.raises(ValidationFailed, match="has not begun"):
        day_end.close_drawer(uow_factory, rph, TODAY + timedelta(days=1), "COUNTER-1", D("0"), {"cash": D("0")})
    with uow_factory() as uow:
        assert uow.billing_reports.drawer_closes(TODAY) == []  # nothing was written by a refusal


def test_a_technician_may_not_count_or_close_a_drawer(uow_factory, actors, day):
    tech = actors["technician"]
    counts = {"cash": D("0"), "debit_card": D("10.00")}
    with pytest.raises(PermissionDenied, match="pos.close_drawer"):
        day_end.drawer_expected(uow_factory, tech, TODAY, "COUNTER-1")
    with pytest.raises(PermissionDenied, match="pos.close_drawer"):
        day_end.close_drawer(uow_factory, tech, TODAY, "COUNTER-2", D("0"), counts)
    close = day_end.close_drawer(uow_factory, actors["manager"], TODAY, "COUNTER-2", D("0"), counts)
    assert close.variance == D("0.00")


def test_two_workstations_closing_the_same_drawer_at_once_close_it_once(uow_factory, actors, day):
    """The second close passes the 'already closed?' check before the first commits; the UNIQUE
    constraint refuses it once the first commits, with the same clear message."""
    rph, manager = actors["pharmacist"], actors["manager"]
    counts = {"cash": D("0"), "debit_card": D("10.00")}
    outcome: list[object] = []
    with uow_factory(rph.user_id) as first:
        first.billing_reports.add_drawer_close(
            day=TODAY,
            workstation="COUNTER-2",
            opening_float=D("0"),
            expected={},
            counted={},
            variance={},
            notes=None,
            closed_by=rph.user_id,
        )

        def second() -> None:
            try:
                outcome.append(day_end.close_drawer(uow_factory, manager, TODAY, "COUNTER-2", D("0"), counts))
            except ValidationFailed as exc:
                outcome.append(exc)

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(1.5)
        assert thread.is_alive()  # waiting on the first close's row
        first.commit()
    thread.join(10)
    [result] = outcome
    assert isinstance(result, ValidationFailed) and "closed on another workstation a moment ago" in result.message
    with uow_factory() as uow:
        assert len(uow.billing_reports.drawer_closes(TODAY)) == 1


def test_the_day_end_data_has_every_figure_of_the_day(uow_factory, actors, day):
    day_end.close_drawer(uow_factory, actors["pharmacist"], TODAY, "COUNTER-1", D("100.00"), COUNTS_1)
    data = day_end.day_end_data(uow_factory, actors["manager"], TODAY)
    assert data.pharmacy_name and data.business_date == TODAY
    assert data.workstations == ("COUNTER-1", "COUNTER-2")
    assert [(t.method, t.count, t.amount) for t in data.sales_by_tender] == [
        ("cash", 2, D("14.03")),
        ("check", 1, D("2.99")),
        ("credit_card", 1, D("5.00")),
        ("debit_card", 1, D("10.00")),
    ]
    assert [(t.method, t.count, t.amount) for t in data.refunds_by_tender] == [("cash", 1, D("7.03"))]
    assert (data.voids_count, data.voids_amount) == (1, D("7.03"))
    assert (data.discounts_total, data.tax_total, data.insurance_paid_total) == (D("1.00"), D("0.54"), day.insurance)
    assert data.prescriptions_picked_up == 2
    [pickup] = data.controlled_pickups
    assert (pickup.rx_number, pickup.schedule, pickup.picker_name) == (
        day.sales["oxycodone"].rx_numbers[0],
        "C-II",
        "Maria Gonzalez",
    )
    assert pickup.drug.startswith("Oxycodone Hydrochloride") and "5 mg" in pickup.drug.lower()
    assert (pickup.id_type, pickup.id_number, pickup.id_state) == ("drivers_license", "****4567", "IL")
    assert pickup.picked_up_at.date() == TODAY and pickup.picked_up_at.tzinfo is not None
    closed, open_ = data.drawers
    assert closed.is_closed and closed.opening_float == D("100.00") and closed.closed_by
    assert [(line.method, line.expected, line.counted, line.variance) for line in closed.lines][0] == (
        "cash",
        D("107.00"),
        D("107.00"),
        D("0.00"),
    )
    assert not open_.is_closed and [(line.method, line.expected, line.counted) for line in open_.lines] == [
        ("cash", D("0.00"), None),
        ("debit_card", D("10.00"), None),
    ]
    [viewed] = events(uow_factory, "DayEndReportViewed")
    assert viewed.event_data["business_date"] == TODAY.isoformat() and viewed.user_id == actors["manager"].user_id
    csv_text = day_end_csv(data)
    assert "D1234567" not in csv_text and "****4567" in csv_text


def test_who_may_see_the_z_report(uow_factory, actors, day):
    with pytest.raises(PermissionDenied):
        day_end.day_end_data(uow_factory, actors["technician"], TODAY)
    assert day_end.day_end_data(uow_factory, actors["pharmacist"], TODAY).prescriptions_picked_up == 2
    quiet = day_end.day_end_data(uow_factory, None, TODAY - timedelta(days=1))  # the command line
    assert quiet.workstations == () and quiet.sales_by_tender == () and quiet.drawers == ()
