"""The workstation's daily expiry pass: lots past their expiry date go into quarantine, once a day.

A thread of its own (like the print sender; never the GUI thread). It runs the pass when started
and again whenever the local date has changed since the last pass that succeeded, looking every
``poll_interval`` seconds; a pass that fails (the database away) is tried again at the next look.
Every workstation runs it: the pass is idempotent and re-checks each lot under its row lock, so
two workstations at midnight quarantine each lot once (services/quarantine.quarantine_expired).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from pharmacy_desktop.db.failures import database_unreachable
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.services.background_worker import BackgroundWorker
from pharmacy_desktop.services.quarantine import ExpiryResult, quarantine_expired

log = logging.getLogger(__name__)


class ExpiryJob(BackgroundWorker):
    thread_name = "expiry-job"

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        *,
        poll_interval: float = 900.0,
        today: Callable[[], dt.date] = dt.date.today,
    ):
        super().__init__(poll_interval)
        self.uow_factory = uow_factory
        self.today = today
        self.last_run: dt.date | None = None  # the date of the last pass that succeeded
        self.last_result: ExpiryResult | None = None

    def run_if_due(self) -> ExpiryResult | None:
        """One look: the pass when the date changed since the last successful one, else nothing."""
        day = self.today()
        if self.last_run == day:
            return None
        result = quarantine_expired(self.uow_factory, None, as_of=day)
        self.last_run, self.last_result = day, result
        if result.lots:
            log.info("expiry pass %s: %d lot(s) quarantined", day.isoformat(), len(result.lots))
        return result

    def run_pass(self) -> object:
        return self.run_if_due()

    def pass_failed(self, error: Exception) -> None:  # the next look tries again
        if database_unreachable(error):
            log.warning("expiry pass postponed: the database cannot be reached (%s)", type(error).__name__)
        else:  # a database error's text carries SQL and parameters: its kind only
            log.error("expiry pass failed (%s); tried again at the next look", type(error).__name__)
