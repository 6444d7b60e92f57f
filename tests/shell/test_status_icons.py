"""Status markers are icons beside words (ui/icons), not text glyphs: table cells carry the icon in
DecorationRole next to their words (table_models.Marked), message lines draw it at the left of
theirs (widgets/status_label.StatusLabel), and never the icon alone."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QVBoxLayout, QWidget

from pharmacy_desktop.ui import a11y_check
from pharmacy_desktop.ui.icons import icon
from pharmacy_desktop.ui.table_models import Marked, RowsModel
from pharmacy_desktop.ui.widgets.status_label import GAP, StatusLabel

pytestmark = pytest.mark.ui

UI = Path(__file__).resolve().parents[2] / "pharmacy_desktop" / "ui"
# text glyphs that stand for a status or a thing: Miscellaneous Symbols and Dingbats (✓ ✗ ⚠ ⚡ ❄ ☎ ✉ ...)
# and the pictographs. The first version listed five check/cross/warning glyphs and a list of the
# converted modules, so a snowflake in a module not on the list (inventory_stock's '❄ fridge') passed.
GLYPHS = re.compile("[\u2600-\u27bf\U0001f300-\U0001faff]")


def ui_modules() -> list[str]:
    return sorted(str(p.relative_to(UI)) for p in UI.rglob("*.py"))


def code_lines(path: Path) -> list[str]:
    """The module's lines without its docstring (status_label's names the glyphs it replaced)."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    tree = ast.parse(text)
    doc = tree.body[0] if tree.body and isinstance(tree.body[0], ast.Expr) else None
    if doc is not None and isinstance(doc.value, ast.Constant) and isinstance(doc.value.value, str):
        return lines[: doc.lineno - 1] + lines[(doc.end_lineno or doc.lineno) :]
    return lines


@pytest.mark.parametrize("path", ui_modules())
def test_no_text_glyph_marks_a_status(path):
    """Every module of the UI, not a list of converted ones: a new module is checked too."""
    lines = [line.strip() for line in code_lines(UI / path) if GLYPHS.search(line)]
    assert lines == []


def test_the_glyph_check_sees_the_glyphs_it_is_for():
    for glyph in "✓✗⚠⚡✔✘✖❄☎✉★⛔":
        assert GLYPHS.search(f'notes.append("{glyph} fridge")'), glyph
    for fine in ("−5 tablets", "↑/↓", "30 tablets · Low", "In quarantine — Alt+E", "→"):
        assert not GLYPHS.search(fine), fine


def test_stock_notes_say_refrigerate_with_the_fridge_icon_beside_it(qapp):
    import datetime as dt
    import uuid
    from decimal import Decimal

    from pharmacy_desktop.services.inventory_view import StockRow
    from pharmacy_desktop.ui.widgets.inventory_stock import ITEM_HEADERS, item_cells

    def row(refrigerated: bool, schedule: str | None = None) -> StockRow:
        return StockRow(uuid.uuid4(), "00002751001", "Insulin Lispro", "100 unit/mL", "INJECTION, SOLUTION",
                        schedule, Decimal(60), "mL", Decimal(20), Decimal(40), None, "F-1", refrigerated,
                        None, dt.date(2027, 1, 1), Decimal(10), None)  # fmt: skip

    notes = ITEM_HEADERS.index("Notes")
    cold = item_cells(row(True, "CIV"), dt.date(2026, 12, 3))[notes]
    assert isinstance(cold, Marked) and cold.kind == "fridge"
    assert str(cold) == "Refrigerate, C-IV, 10 mL set aside"  # the word beside the icon comes first
    assert not icon(cold.kind).isNull()
    warm = item_cells(row(False), dt.date(2026, 12, 3))[notes]
    assert warm == "10 mL set aside" and not isinstance(warm, Marked)


def test_a_marked_cell_gives_its_words_and_the_icon_beside_them(qapp):
    model = RowsModel([("Name", "name"), ("Status", "status")])
    row = type("Row", (), {"name": "Al Lee", "status": Marked("warning", "Locked until 14:05")})
    model.set_rows([row, type("Row", (), {"name": "Bo", "status": "Active"})])
    index = model.index(0, 1)
    assert model.data(index, Qt.ItemDataRole.DisplayRole) == "Locked until 14:05"
    assert model.data(index, Qt.ItemDataRole.ToolTipRole) == "Locked until 14:05"
    decoration = model.data(index, Qt.ItemDataRole.DecorationRole)
    assert isinstance(decoration, QIcon) and not decoration.isNull()
    assert model.data(model.index(1, 1), Qt.ItemDataRole.DecorationRole) is None  # plain words: no icon
    assert model.data(model.index(0, 0), Qt.ItemDataRole.DecorationRole) is None


