"""Patient search as you type (see ``search_as_you_type``); Esc in the field clears it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from pharmacy_desktop.services.patient_forms import PatientHit
from pharmacy_desktop.ui.icons import icon
from pharmacy_desktop.ui.style import STOP_TEXT
from pharmacy_desktop.ui.widgets.search_as_you_type import SearchAsYouType

DEBOUNCE_MS = 120


def hit_text(hit: PatientHit) -> str:
    allergies = f"\nAllergies: {', '.join(hit.allergies)}" if hit.allergies else ""  # the item's icon: warning
    inactive = "   (inactive)" if not hit.is_active else ""
    return (
        f"{hit.display_name}{inactive}\n    DOB {hit.date_of_birth:%m/%d/%Y} (age {hit.age})  ·  {hit.phone}  ·  "
        f"{hit.patient_number}{allergies}"
    )


class PatientSearch(SearchAsYouType):
    # chosen: a PatientHit
    searched = Signal(int)  # number of results shown
    debounce_ms = DEBOUNCE_MS
    not_found = "No patient found. Check the spelling, or press Alt+N for a new patient."
    escape_clears = True

    def __init__(
        self,
        search: Callable[[str], list[PatientHit]],
        parent: QWidget | None = None,
        *,
        placeholder: str = "Name (last, first), birth date, phone or patient #",
    ):
        super().__init__(
            search, parent, name="patient", placeholder=placeholder, accessible_name="Patient search", list_height=170
        )
        self.edit.setClearButtonEnabled(True)
        self.status.setObjectName("patientSearchStatus")

    def list_made(self, results: QListWidget) -> None:
        results.setAccessibleName("Patients found")
        results.setWordWrap(True)
        results.setAlternatingRowColors(True)
        results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    @property
    def hits(self) -> list[PatientHit]:
        return self.found

    def enter_picks(self) -> bool:
        # nothing typed or nothing to pick: Enter means what it means on the screen (save)
        return bool(self.edit.text().strip()) and bool(
            self.found or self.searching() or self.results_shown() or not self.status.isHidden()
        )

    def item(self, found: PatientHit) -> QListWidgetItem:
        item = QListWidgetItem(hit_text(found))
        if found.allergies:
            item.setForeground(QColor(STOP_TEXT))
            item.setIcon(icon("warning"))  # beside the words "Allergies: ..." (not colour alone)
        item.setToolTip(hit_text(found))
        return item

    def _show(self, found: list[PatientHit], message: str) -> None:
        super()._show(found, message)
        self.searched.emit(len(found))

    def picked(self, found: PatientHit) -> None:
        if self.results_shown():
            self.results.setVisible(False)
        self.status.setVisible(False)
        self.chosen.emit(found)
