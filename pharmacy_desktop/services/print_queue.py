"""The durable print queue: record a job with the work it belongs to; reprint, redirect, cancel.

Queueing never sends. `queue_*` add a `PrintJob` (document as JSON and the rendered ESC/POS
bytes) to the caller's unit of work, so the job commits or rolls back with the fill or the sale;
the workstation's `PrintDispatcher` sends it afterwards. A printer that is off therefore can never
undo pharmacy work: the job waits with its error until it prints, is redirected or is cancelled.

Which printer: a job with ``printer_uri`` NULL goes to the workstation's printer for its role as
configured when it is sent (so fixing the settings fixes waiting jobs); redirect, the command
line and the settings' test page name a printer explicitly.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from pharmacy_desktop import config as config_mod
from pharmacy_desktop.config import Config
from pharmacy_desktop.db.models.notifications import PrintJob
from pharmacy_desktop.db.models.prescriptions import Prescription, PrescriptionRefill
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.errors import NotFound, PermissionDenied, ValidationFailed
from pharmacy_desktop.printing.dispatcher import ROLE_TITLES
from pharmacy_desktop.printing.documents import ReceiptData
from pharmacy_desktop.printing.layouts import format_money, render_label, render_receipt, render_test_page
from pharmacy_desktop.printing.profiles import UnknownProfile, get_profile
from pharmacy_desktop.printing.transports import PrinterConfigError, parse_printer_uri
from pharmacy_desktop.services import auth, labels
from pharmacy_desktop.services.auth import Actor

__all__ = [
    "ROLES",
    "ROLE_TITLES",
    "PrintJobRow",
    "queue_vial_label",
    "queue_receipt",
    "queue_test_page",
    "render_document",
    "printer_for",
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

ROLES = ("label", "receipt", "report")
LABEL_REPRINT_PERMISSION = "prescription.fill"
RECEIPT_REPRINT_PERMISSION = "pos.sell"
_WAITING = ("queued", "failed")


# -- printers ---------------------------------------------------------------------------------


def printer_for(config: Config | None, role: str) -> tuple[str | None, str]:
    """(URI or None, profile name) configured on this workstation for `role`."""
    printer = config.printer(role) if config is not None else None
    if printer is None:
        return None, "default"
    return printer.uri, printer.profile or "default"


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
        message = f"Unknown printer model {name!r}: choose one from the list (\"default\" fits most 80 mm printers)."
        raise ValidationFailed(message, {"printer_profile": message}) from None
    return canonical, name


def render_document(job_type: str, document: dict[str, Any], profile_name: str, printer_name: str = "") -> bytes:
    """ESC/POS bytes of a stored document for a printer model (used again after a redirect)."""
    profile = get_profile(profile_name)
    if job_type == "label":
        return render_label(labels.label_from_json(document), profile)
    if job_type == "receipt":
        return render_receipt(labels.receipt_from_json(document), profile)
    if job_type == "test_page":
        return render_test_page(printer_name or document.get("printer_name") or "printer", profile)
    raise ValueError(f"print job type {job_type!r} has no ESC/POS layout")


def _load_config(config: Config | None) -> Config:
    return config if config is not None else config_mod.load()


def _workstation(uow: UnitOfWork, actor: Actor | None, workstation: str | None) -> str:
    name = workstation or (actor.workstation if actor else None) or uow.workstation
    if not name:
        raise ValueError("a print job needs the workstation whose printers print it")
    return name


def _add_job(
    uow: UnitOfWork,
    actor: Actor | None,
    *,
    job_type: str,
    role: str,
    document: dict[str, Any],
    description: str,
    printer_uri: str | None,
    printer_profile: str | None,
    config: Config | None,
    workstation: str | None,
    reference: tuple[str | None, uuid.UUID | None] = (None, None),
    rx_number: str | None = None,
    reprint_of: uuid.UUID | None = None,
) -> PrintJob:
    if role not in ROLES:
        raise ValueError(f"unknown printer role {role!r}")
    if printer_uri is None and printer_profile is None:
        printer_profile = printer_for(_load_config(config), role)[1]
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
        payload=render_document(job_type, document, profile, uri or ""),
        status="queued",
        attempts=0,
        next_attempt_at=dt.datetime.now(dt.timezone.utc),
        is_reprint=reprint_of is not None,
        reprint_of=reprint_of,
        requested_by=actor.user_id if actor else None,
        workstation=_workstation(uow, actor, workstation),
    )
    uow.session.add(job)
    uow.session.flush()
    uow.notify("print_jobs", job.id, workstation=job.workstation, status="queued")
    return job


# -- queueing inside the caller's unit of work --------------------------------------------------


def queue_vial_label(
    uow: UnitOfWork,
    actor: Actor | None,
    *,
    refill_id: uuid.UUID,
    reprint_of: uuid.UUID | None = None,
    reason: str | None = None,
    printer_uri: str | None = None,
    printer_profile: str | None = None,
    config: Config | None = None,
    workstation: str | None = None,
) -> uuid.UUID:
    """Queue the vial label of a fill in the caller's unit of work (no commit); returns the job id.

    The refill's ``label_job_id`` points at the new job. A second label for the same fill is a
    reprint: it needs ``reprint_of`` and a ``reason``, is marked REPRINT and is logged.
    ``config`` (printer profile of this workstation) defaults to the workstation file.
    """
    refill = uow.session.get(PrescriptionRefill, refill_id)
    if refill is None:
        raise NotFound("That fill was not found; it may have been returned on another workstation.")
    rx_number = uow.session.get(Prescription, refill.prescription_id).prescription_number
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
                f"Say why the label of Rx {rx_number} is printed again (e.g. \"label smudged\").",
                {"reason": "required for a reprint"},
            )
        if actor is not None and not actor.can(LABEL_REPRINT_PERMISSION):
            raise PermissionDenied(
                f"{actor.display_name} ({actor.role}) may not reprint vial labels: ask a technician or pharmacist."
            )
        original = uow.session.get(PrintJob, reprint_of)
        if original is None or original.job_type != "label" or original.reference_id != refill_id:
            raise ValidationFailed(f"The label being reprinted does not belong to Rx {rx_number}'s fill.")
    label = labels.build_vial_label(uow, refill_id, is_reprint=reprint_of is not None)
    job = _add_job(
        uow, actor,
        job_type="label", role="label", document=labels.label_to_json(label),
        description=f"{label.patient_name} · {label.drug_name} {label.strength}".strip(),
        printer_uri=printer_uri, printer_profile=printer_profile, config=config, workstation=workstation,
        reference=("prescription_refill", refill_id), rx_number=label.rx_number, reprint_of=reprint_of,
    )
    refill.label_job_id = job.id
    if reprint_of is not None:
        uow.record("LabelReprinted", "prescription", refill.prescription_id, {
            "rx_number": label.rx_number, "refill_id": refill_id, "fill_number": label.fill_number,
            "job_id": job.id, "reprint_of": reprint_of, "reason": reason,
            "workstation": job.workstation, "printer_uri": job.printer_uri,
        })
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
    config: Config | None = None,
    workstation: str | None = None,
) -> uuid.UUID:
    """Queue a point-of-sale receipt in the caller's unit of work (no commit); returns the job id."""
    if reprint_of is not None and not (reason or "").strip():
        raise ValidationFailed("Say why the receipt is printed again.", {"reason": "required for a reprint"})
    rx_numbers = [line.rx_number for line in receipt.lines if line.rx_number]
    job = _add_job(
        uow, actor,
        job_type="receipt", role="receipt", document=labels.receipt_to_json(receipt),
        description=f"Receipt {receipt.receipt_number} · {format_money(receipt.total)} {receipt.payment_method}",
        printer_uri=printer_uri, printer_profile=printer_profile, config=config, workstation=workstation,
        reference=(reference_type, reference_id), rx_number=rx_numbers[0] if len(rx_numbers) == 1 else None,
        reprint_of=reprint_of,
    )
    if reprint_of is not None:
        uow.record("ReceiptReprinted", reference_type, reference_id, {
            "receipt_number": receipt.receipt_number, "job_id": job.id, "reprint_of": reprint_of,
            "reason": reason, "workstation": job.workstation,
        })
    return job.id


