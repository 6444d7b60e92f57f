"""The first page of a workstation with no configuration: the demo, a pharmacy of its own, or a server.

Shown by ``ui/app.Session`` before anything is started (``ui/first_start.first_run_needed``). The choice
comes back through :attr:`FirstRunWizard.decided` as a :class:`StartChoice`; the connection test
and the saving of a server run off the GUI thread (``services/connection_check.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCommandLinkButton,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.services.connection_check import (
    DEFAULT_PORT,
    SSLMODES,
    ConnectionTest,
    HostingError,
    HostingPlan,
    HostingResult,
    ServerCertificate,
    ServerChoice,
    check_plan,
    field_problems,
    hosting_summary,
    local_networks,
    read_certificate,
    save_connection,
    trust_certificate,
    try_connection,
)
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.screens.base import heading
from pharmacy_desktop.ui.signin import ErrorLine
from pharmacy_desktop.ui.style import OK_STATUS, STOP_BORDER
from pharmacy_desktop.ui.widgets.status_label import StatusLabel

DEMO, SETUP, CONNECT = "demo", "setup", "connect"

TLS_WORDS = {
    "require": "require: encrypted (the hosting set-up's default)",
    "verify-full": "verify-full: encrypted, and the server's certificate checked",
    "verify-ca": "verify-ca: encrypted, certificate authority checked",
    "prefer": "prefer: encrypted if the server offers it",
    "disable": "disable: not encrypted (never on a shared network)",
}


@dataclass(frozen=True)
class StartChoice:
    mode: str  # DEMO | SETUP | CONNECT
    hosting: HostingPlan | None = None  # SETUP: this workstation serves the other counters

    @property
    def hosts_database(self) -> bool:
        return self.hosting is not None


def _choice_button(title: str, detail: str, name: str) -> QCommandLinkButton:
    button = QCommandLinkButton(title, detail)  # Qt's wizard choice: the title bold, the detail beneath
    button.setObjectName(name)
    button.setMinimumHeight(72)
    return button


def _page_head(layout: QVBoxLayout, title: str, text: str) -> None:
    """A wizard page's heading and the sentence under it."""
    layout.addWidget(heading(title, 8))
    intro = QLabel(text)
    intro.setWordWrap(True)
    layout.addWidget(intro)


