"""The Recalls page of the inventory screen (F8): quarantine a recalled lot, reach the patients
who received it, and send quarantined stock back to the supplier or destroy it.

A scan of the package's DataMatrix fills the NDC and lot (typing them works too). Ctrl+Enter records
the recall (services/quarantine.recall_lot): the lot leaves the available stock and the patients
who received it are listed with their phone and e-mail for outreach. The quarantine list below
holds every recalled or expired lot with units in it; Alt+E returns the selected one to the
supplier, Alt+X destroys it. Destroying a controlled substance takes two witnesses (DEA Form 41):
each proves who they are with their own username and password here (see ``confirm_witnesses``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.services import quarantine
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.quarantine import DisposalResult, QuarantinedLot, QuarantinedLotRow, RecallResult
from pharmacy_desktop.services.scan_resolution import ScanResult, resolve_scan
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.screens.base import shortcut
from pharmacy_desktop.ui.style import CONTROLLED, ERROR_STYLE, HINT_STYLE, PASSED_STYLE, WARNING_STYLE
from pharmacy_desktop.ui.widgets.column_fit import fit_columns
from pharmacy_desktop.ui.widgets.fill_common import RowsTable, drug_cell
from pharmacy_desktop.ui.widgets.inventory_common import units
from pharmacy_desktop.ui.widgets.inventory_disposal import DisposalPanel, confirm_witnesses
from pharmacy_desktop.ui.widgets.inventory_order_pane import ndc_text
from pharmacy_desktop.ui.widgets.status_label import StatusLabel

_ICONS = {ERROR_STYLE: "stop", PASSED_STYLE: "passed", WARNING_STYLE: "warning"}  # a message's style: its icon

PATIENT_HEADERS = ("Patient", "Phone", "E-mail", "Rx", "Filled", "Qty", "Lot", "Status")
LOT_HEADERS = ("Drug", "NDC", "Lot", "Expires", "Qty", "Why", "Since")


def _ndc_text(result: ScanResult) -> str:
    return result.package_ndc or result.ndc11 or ""


def moved_text(lots: tuple[QuarantinedLot, ...]) -> str:
    """What a recall moved to quarantine, in the unit it is counted out in: '130 tablets'."""
    total = sum((q.quantity for q in lots), start=Decimal(0))
    first = lots[0] if lots else None
    return units(total, first.unit if first else None, first.dosage_form if first else None)


class RecallsPage(QWidget):
    title = "Recalls"
    help_keys = (
        ("Scan", "the package's DataMatrix fills the NDC and lot"),
        ("Ctrl+Enter", "quarantine the lot and list the patients who received it"),
        ("Alt+E", "return the selected quarantined lot to the supplier"),
        ("Alt+X", "destroy the selected quarantined lot (controlled: two witnesses)"),
        ("Esc", "cancel the return or destruction"),
    )

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("inventoryRecalls")
        self.context = context
        self.actor = actor
        self.recall: RecallResult | None = None
        self.lots: list[QuarantinedLotRow] = []
        self.last_disposal: DisposalResult | None = None
        self.busy = False
        self._build()
        shortcut(self, "Ctrl+Return", self.submit_recall)
        shortcut(self, "Ctrl+Enter", self.submit_recall)
        shortcut(self, "Alt+E", lambda: self.start_disposal("return"))
        shortcut(self, "Alt+X", lambda: self.start_disposal("destroy"))
        shortcut(self, "Esc", self.cancel_disposal)

    # -- layout -----------------------------------------------------------------------------------

    def _build(self) -> None:
        self.ndc = QLineEdit()
        self.ndc.setObjectName("recallNdc")
        self.ndc.setPlaceholderText("NDC, e.g. 00093-7146-01")
        self.ndc.setToolTip("NDC, e.g. 00093-7146-01 (or scan the package)")
        self.lot = QLineEdit()
        self.lot.setObjectName("recallLot")
        self.lot.setPlaceholderText("lot number")
        self.lot.setToolTip("The lot number as on the recall notice")
        self.recall_class = QComboBox()
        self.recall_class.setObjectName("recallClass")
        for text, value in (("not given", None), ("Class I", "I"), ("Class II", "II"), ("Class III", "III")):
            self.recall_class.addItem(text, value)
        self.reason = QLineEdit()
        self.reason.setObjectName("recallReason")
        self.reason.setPlaceholderText("the recall notice's wording, e.g. 'NDMA above the limit'")
        self.reason.setToolTip("the recall notice's wording, e.g. 'NDMA above the limit'")
        self.reason.returnPressed.connect(self.submit_recall)
        submit = QPushButton("Quarantine the lot (Ctrl+Enter)")
        submit.setObjectName("recallSubmit")
        submit.clicked.connect(self.submit_recall)

        form = QGridLayout()
        form.addWidget(QLabel("NDC:"), 0, 0)
        form.addWidget(self.ndc, 0, 1)
        form.addWidget(QLabel("Lot:"), 0, 2)
        form.addWidget(self.lot, 0, 3)
        form.addWidget(QLabel("Class:"), 0, 4)
        form.addWidget(self.recall_class, 0, 5)
        form.addWidget(QLabel("Reason:"), 1, 0)
        form.addWidget(self.reason, 1, 1, 1, 4)
        form.addWidget(submit, 1, 5)
        form.setColumnStretch(1, 3)
        form.setColumnStretch(3, 2)

        self.status = StatusLabel("Scan a package of the recalled lot, or type its NDC and lot, then the reason.")
        self.status.setObjectName("recallStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.patients_heading = QLabel("Patients who received the lot (for outreach)")
        self.patients_heading.setStyleSheet("font-weight: bold;")
        self.patients = RowsTable(PATIENT_HEADERS, stretch=2)
        fit_columns(self.patients, stretch=0, shrink=(2, 1), keep=None)
        self.patients.setObjectName("recallPatients")
        self.quarantine_heading = QLabel("In quarantine — Alt+E return to supplier, Alt+X destroy")
        self.quarantine_heading.setStyleSheet("font-weight: bold;")
        self.quarantined = RowsTable(LOT_HEADERS, stretch=0)
        fit_columns(self.quarantined, stretch=0, shrink=(5,), optional=(6,))  # "since" steps aside first
        self.quarantined.setObjectName("quarantinedLots")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.patients_heading)
        layout.addWidget(self.patients, 3)
        layout.addWidget(self.quarantine_heading)
        layout.addWidget(self.quarantined, 2)
        self.disposal_panel = DisposalPanel()
        self.disposal_panel.confirmed.connect(self.confirm_disposal)
        self.disposal_panel.cancelled.connect(self.cancel_disposal)
        layout.addWidget(self.disposal_panel)

    # -- the screen calls these -------------------------------------------------------------------

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor

    def activate(self) -> None:
        self.refresh()
        if not self.disposal_panel.isVisible():
            self.ndc.setFocus()

    def refresh(self) -> None:
        actor = self.actor
        run_in_background(
            self,
            lambda: quarantine.quarantined_lots(self.context.uow_factory, actor),
            self._show_lots,
            self._failed,
            busy_message="Loading the quarantine…",
        )

    def on_change(self, notice: dict[str, Any]) -> None:
        # another workstation's recall, expiry pass or disposal changes the quarantine list
        if notice.get("topic") == "inventory" and self.isVisible() and not self.busy:
            self.refresh()

    def clear_sensitive(self) -> None:
        """Sign-out: the patients of a recall (names, phones, e-mails) leave the screen."""
        self.recall = None
        self.patients.set_rows([])
        self.patients_heading.setText("Patients who received the lot (for outreach)")
        self.disposal_panel.close_panel()
        self._say("Scan a package of the recalled lot, or type its NDC and lot, then the reason.", "")

    def handle_scan(self, text: str) -> bool:
        """A package's barcode: its NDC and lot go into the form (resolved against the catalog)."""
        run_in_background(self, lambda: resolve_scan(self.context.uow_factory, text), self._scanned, self._failed)
        return True

    def _scanned(self, result: ScanResult) -> None:
        if not result.found:
            self._say(f"{result.message}", ERROR_STYLE)
            return
        self.ndc.setText(_ndc_text(result))
        self.lot.setText(result.lot or "")
        what = f"{result.drug_name or 'product'} {result.strength or ''}".strip()
        if result.lot:
            self._say(f"Scanned {what}, lot {result.lot}. Type the reason and press Ctrl+Enter.", "")
            self.reason.setFocus()
        else:
            self._say(f"Scanned {what}: this barcode carries no lot. Type the recalled lot.", WARNING_STYLE)
            self.lot.setFocus()

    # -- recall -----------------------------------------------------------------------------------

    def submit_recall(self) -> None:
        if self.busy or self.disposal_panel.isVisible():
            return
        ndc, lot, reason = self.ndc.text().strip(), self.lot.text().strip(), self.reason.text().strip()
        recall_class = self.recall_class.currentData()
        if not ndc or not lot or not reason:
            missing = [w for w, v in (("the NDC", ndc), ("the lot", lot), ("the reason", reason)) if not v]
            self._say(f"Give {' and '.join(missing)} of the recall.", ERROR_STYLE)
            return
        actor, factory = self.actor, self.context.uow_factory
        self.busy = True
        self._say(f"Quarantining lot {lot}…", HINT_STYLE)
        run_in_background(
            self,
            lambda: quarantine.recall_lot(factory, actor, ndc, lot, reason=reason, recall_class=recall_class),
            self._recalled,
            self._failed,
            busy_message="Recording the recall…",
        )

    def _recalled(self, result: RecallResult) -> None:
        self.busy = False
        self.recall = result
        patients = len({r.patient_id for r in result.recipients})
        again = (
            " (this recall was already recorded: only lots received since were added)"
            if result.already_recorded
            else ""
        )
        self._say(
            f"Lot {result.lot} of NDC {ndc_text(result.ndc)} recalled{again}: {len(result.lots)} lot(s), "
            f"{moved_text(result.lots)} moved to quarantine — fill refuses them. "
            f"{patients} patient(s) received this lot: contact them below.",
            PASSED_STYLE,
        )
        self.patients_heading.setText(f"Patients who received lot {result.lot} ({patients}) — for outreach")
        self.patients.set_rows(
            [
                (
                    r.name,
                    r.phone or "— no phone",
                    r.email or "— no e-mail",
                    r.rx_number,
                    r.fill_date.strftime("%m/%d/%Y"),
                    units(r.quantity, r.unit, r.dosage_form),
                    r.lot or "",
                    r.status,
                )
                for r in result.recipients
            ]
        )
        self.reason.clear()
        self.refresh()

    # -- quarantine -------------------------------------------------------------------------------

    def _show_lots(self, lots: list[QuarantinedLotRow]) -> None:
        self.lots = list(lots)
        self.quarantined.set_rows(
            [
                (
                    drug_cell(f"{lot.drug} {lot.strength or ''}".strip(), lot.schedule),
                    ndc_text(lot.ndc),
                    lot.lot,
                    lot.expiration_date.strftime("%m/%d/%Y"),
                    units(lot.quantity, lot.unit, lot.dosage_form),
                    lot.status,
                    lot.quarantined_at.astimezone().strftime("%m/%d/%Y") if lot.quarantined_at else "",
                )
                for lot in self.lots
            ]
        )
        for row, lot in enumerate(self.lots):
            cell = self.quarantined.item(row, 0)
            if lot.schedule and cell is not None:
                cell.setForeground(QColor(CONTROLLED))
        self.quarantine_heading.setText(
            f"In quarantine ({len(self.lots)}) — select one, Alt+E return to supplier, Alt+X destroy"
        )

    def selected_lot(self) -> QuarantinedLotRow | None:
        row = self.quarantined.currentRow()
        return self.lots[row] if 0 <= row < len(self.lots) else None

    def start_disposal(self, how: str) -> None:
        lot = self.selected_lot()
        if lot is None:
            self._say("Select a lot in the quarantine list first (Tab to it, ↑/↓).", ERROR_STYLE)
            return
        self.disposal_panel.open_for(how, lot)

    def cancel_disposal(self) -> None:
        self.disposal_panel.close_panel()
        self.quarantined.setFocus()

    def confirm_disposal(self) -> None:
        panel = self.disposal_panel
        if self.busy or panel.lot is None:
            return
        problem = panel.problem()
        if problem:
            self._say(f"{problem}", ERROR_STYLE)
            return
        how, lot, detail, witnesses = panel.how, panel.lot, panel.detail.text().strip(), panel.witnesses()
        actor, factory, ws = self.actor, self.context.uow_factory, self.context.workstation

        def work() -> DisposalResult:
            if how == "return":
                return quarantine.return_to_supplier(
                    factory, actor, lot.batch_id, reason=f"Returned to supplier: {detail}", supplier=detail
                )
            ids = confirm_witnesses(factory, ws, witnesses) if witnesses else ()
            return quarantine.destroy(factory, actor, lot.batch_id, method=detail, witnesses=ids)

        self.busy = True
        self._say("Checking the witnesses and recording…" if witnesses else "Recording…", HINT_STYLE)
        run_in_background(self, work, self._disposed, self._failed, busy_message="Recording…")

    def _disposed(self, result: DisposalResult) -> None:
        self.busy = False
        self.last_disposal = result
        self.disposal_panel.close_panel()
        verb = "returned to the supplier" if result.status == "returned" else "destroyed"
        form = " The DEA Form 41 data is recorded with it." if result.form_41 is not None else ""
        moved = units(result.quantity, result.unit, result.dosage_form)
        self._say(f"Lot {result.lot} (NDC {result.ndc}): {moved} {verb}.{form}", PASSED_STYLE)
        self.refresh()
        self.quarantined.setFocus()

    def _failed(self, exc: Exception) -> None:
        self.busy = False
        self.disposal_panel.clear_passwords()
        self._say(f"{user_message(exc)}", ERROR_STYLE)

    def _say(self, text: str, style: str) -> None:
        self.status.say(_ICONS.get(style), text)  # the icon of its meaning beside the words
        self.status.setStyleSheet(style)
