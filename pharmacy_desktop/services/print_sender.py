"""The background sender of a workstation's print queue (a service). No Qt: the GUI listens through callbacks.

One pass (`send_pending`):

1. claim: in one short transaction, lock this workstation's due jobs with
   ``SELECT ... FOR UPDATE SKIP LOCKED`` (two senders never take the same job), mark them
   'sending' and count the attempt; commit.
2. send each one *outside* any transaction, with the transport's timeouts: a slow printer holds
   no database lock and no connection.
3. record the outcome in a new transaction: 'printed', or 'failed' with the error for the user and
   an exponential back-off ``next_attempt_at``. A printer model that answers DLE EOT is asked for
   its state after the job: ready confirms the job; paper out or nearly out, cover open, offline
   or an error fail it without automatic retry (the bytes may still print once it is fixed, and a
   second label must be a person's decision). No answer, or a model that cannot answer, leaves it
   'printed' with a note in ``last_error``: sent, not confirmed. After `MAX_AUTOMATIC_ATTEMPTS` the job stops
   retrying by itself (``next_attempt_at`` NULL) and waits for a person: a printer switched back
   on the next morning must not surprise anyone with yesterday's labels.

Jobs behind a printer that just failed in the same pass are not tried (each would only wait out
the same timeout); they keep their turn for the next attempt.

The database is reached only through the print_jobs repository; which printer prints a role is
asked of the `PrinterSettings` source at each claim, so a change saved in Settings applies to the
jobs still waiting.

`start()` runs passes on a daemon thread whenever `wake()` is called (a job was queued, a change
notice arrived) and at least every `poll_interval` seconds (back-off retries, jobs queued by
another process on this workstation, such as the command line).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pharmacy_desktop.db.failures import database_unreachable
from pharmacy_desktop.db.models.notifications import PrintJob
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.domain.clock import utcnow as _utcnow
from pharmacy_desktop.printing import transports
from pharmacy_desktop.printing.addresses import Delivery, PrinterError, PrinterNotReady
from pharmacy_desktop.printing.codec import render_document
from pharmacy_desktop.printing.profiles import UnknownProfile, get_profile
from pharmacy_desktop.services.background_worker import BackgroundWorker
from pharmacy_desktop.services.print_outcomes import (
    INTERRUPTED_MESSAGE,
    MAX_AUTOMATIC_ATTEMPTS,
    PrinterState,
    SendResult,
    backoff_seconds,
    failure_message,
    no_printer_message,
    printer_state,
    unconfirmed_note,
)
from pharmacy_desktop.services.printer_settings import PrinterSource, current

__all__ = ["PrintSender", "SendResult", "PrinterState", "backoff_seconds", "MAX_AUTOMATIC_ATTEMPTS"]

log = logging.getLogger(__name__)

Renderer = Callable[[str, dict[str, Any], str, str], bytes]
# (uri, bytes, timeout, ask_status) -> what is known afterwards (None: nothing, not confirmed)
Sender = Callable[[str, bytes, float, bool], "Delivery | None"]


def _answers_status(profile: str) -> bool:
    try:
        return get_profile(profile).answers_status
    except UnknownProfile:
        return False


@dataclass
class _Claimed:
    id: uuid.UUID
    role: str
    job_type: str
    uri: str | None
    payload: bytes
    attempts: int
    previous_status: str
    previous_next: dt.datetime | None
    profile: str = "default"
    error: str | None = None  # known before sending (no printer configured)
    next_attempt: dt.datetime | None = None  # set when a send fails: when it is tried again


class PrintSender(BackgroundWorker):
    """Sends this workstation's print jobs; the GUI and the command line share it."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        printers: PrinterSource,
        workstation: str,
        *,
        timeout: float = 5.0,
        poll_interval: float = 2.0,
        batch_size: int = 20,
        renderer: Renderer | None = None,
        sender: Sender | None = None,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self.uow_factory = uow_factory
        self.printers = printers
        self.workstation = workstation
        self.timeout = timeout
        super().__init__(poll_interval)
        self.thread_name = f"print-sender-{workstation}"
        self.batch_size = batch_size
        self._renderer = renderer or render_document
        self._sender = sender or (
            lambda uri, data, timeout, ask: transports.send(uri, data, timeout=timeout, ask_status=ask)
        )
        self._clock = clock
        self._listeners: list[Callable[[PrinterState], None]] = []
        self._listeners_lock = threading.Lock()
        self._pass_lock = threading.Lock()  # one pass at a time per dispatcher
        self._role_errors: dict[str, str] = {}
        self._trouble: str | None = None  # what the last failed pass hit: "database" or an error text
        self.state = PrinterState(None, "not checked")

    # -- listeners (the status bar) --------------------------------------------------------------

    def add_listener(self, listener: Callable[[PrinterState], None]) -> None:
        """`listener(state)` is called from the sending thread after each pass: hop to the GUI thread."""
        with self._listeners_lock:
            self._listeners.append(listener)
        listener(self.state)

    def remove_listener(self, listener: Callable[[PrinterState], None]) -> None:
        with self._listeners_lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def _publish(self, state: PrinterState) -> None:
        self.state = state
        with self._listeners_lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(state)
            except Exception:
                log.exception("printer state listener failed")

    # -- the thread ------------------------------------------------------------------------------

    thread_name = "print-sender"

    def stop_timeout(self) -> float:
        """After the job being sent: at most about one transport timeout."""
        return self.timeout * 3

    def run_pass(self) -> object:
        return self.send_pending()

    def pass_failed(self, error: Exception) -> None:
        """Say so once per outage, not once per poll: a database away for an hour is one warning.

        Database errors carry the SQL and its parameters, so only their kind is logged; anything
        else is a bug and gets its traceback, once until a pass succeeds again.
        """
        if database_unreachable(error):
            if self._trouble != "database":
                log.warning(
                    "print queue paused: the database cannot be reached (%s); waiting jobs stay queued "
                    "and go out when it is back",
                    type(error).__name__,
                )
            self._trouble = "database"
            return
        key = f"{type(error).__name__}: {error}"
        if self._trouble != key:
            log.error("print queue pass failed; retrying every %g s", self.poll_interval, exc_info=error)
        self._trouble = key

    def pass_succeeded(self) -> None:
        if self._trouble == "database":
            log.info("print queue resumed: the database is reachable again")
        elif self._trouble is not None:
            log.info("print queue resumed after an error")
        self._trouble = None

    # -- one pass --------------------------------------------------------------------------------

    def send_pending(self) -> list[SendResult]:
        """Claim, send and record this workstation's due jobs; returns what happened to each."""
        with self._pass_lock:
            self._recover_interrupted()
            results: list[SendResult] = []
            while not self._stop.is_set():
                claimed = self._claim()
                if not claimed:
                    break
                results += self._send_claimed(claimed)
                if len(claimed) < self.batch_size:
                    break
            self._publish(self._compute_state(results))
            return results

    def send_job(self, job_id: uuid.UUID) -> SendResult:
        """Send one job now if it is waiting (the command line); its outcome is recorded as usual."""
        with self._pass_lock:
            claimed = self._claim(only=job_id)
            if not claimed:
                # already sent by the background pass (it shares this lock): report its outcome
                with self.uow_factory() as uow:
                    job = uow.print_jobs.require(job_id)
                    ok = job.status == "printed"
                    message = job.last_error or (
                        f"Printed on {job.printer_uri}." if ok else f"The job is {job.status}."
                    )
                    return SendResult(
                        job.id, job.printer_role, job.printer_uri, ok, message, confirmed=ok and job.last_error is None
                    )
            result = self._send_claimed(claimed)[0]
            self._publish(self._compute_state([result]))
            return result

    def _resolve(self, job: PrintJob) -> tuple[str | None, str]:
        if job.printer_uri:
            return job.printer_uri, job.printer_profile
        printer = current(self.printers).printer(job.printer_role)
        if printer is None:
            return None, job.printer_profile
        return printer.uri, printer.profile or "default"

    def _render(self, job: PrintJob, profile: str, uri: str) -> bytes:
        return self._renderer(job.job_type, job.document, profile, uri)

    def _claim(self, only: uuid.UUID | None = None) -> list[_Claimed]:
        now = self._clock()
        claimed: list[_Claimed] = []
        with self.uow_factory() as uow:
            if only is None:
                jobs = uow.print_jobs.claim_due(self.workstation, limit=self.batch_size, now=now)
            else:
                job = uow.print_jobs.get(only, for_update=True)
                jobs = [job] if job is not None and job.status in ("queued", "failed") else []
            for job in jobs:
                uri, profile = self._resolve(job)
                item = _Claimed(
                    job.id, job.printer_role, job.job_type, uri, b"", job.attempts + 1, job.status, job.next_attempt_at
                )
                if uri is None:
                    item.error = no_printer_message(job.printer_role, job.job_type)
                else:
                    if profile != job.printer_profile or job.payload is None:
                        # the workstation's printer changed model since the job was queued
                        job.payload = self._render(job, profile, uri)
                        job.printer_profile = profile
                    item.payload = job.payload
                item.profile = profile
                job.status = "sending"
                job.attempts = item.attempts
                claimed.append(item)
            uow.commit()
        return claimed

    def _send_claimed(self, claimed: list[_Claimed]) -> list[SendResult]:
        results: list[SendResult] = []
        failed: dict[str, tuple[str, dt.datetime | None]] = {}  # uri -> (message, next attempt)
        for item in claimed:
            if item.uri is not None and item.uri in failed:
                results.append(self._hold(item, *failed[item.uri]))
                continue
            if item.error is not None:
                results.append(self._record_failure(item, item.error))
                continue
            uri = item.uri
            assert uri is not None  # a job without a printer got its error when it was claimed
            try:
                delivery = self._sender(uri, item.payload, self.timeout, _answers_status(item.profile))
            except PrinterNotReady as error:  # took the bytes: they may print once fixed, so no auto retry
                result = self._record_failure(item, error, retry=False)
                failed[uri] = (result.message, item.next_attempt)
                results.append(result)
            except PrinterError as error:
                result = self._record_failure(item, error)
                failed[uri] = (result.message, item.next_attempt)
                results.append(result)
            except Exception as error:  # a bug must not leave the job 'sending' forever
                log.exception("sending print job %s failed unexpectedly", item.id)
                results.append(self._record_failure(item, PrinterError(f"Printer failed: {error}")))
            else:
                results.append(self._record_printed(item, delivery))
        return results

    def _record_printed(self, item: _Claimed, delivery: Delivery | None) -> SendResult:
        confirmed = delivery is not None and delivery.confirmed
        note = None if confirmed else unconfirmed_note(item.uri, item.job_type, item.profile, delivery)
        with self.uow_factory() as uow:
            job = uow.print_jobs.require(item.id)
            job.status, job.printed_at, job.last_error, job.next_attempt_at = "printed", self._clock(), note, None
            if job.printer_uri is None:
                job.printer_uri = item.uri  # where it actually printed
            uow.notify("print_jobs", job.id, workstation=self.workstation, status="printed")
            uow.commit()
        self._role_errors.pop(item.role, None)
        return SendResult(item.id, item.role, item.uri, True, note or f"Printed on {item.uri}.", confirmed=confirmed)

    def _record_failure(self, item: _Claimed, error: BaseException | str, *, retry: bool = True) -> SendResult:
        retry_in = backoff_seconds(item.attempts) if retry and item.attempts < MAX_AUTOMATIC_ATTEMPTS else None
        with self.uow_factory() as uow:
            job = uow.print_jobs.require(item.id)
            message = (
                error if isinstance(error, str) else failure_message(job.printer_role, job.job_type, error, retry_in)
            )
            job.status, job.last_error = "failed", message
            job.next_attempt_at = self._clock() + dt.timedelta(seconds=retry_in) if retry_in is not None else None
            item.next_attempt = job.next_attempt_at
            uow.notify("print_jobs", job.id, workstation=self.workstation, status="failed")
            uow.commit()
        self._role_errors[item.role] = message
        log.info("print job %s failed (attempt %d): %s", item.id, item.attempts, message)
        return SendResult(item.id, item.role, item.uri, False, message)

    def _hold(self, item: _Claimed, message: str, next_attempt: dt.datetime | None) -> SendResult:
        """Give a job back untried: its printer just failed with another job."""
        with self.uow_factory() as uow:
            job = uow.print_jobs.require(item.id)
            job.status = item.previous_status
            job.attempts = item.attempts - 1
            job.last_error = message
            job.next_attempt_at = next_attempt
            uow.commit()
        return SendResult(item.id, item.role, item.uri, False, message, skipped=True)

    def _recover_interrupted(self) -> None:
        """Jobs left 'sending' by a program that stopped mid-send go back to the queue, flagged."""
        limit = self._clock() - dt.timedelta(seconds=max(self.timeout * 6, 60))
        with self.uow_factory() as uow:
            stale = uow.print_jobs.stale_sending(self.workstation, limit)
            for job in stale:
                job.status = "failed"
                job.next_attempt_at = None
                job.last_error = INTERRUPTED_MESSAGE
            if stale:
                uow.commit()

    # -- status ----------------------------------------------------------------------------------

    def _compute_state(self, results: list[SendResult]) -> PrinterState:
        try:
            with self.uow_factory() as uow:
                counts = uow.print_jobs.waiting_counts(self.workstation)
        except Exception as error:  # the database went away after the sends: the next pass says so
            if not database_unreachable(error):
                log.exception("print queue counts unavailable")
            return self.state
        printed = any(r.ok for r in results)
        return printer_state(counts, self._role_errors, printed_now=printed, known_before=self.state.ok is not None)
