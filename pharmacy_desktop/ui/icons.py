"""Icons from a maintained set (qtawesome's Material Design Icons) instead of text glyphs.

An icon never says a status alone: it stands beside the words (``StatusLine``, the status bar's
pills, the home page's cards). Colours come from the current theme (``ui/theme.current_theme``).

    icon("passed")                    # a QIcon in the theme's "passed" colour
    icon_for_place(Place.FILL)        # the sidebar's icon of a screen
    pixmap("stop", 16)                # for a QLabel

If qtawesome cannot be loaded (a broken install), icons are empty and the words still say it all.
"""

from __future__ import annotations

import logging
import threading
from functools import cache
from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication, QIcon, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from pharmacy_desktop.domain.places import Place
from pharmacy_desktop.ui.design import Palette

log = logging.getLogger(__name__)

# status: (icon, palette token of its colour)
STATUS: dict[str, tuple[str, str]] = {
    "stop": ("mdi6.close-octagon", "stop_border"),  # hard stop, refused, failed
    "warning": ("mdi6.alert", "warning_border"),  # look before going on
    "passed": ("mdi6.check-circle", "passed_border"),  # passed, saved, connected
    "info": ("mdi6.information", "info"),  # waiting for the next step
    "unknown": ("mdi6.help-circle-outline", "muted"),  # not checked yet
    "stat": ("mdi6.lightning-bolt", "stat"),  # STAT
    "overdue": ("mdi6.timer-sand", "stat"),  # past the promised time
    "controlled": ("mdi6.shield-lock-outline", "controlled"),  # a controlled substance
}
# things: (icon, palette token)
THINGS: dict[str, tuple[str, str]] = {
    "scanner": ("mdi6.barcode-scan", "text"),
    "database": ("mdi6.database", "text"),
    "printer": ("mdi6.printer", "text"),
    "user": ("mdi6.account-circle", "text"),
    "workstation": ("mdi6.monitor", "text"),
    "lock": ("mdi6.lock-outline", "text"),
    "sign_out": ("mdi6.logout", "text"),
    "zoom_in": ("mdi6.magnify-plus-outline", "text"),
    "zoom_out": ("mdi6.magnify-minus-outline", "text"),
    "theme": ("mdi6.contrast-circle", "text"),
    "stock": ("mdi6.store-alert", "text"),
    "messages": ("mdi6.message-alert-outline", "text"),
    "fridge": ("mdi6.fridge-outline", "info"),  # store in the refrigerator (beside the word 'Refrigerate')
}
PLACES: dict[Place, str] = {
    Place.HOME: "mdi6.home",
    Place.INTAKE: "mdi6.file-document-edit-outline",
    Place.REVIEW: "mdi6.clipboard-check-outline",
    Place.DRUG_LOOKUP: "mdi6.pill",
    Place.FILL: "mdi6.flask-outline",
    Place.VERIFY: "mdi6.check-decagram-outline",
    Place.PICKUP: "mdi6.shopping-outline",
    Place.INVENTORY: "mdi6.package-variant-closed",
    Place.PATIENTS: "mdi6.account-multiple",
    Place.PRINT_QUEUE: "mdi6.printer",
    Place.MESSAGES: "mdi6.message-alert-outline",
    Place.USERS: "mdi6.account-cog",
    Place.AUDIT_LOG: "mdi6.history",
    Place.SETTINGS: "mdi6.cog",
}


@cache
def _qta() -> Any:
    try:
        import qtawesome  # type: ignore[import-untyped]

        return qtawesome
    except Exception as exc:  # an install without it: words only, never a failed start
        log.warning("icons unavailable (%s): words only", type(exc).__name__)
        return None


_fonts = threading.Lock()  # the icon fonts are loaded once, by warm() on the preload thread or the first icon()


def warm() -> None:
    """Load the icon fonts and their names now, off the GUI thread (``ui/app.preload_modules``, while the
    sign-in window is up): qtawesome reads and parses every bundled font's charmap on its first icon,
    about 0.1 s of Python. QFontDatabase is thread-safe; no widget is made."""
    qta = _qta()
    if qta is not None:
        with _fonts:
            qta._instance()


def _theme() -> Palette:
    from pharmacy_desktop.ui.theme import current_theme

    return current_theme()


