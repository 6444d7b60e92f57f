"""Issue 18: a drug's name is never elided before its strength (the form, the package go first).

The check itself (:func:`find_lost_strength`) on plain tables, the delegate that keeps a drug line
whole through its strength (``ui/widgets/drug_lines``), and the queues of clinical review, fill and
final verification with the demo pharmacy at the three sizes.
"""

from __future__ import annotations

import pytest
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QTableView

from pharmacy_desktop.ui.fit_check import find_clipping, find_lost_strength
from pharmacy_desktop.ui.screens.fill import FillScreen
from pharmacy_desktop.ui.screens.review import ReviewScreen
from pharmacy_desktop.ui.screens.verify import VerifyScreen
from pharmacy_desktop.ui.screenshots import settle
from pharmacy_desktop.ui.widgets.drug_lines import fit_rows_to_lines, short_line, shown_text

from .test_every_screen_fits import SIZES, _size_id, accounts, demo, demo_context, open_shell  # noqa: F401

pytestmark = pytest.mark.ui

LONG = "Moore, Charles\n[C-II] Hydrocodone Bitartrate and Acetaminophen 10 mg/325 mg tablet"


def _table(qtbot, texts: list[str], width: int) -> QTableView:
    model = QStandardItemModel(len(texts), 1)
    for row, text in enumerate(texts):
        item = QStandardItem(text)
        item.setToolTip(text)
        model.setItem(row, 0, item)
    view = QTableView()
    view.setModel(model)
    view.horizontalHeader().setStretchLastSection(True)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().lineSpacing() * 2 + 12)
    qtbot.addWidget(view)
    view.resize(width, 400)
    view.show()
    QApplication.processEvents()
    return view


def test_short_line_drops_the_form_and_keeps_the_schedule_and_a_count():
    assert short_line("[C-IV] Lorazepam 1 mg tablet") == "[C-IV] Lorazepam 1 mg"
    assert short_line("Metformin Hydrochloride 500 mg ER tablet") == "Metformin Hydrochloride 500 mg ER"
    assert short_line("Amoxicillin 500 mg capsule (+1 more)") == "Amoxicillin 500 mg (+1 more)"
    assert short_line("Moore, Charles") == "Moore, Charles"


def test_a_drug_cell_elided_before_its_strength_is_found_even_with_a_tooltip(qtbot):
    view = _table(qtbot, [LONG, "Garcia, Maria\nAmoxicillin 250 mg capsule"], 260)
    lost = find_lost_strength(view)
    assert [c.text for c in lost] == ["[C-II] Hydrocodone Bitartrate and Acetaminophen 10 mg/325 mg"]
    assert lost[0].kind == "strength"
    assert not find_clipping(view)  # the old check accepts it: elided, with the tooltip


def test_the_drug_lines_delegate_shows_the_strength_dropping_the_form_then_wrapping(qtbot):
    view = _table(qtbot, [LONG, "Garcia, Maria\nAmoxicillin 250 mg capsule"], 260)
    fit_rows_to_lines(view, 0)
    QApplication.processEvents()
    assert find_lost_strength(view) == []
    shown = shown_text(view, view.model().index(0, 0)).replace("\u2028", "\n").replace("\u00a0", " ")
    assert shown.endswith("10 mg/325 mg") and "tablet" not in shown  # the form went first
    assert view.rowHeight(0) > view.rowHeight(1)  # the long name wrapped: its row grew
    wide = _table(qtbot, [LONG], 900)
    fit_rows_to_lines(wide, 0)
    QApplication.processEvents()
    assert shown_text(wide, wide.model().index(0, 0)).replace("\u2028", "\n") == LONG  # room: whole


@pytest.mark.db
@pytest.mark.parametrize("size", SIZES, ids=_size_id)
@pytest.mark.parametrize("cls", [ReviewScreen, FillScreen, VerifyScreen], ids=lambda cls: cls.screenshot_name())
def test_the_queues_show_every_drug_through_its_strength(qtbot, app_look, demo_context, accounts, cls, size):  # noqa: F811
    window, screen = open_shell(qtbot, demo_context, accounts, cls, size)
    screen.prepare_screenshot()
    settle(minimum=0.1)
    lost = find_lost_strength(screen)
    assert not lost, f"{cls.__name__} at {size[0]}x{size[1]}:\n" + "\n".join(str(c) for c in lost)
    assert not find_clipping(window)
    window.close()
    QApplication.processEvents()