def queue_test_page(
    uow: UnitOfWork,
    actor: Actor | None,
    *,
    role: str = "label",
    printer_uri: str | None = None,
    printer_profile: str | None = None,
    config: Config | None = None,
    workstation: str | None = None,
) -> uuid.UUID:
    """Queue a test page for `role`'s printer (or the one named); no commit."""
    if printer_uri is None:
        printer_uri, configured_profile = printer_for(_load_config(config), role)
        printer_profile = printer_profile or configured_profile
    if not printer_uri:
        raise ValidationFailed(
            f"No {ROLE_TITLES[role].lower()} is set up on this workstation: enter its address in Settings (Alt+S).",
            {"printer_uri": "required"},
        )
    uri, _ = check_printer(printer_uri, printer_profile)
    job = _add_job(
        uow, actor,
        job_type="test_page", role=role, document={"kind": "test_page", "printer_name": uri, "role": role},
        description=f"{ROLE_TITLES[role]} {uri}",
        printer_uri=uri, printer_profile=printer_profile or "default", config=config, workstation=workstation,
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
        if job.status in _WAITING:
            job.status, job.next_attempt_at = "cancelled", None
            uow.record("PrintJobCancelled", "print_job", job.id, {
                "rx_number": job.rx_number, "job_type": job.job_type, "reason": reason,
                "attempts": job.attempts, "last_error": job.last_error,
            })
            uow.notify("print_jobs", job.id, workstation=job.workstation, status="cancelled")
            cancelled.append(job.id)
    return cancelled


# -- the queue screen and the command line (own units of work) ---------------------------------


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
        return self.status in _WAITING

    @property
    def kind(self) -> str:
        name = {"label": "Vial label", "receipt": "Receipt", "test_page": "Test page", "report": "Report"}[self.job_type]
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
        return {"queued": "Waiting", "sending": "Sending", "printed": "Printed",
                "failed": "Failed: retrying", "cancelled": "Cancelled"}[self.status]


def _row(job: PrintJob) -> PrintJobRow:
    return PrintJobRow(
        id=job.id, job_type=job.job_type, printer_role=job.printer_role, printer_uri=job.printer_uri,
        printer_profile=job.printer_profile, description=job.description, rx_number=job.rx_number,
        reference_type=job.reference_type, reference_id=job.reference_id, status=job.status,
        attempts=job.attempts, last_error=job.last_error, next_attempt_at=job.next_attempt_at,
        is_reprint=job.is_reprint, reprint_of=job.reprint_of, workstation=job.workstation,
        created_at=job.created_at, printed_at=job.printed_at, version=job.version,
    )


def get_job(uow_factory: UnitOfWorkFactory, job_id: uuid.UUID) -> PrintJobRow:
    with uow_factory() as uow:
        return _row(uow.print_jobs.require(job_id))


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
            workstation=workstation, statuses=_WAITING + ("sending",) if waiting_only else None,
            rx_number=rx_number, limit=limit,
        )
        return [_row(job) for job in jobs]


