"""Sign-in panel and the lock screen (resume, quick switch by PIN or badge, full sign-in)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.services import auth
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.screens.base import heading
from pharmacy_desktop.ui.style import STOP_BORDER


class ErrorLine(QFrame):
    """A problem in words with an icon (never colour alone); hidden when empty."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("errorLine")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        self._icon = QLabel()
        self._icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(22, 22))
        self._text = QLabel()
        self._text.setWordWrap(True)
        layout.addWidget(self._icon)
        layout.addWidget(self._text, 1)
        self.setStyleSheet(
            f"#errorLine {{ border: 2px solid {STOP_BORDER}; border-radius: 4px; background: rgba(198,40,40,30); }}"
        )
        self.hide()

    def show_message(self, text: str) -> None:
        self._text.setText(text)
        self.setAccessibleDescription(text)
        self.setVisible(bool(text))

    def text(self) -> str:
        return self._text.text() if self.isVisible() else ""


class SignInPanel(QWidget):
    signed_in = Signal(object)  # Actor

    def __init__(self, context: AppContext, parent: QWidget | None = None, *, title: str = "Sign in"):
        super().__init__(parent)
        self.context = context
        self.setObjectName("signInPanel")
        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.username.setPlaceholderText("your username")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("password")
        self.submit = QPushButton("Sign in (Enter)")
        self.submit.setObjectName("signInButton")
        self.submit.setDefault(True)
        self.error = ErrorLine()

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow("&Username", self.username)
        form.addRow("&Password", self.password)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(title, 8))
        where = QLabel(f"Workstation: {context.workstation}")
        where.setObjectName("subtitle")
        layout.addWidget(where)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.submit, alignment=Qt.AlignmentFlag.AlignRight)
        layout.addStretch(1)  # the form stays together at the top, however tall the window
        self.setTabOrder(self.username, self.password)
        self.setTabOrder(self.password, self.submit)

        self.username.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.attempt)
        self.submit.clicked.connect(self.attempt)

    def reset(self) -> None:
        self.password.clear()
        self.error.show_message("")
        self.setEnabled(True)
        (self.password if self.username.text() else self.username).setFocus()

    def attempt(self) -> None:
        username, password = self.username.text().strip(), self.password.text()
        if not username or not password:
            self.error.show_message("Type your username and password, then press Enter.")
            (self.username if not username else self.password).setFocus()
            return
        self.setEnabled(False)
        run_in_background(
            self,
            lambda: auth.sign_in(self.context.uow_factory, username, password, self.context.workstation),
            self._done,
            self._failed,
            busy_message="Signing in…",
        )

    def _done(self, actor: Actor) -> None:
        self.setEnabled(True)
        self.password.clear()
        self.error.show_message("")
        self.signed_in.emit(actor)

    def _failed(self, exc: Exception) -> None:
        self.setEnabled(True)
        self.password.clear()
        self.error.show_message(user_message(exc))
        self.password.setFocus()


class LockScreen(QWidget):
    """Covers the work area: patient data hidden, the work kept for the same user."""

    resumed = Signal(object)  # same Actor
    switched = Signal(object)  # another (or the same) Actor by PIN, badge or password

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.actor: Actor | None = None
        self.setObjectName("lockScreen")

        self.who = heading("Workstation locked", 10)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.secret = QLineEdit()
        self.secret.setObjectName("resumeSecret")
        self.secret.setAccessibleName("Password or PIN to resume")
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setPlaceholderText("password or PIN")
        self.resume_button = QPushButton("Resume (Enter)")
        self.resume_button.setObjectName("resumeButton")
        self.pin = QLineEdit()
        self.pin.setObjectName("switchPin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText("your PIN")
        self.switch_button = QPushButton("Switch user")
        self.error = ErrorLine()
        self.sign_in = SignInPanel(context, title="Sign in as someone else")

        resume_box = QFrame()
        resume_box.setObjectName("card")
        resume_form = QFormLayout(resume_box)
        self.resume_label = QLabel("Resume as")
        resume_form.addRow(self.resume_label, self.secret)
        resume_form.addRow("", self.resume_button)

        switch_box = QFrame()
        switch_box.setObjectName("card")
        switch_form = QFormLayout(switch_box)
        switch_form.addRow(QLabel("<b>Switch user</b> (signed in here this shift): type your PIN or scan your badge"))
        switch_form.addRow("&PIN", self.pin)
        switch_form.addRow("", self.switch_button)

        column = QVBoxLayout()
        column.addWidget(self.who)
        column.addWidget(self.detail)
        column.addWidget(resume_box)
        column.addWidget(switch_box)
        column.addWidget(self.error)
        column.addWidget(self.sign_in)
        column.addStretch(1)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(column, 2)
        outer.addStretch(1)

        self.secret.returnPressed.connect(self.resume)
        self.resume_button.clicked.connect(self.resume)
        self.pin.returnPressed.connect(self.switch_by_pin)
        self.switch_button.clicked.connect(self.switch_by_pin)
        self.sign_in.signed_in.connect(self.switched)

    def lock_for(self, actor: Actor | None) -> None:
        self.actor = actor
        self.error.show_message("")
        self.secret.clear()
        self.pin.clear()
        if actor is None:
            self.who.setText("Signed out")
            self.detail.setText("Sign in to start. Patient data is hidden.")
            self.resume_label.setText("Resume as")
            self._secret_row().hide()
            self.sign_in.username.setFocus()
        else:
            self.who.setText("Workstation locked")
            self.detail.setText(
                f"{actor.display_name} ({actor.role_title}) was working here. Patient data is hidden; "
                "the work on screen is kept."
            )
            self.resume_label.setText(f"Resume as {actor.display_name}")
            self._secret_row().show()
            self.secret.setFocus()

    def _secret_row(self) -> QWidget:
        row = self.secret.parentWidget()
        assert row is not None  # the secret field is laid out in its row
        return row

    def resume(self) -> None:
        if self.actor is None or not self.secret.text():
            return
        actor, secret = self.actor, self.secret.text()
        self.secret.clear()
        run_in_background(
            self,
            lambda: auth.unlock(self.context.uow_factory, actor, secret),
            self.resumed.emit,
            self._failed,
            busy_message="Unlocking…",
        )

    def switch_by_pin(self) -> None:
        pin = self.pin.text()
        self.pin.clear()
        if pin:
            self._switch(pin, "pin")

    def handle_scan(self, text: str) -> bool:
        """A badge scan on the lock screen switches to that user."""
        self._switch(text.strip(), "badge")
        return True

    def _switch(self, credential: str, method: str) -> None:
        from_actor = self.actor
        run_in_background(
            self,
            lambda: auth.quick_switch(
                self.context.uow_factory, credential, self.context.workstation, method=method, from_actor=from_actor
            ),
            self.switched.emit,
            self._failed,
            busy_message="Switching user…",
        )

    def _failed(self, exc: Exception) -> None:
        self.error.show_message(user_message(exc))
