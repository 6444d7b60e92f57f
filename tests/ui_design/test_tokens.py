"""The design tokens (ui/design.py): text contrast in both themes, zoom steps, the saved display choices."""

from __future__ import annotations

import re

import pytest

from pharmacy_desktop.ui import design, display_prefs
from pharmacy_desktop.ui.design import HIGH_CONTRAST, LIGHT, TEXT_PAIRS, THEMES, contrast

HEX = re.compile(r"^#[0-9a-f]{6}$")


@pytest.mark.parametrize("theme", list(THEMES.values()), ids=list(THEMES))
def test_every_text_and_background_pair_reads_at_wcag_aa(theme):
    failing = []
    for text, background, large in TEXT_PAIRS:
        ratio = contrast(getattr(theme, text), getattr(theme, background))
        needed = 3.0 if large else 4.5
        if ratio < needed:
            failing.append(f"{text} on {background}: {ratio:.2f} < {needed}")
    assert failing == []


def test_the_contrast_formula_matches_wcag_reference_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic "just fails AA" grey
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_a_pair_that_fails_is_caught():
    """The check can fail: a light grey hint on white is refused."""
    pale = design.Palette(**{**LIGHT.__dict__, "hint": "#aaaaaa"})
    ratio = contrast(pale.hint, pale.surface)
    assert ratio < 4.5


def test_every_colour_token_is_a_hex_colour_and_the_pairs_name_real_tokens():
    colour_names = design.colour_fields()
    for theme in THEMES.values():
        for name in colour_names:
            assert HEX.match(getattr(theme, name)), (theme.name, name)
    for text, background, _large in TEXT_PAIRS:
        assert text in colour_names and background in colour_names


def test_meanings_keep_their_own_colours_in_both_themes():
    for theme in THEMES.values():
        meanings = [theme.stop_border, theme.warning_border, theme.passed_border, theme.controlled, theme.focus]
        assert len(set(meanings)) == len(meanings), theme.name


def test_high_contrast_is_black_on_white_with_a_thicker_focus_ring_and_bolder_borders():
    assert (HIGH_CONTRAST.text, HIGH_CONTRAST.surface, HIGH_CONTRAST.window) == ("#000000", "#ffffff", "#ffffff")
    assert HIGH_CONTRAST.focus_width > LIGHT.focus_width and HIGH_CONTRAST.border_width > LIGHT.border_width
    assert contrast(HIGH_CONTRAST.text, HIGH_CONTRAST.surface) >= 7.0  # AAA for ordinary text
    assert contrast(HIGH_CONTRAST.hint, HIGH_CONTRAST.surface) >= 7.0


def test_zoom_steps_go_up_and_down_and_stop_at_the_ends():
    assert design.next_zoom(100, +1) == 110
    assert design.next_zoom(100, -1) == 90
    assert design.next_zoom(150, +1) == 150
    assert design.next_zoom(90, -1) == 90
    assert design.next_zoom(135, 0) == 100
    assert design.next_zoom(117, +1) == 125  # an odd saved value goes to the next step
    assert design.clamp_zoom(400) == 150 and design.clamp_zoom(10) == 90


def test_display_choices_are_kept_per_workstation_and_per_user(tmp_path):
    path = tmp_path / "display.toml"
    assert display_prefs.load_display(path) == display_prefs.DisplayPrefs()  # no file: the defaults
    prefs = display_prefs.DisplayPrefs(workstation_theme="light", workstation_zoom=110)
    prefs = prefs.with_user("priya", theme="high_contrast").with_user('o"brien', zoom=135)
    display_prefs.save_display(prefs, path)
    again = display_prefs.load_display(path)
    assert again == prefs
    assert (again.theme_for("priya"), again.zoom_for("priya")) == ("high_contrast", 110)  # her theme, the ws zoom
    assert (again.theme_for('o"brien'), again.zoom_for('o"brien')) == ("light", 135)
    assert (again.theme_for("someone"), again.zoom_for("someone")) == ("light", 110)


def test_a_damaged_or_strange_display_file_gives_the_defaults(tmp_path):
    path = tmp_path / "display.toml"
    path.write_text("[workstation\ntheme = ", encoding="utf-8")
    assert display_prefs.load_display(path) == display_prefs.DisplayPrefs()
    path.write_text('[workstation]\ntheme = "neon"\nzoom = "big"\n[users.x]\nzoom = 900\n', encoding="utf-8")
    prefs = display_prefs.load_display(path)
    assert (prefs.workstation_theme, prefs.workstation_zoom) == ("light", 100)
    assert prefs.zoom_for("x") == 150
