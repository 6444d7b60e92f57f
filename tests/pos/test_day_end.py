"""Day end (issue 13 item 13): the Z report as PDF (read back with poppler) and CSV (parsed back)."""

from __future__ import annotations

import csv
import functools
import io
import shutil
import subprocess
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from pharmacy_desktop.adapters.payment_terminal import SimulatedTerminal
from pharmacy_desktop.errors import PermissionDenied, ValidationFailed
from pharmacy_desktop.printing.day_end import (
    CSV_COLUMNS,
    ControlledPickup,
    DayEndData,
    DrawerLine,
    DrawerSummary,
    TenderTotal,
    day_end_csv,
    day_end_pdf,
    mask_id_number,
)
from pharmacy_desktop.services import day_end
from pharmacy_desktop.services.sale import Picker, SaleResult
from tests.fill import factories as f
from tests.pos.conftest import ASPIRIN_UPC, BANDAGE_UPC, add_discount, insure, ready_rx
from tests.pos.day_end_sales import LICENSE, at, card, cash, check, refund_all, sell, void_line

D = Decimal
needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdftoppm")), reason="poppler-utils not installed"
)


def z_data(**changes: object) -> DayEndData:
    values: dict[str, object] = dict(
        pharmacy_name="Main Street Pharmacy",
        business_date=date(2026, 12, 2),
        workstations=("COUNTER-1", "COUNTER-2"),
        generated_at=datetime(2026, 12, 2, 21, 5),
        sales_by_tender=(
            TenderTotal("cash", 12, D("245.10")),
            TenderTotal("credit_card", 7, D("310.45")),
            TenderTotal("check", 1, D("12.00")),
        ),
        refunds_by_tender=(TenderTotal("credit_card", 1, D("10.00")),),
        voids_count=2,
        voids_amount=D("15.99"),
        discounts_total=D("4.20"),
        tax_total=D("3.18"),
        insurance_paid_total=D("812.40"),
        prescriptions_picked_up=23,
        controlled_pickups=(
            ControlledPickup(
                "6001234",
                "Oxycodone/APAP 5/325 mg Tablet",
                "C-II",
                "Jane Q Doe",
                "drivers_license",
                "D123-4567-8901",
                "IL",
                datetime(2026, 12, 2, 14, 5),
            ),
            ControlledPickup(
                "6001240",
                "Alprazolam 0.5 mg Tablet",
                "C-IV",
                "Zoë Ångström-Łukasiewicz",
                "passport",
                "X99887766",
                "NY",
                datetime(2026, 12, 2, 16, 45),
            ),
        ),
        drawers=(
            DrawerSummary(
                "COUNTER-1",
                (
                    DrawerLine("cash", D("345.10"), D("345.00")),
                    DrawerLine("credit_card", D("300.45"), D("300.45")),
                    DrawerLine("check", D("12.00"), D("12.00")),
                ),
                opening_float=D("100.00"),
                closed_by="Pat Manager",
                closed_at=datetime(2026, 12, 2, 20, 55),
            ),
            DrawerSummary("COUNTER-2", (DrawerLine("credit_card", D("10.00")),)),
        ),
    )
    values.update(changes)
    return DayEndData(**values)  # type: ignore[arg-type]


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "z.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# ---- ID masking ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("D123-4567-8901", "****8901"),
        ("X99887766", "****7766"),
        ("A 12 345", "****2345"),
        ("1234", "****"),
        ("", "****"),
    ],
)
def test_id_numbers_keep_only_their_last_four(number, masked):
    assert mask_id_number(number) == masked
    assert mask_id_number(masked) == "****" if len(masked) == 4 else masked  # masking twice changes nothing


def test_a_controlled_pickup_never_holds_the_whole_id_number():
    pickup = z_data().controlled_pickups[0]
    assert pickup.id_number == "****8901"


# ---- PDF ----------------------------------------------------------------------------------------


@needs_poppler
def test_z_report_pdf_has_title_period_generation_time_pages_and_every_section(tmp_path):
    text = pdf_text(day_end_pdf(z_data()), tmp_path)
    words = " ".join(text.split())
    assert "Main Street Pharmacy" in text and "Z report" in text
    assert "Business date 12/02/2026" in words and "COUNTER-1, COUNTER-2" in words
    assert "Printed 12/02/2026 21:05" in text and "Page 1 of 1" in text
    for expected in (
        "Sales by tender Cash 12 $245.10",
        "Credit card 7 $310.45",
        "Total 20 $567.55",
        "Refunds by tender Credit card 1 $10.00",
        "Voids Voided lines and sales 2 $15.99",
        "Discounts Discounts given $4.20",
        "Tax Tax collected $3.18",
        "Insurance Paid by insurance $812.40",
        "Prescriptions Picked up 23",
        "Drawer COUNTER-1 Opening float $100.00",
        "Cash $345.10 $345.00 -$0.10",
        "Drawer COUNTER-2 NOT CLOSED",
    ):
        assert expected in words, expected
    assert "Rx 6001234" in words and "Oxycodone/APAP 5/325 mg Tablet" in words and "C-II" in words
    assert "Jane Q Doe" in words and "Driver's license ****8901 (IL)" in words and "14:05" in words
    assert "Passport ****7766 (NY)" in words and "Łukasiewicz" in words
    assert "4567" not in text and "99887" not in text  # only the last four of an ID
    assert "COUNTER-1 by Pat Manager at 20:55" in words


