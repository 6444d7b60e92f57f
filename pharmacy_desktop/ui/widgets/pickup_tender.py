"""Payment at the counter: the discount code, the totals the server priced, and the tenders
(cash with change, card at the terminal, check; several for a split).

The panel keeps the tenders the cashier has taken so far and shows what remains; the card itself
is charged by the screen (off the GUI thread, through the terminal) and added here when approved.
The service re-prices and re-checks everything at completion.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.domain.money import ZERO, format_money, to_money
from pharmacy_desktop.ui.style import ERROR, HINT, PASSED
from pharmacy_desktop.ui.widgets.fill_common import big
from pharmacy_desktop.ui.widgets.pickup_style import as_hint, restyle
from pharmacy_desktop.ui.widgets.status_label import StatusLabel

METHOD_NAMES = {"cash": "Cash", "credit_card": "Credit", "debit_card": "Debit", "check": "Check"}


@dataclass(frozen=True)
class TenderLine:
    method: str  # 'cash' | 'credit_card' | 'debit_card' | 'check'
    amount: Decimal  # applied to the sale
    cash_tendered: Decimal | None = None
    change_due: Decimal = ZERO
    check_number: str | None = None
    card_last_four: str | None = None
    transaction_id: str | None = None
    auth_code: str | None = None
    seq: int = 0  # the card charge's sequence number in this sale (its terminal reference)

    def text(self) -> str:
        name = METHOD_NAMES.get(self.method, self.method)
        if self.method == "cash":
            given = format_money(self.cash_tendered or self.amount)
            change = f", change {format_money(self.change_due)}" if self.change_due else ""
            return f"{name} {format_money(self.amount)} (given {given}{change})"
        if self.method == "check":
            return f"{name} #{self.check_number} {format_money(self.amount)}"
        auth = f", auth {self.auth_code}" if self.auth_code else ""
        return f"{name} ····{self.card_last_four or '????'} {format_money(self.amount)} approved{auth}"


def parse_amount(text: str) -> Decimal | None:
    """'12.5', '$12.50', '1,200' -> Decimal cents; None when it is not an amount."""
    cleaned = text.strip().replace("$", "").replace(",", "")
    if not cleaned:
        return None
    try:
        amount = to_money(cleaned)
    except (ValueError, TypeError):
        return None
    return amount if amount >= 0 else None


class TenderPanel(QGroupBox):
    discount_entered = Signal(str)  # the code typed (Enter); '' removes the discount
    card_requested = Signal(object)  # the amount to charge at the terminal
    tenders_changed = Signal()
    remove_requested = Signal(int)  # the index of a tender to take back (a card: the screen voids it)

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Payment", parent)
        self.setObjectName("tenderPanel")
        self.due = ZERO
        self.tenders: list[TenderLine] = []
        # what must be done before any money is taken (the screen's rule: the picker's ID for a
        # controlled substance); returns why not, or None
        self.gate: Callable[[], str | None] = lambda: None

        self.discount = QLineEdit()
        self.discount.setObjectName("discountCode")
        self.discount.setPlaceholderText("code (Alt+O)")
        self.discount.setToolTip("A discount code (Alt+O), then Enter; empty and Enter removes it")
        self.discount.returnPressed.connect(lambda: self.discount_entered.emit(self.discount.text().strip()))
        self.discount_status = StatusLabel()
        self.discount_status.setObjectName("discountStatus")
        self.discount_status.setWordWrap(True)
        self.discount_status.hide()

        self.totals = QGridLayout()
        self.totals.setHorizontalSpacing(8)
        self.totals.setVerticalSpacing(1)
        self.total_due = big("", 5, name="totalDue")
        self.total_due.setAlignment(Qt.AlignmentFlag.AlignRight)

        self.amount = QLineEdit()
        self.amount.setObjectName("tenderAmount")
        self.amount.setPlaceholderText("all due")
        self.amount.setToolTip("How much of the total this tender pays (Alt+T); empty: all due")
        self.amount.setMinimumWidth(self.amount.fontMetrics().horizontalAdvance("$0,000.00") + 16)
        self.cash = QLineEdit()
        self.cash.setObjectName("cashGiven")
        self.cash.setPlaceholderText("given")
        self.cash.setToolTip("Cash given by the person (Alt+M), then Enter: the change is shown")
        self.cash.returnPressed.connect(self.add_cash)
        self.check = QLineEdit()
        self.check.setObjectName("checkNumber")
        self.check.setPlaceholderText("check #")
        self.check.setToolTip("The check # (Alt+K), then Enter")
        self.check.returnPressed.connect(self.add_check)
        self.card = QPushButton("Card Alt+R")
        self.card.setObjectName("cardButton")
        self.card.clicked.connect(self.request_card)
        entry = QGridLayout()
        entry.setHorizontalSpacing(6)
        entry.setVerticalSpacing(2)
        # two columns (label, field): the card button under the amount it charges, so the panel
        # fits beside the identity and signature panes on a 1024 px display
        entry.addWidget(QLabel("Amount (Alt+T)"), 0, 0)
        entry.addWidget(self.amount, 0, 1)
        entry.addWidget(self.card, 1, 1)
        entry.addWidget(QLabel("Cash (Alt+M)"), 2, 0)
        entry.addWidget(self.cash, 2, 1)
        entry.addWidget(QLabel("Check (Alt+K)"), 3, 0)
        entry.addWidget(self.check, 3, 1)
        entry.setColumnStretch(1, 1)

        self.list = TenderList()
        self.list.setObjectName("tenderList")
        self.list.setAccessibleName("Tenders taken")
        self.list.setMaximumHeight(self.fontMetrics().height() * 3 + 8)
        self.list.setMinimumHeight(self.fontMetrics().height() + 12)
        self.list.delete_pressed.connect(self._remove_current)
        self.message = QLabel("")
        self.message.setObjectName("tenderMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        self.balance = big("", 4, name="balance")
        self.balance.setAlignment(Qt.AlignmentFlag.AlignRight)

        top = QHBoxLayout()
        top.addWidget(QLabel("Discount"))
        top.addWidget(self.discount, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.discount_status)
        layout.addLayout(self.totals)
        layout.addWidget(self.total_due)
        layout.addLayout(entry)
        layout.addWidget(self.list)
        layout.addWidget(self.message)
        layout.addWidget(self.balance)
        self._refresh()

    # -- set by the screen ------------------------------------------------------------------------

    def set_totals(self, lines: Sequence[tuple[str, str]], due: Decimal) -> None:
        """``lines``: (label, amount text) pairs as priced by the server; ``due`` what the counter collects."""
        while self.totals.count():
            item = self.totals.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for r, (label, value) in enumerate(lines):
            name, amount = QLabel(label), QLabel(value)
            as_hint(name)
            amount.setAlignment(Qt.AlignmentFlag.AlignRight)
            self.totals.addWidget(name, r, 0)
            self.totals.addWidget(amount, r, 1)
        self.due = to_money(due)
        self.total_due.setText(f"Total due  {format_money(self.due)}")
        self._refresh()

    def set_discount_status(self, ok: bool | None, text: str) -> None:
        self.discount_status.setVisible(bool(text))
        self.discount_status.say({True: "passed", False: "stop", None: None}[ok], text)  # icon and words
        colour = PASSED if ok else (ERROR if ok is False else HINT)
        restyle(self.discount_status, f"color: {colour}; font-weight: bold;")

    def show_message(self, text: str, problem: bool = True) -> None:
        self.message.setText(text)
        restyle(self.message, f"color: {ERROR if problem else PASSED}; font-weight: bold;")
        self.message.setVisible(bool(text))

    def add_tender(self, tender: TenderLine) -> None:
        self.tenders.append(tender)
        self._refresh()

    def remove_tender(self, index: int) -> TenderLine | None:
        if 0 <= index < len(self.tenders):
            tender = self.tenders.pop(index)
            self._refresh()
            return tender
        return None

    def reset(self) -> None:
        self.tenders = []
        for field in (self.amount, self.cash, self.check, self.discount):
            field.clear()
        self.set_discount_status(None, "")
        self.show_message("")
        self.set_totals([], ZERO)

    # -- read by the screen -----------------------------------------------------------------------

    def paid(self) -> Decimal:
        return sum((t.amount for t in self.tenders), ZERO)

    def remaining(self) -> Decimal:
        return max(ZERO, self.due - self.paid())

    def change_due(self) -> Decimal:
        return sum((t.change_due for t in self.tenders), ZERO)

    def fully_paid(self) -> bool:
        return self.paid() == self.due

    # -- the cashier's actions --------------------------------------------------------------------

    def _amount_to_apply(self) -> Decimal | None:
        """The typed amount for this tender (at most what remains), else all that remains; None
        (with the reason shown) when no tender may be taken now."""
        refused = self.gate()
        if refused:
            self.show_message(refused)
            return None
        typed = self.amount.text().strip()
        if not typed:
            return self.remaining()
        amount = parse_amount(typed)
        if amount is None or amount == ZERO:
            self.show_message("Type the amount for this tender as dollars and cents (e.g. 12.50), or leave it blank.")
            return None
        if amount > self.remaining():
            self.show_message(f"Only {format_money(self.remaining())} remains to be paid.")
            return None
        return amount

    def add_cash(self) -> None:
        given = parse_amount(self.cash.text())
        if given is None or given == ZERO:
            self.show_message("Type the cash the customer gave (e.g. 20 or 20.00), then Enter.")
            return
        if self.remaining() == ZERO:
            self.show_message("Nothing remains to be paid.")
            return
        wanted = self._amount_to_apply()
        if wanted is None:
            return
        applied = min(given, wanted)
        self.add_tender(TenderLine("cash", applied, cash_tendered=given, change_due=given - applied))
        self.cash.clear()
        self.amount.clear()

    def add_check(self) -> None:
        number = self.check.text().strip()
        if not number.isdigit():
            self.show_message("Type the check number (digits), then Enter.")
            return
        if self.remaining() == ZERO:
            self.show_message("Nothing remains to be paid.")
            return
        amount = self._amount_to_apply()
        if amount is None:
            return
        self.add_tender(TenderLine("check", amount, check_number=number))
        self.check.clear()
        self.amount.clear()

    def request_card(self) -> None:
        if self.remaining() == ZERO:
            self.show_message("Nothing remains to be paid.")
            return
        amount = self._amount_to_apply()
        if amount is not None:
            self.show_message("")
            self.card_requested.emit(amount)

    def card_approved(self, tender: TenderLine) -> None:
        self.amount.clear()
        self.add_tender(tender)

    def _remove_current(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.tenders):
            self.remove_requested.emit(row)

    def _refresh(self) -> None:
        self.list.clear()
        for t in self.tenders:
            self.list.addItem(t.text())
        self.list.setVisible(bool(self.tenders))  # no empty box before the first tender
        remaining, change = self.remaining(), self.change_due()
        if self.tenders and remaining == ZERO:
            text = f"Change due  {format_money(change)}" if change else "Paid in full"
            restyle(self.balance, f"color: {PASSED};")
        else:
            text = f"Remaining  {format_money(remaining)}"
            restyle(self.balance, "")
        self.balance.setText(text)
        self.show_message("")
        self.tenders_changed.emit()

    def with_tenders(self, tenders: Sequence[TenderLine]) -> None:
        self.tenders = [replace(t) for t in tenders]
        self._refresh()


class TenderList(QListWidget):
    delete_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_pressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)
