"""The print queue screen's and the command line's use cases: list, reprint, redirect, retry, cancel.

Each runs in its own unit of work. Queueing a job inside the caller's unit of work (a fill, a sale)
is `print_enqueue`'s; its names are re-exported here for the callers that queue and manage jobs.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import TypedDict

from pharmacy_desktop.db.models.notifications import PrintJob
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.errors import NotFound, ValidationFailed
from pharmacy_desktop.printing import codec
from pharmacy_desktop.services import auth
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.print_enqueue import (
    LABEL_REPRINT_PERMISSION,
    RECEIPT_REPRINT_PERMISSION,
    WAITING,
    add_job,
    cancel_waiting_jobs,
    check_printer,
    queue_receipt,
    queue_test_page,
    queue_vial_label,
)
from pharmacy_desktop.services.printer_settings import ROLE_TITLES, ROLES, PrinterSettings

__all__ = [
    "ROLES",
    "ROLE_TITLES",
    "PrintJobRow",
    "queue_vial_label",
    "queue_receipt",
    "queue_test_page",
    "check_printer",
    "list_jobs",
    "reprint",
    "redirect",
    "cancel",
    "cancel_waiting_jobs",
    "retry",
    "print_test_page",
    "queue_label_for_rx",
]


class _Target(TypedDict):
    """Where a reprint goes (the keyword arguments the queue functions share)."""

    printer_uri: str | None
    printer_profile: str | None
    printers: PrinterSettings | None
    workstation: str | None


@dataclass(frozen=True)
class PrintJobRow:
    id: uuid.UUID
    job_type: str
    printer_role: str
    printer_uri: str | None
    printer_profile: str
    description: str
    rx_number: str | None
    reference_type: str | None
    reference_id: uuid.UUID | None
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: dt.datetime | None
    is_reprint: bool
    reprint_of: uuid.UUID | None
    workstation: str | None
    created_at: dt.datetime | None
    printed_at: dt.datetime | None
    version: int

    @property
    def waiting(self) -> bool:
        return self.status in WAITING

    @property
    def kind(self) -> str:
        name = {"label": "Vial label", "receipt": "Receipt", "test_page": "Test page", "report": "Report"}[
            self.job_type
        ]
        return f"{name} (reprint)" if self.is_reprint else name

    @property
    def confirmed(self) -> bool | None:
        """Printed and the printer said it was ready afterwards; False: sent, not confirmed."""
        if self.status != "printed":
            return None
        # a printed job keeps a note in last_error only when the printer could not confirm it
        return self.last_error is None

    @property
    def status_text(self) -> str:
        if self.status == "failed" and self.next_attempt_at is None:
            return "Failed: needs you"
        if self.confirmed is False:
            return "Sent, not confirmed"
        return {
            "queued": "Waiting",
            "sending": "Sending",
            "printed": "Printed",
            "failed": "Failed: retrying",
            "cancelled": "Cancelled",
        }[self.status]


def _row(job: PrintJob) -> PrintJobRow:
    return PrintJobRow(
        id=job.id,
        job_type=job.job_type,
        printer_role=job.printer_role,
        printer_uri=job.printer_uri,
        printer_profile=job.printer_profile,
        description=job.description,
        rx_number=job.rx_number,
        reference_type=job.reference_type,
        reference_id=job.reference_id,
        status=job.status,
        attempts=job.attempts,
        last_error=job.last_error,
        next_attempt_at=job.next_attempt_at,
        is_reprint=job.is_reprint,
        reprint_of=job.reprint_of,
        workstation=job.workstation,
        created_at=job.created_at,
        printed_at=job.printed_at,
        version=job.version,
    )


def list_jobs(
    uow_factory: UnitOfWorkFactory,
    actor: Actor | None,
    *,
    workstation: str | None = None,
    waiting_only: bool = False,
    rx_number: str | None = None,
    limit: int = 200,
) -> list[PrintJobRow]:
    """This workstation's jobs (all workstations with ``workstation=None``), waiting ones first."""
    with uow_factory(actor.user_id if actor else None) as uow:
        jobs = uow.print_jobs.listing(
            workstation=workstation,
            statuses=WAITING + ("sending",) if waiting_only else None,
            rx_number=rx_number,
            limit=limit,
        )
        return [_row(job) for job in jobs]


