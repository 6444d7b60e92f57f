"""One palette (ui/style.py): no hex colour anywhere else in ui/, and the meanings stay apart."""

import pathlib
import re

from pharmacy_desktop.ui import style

UI = pathlib.Path(__file__).resolve().parents[2] / "pharmacy_desktop" / "ui"
HEX = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})(?![0-9A-Za-z_])")


def test_no_hex_colour_outside_the_palette():
    found = [
        f"{p.relative_to(UI)}:{n}"
        for p in UI.rglob("*.py")
        if p.name not in ("style.py", "design.py")  # design.py: the tokens of both themes
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if HEX.search(line.split("  # ")[0])
    ]
    assert found == []


def test_meanings_have_their_own_colours():
    meanings = [style.STOP_BORDER, style.WARNING, style.PASSED, style.CONTROLLED, style.FOCUS, style.INFO]
    assert len(set(meanings)) == len(meanings)
    for sheet in (style.ALLERGY_STYLE, style.NKDA_STYLE, style.UNKNOWN_STYLE):
        assert sheet.count("{") == sheet.count("}") == 1 and "QLabel#allergies" in sheet
    assert style.STOP_BORDER in style.ALLERGY_STYLE and style.PASSED in style.NKDA_STYLE


def test_fill_hard_stop_titles_cover_every_refused_match():
    from pharmacy_desktop.domain.dispensing import Match
    from pharmacy_desktop.ui.screens.fill import HARD_STOP_TITLES

    assert set(HARD_STOP_TITLES) == {m for m in Match if not m.accepted}


def test_the_scan_dispatcher_names_a_screen_that_exists():
    from pharmacy_desktop.ui.keys import PLACE_KEYS
    from pharmacy_desktop.ui.scan_dispatch import ScanDispatcher

    message = ScanDispatcher.NO_TARGET_ON_SCREEN
    assert "F5 Fill" in message and "F8" not in message and "Inventory" not in message
    assert "F5" in PLACE_KEYS.values()
