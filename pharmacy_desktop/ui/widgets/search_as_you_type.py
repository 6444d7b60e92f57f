"""Search as you type: a line edit with a result list below it, keyboard first (patients, drugs).

Typing searches in the background (debounced); Down moves into the list, Enter picks the highlighted
(or the first) result, and an Enter pressed while a search is still running picks the first result
when it arrives. Results that arrive after newer typing are dropped. Subclasses say how a result
reads in the list (``item``) and what picking one does (``picked``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from pharmacy_desktop.ui.ops import run_in_background, user_message

ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class SearchAsYouType(QWidget):
    chosen = Signal(object)
    debounce_ms = 150
    not_found = "Nothing found."
    escape_clears = False  # Esc in the field clears what was typed

    def __init__(
        self,
        find: Callable[[str], list[Any]],
        parent: QWidget | None = None,
        *,
        name: str,
        placeholder: str,
        accessible_name: str,
        list_height: int,
    ):
        super().__init__(parent)
        self._find = find
        self._generation = 0
        self._pending = False
        self._enter_waiting = False
        self.found: list[Any] = []
        self.edit = QLineEdit(self)  # made in place: the app's style sheet goes through it once
        self.edit.setObjectName(f"{name}Search")
        self.edit.setPlaceholderText(placeholder)
        self.edit.setToolTip(placeholder)  # the whole hint when a narrow window cuts the placeholder
        self.edit.setAccessibleName(accessible_name)
        self._name = name
        self._list_height = list_height
        self._results: QListWidget | None = None  # built with the first results (``results``)
        self.status = QLabel(self)
        self.status.setVisible(False)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self._layout.addWidget(self.edit)
        self._layout.addWidget(self.status)
        self.setFocusProxy(self.edit)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.debounce_ms)
        self._timer.timeout.connect(self._run)
        self.edit.textEdited.connect(self._edited)
        self.edit.installEventFilter(self)

    @property
    def results(self) -> QListWidget:
        """The result list under the field (hidden while empty), built the first time results come (a
        screen's first showing does not pay for a list nobody sees yet); next after the field in the tab order."""
        if self._results is None:
            results = self._results = QListWidget(self)
            results.setObjectName(f"{self._name}Results")
            results.setMaximumHeight(self._list_height)
            results.setVisible(False)
            self._layout.insertWidget(self._layout.indexOf(self.status) + 1, results)
            results.installEventFilter(self)
            results.itemActivated.connect(lambda item: self._choose(results.row(item)))
            QWidget.setTabOrder(self.edit, results)
            self.list_made(results)
        return self._results

    def list_made(self, results: QListWidget) -> None:
        """A subclass sets up its result list here (made when first needed)."""

    def tab_stops(self) -> list[QWidget]:
        """The field, and its result list once made (it follows the field in the tab order)."""
        return [self.edit] if self._results is None else [self.edit, self._results]

    def results_shown(self) -> bool:
        return self._results is not None and self._results.isVisible()

    # what a subclass says ---------------------------------------------------------------------

    def item(self, found: Any) -> QListWidgetItem:
        raise NotImplementedError

    def picked(self, found: Any) -> None:
        raise NotImplementedError

    def enter_picks(self) -> bool:
        """Whether Enter in the field picks a result (else it goes on to the screen)."""
        return self.searching() or self.results_shown()

    # keyboard ---------------------------------------------------------------------------------

    def _edited(self, _text: str) -> None:
        self._timer.start()

    def searching(self) -> bool:
        return self._timer.isActive() or self._pending

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        key = event.key()
        if obj is self.edit:
            if key in ENTER_KEYS and self.enter_picks():
                if self.searching():  # pick the first result when it arrives
                    self._enter_waiting = True
                    self._timer.stop()
                    self._run()
                else:
                    self._choose(max(self.results.currentRow(), 0))
                return True
            if key == Qt.Key.Key_Down and self._results is not None and self.results.count():
                self.results.setFocus()
                self.results.setCurrentRow(min(self.results.currentRow() + 1, self.results.count() - 1))
                return True
            if key == Qt.Key.Key_Escape and self.escape_clears and self.edit.text():
                self.clear()
                return True
        elif obj is self._results and self._results is not None:
            if key in ENTER_KEYS:
                self._choose(self.results.currentRow())
                return True
            if key == Qt.Key.Key_Escape or (key == Qt.Key.Key_Up and self.results.currentRow() <= 0):
                self.edit.setFocus()
                return True
        return False

    # searching --------------------------------------------------------------------------------

    def _run(self) -> None:
        text = self.edit.text().strip()
        self._generation += 1
        generation = self._generation
        if not text:
            self._show([], "")
            return
        self._pending = True
        find = self._find
        run_in_background(
            self,
            lambda: find(text),
            lambda found: self._arrived(generation, found),
            lambda exc: self._arrived(generation, [], user_message(exc)),
        )

    def _arrived(self, generation: int, found: list[Any], error: str = "") -> None:
        if generation != self._generation:
            return
        self._pending = False
        self._show(found, error or ("" if found else self.not_found))
        if self._enter_waiting:
            self._enter_waiting = False
            if found:
                self._choose(0)

    def _show(self, found: list[Any], message: str) -> None:
        self.found = list(found)
        if found or self._results is not None:
            self.results.clear()
            for each in found:
                self.results.addItem(self.item(each))
            self.results.setVisible(bool(found))
            if found:
                self.results.setCurrentRow(0)
        self.status.setText(message)
        self.status.setVisible(bool(message))
        self.updateGeometry()  # the parent layout must shrink back when the list hides

    def _choose(self, row: int) -> None:
        if 0 <= row < len(self.found):
            self.picked(self.found[row])

    def _forget_search(self) -> None:
        """Drop what is in flight: a late result never lands."""
        self._generation += 1
        self._pending = False

    def clear(self) -> None:
        self._forget_search()
        self.edit.clear()
        self._show([], "")