class ConnectPage(QWidget):
    """Host, port, database, user, password, TLS mode; a test that says what is wrong; then use it."""

    connected = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        _page_head(
            layout,
            "Connect to the pharmacy's server",
            "Another workstation hosts the pharmacy's database. Enter what it showed when it was set up "
            "(or what your administrator gave you), then test the connection.",
        )
        form = QFormLayout()
        self.host = QLineEdit()
        self.host.setPlaceholderText("counter1.local or 192.168.1.20")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(5432)
        self.database = QLineEdit("pharmacy")
        self.user = QLineEdit("pharmacy_app")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.sslmode = QComboBox()
        for mode in SSLMODES:
            self.sslmode.addItem(TLS_WORDS[mode], mode)
        for label, widget in (
            ("&Server", self.host),
            ("P&ort", self.port),
            ("&Database", self.database),
            ("&User", self.user),
            ("&Password", self.password),
            ("&TLS", self.sslmode),
        ):
            caption = QLabel(label)
            caption.setBuddy(widget)
            form.addRow(caption, widget)
        layout.addLayout(form)
        self.result = StatusLabel()  # the connection's verdict: its icon beside the words
        self.result.setObjectName("connectionResult")
        self.result.setWordWrap(True)
        self.result.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)  # the icon by the title
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.result)
        self.trust = QCheckBox()
        self.trust.setObjectName("trustCertificate")
        self.trust.hide()
        layout.addWidget(self.trust)
        self.error = ErrorLine()
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        self.back = QPushButton("← Back")
        self.test = QPushButton("Test the connection")
        self.test.setDefault(True)
        self.use = QPushButton("Use this server")
        self.use.setEnabled(False)
        buttons.addWidget(self.back)
        buttons.addStretch(1)
        buttons.addWidget(self.test)
        buttons.addWidget(self.use)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.test.clicked.connect(self.run_test)
        self.use.clicked.connect(self.save)
        for edit in (self.host, self.database, self.user, self.password):
            edit.textChanged.connect(self._changed)
            edit.returnPressed.connect(self.run_test)
        self.port.valueChanged.connect(self._changed)
        self.sslmode.currentIndexChanged.connect(self._changed)
        self.last: ConnectionTest | None = None
        self.certificate: ServerCertificate | None = None

    def choice(self) -> ServerChoice:
        return ServerChoice(
            host=self.host.text().strip(),
            port=self.port.value(),
            database=self.database.text().strip(),
            user=self.user.text().strip(),
            password=self.password.text(),
            sslmode=str(self.sslmode.currentData()),
        )

    def _changed(self, *_: object) -> None:
        self.use.setEnabled(False)  # what was tested is no longer what is typed
        self.last = None

    def run_test(self) -> None:
        choice = self.choice()
        problems = field_problems(choice)
        if problems:
            self.error.show_message("Fill in: " + "; ".join(f"{k}: {v}" for k, v in problems.items()))
            return
        self.error.show_message("")
        self.last = None
        self.test.setEnabled(False)
        self.use.setEnabled(False)
        self.result.setText("Testing…")
        self.trust.hide()
        self.trust.setChecked(False)

        def work() -> tuple[ConnectionTest, ServerCertificate | None]:
            found = try_connection(choice)
            certificate = None
            if found.ok and choice.sslmode in ("require", "prefer"):  # encrypted, server not yet verified
                try:
                    certificate = read_certificate(choice)
                except OSError:
                    certificate = None
            return found, certificate

        run_in_background(self, work, self._tested, self._failed, busy_message="Testing…")

    def _tested(self, outcome: tuple[ConnectionTest, ServerCertificate | None]) -> None:
        found, self.certificate = outcome
        self.test.setEnabled(True)
        self.last = found
        if self.certificate is not None:
            self.trust.setText(
                "The server's certificate fingerprint is\n"
                f"{self.certificate.fingerprint}\n"
                "It matches the one the hosting computer showed: trust only this certificate (verify-ca)."
            )
            self.trust.show()
        colour = OK_STATUS if found.ok else STOP_BORDER
        self.result.say(
            "passed" if found.ok else "stop",
            f"<p style='color:{colour}'><b>{_escape(found.diagnosis.title)}</b></p>"
            f"<p>{_escape(found.diagnosis.advice)}</p>",
        )
        self.use.setEnabled(found.ok)

    def _failed(self, exc: Exception) -> None:
        self.test.setEnabled(True)
        self.result.setText("")
        self.error.show_message(user_message(exc))

    def save(self) -> None:
        if self.last is None or not self.last.ok:
            return
        choice = self.choice()
        certificate = self.certificate if not self.trust.isHidden() and self.trust.isChecked() else None
        self.use.setEnabled(False)

        def work() -> Path:
            pinned = trust_certificate(choice, certificate) if certificate is not None else choice
            return save_connection(pinned)

        run_in_background(self, work, lambda _path: self.connected.emit(), self._failed)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SetUpPage(QWidget):
    """A pharmacy of its own on this computer; optionally the server the other counters use."""

    chosen = Signal(object)  # HostingPlan | None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        _page_head(
            layout,
            "Set up my pharmacy on this computer",
            "The pharmacy's database will live on this computer, empty: next you enter the pharmacy's "
            "details and the first administrator.",
        )
        self.hosts = QCheckBox("This workstation hosts the pharmacy database (other counters will connect to it)")
        self.hosts.setObjectName("hostsDatabase")
        layout.addWidget(self.hosts)
        hosting_note = QLabel(
            "The other counters reach it over the local network, encrypted (TLS) and with a password of their own. "
            "Keep this computer switched on while the pharmacy is open."
        )
        hosting_note.setWordWrap(True)
        layout.addWidget(hosting_note)
        self.hosting_form = QWidget()
        form = QFormLayout(self.hosting_form)
        self.address = QComboBox()
        self.address.setEditable(True)
        for address, network in local_networks():
            self.address.addItem(f"{address}  (network {network})", (address, network))
        self.subnet = QLineEdit()
        self.subnet.setPlaceholderText("192.168.1.0/24")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(DEFAULT_PORT)
        form.addRow("This computer's &address", self.address)
        form.addRow("Counters' &network (confirm)", self.subnet)
        form.addRow("P&ort", self.port)
        layout.addWidget(self.hosting_form)
        self.hosting_form.setEnabled(False)
        self.hosts.toggled.connect(self.hosting_form.setEnabled)
        self.address.currentIndexChanged.connect(self._address_chosen)
        self._address_chosen()
        self.error = ErrorLine()
        layout.addWidget(self.error)
        self.subnet.textEdited.connect(lambda _text: self.error.show_message(""))
        buttons = QHBoxLayout()
        self.back = QPushButton("← Back")
        self.next = QPushButton("Continue")
        self.next.setDefault(True)
        buttons.addWidget(self.back)
        buttons.addStretch(1)
        buttons.addWidget(self.next)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.next.clicked.connect(self.attempt)

    def _address_chosen(self, *_: object) -> None:
        data = self.address.currentData()
        if data:
            self.subnet.setText(data[1])

    def plan(self) -> HostingPlan:
        data = self.address.currentData()
        typed = self.address.currentText().split()[0] if self.address.currentText().strip() else ""
        address = data[0] if data and self.address.currentText().startswith(data[0]) else typed
        return HostingPlan(listen_address=address, subnet=self.subnet.text().strip(), port=self.port.value())

    def attempt(self) -> None:
        if not self.hosts.isChecked():
            self.chosen.emit(None)
            return
        plan = self.plan()
        try:
            check_plan(plan)
        except HostingError as exc:
            self.error.show_message(exc.message)
            return
        self.error.show_message("")
        self.chosen.emit(plan)


