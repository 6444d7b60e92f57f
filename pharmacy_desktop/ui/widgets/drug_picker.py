"""The drug field: type a name and strength ("amox 500") or scan the stock bottle; Enter picks.

The chosen drug shows in large type with its schedule (C-II ...) whenever it is controlled.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QSizePolicy, QVBoxLayout, QWidget

from pharmacy_desktop.services.intake import DrugChoice
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.widgets.patient_banner import big_font

DEBOUNCE_MS = 150


class DrugPicker(QWidget):
    chosen = Signal(object)  # DrugChoice | None

    def __init__(self, find: Callable[[str], list[DrugChoice]], parent: QWidget | None = None):
        super().__init__(parent)
        self._find = find
        self._generation = 0
        self._pending = False
        self._enter_waiting = False
        self.choices: list[DrugChoice] = []
        self.choice: DrugChoice | None = None
        self.edit = QLineEdit()
        self.edit.setObjectName("drugSearch")
        self.edit.setPlaceholderText("Drug name and strength (e.g. amox 500), or scan the bottle")
        self.edit.setAccessibleName("Drug")
        self.results = QListWidget()
        self.results.setObjectName("drugResults")
        self.results.setMaximumHeight(130)
        self.results.setVisible(False)
        self.status = QLabel()
        self.status.setObjectName("drugStatus")
        self.status.setWordWrap(True)
        self.status.setVisible(False)
        self.selected = QLabel("No drug chosen")
        self.selected.setObjectName("drugChosen")
        self.selected.setFont(big_font(self.selected, 5))
        self.selected.setWordWrap(False)  # a wrapping label makes the grid row grow tall
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.status)
        layout.addWidget(self.results)
        layout.addWidget(self.selected)
        self.setFocusProxy(self.edit)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._run)
        self.edit.textEdited.connect(self._edited)
        self.edit.installEventFilter(self)
        self.results.installEventFilter(self)
        self.results.itemActivated.connect(lambda item: self._choose(self.results.row(item)))

    def _edited(self, text: str) -> None:
        # typing over a chosen drug un-chooses it: what is saved is always what the big label shows
        if self.choice is not None and text != self.choice.label:
            self.set_choice(None, keep_text=True)
            self.chosen.emit(None)
        self._timer.start()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        key = event.key()
        enter = key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if obj is self.edit:
            if enter and (self._timer.isActive() or self._pending):
                self._enter_waiting = True
                self._timer.stop()
                self._run()
                return True
            if enter and self.results.isVisible():
                self._choose(max(self.results.currentRow(), 0))
                return True
            if key == Qt.Key.Key_Down and self.results.count():
                self.results.setFocus()
                self.results.setCurrentRow(min(self.results.currentRow() + 1, self.results.count() - 1))
                return True
        elif obj is self.results:
            if enter:
                self._choose(self.results.currentRow())
                return True
            if key in (Qt.Key.Key_Escape,) or (key == Qt.Key.Key_Up and self.results.currentRow() <= 0):
                self.edit.setFocus()
                return True
        return False

    def _run(self) -> None:
        text = self.edit.text().strip()
        self._generation += 1
        generation = self._generation
        if not text:
            self._show([], "")
            return
        self._pending = True
        find = self._find
        run_in_background(self, lambda: find(text), lambda found: self._arrived(generation, found),
                          lambda exc: self._arrived(generation, [], user_message(exc)))

    def _arrived(self, generation: int, found: list[DrugChoice], error: str = "") -> None:
        if generation != self._generation:
            return
        self._pending = False
        message = error or ("" if found else "No drug found: check the spelling or type the NDC.")
        self._show(found, message)
        if self._enter_waiting:
            self._enter_waiting = False
            if found:
                self._choose(0)

    def show_choices(self, found: list[DrugChoice], message: str = "") -> None:
        """Results from elsewhere (a scan): one is taken at once, several are offered."""
        self._generation += 1
        self._pending = False
        if len(found) == 1:
            self._show([], "")
            self.set_choice(found[0])
            self.chosen.emit(found[0])
        else:
            self._show(found, message)
            if found:
                self.results.setFocus()

    def _show(self, found: list[DrugChoice], message: str) -> None:
        self.choices = list(found)
        self.results.clear()
        for choice in found:
            self.results.addItem(f"{choice.text}    {choice.detail}")
        self.results.setVisible(bool(found))
        if found:
            self.results.setCurrentRow(0)
        self.status.setText(message)
        self.status.setVisible(bool(message))
        self.updateGeometry()  # the parent layout must shrink back when the list hides

    def _choose(self, row: int) -> None:
        if 0 <= row < len(self.choices):
            choice = self.choices[row]
            self._show([], "")
            self.set_choice(choice)
            self.chosen.emit(choice)

    def set_choice(self, choice: DrugChoice | None, *, keep_text: bool = False) -> None:
        self.choice = choice
        if choice is None:
            self.selected.setText("No drug chosen: type, then Enter to pick" if keep_text else "No drug chosen")
            self.selected.setStyleSheet("")
            self.updateGeometry()
            return
        self.edit.setText(choice.label)
        self.selected.setText(f"{choice.label}" + (f"   [{choice.schedule}]" if choice.schedule else ""))
        self.selected.setToolTip(choice.detail)
        self.selected.setStyleSheet("color: #6a1b9a;" if choice.schedule else "")

    def clear(self) -> None:
        self._generation += 1
        self._pending = False
        self.edit.clear()
        self._show([], "")
        self.set_choice(None)
