"""The design tokens (``ui/design.py``) made into the application's look: one style sheet, the
QPalette, the base font (the platform's size, at least 11 pt, times the user's zoom).

``apply_look(app, theme, zoom)`` is the one call: at start-up (``ui/app.make_application``), when a
user signs in (their saved theme and zoom), on Ctrl+= / Ctrl+- / Ctrl+0 and when the settings change
the theme. Widgets that set a font of their own (headings, the home page's counts) are scaled with
the zoom too, so a whole screen grows and shrinks together.

Buttons take a kind through a dynamic property: ``set_kind(button, "primary")`` (the screen's main
action) or ``"danger"`` (cannot be undone); plain buttons need nothing.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from pharmacy_desktop.ui.design import (
    DEFAULT_ZOOM,
    LIGHT,
    MIN_BASE_POINTS,
    SPACE,
    TYPE,
    Palette,
    clamp_zoom,
    palette_named,
)

_PLATFORM_POINTS = "pharmacyPlatformPoints"  # the platform's font size, read once before we change it
_THEME = "pharmacyTheme"
_ZOOM = "pharmacyZoom"
_FONT_FACTOR = "pharmacyFontFactor"  # a widget's own font size over the base size

KIND = "kind"  # the dynamic property of a button: "primary" | "danger"


def platform_points(app: QApplication) -> float:
    """The font size the platform (desktop settings) asked for, in points; read once per application."""
    saved = app.property(_PLATFORM_POINTS)
    if isinstance(saved, (int, float)) and saved > 0:
        return float(saved)
    font = app.font()
    points = font.pointSizeF()
    if points <= 0 and font.pixelSize() > 0:  # a platform that gives pixels
        screen = app.primaryScreen()
        dpi = screen.logicalDotsPerInch() if screen is not None else 96.0
        points = font.pixelSize() * 72.0 / dpi
    points = points if points > 0 else MIN_BASE_POINTS
    app.setProperty(_PLATFORM_POINTS, points)
    return points


def base_points(app: QApplication, zoom: int = DEFAULT_ZOOM) -> float:
    """The base font size: the platform's, at least 11 pt, times the zoom (a percentage)."""
    return round(max(platform_points(app), MIN_BASE_POINTS) * clamp_zoom(zoom) / 100, 1)


def current_theme(app: QApplication | None = None) -> Palette:
    app = app or _app()
    name = app.property(_THEME) if app is not None else None
    return palette_named(str(name)) if name else LIGHT


def current_zoom(app: QApplication | None = None) -> int:
    app = app or _app()
    zoom = app.property(_ZOOM) if app is not None else None
    return int(zoom) if isinstance(zoom, int) else DEFAULT_ZOOM


def is_styled(app: QApplication) -> bool:
    """Whether ``apply_look`` has dressed this application (a bare QApplication in a test has not)."""
    return app.property(_THEME) is not None


def apply_look(app: QApplication, theme: str | Palette = LIGHT, zoom: int = DEFAULT_ZOOM) -> None:
    """Font, palette and style sheet for ``theme`` at ``zoom`` %, on the whole application."""
    palette = theme if isinstance(theme, Palette) else palette_named(theme)
    zoom = clamp_zoom(zoom)
    points = base_points(app, zoom)
    old = app.font().pointSizeF()
    font = QFont(app.font())
    font.setPointSizeF(points)
    changed_size = old > 0 and abs(old - points) > 0.05
    # the style sheet first: setting it puts back the fonts widgets were given before it (a heading's
    # size at 100 %), so the widgets' own fonts are set again after it
    sheet = stylesheet(palette, pixels(points))
    changed_sheet = sheet != app.styleSheet()
    own = _own_fonts(app, old) if (changed_size or changed_sheet) and old > 0 else []
    if changed_sheet:
        app.setStyleSheet(sheet)
    app.setPalette(qpalette(palette))
    app.setFont(font)
    _set_own_fonts(own, points)
    app.setProperty(_THEME, palette.name)
    app.setProperty(_ZOOM, zoom)


def _own_fonts(app: QApplication, old: float) -> list[tuple[QWidget, QFont, float]]:
    """Widgets that set their own font (a heading, a count): the font and its size over the base size,
    read before a style sheet change (which puts back the fonts widgets had when they were polished)."""
    from PySide6.QtCore import Qt

    found: list[tuple[QWidget, QFont, float]] = []
    for widget in app.allWidgets():
        if not widget.testAttribute(Qt.WidgetAttribute.WA_SetFont):
            continue
        font = QFont(widget.font())
        factor = widget.property(_FONT_FACTOR)
        if not isinstance(factor, float):
            if font.pointSizeF() <= 0:
                continue
            factor = font.pointSizeF() / old
            widget.setProperty(_FONT_FACTOR, factor)
        found.append((widget, font, factor))
    return found


