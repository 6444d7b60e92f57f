"""The pickup's turns stay short (issue 18 item 6, the GUI never stalls when the bag is scanned).

- The drug-lines delegate (will-call's drug column, the queues) works a row's size and its fitted text
  out once, not at every layout of a view sized to its contents; a new text, width or font is worked
  out again (what it shows does not change: tests/ui_fit/test_drug_strength_shown.py).
- A bag's lookup hurries the sale page's build: its parts come a turn each while the database
  answers, so the answer's turn does not build them all.
"""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QStackedWidget, QTableView

from pharmacy_desktop.ui.widgets import drug_lines
from pharmacy_desktop.ui.widgets.drug_lines import fit_rows_to_lines, shown_text
from pharmacy_desktop.ui.widgets.pickup_sale import LaterSalePage, SalePage

pytestmark = pytest.mark.ui

LONG = "Moore, Charles\n[C-II] Hydrocodone Bitartrate and Acetaminophen 10 mg/325 mg tablet"
SHORT = "Garcia, Maria\nAmoxicillin 250 mg capsule"


def _view(qtbot, texts: list[str], width: int) -> QTableView:
    model = QStandardItemModel(len(texts), 2)
    for row, text in enumerate(texts):
        model.setItem(row, 0, QStandardItem(text))
        model.setItem(row, 1, QStandardItem(str(row)))
    view = QTableView()
    view.setModel(model)
    qtbot.addWidget(view)
    view.resize(width + 120, 600)
    view.setColumnWidth(0, width)
    fit_rows_to_lines(view, 0, min_lines=1)
    view.show()
    QApplication.processEvents()
    return view


@pytest.fixture
def fitted_calls(monkeypatch):
    calls: list[tuple[str, int]] = []
    real = drug_lines.fitted_text

    def counting(text, metrics, width):
        calls.append((text, width))
        return real(text, metrics, width)

    monkeypatch.setattr(drug_lines, "fitted_text", counting)
    return calls


def test_a_rows_size_is_worked_out_once_per_text_width_and_font(qtbot, fitted_calls):
    view = _view(qtbot, [LONG, SHORT] * 20, 260)
    view.resizeRowsToContents()
    tall, short = view.rowHeight(0), view.rowHeight(1)
    assert tall > short  # the long drug wrapped
    fitted_calls.clear()
    for _ in range(3):  # layouts again, nothing changed: no row is fitted again
        view.resizeRowsToContents()
        view.viewport().grab()
    assert len(fitted_calls) <= 2, f"fitted again at each layout: {len(fitted_calls)} times"
    assert (view.rowHeight(0), view.rowHeight(1)) == (tall, short)

    model = view.model()
    assert isinstance(model, QStandardItemModel)
    model.item(1, 0).setText(LONG)  # a new text: its own size
    view.resizeRowsToContents()
    assert view.rowHeight(1) == tall
    bold = QFont(view.font())
    bold.setBold(True)
    model.item(3, 0).setFont(bold)  # a cell's own font: its own size
    view.resizeRowsToContents()
    assert view.rowHeight(3) >= short
    view.setColumnWidth(0, 900)  # a new width: fitted again, whole now
    view.resizeRowsToContents()
    QApplication.processEvents()
    assert shown_text(view, model.index(0, 0)).replace("\u2028", "\n") == LONG
    assert view.rowHeight(0) < tall


def test_a_hurried_sale_page_is_built_a_part_per_turn_without_waiting(qtbot):
    pages = QStackedWidget()
    qtbot.addWidget(pages)
    wired: list[SalePage] = []
    later = LaterSalePage(pages, wired.append)
    later.start()  # will-call showed: the first part after FIRST_PART_MS, then one per PART_MS
    later.hurry()  # a bag is being looked up: a part each turn from now
    qtbot.waitUntil(lambda: later.built() is not None, timeout=2_000)
    [page] = pages.findChildren(SalePage)
    assert page.built and wired == [page] and page.parent() is pages
    assert page.items.parent() is page and page.tender.parent() is page  # made where they stay
