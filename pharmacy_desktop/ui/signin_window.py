"""The window before the shell: first-run set-up (first administrator + pharmacy profile) or sign-in."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.services import auth, pharmacy
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.screens.base import heading
from pharmacy_desktop.ui.signin import ErrorLine, SignInPanel
from pharmacy_desktop.ui.style import STOP_BORDER
from pharmacy_desktop.ui.widgets.status_label import StatusLabel


class FirstRunPanel(QWidget):
    finished = Signal(object)  # Actor of the new administrator

    PROFILE_FIELDS = (
        ("name", "Pharmacy &name"),
        ("address_line1", "&Address"),
        ("address_line2", "Address line 2"),
        ("city", "&City"),
        ("state", "&State"),
        ("zip_code", "&ZIP"),
        ("phone", "P&hone"),
        ("npi", "NPI"),
        ("ncpdp", "NCPDP"),
        ("dea", "DEA"),
    )
    ADMIN_FIELDS = (
        ("first_name", "&First name"),
        ("last_name", "&Last name"),
        ("email", "&Email"),
        ("username", "&Username"),
        ("password", "&Password"),
        ("password2", "Repeat password"),
    )

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.inputs: dict[str, QLineEdit] = {}
        self.field_errors: dict[str, StatusLabel] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Set up this pharmacy", 8))
        intro = QLabel(
            "No administrator exists yet. Enter the pharmacy details printed on every label, "
            "then the first administrator account. Fields marked * are required."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        row = QHBoxLayout()
        row.addWidget(
            self._group(
                "Pharmacy",
                self.PROFILE_FIELDS,
                required={"name", "address_line1", "city", "state", "zip_code", "phone"},
            )
        )
        row.addWidget(self._group("First administrator", self.ADMIN_FIELDS, required={f for f, _ in self.ADMIN_FIELDS}))
        layout.addLayout(row)
        self.error = ErrorLine()
        layout.addWidget(self.error)
        self.submit = QPushButton("Create pharmacy and sign in")
        self.submit.setDefault(True)
        self.submit.clicked.connect(self.attempt)
        layout.addWidget(self.submit, alignment=Qt.AlignmentFlag.AlignRight)
        layout.addStretch(1)
        for name in ("password", "password2"):
            self.inputs[name].setEchoMode(QLineEdit.EchoMode.Password)
        self.inputs["password2"].returnPressed.connect(self.attempt)

    def _group(self, title: str, spec: Sequence[tuple[str, str]], required: set[str]) -> QGroupBox:
        box = QGroupBox(title)
        form = QFormLayout(box)
        for name, label in spec:
            edit = QLineEdit()
            edit.setObjectName(name)
            self.inputs[name] = edit
            problem = StatusLabel()  # the warning icon beside the problem's words
            problem.setStyleSheet(f"color: {STOP_BORDER};")
            problem.hide()
            self.field_errors[name] = problem
            cell = QVBoxLayout()
            cell.setSpacing(2)
            cell.addWidget(edit)
            cell.addWidget(problem)
            caption = QLabel(label + (" *" if name in required else ""))
            caption.setBuddy(edit)  # Alt+letter jumps to the field; the & is not shown
            form.addRow(caption, cell)
        return box

    def _show_field_errors(self, errors: dict[str, str]) -> None:
        for name, label in self.field_errors.items():
            text = errors.get(name, "")
            label.say("warning", text)
            label.setVisible(bool(text))
        first = next((n for n in self.inputs if n in errors), None)
        if first:
            self.inputs[first].setFocus()

    def attempt(self) -> None:
        values = {name: edit.text().strip() for name, edit in self.inputs.items()}
        values["password"] = self.inputs["password"].text()
        if values["password"] != self.inputs["password2"].text():
            self._show_field_errors({"password2": "the two passwords differ"})
            self.error.show_message("The two passwords differ.")
            return
        profile = pharmacy.Profile(**{name: values[name] for name, _ in self.PROFILE_FIELDS})
        ctx = self.context
        self.submit.setEnabled(False)
        run_in_background(
            self,
            lambda: pharmacy.first_run(
                ctx.uow_factory,
                profile,
                username=values["username"],
                password=values["password"],
                email=values["email"],
                first_name=values["first_name"],
                last_name=values["last_name"],
                workstation=ctx.workstation,
            ),
            self.finished.emit,
            self._failed,
            busy_message="Setting up…",
        )

    def _failed(self, exc: Exception) -> None:
        self.submit.setEnabled(True)
        self.error.show_message(user_message(exc))
        if isinstance(exc, ValidationFailed):
            self._show_field_errors(exc.field_errors)


def demo_accounts_note(accounts: Sequence[tuple[str, str]]) -> QLabel | None:
    """The demo pharmacy's accounts, on the sign-in of the embedded demo only (never a real pharmacy)."""
    if not accounts:
        return None
    rows = "".join(f"<tr><td>{user}&nbsp;&nbsp;</td><td>{password}</td></tr>" for user, password in accounts)
    note = QLabel(
        "<b>Demo pharmacy</b>: sign in as<table>" + rows + "</table>"
        "To set up your own pharmacy: quit, then run<br><tt>pharmacy-desktop demo --remove</tt>"
    )
    note.setObjectName("demoAccounts")
    note.setWordWrap(True)
    note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return note


