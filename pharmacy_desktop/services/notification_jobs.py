"""The daily notification jobs: refill due, and the pickup reminder; and what they would send on a date.

- refill due: the last fill of a maintenance prescription runs out within ``refill_due_days``
  (`domain/refill_due.py`); told once per fill (event key ``refill:{fill id}``).
- pickup reminder: prescriptions still in will-call ``pickup_reminder_days`` after they became
  ready; one message per patient for the bag (event key ``pickup:{patient}:{oldest ready date}``,
  the count of everything waiting that long in it).

Each job writes its messages through `notification_outbox.enqueue` in one transaction per
patient: running a job twice on the same day (the app and a cron job, two workstations) queues
nothing twice, because the event keys are unique per patient. `plan` computes the same list and
writes nothing (``pharmacy-desktop notifications plan --date``).

`DailyJobs.run_due(now)` runs both once per local date; the notification sender's thread calls it
before its passes.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections import defaultdict
from dataclasses import dataclass

from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain import notification_recipients, refill_due
from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.domain.drug_names import title_case
from pharmacy_desktop.services.notification_outbox import MessageDetails, enqueue

__all__ = ["DailyJobs", "JobRun", "PlannedMessage", "plan", "run"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlannedMessage:
    event: str
    patient_id: uuid.UUID
    patient_number: str
    event_key: str
    channel: str | None  # None: the patient is not contacted (see outcome)
    outcome: str  # "would send", "already queued", or why not
    rx_count: int
    date: dt.date | None  # the refill's due date, or the date kept until in will-call


@dataclass(frozen=True)
class JobRun:
    day: dt.date
    queued: int
    already: int
    not_contacted: int


@dataclass(frozen=True)
class _Candidate:
    event: str
    patient_id: uuid.UUID
    event_key: str
    reference_type: str
    reference_id: uuid.UUID
    details: MessageDetails


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time()).astimezone().astimezone(dt.UTC)


def _candidates(uow: UnitOfWork, day: dt.date) -> list[_Candidate]:
    profile = uow.users.pharmacy_profile()
    window = profile.refill_due_days if profile is not None else 7
    reminder_days = profile.pickup_reminder_days if profile is not None else 5
    keep_days = profile.will_call_return_days if profile is not None else 10
    found: list[_Candidate] = []

    for patient_id, rx_id, refill_id, filled, supply, left, expires, drug in uow.notifications.last_fills_running_out(
        day, day + dt.timedelta(days=window)
    ):
        if refill_due.is_due(
            today=day, window_days=window, filled=filled, days_supply=supply, refills_remaining=left, expires=expires
        ):
            ends = refill_due.run_out(filled, supply)
            details = MessageDetails(due_date=ends, drug_names=(title_case(drug),))
            found.append(
                _Candidate("refill_due", patient_id, refill_due.event_key(refill_id), "prescription", rx_id, details)
            )

    waiting: dict[uuid.UUID, list[tuple[uuid.UUID, dt.datetime]]] = defaultdict(list)
    for patient_id, rx_id, ready_at in uow.notifications.waiting_in_will_call(
        _day_start(day - dt.timedelta(days=reminder_days - 1))
    ):
        waiting[patient_id].append((rx_id, ready_at))
    for patient_id, rows in waiting.items():
        oldest_rx, oldest_at = rows[0]
        ready_day = oldest_at.astimezone().date()
        details = MessageDetails(rx_count=len(rows), pickup_by=ready_day + dt.timedelta(days=keep_days))
        key = f"pickup:{patient_id}:{ready_day.isoformat()}"
        found.append(_Candidate("pickup_reminder", patient_id, key, "prescription", oldest_rx, details))
    return found


def _who(patient: Patient) -> notification_recipients.Recipient:
    return notification_recipients.choose(
        active=patient.is_active is not False,
        consent_at=patient.contact_consent_at,
        preference=patient.communication_preference,
        phone=patient.phone_primary,
        email=patient.email,
        sms_opt_out_at=patient.sms_opt_out_at,
        email_opt_out_at=patient.email_opt_out_at,
    )


def plan(uow_factory: UnitOfWorkFactory, day: dt.date) -> list[PlannedMessage]:
    """What the jobs would queue on ``day``; writes nothing."""
    with uow_factory() as uow:
        candidates = _candidates(uow, day)
        patients = uow.notifications.patients_by_id(sorted({c.patient_id for c in candidates}))
        planned: list[PlannedMessage] = []
        for c in candidates:
            patient = patients.get(c.patient_id)
            if patient is None:
                continue
            who = _who(patient)
            existing = uow.notifications.for_event(c.patient_id, c.event_key)
            if who.channel is None:
                outcome = who.reason
            elif existing and (existing[-1].reference_type, existing[-1].reference_id) == (
                c.reference_type,
                c.reference_id,
            ):
                outcome = "already queued"
            else:
                outcome = "would send"
            when = c.details.due_date or c.details.pickup_by
            planned.append(
                PlannedMessage(
                    c.event,
                    c.patient_id,
                    patient.patient_number,
                    c.event_key,
                    who.channel,
                    outcome,
                    c.details.rx_count,
                    when,
                )  # fmt: skip
            )
        uow.rollback()
        return planned


def run(uow_factory: UnitOfWorkFactory, day: dt.date, now: dt.datetime | None = None) -> JobRun:
    """Queue the day's refill-due and pickup-reminder messages (one transaction per message)."""
    with uow_factory() as uow:
        candidates = _candidates(uow, day)
    queued = already = not_contacted = 0
    for c in candidates:
        with uow_factory() as uow:
            patient = uow.notifications.patients_by_id([c.patient_id]).get(c.patient_id)
            if patient is None:
                continue
            out = enqueue(
                uow,
                patient,
                c.event,
                reference_type=c.reference_type,
                reference_id=c.reference_id,
                event_key=c.event_key,
                now=now or utcnow(),
                details=c.details,
            )
            uow.commit()
        if out.queued and out.reason == "queued":
            queued += 1
        elif out.queued or out.reason == "already sent":
            already += 1
        else:
            not_contacted += 1
    return JobRun(day, queued, already, not_contacted)


class DailyJobs:
    """Runs the jobs once per local date (a failed run is tried again at the next call)."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory
        self.last_run: dt.date | None = None
        self.last_result: JobRun | None = None
        self._lock = threading.Lock()

    def run_due(self, now: dt.datetime) -> JobRun | None:
        day = now.astimezone().date()
        with self._lock:
            if self.last_run == day:
                return None
            result = run(self.uow_factory, day, now)
            self.last_run, self.last_result = day, result
        log.info(
            "notification jobs for %s: %d queued, %d already queued, %d not contacted",
            day,
            result.queued,
            result.already,
            result.not_contacted,
        )
        return result
