"""The shell's display keys: the signed-in user's zoom and theme, applied to the whole application
and remembered for that user on this workstation (``ui/display_prefs.py``).

    Ctrl+=  (or Ctrl++)   larger      Ctrl+-   smaller      Ctrl+0   back to 100 %
    Ctrl+Alt+H            high contrast on / off

``for_user(username)`` at sign-in and on a switch of user puts that user's saved look on screen
(or the workstation's, when the user chose none). ``changed`` tells the shell to redraw what it
drew with the old colours or sizes (icons, the sidebar's width).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QWidget

from pharmacy_desktop.ui import display_prefs
from pharmacy_desktop.ui.design import HIGH_CONTRAST_NAME, LIGHT_NAME, next_zoom
from pharmacy_desktop.ui.theme import apply_look, current_theme, current_zoom, is_styled

log = logging.getLogger(__name__)

ZOOM_IN_KEYS = ("Ctrl+=", "Ctrl++")
ZOOM_OUT_KEYS = ("Ctrl+-",)
ZOOM_RESET_KEYS = ("Ctrl+0",)
CONTRAST_KEYS = ("Ctrl+Alt+H",)
HELP = (
    ("Ctrl+= / Ctrl+-", "larger / smaller text (remembered for you on this workstation)"),
    ("Ctrl+0", "text size back to 100 %"),
    ("Ctrl+Alt+H", "high contrast on / off (remembered for you)"),
)


class DisplayControl(QObject):
    changed = Signal()  # the theme or zoom changed: redraw icons and sizes

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.username = ""
        self.shortcuts: list[QShortcut] = []
        for keys, slot in (
            (ZOOM_IN_KEYS, lambda: self.zoom(+1)),
            (ZOOM_OUT_KEYS, lambda: self.zoom(-1)),
            (ZOOM_RESET_KEYS, lambda: self.zoom(0)),
            (CONTRAST_KEYS, self.toggle_contrast),
        ):
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), window)
                shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
                shortcut.activated.connect(slot)
                self.shortcuts.append(shortcut)

    def for_user(self, username: str) -> None:
        """The look this user chose (else the workstation's). Only where the application has the
        app's look at all (make_application): a bare QApplication (a test) is left as it is."""
        self.username = username
        app = _app()
        if app is None or not is_styled(app):
            return
        prefs = display_prefs.load_display()
        theme, zoom = prefs.theme_for(username), prefs.zoom_for(username)
        if theme != current_theme(app).name or zoom != current_zoom(app):
            apply_look(app, theme, zoom)
            self.changed.emit()

    def zoom(self, direction: int) -> int:
        """One zoom step larger (+1), smaller (-1), or back to 100 % (0); remembered for the user."""
        app = _app()
        if app is None:
            return 100
        zoom = next_zoom(current_zoom(app), direction)
        if zoom != current_zoom(app) or not is_styled(app):
            apply_look(app, current_theme(app), zoom)
            self.changed.emit()
        if self.username:
            display_prefs.remember_for_user(self.username, zoom=zoom)
        return zoom

    def toggle_contrast(self) -> str:
        app = _app()
        if app is None:
            return LIGHT_NAME
        theme = LIGHT_NAME if current_theme(app).name == HIGH_CONTRAST_NAME else HIGH_CONTRAST_NAME
        apply_look(app, theme, current_zoom(app))
        self.changed.emit()
        if self.username:
            display_prefs.remember_for_user(self.username, theme=theme)
        return theme


def _app() -> QApplication | None:
    app = QApplication.instance()
    return app if isinstance(app, QApplication) else None
