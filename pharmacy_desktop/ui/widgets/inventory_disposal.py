"""Return to supplier / destroy, for the Recalls page: the small form under the quarantine list,
and how the two witnesses of a controlled destruction prove who they are."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.domain.dispensing import quantity_text
from pharmacy_desktop.services import auth
from pharmacy_desktop.services.quarantine import QuarantinedLotRow
from pharmacy_desktop.ui.widgets.inventory_order_pane import ndc_text


@dataclass(frozen=True)
class Witness:
    username: str
    password: str


def confirm_witnesses(
    uow_factory: UnitOfWorkFactory, workstation: str, witnesses: Sequence[Witness]
) -> tuple[uuid.UUID, ...]:
    """Each witness proves who they are with their password; returns their user ids.

    There is no witness service yet, so this signs each one in with a session of its own, named
    '<workstation> (witness)', and revokes it at once: the password is checked (wrong ones count
    toward the lockout like any sign-in), the audit log shows the witness, and the workstation's
    own sessions (quick switch) are left alone. Runs on a worker thread.
    """
    ids = []
    for witness in witnesses:
        actor = auth.sign_in(uow_factory, witness.username.strip(), witness.password, f"{workstation} (witness)")
        auth.sign_out(uow_factory, actor)
        ids.append(actor.user_id)
    return tuple(ids)


class DisposalPanel(QFrame):
    """Hidden until Alt+E (return) or Alt+X (destroy); Enter confirms, Esc cancels (the page's keys)."""

    confirmed = Signal()
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("disposalPanel")
        self.setStyleSheet("#disposalPanel { border: 2px solid palette(mid); border-radius: 6px; }")
        self.how = ""
        self.lot: QuarantinedLotRow | None = None
        self.title = QLabel()
        self.title.setObjectName("disposalTitle")
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.detail = QLineEdit()
        self.detail.setObjectName("disposalDetail")
        self.detail.returnPressed.connect(self.confirmed)
        self.detail_label = QLabel()
        form = QFormLayout()
        form.addRow(self.detail_label, self.detail)
        self.witness_rows = QWidget()
        self.witness_fields: list[tuple[QLineEdit, QLineEdit]] = []
        grid = QGridLayout(self.witness_rows)
        grid.setContentsMargins(0, 0, 0, 0)
        for n in (1, 2):
            user, password = QLineEdit(), QLineEdit()
            user.setObjectName(f"witness{n}User")
            user.setPlaceholderText("username")
            password.setObjectName(f"witness{n}Password")
            password.setEchoMode(QLineEdit.EchoMode.Password)
            password.setPlaceholderText("their password")
            password.returnPressed.connect(self.confirmed)
            grid.addWidget(QLabel(f"Witness {n}:"), n - 1, 0)
            grid.addWidget(user, n - 1, 1)
            grid.addWidget(password, n - 1, 2)
            self.witness_fields.append((user, password))
        confirm = QPushButton("Confirm (Enter)")
        confirm.setObjectName("disposalConfirm")
        confirm.clicked.connect(self.confirmed)
        cancel = QPushButton("Cancel (Esc)")
        cancel.clicked.connect(self.cancelled)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(confirm)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.witness_rows)
        layout.addLayout(buttons)
        self.hide()

    def open_for(self, how: str, lot: QuarantinedLotRow) -> None:
        self.how, self.lot = how, lot
        drug = f"{lot.drug} {lot.strength or ''}".strip()
        what = f"{quantity_text(lot.quantity, lot.unit, lot.dosage_form)} of {drug}, lot {lot.lot} (NDC {ndc_text(lot.ndc)})"
        if how == "return":
            self.title.setText(f"Return to the supplier: {what}")
            self.detail_label.setText("Supplier / RA number:")
            self.detail.setPlaceholderText("who takes it back, and the return authorization")
        else:
            note = f"  —  Schedule {lot.schedule}: two witnesses sign (DEA Form 41)" if lot.schedule else ""
            self.title.setText(f"Destroy: {what}{note}")
            self.detail_label.setText("Method:")
            self.detail.setPlaceholderText("e.g. reverse distributor, incineration")
        self.witness_rows.setVisible(how == "destroy" and bool(lot.schedule))
        for user, _ in self.witness_fields:
            user.clear()
        self.clear_passwords()
        self.detail.clear()
        self.show()
        self.detail.setFocus()

    def needs_witnesses(self) -> bool:
        return self.how == "destroy" and self.lot is not None and bool(self.lot.schedule)

    def witnesses(self) -> list[Witness]:
        return [Witness(u.text(), p.text()) for u, p in self.witness_fields] if self.needs_witnesses() else []

    def problem(self) -> str | None:
        """What is missing before it can be sent, in words; None when complete."""
        if not self.detail.text().strip():
            return "Say " + ("who takes it back." if self.how == "return" else "how it is destroyed.")
        witnesses = self.witnesses()
        if any(not w.username.strip() or not w.password for w in witnesses):
            return "Both witnesses type their username and password."
        if witnesses and witnesses[0].username.strip().lower() == witnesses[1].username.strip().lower():
            return "The two witnesses must be two different people."
        return None

    def clear_passwords(self) -> None:
        for _, password in self.witness_fields:
            password.clear()

    def close_panel(self) -> None:
        self.clear_passwords()
        self.how, self.lot = "", None
        self.hide()
