"""A window made wide and then narrow again goes back to 1024 px (issue 18 item 2).

Every screen of the shell, on the demo pharmacy, is shown at 1024x768, then the window is made
1920x1080 and then 1024x768 again: it must be 1024 px wide once more, its minimum width no more than
at the first 1024 (a minimum that follows the window keeps a once-maximized window off a 1024
display), the sidebar as wide as it was, and nothing cut off (:func:`find_clipping`).

The sidebar's width (a fifth of the window, up to its entries) used to be its minimum too: the review
screen's shell wanted 994 px at 1024, 1092 after 1920, so the window stayed 1092 px wide; the patient
list's 1012 -> 1110. One shell per role (tests/ui_fit/test_every_screen_fits' fixtures), one test per screen.
"""

from __future__ import annotations

import pytest

from pharmacy_desktop.ui.fit_check import find_clipping
from pharmacy_desktop.ui.screens.registry import screen_classes
from pharmacy_desktop.ui.screenshots import settle
from tests.ui_fit.test_every_screen_fits import accounts, demo, demo_context, open_shell, shells  # noqa: F401

pytestmark = [pytest.mark.ui, pytest.mark.db, pytest.mark.xdist_group("min-width")]

NARROW, WIDE = (1024, 768), (1920, 1080)


def _resize(window, size: tuple[int, int]) -> None:
    window.resize(*size)
    settle(minimum=0.1)


@pytest.mark.parametrize("cls", screen_classes(), ids=[cls.screenshot_name() for cls in screen_classes()])
def test_the_window_goes_back_to_1024_after_1920(qtbot, shells, accounts, cls):  # noqa: F811
    window, screen = open_shell(qtbot, shells, accounts, cls, NARROW)
    screen.prepare_screenshot()
    settle(minimum=0.1)
    assert window.width() == NARROW[0]
    first_minimum, first_nav = window.minimumSizeHint().width(), window.nav.width()

    _resize(window, WIDE)
    assert window.width() == WIDE[0]
    assert window.nav.width() == window.nav.width_for(WIDE[0])  # the sidebar still widens with the window
    _resize(window, NARROW)

    name = cls.screenshot_name()
    assert window.width() == NARROW[0], (
        f"{name}: the window stays {window.width()} px wide after 1920 (its minimum {window.minimumWidth()} px, "
        f"{first_minimum} at the first 1024)"
    )
    assert window.minimumSizeHint().width() <= first_minimum, name
    assert window.minimumWidth() <= NARROW[0], name
    assert window.nav.width() == first_nav == window.nav.width_for(NARROW[0]), name
    clips = find_clipping(window)
    assert not clips, f"{name} at 1024 after 1920:\n" + "\n".join(str(c) for c in clips)
