"""PDF output with reportlab: the vial label for laser label sheets, and a tabular report framework."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import LETTER, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Frame,
    KeepInFrame,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from pharmacy_desktop.domain.stock import format_quantity

from .documents import TRANSFER_CAUTION, LabelData
from .layouts import format_ndc
from .profiles import transliterate_for

__all__ = ["label_pdf", "LABEL_SIZE", "ReportColumn", "ReportSpec", "render_report"]

LABEL_SIZE = (4 * inch, 3 * inch)
_SHEET_MARGIN = 0.5 * inch

# A Unicode TrueType font prints Ł and friends; the PDF base-14 fonts only know WinAnsi.
_TTF_CANDIDATES = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    (
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ),
    ("C:/Windows/Fonts/arial.ttf", "C:/Windows/Fonts/arialbd.ttf"),
    ("/Library/Fonts/Arial.ttf", "/Library/Fonts/Arial Bold.ttf"),
)


@dataclass(frozen=True)
class _Fonts:
    regular: str
    bold: str
    has: Callable[[str], bool]


@lru_cache(maxsize=1)
def _fonts() -> _Fonts:
    for regular, bold in _TTF_CANDIDATES:
        if Path(regular).exists() and Path(bold).exists():
            pdfmetrics.registerFont(TTFont("LabelSans", regular))
            pdfmetrics.registerFont(TTFont("LabelSans-Bold", bold))
            pdfmetrics.registerFontFamily(
                "LabelSans", normal="LabelSans", bold="LabelSans-Bold", italic="LabelSans", boldItalic="LabelSans-Bold"
            )
            glyphs = pdfmetrics.getFont("LabelSans").face.charToGlyph
            return _Fonts("LabelSans", "LabelSans-Bold", lambda c: ord(c) in glyphs)
    return _Fonts("Helvetica", "Helvetica-Bold", lambda c: _winansi(c))


def _winansi(char: str) -> bool:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _text(value: str) -> str:
    """Paragraph markup for `value`: transliterated to what the font has, then XML-escaped."""
    return "<br/>".join(escape(transliterate_for(part, _fonts().has)) for part in value.split("\n"))


def _style(
    name: str, size: float, *, bold: bool = False, align: int = TA_LEFT, leading: float = 1.15
) -> ParagraphStyle:
    fonts = _fonts()
    return ParagraphStyle(
        name, fontName=fonts.bold if bold else fonts.regular, fontSize=size, leading=size * leading, alignment=align
    )


def _us_date(day: date) -> str:
    return day.strftime("%m/%d/%Y")


def _label_flowables(label: LabelData, width: float) -> list[Any]:
    small = _style("small", 7.5)
    small_bold = _style("small-bold", 7.5, bold=True)
    note = _style("note", 7)
    story: list[Any] = []
    story.append(Paragraph(_text(label.patient_name), _style("patient", 14, bold=True)))
    if label.patient_address:
        story.append(Paragraph(_text(label.patient_address), note))
    story.append(Spacer(1, 2))
    story.append(Paragraph(_text(f"{label.drug_name} {label.strength}".strip()), _style("drug", 12, bold=True)))
    origin = [f"Generic for {label.generic_for}"] if label.generic_for else []
    origin += [f"Mfr: {label.manufacturer}"] if label.manufacturer else []
    if origin:
        story.append(Paragraph(" &middot; ".join(_text(o) for o in origin), note))
    story.append(Spacer(1, 3))
    story.append(Paragraph(_text(label.directions), _style("directions", 12, bold=True)))
    story.append(Spacer(1, 4))

    refills = "No refills" if label.refills_remaining == 0 else f"Refills: {label.refills_remaining}"
    gap = "&nbsp;" * 4
    rx = _text(f"Rx: {label.rx_number}") + (gap + _text(label.schedule) if label.schedule else "")
    details = [
        Paragraph(
            _text(f"Qty: {format_quantity(label.quantity)} {label.quantity_unit}") + gap + _text(refills), small_bold
        ),
        Paragraph(rx, small_bold),
        Paragraph(_text(f"Filled: {_us_date(label.date_filled)}") + gap + _text(f"Fill #{label.fill_number}"), small),
        Paragraph(_text(f"Prescriber: {label.prescriber_name}"), small),
        Paragraph(_text(f"NDC: {format_ndc(label.ndc11)}"), small),
        Paragraph(_text(f"Discard after: {_us_date(label.discard_by)}"), small_bold),
    ]
    barcode = Code128(label.rx_number, barHeight=0.38 * inch, barWidth=0.011 * inch, humanReadable=True, fontSize=7)
    barcode_width = max(barcode.width, 1.2 * inch)
    right: list[Any] = [barcode]
    if label.is_reprint:
        reprint = Table(
            [[Paragraph(_text("REPRINT"), _style("reprint", 9, bold=True, align=TA_CENTER))]],
            colWidths=[0.9 * inch],
            hAlign="RIGHT",
        )
        reprint.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 1.2, colors.black)]))
        right += [Spacer(1, 6), reprint]
    block = Table([[details, right]], colWidths=[width - barcode_width, barcode_width], hAlign="LEFT")
    block.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("LINEABOVE", (0, 0), (-1, 0), 0.5, colors.black),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    story.append(block)
    for warning in label.warnings:
        story.append(Paragraph(_text(f"! {warning}"), note))
    if label.transfer_caution:
        story.append(Spacer(1, 2))
        story.append(Paragraph(_text(TRANSFER_CAUTION), _style("caution", 7, bold=True)))
    return story


def _pharmacy_block(label: LabelData, width: float) -> Table:
    pharmacy = label.pharmacy
    staff = [f"RPh {label.pharmacist_initials}"] if label.pharmacist_initials else []
    staff += [f"Tech {label.technician_initials}"] if label.technician_initials else []
    dot = " &middot; "
    first = "<b>" + _text(pharmacy.name) + "</b>" + dot + _text(f"Phone {pharmacy.phone}")
    second = _text(", ".join(pharmacy.address_lines)) + (dot + _text("  ".join(staff)) if staff else "")
    style = _style("pharmacy", 6.5, align=TA_CENTER)
    table = Table([[[Paragraph(first, style), Paragraph(second, style)]]], colWidths=[width])
    table.setStyle(
        TableStyle(
            [
                ("LINEABOVE", (0, 0), (-1, 0), 0.5, colors.black),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _draw_label(canvas: Canvas, label: LabelData, x: float, y: float) -> None:
    """Draw the label with its bottom-left corner at (x, y)."""
    pad = 0.12 * inch
    width, height = LABEL_SIZE[0] - 2 * pad, LABEL_SIZE[1] - 2 * pad
    footer = _pharmacy_block(label, width)
    _, footer_height = footer.wrap(width, height)
    footer.drawOn(canvas, x + pad, y + pad)
    body_height = height - footer_height - 2
    # Long directions shrink the whole body rather than spill off the label.
    body = KeepInFrame(width, body_height, _label_flowables(label, width), mode="shrink")
    frame = Frame(x + pad, y + pad + footer_height + 2, width, body_height, 0, 0, 0, 0, showBoundary=0)
    frame.addFromList([body], canvas)


def label_pdf(label: LabelData, sheet: Literal["label", "letter"] = "label") -> bytes:
    """The vial label as PDF: a 4 x 3 in page, or at the top left of a Letter label sheet."""
    out = io.BytesIO()
    page = LABEL_SIZE if sheet == "label" else LETTER
    canvas = Canvas(out, pagesize=page, invariant=True)
    canvas.setTitle(f"Rx {label.rx_number} label")
    if sheet == "label":
        _draw_label(canvas, label, 0, 0)
    else:
        x, y = _SHEET_MARGIN, LETTER[1] - _SHEET_MARGIN - LABEL_SIZE[1]
        canvas.setDash(2, 2)
        canvas.setStrokeColor(colors.grey)
        canvas.rect(x, y, *LABEL_SIZE)
        canvas.setDash()
        canvas.setStrokeColor(colors.black)
        _draw_label(canvas, label, x, y)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


# ---- reports -------------------------------------------------------------------------------

Align = Literal["left", "right", "center"]
_ALIGN = {"left": TA_LEFT, "right": TA_RIGHT, "center": TA_CENTER}


@dataclass(frozen=True)
class ReportColumn:
    header: str
    width: float  # relative weight; columns share the page width in proportion
    align: Align = "left"


@dataclass(frozen=True)
class ReportSpec:
    """A tabular report. Cells may be str, int, Decimal, date, datetime, bool or None."""

    title: str
    columns: Sequence[ReportColumn | tuple[str, float, Align]]
    rows: Iterable[Sequence[object]]
    pharmacy_name: str = ""
    subtitle: str = ""
    footer_note: str = ""
    landscape: bool = False
    printed_at: datetime | None = None
    totals: Sequence[object] | None = None
    columns_resolved: tuple[ReportColumn, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        resolved = tuple(c if isinstance(c, ReportColumn) else ReportColumn(*c) for c in self.columns)
        if not resolved:
            raise ValueError("a report needs at least one column")
        object.__setattr__(self, "columns_resolved", resolved)


def format_cell(value: object) -> str:
    """How a report prints a value: dates US style, Decimals as written (never as floats)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return value.strftime("%m/%d/%Y %H:%M")
    if isinstance(value, date):
        return _us_date(value)
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, float):
        raise TypeError("reports take Decimal, not float")
    return str(value)


