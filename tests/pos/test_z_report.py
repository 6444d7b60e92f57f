"""The Z report (issue 13 item 13) from plain data: PDF read back with poppler, CSV parsed back."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

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
