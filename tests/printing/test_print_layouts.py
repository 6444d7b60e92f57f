"""ESC/POS layouts, profiles and transliteration, read back with tests/escpos_parse.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest
from barcode import Code128
from PIL import Image

from pharmacy_desktop.domain.money import ZERO, format_money
from pharmacy_desktop.printing.documents import (
    TRANSFER_CAUTION,
    LabelData,
    PharmacyInfo,
    ReceiptData,
    ReceiptLine,
    ReceiptTender,
    discard_by_date,
    needs_transfer_caution,
    normalize_schedule,
)
from pharmacy_desktop.printing.layouts import format_ndc, render_label, render_receipt, render_test_page
from pharmacy_desktop.printing.preview import PreviewError, code128b_modules, render_preview
from pharmacy_desktop.printing.profiles import (
    UnknownProfile,
    encode_for,
    get_profile,
    transliterate,
    unprintable_chars,
)
from tests.escpos_parse import Barcode, Cut, DrawerKick, Raster, parse

PHARMACY = PharmacyInfo(
    name="Main Street Pharmacy",
    address_lines=("120 Main Street", "Springfield, IL 62701"),
    phone="(217) 555-0142",
    npi="1234567893",
    ncpdp="1234567",
    dea="BM1234563",
)
DIRECTIONS = "Take 1 tablet by mouth every 6 hours as needed for pain. Do not take more than 4 tablets in 24 hours."


def make_label(**changes: object) -> LabelData:
    label = LabelData(
        pharmacy=PHARMACY,
        rx_number="6001234",
        patient_name="Jane Q Doe",
        prescriber_name="Dr. Maria Gonzalez",
        date_filled=date(2025, 3, 14),
        drug_name="Atorvastatin Calcium",
        strength="20 mg Tablet",
        ndc11="00071015523",
        quantity=Decimal("30"),
        quantity_unit="tablets",
        directions="Take 1 tablet by mouth once a day at bedtime",
        refills_remaining=2,
        discard_by=date(2026, 3, 14),
        generic_for="Lipitor",
        manufacturer="Greenstone",
        pharmacist_initials="MK",
    )
    return replace(label, **changes)  # type: ignore[arg-type]


def make_receipt(**changes: object) -> ReceiptData:
    receipt = ReceiptData(
        pharmacy=PHARMACY,
        receipt_number="R-000123",
        datetime=datetime(2025, 3, 14, 14, 5),
        cashier="jdoe",
        lines=(
            ReceiptLine("Oxycodone/APAP 5/325 mg Tab x20", Decimal("42.50"), "6001234"),
            ReceiptLine("Atorvastatin 20 mg Tab x30", Decimal("18.00"), "6001235"),
            ReceiptLine("Ibuprofen 200 mg 100 ct", Decimal("8.99")),
        ),
        subtotal=Decimal("69.49"),
        tax=Decimal("0.63"),
        insurance_paid=Decimal("50.50"),
        copay_total=Decimal("10.00"),
        total=Decimal("19.62"),
        tenders=(ReceiptTender("cash", Decimal("19.62"), cash_tendered=Decimal("20.00")),),
        change=Decimal("0.38"),
        counseling="accepted",
        footer="Thank you!",
    )
    return replace(receipt, **changes)  # type: ignore[arg-type]


@pytest.fixture
def profile():
    return get_profile("TM-T88V")


# ---- vial label --------------------------------------------------------------------------


def test_label_starts_with_reset_and_an_explicit_code_page(profile):
    data = render_label(make_label(), profile)
    assert data.startswith(b"\x1b@\x1bt\x10")  # ESC @, ESC t 16 (CP1252)
    assert parse(data).code_pages == [16]


def test_label_has_every_field_the_domain_lists(profile):
    printed = parse(render_label(make_label(), profile))
    for text in (
        "Jane Q Doe",
        "Atorvastatin Calcium 20 mg Tablet",
        "Generic for Lipitor",
        "Qty: 30 tablets",
        "Refills: 2",
        "Rx: 6001234",
        "Filled: 03/14/2025",
        "Prescriber: Dr. Maria Gonzalez",
        "NDC: 00071-0155-23",
        "Discard after: 03/14/2026",
        "Main Street Pharmacy",
        "120 Main Street",
        "Springfield, IL 62701",
        "Phone (217) 555-0142",
    ):
        assert text in printed.text, text
    assert "Take 1 tablet by mouth once a day at bedtime" in printed.words


def line_with(printed, needle: str):
    return next(line for line in printed.lines if needle in line.text)


def test_label_puts_patient_drug_and_directions_first_and_largest(profile):
    """USP <17>: patient, drug and directions on top and prominent; pharmacy away from directions."""
    printed = parse(render_label(make_label(), profile))
    first = printed.lines[0]
    assert first.text == "Jane Q Doe" and first.bold and first.double_width and first.double_height
    drug = line_with(printed, "Atorvastatin")
    assert drug.bold and drug.double_height
    assert line_with(printed, "bedtime").double_height
    assert not line_with(printed, "Qty:").double_height
    order = [printed.index(t) for t in ("Jane Q Doe", "Atorvastatin", "bedtime", "Qty:", "Main Street Pharmacy")]
    assert order == sorted(order)
    barcode_at = next(i for i, e in enumerate(printed.events) if isinstance(e, Barcode))
    assert printed.index("bedtime") < barcode_at < printed.index("Main Street Pharmacy")
    footer = printed.lines[printed.lines.index(line_with(printed, "Main Street Pharmacy")) :]
    assert not any(line.double_height or line.double_width for line in footer)


def test_label_prints_the_rx_number_as_a_native_code128_barcode_with_text_below(profile):
    printed = parse(render_label(make_label(rx_number="6001234"), profile))
    assert printed.barcodes == [Barcode(system=73, data=b"{B6001234", height=64, module_width=3, hri=2)]
    assert not [e for e in printed.events if isinstance(e, Raster)]


def test_label_barcode_narrows_its_modules_to_fit_the_paper():
    narrow = get_profile("RP-F10-58mm")  # 432 dots
    printed = parse(render_label(make_label(rx_number="RX-2025-000123"), narrow))
    (barcode,) = printed.barcodes
    assert barcode.data == b"{BRX-2025-000123"
    modules = 11 * (len("RX-2025-000123") + 3) + 2 + 20
    assert barcode.module_width == 2 and modules * barcode.module_width <= narrow.dots_per_line


def test_label_without_native_barcode_falls_back_to_a_raster_barcode_and_text():
    no_barcode = get_profile("POS-5890")
    printed = parse(render_label(make_label(), no_barcode))
    assert printed.barcodes == []
    (raster,) = [e for e in printed.events if isinstance(e, Raster)]
    assert raster.width <= no_barcode.dots_per_line
    assert "6001234" in printed.text


@pytest.mark.parametrize(
    ("refills", "expected", "absent"), [(0, "No refills", "Refills:"), (2, "Refills: 2", "No refills")]
)
def test_label_refills(profile, refills, expected, absent):
    printed = parse(render_label(make_label(refills_remaining=refills), profile))
    assert expected in printed.text
    assert absent not in printed.text


@pytest.mark.parametrize("schedule", ["C-II", "CII", "2", "C-IIN", "C-III", "CIII", "C-IV", "iv"])
def test_transfer_caution_for_schedules_two_to_four(profile, schedule):
    printed = parse(render_label(make_label(schedule=schedule, refills_remaining=0), profile))
    assert TRANSFER_CAUTION in printed.words
    assert printed.words.count("Federal law prohibits") == 1


@pytest.mark.parametrize("schedule", ["C-V", "CV", None, ""])
def test_no_transfer_caution_for_schedule_five_or_uncontrolled(profile, schedule):
    printed = parse(render_label(make_label(schedule=schedule), profile))
    assert "Federal law" not in printed.words


def test_transfer_caution_text_is_exactly_the_federal_wording():
    assert TRANSFER_CAUTION == (
        "Caution: Federal law prohibits the transfer of this drug to any person other than the "
        "patient for whom it was prescribed."
    )


def test_unknown_schedule_is_refused_rather_than_printed_without_caution():
    with pytest.raises(ValueError, match="schedule"):
        make_label(schedule="C-X")
    assert normalize_schedule("cii") == "C-II" and normalize_schedule(None) is None
    assert needs_transfer_caution("C-IIIN") and not needs_transfer_caution("C-V")


def test_schedule_is_printed_next_to_the_rx_number(profile):
    printed = parse(render_label(make_label(schedule="CII", refills_remaining=0), profile))
    rx_line = [line for line in printed.lines if line.text.startswith("Rx: 6001234")][0]
    assert rx_line.text.endswith("C-II")


def test_reprint_is_marked_and_an_original_is_not(profile):
    reprint = parse(render_label(make_label(is_reprint=True), profile))
    banner = [line for line in reprint.lines if "REPRINT" in line.text]
    assert banner and banner[0].invert and banner[0].bold
    assert "REPRINT" not in parse(render_label(make_label(), profile)).text


@pytest.mark.parametrize("name", ["TM-T88V", "TM-T20II", "POS-5890", "RP-F10-58mm"])
def test_long_drug_names_and_directions_wrap_within_the_columns(name):
    printer = get_profile(name)
    label = make_label(
        drug_name="Hydrocodone Bitartrate and Acetaminophen Extended-Release",
        strength="10 mg/325 mg Tablet",
        directions=DIRECTIONS,
        patient_name="Maximilian Alexander Featherstonehaugh-Worthington",
        warnings=("May cause drowsiness. Alcohol may intensify this effect.",),
        schedule="C-II",
        refills_remaining=0,
    )
    printed = parse(render_label(label, printer))
    for line in printed.lines:
        limit = printer.columns // 2 if line.double_width else printer.columns
        assert len(line.text) <= limit, (line, limit)
    assert DIRECTIONS in printed.words  # wrapped at word boundaries, nothing lost
    assert "Hydrocodone Bitartrate and Acetaminophen Extended-Release 10 mg/325 mg Tablet" in printed.words
    assert sum(1 for line in printed.lines if line.double_height and "tablet" in line.text.lower()) >= 2


def test_directions_wrap_at_word_boundaries(profile):
    printed = parse(render_label(make_label(directions=DIRECTIONS), profile))
    direction_lines = [line.text for line in printed.lines if line.double_height and not line.double_width][1:]
    assert direction_lines[0] == "Take 1 tablet by mouth every 6 hours as"
    assert all(not line.startswith(" ") and not line.endswith(" ") for line in direction_lines)


def test_quantity_is_printed_from_decimal_without_exponent_or_float_noise(profile):
    assert "Qty: 2.5 mL" in parse(render_label(make_label(quantity=Decimal("2.50"), quantity_unit="mL"), profile)).text
    assert "Qty: 300 tablets" in parse(render_label(make_label(quantity=Decimal("3E+2")), profile)).text
    with pytest.raises(TypeError):
        make_label(quantity=30.0)


def test_label_name_with_accents_keeps_what_the_code_page_has_and_transliterates_the_rest(profile):
    data = render_label(make_label(patient_name="Zoë Ångström-Łukasiewicz"), profile)
    assert b"Zo\xeb \xc5ngstr\xf6m-" in data and b"Lukasiewicz" in data
    printed = parse(data)
    assert [line.text for line in printed.lines[:2]] == ["Zoë Ångström-", "Lukasiewicz"]  # 21 columns at 2x
    assert "?" not in printed.text


def test_control_characters_in_data_cannot_inject_printer_commands(profile):
    data = render_label(make_label(patient_name="Jane\x1b@\x1dV\x00Doe", directions="Take 1\ttablet"), profile)
    printed = parse(data)
    assert printed.resets == 1  # only the job's own ESC @
    assert printed.lines[0].text == "Jane@VDoe"
    assert "Take 1 tablet" in printed.words


def test_label_ends_with_a_cut(profile):
    printed = parse(render_label(make_label(), profile))
    assert isinstance(printed.events[-1], Cut)


def test_discard_by_is_one_year_or_the_stock_expiry_whichever_is_earlier():
    filled = date(2025, 3, 14)
    assert discard_by_date(filled, None) == date(2026, 3, 14)
    assert discard_by_date(filled, date(2027, 1, 31)) == date(2026, 3, 14)
    assert discard_by_date(filled, date(2025, 9, 30)) == date(2025, 9, 30)
    assert discard_by_date(date(2024, 2, 29), None) == date(2025, 2, 28)
    with pytest.raises(ValueError, match="expired"):
        discard_by_date(filled, date(2025, 3, 13))


def test_label_refuses_a_discard_date_before_the_fill():
    with pytest.raises(ValueError):
        make_label(discard_by=date(2025, 3, 13))


def test_ndc_display():
    assert format_ndc("00071015523") == "00071-0155-23"
    assert format_ndc("000710155230") == "000710-1552-30"  # 6-4-2 from 2033
    assert format_ndc("abc") == "abc"


# ---- receipt -----------------------------------------------------------------------------


def test_receipt_lists_items_with_rx_numbers_and_totals_from_decimal(profile):
    printed = parse(render_receipt(make_receipt(), profile, kick_drawer=True))
    text = printed.text
    assert "Main Street Pharmacy" in text and "Receipt R-000123" in text and "03/14/2025 14:05" in text
    assert "Cashier: jdoe" in text
    item = [line.text for line in printed.lines if line.text.startswith("Rx 6001234")][0]
    assert item.endswith("$42.50") and len(item) == profile.columns
    assert "Rx 6001235" in text and "Ibuprofen 200 mg 100 ct" in text
    assert "Oxycodone" not in text and "Atorvastatin" not in text  # drug names are off by default
    amounts = [("Subtotal", "$69.49"), ("Insurance paid", "-$50.50"), ("Tax", "$0.63"), ("TOTAL", "$19.62")]
    amounts.append(("Includes Rx copay", "$10.00"))
    for label, amount in amounts:
        line = [line.text for line in printed.lines if line.text.startswith(label)][0]
        assert line.endswith(amount), line
    order = [printed.index(label) for label, _ in amounts]
    assert order == sorted(order)
    total = line_with(printed, "TOTAL")
    assert total.bold and total.double_height
    tenders = [line.text for line in printed.lines if line.text.startswith(("Cash ", "  Tendered"))]
    assert tenders[0].endswith("$19.62") and tenders[1].endswith("$20.00")
    assert [line.text for line in printed.lines if line.text.startswith("Change")][0].endswith("$0.38")
    assert "Pharmacist counseling: accepted" in text
    assert "Thank you!" in text


def test_cash_receipt_kicks_the_drawer_on_pin_2_then_cuts(profile):
    printed = parse(render_receipt(make_receipt(), profile))
    assert printed.kicks == [DrawerKick(pin=2, on_ms=100, off_ms=100)]
    assert printed.cuts == [Cut(partial=True)]
    kick_at = printed.events.index(printed.kicks[0])
    assert kick_at < printed.events.index(printed.cuts[0]) == len(printed.events) - 1
    assert b"\x1bp\x00" in render_receipt(make_receipt(), profile)


def test_card_receipt_does_not_kick_the_drawer_and_shows_only_the_last_four(profile):
    card = make_receipt(tenders=(ReceiptTender("credit_card", Decimal("19.62"), card_last_four="4242"),), change=ZERO)
    data = render_receipt(card, profile)
    printed = parse(data)
    assert printed.kicks == [] and b"\x1bp" not in data
    assert printed.cuts == [Cut(partial=True)]
    assert "Credit card ****4242" in printed.text
    assert "Change" not in printed.text
    with pytest.raises(ValueError, match="4 digits"):
        ReceiptTender("credit_card", Decimal("19.62"), card_last_four="4111111111111111")


def test_explicit_kick_drawer_overrides_the_payment_method(profile):
    assert parse(render_receipt(make_receipt(), profile, kick_drawer=False)).kicks == []
    card = make_receipt(tenders=(ReceiptTender("credit_card", Decimal("19.62"), card_last_four="4242"),), change=ZERO)
    assert len(parse(render_receipt(card, profile, kick_drawer=True)).kicks) == 1


def test_receipt_money_must_be_decimal():
    with pytest.raises(TypeError, match="Decimal"):
        make_receipt(total=19.62)
    with pytest.raises(TypeError):
        ReceiptLine("x", 1.5)  # type: ignore[arg-type]


def test_money_format_rounds_half_up_with_separators():
    assert format_money(Decimal("1234.5")) == "$1,234.50"
    assert format_money(Decimal("0.005")) == "$0.01"
    assert format_money(Decimal("-35")) == "-$35.00"
    assert format_money(-Decimal("0.00")) == "$0.00"


def test_receipt_on_58mm_paper_fits_32_columns():
    narrow = get_profile("POS-5890")
    printed = parse(render_receipt(make_receipt(), narrow))
    assert all(len(line.text) <= (16 if line.double_width else 32) for line in printed.lines)
    assert any(line.text.endswith("$42.50") for line in printed.lines)


# ---- test page ---------------------------------------------------------------------------


def test_test_page_shows_printer_profile_columns_code_page_sample_and_barcode(profile):
    printed = parse(render_test_page("Counter 1 receipt", profile))
    text = printed.text
    assert "TEST PAGE" in text and "Counter 1 receipt" in text and "TM-T88V" in text
    assert "42 (21 double width)" in text and "CP1252 (ESC t 16)" in text
    assert ("1234567890" * 5)[:42] in text.splitlines()
    assert "Zoë Ångström-Lukasiewicz" in text
    assert printed.barcodes[0].data == b"{BTEST-1234"
    assert printed.cuts == [Cut(partial=True)]


# ---- profiles and transliteration --------------------------------------------------------


def test_profiles_come_from_escpos_capabilities():
    assert get_profile("TM-T88V").columns == 42 and get_profile("TM-T88V").paper_mm == 80
    assert get_profile("TM-T20II").columns == 48
    small = get_profile("POS-5890")
    assert (small.columns, small.paper_mm) == (32, 58)
    assert get_profile("default", columns=32).columns == 32
    with pytest.raises(UnknownProfile):
        get_profile("No-Such-Printer")
    with pytest.raises(UnknownProfile):
        get_profile("TM-T88V", code_page="CP9999")


def test_code_page_choice_and_override():
    assert (get_profile("TM-T88V").code_page, get_profile("TM-T88V").code_page_number) == ("CP1252", 16)
    cp437 = get_profile("TM-T88V", code_page="cp437")
    assert (cp437.code_page_number, cp437.codec) == (0, "cp437")
    assert get_profile("TM-T88V", code_page="ISO-8859-2").code_page_number == 39
    assert get_profile("TM-T88IV-SA").code_page == "CP437"  # its only page


NAME = "Zoë Ångström-Łukasiewicz"


def test_transliteration_keeps_what_the_code_page_has():
    assert encode_for(get_profile("TM-T88V"), NAME) == b"Zo\xeb \xc5ngstr\xf6m-Lukasiewicz"  # CP1252 lacks Ł
    cp437 = get_profile("TM-T88V", code_page="CP437")
    assert encode_for(cp437, NAME) == b"Zo\x89 \x8fngstr\x94m-Lukasiewicz"
    latin2 = get_profile("TM-T88V", code_page="ISO-8859-2")  # has Ł, lacks Å
    assert encode_for(latin2, NAME) == b"Zo\xeb Angstr\xf6m-\xa3ukasiewicz"


@pytest.mark.parametrize(
    ("text", "cp437"),
    [
        ("Søren Ærø", "Soren Æro"),  # CP437 has Æ but not ø
        ("“Lipitor®” — 5 µg", '"Lipitor(R)" - 5 µg'),
        ("Łódź Mikołaj", "Lódz Mikolaj"),
        ("Đorđe Þór", "Dorde Thór"),
        ("Ĳssel œuvre…", "IJssel oeuvre..."),
        ("2 × daily ½ tab", "2 x daily ½ tab"),
        ("Straße", "Straße"),  # CP437 has ß
    ],
)
def test_transliteration_table_and_decomposition(text, cp437):
    assert transliterate(text, "cp437") == cp437


def test_characters_with_no_stand_in_are_visible_never_a_question_mark():
    profile = get_profile("TM-T88V")
    assert transliterate("王 Wei", profile.codec) == "{U+738B} Wei"
    assert b"?" not in encode_for(profile, "王 Wei")
    assert unprintable_chars(profile, "王 Zoë Łukasz") == {"王"}


def test_ss_for_eszett_only_where_the_code_page_lacks_it():
    assert transliterate("Straße", "cp1252") == "Straße"
    assert transliterate("Straße", "cp866") == "Strasse"


# ---- preview -----------------------------------------------------------------------------


def test_preview_draws_the_label_at_paper_width(profile):
    image = render_preview(render_label(make_label(), profile), profile, margin=10)
    assert image.width == profile.dots_per_line + 20
    assert image.height > 600
    dark = image.convert("L").point(lambda px: 255 if px < 100 else 0).histogram()[255]
    assert dark > 5000  # text and a barcode, not a blank strip


def test_preview_refuses_commands_it_does_not_know(profile):
    with pytest.raises(PreviewError):
        render_preview(b"\x1b@\x1b\x07hello\n", profile)


def test_preview_code128_matches_python_barcode():
    assert code128b_modules("Rx-A") == Code128("Rx-A").build()[0]


def test_preview_png_is_a_png(profile, tmp_path):
    from pharmacy_desktop.printing.preview import preview_png

    path = tmp_path / "receipt.png"
    path.write_bytes(preview_png(render_receipt(make_receipt(), profile), profile))
    with Image.open(path) as image:
        assert image.format == "PNG" and image.width > profile.dots_per_line


def test_rx_number_must_be_printable_ascii_for_the_barcode():
    with pytest.raises(ValueError, match="printable ASCII"):
        make_label(rx_number="600\x1b1234")
    with pytest.raises(ValueError):
        make_label(rx_number=" ")