def _set_own_fonts(own: list[tuple[QWidget, QFont, float]], points: float) -> None:
    for widget, font, factor in own:
        widget.ensurePolished()  # a first polish later (a screen not opened yet) would put back the old font
        font.setPointSizeF(round(points * factor, 1))
        widget.setFont(font)


def pixels(points: float) -> int:
    """Points to pixels at 96 dpi (the style sheet's paddings follow the font)."""
    return max(1, round(points * 96 / 72))


def scaled_font(base: QFont, factor: float, *, bold: bool = False) -> QFont:
    """``base`` at ``factor`` times its size (``TYPE.title``, ``TYPE.number``...)."""
    font = QFont(base)
    if base.pointSizeF() > 0:
        font.setPointSizeF(round(base.pointSizeF() * factor, 1))
    font.setBold(bold or base.bold())
    return font


def title_font(widget: QWidget) -> QFont:
    return scaled_font(widget.font(), TYPE.title, bold=True)


def set_kind(widget: QWidget, kind: str | None) -> None:
    """Mark a button as the screen's main action ("primary") or one that cannot be undone ("danger")."""
    widget.setProperty(KIND, kind or "")
    repolish(widget)


def repolish(widget: QWidget) -> None:
    """The style sheet's rules worked out again for ``widget`` alone (after a dynamic property it is
    styled by changed): cheaper than setting a new sheet, which re-polishes the tree under it."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()


def qpalette(p: Palette) -> QPalette:
    """The Qt palette of a theme: what Fusion draws with where no style sheet rule applies."""
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: p.window,
        QPalette.ColorRole.WindowText: p.text,
        QPalette.ColorRole.Base: p.surface,
        QPalette.ColorRole.AlternateBase: p.surface_alt,
        QPalette.ColorRole.Text: p.text,
        QPalette.ColorRole.Button: p.chrome,
        QPalette.ColorRole.ButtonText: p.text,
        QPalette.ColorRole.BrightText: p.surface,
        QPalette.ColorRole.Highlight: p.selection,
        QPalette.ColorRole.HighlightedText: p.selection_text,
        QPalette.ColorRole.ToolTipBase: p.surface,
        QPalette.ColorRole.ToolTipText: p.text,
        QPalette.ColorRole.PlaceholderText: p.muted,
        QPalette.ColorRole.Link: p.info,
        QPalette.ColorRole.LinkVisited: p.controlled,
        QPalette.ColorRole.Mid: p.border,
        QPalette.ColorRole.Dark: p.border,
        QPalette.ColorRole.Shadow: p.border,
        QPalette.ColorRole.Light: p.surface,
        QPalette.ColorRole.Midlight: p.chrome,
    }
    for role, colour in roles.items():
        pal.setColor(QPalette.ColorGroup.All, role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(p.disabled_text))
    return pal


def stylesheet(p: Palette, base_px: int = 15) -> str:
    """The one application style sheet, from the tokens. Paddings follow the base font size."""
    unit = max(1.0, base_px / 15)  # 1.0 at 11 pt
    pad_v, pad_h = round(SPACE.s * unit), round(SPACE.m * unit)
    bw, fw = p.border_width, p.focus_width
    radius = round(SPACE.s * unit)
    # an input keeps its outer size when focused: the thicker ring takes from the padding
    in_v, in_h = max(1, round(SPACE.xs * unit)), max(2, round(SPACE.s * unit))
    focus_in_v, focus_in_h = max(0, in_v + bw - fw), max(0, in_h + bw - fw)
    focus_btn_v, focus_btn_h = max(0, pad_v + bw - fw), max(0, pad_h + bw - fw)
    # spin boxes, date edits and combo boxes keep Fusion's frame (a style sheet border drops their arrows);
    # Fusion rings them in the palette's highlight when focused
    inputs = "QLineEdit, QPlainTextEdit, QTextEdit"
    focused = ", ".join(f"{w.strip()}:focus" for w in inputs.split(","))
    return f"""
