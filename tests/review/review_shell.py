"""The review screen open on one prescription inside the whole shell, at a window size: the set-up of
the tests that look at how the review work area shares its room."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QApplication

from pharmacy_desktop.config import Config
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screens.registry import screen_classes
from pharmacy_desktop.ui.screens.review import ReviewScreen
from pharmacy_desktop.ui.screenshots import settle

TIMEOUT = 15_000


def review_in_shell(
    qtbot: Any, uow_factory: Any, database_url: str, pharmacist: Any, rx_id: Any, size: tuple[int, int]
) -> tuple[Any, ReviewScreen]:
    """The main window for ``pharmacist`` at ``size``, connected and shown, on its review screen with
    the prescription ``rx_id`` open and the layout settled: (window, screen). Close it with :func:`close`."""
    from pharmacy_desktop.ui.main_window import MainWindow

    context = AppContext(
        uow_factory=uow_factory,
        config=Config(workstation_name="test-ws"),
        workstation="test-ws",
        database_url=database_url,
    )
    window = MainWindow(context, pharmacist, screen_classes())
    qtbot.addWidget(window)
    window.set_database_connected(True)
    window.resize(*size)
    window.show()
    screen = next(s for s in window.screens if isinstance(s, ReviewScreen))
    assert window.show_screen(screen)
    qtbot.waitUntil(lambda: screen.detail is not None, timeout=TIMEOUT)
    screen.open_prescription(rx_id)
    qtbot.waitUntil(lambda: screen.detail is not None and screen.detail.prescription_id == rx_id, timeout=TIMEOUT)
    settle(minimum=0.1)
    return window, screen


def close(window: Any) -> None:
    window.close()
    QApplication.processEvents()
