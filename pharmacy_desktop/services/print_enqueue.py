"""Queueing print jobs inside the caller's unit of work: the job commits or rolls back with the work.

Queueing never sends. `queue_*` add a `PrintJob` (document as JSON and the rendered ESC/POS
bytes) to the caller's unit of work, so the job commits or rolls back with the fill or the sale;
the workstation's `PrintSender` sends it afterwards. A printer that is off therefore can never
undo pharmacy work: the job waits with its error until it prints, is redirected or is cancelled.

Which printer: a job with ``printer_uri`` NULL goes to the workstation's printer for its role as
configured when it is sent (so fixing the settings fixes waiting jobs; the sender renders it again
when the model changed); redirect, the command line and the settings' test page name a printer
explicitly. The caller passes the workstation's `PrinterSettings`: nothing here reads a file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

from pharmacy_desktop.db.models.notifications import PrintJob
from pharmacy_desktop.db.unit_of_work import UnitOfWork
from pharmacy_desktop.domain.money import format_money
from pharmacy_desktop.errors import NotFound, PermissionDenied, ValidationFailed
from pharmacy_desktop.printing import codec
from pharmacy_desktop.printing.addresses import PrinterConfigError, parse_printer_uri
from pharmacy_desktop.printing.documents import ReceiptData
from pharmacy_desktop.printing.profiles import UnknownProfile, get_profile
from pharmacy_desktop.services import labels
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.printer_settings import ROLE_TITLES, ROLES, PrinterSettings

__all__ = [
    "LABEL_REPRINT_PERMISSION",
    "RECEIPT_REPRINT_PERMISSION",
    "WAITING",
    "check_printer",
    "add_job",
    "queue_vial_label",
    "queue_receipt",
    "queue_test_page",
    "cancel_waiting_jobs",
]

LABEL_REPRINT_PERMISSION = "prescription.fill"
RECEIPT_REPRINT_PERMISSION = "pos.sell"
WAITING = ("queued", "failed")


def check_printer(uri: str | None, profile: str | None) -> tuple[str | None, str]:
    """A canonical URI and a known profile name, or ValidationFailed saying what to type."""
    canonical = None
    if uri is not None and uri.strip():
        try:
            canonical = parse_printer_uri(uri).uri
        except PrinterConfigError as error:
            raise ValidationFailed(str(error), {"printer_uri": str(error)}) from None
    name = (profile or "default").strip() or "default"
    try:
        get_profile(name)
    except UnknownProfile:
        message = f'Unknown printer model {name!r}: choose one from the list ("default" fits most 80 mm printers).'
        raise ValidationFailed(message, {"printer_profile": message}) from None
    return canonical, name


def _workstation(uow: UnitOfWork, actor: Actor | None, workstation: str | None) -> str:
    name = workstation or (actor.workstation if actor else None) or uow.workstation
    if not name:
        raise ValueError("a print job needs the workstation whose printers print it")
    return name


def add_job(
    uow: UnitOfWork,
    actor: Actor | None,
    *,
    job_type: str,
    role: str,
    document: dict[str, Any],
    description: str,
    printer_uri: str | None,
    printer_profile: str | None,
    printers: PrinterSettings | None,
    workstation: str | None,
    reference: tuple[str | None, uuid.UUID | None] = (None, None),
    rx_number: str | None = None,
    reprint_of: uuid.UUID | None = None,
) -> PrintJob:
    if role not in ROLES:
        raise ValueError(f"unknown printer role {role!r}")
    if printer_uri is None and printer_profile is None:
        printer_profile = printers.printer_for(role)[1] if printers is not None else "default"
    uri, profile = check_printer(printer_uri, printer_profile)
    job = PrintJob(
        id=uuid.uuid4(),
        job_type=job_type,
        printer_role=role,
        printer_uri=uri,
        printer_profile=profile,
        reference_type=reference[0],
        reference_id=reference[1],
        rx_number=rx_number,
        description=description[:255],
        document=document,
        payload=codec.render_document(job_type, document, profile, uri or ""),
        status="queued",
        attempts=0,
        next_attempt_at=dt.datetime.now(dt.UTC),
        is_reprint=reprint_of is not None,
        reprint_of=reprint_of,
        requested_by=actor.user_id if actor else None,
        workstation=_workstation(uow, actor, workstation),
    )
    uow.print_jobs.add(job)
    uow.notify("print_jobs", job.id, workstation=job.workstation, status="queued")
    return job


def queue_vial_label(
    uow: UnitOfWork,
    actor: Actor | None,
    *,
    refill_id: uuid.UUID,
    reprint_of: uuid.UUID | None = None,
    reason: str | None = None,
    printer_uri: str | None = None,
    printer_profile: str | None = None,
    printers: PrinterSettings | None = None,
    workstation: str | None = None,
) -> uuid.UUID:
    """Queue the vial label of a fill in the caller's unit of work (no commit); returns the job id.

    The refill's ``label_job_id`` points at the new job. A second label for the same fill is a
    reprint: it needs ``reprint_of`` and a ``reason``, is marked REPRINT and is logged.
    ``printers`` (this workstation's printers) chooses the printer model it is rendered for first.
    """
    refill = uow.print_jobs.refill(refill_id)
    if refill is None or refill.prescription_id is None:
        raise NotFound("That fill was not found; it may have been returned on another workstation.")
    rx_number = uow.print_jobs.prescription_number(refill.prescription_id)
    if refill.status == "returned":
        raise ValidationFailed(f"Rx {rx_number}: this fill was returned, so it gets no label. Fill it again.")
    if reprint_of is None and refill.label_job_id is not None:
        raise ValidationFailed(
            f"Rx {rx_number} already has a label. To print it again, reprint it from the print queue (F10) "
            "and give the reason."
        )
    if reprint_of is not None:
        reason = (reason or "").strip()
        if not reason:
            raise ValidationFailed(
                f'Say why the label of Rx {rx_number} is printed again (e.g. "label smudged").',
                {"reason": "required for a reprint"},
            )
        if actor is not None and not actor.can(LABEL_REPRINT_PERMISSION):
            raise PermissionDenied(
                f"{actor.display_name} ({actor.role}) may not reprint vial labels: ask a technician or pharmacist."
            )
        original = uow.print_jobs.get(reprint_of)
        if original is None or original.job_type != "label" or original.reference_id != refill_id:
            raise ValidationFailed(f"The label being reprinted does not belong to Rx {rx_number}'s fill.")
    label = labels.build_vial_label(uow, refill_id, is_reprint=reprint_of is not None)
    job = add_job(
        uow,
        actor,
        job_type="label",
        role="label",
        document=codec.label_to_json(label),
        description=f"{label.patient_name} · {label.drug_name} {label.strength}".strip(),
        printer_uri=printer_uri,
        printer_profile=printer_profile,
        printers=printers,
        workstation=workstation,
        reference=("prescription_refill", refill_id),
        rx_number=label.rx_number,
        reprint_of=reprint_of,
    )
    refill.label_job_id = job.id
    if reprint_of is not None:
        uow.record(
            "LabelReprinted",
            "prescription",
            refill.prescription_id,
            {
                "rx_number": label.rx_number,
                "refill_id": refill_id,
                "fill_number": label.fill_number,
                "job_id": job.id,
                "reprint_of": reprint_of,
                "reason": reason,
                "workstation": job.workstation,
                "printer_uri": job.printer_uri,
            },
        )
    return job.id


def queue_receipt(
    uow: UnitOfWork,
    actor: Actor | None,
    receipt: ReceiptData,
    *,
    reference_type: str,
    reference_id: uuid.UUID,
    reprint_of: uuid.UUID | None = None,
    reason: str | None = None,
    printer_uri: str | None = None,
    printer_profile: str | None = None,
    printers: PrinterSettings | None = None,
    workstation: str | None = None,
) -> uuid.UUID:
    """Queue a point-of-sale receipt in the caller's unit of work (no commit); returns the job id.

    A reprint (``reprint_of`` set) is marked REPRINT with the time it was asked for, so a copy
    can never pass for the original, and it does not open the cash drawer.
    """
    if reprint_of is not None and not (reason or "").strip():
        raise ValidationFailed("Say why the receipt is printed again.", {"reason": "required for a reprint"})
    if reprint_of is not None and receipt.reprinted_at is None:
        receipt = dataclasses.replace(receipt, reprinted_at=dt.datetime.now().replace(microsecond=0))
    rx_numbers = [line.rx_number for line in receipt.lines if line.rx_number]
    job = add_job(
        uow,
        actor,
        job_type="receipt",
        role="receipt",
        document=codec.receipt_to_json(receipt),
        description=f"Receipt {receipt.receipt_number} · {format_money(receipt.total)} {receipt.payment_summary}",
        printer_uri=printer_uri,
        printer_profile=printer_profile,
        printers=printers,
        workstation=workstation,
        reference=(reference_type, reference_id),
        rx_number=rx_numbers[0] if len(rx_numbers) == 1 else None,
        reprint_of=reprint_of,
    )
    if reprint_of is not None:
        uow.record(
            "ReceiptReprinted",
            reference_type,
            reference_id,
            {
                "receipt_number": receipt.receipt_number,
                "job_id": job.id,
                "reprint_of": reprint_of,
                "reason": reason,
                "workstation": job.workstation,
            },
        )
    return job.id


def queue_test_page(
    uow: UnitOfWork,
    actor: Actor | None,
    *,
    role: str = "label",
    printer_uri: str | None = None,
    printer_profile: str | None = None,
    printers: PrinterSettings | None = None,
    workstation: str | None = None,
) -> uuid.UUID:
    """Queue a test page for `role`'s printer (or the one named); no commit."""
    if printer_uri is None:
        printer_uri, configured_profile = printers.printer_for(role) if printers is not None else (None, "default")
        printer_profile = printer_profile or configured_profile
    if not printer_uri:
        raise ValidationFailed(
            f"No {ROLE_TITLES[role].lower()} is set up on this workstation: enter its address in Settings (Alt+S).",
            {"printer_uri": "required"},
        )
    uri, _ = check_printer(printer_uri, printer_profile)
    job = add_job(
        uow,
        actor,
        job_type="test_page",
        role=role,
        document={"kind": "test_page", "printer_name": uri, "role": role},
        description=f"{ROLE_TITLES[role]} {uri}",
        printer_uri=uri,
        printer_profile=printer_profile or "default",
        printers=printers,
        workstation=workstation,
    )
    return job.id


def cancel_waiting_jobs(
    uow: UnitOfWork, actor: Actor | None, *, reference_type: str, reference_id: uuid.UUID, reason: str
) -> list[uuid.UUID]:
    """Cancel the jobs of a document that must no longer print (a fill returned to stock); no commit.

    Jobs already being sent cannot be stopped; they are left alone and not returned.
    """
    cancelled = []
    for job in uow.print_jobs.for_reference(reference_type, reference_id):
        if job.status in WAITING:
            job.status, job.next_attempt_at = "cancelled", None
            uow.record(
                "PrintJobCancelled",
                "print_job",
                job.id,
                {
                    "rx_number": job.rx_number,
                    "job_type": job.job_type,
                    "reason": reason,
                    "attempts": job.attempts,
                    "last_error": job.last_error,
                },
            )
            uow.notify("print_jobs", job.id, workstation=job.workstation, status="cancelled")
            cancelled.append(job.id)
    return cancelled
