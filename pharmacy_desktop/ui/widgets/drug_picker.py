"""The drug field: type a name and strength ("amox 500") or scan the stock bottle; Enter picks.

The chosen drug shows in large type with its schedule (C-II ...) whenever it is controlled.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QListWidgetItem, QSizePolicy, QWidget

from pharmacy_desktop.services.prescription_form import DrugChoice
from pharmacy_desktop.ui.style import CONTROLLED
from pharmacy_desktop.ui.widgets.elided_label import ElidedLabel
from pharmacy_desktop.ui.widgets.patient_banner import big_font
from pharmacy_desktop.ui.widgets.search_as_you_type import SearchAsYouType

DEBOUNCE_MS = 150


class DrugPicker(SearchAsYouType):
    # chosen: a DrugChoice, or None when typing un-chooses it
    debounce_ms = DEBOUNCE_MS
    not_found = "No drug found: check the spelling or type the NDC."

    def __init__(self, find: Callable[[str], list[DrugChoice]], parent: QWidget | None = None):
        super().__init__(
            find,
            parent,
            name="drug",
            placeholder="Drug and strength (amox 500), or scan",
            accessible_name="Drug",
            list_height=130,
        )
        self.choice: DrugChoice | None = None
        self.status.setObjectName("drugStatus")
        self.status.setWordWrap(True)
        self.selected = ElidedLabel("No drug chosen", self)  # one line, elided: never wider than the form
        self.selected.setObjectName("drugChosen")
        self.selected.setFont(big_font(self.selected, 5))
        layout = self.layout()
        assert layout is not None  # set in __init__
        layout.addWidget(self.selected)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    @property
    def choices(self) -> list[DrugChoice]:
        return self.found

    def _edited(self, text: str) -> None:
        # typing over a chosen drug un-chooses it: what is saved is always what the big label shows
        if self.choice is not None and text != self.choice.label:
            self.set_choice(None, keep_text=True)
            self.chosen.emit(None)
        super()._edited(text)

    def item(self, found: DrugChoice) -> QListWidgetItem:
        return QListWidgetItem(f"{found.text}    {found.detail}")

    def picked(self, found: DrugChoice) -> None:
        self._show([], "")
        self.set_choice(found)
        self.chosen.emit(found)

    def show_choices(self, found: list[DrugChoice], message: str = "") -> None:
        """Results from elsewhere (a scan): one is taken at once, several are offered."""
        self._forget_search()
        if len(found) == 1:
            self._show([], "")
            self.set_choice(found[0])
            self.chosen.emit(found[0])
        else:
            self._show(found, message)
            if found:
                self.results.setFocus()

    def set_choice(self, choice: DrugChoice | None, *, keep_text: bool = False) -> None:
        self.choice = choice
        if choice is None:
            self.selected.setText("No drug chosen: type, then Enter to pick" if keep_text else "No drug chosen")
            self.selected.setStyleSheet("")
            self.updateGeometry()
            return
        self.edit.setText(choice.label)
        self.selected.setText(f"{choice.label}" + (f"   [{choice.schedule}]" if choice.schedule else ""))
        self.selected.setToolTip(f"{self.selected.text()}\n{choice.detail}")
        self.selected.setStyleSheet(f"color: {CONTROLLED};" if choice.schedule else "")

    def clear(self) -> None:
        super().clear()
        self.set_choice(None)