QToolTip {{ color: {p.text}; background: {p.surface}; border: {bw}px solid {p.border}; padding: {in_v}px {in_h}px; }}

QPushButton {{
    color: {p.text}; background: {p.surface}; border: {bw}px solid {p.border}; border-radius: {radius}px;
    padding: {pad_v}px {pad_h}px; min-height: {round(base_px * 1.2)}px;
}}
QPushButton:hover {{ background: {p.surface_alt}; }}
QPushButton:pressed {{ background: {p.chrome}; }}
QPushButton:default {{ border-color: {p.focus}; }}
QPushButton:focus {{ border: {fw}px solid {p.focus}; padding: {focus_btn_v}px {focus_btn_h}px; }}
QPushButton:disabled {{ color: {p.disabled_text}; border-color: {p.chrome}; }}
QPushButton[kind="primary"] {{ color: {p.primary_text}; background: {p.primary}; border-color: {p.primary}; }}
QPushButton[kind="danger"] {{ color: {p.danger_text}; background: {p.danger}; border-color: {p.danger}; }}
QPushButton[kind="primary"]:focus, QPushButton[kind="danger"]:focus {{ border-color: {p.text}; }}
QPushButton[kind="primary"]:disabled, QPushButton[kind="danger"]:disabled {{
    color: {p.disabled_text}; background: {p.chrome}; border-color: {p.chrome};
}}

{inputs} {{
    color: {p.text}; background: {p.surface}; border: {bw}px solid {p.border}; border-radius: {radius}px;
    padding: {in_v}px {in_h}px; selection-background-color: {p.selection}; selection-color: {p.selection_text};
}}
{focused} {{ border: {fw}px solid {p.focus}; padding: {focus_in_v}px {focus_in_h}px; }}
QLineEdit:disabled, QPlainTextEdit:disabled, QTextEdit:disabled {{ color: {p.disabled_text}; background: {p.window}; }}
QLineEdit:read-only {{ background: {p.surface_alt}; }}
QCheckBox:focus, QRadioButton:focus {{ background: {p.focus_tint}; color: {p.text}; }}
QComboBox:focus {{ background: {p.focus_tint}; color: {p.text}; }}

QAbstractItemView {{
    color: {p.text}; background: {p.surface}; alternate-background-color: {p.surface_alt};
    selection-background-color: {p.selection}; selection-color: {p.selection_text};
    gridline-color: {p.chrome};
}}
QTableView, QTreeView, QListView {{ border: {bw}px solid {p.border}; }}
QTableView:focus, QTreeView:focus, QListView:focus {{ border: {fw}px solid {p.focus}; }}
QHeaderView::section {{
    color: {p.text}; background: {p.chrome}; border: none; border-right: 1px solid {p.border};
    border-bottom: {bw}px solid {p.border}; padding: {in_v}px {in_h}px;
}}

QGroupBox {{
    border: {bw}px solid {p.border}; border-radius: {radius}px; margin-top: {round(base_px * 0.8)}px;
    padding-top: {round(SPACE.m * unit)}px; background: {p.surface};
}}
QGroupBox::title {{ subcontrol-origin: margin; subcontrol-position: top left; left: {pad_h}px; padding: 0 {SPACE.s}px;
    color: {p.text}; font-weight: bold; }}

QListWidget#navigation {{
    background: {p.chrome}; border: none; border-right: {bw}px solid {p.border}; outline: none;
}}
QListWidget#navigation::item {{ color: {p.text}; padding: {pad_v}px {pad_h}px; border: none; }}
QListWidget#navigation::item:selected {{ color: {p.selection_text}; background: {p.selection}; }}
QListWidget#navigation:focus {{ border-right: {fw}px solid {p.focus}; }}

QFrame#header {{ background: {p.surface}; border: none; border-bottom: {bw}px solid {p.border}; }}
QLabel#screenTitle {{ color: {p.text}; }}
QLabel#subtitle, QLabel[role="hint"] {{ color: {p.hint}; }}
QLabel[role="muted"] {{ color: {p.muted}; }}

QStatusBar {{ background: {p.chrome}; color: {p.text}; border-top: {bw}px solid {p.border}; }}
QStatusBar::item {{ border: none; }}
QStatusBar QLabel {{ color: {p.text}; }}

QTabBar::tab:focus {{ color: {p.focus}; }}
QScrollArea {{ border: none; }}
"""


def _app() -> QApplication | None:
    app = QApplication.instance()
    return app if isinstance(app, QApplication) else None
