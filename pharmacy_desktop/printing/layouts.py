"""Vial label, receipt and test page rendered to ESC/POS bytes.

Jobs are composed into a python-escpos `Dummy` printer (bytes in memory) and sent later by a
transport, so a queue can store exactly the bytes that were rendered. Text uses the printer's
own fonts and barcodes its native GS k command; a raster barcode is only the fallback for
printers whose profile has no barcode command.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from escpos import constants as _escpos_constants
from escpos.printer import Dummy

from pharmacy_desktop.domain.money import format_money
from pharmacy_desktop.domain.ndc import format_ndc11, format_ndc12
from pharmacy_desktop.domain.stock import format_quantity

from .documents import TRANSFER_CAUTION, LabelData, ReceiptData, ReceiptLine, ReceiptTender
from .profiles import PrinterProfile, encode_for, transliterate

__all__ = ["render_label", "render_receipt", "render_test_page", "format_ndc"]

CODEPAGE_CHANGE: bytes = _escpos_constants.CODEPAGE_CHANGE  # python-escpos is untyped
GS: bytes = _escpos_constants.GS
NUL: bytes = _escpos_constants.NUL

_CODE128 = 73  # GS k m=73: function B, CODE128
_CODE39_A = 4  # GS k m=4: function A, CODE39, NUL-terminated
_CODE39_CHARS = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ -.$/+%")
_BARCODE_HEIGHT = 64  # dots: about 8 mm, what counter scanners read at a glance
_QUIET_MODULES = 20  # both quiet zones, in modules


def format_ndc(ndc: str) -> str:
    """11-digit NDC as 5-4-2, the 12-digit form (from 2033) as 6-4-2; anything else unchanged."""
    digits = ndc.replace("-", "")
    if digits.isdigit() and len(digits) == 11:
        return format_ndc11(digits)
    if digits.isdigit() and len(digits) == 12:
        return format_ndc12(digits)
    return ndc


def _us_date(day: date) -> str:
    return day.strftime("%m/%d/%Y")


class _Job:
    """A print job being composed: styled, wrapped, code-page-encoded lines."""

    def __init__(self, profile: PrinterProfile) -> None:
        self.profile = profile
        self.printer = Dummy(profile=profile.escpos_profile)
        self.printer.hw("INIT")
        # Select the code page explicitly: printers power up in whatever page they were left in.
        self.printer._raw(CODEPAGE_CHANGE + bytes([profile.code_page_number]))
        self._size = (False, False)  # (double width, double height) after ESC @
        self._bold = False
        self._align = "left"

    def _style(
        self, *, bold: bool = False, double_width: bool = False, double_height: bool = False, align: str = "left"
    ) -> None:
        """Send only the style changes; ESC ! (size) also clears bold, so bold follows it."""
        if (double_width, double_height) != self._size:
            big = double_width or double_height
            self.printer.set(normal_textsize=not big, double_width=double_width, double_height=double_height)
            self._size = (double_width, double_height)
            self._bold = False
        if bold != self._bold:
            self.printer.set(bold=bold)
            self._bold = bold
        if align != self._align:
            self.printer.set(align=align)
            self._align = align

    def columns(self, double_width: bool = False) -> int:
        return self.profile.columns // 2 if double_width else self.profile.columns

    def para(
        self,
        text: str,
        *,
        bold: bool = False,
        double_width: bool = False,
        double_height: bool = False,
        align: str = "left",
        indent: int = 0,
    ) -> None:
        """Word-wrap `text` at the column width of its size and print it."""
        width = self.columns(double_width)
        self._style(bold=bold, double_width=double_width, double_height=double_height, align=align)
        for line in wrap(transliterate(text, self.profile.codec), width, indent):
            self._line(line)

    def pair(
        self, left: str, right: str, *, bold: bool = False, double_width: bool = False, double_height: bool = False
    ) -> None:
        """`left` flush left and `right` flush right on one line; either wraps when both do not fit."""
        width = self.columns(double_width)
        left = transliterate(left, self.profile.codec)
        right = transliterate(right, self.profile.codec)
        self._style(bold=bold, double_width=double_width, double_height=double_height, align="left")
        lines = wrap(left, max(width - len(right) - 1, width // 2))
        if right and len(lines[0]) + 1 + len(right) <= width:
            lines[0] = lines[0] + " " * (width - len(lines[0]) - len(right)) + right
        elif right:
            lines += [line.rjust(width) for line in wrap(right, width)]
        for line in lines:
            self._line(line)

    def rule(self, char: str = "-") -> None:
        self._style()
        self._line(char * self.profile.columns)

    def reverse_banner(self, text: str, *, big: bool = False) -> None:
        """White on black, centred; `big` prints it double width and height (a receipt's REPRINT)."""
        self._style(bold=True, double_width=big, double_height=big, align="center")
        self.printer.set(invert=True)
        self._line(f" {transliterate(text, self.profile.codec)} ")
        self.printer.set(invert=False)

    def feed(self, lines: int = 1) -> None:
        self._style()  # a blank line at double height would waste label stock
        self.printer._raw(b"\n" * lines)

    def _line(self, text: str) -> None:
        self.printer._raw(encode_for(self.profile, text) + b"\n")

    def barcode(self, data: str) -> None:
        """Native CODE128 (or CODE39 on function-A-only printers); raster only as the last resort.

        GS k is written here rather than through Escpos.barcode(), which prints to stdout on
        every call and picks the code set itself; these bytes are fixed and tested.
        """
        self._style(align="center")
        if self.profile.barcode_code128:
            self.printer._raw(_hri_and_size(self._module_width(_code128_modules(data))))
            self.printer._raw(code128_command(data))
        elif self.profile.barcode_code39 and set(data) <= _CODE39_CHARS:
            modules = 16 * (len(data) + 2)
            self.printer._raw(_hri_and_size(self._module_width(modules)))
            self.printer._raw(GS + b"k" + bytes([_CODE39_A]) + data.encode("ascii") + NUL)
        else:
            from .preview import barcode_image  # Pillow is only needed for this fallback

            image = barcode_image(data, module=2, height=_BARCODE_HEIGHT, hri=False)
            self.printer.image(image, impl="bitImageRaster", center=True)
            self._line(data)

    def _module_width(self, modules: int) -> int:
        fits = [w for w in (3, 2) if (modules + _QUIET_MODULES) * w <= self.profile.dots_per_line]
        return fits[0] if fits else 2

    def kick_drawer(self) -> None:
        self.printer.cashdraw(2)

    def cut(self) -> None:
        self._style()
        if self.profile.partial_cut or self.profile.full_cut:
            self.printer.cut(mode="PART")  # python-escpos feeds past the tear bar first
        else:
            self.feed(6)

    def output(self) -> bytes:
        out: bytes = self.printer.output
        return out


def wrap(text: str, width: int, indent: int = 0) -> list[str]:
    """Word-wrap each paragraph of `text` at `width` columns; overlong words are split."""
    lines: list[str] = []
    pad = " " * indent
    for paragraph in text.splitlines() or [""]:
        wrapped = textwrap.wrap(
            paragraph, width, initial_indent=pad, subsequent_indent=pad, break_long_words=True, break_on_hyphens=True
        )
        lines.extend(wrapped or [""])
    return lines


def _code128_modules(data: str) -> int:
    return 11 * (len(data) + 3) + 2  # start, data, check, stop (13)


def code128_command(data: str) -> bytes:
    """GS k 73 n {B data: CODE128 code set B. `{` in data is sent as `{{` (ESC/POS escape)."""
    if not data or not all(32 <= ord(c) < 127 for c in data):
        raise ValueError(f"barcode data must be printable ASCII: {data!r}")
    payload = b"{B" + data.replace("{", "{{").encode("ascii")
    if len(payload) > 255:
        raise ValueError("barcode data too long")
    return GS + b"k" + bytes([_CODE128, len(payload)]) + payload


def _hri_and_size(module_width: int) -> bytes:
    # Height, module width, HRI font A, HRI below: the Rx number is readable under the bars.
    return GS + b"h" + bytes([_BARCODE_HEIGHT]) + GS + b"w" + bytes([module_width]) + GS + b"f\x00" + GS + b"H\x02"


def render_label(label: LabelData, profile: PrinterProfile) -> bytes:
    """A vial label laid out per USP <17>: patient, drug and directions first and largest."""
    job = _Job(profile)
    if label.is_reprint:
        job.reverse_banner("REPRINT")
    job.para(label.patient_name, bold=True, double_width=True, double_height=True)
    if label.patient_address:
        job.para(label.patient_address)
    job.feed()
    job.para(f"{label.drug_name} {label.strength}".strip(), bold=True, double_height=True)
    origin = []
    if label.generic_for:
        origin.append(f"Generic for {label.generic_for}")
    if label.manufacturer:
        origin.append(f"Mfr: {label.manufacturer}")
    if origin:
        job.para("  ".join(origin))
    job.feed()
    job.para(label.directions, bold=True, double_height=True)
    job.rule()
    refills = "No refills" if label.refills_remaining == 0 else f"Refills: {label.refills_remaining}"
    job.pair(f"Qty: {format_quantity(label.quantity)} {label.quantity_unit}", refills, bold=True)
    job.pair(f"Rx: {label.rx_number}", label.schedule or "", bold=True)
    job.pair(f"Filled: {_us_date(label.date_filled)}", f"Fill #{label.fill_number}")
    job.para(f"Prescriber: {label.prescriber_name}")
    job.para(f"NDC: {format_ndc(label.ndc11)}")
    job.para(f"Discard after: {_us_date(label.discard_by)}", bold=True)
    for warning in label.warnings:
        job.para(f"! {warning}", indent=0)
    if label.transfer_caution:
        job.para(TRANSFER_CAUTION, bold=True)
    job.feed()
    job.barcode(label.rx_number)
    job.rule()
    _pharmacy_footer(job, label)
    job.cut()
    return job.output()


def _pharmacy_footer(job: _Job, label: LabelData) -> None:
    pharmacy = label.pharmacy
    job.para(pharmacy.name, bold=True, align="center")
    for line in pharmacy.address_lines:
        job.para(line, align="center")
    job.para(f"Phone {pharmacy.phone}", align="center")
    staff = [f"RPh: {label.pharmacist_initials}"] if label.pharmacist_initials else []
    staff += [f"Tech: {label.technician_initials}"] if label.technician_initials else []
    if staff:
        job.para("  ".join(staff), align="center")


def render_receipt(receipt: ReceiptData, profile: PrinterProfile, kick_drawer: bool | None = None) -> bytes:
    """A point-of-sale receipt; `kick_drawer` defaults to "paid (partly) in cash, and not a reprint"."""
    job = _Job(profile)
    pharmacy = receipt.pharmacy
    if receipt.reprinted_at is not None:
        _reprint_banner(job, receipt.reprinted_at)
    job.para(pharmacy.name, bold=True, double_height=True, align="center")
    for line in pharmacy.address_lines:
        job.para(line, align="center")
    job.para(f"Phone {pharmacy.phone}", align="center")
    job.rule()
    job.pair(f"Receipt {receipt.receipt_number}", receipt.datetime.strftime("%m/%d/%Y %H:%M"))
    if receipt.invoice_numbers:
        label = "Invoice" if len(receipt.invoice_numbers) == 1 else "Invoices"
        job.para(f"{label} {', '.join(receipt.invoice_numbers)}")
    job.para(f"Cashier: {receipt.cashier}")
    job.rule()
    for item in receipt.lines:
        _receipt_line(job, item, receipt.show_drug_names)
    job.rule()
    # In the order the arithmetic reads: subtotal - discount - insurance + tax = total.
    totals: list[tuple[str, Decimal]] = [("Subtotal", receipt.subtotal)]
    if receipt.discount_total:
        totals.append((_discount_title(receipt.discount_code), -receipt.discount_total))
    totals += [("Insurance paid", -receipt.insurance_paid), ("Tax", receipt.tax)]
    _amounts(job, totals)
    job.pair("TOTAL", format_money(receipt.total), bold=True, double_height=True)
    job.pair("Includes Rx copay", format_money(receipt.copay_total))
    job.feed()
    for tender in receipt.tenders:
        _tender(job, tender)
    if receipt.is_cash:
        job.pair("Change", format_money(receipt.change), bold=True)
    job.rule()
    if receipt.counseling:
        job.para(f"Pharmacist counseling: {receipt.counseling}")
    if receipt.footer:
        job.feed()
        job.para(receipt.footer, align="center")
    if receipt.reprinted_at is not None:
        job.feed()
        _reprint_banner(job, receipt.reprinted_at)
    # A reprint never opens the drawer: no money changes hands.
    kick = receipt.is_cash and not receipt.is_reprint if kick_drawer is None else kick_drawer
    if kick:
        job.kick_drawer()
    job.cut()
    return job.output()


def _reprint_banner(job: _Job, at: datetime) -> None:
    job.reverse_banner("REPRINT", big=True)
    job.para(f"Reprinted {at.strftime('%m/%d/%Y %H:%M')}", bold=True, align="center")


def _discount_title(code: str | None) -> str:
    return f"Discount {code}" if code else "Discount"


def _receipt_line(job: _Job, item: ReceiptLine, show_drug_names: bool) -> None:
    """The item on one line with its gross (price + fee), then what changed what the patient pays."""
    if item.rx_number is not None:
        job.pair(f"Rx {item.rx_number}", format_money(item.gross))
        if show_drug_names and item.description.strip():
            job.para(item.description, indent=2)
    else:
        job.pair(item.description, format_money(item.gross))
    if item.quantity is not None and item.unit_price is not None and item.quantity != 1:
        job.para(f"{format_quantity(item.quantity)} @ {format_money(item.unit_price)}", indent=2)
    details: list[tuple[str, Decimal]] = []
    if item.dispensing_fee:
        details += [("Price", item.price), ("Dispensing fee", item.dispensing_fee)]
    if item.discount:
        details.append((_discount_title(item.discount_code), -item.discount))
    if item.insurance_paid:
        details.append(("Insurance paid", -item.insurance_paid))
    if item.tax:
        details.append(("Tax", item.tax))
    if item.rx_number is not None:
        details.append(("Copay", item.copay))
    elif details:
        details.append(("Item total", item.copay))
    for name, amount in details:
        job.pair(f"  {name}", format_money(amount))


def _tender(job: _Job, tender: ReceiptTender) -> None:
    job.pair(tender.title, format_money(tender.amount))
    if tender.is_cash and tender.cash_tendered is not None:
        job.pair("  Tendered", format_money(tender.cash_tendered))
    if tender.auth_code:
        job.para(f"Auth {tender.auth_code}", indent=2)


def _amounts(job: _Job, rows: Iterable[tuple[str, Decimal]]) -> None:
    for name, amount in rows:
        job.pair(name, format_money(amount))


_SAMPLE = "Zoë Ångström-Łukasiewicz · café · ½ tab · “5 µg” — Lipitor®"


def render_test_page(printer_name: str, profile: PrinterProfile) -> bytes:
    """A page that shows the printer works and what the configured profile produces."""
    job = _Job(profile)
    job.para("TEST PAGE", bold=True, double_width=True, double_height=True, align="center")
    job.rule("=")
    job.pair("Printer", printer_name)
    job.pair("Profile", profile.name)
    job.pair("Paper", f"{profile.paper_mm} mm, {profile.dots_per_line} dots")
    job.pair("Columns", f"{profile.columns} ({profile.columns // 2} double width)")
    job.pair("Code page", f"{profile.code_page} (ESC t {profile.code_page_number})")
    job.rule()
    job.para(("1234567890" * 8)[: profile.columns])
    job.para(_SAMPLE)
    job.para("Bold text", bold=True)
    job.para("Double height", double_height=True)
    job.para("Double size", double_width=True, double_height=True)
    job.feed()
    job.barcode("TEST-1234")
    job.rule("=")
    job.cut()
    return job.output()