class _NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab has no type information
    """Holds pages back until the end so each footer can say "Page X of Y"."""

    def __init__(self, *args: Any, spec: ReportSpec, printed_at: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self._spec = spec
        self._printed_at = printed_at

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        for number, state in enumerate(self._pages, 1):
            self.__dict__.update(state)
            self._decorate(number, len(self._pages))
            super().showPage()
        super().save()

    def _decorate(self, number: int, total: int) -> None:
        fonts = _fonts()
        width, height = self._pagesize
        margin = 0.5 * inch
        top = height - margin + 6
        self.setFont(fonts.bold, 9)
        self.drawString(margin, top, transliterate_for(self._spec.pharmacy_name, fonts.has))
        self.setFont(fonts.regular, 8)
        if number > 1:  # page 1 carries the title block
            self.drawCentredString(width / 2, top, transliterate_for(self._spec.title, fonts.has)[:80])
        self.drawRightString(width - margin, top, f"Printed {self._printed_at:%m/%d/%Y %H:%M}")
        self.setLineWidth(0.5)
        self.line(margin, top - 4, width - margin, top - 4)
        self.line(margin, margin - 6, width - margin, margin - 6)
        self.drawString(margin, margin - 16, transliterate_for(self._spec.footer_note, fonts.has)[:150])
        self.drawRightString(width - margin, margin - 16, f"Page {number} of {total}")


_CELL_SIZE = 8
_LEADING = 1.15  # as _style's
_CELL_PADDING = 6  # reportlab's default LEFTPADDING / RIGHTPADDING of a table cell


@lru_cache(maxsize=65536)
def _plain(text: str, font: str, room: float) -> str | None:
    """`text` as the font prints it when it fits on one line of `room` points, else None.

    Most report cells are short (dates, quantities, NDCs, Rx numbers): drawn as plain strings they
    cost the table a width lookup, where a Paragraph costs a layout (wrapping, fragments) ~50 times
    dearer: a month of the controlled log went from 10 s to under 2. Repeated values (dates,
    quantities, kinds) come from this cache.
    """
    shown = transliterate_for(text, _fonts().has)
    if "\n" in shown or pdfmetrics.stringWidth(shown, font, _CELL_SIZE) > room:
        return None
    return shown


def _cell(text: str, style: ParagraphStyle, font: str, room: float) -> object:
    """A table cell: a plain string when it fits its column on one line, else a wrapping Paragraph."""
    plain = _plain(text, font, room)
    return plain if plain is not None else Paragraph(_text(text), style)


def render_report(spec: ReportSpec) -> bytes:
    """PDF bytes of `spec`: title block, a table whose header repeats on every page, page footer."""
    out = io.BytesIO()
    page = landscape(LETTER) if spec.landscape else LETTER
    margin = 0.5 * inch
    doc = SimpleDocTemplate(
        out,
        pagesize=page,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin + 12,
        bottomMargin=margin + 6,
        title=spec.title,
        author=spec.pharmacy_name,
        invariant=True,
    )
    columns = spec.columns_resolved
    total_weight = sum(c.width for c in columns)
    widths = [doc.width * c.width / total_weight for c in columns]
    header_style = _style("th", 8, bold=True)
    cell_styles = [_style(f"td-{i}", _CELL_SIZE, align=_ALIGN[c.align]) for i, c in enumerate(columns)]
    bold_styles = [_style(f"tt-{i}", _CELL_SIZE, bold=True, align=_ALIGN[c.align]) for i, c in enumerate(columns)]
    fonts = _fonts()
    # room for text in each column: the table's default padding is 6 points on either side
    room = [w - 2 * _CELL_PADDING for w in widths]

    def row_of(values: Sequence[object], styles: list[ParagraphStyle], font: str) -> list[object]:
        if len(values) != len(columns):
            raise ValueError(f"row has {len(values)} cells, report has {len(columns)} columns: {values!r}")
        return [_cell(format_cell(v), s, font, space) for v, s, space in zip(values, styles, room)]

    header = [
        Paragraph(_text(c.header), ParagraphStyle(f"h{i}", parent=header_style, alignment=_ALIGN[c.align]))
        for i, c in enumerate(columns)
    ]
    data = [header] + [row_of(r, cell_styles, fonts.regular) for r in spec.rows]
    body_rows = len(data) - 1
    if spec.totals is not None:
        data.append(row_of(spec.totals, bold_styles, fonts.bold))
    story: list[Any] = [Paragraph(_text(spec.title), _style("title", 15, bold=True))]
    if spec.subtitle:
        story.append(Paragraph(_text(spec.subtitle), _style("subtitle", 9.5)))
    story.append(Spacer(1, 8))
    table_style = [
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("ROWBACKGROUNDS", (0, 1), (-1, body_rows), [colors.white, colors.HexColor("#f2f2f2")]),
        # plain-string cells (see _cell) take the body font and each column's alignment from here
        ("FONT", (0, 1), (-1, -1), fonts.regular, _CELL_SIZE, _CELL_SIZE * _LEADING),
        *(("ALIGN", (i, 1), (i, -1), c.align.upper()) for i, c in enumerate(columns) if c.align != "left"),
    ]
    if spec.totals is not None:
        table_style.append(("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black))
        table_style.append(("FONT", (0, -1), (-1, -1), fonts.bold, _CELL_SIZE, _CELL_SIZE * _LEADING))
    if body_rows == 0:
        story.append(Table([header], colWidths=widths, style=table_style[:2]))
        story.append(Paragraph(_text("No records."), _style("empty", 9)))
    else:
        story.append(LongTable(data, colWidths=widths, repeatRows=1, style=TableStyle(table_style)))
    printed_at = spec.printed_at or datetime.now()
    doc.build(story, canvasmaker=lambda *a, **k: _NumberedCanvas(*a, spec=spec, printed_at=printed_at, **k))
    return out.getvalue()