class FirstRunWizard(QWidget):
    """Before any database is started on a new workstation: how will this computer be used?"""

    decided = Signal(object)  # StartChoice

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Pharmacy — first start")
        self.setObjectName("firstRunWizard")
        self.pages = QStackedWidget()
        self.welcome = QWidget()
        column = QVBoxLayout(self.welcome)
        column.addWidget(heading("Welcome: how will this computer be used?", 8))
        self.demo_button = _choice_button(
            "Try the demo pharmacy",
            "Made-up patients, stock and staff with public passwords, to learn the app. Remove it later.",
            "chooseDemo",
        )
        self.setup_button = _choice_button(
            "Set up my pharmacy on this computer",
            "An empty pharmacy: its details, the first administrator; this computer may serve the other counters.",
            "chooseSetUp",
        )
        self.connect_button = _choice_button(
            "Connect to the pharmacy's server",
            "Another workstation or a server already holds the pharmacy's database.",
            "chooseConnect",
        )
        for button in (self.demo_button, self.setup_button, self.connect_button):
            column.addWidget(button)
        column.addStretch(1)
        self.setup_page = SetUpPage()
        self.connect_page = ConnectPage()
        for page in (self.welcome, self.setup_page, self.connect_page):
            self.pages.addWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.addWidget(self.pages)
        self.demo_button.clicked.connect(lambda: self.decided.emit(StartChoice(DEMO)))
        self.setup_button.clicked.connect(lambda: self.pages.setCurrentWidget(self.setup_page))
        self.connect_button.clicked.connect(self._show_connect)
        self.setup_page.back.clicked.connect(self._show_welcome)
        self.connect_page.back.clicked.connect(self._show_welcome)
        self.setup_page.chosen.connect(lambda plan: self.decided.emit(StartChoice(SETUP, hosting=plan)))
        self.connect_page.connected.connect(lambda: self.decided.emit(StartChoice(CONNECT)))
        self.resize(760, 560)
        self.demo_button.setFocus()

    def _show_welcome(self) -> None:
        self.pages.setCurrentWidget(self.welcome)
        self.demo_button.setFocus()

    def _show_connect(self) -> None:
        self.pages.setCurrentWidget(self.connect_page)
        self.connect_page.host.setFocus()


def show_hosting_result(result: HostingResult, parent: QWidget | None) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Information, "Pharmacy — this computer is the server", "", parent=parent)
    box.setText(hosting_summary(result))
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setObjectName("hostingResult")
    box.open()
    return box