# made once per (name, colour, selected colour): qtawesome parses its options and builds an icon engine each
# call (~0.3 ms), and the shell asks for the same few icons over and over (GUI thread only, as QIcon is)
_icons: dict[tuple[str, str, str | None], QIcon] = {}
# rendered once per (kind, size, colour, device pixel ratio): a qtawesome icon paints its glyph again on
# every QIcon.pixmap(), and a status label repaints often (GUI thread only, as QPixmap is)
_pixmaps: dict[tuple[str, int, str, float], QPixmap] = {}


def _make(name: str, colour: str, selected: str | None = None) -> QIcon:
    key = (name, colour, selected)
    made = _icons.get(key)
    if made is not None:
        return made
    qta = _qta()
    if qta is None:
        return QIcon()
    try:
        options: dict[str, Any] = {"color": colour}
        if selected:
            options["color_active"] = selected
            options["color_selected"] = selected
        with _fonts:  # not while warm() is loading them on another thread
            made = qta.icon(name, **options)
        _icons[key] = made
        return made  # type: ignore[no-any-return]
    except Exception as exc:  # an icon name the installed set lacks: no icon, the words stay
        log.warning("icon %s unavailable (%s)", name, type(exc).__name__)
        return QIcon()


def icon(kind: str, *, colour: str | None = None, selectable: bool = False) -> QIcon:
    """The icon of a status (``STATUS``) or a thing (``THINGS``) in the current theme's colour.

    ``selectable``: for an item view's row (``ui/table_models``): its Selected mode, which a view paints
    on a highlighted row, is drawn in the theme's highlighted-text colour (a status colour on the
    highlight could not be seen: red or green on the light theme's blue, dark red on the high-contrast
    black); the shape and the words beside it still say which status."""
    name, token = STATUS.get(kind) or THINGS[kind]
    theme = _theme()
    return _make(name, colour or getattr(theme, token), theme.selection_text if selectable else None)


def icon_for_place(place: Place | None) -> QIcon:
    """A screen's icon for the sidebar: the theme's text colour, the selection's text colour when selected."""
    name = PLACES.get(place) if place is not None else None
    if name is None:
        return QIcon()
    theme = _theme()
    return _make(name, theme.text, theme.selection_text)


_place_icons: dict[tuple[str, str, str, int, float], QIcon] = {}


def rendered_place_icon(place: Place | None, side: int) -> QIcon:
    """``icon_for_place`` rendered once at ``side`` px (normal and selected colours) into plain pixmaps:
    the sidebar paints on every hover and switch, and a qtawesome icon draws its glyph again each time."""
    name = PLACES.get(place) if place is not None else None
    if name is None:
        return QIcon()
    theme = _theme()
    app = QGuiApplication.instance()
    ratio = app.devicePixelRatio() if isinstance(app, QGuiApplication) else 1.0
    key = (name, theme.text, theme.selection_text, side, ratio)
    made = _place_icons.get(key)
    if made is None:
        source = _make(name, theme.text, theme.selection_text)
        made = QIcon()
        for mode in (QIcon.Mode.Normal, QIcon.Mode.Selected, QIcon.Mode.Active):
            made.addPixmap(source.pixmap(QSize(side, side), ratio, mode), mode)
        _place_icons[key] = made
    return made


def pixmap(kind: str, size: int = 16, *, colour: str | None = None) -> QPixmap:
    """The icon of ``kind`` rendered at ``size`` px (cached: rendered once per size and colour)."""
    name, token = STATUS.get(kind) or THINGS[kind]
    colour = colour or getattr(_theme(), token)
    app = QGuiApplication.instance()
    ratio = app.devicePixelRatio() if isinstance(app, QGuiApplication) else 1.0
    key = (kind, size, colour, ratio)
    rendered = _pixmaps.get(key)
    if rendered is None:
        rendered = _pixmaps[key] = _make(name, colour).pixmap(QSize(size, size))
    return rendered


class StatusLine(QWidget):
    """An icon and the words beside it: a status a person reads without relying on colour."""

    def __init__(self, kind: str = "unknown", text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.icon = QLabel()
        self.text = QLabel(text)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.icon)
        layout.addWidget(self.text, 1)
        self.kind = kind
        self.set(kind, text)

    def set(self, kind: str, text: str) -> None:
        self.kind = kind
        size = max(14, self.text.fontMetrics().height())
        self.icon.setPixmap(pixmap(kind, size))
        self.icon.setFixedSize(size, size)
        self.text.setText(text)
        self.setAccessibleName(text)
        self.setToolTip("")

    def refresh_icon(self) -> None:
        """After a theme or zoom change: the icon again in the new colour and size."""
        self.set(self.kind, self.text.text())
