"""The tokens made into the application's look (ui/theme.py), its icons and the sidebar: no database."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QLabel, QPushButton

from pharmacy_desktop.domain.places import Place
from pharmacy_desktop.ui import icons, theme
from pharmacy_desktop.ui.design import HIGH_CONTRAST, LIGHT, MIN_BASE_POINTS
from pharmacy_desktop.ui.sidebar import KEY_ROLE, NAME_ROLE, TITLE_ROLE, Sidebar

pytestmark = pytest.mark.ui


@pytest.fixture
def platform(look):
    """The look, with the platform's font size set as if the desktop asked for ``size`` points."""

    def set_points(size: float) -> None:
        look.setProperty("pharmacyPlatformPoints", size)

    yield set_points
    look.setProperty("pharmacyPlatformPoints", None)


def test_the_base_font_follows_the_platform_but_never_below_11_pt(look, platform):
    platform(9.0)
    assert theme.base_points(look) == MIN_BASE_POINTS
    platform(13.0)
    assert theme.base_points(look) == 13.0  # a desktop set to larger text: taken as it is
    assert theme.base_points(look, 150) == 19.5
    theme.apply_look(look, LIGHT, 125)
    assert look.font().pointSizeF() == pytest.approx(16.2, abs=0.1)
    assert theme.current_zoom(look) == 125


def test_zoom_scales_widgets_with_a_font_of_their_own(look, platform):
    platform(9.0)
    theme.apply_look(look, LIGHT, 100)
    heading = QLabel("Clinical review")
    font = QFont(heading.font())
    font.setPointSizeF(22.0)
    heading.setFont(font)
    plain = QLabel("text")
    theme.apply_look(look, LIGHT, 150)
    look.processEvents()  # the application font reaches the widgets by events
    assert heading.font().pointSizeF() == pytest.approx(33.0, abs=0.2)
    assert plain.font().pointSizeF() == pytest.approx(16.5, abs=0.1)
    theme.apply_look(look, HIGH_CONTRAST, 150)  # another style sheet at the same zoom: the heading stays large
    look.processEvents()
    assert heading.font().pointSizeF() == pytest.approx(33.0, abs=0.2)
    theme.apply_look(look, LIGHT, 100)
    look.processEvents()
    assert heading.font().pointSizeF() == pytest.approx(22.0, abs=0.2)
    later = QLabel("made at 100 %, never shown")  # polished for the first time only after the zoom
    font = QFont(later.font())
    font.setPointSizeF(22.0)
    later.setFont(font)
    theme.apply_look(look, LIGHT, 150)
    later.show()
    look.processEvents()
    assert later.font().pointSizeF() == pytest.approx(33.0, abs=0.2)
    later.hide()


def test_one_style_sheet_from_the_tokens_with_a_focus_ring_and_button_kinds(look):
    theme.apply_look(look, LIGHT, 100)
    sheet = look.styleSheet()
    assert f"solid {LIGHT.focus}" in sheet and ":focus" in sheet
    assert 'QPushButton[kind="primary"]' in sheet and 'QPushButton[kind="danger"]' in sheet
    assert LIGHT.primary in sheet and LIGHT.danger in sheet
    assert look.palette().color(QPalette.ColorRole.WindowText).name() == LIGHT.text
    theme.apply_look(look, HIGH_CONTRAST.name, 100)
    sheet = look.styleSheet()
    assert f"{HIGH_CONTRAST.focus_width}px solid {HIGH_CONTRAST.focus}" in sheet  # the thick ring
    assert look.palette().color(QPalette.ColorRole.Window).name() == "#ffffff"
    assert look.palette().color(QPalette.ColorRole.WindowText).name() == "#000000"
    assert theme.current_theme(look) is HIGH_CONTRAST


def test_a_button_kind_is_a_dynamic_property_the_style_sheet_reads(look, qtbot):
    theme.apply_look(look, LIGHT, 100)
    save, plain = QPushButton("Save"), QPushButton("Cancel")
    qtbot.addWidget(save)
    qtbot.addWidget(plain)
    theme.set_kind(save, "primary")
    assert save.property("kind") == "primary"
    save.resize(120, 40)
    plain.resize(120, 40)
    # the primary button is painted in the primary colour: its middle pixel differs from a plain one's
    middle = save.grab().toImage().pixelColor(10, 20).name()
    assert middle == LIGHT.primary
    assert plain.grab().toImage().pixelColor(10, 20).name() != LIGHT.primary


def test_every_status_thing_and_screen_has_an_icon(look):
    theme.apply_look(look, LIGHT, 100)
    for kind in [*icons.STATUS, *icons.THINGS]:
        assert not icons.icon(kind).isNull(), kind
    for place in icons.PLACES:
        assert not icons.icon_for_place(place).isNull(), place
    assert icons.icon_for_place(None).isNull()
    line = icons.StatusLine("stop", "Hard stop: wrong drug")
    assert line.text.text() == "Hard stop: wrong drug" and not line.icon.pixmap().isNull()  # words and icon


def test_the_sidebar_icons_are_rendered_once_in_both_colours(look):
    theme.apply_look(look, LIGHT, 100)
    place = next(iter(icons.PLACES))
    first = icons.rendered_place_icon(place, 20)
    assert icons.rendered_place_icon(place, 20) is first  # painted from pixmaps made once, not the font each time
    normal = first.pixmap(20, 20, icons.QIcon.Mode.Normal).toImage()
    selected = first.pixmap(20, 20, icons.QIcon.Mode.Selected).toImage()
    assert not normal.isNull() and normal != selected  # the selection's text colour on a selected row
    assert icons.rendered_place_icon(None, 20).isNull()
    theme.apply_look(look, HIGH_CONTRAST, 100)
    assert icons.rendered_place_icon(place, 20) is not first  # a new theme: the icons in its colours


def test_the_sidebar_uses_the_app_font_an_icon_and_a_key_column(look, qtbot):
    theme.apply_look(look, LIGHT, 100)
    nav = Sidebar()
    qtbot.addWidget(nav)
    nav.set_entries([("Home", None, "Alt+H", 0), ("Clinical review", 12, "F3", 1), ("Fill", 3, "F5", 2)])
    item = nav.item(1)
    assert item.text() == "F3  Clinical review  (12)"  # what a screen reader and the tests read
    assert item.data(NAME_ROLE) == "Clinical review  (12)" and item.data(KEY_ROLE) == "F3"
    assert not item.icon().isNull() and "12 waiting" in item.toolTip()
    assert nav.font().family() == look.font().family() and not nav.font().fixedPitch()
    # on a narrow display it gives way (at most a fifth of the window, down to 180 px: keys step aside,
    # then names elide, whole in the tooltip); with room, nothing is cut
    assert nav.width_for(1024) == max(180, min(nav.width_for(0), 204)) and nav.width_for(1920) == nav.width_for(0)
    assert all(str(nav.item(r).data(TITLE_ROLE)) in nav.item(r).toolTip() for r in range(nav.count()))
    nav.resize(nav.sizeHint().width(), 200)
    nav.show()
    qtbot.waitExposed(nav)
    metrics = nav.fontMetrics()
    room = nav.viewport().width()
    for row in range(nav.count()):
        entry = nav.item(row)
        needed = (
            nav.iconSize().width()
            + metrics.horizontalAdvance(entry.data(NAME_ROLE))
            + metrics.horizontalAdvance(entry.data(KEY_ROLE))
        )
        assert needed + 16 <= room, entry.text()
    nav.set_count(1, "Clinical review", 3)
    assert nav.item(1).text() == "F3  Clinical review  (3)"
    assert Place.REVIEW in icons.PLACES
