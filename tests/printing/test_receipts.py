"""Sale receipts (issue 13 item 10): real ESC/POS bytes sent to a TCP listener and read back.

The bytes are parsed with tests/escpos_parse.py (written from the Epson reference, not from the
layouts), so a wrong tender line, a missing drawer kick or a drug name printed by default fails here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import pytest

from pharmacy_desktop.adapters.payment_terminal import SimulatedTerminal
from pharmacy_desktop.printing import codec
from pharmacy_desktop.printing.documents import PharmacyInfo, ReceiptData, ReceiptLine, ReceiptTender
from pharmacy_desktop.printing.layouts import render_receipt
from pharmacy_desktop.printing.profiles import get_profile
from pharmacy_desktop.printing.transports import send
from pharmacy_desktop.services import print_queue
from pharmacy_desktop.services.print_sender import PrintSender
from pharmacy_desktop.services.printer_settings import printer_settings_from
from tests.escpos_parse import Cut, DrawerKick, Parsed, parse
from tests.pos.conftest import ASPIRIN_UPC, pos, ready_rx  # noqa: F401 (pos is a fixture)
from tests.pos.day_end_sales import card, cash, sell
from tests.printing.conftest import read_all, read_silently, workstation_config

D = Decimal
PHARMACY = PharmacyInfo("Main Street Pharmacy", ("120 Main Street", "Springfield, IL 62701"), "(217) 555-0142")
OXY = "Oxycodone/APAP 5/325 mg Tablet x20"
ATORVA = "Atorvastatin 20 mg Tablet x30"
CARD = ReceiptTender("credit_card", D("20.00"), card_last_four="4242", auth_code="A1B2C3")
CHECK = ReceiptTender("check", D("5.00"), check_number="1043")
CASH = ReceiptTender("cash", D("20.66"), cash_tendered=D("40.00"))


def sale_receipt(**changes: object) -> ReceiptData:
    """Two prescriptions (one with a fee and insurance, one with a discount) and a taxed store item,
    paid by card, check and cash."""
    receipt = ReceiptData(
        pharmacy=PHARMACY,
        receipt_number="S000042",
        datetime=datetime(2026, 12, 2, 14, 5),
        cashier="Jordan E",
        invoice_numbers=("INV000101", "INV000102", "INV000103"),
        lines=(
            ReceiptLine(OXY, D("40.00"), "6001234", dispensing_fee=D("2.50"), insurance_paid=D("32.50")),
            ReceiptLine(ATORVA, D("18.00"), "6001235", discount=D("1.80"), discount_code="SAVE10"),
            ReceiptLine("Ibuprofen 200 mg 100 ct", D("17.98"), quantity=D("2"), unit_price=D("8.99"), tax=D("1.48")),
        ),
        subtotal=D("78.48"),
        discount_total=D("1.80"),
        discount_code="SAVE10",
        insurance_paid=D("32.50"),
        tax=D("1.48"),
        total=D("45.66"),
        copay_total=D("26.20"),
        tenders=(CARD, CHECK, CASH),
        change=D("19.34"),
        counseling="accepted",
    )
    return replace(receipt, **changes)  # type: ignore[arg-type]


def over_tcp(printer, data: bytes) -> Parsed:
    """Send `data` to a fake TCP printer and parse what it received."""
    fake = printer(read_silently)
    send(fake.uri, data)
    assert fake.done.wait(5)
    assert bytes(fake.received) == data
    return parse(bytes(fake.received))


def amount_of(printed: Parsed, label: str) -> Decimal:
    """The amount at the end of the first line starting with `label` ("-$1.80" -> Decimal("-1.80"))."""
    line = next(line.text for line in printed.lines if line.text.startswith(label))
    match = re.search(r"(-?)\$([\d,]+\.\d\d)$", line)
    assert match, line
    return D(match.group(1) + match.group(2).replace(",", ""))


@pytest.fixture
def profile():
    return get_profile("TM-T88V")


def test_split_tender_receipt_prints_every_tender_the_change_and_the_arithmetic(printer, profile):
    printed = over_tcp(printer, render_receipt(sale_receipt(), profile))
    text = printed.text
    assert "Receipt S000042" in text and "Invoices INV000101, INV000102, INV000103" in text
    assert "Cashier: Jordan E" in text
    assert amount_of(printed, "Credit card ****4242") == D("20.00") and "  Auth A1B2C3" in text
    assert amount_of(printed, "Check #1043") == D("5.00")
    assert amount_of(printed, "Cash ") == D("20.66") and amount_of(printed, "  Tendered") == D("40.00")
    change = next(line for line in printed.lines if line.text.startswith("Change"))
    assert change.bold and amount_of(printed, "Change") == D("19.34")
    # The totals read top-down as arithmetic, and the tenders pay exactly the total.
    subtotal, discount = amount_of(printed, "Subtotal"), amount_of(printed, "Discount SAVE10")
    insurance, tax, total = amount_of(printed, "Insurance paid"), amount_of(printed, "Tax"), amount_of(printed, "TOTAL")
    assert subtotal + discount + insurance + tax == total == D("45.66")
    assert D("20.00") + D("5.00") + D("20.66") == total
    order = [printed.index(s) for s in ("Rx 6001234", "Subtotal", "TOTAL", "Credit card", "Check #", "Change")]
    assert order == sorted(order)


def test_each_line_shows_price_fee_discount_insurance_copay_and_tax(profile):
    printed = parse(render_receipt(sale_receipt(), profile))
    lines = [line.text for line in printed.lines]
    rx = lines.index(next(t for t in lines if t.startswith("Rx 6001234")))
    assert lines[rx].endswith("$42.50") and len(lines[rx]) == profile.columns  # price + fee, flush right
    assert [t.split()[0] for t in lines[rx + 1 : rx + 5]] == ["Price", "Dispensing", "Insurance", "Copay"]
    assert lines[rx + 1].endswith("$40.00") and lines[rx + 2].endswith("$2.50")
    assert lines[rx + 3].endswith("-$32.50") and lines[rx + 4].endswith("$10.00")
    second = lines.index(next(t for t in lines if t.startswith("Rx 6001235")))
    assert lines[second + 1].startswith("  Discount SAVE10") and lines[second + 1].endswith("-$1.80")
    assert lines[second + 2].startswith("  Copay") and lines[second + 2].endswith("$16.20")
    store = lines.index(next(t for t in lines if t.startswith("Ibuprofen 200 mg 100 ct")))
    assert lines[store].endswith("$17.98") and lines[store + 1] == "  2 @ $8.99"
    assert lines[store + 2].startswith("  Tax") and lines[store + 2].endswith("$1.48")
    assert lines[store + 3].startswith("  Item total") and lines[store + 3].endswith("$19.46")
    assert amount_of(printed, "Includes Rx copay") == D("26.20")


def test_drug_names_are_left_off_unless_the_pharmacy_turns_them_on(profile):
    default = parse(render_receipt(sale_receipt(), profile))
    assert "Oxycodone" not in default.words and "Atorvastatin" not in default.words
    assert "Ibuprofen 200 mg 100 ct" in default.text  # a front-store product is always named
    named = parse(render_receipt(sale_receipt(show_drug_names=True), profile))
    assert OXY in named.words and ATORVA in named.words
    assert named.index("Rx 6001234") < named.index("Oxycodone") < named.index("Rx 6001235")


@pytest.mark.parametrize(
    ("tenders", "change", "kicks"),
    [
        ((ReceiptTender("cash", D("45.66"), cash_tendered=D("50.00")),), D("4.34"), 1),
        ((CARD, CHECK, CASH), D("19.34"), 1),
        ((ReceiptTender("credit_card", D("45.66"), card_last_four="4242"),), D("0.00"), 0),
        ((ReceiptTender("debit_card", D("45.66"), card_last_four="0007"),), D("0.00"), 0),
        ((ReceiptTender("check", D("45.66"), check_number="1043"),), D("0.00"), 0),
        ((), D("0.00"), 0),  # a $0 sale
    ],
)
def test_the_drawer_opens_only_when_cash_was_taken(printer, profile, tenders, change, kicks):
    data = render_receipt(sale_receipt(tenders=tenders, change=change), profile)
    printed = over_tcp(printer, data)
    assert printed.kicks == [DrawerKick(pin=2, on_ms=100, off_ms=100)] * kicks
    assert (b"\x1bp" in data) == bool(kicks)
    assert printed.cuts == [Cut(partial=True)]
    if kicks:  # the drawer opens before the paper is cut, while the cashier still faces it
        assert printed.events.index(printed.kicks[0]) < printed.events.index(printed.cuts[0])
    assert ("Change" in printed.text) == bool(kicks)


def test_a_card_prints_only_its_last_four_digits(printer, profile):
    printed = over_tcp(printer, render_receipt(sale_receipt(), profile))
    assert re.findall(r"\S*4242\S*", printed.text) == ["****4242"]
    for pan in ("4111111111111111", "424", "42424", "4x42"):
        with pytest.raises(ValueError, match="4 digits"):
            ReceiptTender("credit_card", D("1.00"), card_last_four=pan)


def test_a_reprint_says_reprint_big_at_top_and_bottom_with_its_time_and_keeps_the_drawer_shut(printer, profile):
    original = parse(render_receipt(sale_receipt(), profile))
    assert "REPRINT" not in original.text and len(original.kicks) == 1
    printed = over_tcp(printer, render_receipt(sale_receipt(reprinted_at=datetime(2026, 12, 3, 9, 30)), profile))
    banners = [i for i, line in enumerate(printed.lines) if line.text.strip() == "REPRINT"]
    assert len(banners) == 2
    assert all(printed.lines[i].double_width and printed.lines[i].double_height for i in banners)
    assert all(printed.lines[i].invert and printed.lines[i].bold for i in banners)
    texts = [line.text for line in printed.lines]
    assert banners[0] == 0 and texts.index("Main Street Pharmacy") > banners[0]  # the first thing printed
    assert texts.index("Pharmacist counseling: accepted") < banners[1]  # and the last
    assert printed.text.count("Reprinted 12/03/2026 09:30") == 2
    assert printed.kicks == []  # cash was taken once, at the sale


def test_a_58mm_printer_gets_32_columns(profile):
    narrow = get_profile("POS-5890")
    printed = parse(render_receipt(sale_receipt(show_drug_names=True, reprinted_at=datetime(2026, 12, 3)), narrow))
    assert narrow.columns == 32
    assert all(len(line.text) <= (16 if line.double_width else 32) for line in printed.lines)
    assert amount_of(printed, "TOTAL") == D("45.66") and amount_of(printed, "Rx 6001234") == D("42.50")


def test_receipt_amounts_are_decimal_and_change_comes_only_from_cash():
    with pytest.raises(TypeError, match="Decimal"):
        ReceiptTender("cash", 20.66)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Decimal"):
        ReceiptLine("x", D("1.00"), dispensing_fee=2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="change"):
        sale_receipt(change=D("5.00"))
    with pytest.raises(ValueError, match="change"):
        sale_receipt(tenders=(ReceiptTender("credit_card", D("45.66"), card_last_four="4242"),), change=D("1.00"))
    with pytest.raises(ValueError, match="less than"):
        ReceiptTender("cash", D("20.00"), cash_tendered=D("10.00"))


def test_the_stored_form_round_trips_and_renders_the_same_bytes(profile):
    receipt = sale_receipt(show_drug_names=True, reprinted_at=datetime(2026, 12, 3, 9, 30))
    stored = codec.receipt_to_json(receipt)
    assert stored["kind"] == "receipt" and stored["tenders"][0]["card_last_four"] == "4242"
    back = codec.receipt_from_json(stored)
    assert back == receipt and isinstance(back.tenders[2].cash_tendered, Decimal)
    assert codec.render_document("receipt", stored, "TM-T88V") == render_receipt(receipt, profile)


def test_a_receipt_stored_before_split_tenders_still_prints(profile):
    """Jobs queued before the upgrade carry one payment method: they print as one tender."""
    legacy = {
        "kind": "receipt",
        "pharmacy": {"name": "Main Street Pharmacy", "address_lines": ["120 Main Street"], "phone": "555-0142"},
        "receipt_number": "R-000123",
        "datetime": "2025-03-14T14:05:00",
        "cashier": "jdoe",
        "lines": [{"description": "Atorvastatin 20 mg Tab x30", "amount": "18.00", "rx_number": "6001235"}],
        "subtotal": "18.00",
        "tax": "0.00",
        "insurance_paid": "8.00",
        "copay_total": "10.00",
        "total": "10.00",
        "payment_method": "cash",
        "tendered": "20.00",
        "change": "10.00",
        "card_last_four": None,
        "counseling": "",
        "footer": "",
    }
    receipt = codec.receipt_from_json(legacy)
    assert receipt.tenders == (ReceiptTender("cash", D("10.00"), cash_tendered=D("20.00")),)
    assert receipt.lines[0].price == D("18.00")
    printed = parse(codec.render_document("receipt", legacy, "TM-T88V"))
    assert amount_of(printed, "Change") == D("10.00") and len(printed.kicks) == 1
    card = {**legacy, "payment_method": "card", "tendered": None, "change": None, "card_last_four": "4242"}
    assert codec.receipt_from_json(card).tenders == (ReceiptTender("credit_card", D("10.00"), card_last_four="4242"),)


def test_a_queued_receipt_prints_and_its_reprint_is_marked_and_opens_no_drawer(uow_factory, actors, pharmacy, printer):
    fake = printer(read_all)
    cfg = workstation_config(receipt_uri=fake.uri)
    tech = actors["technician"]
    with uow_factory(tech.user_id) as uow:
        job_id = print_queue.queue_receipt(
            uow,
            tech,
            sale_receipt(),
            reference_type="sale",
            reference_id=uuid.uuid4(),
            printers=printer_settings_from(cfg),
        )
        uow.commit()
    sender = PrintSender(uow_factory, lambda: printer_settings_from(cfg), "test-ws")
    assert sender.send_pending()[0].ok
    first = parse(fake.wait_jobs(1)[0])
    assert "REPRINT" not in first.text and len(first.kicks) == 1

    reprint_id = print_queue.reprint(
        uow_factory, tech, job_id, "customer asked for a copy", printers=printer_settings_from(cfg)
    )
    assert sender.send_pending()[0].ok
    second = parse(fake.wait_jobs(2)[1])
    assert second.text.count("REPRINT") == 2 and "Reprinted " in second.text and second.kicks == []
    with uow_factory() as uow:
        stored = uow.print_jobs.get(reprint_id)
        assert stored.is_reprint and stored.document["reprinted_at"] is not None
        assert "credit_card + check + cash" in stored.description


# ---- `print receipt NUMBER`: a sale's receipt again, found by any of its numbers -------------------


def run_print(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pharmacy_desktop", "print", *args, "--database-url", database_url],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
    )


@pytest.fixture
def sold(uow_factory, actors, printer, request):
    """A prescription and aspirin paid by credit card and cash, its receipt printed on a fake printer."""
    pharmacy = request.getfixturevalue("pos")  # tests/pos/conftest.py: checks the billing invariants after
    fake = printer(read_all)
    cfg = workstation_config(receipt_uri=fake.uri)
    _, refill_id, _ = ready_rx(uow_factory, actors, pharmacy)
    sale = sell(
        uow_factory,
        actors["technician"],
        pharmacy.patient_id,
        refills=[refill_id],
        store=[ASPIRIN_UPC],
        pay=card(SimulatedTerminal(), "credit", "4242", "5.00", then=cash("20.00")),
        printers=printer_settings_from(cfg),
    )
    sent = PrintSender(uow_factory, lambda: printer_settings_from(cfg), "test-ws").send_pending()
    assert [r.ok for r in sent if r.printer_role == "receipt"] == [True]  # (the fill's label has no printer here)
    original = parse(fake.wait_jobs(1)[0])
    assert "REPRINT" not in original.text and len(original.kicks) == 1
    return sale, fake


def test_print_receipt_by_invoice_number_reprints_it_marked_and_logged(database_url, uow_factory, sold, printer):
    sale, _ = sold
    fake = printer(read_all)
    done = run_print(
        database_url,
        "receipt",
        sale.invoice_numbers[-1],
        "--printer",
        fake.uri,
        "--profile",
        "TM-T88V",
        "--reason",
        "lost it",
    )
    assert done.returncode == 0, done.stderr
    assert f"Printed on {fake.uri}" in done.stdout
    printed = parse(fake.wait_jobs(1)[0])
    assert printed.text.count("REPRINT") == 2 and "Reprinted " in printed.text
    assert f"Receipt {sale.sale_number}" in printed.text and "Credit card ****4242" in printed.text
    assert printed.kicks == []  # the cash was taken at the sale: a copy opens no drawer
    with uow_factory() as uow:
        [job] = [j for j in uow.print_jobs.for_reference("sale", sale.sale_id) if j.is_reprint]
        assert job.reprint_of == sale.receipt_job_id and job.printer_uri == fake.uri
        [event] = [e for e in events_of(uow, "ReceiptReprinted")]
        assert event.event_data["reason"] == "lost it" and event.event_data["receipt_number"] == sale.sale_number


def test_print_receipt_by_sale_number_and_unknown_numbers(database_url, uow_factory, sold, printer, capsys):
    from tests.cli.conftest import run_main  # the command in this process: the test above runs it as one

    sale, _ = sold
    fake = printer(read_all)
    done = run_main(
        capsys, "print", "receipt", sale.sale_number.lower(), "--printer", fake.uri, "--database-url", database_url
    )
    assert done.returncode == 0, done.stderr
    assert parse(fake.wait_jobs(1)[0]).text.count("REPRINT") == 2
    unknown = run_main(capsys, "print", "receipt", "INV999999", "--printer", fake.uri, "--database-url", database_url)
    assert unknown.returncode == 2 and "No sale has the number 'INV999999'" in unknown.stderr


def test_reprinting_a_receipt_needs_the_sell_permission(uow_factory, actors, sold):
    from pharmacy_desktop.errors import PermissionDenied
    from pharmacy_desktop.services.receipt_reprint import reprint_receipt

    sale, fake = sold
    with pytest.raises(PermissionDenied):
        reprint_receipt(uow_factory, actors["admin"], sale.sale_number, reason="copy", workstation="test-ws")
    job_id = reprint_receipt(
        uow_factory,
        actors["technician"],
        sale.invoice_numbers[0],
        reason="copy",
        workstation="test-ws",
        printer_uri=fake.uri,
    )
    with uow_factory() as uow:
        assert uow.print_jobs.get(job_id).document["reprinted_at"] is not None


def events_of(uow, event_type: str):
    from sqlalchemy import select

    from pharmacy_desktop.db.models.audit import DomainEvent

    return list(uow.session.scalars(select(DomainEvent).where(DomainEvent.event_type == event_type)))
