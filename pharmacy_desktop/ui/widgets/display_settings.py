"""The settings screen's "Display" group: this workstation's theme and text size.

Saved with the workstation's other settings (Ctrl+S, written off the GUI thread) in ``display.toml`` beside ``workstation.toml``
(``ui/display_prefs.py``) and put on screen at once. A person's own choice (Ctrl+= / Ctrl+- /
Ctrl+0, Ctrl+Alt+H) wins while they are signed in; the group says so.
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

from PySide6.QtWidgets import QApplication, QComboBox, QFormLayout, QGroupBox, QLabel, QWidget

from pharmacy_desktop.ui import display_prefs
from pharmacy_desktop.ui.design import THEMES, ZOOM_STEPS
from pharmacy_desktop.ui.theme import apply_look, current_theme, current_zoom, is_styled


class DisplaySettingsGroup(QGroupBox):
    def __init__(self, path: Path | None = None, parent: QWidget | None = None):
        super().__init__("Display", parent)
        self.setObjectName("displaySettings")
        self.path = path  # display.toml; None: beside the user's workstation.toml
        self.theme = QComboBox()
        self.theme.setObjectName("displayTheme")
        for name, palette in THEMES.items():
            self.theme.addItem(palette.title, name)
        self.theme.setAccessibleName("Theme of this workstation")
        self.zoom = QComboBox()
        self.zoom.setObjectName("displayZoom")
        for step in ZOOM_STEPS:
            self.zoom.addItem(f"{step} %", step)
        self.zoom.setAccessibleName("Text size of this workstation")
        form = QFormLayout(self)
        form.addRow("&Theme", self.theme)
        form.addRow("Te&xt size", self.zoom)
        note = QLabel(
            "For everyone on this workstation. Each person can change their own: "
            "Ctrl+= / Ctrl+- text size, Ctrl+Alt+H high contrast."
        )
        note.setObjectName("subtitle")
        note.setWordWrap(True)
        form.addRow(note)
        self.load()

    def load(self) -> None:
        prefs = display_prefs.load_display(self.path)
        self.theme.setCurrentIndex(max(0, self.theme.findData(prefs.workstation_theme)))
        self.zoom.setCurrentIndex(max(0, self.zoom.findData(prefs.workstation_zoom)))

    def chosen(self) -> tuple[str, int]:
        return str(self.theme.currentData()), int(self.zoom.currentData())

    def save(self) -> Future[display_prefs.DisplayPrefs]:
        """Queue the workstation's choice; it is written off the GUI thread. The future ends with what
        was written, or the OSError that stopped it: the caller waits for it on a worker and reports it."""
        theme, zoom = self.chosen()
        return display_prefs.remember_for_workstation(theme, zoom, self.path)

    def show_look(self, prefs: display_prefs.DisplayPrefs, username: str | None = None) -> None:
        """Put the saved look on screen now (unless ``username`` chose their own)."""
        app = QApplication.instance()
        if isinstance(app, QApplication) and is_styled(app):
            wanted = (prefs.theme_for(username), prefs.zoom_for(username))
            if wanted != (current_theme(app).name, current_zoom(app)):
                apply_look(app, *wanted)
                refresh = getattr(self.window(), "look_changed", None)
                if callable(refresh):
                    refresh()
