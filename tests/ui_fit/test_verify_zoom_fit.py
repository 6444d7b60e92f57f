"""Final verification at 1024x768 after the vial label's scan, then zoomed to 125 % (Ctrl+= twice):
the vial label preview's floor of 20 characters a line follows the zoomed font (it was computed once
at build), and the window still fits with nothing cut (issue 18, accessibility: a zoom the layouts
survive). The walk of tests/ui_fit/test_screen_states_fit.py at 100 %, one state, zoomed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication

from pharmacy_desktop.services import auth
from pharmacy_desktop.ui.fit_check import find_clipping
from pharmacy_desktop.ui.screens.verify import LABEL_CHARS
from pharmacy_desktop.ui.screenshots import settle
from pharmacy_desktop.ui.theme import current_zoom
from tests.ui_fit.states import WAIT, WORKSTATION, Counter, demo_on, go, make_context, open_counter
from tests.ui_fit.test_screen_states_fit import widest

pytestmark = [pytest.mark.ui, pytest.mark.db]

SIZE = (1024, 768)


@pytest.fixture(scope="module")
def demo(demo_module_url):
    with demo_on(demo_module_url) as demo:
        yield demo


def label_floor(label) -> int:
    return QFontMetrics(label.font()).horizontalAdvance("0" * LABEL_CHARS)


def test_verification_at_1024_keeps_the_vial_label_whole_when_zoomed_to_125(qtbot, app_look, demo, monkeypatch):
    # the zoom keys remember the choice for the user: not in this run's shared preferences
    monkeypatch.setattr("pharmacy_desktop.ui.display.display_prefs.remember_for_user", lambda *a, **k: None)
    factory, url, accounts, work = demo
    actor = auth.actor_for(factory, accounts["pharmacist"], WORKSTATION)
    window = open_counter(qtbot, make_context(factory, url), actor, SIZE)
    counter = Counter(window)
    try:
        verify = go(counter, Qt.Key.Key_F6, "VerifyScreen")
        qtbot.waitUntil(lambda: len(verify.rows) > 0, timeout=WAIT)
        counter.scan(work.verify_label)
        qtbot.waitUntil(lambda: verify.view is not None and "STEP 2" in verify.prompt.label.text(), timeout=WAIT)
        label = verify.label_text
        at_100 = label.minimumWidth()
        assert at_100 >= label_floor(label)

        for _ in range(2):  # 100 -> 110 -> 125 %
            counter.press(Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
        assert current_zoom(QApplication.instance()) == 125
        window.resize(*SIZE)
        settle(minimum=0.1)
        QApplication.processEvents()
        assert label.minimumWidth() > at_100  # the floor followed the larger font
        assert label.minimumWidth() >= label_floor(label)
        assert label.width() >= label_floor(label)  # and the layout gave it that room
        viewport = verify.middle.viewport()  # the compare and the label scroll up and down, never cut at the right
        m = verify.middle
        why = (
            f"area {m.width()} hint {m.minimumSizeHint().width()} inner {m.inner.width()}"
            f" inner hint {m.inner.minimumSizeHint().width()} layout {m.inner.layout().minimumSize().width()}"
        )
        assert label.mapTo(viewport, QPoint(label.width(), 0)).x() <= viewport.width(), why

        def mw(w):
            return max(w.minimumSizeHint().width(), w.minimumWidth())

        detail = f"compare {mw(verify.compare)}, label {mw(label)}, " + ", ".join(
            f"{n}: {c[0].text()!r} {mw(c[0])} / {c[1].text()!r} {mw(c[1])}" for n, c in verify.cells.items()
        )
        assert (window.width(), window.height()) == SIZE, f"the window grew; widest: {widest(window)}; {detail}"
        clips = [str(c) for c in find_clipping(window)]
        window.grab().save("/tmp/h4-verify-1024-zoom125.png")
        assert clips == [], "\n".join(clips)
        counter.press(Qt.Key.Key_Escape)
    finally:
        counter.close()
        window.close()