def test_a_status_label_keeps_its_words_and_draws_the_icon_at_their_left(qtbot):
    holder = QWidget()
    qtbot.addWidget(holder)
    label = StatusLabel()
    label.setStyleSheet("color: #b00020;")
    QVBoxLayout(holder).addWidget(label)
    label.say("passed", "Saved Maria Gonzalez")
    holder.resize(400, 60)
    holder.show()
    qtbot.waitExposed(holder)
    assert label.text() == "Saved Maria Gonzalez" and label.icon_kind == "passed"
    assert label.contentsMargins().left() >= label.fontMetrics().height() + GAP - 1  # room for the icon
    image = label.grab().toImage()
    size = label.fontMetrics().height()
    y = label.contentsRect().center().y()
    drawn = {image.pixelColor(x, y).name() for x in range(0, size)}
    assert len(drawn) > 1  # something is painted where the icon goes
    assert a11y_check.colour_only_status(holder) == []  # the words say it: not colour alone
    label.setText("Nothing changed.")  # words only: no icon, no room kept for one
    assert label.icon_kind is None and label.contentsMargins().left() == 0
    label.say("stop", "")
    assert label.icon_kind is None  # an empty line shows no icon either


@pytest.mark.parametrize("rich", [False, True])
def test_the_icon_sits_beside_the_first_line_of_wrapped_words(qtbot, rich):
    holder = QWidget()
    qtbot.addWidget(holder)
    label = StatusLabel()
    label.setWordWrap(True)
    QVBoxLayout(holder).addWidget(label)
    words = "Type the quantity counted as a number, 0 if there is none, then press Enter to go on. " * 3
    label.say("stop", f"<p><b>Not saved</b></p><p>{words}</p>" if rich else words)
    holder.resize(300, 220)
    holder.show()
    qtbot.waitExposed(holder)
    size = label.fontMetrics().height()
    image = label.grab().toImage()
    background = image.pixelColor(size // 2, label.height() - 2).name()

    def painted(y: int, xs: range) -> bool:
        return any(image.pixelColor(x, y).name() != background for x in xs)

    icon_rows = [y for y in range(label.height()) if painted(y, range(size))]
    text = label.contentsRect()
    text_rows = [y for y in range(label.height()) if painted(y, range(text.left(), text.right()))]
    assert icon_rows and text_rows
    line = label.fontMetrics().height()
    assert max(text_rows) - min(text_rows) > 2 * line  # the words wrap onto several lines
    assert abs(min(icon_rows) - min(text_rows)) < line  # the icon by the first of them, not the middle


def test_a_result_banner_lists_its_warnings_each_with_the_warning_icon(qtbot):
    from pharmacy_desktop.ui.widgets.fill_common import ResultBanner

    banner = ResultBanner()
    qtbot.addWidget(banner)
    banner.show_result("warning", "Right drug.", ["Expires in 20 days.", "Last bottle on the shelf."])
    assert banner.text.text() == "CHECK: Right drug." and banner.icon_kind == "warning"
    assert not banner.icon.pixmap().isNull()  # the set's warning icon beside the words
    shown = [(line.text(), line.icon_kind) for line in banner.details if line.isVisibleTo(banner)]
    assert shown == [("Expires in 20 days.", "warning"), ("Last bottle on the shelf.", "warning")]
    assert banner.detail_text() == "Expires in 20 days.\nLast bottle on the shelf."
    banner.show_result("ok", "Right drug.")
    assert [line for line in banner.details if line.isVisibleTo(banner)] == [] and banner.detail_text() == ""


def test_a_review_queue_row_says_its_open_alerts_in_words_beside_the_icon_of_the_worst(qapp):
    import uuid

    from pharmacy_desktop.services.work_queues import QueueRow
    from pharmacy_desktop.ui.widgets.review_lists import QueueModel, queue_patient_drug

    def row(blocking: int, warnings: int) -> QueueRow:
        return QueueRow(uuid.uuid4(), "1000002", False, "Smith, John", "Aspirin 81 mg DR tablet", None, None,
                        blocking=blocking, warnings=warnings)  # fmt: skip

    rows = [row(2, 1), row(0, 1), row(0, 0)]
    assert [str(queue_patient_drug(r)).split("\n")[0] for r in rows] == [
        "Smith, John · 2 stop, 1 warn",
        "Smith, John · 1 warn",
        "Smith, John",
    ]
    model = QueueModel([("Patient / drug", queue_patient_drug)])
    model.set_rows(rows)
    icons = [model.data(model.index(r, 0), Qt.ItemDataRole.DecorationRole) for r in range(3)]
    assert [getattr(queue_patient_drug(r), "kind", None) for r in rows] == ["stop", "warning", None]
    assert not icons[0].isNull() and not icons[1].isNull() and icons[2] is None
    assert "Alerts: 2 stop, 1 warn" in model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole)


SERVICES = UI.parent / "services"


def test_no_service_returns_a_text_glyph_for_a_status():
    """The services return words (and kinds); the screens put the icon beside them."""
    found = [
        f"{path.name}: {line.strip()}"
        for path in sorted(SERVICES.glob("*.py"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if GLYPHS.search(line)
    ]
    assert found == []
