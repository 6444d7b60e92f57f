"""The shell as a counter workstation shows it: every screen of the registry, 1280x800, active."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from pharmacy_desktop.ui.screens.registry import screen_classes

DISPLAY = (1280, 800)


def settle(rounds: int = 3) -> None:
    for _ in range(rounds):  # pending layout requests, as the event loop would
        QApplication.processEvents()


def open_shell(qtbot, context, actor, cls):
    """The main window for `actor` at DISPLAY, connected, active, showing its screen of class `cls`."""
    from pharmacy_desktop.ui.main_window import MainWindow

    window = MainWindow(context, actor, screen_classes())
    qtbot.addWidget(window)
    window.set_database_connected(True)
    window.resize(*DISPLAY)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    screen = next(s for s in window.screens if type(s) is cls)
    assert window.show_screen(screen)
    return window, screen
