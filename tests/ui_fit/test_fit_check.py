"""The clipping finder itself: it sees what a person cannot read, and only that."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFont, QFontMetrics, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QStyle, QTableView, QVBoxLayout, QWidget

from pharmacy_desktop.ui.fit_check import find_clipping, find_lost_strength
from pharmacy_desktop.ui.widgets.elided_label import ElidedLabel

pytestmark = pytest.mark.ui

LONG = "Oxycodone Hydrochloride and Acetaminophen 10 mg/325 mg tablet"


def _fixed(widget: QWidget, width: int, qtbot) -> QWidget:
    qtbot.addWidget(widget)
    widget.setFixedWidth(width)
    widget.show()
    return widget


def test_a_label_narrower_than_its_text_is_clipped_and_an_elided_one_with_tooltip_is_not(qtbot):
    host = QWidget()
    layout = QVBoxLayout(host)
    plain = QLabel(LONG)
    plain.setObjectName("plain")
    plain.setMinimumWidth(0)
    elided = ElidedLabel(LONG)
    short = QLabel("Qty")
    for w in (plain, elided, short):
        layout.addWidget(w)
    _fixed(host, 160, qtbot)
    plain.setFixedWidth(140)
    clips = find_clipping(host)
    assert [(c.kind, c.text) for c in clips] == [("label", LONG)]
    assert "plain" in clips[0].where


def test_a_wrapped_label_cut_at_the_bottom_is_clipped(qtbot):
    label = QLabel(LONG * 3)
    label.setWordWrap(True)
    label.setFixedSize(150, 20)
    qtbot.addWidget(label)
    label.show()
    assert [c.kind for c in find_clipping(label)] == ["label"]


def test_buttons_and_placeholders(qtbot):
    host = QWidget()
    layout = QVBoxLayout(host)
    button = QPushButton("Send the purchase order to the supplier")
    button.setFixedWidth(90)
    fits = QPushButton("OK")
    edit = QLineEdit()
    edit.setPlaceholderText("Name, date of birth (MM/DD/YYYY), phone or Rx number")
    edit.setFixedWidth(120)
    for w in (button, fits, edit):
        layout.addWidget(w)
    _fixed(host, 300, qtbot)
    assert sorted(c.kind for c in find_clipping(host)) == ["button", "placeholder"]


def test_tables_headers_cells_and_the_sideways_scrollbar(qtbot):
    model = QStandardItemModel(2, 2)
    model.setHorizontalHeaderLabels(["Package description", "On hand"])
    model.setItem(0, 0, QStandardItem(LONG))
    with_tip = QStandardItem(LONG)
    with_tip.setToolTip(LONG)
    model.setItem(1, 0, with_tip)
    model.setItem(0, 1, QStandardItem("30"))
    view = QTableView()
    view.setModel(model)
    view.setWordWrap(False)
    view.setColumnWidth(0, 60)
    view.setColumnWidth(1, 60)
    view.resize(400, 200)
    qtbot.addWidget(view)
    view.show()
    kinds = sorted((c.kind, c.text) for c in find_clipping(view) if c.kind != "strength")
    assert kinds == [("cell", LONG), ("header", "Package description")]  # the tooltip row is fine

    view.setColumnWidth(0, 900)
    qtbot.wait(10)
    assert "scrollbar" in [c.kind for c in find_clipping(view)]


def test_hidden_widgets_are_not_looked_at(qtbot):
    host = QWidget()
    layout = QVBoxLayout(host)
    hidden = QLabel(LONG)
    hidden.setFixedWidth(40)
    layout.addWidget(hidden)
    hidden.hide()
    _fixed(host, 100, qtbot)
    assert find_clipping(host) == []


def test_a_drug_cell_that_loses_its_strength_is_clipped_even_with_a_tooltip(qtbot):
    """find_clipping includes find_lost_strength: every screen walk checks the strength too."""
    model = QStandardItemModel(2, 1)
    for row, text in enumerate((LONG, "Amoxicillin 250 mg capsule")):
        item = QStandardItem(text)
        item.setToolTip(text)  # elided with its tooltip: fine for any other text, not for a drug's strength
        model.setItem(row, 0, item)
    view = QTableView()
    view.setModel(model)
    view.setWordWrap(False)
    view.setColumnWidth(0, 240)
    view.resize(280, 200)
    qtbot.addWidget(view)
    view.show()
    clips = find_clipping(view)
    assert [(c.kind, c.text) for c in clips] == [("strength", "Oxycodone Hydrochloride and Acetaminophen 10 mg/325 mg")]


def test_a_header_title_drawn_bold_for_a_selected_row_is_measured_bold(qtbot):
    title = "Patient / drug"
    model = QStandardItemModel(1, 1)
    model.setHorizontalHeaderLabels([title])
    model.setItem(0, 0, QStandardItem("Moore"))
    view = QTableView()
    view.setModel(model)
    qtbot.addWidget(view)
    header = view.horizontalHeader()
    plain = QFontMetrics(header.font()).horizontalAdvance(title)
    bold = QFont(header.font())
    bold.setBold(True)
    margin = 2 * header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    assert QFontMetrics(bold).horizontalAdvance(title) - plain > 6
    width = (plain + QFontMetrics(bold).horizontalAdvance(title)) // 2 + margin  # fits plain, not bold
    view.setColumnWidth(0, width)
    view.resize(width + 60, 120)
    view.show()
    assert [c.kind for c in find_clipping(view)] == []  # nothing selected: drawn plain, fits
    view.selectRow(0)
    assert [(c.kind, c.text) for c in find_clipping(view)] == [("header", title)]  # highlighted: bold, cut
    header.setHighlightSections(False)
    assert find_clipping(view) == []


def test_a_strength_with_room_but_none_for_the_ellipsis_is_lost(qtbot):
    """Qt ends a cut text with an ellipsis, which takes its own room: a cell wide enough for the drug
    through its strength but not for that and the ellipsis shows "… 25 m…" (will-call at 1024x768)."""
    text = "Sertraline Hydrochloride 25 mg tablet"
    model = QStandardItemModel(1, 1)
    model.setItem(0, 0, QStandardItem(text))
    view = QTableView()
    view.setModel(model)
    view.setWordWrap(False)
    metrics = QFontMetrics(view.font())
    kept, ellipsis = metrics.horizontalAdvance("Sertraline Hydrochloride 25 mg"), metrics.horizontalAdvance("\u2026")
    assert ellipsis > 2 * 2  # more than the checks' slack
    view.setColumnWidth(0, kept + ellipsis // 2 + 6)  # the strength fits, the ellipsis after it does not
    view.resize(kept + 80, 120)
    qtbot.addWidget(view)
    view.show()
    assert [(c.kind, c.text) for c in find_lost_strength(view)] == [("strength", "Sertraline Hydrochloride 25 mg")]
    view.setColumnWidth(0, kept + ellipsis + 6 + 2)  # room for both: "…25 mg…" keeps the strength
    assert find_lost_strength(view) == []
    view.setColumnWidth(0, metrics.horizontalAdvance(text) + 6)  # the whole text: no ellipsis at all
    assert find_lost_strength(view) == []