@needs_poppler
def test_z_report_of_a_quiet_day_says_so(tmp_path):
    quiet = z_data(
        workstations=(),
        sales_by_tender=(),
        refunds_by_tender=(),
        voids_count=0,
        voids_amount=D("0.00"),
        controlled_pickups=(),
        drawers=(),
        prescriptions_picked_up=0,
    )
    words = " ".join(pdf_text(day_end_pdf(quiet), tmp_path).split())
    assert "Sales by tender Total 0 $0.00" in words
    assert "Controlled pickups None" in words and "No drawer activity" in words
    assert "Workstations: none" in words


@needs_poppler
def test_z_report_renders_to_a_landscape_letter_page(tmp_path):
    pdf = tmp_path / "z.pdf"
    pdf.write_bytes(day_end_pdf(z_data()))
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-singlefile", str(pdf), str(tmp_path / "z")], check=True)
    from PIL import Image

    with Image.open(tmp_path / "z.png") as image:
        assert image.size == (550, 425)  # 11 x 8.5 in at 50 dpi
        dark = sum(image.convert("L").histogram()[:128])
        assert dark > 2000  # text was drawn, not a blank page


@needs_poppler
def test_a_long_day_runs_to_several_pages_with_numbers(tmp_path):
    pickup = z_data().controlled_pickups[0]
    many = z_data(controlled_pickups=(pickup,) * 80)
    text = pdf_text(day_end_pdf(many), tmp_path)
    pages = text.count("\f")  # pdftotext ends each page with a form feed
    assert pages >= 2 and all(f"Page {n} of {pages}" in text for n in range(1, pages + 1))
    assert text.count("Rx 6001234") == 80


# ---- CSV ----------------------------------------------------------------------------------------


def test_z_report_csv_parses_back_to_the_same_figures():
    text = day_end_csv(z_data())
    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)
    rows = rows_of(text)
    assert {row["business_date"] for row in rows} == {"2026-12-02"}
    by = {(r["section"], r["workstation"], r["item"]): r for r in rows if r["section"] != "controlled_pickups"}
    assert by[("sales", "", "cash")]["count"] == "12" and D(by[("sales", "", "cash")]["amount"]) == D("245.10")
    assert (by[("sales", "", "total")]["count"], by[("sales", "", "total")]["amount"]) == ("20", "567.55")
    assert by[("refunds", "", "credit_card")]["amount"] == "10.00" and by[("refunds", "", "total")]["count"] == "1"
    assert (by[("voids", "", "voids")]["count"], by[("voids", "", "voids")]["amount"]) == ("2", "15.99")
    assert by[("discounts", "", "discounts")]["amount"] == "4.20"
    assert by[("tax", "", "tax")]["amount"] == "3.18"
    assert by[("insurance", "", "insurance_paid")]["amount"] == "812.40"
    assert by[("prescriptions", "", "picked_up")]["count"] == "23"
    cash = by[("drawer", "COUNTER-1", "cash")]
    assert (cash["expected"], cash["counted"], cash["variance"]) == ("345.10", "345.00", "-0.10")
    assert by[("drawer", "COUNTER-1", "opening_float")]["amount"] == "100.00"
    assert ("drawer", "COUNTER-2", "not_closed") in by
    open_drawer = by[("drawer", "COUNTER-2", "credit_card")]
    assert (open_drawer["expected"], open_drawer["counted"], open_drawer["variance"]) == ("10.00", "", "")
    pickups = [r for r in rows if r["section"] == "controlled_pickups"]
    assert [p["rx_number"] for p in pickups] == ["6001234", "6001240"]
    first = pickups[0]
    assert (first["drug"], first["schedule"], first["picker_name"]) == (
        "Oxycodone/APAP 5/325 mg Tablet",
        "C-II",
        "Jane Q Doe",
    )
    assert (first["id_type"], first["id_number"], first["id_state"]) == ("drivers_license", "****8901", "IL")
    assert datetime.fromisoformat(first["picked_up_at"]) == datetime(2026, 12, 2, 14, 5)
    assert pickups[1]["picker_name"] == "Zoë Ångström-Łukasiewicz"
    assert "4567" not in text and "99887" not in text
    for row in rows:  # plain decimals: never "$", never a thousands separator, never a float's noise
        for column in ("amount", "expected", "counted", "variance"):
            if row[column]:
                assert D(row[column]) == D(row[column]).quantize(D("0.01")) and "$" not in row[column]


def test_z_report_csv_is_utf8_text_with_one_header():
    text = day_end_csv(z_data())
    assert text.encode("utf-8").decode("utf-8") == text and text.count("business_date") == 1
    assert all(len(row) == len(CSV_COLUMNS) for row in csv.reader(io.StringIO(text)))


def test_day_end_amounts_must_be_decimal():
    with pytest.raises(TypeError, match="Decimal"):
        TenderTotal("cash", 1, 12.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Decimal"):
        z_data(tax_total=3.18)
    with pytest.raises(TypeError, match="Decimal"):
        DrawerLine("cash", D("1.00"), 1.0)  # type: ignore[arg-type]


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