def _require_waiting(job: PrintJob, doing: str) -> None:
    if job.status == "sending":
        raise ValidationFailed(
            f"This job is being sent to the printer right now, so it cannot be {doing}. "
            "Wait a few seconds and look again."
        )
    if job.status not in WAITING:
        hint = " Reprint it (Ctrl+P) to print it again." if job.status == "printed" else ""
        raise ValidationFailed(f"This job is already {job.status}, so it cannot be {doing}.{hint}")


def reprint(
    uow_factory: UnitOfWorkFactory,
    actor: Actor | None,
    job_id: uuid.UUID,
    reason: str,
    *,
    printer_uri: str | None = None,
    printer_profile: str | None = None,
    printers: PrinterSettings | None = None,
    workstation: str | None = None,
) -> uuid.UUID:
    """A new job printing the same document again, marked as a reprint and logged; returns its id.

    A vial label is built again from the fill (the pharmacy's current details), with REPRINT on it.
    """
    reason = (reason or "").strip()
    with uow_factory(actor.user_id if actor else None) as uow:
        original = uow.print_jobs.require(job_id)
        permission = {"label": LABEL_REPRINT_PERMISSION, "receipt": RECEIPT_REPRINT_PERMISSION}.get(original.job_type)
        if actor is not None and permission:
            auth.require(uow, actor, permission, doing=f"reprint a {original.job_type}")
        if original.status in ("queued", "failed", "sending"):
            raise ValidationFailed(
                "This job has not printed yet: retry it (Ctrl+R) or redirect it (Ctrl+D) instead of printing "
                "a second copy."
            )
        if not reason:
            raise ValidationFailed('Say why it is printed again (e.g. "label smudged").', {"reason": "required"})
        target = _Target(
            printer_uri=printer_uri, printer_profile=printer_profile, printers=printers, workstation=workstation
        )
        if original.job_type == "label" and original.reference_type == "prescription_refill":
            if original.reference_id is None:
                raise NotFound("The fill of this label was not found; it may have been returned.")
            new_id = queue_vial_label(
                uow, actor, refill_id=original.reference_id, reprint_of=original.id, reason=reason, **target
            )
        elif original.job_type == "receipt":
            receipt = codec.receipt_from_json(original.document)
            new_id = queue_receipt(
                uow,
                actor,
                receipt,
                reference_type=original.reference_type or "receipt",
                reference_id=original.reference_id or original.id,
                reprint_of=original.id,
                reason=reason,
                **target,
            )
        else:
            if printer_uri is None and original.printer_uri is not None:
                target["printer_uri"], target["printer_profile"] = original.printer_uri, original.printer_profile
            job = add_job(
                uow,
                actor,
                job_type=original.job_type,
                role=original.printer_role,
                document=original.document,
                description=original.description,
                reference=(original.reference_type, original.reference_id),
                rx_number=original.rx_number,
                reprint_of=original.id,
                **target,
            )
            new_id = job.id
        uow.commit()
        return new_id


