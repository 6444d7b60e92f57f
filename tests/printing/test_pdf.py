"""PDF label and report framework; text is read back with poppler's pdftotext / pdftoppm."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from pharmacy_desktop.printing.documents import TRANSFER_CAUTION
from pharmacy_desktop.printing.pdf import ReportColumn, ReportSpec, format_cell, label_pdf, render_report
from tests.printing.test_print_layouts import make_label

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdftoppm")), reason="poppler-utils not installed"
)


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def pdf_pages(data: bytes, tmp_path: Path) -> int:
    path = tmp_path / "pages.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def words(text: str) -> str:
    return " ".join(text.split())


def test_label_pdf_is_a_pdf():
    data = label_pdf(make_label())
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert label_pdf(make_label()) == data  # reproducible: a queue can store it and compare


@needs_poppler
def test_label_pdf_has_the_label_content(tmp_path):
    label = make_label(patient_name="Zoë Ångström-Łukasiewicz", schedule="C-II", refills_remaining=0, is_reprint=True)
    text = words(pdf_text(label_pdf(label), tmp_path))
    for expected in (
        "Zoë Ångström-",
        "Atorvastatin Calcium 20 mg Tablet",
        "Take 1 tablet by mouth once a day at bedtime",
        "Qty: 30 tablets",
        "No refills",
        "Rx: 6001234",
        "C-II",
        "Filled: 03/14/2025",
        "Prescriber: Dr. Maria Gonzalez",
        "NDC: 00071-0155-23",
        "Discard after: 03/14/2026",
        "Main Street Pharmacy",
        "REPRINT",
        TRANSFER_CAUTION,
    ):
        assert expected in text, expected
    # A Unicode font is used when one is installed; otherwise Ł is transliterated, never dropped.
    assert "Łukasiewicz" in text or "Lukasiewicz" in text
    assert text.index("Zoë") < text.index("Take 1 tablet") < text.index("Main Street Pharmacy")


@needs_poppler
def test_label_pdf_without_caution_for_uncontrolled_drugs(tmp_path):
    text = words(pdf_text(label_pdf(make_label(schedule=None)), tmp_path))
    assert "Federal law" not in text and "REPRINT" not in text and "Refills: 2" in text


@needs_poppler
def test_label_pdf_renders_to_a_4x3_inch_picture(tmp_path):
    pdf = tmp_path / "label.pdf"
    pdf.write_bytes(label_pdf(make_label()))
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(pdf), str(tmp_path / "label")], check=True)
    with Image.open(tmp_path / "label.png") as image:
        assert image.size == (400, 300)
        gray = image.convert("L")
        dark = gray.point(lambda px: 255 if px < 128 else 0).histogram()[255]
        assert dark > 4000  # text and a barcode
        # Nothing printed in the 0.1 in border: content stays inside the die-cut label.
        border = [gray.getpixel((x, y)) for x in range(400) for y in (0, 1, 298, 299)]
        assert min(border) > 200


@needs_poppler
def test_long_directions_shrink_to_stay_on_the_label(tmp_path):
    long = " ".join(["Take 1 tablet by mouth twice a day with food and a full glass of water."] * 6)
    text = words(pdf_text(label_pdf(make_label(directions=long, schedule="C-IV")), tmp_path))
    assert long in text and TRANSFER_CAUTION in text and "Main Street Pharmacy" in text


@needs_poppler
def test_label_on_a_letter_sheet(tmp_path):
    data = label_pdf(make_label(), sheet="letter")
    assert pdf_pages(data, tmp_path) == 1
    assert "Jane Q Doe" in pdf_text(data, tmp_path)


def sample_spec(count: int, **changes: object) -> ReportSpec:
    spec = dict(
        title="Controlled substance dispensing log",
        subtitle="Schedule II, 03/01/2025 to 03/31/2025",
        columns=[
            ("Rx", 1, "left"),
            ReportColumn("Date", 1.2),
            ("Drug", 3, "left"),
            ("Qty", 0.8, "right"),
            ("Patient", 2.5, "left"),
        ],
        rows=[
            (
                f"RX{i:05d}",
                date(2025, 3, i % 28 + 1),
                "Oxycodone/APAP 5/325 mg Tab",
                Decimal("20.5") + i,
                "Jane Doe & <Co>",
            )
            for i in range(count)
        ],
        pharmacy_name="Main Street Pharmacy",
        footer_note="Retain for 2 years.",
        printed_at=datetime(2025, 3, 31, 18, 0),
    )
    spec.update(changes)
    return ReportSpec(**spec)  # type: ignore[arg-type]


@needs_poppler
def test_report_pages_say_page_x_of_y_with_header_and_footer(tmp_path):
    data = render_report(sample_spec(150))
    assert data.startswith(b"%PDF-")
    pages = pdf_pages(data, tmp_path)
    assert pages >= 3
    text = pdf_text(data, tmp_path)
    for number in range(1, pages + 1):
        assert f"Page {number} of {pages}" in text
    assert text.count("Main Street Pharmacy") == pages
    assert text.count("Printed 03/31/2025 18:00") == pages
    assert text.count("Retain for 2 years.") == pages
    assert text.count("Patient") == pages  # the column header repeats on each page
    assert "RX00000" in text and "RX00149" in text
    assert "Jane Doe & <Co>" in text  # markup characters are escaped, not parsed
    assert "23.5" in text and "03/03/2025" in text


@needs_poppler
def test_report_totals_and_empty_reports(tmp_path):
    totals = render_report(sample_spec(3, totals=("", "", "Total", Decimal("64.5"), "")))
    assert "Total" in pdf_text(totals, tmp_path) and "64.5" in pdf_text(totals, tmp_path)
    empty = pdf_text(render_report(sample_spec(0)), tmp_path)
    assert "No records." in empty and "Page 1 of 1" in empty


def test_report_rows_must_match_the_columns():
    with pytest.raises(ValueError, match="columns"):
        render_report(sample_spec(0, rows=[("RX1", "two")]))


def test_report_cells_are_never_floats():
    assert format_cell(Decimal("1.10")) == "1.10"
    assert format_cell(Decimal("1E+2")) == "100"
    assert format_cell(date(2025, 3, 4)) == "03/04/2025"
    assert format_cell(None) == "" and format_cell(True) == "Yes"
    with pytest.raises(TypeError):
        format_cell(1.1)


@needs_poppler
def test_report_cells_wrap_only_when_too_long_for_their_column(tmp_path):
    """Short cells are drawn as plain strings (fast), long ones still wrap inside their column."""
    long_name = "Hydrocodone Bitartrate and Acetaminophen 10 mg/325 mg tablet, bottle of 500 (C-II) & <more>"
    spec = sample_spec(
        2, rows=[("RX1", date(2025, 3, 4), long_name, Decimal("1.5"), "Ann"), ("RX2", None, "", None, "")]
    )
    data = render_report(spec)
    path = tmp_path / "wrap.pdf"
    path.write_bytes(data)
    lines = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    drug_lines = [
        line for line in lines if any(w in line for w in ("Hydrocodone", "Acetaminophen", "bottle", "<more>"))
    ]
    assert len(drug_lines) >= 2  # wrapped over several lines, not drawn across the next columns
    assert words(" ".join(lines)).count("RX1") == 1 and "03/04/2025" in " ".join(lines)
    assert "& <more>" in words(" ".join(lines))  # markup characters printed as written either way
    assert render_report(spec) == data  # still reproducible
