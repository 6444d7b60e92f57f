"""The pharmacy's independent-verification setting (issue 15 item 8): one checkbox on the settings
screen's "Point of sale" tab, saved to the database when it is toggled (services/verify.py)."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QGroupBox, QLabel, QVBoxLayout, QWidget

from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.services import verify
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.ui.ops import run_in_background, user_message


class VerificationSetting(QGroupBox):
    def __init__(self, uow_factory: UnitOfWorkFactory, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__("Final verification (every workstation of the pharmacy)", parent)
        self.uow_factory, self.actor = uow_factory, actor
        layout = QVBoxLayout(self)
        # the short name on the check box, the rule beneath it (wrapped: fits 1024x768)
        self.checkbox = QCheckBox("&Independent verification")
        rule = "The pharmacist who verifies a prescription may not be the one who filled it."
        self.checkbox.setToolTip(rule)
        self.checkbox.setAccessibleDescription(rule)
        self.rule = QLabel(rule)
        self.rule.setObjectName("subtitle")
        self.rule.setWordWrap(True)
        self.checkbox.setObjectName("independentVerification")
        self.checkbox.setChecked(True)
        self.checkbox.clicked.connect(self._toggled)  # clicked: by the user only, not by load
        self.notice = QLabel()
        self.notice.setObjectName("verificationNotice")
        self.notice.setWordWrap(True)
        layout.addWidget(self.checkbox)
        layout.addWidget(self.rule)
        layout.addWidget(self.notice)

    def load(self) -> None:
        factory = self.uow_factory
        run_in_background(self, lambda: verify.independent_verification(factory), self._show, self._problem)

    def _show(self, on: bool) -> None:
        self.checkbox.setChecked(on)

    def _toggled(self, on: bool) -> None:
        factory, actor = self.uow_factory, self.actor
        run_in_background(
            self,
            lambda: verify.set_independent_verification(factory, actor, on),
            self._saved,
            self._problem,
            busy_message="Saving the verification setting…",
        )

    def _saved(self, on: bool) -> None:
        self._show(on)
        self.notice.setText(
            "Saved: a second pharmacist verifies what a pharmacist filled."
            if on
            else "Saved: a pharmacist may verify a prescription they filled themselves."
        )

    def _problem(self, exc: Exception) -> None:
        self.notice.setText(user_message(exc))
        self.load()  # show what the database holds