def redirect(
    uow_factory: UnitOfWorkFactory,
    actor: Actor | None,
    job_id: uuid.UUID,
    printer_uri: str,
    printer_profile: str | None = None,
) -> None:
    """Send a waiting job to another printer, now (rendered again for that printer's model)."""
    uri, profile = check_printer(printer_uri, printer_profile)
    if uri is None:
        raise ValidationFailed("Enter the printer address, e.g. tcp://10.0.0.6:9100.", {"printer_uri": "required"})
    with uow_factory(actor.user_id if actor else None) as uow:
        job = uow.print_jobs.require(job_id, for_update=True)
        _require_waiting(job, "redirected")
        before = job.printer_uri
        if profile != job.printer_profile or job.job_type == "test_page":
            job.payload = codec.render_document(job.job_type, job.document, profile, uri)
        job.printer_uri, job.printer_profile = uri, profile
        job.status, job.next_attempt_at, job.last_error = "queued", dt.datetime.now(dt.UTC), None
        uow.record(
            "PrintJobRedirected",
            "print_job",
            job.id,
            {
                "from": before,
                "to": uri,
                "profile": profile,
                "rx_number": job.rx_number,
            },
        )
        uow.notify("print_jobs", job.id, workstation=job.workstation, status="queued")
        uow.commit()


def retry(uow_factory: UnitOfWorkFactory, actor: Actor | None, job_id: uuid.UUID) -> None:
    """Try a waiting job again now (after fixing the printer)."""
    with uow_factory(actor.user_id if actor else None) as uow:
        job = uow.print_jobs.require(job_id, for_update=True)
        _require_waiting(job, "retried")
        job.status, job.next_attempt_at = "queued", dt.datetime.now(dt.UTC)
        uow.notify("print_jobs", job.id, workstation=job.workstation, status="queued")
        uow.commit()


def cancel(uow_factory: UnitOfWorkFactory, actor: Actor | None, job_id: uuid.UUID, reason: str = "") -> None:
    """Take a waiting job out of the queue; it stays on record as cancelled."""
    with uow_factory(actor.user_id if actor else None) as uow:
        job = uow.print_jobs.require(job_id, for_update=True)
        _require_waiting(job, "cancelled")
        job.status, job.next_attempt_at = "cancelled", None
        uow.record(
            "PrintJobCancelled",
            "print_job",
            job.id,
            {
                "rx_number": job.rx_number,
                "job_type": job.job_type,
                "reason": reason.strip() or None,
                "attempts": job.attempts,
                "last_error": job.last_error,
            },
        )
        uow.notify("print_jobs", job.id, workstation=job.workstation, status="cancelled")
        uow.commit()


def print_test_page(
    uow_factory: UnitOfWorkFactory,
    actor: Actor | None,
    *,
    role: str,
    printer_uri: str | None,
    printer_profile: str | None,
    workstation: str,
) -> uuid.UUID:
    """Queue and commit a test page (the settings' button and `print test-page`)."""
    with uow_factory(actor.user_id if actor else None) as uow:
        job_id = queue_test_page(
            uow, actor, role=role, printer_uri=printer_uri, printer_profile=printer_profile, workstation=workstation
        )
        uow.commit()
        return job_id


def queue_label_for_rx(
    uow_factory: UnitOfWorkFactory,
    actor: Actor | None,
    rx_number: str,
    *,
    reason: str,
    workstation: str,
    printer_uri: str | None = None,
    printer_profile: str | None = None,
    printers: PrinterSettings | None = None,
) -> uuid.UUID:
    """The label of the latest fill of an Rx: a reprint when it had a label (`print label RX`)."""
    with uow_factory(actor.user_id if actor else None) as uow:
        rx = uow.prescriptions.by_number(rx_number)
        if rx is None:
            raise NotFound(f"No prescription has the number {rx_number!r}. Check the number on the label or bag.")
        fills = [f for f in uow.prescriptions.refills_for(rx.id) if f.status != "returned"]
        if not fills:
            raise NotFound(f"Rx {rx.prescription_number} has not been filled yet, so it has no label to print.")
        fill = max(fills, key=lambda f: (f.refill_number, f.created_at or dt.datetime.min.replace(tzinfo=dt.UTC)))
        job_id = queue_vial_label(
            uow,
            actor,
            refill_id=fill.id,
            reprint_of=fill.label_job_id,
            reason=reason if fill.label_job_id else None,
            printer_uri=printer_uri,
            printer_profile=printer_profile,
            printers=printers,
            workstation=workstation,
        )
        uow.commit()
        return job_id
