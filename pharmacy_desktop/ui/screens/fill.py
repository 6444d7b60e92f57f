"""F5 Fill: the queue on the left; the open prescription, the bottle scan and its verdict on the right.

The scanner drives it: scan an Rx label (or pick from the queue and press Enter) to open, scan the
stock bottle, press Enter to fill and print the label. A wrong bottle replaces the work area with
a hard stop that stays until it is acknowledged; the service checks everything again on fill.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from functools import partial

from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.domain.barcodes import rx_number_from_scan
from pharmacy_desktop.domain.dispensing import DAW_MEANING, Match, dispensing_unit
from pharmacy_desktop.domain.outcomes import FillOutcome
from pharmacy_desktop.domain.places import Place
from pharmacy_desktop.domain.stock import format_quantity
from pharmacy_desktop.domain.workflow import Permission, RxStatus
from pharmacy_desktop.services import fill as service
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.fill import FillCheck, FillRefused, FillResult, FillView, QueueRow
from pharmacy_desktop.services.printer_settings import printer_settings_from
from pharmacy_desktop.services.work_queues import fill_queue_size
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.keys import key_for, with_keys
from pharmacy_desktop.ui.ops import user_message
from pharmacy_desktop.ui.screens.queue_screen import QueueScreen
from pharmacy_desktop.ui.style import AMBER
from pharmacy_desktop.ui.widgets.fill_common import (
    LotPicker,
    ResultBanner,
    ScanPrompt,
    big,
    drug_text,
    shortcut,
)

HARD_STOP_TITLES: dict[str, str] = {
    Match.WRONG_DRUG: "WRONG DRUG — DO NOT FILL",
    Match.WRONG_STRENGTH: "WRONG STRENGTH — DO NOT FILL",
    Match.WRONG_FORM: "WRONG DOSAGE FORM — DO NOT FILL",
    Match.WRONG_ROUTE: "WRONG ROUTE — DO NOT FILL",
    Match.NO_SUBSTITUTION: "SUBSTITUTION NOT ALLOWED — DO NOT FILL",
}


class FillScreen(QueueScreen):
    key = key_for(Place.FILL)
    title = "Fill"
    permission = Permission.FILL
    queue_heading = "Fill queue"
    preview_next = "Enter opens it (or scan its Rx label); then scan the stock bottle."
    queue_size = staticmethod(fill_queue_size)
    help_keys = (
        ("Scan", "an Rx label opens it; the stock bottle checks it"),
        ("↑/↓, Enter", "open the selected prescription"),
        ("Enter", "fill and print the label / acknowledge a hard stop"),
        ("Alt+P", "fill what is on hand as a partial fill"),
        ("Alt+Q", "edit the quantity"),
        ("Alt+1..9", "pick the product when a barcode matches several"),
        ("↑/↓, Enter", "pick the lot in your hand when the barcode carries none"),
        ("Esc", "close the prescription"),
        ("Ctrl+R", "refresh the queue"),
    )

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None):
        super().__init__(context, actor, parent)
        self.view: FillView | None = None
        self.check: FillCheck | None = None
        self.chosen_lot: str | None = None  # the lot in the hand, picked when the scan carried none
        self.last_result: FillResult | None = None
        self._build()
        shortcut(self, "Alt+P", self.partial_fill)
        shortcut(self, "Alt+Q", self.edit_quantity)
        for n in range(1, 10):
            shortcut(self, f"Alt+{n}", partial(self.choose, n))

    # -- layout -----------------------------------------------------------------------------------

    def _build(self) -> None:
        self._build_screen("fillQueue", "Scan an Rx label\nor pick a prescription and press Enter", "fillStatus", 2)

    def _build_work(self, page: QWidget) -> None:
        self.rx_line = big("", 1, name="rxLine")
        self.patient = big("", 10, name="patientName")
        self.drug = big("", 8, name="drugName")
        self.quantity_line = big("", 4, name="quantityLine")
        self.sig = big("", 3, bold=False, name="sigLine")
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.returned = big("", 1, name="returnedNote")
        self.returned.setStyleSheet(f"#returnedNote {{ color: {AMBER}; border: 2px solid {AMBER}; padding: 4px; }}")
        self.prompt = ScanPrompt("▶  SCAN THE STOCK BOTTLE")
        self.result = ResultBanner()
        self.lot_picker = LotPicker()
        self.lots = QLabel()
        self.lots.setObjectName("lotLines")
        self.lots.setWordWrap(True)

        self.quantity = QLineEdit()
        self.quantity.setObjectName("fillQuantity")
        self.quantity.setAccessibleName("Quantity to fill")  # its "Qty (Alt+Q)" label is no buddy (Alt+Q is a shortcut)
        self.quantity.setMaximumWidth(120)
        self.quantity.returnPressed.connect(self.enter_pressed)
        self.fill_button = QPushButton("Fill + print label (Enter)")
        self.fill_button.setObjectName("fillButton")
        self.fill_button.setMinimumHeight(44)
        self.fill_button.setEnabled(False)
        self.fill_button.clicked.connect(self.confirm_fill)
        self.partial_button = QPushButton("Partial fill (Alt+P)")
        self.partial_button.setEnabled(False)
        self.partial_button.clicked.connect(self.partial_fill)

        actions = QHBoxLayout()
        actions.addWidget(QLabel("Qty (Alt+Q):"))
        actions.addWidget(self.quantity)
        actions.addStretch(1)
        actions.addWidget(self.partial_button)
        actions.addWidget(self.fill_button)

        card = QFrame(page)  # made in the page: its labels are styled once, where they stay
        card.setObjectName("rxCard")
        card.setStyleSheet("#rxCard { border: 1px solid palette(mid); border-radius: 6px; }")
        grid = QVBoxLayout(card)
        grid.addWidget(self.rx_line)
        grid.addWidget(self.patient)
        grid.addWidget(self.drug)
        grid.addWidget(self.quantity_line)
        grid.addWidget(self.sig)
        grid.addWidget(self.details)

        self._work_column(
            page, [card, self.returned, self.prompt, self.result, self.lot_picker, self.lots], actions, self.close_rx
        )

    # -- queue ------------------------------------------------------------------------------------

    def refresh(self) -> None:
        self._in_background(service.fill_queue, self._show_queue, busy="Loading the fill queue…")

    def queue_mark(self, row: QueueRow) -> str | None:
        return "stat" if row.is_stat else ("returned" if row.returned_note else None)

    def open_rx(self, prescription_id: uuid.UUID) -> None:
        self._in_background(
            lambda factory, actor: service.open_for_fill(factory, actor, prescription_id),
            self._show_rx,
            busy="Opening the prescription…",
        )

    def _show_rx(self, view: FillView) -> None:
        self.work()  # built the first time a prescription opens
        self._reset()
        self.view = view
        item = view.current_item or (view.items[0] if view.items else None)
        if item is None:
            self._idle_message("This prescription has no items.", "warning")
            return
        fill_no = (
            "original fill"
            if item.next_fill_number == 0
            else f"refill {item.next_fill_number} of {item.refills_authorized}"
        )
        self._show_head(view, fill_no)
        self.drug.setText(drug_text(item.drug.name, item.drug.schedule))
        unit = dispensing_unit(item.quantity, item.unit, item.drug.dosage_form)
        self.quantity_line.setText(
            f"Qty {format_quantity(item.quantity)} {unit}   ·   {item.days_supply} days"
            f"   ·   NDC {item.drug.ndc or '—'}"
        )
        self.sig.setText(f"{item.sig}  →  {item.directions or ''}")
        daw = item.daw_code or "0"
        subst = "substitution allowed" if item.substitution_allowed else "NO substitution"
        on_hand = (
            (
                f"{format_quantity(item.on_hand)} {dispensing_unit(item.on_hand, item.unit, item.drug.dosage_form)}"
                " on hand"
            )
            if item.on_hand is not None
            else "not stocked"
        )
        self.details.setText(
            f"DAW {daw} ({DAW_MEANING.get(daw, 'unknown')}), {subst}   ·   refills left {item.refills_remaining}"
            f"   ·   {on_hand}" + (f"   ·   {item.drug.package}" if item.drug.package else "")
        )
        self.returned.setText(f"Returned: {view.returned_note}" if view.returned_note else "")
        self.returned.setVisible(bool(view.returned_note))
        self.quantity.setText(format_quantity(item.quantity))
        self.prompt.set_text("▶  SCAN THE STOCK BOTTLE")
        self._show_work(view.prescription_id)

    # -- scanning ---------------------------------------------------------------------------------

    def handle_scan(self, text: str) -> bool:
        if self._scan_while_stopped():
            return True
        number = rx_number_from_scan(text)
        if number is not None and (self.view is None or number != self.view.rx_number):
            self._in_background(
                lambda factory, actor: service.find_by_rx_number(factory, actor, text),
                lambda rx_id: (
                    self.open_rx(rx_id)
                    if rx_id
                    else self._idle_message(f"No prescription has the number {number}. Check the label.", "stop")
                ),
                busy="Looking up the Rx…",
            )
            return True
        if self.view is None:
            self._idle_message(
                "Open a prescription first (scan its Rx label, or pick it and press Enter), then scan the stock bottle.",
                "warning",
            )
            return True
        self._check(text)
        return True

    def _check(
        self, text: str, *, partial: bool = False, medication_id: uuid.UUID | None = None, lot: str | None = None
    ) -> None:
        view = self.view
        assert view is not None
        quantity = self._quantity()
        self.check = None
        self.chosen_lot = lot
        self.lot_picker.dismiss()
        self.fill_button.setEnabled(False)
        self.prompt.set_text("Checking the bottle…")
        self._in_background(
            lambda factory, actor: service.check_scan(
                factory,
                actor,
                view.prescription_id,
                text,
                quantity=quantity,
                partial=partial,
                medication_id=medication_id,
                lot=lot,
            ),
            self._show_check,
            self._failed,
            busy="Checking the bottle…",
        )

    def _quantity(self) -> Decimal | None:
        if self.view is None or self.view.current_item is None:
            return None
        try:
            value = Decimal(self.quantity.text().strip())
        except InvalidOperation:
            return None
        return None if value == self.view.current_item.quantity else value

    def _show_check(self, check: FillCheck) -> None:
        self.check = check
        self.lots.setText("")
        self.lot_picker.dismiss()
        if check.status == FillOutcome.HARD_STOP:
            self._hard_stop(check)
            return
        if check.lot_choices:  # the scan carried no lot: which one is in the hand?
            self.result.show_result("warning", check.message, check.warnings)
            every_lot_usable = all(c.problem is None for c in check.lot_choices)
            self.lot_picker.show_choices(check.lot_choices, any_lot=service.ANY_LOT if every_lot_usable else None)
            self.prompt.set_text("▶  WHICH LOT IS IN YOUR HAND?  ↑/↓ Enter", "problem")
            return
        self.partial_button.setEnabled(check.partial_possible)
        if check.ok:
            assert check.quantity is not None  # an OK check says what it would fill
            lots = ", ".join(
                f"lot {l.lot or '—'} exp {l.expiry.strftime('%m/%d/%Y') if l.expiry else '—'}: {format_quantity(l.quantity)}"
                for l in check.lines
            )
            self.lots.setText(
                f"From stock: {lots}   ·   serial {check.serial}" if check.serial else f"From stock: {lots}"
            )
            self.result.show_result("warning" if check.warnings else "ok", check.message, check.warnings)
            self.prompt.set_text(
                f"Right bottle: {check.scanned.title if check.scanned else ''}\nPress Enter to fill "
                f"{format_quantity(check.quantity)} {check.unit} and print the label",
                "done",
            )
            self.fill_button.setEnabled(True)
            self.fill_button.setFocus()
            return
        if check.status == FillOutcome.AMBIGUOUS:
            options = "\n".join(f"Alt+{i + 1}: {c.label}" for i, c in enumerate(check.choices))
            self.result.show_result("warning", f"{check.message}\n{options}")
        else:
            self.result.show_result("problem", with_keys(check.message), check.warnings)  # "inventory (F8)"
        self.prompt.set_text("▶  SCAN ANOTHER STOCK BOTTLE", "problem")

    def _hard_stop(self, check: FillCheck) -> None:
        title = HARD_STOP_TITLES.get(check.match or "", "WRONG PRODUCT — DO NOT FILL")
        prescribed = check.prescribed.title if check.prescribed else ""
        self.hard_stop.show_stop(
            title,
            check.message,
            f"Prescribed: {prescribed}  (NDC {check.prescribed.ndc if check.prescribed else '—'})\n"
            f"Scanned:    {check.scanned.title if check.scanned else ''}  (NDC {check.scanned.ndc if check.scanned else '—'})",
        )
        self.pages.setCurrentWidget(self.hard_stop)
        self.hard_stop.button.setFocus()

    def acknowledge_stop(self) -> None:
        if not self.stopped():
            return
        self.check = None
        self.result.show_result("problem", "Hard stop acknowledged. Scan the correct stock bottle.")
        self.prompt.set_text("▶  SCAN THE STOCK BOTTLE", "problem")
        self.pages.setCurrentWidget(self.work_page if self.view else self.idle_page)
        (self.prompt if self.view else self.idle_prompt).setFocus()

    # -- actions ----------------------------------------------------------------------------------

    def enter_pressed(self) -> None:
        if self.pages.currentWidget() is self.work_page and self.lot_picker.isVisible():
            self.choose_lot()
        elif self.stopped():
            self.acknowledge_stop()
        elif self.pages.currentWidget() is self.work_page:
            if self.check is not None and self.check.ok:
                self.confirm_fill()
        elif self.queue.currentRow() >= 0:
            self._open_row(self.queue.currentRow())

    def edit_quantity(self) -> None:
        if not self.work_built:
            return  # no prescription was ever open: no quantity to edit
        self.quantity.setFocus()
        self.quantity.selectAll()

    def choose(self, number: int) -> None:
        """Alt+1..9: which of several products an ambiguous barcode is (read from the bottle)."""
        check = self.check
        if check is not None and check.status == FillOutcome.AMBIGUOUS and 0 < number <= len(check.choices):
            self._check(check.scan_text, medication_id=check.choices[number - 1].medication_id)

    def choose_lot(self) -> None:
        """Enter in the lot list: check the same scan again with the lot that is in the hand."""
        check, lot = self.check, self.lot_picker.current_lot()
        if check is None or lot is None or self.view is None:
            return
        medication_id = check.scanned.medication_id if check.scanned else None
        self._check(check.scan_text, medication_id=medication_id, lot=lot)

    def partial_fill(self) -> None:
        if self.check is not None and self.check.partial_possible and self.check.scan_text:
            self._check(self.check.scan_text, partial=True, lot=self.chosen_lot)

    def confirm_fill(self) -> None:
        check, view = self.check, self.view
        if self.busy or check is None or not check.ok or view is None:
            return
        self.busy = True
        self.fill_button.setEnabled(False)
        quantity = check.quantity if check.is_partial or self._quantity() is not None else None
        printers = printer_settings_from(self.context.config)
        lot = self.chosen_lot
        self._in_background(
            lambda factory, actor: service.fill(
                factory,
                actor,
                view.prescription_id,
                check.scan_text,
                item_id=check.item_id,
                quantity=quantity,
                partial=check.is_partial,
                medication_id=check.scanned.medication_id if check.scanned else None,
                printers=printers,
                lot=lot,
            ),
            self._filled,
            self._fill_failed,
            busy="Filling and queueing the label…",
        )

    def _filled(self, result: FillResult) -> None:
        self.busy = False
        self.last_result = result
        partial = " (partial fill)" if result.is_partial else ""
        where = "to final verification" if result.status == RxStatus.IN_PROGRESS else "— next item"
        self._reset()
        self._idle_message(
            f"Rx {result.rx_number} filled{partial}: {format_quantity(result.quantity)} {result.unit or 'units'}, "
            "label queued. "
            f"Put the vial and the stock bottle in the basket {where}.",
            "passed",
        )
        self.refresh()
        self.claim.bill(self.context, self.actor, result.refill_id, result.rx_number)

    def clear_sensitive(self) -> None:
        super().clear_sensitive()
        self.claim.clear()

    def _fill_failed(self, exc: Exception) -> None:
        self.busy = False
        if isinstance(exc, FillRefused):
            self._show_check(exc.check)
            return
        self.fill_button.setEnabled(self.check is not None and self.check.ok)
        self.result.show_result("problem", user_message(exc))

    def _failed(self, exc: Exception) -> None:
        self.prompt.set_text("▶  SCAN THE STOCK BOTTLE", "problem")
        self.result.show_result("problem", user_message(exc))

    def escape_pressed(self) -> None:
        if self.pages.currentWidget() is self.work_page and self.lot_picker.isVisible():
            self.lot_picker.dismiss()
            self.prompt.set_text("▶  SCAN THE STOCK BOTTLE", "problem")
            self.prompt.setFocus()
            return
        self.close_rx()

    def close_rx(self) -> None:
        if self.stopped():
            return  # a hard stop is acknowledged, not escaped
        self._reset()
        self.queue.setFocus()

    def _reset(self) -> None:
        self.view = None
        self.check = None
        self.chosen_lot = None
        if self.work_built:
            self.lot_picker.dismiss()
            self.result.clear()
            self.lots.clear()
            self.fill_button.setEnabled(False)
            self.partial_button.setEnabled(False)
        self.status.setText("")
        self.pages.setCurrentWidget(self.idle_page)
