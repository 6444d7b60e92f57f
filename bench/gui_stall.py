"""Benchmark: does the GUI ever stall during a day at the counter?

Drives the counter-day script of tests/e2e/test_counter_day.py in the real shell — sign-in, the
technician's intake, the pharmacist's clinical review (every alert acknowledged or overridden), the
technician's fill (a wrong bottle first: the hard stop), the label printed to a TCP printer, the
pharmacist's final verification (label, then bottle), will-call and the pickup opened by the bag's
scan — by keyboard and scanner events only, on the demo pharmacy in a throwaway PostgreSQL cluster,
with the app's look (make_application), change listener and print sender wired as the app does.

Meanwhile a zero-interval QTimer on the GUI thread notes every turn of the event loop; the gap between
two turns is how long the window could not answer a key or repaint. Printed: max, p99, how many gaps
over 50 ms, and the step each of the worst gaps happened in (target: max < 50 ms).

The harness itself does no database work on the GUI thread once the day starts (it waits on what the
screens show), so a gap is the app's. It imports the app's modules where the app does (the shell's at
sign-in, after the background preload of ui/latency.preload_modules, which it waits for as a person's typing
would: the time the preload took is printed); its own modules are a step of their own.

Start-up, as the app does it (ui/app.py run_app and Session): the start-up window is built and shown
before app.exec() — nothing can be typed yet and no turn is late — so the bench does the same before it
starts counting, and prints "time to the first window" (a fresh interpreter: ui/app.py imported, the
QApplication made, Session.start run, the start-up window painted) as a start-up figure, not a stall. The sign-in window is
built inside the loop, once the database is open: the app's start-up thread (ui/app.start_up) has imported
the sign-in's modules (ui/latency.SIGN_IN_MODULES) and built the background workers, and the sign-in
window is built and shown in a turn of its own; the bench imports the same modules on a thread of its own
(step "start-up thread") and measures the window's build, show and the preload's start as the step
"sign-in window". The bench's own objects (the harness, the demo load) are collected then frozen out of
the cyclic GC before the day starts, as the app freezes what it made at start (Session.start), so a full
collection of the bench's own garbage does not land in a measured step.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/gui_stall.py [--database-url URL] [--profile STEP]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import os
import pstats
import signal
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import cast

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from PySide6.QtCore import QObject, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402
from scan_lookup import percentile  # noqa: E402

STALL_MS = 50.0
WORKSTATION = "bench-ws"


class StallMonitor(QObject):
    """A zero-interval timer: each timeout is one turn of the event loop; the gap since the last is recorded
    against the step the driver is in, with the GUI thread's CPU time in it (wall >> CPU: the thread
    waited — on a socket, a lock, the GIL or the scheduler). A watchdog thread samples the GUI thread's
    Python stack while a turn is overdue, so a long gap names the code it was in."""

    def __init__(self) -> None:
        super().__init__()
        self.step = "start"
        self.gaps: list[tuple[float, float, str]] = []  # (wall ms, GUI-thread CPU ms, step)
        self.samples: dict[int, list[str]] = defaultdict(list)  # gap index -> where the GUI thread was
        self._last = time.perf_counter()
        self._last_cpu = time.thread_time()
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._tick)
        self.collections: list[tuple[int, float, str]] = []  # the cyclic GC's runs: generation, ms, step
        self.profile: tuple[str, ...] = ()  # --profile: the steps whose name starts so are profiled (cProfile)
        self.profiler: cProfile.Profile | None = None
        self._gc_started = 0.0

    def start(self) -> None:
        self._last, self._last_cpu = time.perf_counter(), time.thread_time()
        self._timer.start()
        # the sampler runs on the GUI thread itself (a signal handler sees its frame; reading another
        # thread's frames from a watchdog thread crashed Python 3.11 here)
        signal.signal(signal.SIGALRM, self._sample)
        signal.setitimer(signal.ITIMER_REAL, 0.02, 0.02)
        gc.callbacks.append(self._gc)

    def _gc(self, phase: str, info: dict) -> None:
        """Each run of the garbage collector (any thread: it holds the GIL, so the GUI thread waits)."""
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.collections.append((info["generation"], (time.perf_counter() - self._gc_started) * 1000, self.step))

    def stop(self) -> None:
        self._timer.stop()
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        gc.callbacks.remove(self._gc)

    def enter(self, step: str) -> None:
        if self.profiler is not None:  # the profiled step is over: where its GUI-thread time went
            self.profiler.disable()
            print(f"\nprofile of '{self.step}' (GUI thread; its gaps above are inflated by the profiler):")
            stats = pstats.Stats(self.profiler, stream=sys.stdout).sort_stats("cumulative")
            stats.print_stats("pharmacy_desktop", 25)
            self.profiler = None
        self.step = step
        if self.profile and step.strip().startswith(self.profile):
            self.profiler = cProfile.Profile()
            self.profiler.enable()

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        self.gaps.append(((now - self._last) * 1000, (cpu - self._last_cpu) * 1000, self.step))
        self._last, self._last_cpu = now, cpu

    def _sample(self, _signum: int, frame: object) -> None:
        if (time.perf_counter() - self._last) * 1000 > STALL_MS * 0.8:
            self.samples[len(self.gaps)].append(where(frame))


def where(frame) -> str:
    """The innermost frames of the app (pharmacy_desktop) on a stack, innermost last."""
    ours = []
    frame = cast(FrameType | None, frame)
    while frame is not None:
        name = frame.f_code.co_filename
        if "pharmacy_desktop" in name or "site-packages" in name and not ours:
            short = (
                name.split("pharmacy_desktop/")[-1] if "pharmacy_desktop" in name else name.split("site-packages/")[-1]
            )
            ours.append(f"{short}:{frame.f_lineno} {frame.f_code.co_name}")
        frame = frame.f_back
    return " <- ".join(ours[:4]) or "(outside the app)"


class Driver:
    def __init__(self, monitor: StallMonitor) -> None:
        self.monitor = monitor

    def step(self, name: str) -> None:
        self.monitor.enter(name)

    def wait(
        self,
        condition: Callable[[], object],
        what: str,
        timeout: float = 20.0,
        why: Callable[[], str] | None = None,
    ) -> None:
        """``why``: what the screen shows instead, added to the error when the wait gives up."""
        from tests.counter_driver import wait_for  # imported in the harness's own step

        try:
            wait_for(condition, what, timeout)
        except TimeoutError as exc:
            raise TimeoutError(f"{self.monitor.step}: {exc}" + (f" ({why()})" if why else "")) from None


def counter_day(  # noqa: C901, PLR0915
    context, uow_factory, label_printer, monitor: StallMonitor, story, startup_window: QWidget
) -> None:
    d = Driver(monitor)
    # the harness's own modules, a step of their own (they import a few of the app's modules too: the
    # print queue screen, the scanner; the app's others are imported below where the app imports them)
    d.step("harness imports (not the app)")
    from pharmacy_desktop.demo import DEMO_PASSWORDS, DEMO_PINS
    from tests.counter_driver import Counter, code128_text, wait_for  # noqa: F401 (Driver.wait)
    from tests.escpos_parse import parse

    # as the app: its start-up thread (ui/app.start_up) imports the sign-in's modules once the database is
    # open, while the start-up window turns; the sign-in window is then built in a turn of its own
    d.step("start-up thread: the sign-in's modules")
    import threading

    from pharmacy_desktop.ui.latency import SIGN_IN_MODULES, gc_paused, import_modules, preload_modules

    def import_sign_in_modules() -> None:  # as ui/app.start_up
        with gc_paused("sign-in modules"):
            import_modules(SIGN_IN_MODULES)

    start_up = threading.Thread(target=import_sign_in_modules, name="start-up")
    start_up.start()
    d.wait(lambda: not start_up.is_alive(), "the start-up thread")

    d.step("sign-in window")
    from pharmacy_desktop.ui.changes import ChangeListener  # imported: Session._database_ready
    from pharmacy_desktop.ui.signin_window import SignInWindow  # imported: Session._show_sign_in

    signin = SignInWindow(context)
    signin.resize(1280, 800)
    signin.show()
    startup_window.hide()
    preload = preload_modules()  # as Session._show_sign_in: the shell's modules imported while the user types
    preload_started = time.monotonic()
    signin.activateWindow()
    d.wait(lambda: QApplication.activeWindow() is signin, "the sign-in window")
    signed: list = []
    signin.signed_in.connect(signed.append)
    QTest.keyClicks(signin.panel.username, "rph")
    QTest.keyClick(signin.panel.username, Qt.Key.Key_Return)
    QTest.keyClicks(signin.panel.password, DEMO_PASSWORDS["rph"])
    d.wait(lambda: signin.decided, "the sign-in window to hear from the database")
    # a person takes seconds to type a name and password; the harness types in milliseconds, so it waits
    # for the preload as that person's typing would (how long it took is printed: a faster sign-in would
    # find the GUI thread waiting for the rest of the import)
    d.wait(lambda: not preload.is_alive(), "the shell's modules imported", timeout=60)
    print(f"preloading the shell's modules (background thread): {time.monotonic() - preload_started:.1f} s")
    d.step("sign in (password)")
    QTest.keyClick(signin.panel.password, Qt.Key.Key_Return)
    d.wait(lambda: signed, "signed in")
    signin.close()

    d.step("open the shell")
    from pharmacy_desktop.ui.app import default_screens  # Session._signed_in
    from pharmacy_desktop.ui.main_window import MainWindow
    from pharmacy_desktop.ui.screens.print_queue import connect_status_bar

    window = MainWindow(context, signed[0], default_screens())
    listener = ChangeListener(context.database_url)
    listener.changed.connect(window.on_change)
    listener.connection_changed.connect(window.set_database_connected)
    sender = context.print_sender
    listener.changed.connect(lambda notice: sender.wake() if notice.get("topic") == "print_jobs" else None)
    listener.start()
    connect_status_bar(sender, window)
    window.resize(1280, 800)
    window.show()
    from pharmacy_desktop.ui.latency import freeze_long_lived

    freeze_long_lived()  # as Session._signed_in
    window.activateWindow()
    d.wait(lambda: QApplication.activeWindow() is window, "the shell")
    hands = Counter(window, window.scan_feedback, strict_focus=True, wait=d.wait)
    try:
        d.wait(lambda: "connected" in window.database_status.text().lower(), "the database connected")

        def switch(pin: str) -> None:
            hands.f_key(Qt.Key.Key_F12)
            hands.pin(pin)
            hands.press(Qt.Key.Key_Return)
            lock = window.lock_screen
            d.wait(
                lambda: not window.locked,
                "the switch of user",
                # what the lock screen said instead (its error line: no patient detail), or what it kept
                why=lambda: (
                    f"lock screen: {lock.error.text() or 'no error shown'}; PIN field holds {len(lock.pin.text())} characters"
                ),
            )

        d.step("lock, technician signs in (password)")
        hands.f_key(Qt.Key.Key_F12)
        while not window.lock_screen.sign_in.username.hasFocus():
            hands.press(Qt.Key.Key_Tab)
        hands.type("tech")
        hands.press(Qt.Key.Key_Return)
        hands.type(DEMO_PASSWORDS["tech"])
        hands.press(Qt.Key.Key_Return)
        d.wait(lambda: not window.locked and window.actor.username == "tech", "the technician")

        d.step("intake: patient search")
        hands.f_key(Qt.Key.Key_F2)
        intake = window.current_screen()
        hands.type(story.patient_last[:4])
        d.wait(lambda: any(h.patient_id == story.patient_id for h in intake.patient_search.hits), "the patient")
        row = next(i for i, h in enumerate(intake.patient_search.hits) if h.patient_id == story.patient_id)
        for _ in range(row):
            hands.press(Qt.Key.Key_Down)
        d.step("intake: patient chosen")
        hands.press(Qt.Key.Key_Return)
        d.wait(lambda: intake.profile is not None, "the patient's profile")
        d.step("intake: drug search")
        hands.press(Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
        hands.type(f"atorva {story.drug_strength.split()[0]}")
        d.wait(lambda: any(c.medication_id == story.drug_id for c in intake.drug.choices), "the drug")
        row = next(i for i, c in enumerate(intake.drug.choices) if c.medication_id == story.drug_id)
        for _ in range(row):
            hands.press(Qt.Key.Key_Down)
        hands.press(Qt.Key.Key_Return)
        d.step("intake: quantity, days, refills, SIG")
        hands.type("30")
        hands.press(Qt.Key.Key_Tab)
        hands.press(Qt.Key.Key_Tab)
        hands.type("30")
        hands.press(Qt.Key.Key_Tab)
        hands.press(Qt.Key.Key_Backspace)
        hands.type("2")
        hands.press(Qt.Key.Key_Tab)
        hands.type("1 T PO QHS")
        d.step("intake: save")
        hands.press(Qt.Key.Key_Return)
        d.wait(lambda: intake.last_saved is not None, "the saved prescription")
        rx_id, rx_number = intake.last_saved.prescription_id, intake.last_saved.rx_number

        d.step("switch to the pharmacist (PIN)")
        switch(DEMO_PINS["rph"])
        d.step("review: queue")
        review = hands.to_queue(Qt.Key.Key_F3, "ReviewScreen", rx_id)
        target = next(i for i, r in enumerate(review.rows) if r.prescription_id == rx_id)
        hands.to_row(lambda: review.queue.currentIndex().row(), target)
        d.wait(lambda: review.detail is not None and review.detail.prescription_id == rx_id, "the Rx open")
        d.step("review: alerts")
        hands.press(Qt.Key.Key_Tab)
        hands.resolve_alerts(review, rounds=40)  # a rerun on the same database has more (duplicate therapy) alerts
        d.wait(lambda: review.detail is not None and not review.detail.open_alerts, "all alerts resolved")
        d.step("review: approve")
        hands.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        d.wait(lambda: f"Rx {rx_number} validated" in review.message.text(), "validated")

        d.step("switch to the technician (PIN)")
        switch(DEMO_PINS["tech"])
        d.step("fill: queue")
        fill = hands.to_queue(Qt.Key.Key_F5, "FillScreen", rx_id)
        target = next(i for i, r in enumerate(fill.rows) if r.prescription_id == rx_id)
        hands.to_row(fill.queue.currentRow, target)
        d.step("fill: open")
        hands.press(Qt.Key.Key_Return)
        d.wait(lambda: fill.view is not None and fill.view.prescription_id == rx_id, "the Rx open for fill")
        d.step("fill: wrong bottle (hard stop)")
        hands.scan(story.wrong_ndc)
        d.wait(lambda: fill.pages.currentWidget() is fill.hard_stop, "the hard stop")
        hands.press(Qt.Key.Key_Return)
        d.step("fill: right bottle")
        hands.scan(story.drug_ndc)
        d.wait(lambda: fill.check is not None, "the bottle checked")
        if fill.lot_picker.isVisible():
            hands.press(Qt.Key.Key_Return)
        d.wait(lambda: fill.check is not None and fill.check.ok, "the bottle accepted")
        d.step("fill: fill and queue the label")
        hands.press(Qt.Key.Key_Return)
        d.wait(lambda: fill.last_result is not None, "filled")
        d.step("label printed")
        sender.wake()
        d.wait(lambda: label_printer.jobs, "the label at the printer", timeout=30)
        printed = parse(label_printer.jobs[-1])
        label_barcode = code128_text(next(b for b in printed.barcodes if rx_number.encode() in b.data))

        d.step("switch to the pharmacist (PIN) ")
        switch(DEMO_PINS["rph"])
        d.step("verify: queue")
        verify = hands.to_queue(Qt.Key.Key_F6, "VerifyScreen", rx_id)
        d.step("verify: label scanned")
        hands.scan(label_barcode)
        d.wait(lambda: verify.view is not None and verify.view.prescription_id == rx_id, "the Rx open")
        d.step("verify: bottle scanned")
        hands.scan(story.drug_ndc)
        d.wait(lambda: verify.approve_button.isEnabled(), "approve enabled")
        d.step("verify: approve")
        hands.press(Qt.Key.Key_Return)
        d.wait(lambda: verify.approved is not None, "approved into a bin")

        d.step("will-call")
        hands.f_key(Qt.Key.Key_F7)
        pickup = window.current_screen()
        d.wait(lambda: any(r.rx_number == rx_number for r in pickup.finder.rows), "the Rx at will-call")
        d.step("pickup: the bag scanned")
        hands.scan(label_barcode)
        d.wait(lambda: pickup.cart is not None, "the pickup open")
        d.step("end")
        QTest.qWait(200)
    finally:
        hands.close()
        listener.stop()
        window.close()


def report(monitor: StallMonitor, elapsed: float) -> None:
    gaps = monitor.gaps
    values = [g for g, _, _ in gaps]
    over = [g for g in gaps if g[0] > STALL_MS]
    print(f"event-loop turns: {len(values):,} in {elapsed:.1f} s")
    print(
        f"gap between turns: max {max(values):.1f} ms, p99 {percentile(values, 99):.2f} ms, "
        f"p50 {percentile(values, 50):.3f} ms; over {STALL_MS:.0f} ms: {len(over)}"
    )
    by_step: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for gap, cpu, step in gaps:
        by_step[step].append((gap, cpu))
    print("\nper step: worst gap (GUI-thread CPU in it), the most GUI-thread CPU in one turn, gaps over 50 ms")
    for step, pairs in by_step.items():
        gap, cpu = max(pairs)
        busiest = max(c for _, c in pairs)
        over_count = sum(g > STALL_MS for g, _ in pairs)
        print(f"  {step:<40} {gap:7.1f} ms ({cpu:6.1f} CPU)  max CPU {busiest:6.1f} ms   over 50 ms: {over_count}")
    print("\nworst 12 gaps: wall, GUI-thread CPU, step, where the GUI thread was (sampled)")
    ranked = sorted(range(len(gaps)), key=lambda i: gaps[i][0], reverse=True)[:12]
    for i in ranked:
        gap, cpu, step = gaps[i]
        seen = monitor.samples.get(i, [])
        common = max(set(seen), key=seen.count) if seen else "-"
        print(f"  {gap:7.1f} ms {cpu:7.1f} CPU  {step:<36} {common}")
    full = [(ms, step) for generation, ms, step in monitor.collections if generation == 2]
    slowest = max(full, default=(0.0, "-"))
    print(
        f"\ngarbage collector: {len(monitor.collections)} runs, {len(full)} full (generation 2), "
        f"the slowest full run {slowest[0]:.1f} ms in '{slowest[1]}'"
    )
    worst = max(gaps)
    verdict = "met" if worst[0] < STALL_MS else "NOT met"
    print(f"\nworst stall: {worst[0]:.1f} ms in '{worst[2]}' (target max < {STALL_MS:.0f} ms: {verdict})")


FIRST_WINDOW = """
import time
started = time.perf_counter()
import argparse, os, sys
from pharmacy_desktop.ui.app import Session, make_application
app = make_application()
session = Session(app, argparse.Namespace(database_url=sys.argv[1]))
session.start()  # the start-up window shown, the start-up thread opening the database
app.processEvents()  # painted
print(f"{time.perf_counter() - started:.2f} s")
sys.stdout.flush()
os._exit(0)  # the start-up thread's work is not this figure
"""


def first_window(url: str) -> str:
    """How long the app takes from its start to its first window (run_app: the start-up window, shown before
    app.exec(), so no turn of the event loop is late while nothing can be typed): a fresh interpreter
    imports ui/app.py, makes the QApplication, runs Session.start on ``url`` and paints the window (Python's
    own start not counted)."""
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", FIRST_WINDOW, url], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    lines = done.stdout.strip().splitlines()
    return lines[-1] if done.returncode == 0 and lines else f"failed ({done.stderr.strip().splitlines()[-1:]})"


def main() -> int:
    parser = argparse.ArgumentParser(description="GUI stall benchmark: the counter day in the real shell")
    parser.add_argument("--database-url", help="an empty database migrated to head (default: a throwaway cluster)")
    parser.add_argument("--patients", type=int, default=30, help="demo patients (default 30)")
    parser.add_argument(
        "--profile",
        metavar="STEP",
        help="profile the GUI thread in the steps whose names start so (comma-separated, e.g. 'switch to,lock')",
    )
    args = parser.parse_args()

    from catalog_import import throwaway_database

    from pharmacy_desktop.config import Config, PrinterConfig
    from pharmacy_desktop.db.engine import make_engine, make_session_factory
    from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
    from pharmacy_desktop.demo import load_demo
    from pharmacy_desktop.services.print_sender import PrintSender
    from pharmacy_desktop.services.printer_settings import printer_settings_from
    from pharmacy_desktop.ui.app import StartupWindow, make_application
    from pharmacy_desktop.ui.context import AppContext
    from tests.counter_driver import story as counter_story
    from tests.printing.conftest import FakePrinter, read_all

    with contextlib.ExitStack() as stack:
        url = args.database_url or stack.enter_context(throwaway_database())
        started = time.monotonic()
        load_demo(url, patients=args.patients)
        print(f"demo pharmacy loaded ({args.patients} patients) in {time.monotonic() - started:.1f} s")
        engine = make_engine(url)
        stack.callback(engine.dispose)
        uow_factory = UnitOfWorkFactory(make_session_factory(engine), workstation=WORKSTATION)
        story = counter_story(uow_factory)
        printer = FakePrinter(read_all)
        stack.callback(printer.close)
        config = Config(
            workstation_name=WORKSTATION, printers={"label": PrinterConfig(uri=printer.uri, profile="TM-T88V")}
        )
        context = AppContext(uow_factory=uow_factory, config=config, workstation=WORKSTATION, database_url=url)
        sender = PrintSender(uow_factory, lambda: printer_settings_from(config), WORKSTATION, poll_interval=0.3)
        context.print_sender = sender
        sender.start()
        stack.callback(sender.stop)

        # the harness's and the demo load's objects out of the cyclic GC, as the app freezes what it made at
        # start (Session.start): a full collection of the demo load's garbage ran in a measured step (252 ms)
        gc.collect()
        gc.freeze()
        print(
            f"time to the first window (a fresh process: imports, QApplication, Session.start, the start-up window): {first_window(url)}"
        )
        # as the app (Session.start, before app.exec()): the start-up window is up before the loop turns;
        # the sign-in window is built inside the loop (after the database opened) and is measured below
        app = make_application()
        startup_window = StartupWindow()
        startup_window.show()
        app.processEvents()
        monitor = StallMonitor()
        monitor.profile = tuple(args.profile.split(",")) if args.profile else ()
        monitor.start()
        started = time.monotonic()
        try:
            counter_day(context, uow_factory, printer, monitor, story, startup_window)
        finally:
            monitor.stop()
        report(monitor, time.monotonic() - started)
        print(f"uptime: {os.popen('uptime').read().strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