class SignInWindow(QWidget):
    signed_in = Signal(object)

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Pharmacy — sign in")
        self.setObjectName("signInWindow")
        self.pages = QStackedWidget()
        self.panel = SignInPanel(context)
        self.panel.signed_in.connect(self.signed_in)
        self._first_run: FirstRunPanel | None = None  # built when the database says it is the first start
        self.pages.addWidget(self.panel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(24, 60, 24, 24)
        layout.addStretch(1)
        # one column, no wider than a form needs; the demo's accounts right beneath the sign-in (not at
        # the bottom of a tall window), the free room below them
        self.column = QWidget()
        self.column.setObjectName("signInColumn")
        column = QVBoxLayout(self.column)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.pages)
        self.demo_accounts = demo_accounts_note(context.demo_accounts)
        if self.demo_accounts is not None:
            column.addSpacing(16)
            column.addWidget(self.demo_accounts)
        column.addStretch(1)
        layout.addWidget(self.column, 3)
        layout.addStretch(1)
        self.pages.currentChanged.connect(self._fit_column)
        self._fit_column()
        self.resize(900, 560)
        self.panel.username.setFocus()  # typing may start before the database has answered
        self.decided = False  # until the database says whether this is the first start
        run_in_background(self, lambda: auth.needs_first_run(context.uow_factory), self._decide)

    @property
    def first_run(self) -> FirstRunPanel:
        """The first start's set-up (first administrator, pharmacy profile): built only for a first start,
        not for every sign-in (its twenty fields were most of the sign-in window's first showing)."""
        if self._first_run is None:
            self._first_run = FirstRunPanel(self.context)
            self._first_run.finished.connect(self.signed_in)
            self.pages.addWidget(self._first_run)
            self._fit_column()
        return self._first_run

    def _fit_column(self, *_args: object) -> None:
        """The sign-in as wide as its fields need; the first pharmacy's longer form wider."""
        self.column.setMaximumWidth(560 if self.pages.currentWidget() is self.panel else 1100)
        for index in range(self.pages.count()):  # only the page on show sets the height (the note follows it)
            page = self.pages.widget(index)
            if page is None:
                continue
            shown = page is self.pages.currentWidget()
            policy = QSizePolicy.Policy.Preferred if shown else QSizePolicy.Policy.Ignored
            page.setSizePolicy(policy, policy)
        self.pages.updateGeometry()

    def _decide(self, first_run: bool) -> None:
        self.decided = True
        self.pages.setCurrentWidget(self.first_run if first_run else self.panel)
        if self.demo_accounts is not None:  # the demo's accounts beside its sign-in, not beside a set-up
            self.demo_accounts.setVisible(not first_run)
        if first_run:
            self.first_run.inputs["name"].setFocus()
            self.resize(1100, 640)
        elif not (self.panel.username.text() or self.panel.password.text()):
            self.panel.reset()
        # else: someone started typing before the database answered: keep what they typed (and the focus)
