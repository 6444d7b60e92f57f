"""The fill and verification queues' idle page: the highlighted prescription, before it is opened."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from pharmacy_desktop.domain.stock import format_quantity
from pharmacy_desktop.services.work_queues import QueueRow
from pharmacy_desktop.ui.style import AMBER, INFO
from pharmacy_desktop.ui.widgets.fill_common import big, drug_text, local_time, minutes_text, tinted


class RxPreview(QFrame):
    """The highlighted queue row before it is opened (issue 18): who, what and how much, in type a
    person reads from a step back, the directions as the label will read them, the prescriber, the
    lots (fill: what the shelf would give, first expiry first; verification: what was filled, and
    the will-call bin), and what to do next. It says only what the queue's own read loaded (no claim,
    no access logged per highlight); the prescription opens (and its access is logged) with Enter or
    a label scan."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("rxPreview")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("The highlighted prescription")
        self.title = big("", 1, name="previewTitle")
        self.patient = big("", 6, name="previewPatient")
        self.drug = big("", 4, name="previewDrug")
        self.quantity = big("", 2, bold=False, name="previewQuantity")
        self.directions = big("", 2, bold=False, name="previewDirections")
        self.prescriber = big("", 0, bold=False, name="previewPrescriber")
        self.lots = big("", 0, bold=False, name="previewLots")
        self.waiting = big("", 0, bold=False, name="previewWaiting")
        self.note = tinted(big("", 0, name="previewNote"), AMBER)
        self.next_step = tinted(big("", 1, name="previewNext"), INFO)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(6)
        for label in self._lines():
            label.setTextFormat(Qt.TextFormat.PlainText)
            layout.addWidget(label)
        layout.addWidget(self.next_step)
        self.next_step.setTextFormat(Qt.TextFormat.PlainText)
        self.hide()

    def _lines(self) -> tuple[QLabel, ...]:
        """The labels that say something of the patient or the prescription."""
        return (
            self.title,
            self.patient,
            self.drug,
            self.quantity,
            self.directions,
            self.prescriber,
            self.lots,
            self.waiting,
            self.note,
        )

    def show_row(self, row: QueueRow | None, next_step: str) -> None:
        """``row``: the highlighted queue row (None: nothing highlighted, the preview hides)."""
        if row is None:
            self.hide()
            for label in self._lines():
                label.clear()  # nothing of a patient left behind a lock
            return
        stat = "   ·   STAT" if row.is_stat else ""
        self.title.setText(f"Highlighted: Rx {row.rx_number}{stat}")
        dob = f"   ·   DOB {row.date_of_birth:%m/%d/%Y}" if row.date_of_birth else ""
        self.patient.setText(f"{row.patient_name}{dob}")
        self.drug.setText(drug_text(row.drug, row.schedule))
        for label, text in (
            (self.quantity, f"Quantity: {row.quantity}" if row.quantity else ""),
            (self.directions, f"Directions: {row.directions}" if row.directions else ""),
            (self.prescriber, f"Prescriber: {row.prescriber}" if row.prescriber else ""),
            (self.lots, lots_text(row)),
            (self.note, f"Sent back: {row.returned_note}" if row.returned_note else ""),
        ):
            label.setText(text)
            label.setVisible(bool(text))
        due = f"   ·   due {local_time(row.promised_at)}" if row.promised_at else ""
        self.waiting.setText(f"Waiting {minutes_text(row.waiting_minutes)}{due}")
        self.next_step.setText(next_step)
        self.show()


def lots_text(row: QueueRow) -> str:
    """Fill: the lots the shelf would give (first expiry first); verification: the lots filled and the bin."""

    def expiry(value: dt.date | None) -> str:
        return f" (exp {value:%m/%d/%Y})" if value else ""

    if row.status == "in_progress":
        filled = ", ".join(f"lot {lot.lot or 'not recorded'}{expiry(lot.expiry)}" for lot in row.lots)
        where = (
            f"Will-call bin {row.bin_code}: this patient's bag is there"
            if row.bin_code
            else "Not binned: approval picks a will-call bin"
        )
        return f"Filled from {filled}\n{where}" if filled else where
    if not row.lots:
        return "The shelf has no lot of this drug in date: check inventory before opening"
    taken = ", ".join(
        f"lot {lot.lot}{expiry(lot.expiry)}: {format_quantity(lot.quantity)}"
        if lot.quantity is not None
        else f"lot {lot.lot}"
        for lot in row.lots
    )
    return f"The shelf gives (first expiry first): {taken}"
