"""The settings screen's "Point of sale" tab: sales tax rate, dispensing fee, days in will-call before
return to stock, drug names on receipts.

Unlike the rest of the settings screen these are the pharmacy's, not the workstation's: they live
on the pharmacy profile in the database (``services/pharmacy.py``) and every counter uses them at
its next sale. Amounts are typed as text and parsed to Decimal by the service (a spin box would
hand over a float); a wrong field is named beside it and in the error line.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.services import pharmacy
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.pharmacy import RETURN_DAYS, PosSettings
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.signin import ErrorLine
from pharmacy_desktop.ui.style import STOP_BORDER
from pharmacy_desktop.ui.widgets.status_label import StatusLabel
from pharmacy_desktop.ui.widgets.verification_setting import VerificationSetting

_FIELDS = ("tax_rate", "dispensing_fee", "will_call_return_days")


class PosSettingsPage(QWidget):
    """Loads the settings when shown (``load``), saves them with ``save`` (Ctrl+S on the screen)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("posTab")
        self.uow_factory, self.actor = uow_factory, actor
        self.loaded: PosSettings | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 10, 0, 0)
        box = QGroupBox("Point of sale (every workstation of the pharmacy)")
        form = QFormLayout(box)
        self.tax_rate = QLineEdit()
        self.tax_rate.setObjectName("posTaxRate")
        self.tax_rate.setPlaceholderText("8.25")
        self.tax_rate.setAccessibleName("Sales tax rate in percent")
        self.dispensing_fee = QLineEdit()
        self.dispensing_fee.setObjectName("posDispensingFee")
        self.dispensing_fee.setPlaceholderText("2.50")
        self.dispensing_fee.setAccessibleName("Dispensing fee in dollars")
        self.return_days = QSpinBox()
        self.return_days.setObjectName("posReturnDays")
        self.return_days.setRange(*RETURN_DAYS)
        self.return_days.setSuffix(" days")
        self.drug_names = QCheckBox("Print drug &names on receipts")
        self.drug_names.setToolTip("Otherwise a receipt shows the Rx number only")
        self.drug_names.setObjectName("posDrugNames")
        for field in (self.tax_rate, self.dispensing_fee, self.return_days):
            field.setMaximumWidth(180)
        self.problems: dict[str, StatusLabel] = {}
        for name, label, field, hint in (
            ("tax_rate", "Sales &tax rate (%)", self.tax_rate, "on taxable front-store items only"),
            ("dispensing_fee", "&Dispensing fee ($)", self.dispensing_fee, "added to every fill's cash price"),
            ("will_call_return_days", "Days in &will-call", self.return_days, "then the bag is listed for return"),
        ):
            row = QHBoxLayout()
            row.addWidget(field)
            note = QLabel(hint)
            note.setObjectName("subtitle")
            note.setWordWrap(True)
            row.addWidget(note, 1)
            problem = StatusLabel()  # the stop icon beside the problem's words
            problem.setObjectName(f"{name}Problem")
            problem.setStyleSheet(f"color: {STOP_BORDER}; font-weight: bold;")
            problem.hide()
            self.problems[name] = problem
            row.addWidget(problem, 1)
            form.addRow(label, row)
            buddy = form.labelForField(row)
            if isinstance(buddy, QLabel):
                buddy.setBuddy(field)
        form.addRow(self.drug_names)
        outer.addWidget(box)
        self.verification = VerificationSetting(uow_factory, actor)  # saved when toggled
        outer.addWidget(self.verification)
        self.error = ErrorLine()
        self.notice = QLabel()
        self.notice.setObjectName("posNotice")
        self.notice.setWordWrap(True)
        outer.addWidget(self.error)
        outer.addWidget(self.notice)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.save_button = QPushButton("Save point-of-sale settings (Ctrl+S)")
        self.save_button.setObjectName("posSave")
        self.save_button.clicked.connect(lambda _=False: self.save())
        buttons.addWidget(self.save_button)
        outer.addLayout(buttons)
        outer.addStretch(1)

    # -- load -------------------------------------------------------------------------------------

    def load(self) -> None:
        factory = self.uow_factory
        run_in_background(self, lambda: pharmacy.pos_settings(factory), self.show_settings, self._problem)
        self.verification.load()

    def show_settings(self, settings: PosSettings) -> None:
        self.loaded = settings
        self.tax_rate.setText(str(settings.tax_percent))
        self.dispensing_fee.setText(f"{settings.dispensing_fee:.2f}")
        self.return_days.setValue(settings.will_call_return_days)
        self.drug_names.setChecked(settings.receipt_drug_names)
        self._mark({})
        self.error.show_message("")

    # -- save -------------------------------------------------------------------------------------

    def save(self) -> None:
        try:
            settings = pharmacy.parse_pos_settings(
                self.tax_rate.text(), self.dispensing_fee.text(), self.return_days.value(), self.drug_names.isChecked()
            )
        except ValidationFailed as error:
            self._problem(error)
            return
        factory, actor = self.uow_factory, self.actor
        self.save_button.setEnabled(False)
        run_in_background(
            self,
            lambda: pharmacy.save_pos_settings(factory, actor, settings),
            self._saved,
            self._problem,
            busy_message="Saving the point-of-sale settings…",
        )

    def _saved(self, settings: PosSettings) -> None:
        self.save_button.setEnabled(True)
        self.show_settings(settings)
        self.notice.setText(
            f"Point-of-sale settings saved: sales tax {settings.tax_percent} %, dispensing fee "
            f"${settings.dispensing_fee:.2f}, return to stock after {settings.will_call_return_days} days. "
            "Every workstation uses them from its next sale."
        )

    def _problem(self, exc: Exception) -> None:
        self.save_button.setEnabled(True)
        self.notice.setText("")
        self._mark(exc.field_errors if isinstance(exc, ValidationFailed) else {})
        self.error.show_message(user_message(exc))
        first = next((name for name in _FIELDS if isinstance(exc, ValidationFailed) and name in exc.field_errors), None)
        if first is not None:
            {"tax_rate": self.tax_rate, "dispensing_fee": self.dispensing_fee}.get(first, self.return_days).setFocus()

    def _mark(self, errors: dict[str, str]) -> None:
        for name, label in self.problems.items():
            text = errors.get(name, "")
            label.say("stop", text)
            label.setVisible(bool(text))
