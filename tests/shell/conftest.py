"""The shell against a real database: context, windows, a few catalog rows."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout  # noqa: E402

from pharmacy_desktop.config import Config  # noqa: E402
from pharmacy_desktop.ui.context import AppContext  # noqa: E402
from pharmacy_desktop.ui.screens.base import Screen  # noqa: E402


@pytest.fixture
def context(uow_factory, database_url) -> AppContext:
    return AppContext(
        uow_factory=uow_factory,
        config=Config(workstation_name="test-ws"),
        workstation="test-ws",
        database_url=database_url,
    )


class PatientScreen(Screen):
    """Stands in for a work screen showing a patient (F5, technicians and pharmacists)."""

    key = "F5"
    title = "Fill"
    permission = "prescription.fill"

    def __init__(self, context, actor, parent=None):
        super().__init__(context, actor, parent)
        layout = QVBoxLayout(self)
        self.patient = QLabel("Grace Okafor  DOB 03/14/1961  Allergies: penicillin")
        self.note = QLineEdit()
        self.note.setObjectName("workInProgress")
        layout.addWidget(self.patient)
        layout.addWidget(self.note)

    def activate(self) -> None:
        self.note.setFocus()


def shell_screens():
    from pharmacy_desktop.ui.screens.audit import AuditScreen
    from pharmacy_desktop.ui.screens.drug_lookup import DrugLookupScreen
    from pharmacy_desktop.ui.screens.home import HomeScreen
    from pharmacy_desktop.ui.screens.users import UsersScreen

    return [HomeScreen, DrugLookupScreen, PatientScreen, UsersScreen, AuditScreen]


@pytest.fixture
def make_shell(qtbot, context):
    from pharmacy_desktop.ui.main_window import MainWindow

    def make(actor, **kwargs):
        window = MainWindow(context, actor, shell_screens(), **kwargs)
        qtbot.addWidget(window)
        window.resize(1280, 800)
        with qtbot.waitActive(window):  # waits on leaving the block (a bare call would not wait at all)
            window.show()
            window.activateWindow()
        assert window.isActiveWindow()
        return window

    return make
