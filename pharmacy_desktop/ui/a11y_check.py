"""What a keyboard or screen-reader user cannot do on a screen: plain inspection, it changes nothing
(except the keyboard focus, which :func:`tab_chain` and :func:`focus_invisible` move as a person would).

- :func:`unnamed_controls`: an interactive control (line edit, combo, spin box, button, check box,
  table, list, tab bar, text box) a screen reader announces without a name. Qt's accessible name
  comes from ``setAccessibleName``, a button's text, or a ``QLabel`` buddy (``QFormLayout.addRow``
  with a text sets one);
- :func:`tab_chain` and :func:`unreachable_controls`: the widgets Tab visits, pressed as a person
  would (a table that swallows Tab, a text box that types it, a control without Tab focus is not
  reachable), and the enabled controls it never reaches (a read-only view taken out of the Tab
  order on purpose — ``NoFocus`` and an accessible name — is a display, not a control);
- :func:`focus_invisible`: a control that looks the same with and without the keyboard focus;
- :func:`colour_only_status`: a coloured label (style sheet colour or background, or coloured rich
  text) whose text carries no word — status shown by colour or a bare symbol alone.

Used by tests/shell/test_accessibility.py on every screen of the registry, the sign-in and lock
screens, the first-run wizard and the dialogs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QCalendarWidget,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)

from pharmacy_desktop.ui.fit_check import path_of

INTERACTIVE = (
    QLineEdit,
    QComboBox,
    QAbstractSpinBox,
    QAbstractButton,
    QAbstractItemView,
    QTabBar,
    QPlainTextEdit,
    QTextEdit,
)
_WORD = re.compile(r"[^\W\d_]{2,}")  # two letters in a row: a word, not a symbol or a number
_COLOURED = re.compile(r"(?<![-\w])(color|background(-color)?)\s*:", re.IGNORECASE)


def controls(root: QWidget) -> list[QWidget]:
    """The interactive controls under ``root`` a person can see, without Qt's own parts of them
    (a combo box's line edit, a spin box's, a scroll bar's, a header, a calendar's buttons)."""
    found: list[QWidget] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not isinstance(widget, INTERACTIVE) or isinstance(widget, QHeaderView):
            continue
        if widget is not root and not widget.isVisibleTo(root):
            continue
        if widget.objectName().startswith("qt_") or _inside_control(widget, root):
            continue
        if isinstance(widget, QTabBar) and widget.count() == 0:
            continue
        found.append(widget)
    return found


def _inside_control(widget: QWidget, root: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not root.parentWidget():
        if isinstance(parent, (QComboBox, QAbstractSpinBox, QCalendarWidget)):
            return True
        if isinstance(parent, QAbstractItemView) and widget.parentWidget() is not parent.viewport():
            return True  # a view's corner button or scroll bar; an index widget (in the viewport) counts
        parent = parent.parentWidget()
    return False


def accessible_name(widget: QWidget) -> str:
    face = QAccessible.queryAccessibleInterface(widget)
    return (face.text(QAccessible.Text.Name) if face is not None else "").strip()


def unnamed_controls(root: QWidget) -> list[str]:
    """The controls under ``root`` a screen reader would announce without a name (their paths)."""
    missing: list[str] = []
    for widget in controls(root):
        if isinstance(widget, QTabBar):
            if any(not widget.tabText(i).strip() and not widget.accessibleTabName(i) for i in range(widget.count())):
                missing.append(f"{path_of(widget, root)} (a tab without a title)")
            continue
        if not accessible_name(widget):
            missing.append(f"{path_of(widget, root)} ({type(widget).__name__})")
    return missing


def _focused() -> QWidget | None:
    widget = QApplication.focusWidget()
    while widget is not None and widget.focusProxy() is not None:
        widget = widget.focusProxy()
    return widget


TRAPPED = 8  # Tab presses that leave the focus on one widget: a date edit's sections are 3, a table's cells many


def tab_chain(start: QWidget, limit: int = 300) -> tuple[list[QWidget], list[QWidget]]:
    """The widgets the keyboard focus visits from ``start`` on pressing Tab until it comes round
    again (or ``limit`` presses), and the widgets that kept the focus for ``TRAPPED`` presses in a
    row (a table walking its cells on Tab, a text box typing a tab): real key presses."""
    start.setFocus(Qt.FocusReason.TabFocusReason)
    QApplication.processEvents()
    visited: list[QWidget] = []
    traps: list[QWidget] = []
    seen: set[int] = set()
    previous, repeats = None, 0
    for _ in range(limit):
        widget = _focused()
        if widget is None:
            break
        if widget is previous:
            repeats += 1
            if repeats >= TRAPPED:
                traps.append(widget)
                break
        elif id(widget) in seen:
            break
        else:
            seen.add(id(widget))
            visited.append(widget)
            previous, repeats = widget, 0
        QTest.keyClick(widget, Qt.Key.Key_Tab)
        QApplication.processEvents()
    return visited, traps


def _reached(widget: QWidget, chain: Iterable[QWidget]) -> bool:
    for focused in chain:
        if focused is widget or widget.isAncestorOf(focused) or focused.focusProxy() is widget:
            return True
    return False


def unreachable_controls(root: QWidget, chain: list[QWidget]) -> list[str]:
    """The enabled controls under ``root`` that Tab never reaches (their paths and why)."""
    missing: list[str] = []
    for widget in controls(root):
        if not widget.isEnabled() or _reached(widget, chain) or _display(widget):
            continue
        policy = widget.focusPolicy()
        why = "no Tab focus" if not policy & Qt.FocusPolicy.TabFocus else "Tab never gets there"
        missing.append(f"{path_of(widget, root)} ({type(widget).__name__}: {why})")
    return missing


def _display(widget: QWidget) -> bool:
    """A read-only view taken out of the Tab order on purpose, with a name a screen reader reads
    (the highlighted alert's text beside the alert list, the active medications beside the queue)."""
    if widget.focusPolicy() != Qt.FocusPolicy.NoFocus or not widget.accessibleName():
        return False
    if isinstance(widget, (QTextEdit, QPlainTextEdit)):
        return widget.isReadOnly()
    return isinstance(widget, QAbstractItemView)  # without the focus, nothing in it can be edited


def _picture(widget: QWidget) -> QImage:
    QApplication.processEvents()
    return widget.grab().toImage()


def focus_invisible(widgets: Iterable[QWidget], elsewhere: QWidget) -> list[QWidget]:
    """The widgets that paint the same focused as unfocused (the focus sits on ``elsewhere`` between)."""
    invisible: list[QWidget] = []
    for widget in widgets:
        if widget is elsewhere or not widget.isVisible() or not widget.isEnabled():
            continue
        # as after a Tab key: styles draw the focus frame only once the keyboard moved the focus
        widget.window().setAttribute(Qt.WidgetAttribute.WA_KeyboardFocusChange, True)
        elsewhere.setFocus(Qt.FocusReason.TabFocusReason)
        before = _picture(widget)
        widget.setFocus(Qt.FocusReason.TabFocusReason)
        if not widget.hasFocus():
            continue
        after = _picture(widget)
        if before == after:
            invisible.append(widget)
    return invisible


def colour_only_status(root: QWidget) -> list[str]:
    """Visible coloured labels whose text says nothing in words (empty, a symbol, a bare number)."""
    found: list[str] = []
    for label in root.findChildren(QLabel):
        if not label.isVisibleTo(root) or label.buddy() is not None:
            continue
        coloured = bool(_COLOURED.search(label.styleSheet())) or (
            label.textFormat() != Qt.TextFormat.PlainText and bool(_COLOURED.search(label.text()))
        )
        if not coloured:
            continue
        text = label.text()
        if not text.strip() and "background" not in label.styleSheet().lower():
            continue  # an empty message line shows no colour either
        if label.pixmap() is not None and not label.pixmap().isNull():
            text = label.toolTip() + " " + text
        plain = re.sub(r"<[^>]*>", " ", text)
        if not _WORD.search(plain):
            found.append(f"{path_of(label, root)}: {plain.strip()!r}")
    return found