def _require_waiting(job: PrintJob, doing: str) -> None:
    if job.status == "sending":
        raise ValidationFailed(f"This job is being sent to the printer right now, so it cannot be {doing}. "
                               "Wait a few seconds and look again.")
    if job.status not in _WAITING:
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
    config: Config | None = None,
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
            raise ValidationFailed("Say why it is printed again (e.g. \"label smudged\").", {"reason": "required"})
        target = dict(printer_uri=printer_uri, printer_profile=printer_profile, config=config,
                      workstation=workstation)
        if original.job_type == "label" and original.reference_type == "prescription_refill":
            new_id = queue_vial_label(uow, actor, refill_id=original.reference_id, reprint_of=original.id,
                                      reason=reason, **target)
        elif original.job_type == "receipt":
            receipt = labels.receipt_from_json(original.document)
            new_id = queue_receipt(uow, actor, receipt, reference_type=original.reference_type or "receipt",
                                   reference_id=original.reference_id or original.id, reprint_of=original.id,
                                   reason=reason, **target)
        else:
            if printer_uri is None and original.printer_uri is not None:
                target["printer_uri"], target["printer_profile"] = original.printer_uri, original.printer_profile
            job = _add_job(
                uow, actor, job_type=original.job_type, role=original.printer_role, document=original.document,
                description=original.description, reference=(original.reference_type, original.reference_id),
                rx_number=original.rx_number, reprint_of=original.id, **target,
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
            job.payload = render_document(job.job_type, job.document, profile, uri)
        job.printer_uri, job.printer_profile = uri, profile
        job.status, job.next_attempt_at, job.last_error = "queued", dt.datetime.now(dt.timezone.utc), None
        uow.record("PrintJobRedirected", "print_job", job.id, {
            "from": before, "to": uri, "profile": profile, "rx_number": job.rx_number,
        })
        uow.notify("print_jobs", job.id, workstation=job.workstation, status="queued")
        uow.commit()


def retry(uow_factory: UnitOfWorkFactory, actor: Actor | None, job_id: uuid.UUID) -> None:
    """Try a waiting job again now (after fixing the printer)."""
    with uow_factory(actor.user_id if actor else None) as uow:
        job = uow.print_jobs.require(job_id, for_update=True)
        _require_waiting(job, "retried")
        job.status, job.next_attempt_at = "queued", dt.datetime.now(dt.timezone.utc)
        uow.notify("print_jobs", job.id, workstation=job.workstation, status="queued")
        uow.commit()


def cancel(uow_factory: UnitOfWorkFactory, actor: Actor | None, job_id: uuid.UUID, reason: str = "") -> None:
    """Take a waiting job out of the queue; it stays on record as cancelled."""
    with uow_factory(actor.user_id if actor else None) as uow:
        job = uow.print_jobs.require(job_id, for_update=True)
        _require_waiting(job, "cancelled")
        job.status, job.next_attempt_at = "cancelled", None
        uow.record("PrintJobCancelled", "print_job", job.id, {
            "rx_number": job.rx_number, "job_type": job.job_type, "reason": reason.strip() or None,
            "attempts": job.attempts, "last_error": job.last_error,
        })
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
        job_id = queue_test_page(uow, actor, role=role, printer_uri=printer_uri, printer_profile=printer_profile,
                                 config=Config(), workstation=workstation)
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
    config: Config | None = None,
) -> uuid.UUID:
    """The label of the latest fill of an Rx: a reprint when it had a label (`print label RX`)."""
    with uow_factory(actor.user_id if actor else None) as uow:
        rx = uow.prescriptions.by_number(rx_number)
        if rx is None:
            raise NotFound(f"No prescription has the number {rx_number!r}. Check the number on the label or bag.")
        fills = [f for f in uow.prescriptions.refills_for(rx.id) if f.status != "returned"]
        if not fills:
            raise NotFound(f"Rx {rx.prescription_number} has not been filled yet, so it has no label to print.")
        fill = max(fills, key=lambda f: (f.refill_number, f.created_at or dt.datetime.min.replace(tzinfo=dt.timezone.utc)))
        job_id = queue_vial_label(
            uow, actor, refill_id=fill.id, reprint_of=fill.label_job_id,
            reason=reason if fill.label_job_id else None, printer_uri=printer_uri,
            printer_profile=printer_profile, config=config, workstation=workstation,
        )
        uow.commit()
        return job_id
