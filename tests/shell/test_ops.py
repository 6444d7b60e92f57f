"""Background operations: work on a worker thread, callbacks on the GUI thread, safe teardown."""

from __future__ import annotations

import logging
import threading

import pytest
import shiboken6
from PySide6.QtCore import QThread, QThreadPool
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from pharmacy_desktop.errors import ConcurrentUpdate, PharmacyError
from pharmacy_desktop.ui.ops import error_title, run_in_background, user_message

pytestmark = pytest.mark.ui


class Recorder:
    def __init__(self) -> None:
        self.results: list[object] = []
        self.errors: list[Exception] = []
        self.threads: list[QThread] = []

    def success(self, value: object) -> None:
        self.threads.append(QThread.currentThread())
        self.results.append(value)

    def error(self, exc: Exception) -> None:
        self.threads.append(QThread.currentThread())
        self.errors.append(exc)


class Busy:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def start(self, message: str) -> None:
        self.calls.append(f"start:{message}")

    def stop(self) -> None:
        self.calls.append("stop")


class Shell(QWidget):
    """Stands in for the main window: provides the busy indicator to its children."""

    def __init__(self) -> None:
        super().__init__()
        self.busy = Busy()

    def busy_indicator(self) -> Busy:
        return self.busy


@pytest.fixture
def widget(qtbot) -> QWidget:
    w = QWidget()
    qtbot.addWidget(w)
    return w


def close_message_boxes() -> list[QMessageBox]:
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    for box in boxes:
        box.close()
    return boxes


def test_work_runs_on_a_worker_and_success_comes_back_on_the_gui_thread(qtbot, widget):
    rec = Recorder()
    worker: list[int] = []

    def work() -> int:
        worker.append(threading.get_ident())
        return 42

    run_in_background(widget, work, rec.success, rec.error)
    qtbot.waitUntil(lambda: rec.results == [42], timeout=2000)
    assert worker and worker[0] != threading.get_ident()
    assert rec.threads == [QApplication.instance().thread()]
    assert rec.errors == []


def test_error_callback_receives_the_exception_on_the_gui_thread(qtbot, widget):
    rec = Recorder()
    boom = ConcurrentUpdate("Changed at another workstation; reload and try again.")

    def work() -> None:
        raise boom

    run_in_background(widget, work, rec.success, rec.error)
    qtbot.waitUntil(lambda: rec.errors != [], timeout=2000)
    assert rec.errors == [boom]
    assert rec.results == []
    assert rec.threads == [QApplication.instance().thread()]


def test_deleted_parent_gets_no_callback_and_nothing_crashes(qtbot):
    parent = QWidget()
    rec = Recorder()
    busy = Busy()
    started, release = threading.Event(), threading.Event()

    def work() -> str:
        started.set()
        release.wait(5)
        return "late"

    run_in_background(parent, work, rec.success, rec.error, busy_message="Loading", busy=busy)
    assert started.wait(5)
    shiboken6.delete(parent)
    assert not shiboken6.isValid(parent)
    release.set()
    assert QThreadPool.globalInstance().waitForDone(5000)
    qtbot.waitUntil(lambda: busy.calls == ["start:Loading", "stop"], timeout=2000)
    qtbot.wait(20)
    assert rec.results == [] and rec.errors == [] and rec.threads == []


def test_parent_closed_with_delete_on_close_mid_operation(qtbot):
    from PySide6.QtCore import Qt

    parent = QWidget()
    parent.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    parent.show()
    rec = Recorder()
    release = threading.Event()
    run_in_background(parent, lambda: release.wait(5), rec.success, rec.error)
    parent.close()
    qtbot.waitUntil(lambda: not shiboken6.isValid(parent), timeout=2000)
    release.set()
    assert QThreadPool.globalInstance().waitForDone(5000)
    qtbot.wait(20)
    assert rec.results == [] and rec.errors == []


def test_busy_indicator_is_found_through_the_parent_window(qtbot):
    shell = Shell()
    qtbot.addWidget(shell)
    screen = QWidget(shell)
    rec = Recorder()
    run_in_background(screen, lambda: 1, rec.success, busy_message="Saving prescription")
    assert shell.busy.calls == ["start:Saving prescription"]
    qtbot.waitUntil(lambda: rec.results == [1], timeout=2000)
    assert shell.busy.calls == ["start:Saving prescription", "stop"]


def test_no_busy_indicator_without_a_message(qtbot):
    shell = Shell()
    qtbot.addWidget(shell)
    rec = Recorder()
    run_in_background(QWidget(shell), lambda: 1, rec.success)
    qtbot.waitUntil(lambda: rec.results == [1], timeout=2000)
    assert shell.busy.calls == []


def test_default_error_shows_the_user_facing_message(qtbot, widget):
    def work() -> None:
        raise PharmacyError("The printer is offline. Turn it on; the label waits in the queue.")

    widget.show()
    run_in_background(widget, work, lambda _: None)
    qtbot.waitUntil(
        lambda: any(isinstance(w, QMessageBox) and w.isVisible() for w in QApplication.topLevelWidgets()), timeout=2000
    )
    boxes = close_message_boxes()
    assert boxes[0].text() == "The printer is offline. Turn it on; the label waits in the queue."
    assert boxes[0].icon() == QMessageBox.Icon.Warning


def test_unexpected_error_is_logged_with_traceback_and_shown_as_a_bug(qtbot, widget, caplog):
    def work() -> None:
        raise KeyError("batch_id")

    widget.show()
    with caplog.at_level(logging.ERROR, logger="pharmacy_desktop.ui.ops"):
        run_in_background(widget, work, lambda _: None)
        qtbot.waitUntil(
            lambda: any(isinstance(w, QMessageBox) and w.isVisible() for w in QApplication.topLevelWidgets()),
            timeout=2000,
        )
    boxes = close_message_boxes()
    assert boxes[0].text().startswith("Something went wrong: 'batch_id'.")
    assert "your data is safe" in boxes[0].text()
    assert boxes[0].icon() == QMessageBox.Icon.Critical
    record = next(r for r in caplog.records if r.exc_info)
    assert record.exc_info[0] is KeyError and "work" in caplog.text


def test_a_failing_success_callback_is_reported_not_fatal(qtbot, widget, caplog):
    def broken(_: object) -> None:
        raise ValueError("bug in the screen")

    widget.show()
    run_in_background(widget, lambda: 1, broken)
    qtbot.waitUntil(
        lambda: any(isinstance(w, QMessageBox) and w.isVisible() for w in QApplication.topLevelWidgets()), timeout=2000
    )
    boxes = close_message_boxes()
    assert "bug in the screen" in boxes[0].text()
    assert "Callback of a background operation failed" in caplog.text


def test_user_messages_and_titles() -> None:
    assert user_message(ConcurrentUpdate("Reload and try again.")) == "Reload and try again."
    assert error_title(ConcurrentUpdate("x")) == "Changed at another workstation"
    assert error_title(PharmacyError("x")) == "Could not finish"
    assert user_message(RuntimeError()).startswith("Something went wrong: RuntimeError.")
    assert error_title(RuntimeError()) == "Something went wrong"


def test_many_operations_each_deliver_once(qtbot, widget):
    rec = Recorder()
    for i in range(50):
        run_in_background(widget, lambda i=i: i * i, rec.success, rec.error)
    qtbot.waitUntil(lambda: len(rec.results) == 50, timeout=5000)
    qtbot.wait(20)
    assert sorted(rec.results) == [i * i for i in range(50)]
