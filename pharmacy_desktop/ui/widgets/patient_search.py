"""Patient search as you type: a line edit with a result list below it, keyboard first.

Typing searches in the background (debounced); Down moves into the list, Enter picks the highlighted
(or only/first) patient, Esc clears. Results that arrive after newer typing are dropped.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from pharmacy_desktop.services.patients import PatientHit
from pharmacy_desktop.ui.ops import run_in_background, user_message

DEBOUNCE_MS = 120


def hit_text(hit: PatientHit) -> str:
    allergies = f"\n⚠ Allergies: {', '.join(hit.allergies)}" if hit.allergies else ""
    inactive = "   (inactive)" if not hit.is_active else ""
    return (f"{hit.display_name}{inactive}\n    DOB {hit.date_of_birth:%m/%d/%Y} (age {hit.age})  ·  {hit.phone}  ·  "
            f"{hit.patient_number}{allergies}")


class PatientSearch(QWidget):
    chosen = Signal(object)  # PatientHit
    searched = Signal(int)  # number of results shown

    def __init__(self, search: Callable[[str], list[PatientHit]], parent: QWidget | None = None,
                 *, placeholder: str = "Name (last, first), date of birth, phone or patient number"):
        super().__init__(parent)
        self._search = search
        self._generation = 0
        self.hits: list[PatientHit] = []
        self.edit = QLineEdit()
        self.edit.setObjectName("patientSearch")
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        self.edit.setAccessibleName("Patient search")
        self.results = QListWidget()
        self.results.setObjectName("patientResults")
        self.results.setAccessibleName("Patients found")
        self.results.setMaximumHeight(170)
        self.results.setWordWrap(True)
        self.results.setAlternatingRowColors(True)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setVisible(False)
        self.status = QLabel()
        self.status.setObjectName("patientSearchStatus")
        self.status.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.status)
        layout.addWidget(self.results)
        self.setFocusProxy(self.edit)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._run)
        self.edit.textEdited.connect(lambda _: self._timer.start())
        self.edit.installEventFilter(self)
        self.results.installEventFilter(self)
        self.results.itemActivated.connect(lambda item: self._choose(self.results.row(item)))

    # keyboard ---------------------------------------------------------------------------------

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        key = event.key()
        if obj is self.edit:
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if not self.edit.text().strip() or (not self.hits and not self._timer.isActive()
                                                    and not self._pending and not self.results.isVisible()
                                                    and self.status.isHidden()):
                    return False  # nothing to pick: Enter means what it means on the screen (save)
                if self._timer.isActive() or self._pending:
                    self._enter_waiting = True
                    self._timer.stop()
                    self._run()
                else:
                    self._choose(max(self.results.currentRow(), 0))
                return True
            if key == Qt.Key.Key_Down and self.results.count():
                self.results.setFocus()
                self.results.setCurrentRow(min(self.results.currentRow() + 1, self.results.count() - 1))
                return True
            if key == Qt.Key.Key_Escape and self.edit.text():
                self.clear()
                return True
        elif obj is self.results:
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._choose(self.results.currentRow())
                return True
            if key == Qt.Key.Key_Up and self.results.currentRow() <= 0:
                self.edit.setFocus()
                return True
            if key == Qt.Key.Key_Escape:
                self.edit.setFocus()
                return True
        return False

    # searching --------------------------------------------------------------------------------

    _pending = False
    _enter_waiting = False

    def _run(self) -> None:
        text = self.edit.text().strip()
        self._generation += 1
        generation = self._generation
        if not text:
            self._show([], "")
            return
        self._pending = True
        search = self._search
        run_in_background(self, lambda: search(text), lambda hits: self._arrived(generation, hits),
                          lambda exc: self._failed(generation, exc))

    def _arrived(self, generation: int, hits: list[PatientHit]) -> None:
        if generation != self._generation:
            return
        self._pending = False
        self._show(hits, "" if hits else "No patient found. Check the spelling, or press Alt+N for a new patient.")
        if self._enter_waiting:
            self._enter_waiting = False
            if hits:
                self._choose(0)

    def _failed(self, generation: int, exc: Exception) -> None:
        if generation == self._generation:
            self._pending = False
            self._enter_waiting = False
            self._show([], user_message(exc))

    def _show(self, hits: list[PatientHit], message: str) -> None:
        self.hits = list(hits)
        self.results.clear()
        for hit in hits:
            item = QListWidgetItem(hit_text(hit))
            if hit.allergies:
                item.setForeground(QColor("#8b1a10"))
            item.setToolTip(hit_text(hit))
            self.results.addItem(item)
        self.results.setVisible(bool(hits))
        if hits:
            self.results.setCurrentRow(0)
        self.status.setText(message)
        self.status.setVisible(bool(message))
        self.updateGeometry()  # the parent layout must shrink back when the list hides
        self.searched.emit(len(hits))

    def _choose(self, row: int) -> None:
        if 0 <= row < len(self.hits):
            hit = self.hits[row]
            self.results.setVisible(False)
            self.status.setVisible(False)
            self.chosen.emit(hit)

    def clear(self) -> None:
        self._generation += 1
        self._pending = False
        self.edit.clear()
        self._show([], "")
