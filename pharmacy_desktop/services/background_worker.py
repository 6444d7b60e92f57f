"""One daemon thread that runs a pass now, whenever woken, and every ``poll_interval`` seconds.

The print sender, the notification sender and the expiry job are each such a thread (never the
GUI thread). A subclass says what one pass is (``run_pass``) and how a failed or recovered pass is
logged (``pass_failed`` / ``pass_succeeded``: a database error's text carries SQL and parameters,
so only its kind is logged); starting, waking and stopping are here once.
"""

from __future__ import annotations

import threading


class BackgroundWorker:
    thread_name = "background-worker"

    def __init__(self, poll_interval: float) -> None:
        self.poll_interval = poll_interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (a no-op when it runs); the first pass follows at once."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()
        self.wake()

    def stop(self, timeout: float | None = None) -> None:
        """Stop after the pass under way (waiting at most ``timeout``, else ``stop_timeout()``)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(self.stop_timeout() if timeout is None else timeout)
            self._thread = None

    def stop_timeout(self) -> float:
        return 10.0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wake(self) -> None:
        """Run a pass now (after committing work for it; tests)."""
        self._wake.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run_pass(self) -> object:
        raise NotImplementedError

    def pass_failed(self, error: Exception) -> None:
        """Called with what a pass raised; the thread keeps going."""

    def pass_succeeded(self) -> None:
        """Called after a pass that raised nothing."""

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll_interval)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.run_pass()
            except Exception as error:  # keep going: the work is safe in the database
                self.pass_failed(error)
            else:
                self.pass_succeeded()
