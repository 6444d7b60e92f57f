"""Clinical review (pharmacist): the queue, the prescription with its DUR alerts, the decisions.

- Queue: ``received`` prescriptions not sent back to intake, STAT first, then the oldest.
- Every current ``warning`` must be acknowledged; every ``failed`` alert must be overridden by
  someone holding ``prescription.override_dur``, with the three NCPDP DUR codes (reason for service,
  professional service, result of service) and a note (``domain.ncpdp_dur.override_problem``).
  ``approve`` moves the prescription to ``validated`` only when nothing is left open.
- DUR cannot go stale: ``open_review`` runs the checks again when the patient's clinical profile
  changed since they ran (or they never ran); ``approve`` refuses stale results (it runs them again,
  commits the new alerts and raises ``ProfileChangedSinceDur``) and holds the profile row (FOR SHARE)
  so no allergy can be added between its check and its commit.
- ``reject`` (with a reason) ends it; ``send_back_to_intake`` (with a note) keeps it ``received``
  but out of this queue until intake corrects it.
Every decision is a domain event carrying the acting user; a refused permission is one too.
The view (``Alert``, ``ItemView``, ``ReviewDetail`` and how they are built) is in ``services/review_view.py``.
"""

from __future__ import annotations

import datetime as dt
import uuid

from pharmacy_desktop.db.models.prescriptions import Prescription, PrescriptionValidation
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain import ncpdp_dur
from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.domain.workflow import InvalidTransition, Permission, RxStatus, get_transition
from pharmacy_desktop.errors import ConcurrentUpdate, NotFound, ValidationFailed
from pharmacy_desktop.services import dur_review
from pharmacy_desktop.services.auth import Actor, require
from pharmacy_desktop.services.review_view import CHECK_LABELS as CHECK_LABELS  # re-exported: review.CHECK_LABELS
from pharmacy_desktop.services.review_view import Alert as Alert  # re-exported: review.Alert
from pharmacy_desktop.services.review_view import ItemView as ItemView  # re-exported: review.ItemView
from pharmacy_desktop.services.review_view import ReviewDetail as ReviewDetail  # re-exported: review.ReviewDetail
from pharmacy_desktop.services.review_view import build_alerts, build_detail
from pharmacy_desktop.services.text_checks import require_clean_text
from pharmacy_desktop.services.work_queues import QueueRow as QueueRow  # re-exported: review.QueueRow
from pharmacy_desktop.services.work_queues import review_queue as review_queue  # re-exported

REVIEW = Permission.REVIEW
OVERRIDE = Permission.OVERRIDE_DUR
MIN_REASON = 5

STALE_MESSAGE = (
    "The patient's profile changed since these checks ran (allergy, condition, weight, pregnancy or "
    "medication). The checks were run again: review the new alerts before approving."
)
NOT_RUN_MESSAGE = "The DUR checks had not run for this prescription. They ran now: review the alerts before approving."


class ProfileChangedSinceDur(ValidationFailed):
    """Approval refused: the DUR results were older than the patient's clinical profile. The checks
    were run again (committed) before this was raised; the caller reloads the prescription."""


# ---------------------------------------------------------------------------------------------
# Reading


def open_review(
    uow_factory: UnitOfWorkFactory, actor: Actor, prescription_id: uuid.UUID, *, today: dt.date | None = None
) -> ReviewDetail:
    """The prescription beside the patient's profile, active medications and every DUR result.

    DUR runs here when the prescription waits for review and its results are stale: none current
    (e.g. entered before this system) or older than the last change to the patient's clinical
    profile. Opening it shows the patient's record, so an access log row is written.
    """
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, REVIEW, doing="review prescriptions", subject=("prescription", prescription_id))
        rx = uow.prescriptions.get_with_items(prescription_id)
        if rx is None:
            raise NotFound("The prescription was not found; it may have been removed on another workstation.")
        if rx.status == RxStatus.RECEIVED.value and dur_review.is_stale(uow, rx.id, rx.patient_id):
            dur_review.run_dur(uow, rx.id, today=today)
        detail = build_detail(uow, rx, today)
        uow.log_access("view", "patient", rx.patient_id)
        uow.commit()
        return detail


def rerun_dur(
    uow_factory: UnitOfWorkFactory, actor: Actor, prescription_id: uuid.UUID, *, today: dt.date | None = None
) -> ReviewDetail:
    """Run DUR again (Ctrl+D); earlier rows stay on record, a warning repeated word for word keeps
    its acknowledgement (``dur_review.run_dur``), hard stops are decided again."""
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, REVIEW, doing="run DUR checks", subject=("prescription", prescription_id))
        rx = _open_rx(uow, prescription_id, None)
        dur_review.run_dur(uow, rx.id, today=today)  # writes validations only; rx is unchanged
        detail = build_detail(uow, rx, today)
        uow.commit()
        return detail


# ---------------------------------------------------------------------------------------------
# Alerts


def _alert_subject(uow: UnitOfWork, validation_id: uuid.UUID) -> tuple[str, uuid.UUID] | None:
    """The prescription an alert belongs to, for the permission check's record of what was refused."""
    rx_id = uow.dur.prescription_of(validation_id)
    return ("prescription", rx_id) if rx_id is not None else None


def _validation(uow: UnitOfWork, validation_id: uuid.UUID) -> tuple[PrescriptionValidation, Prescription]:
    row = uow.dur.validation_for_update(validation_id)
    if row is None:
        raise NotFound("That alert was not found; reload the prescription.")
    if not row.is_current:
        raise ValidationFailed("That alert was replaced by a newer DUR run; reload the prescription.")
    rx = uow.prescriptions.get(row.prescription_id) if row.prescription_id is not None else None
    if rx is None or rx.status != RxStatus.RECEIVED.value:
        raise ValidationFailed("This prescription is no longer waiting for review; reload the queue.")
    return row, rx


def acknowledge_alert(uow_factory: UnitOfWorkFactory, actor: Actor, validation_id: uuid.UUID) -> None:
    """Acknowledge a warning. A failed (blocking) alert needs ``override_alert`` with a reason."""
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, REVIEW, doing="acknowledge DUR alerts", subject=_alert_subject(uow, validation_id))
        row, rx = _validation(uow, validation_id)
        if row.validation_status == "failed":
            raise ValidationFailed(
                "This alert is a hard stop: it cannot just be acknowledged. Override it with a reason "
                "(Alt+O), or reject the prescription.",
                {"reason": "A reason is required to override."},
            )
        if row.validation_status == "passed" or row.acknowledged_at is not None:
            return
        row.acknowledged_by, row.acknowledged_at = actor.user_id, utcnow()
        uow.record(
            "DurAlertAcknowledged",
            "prescription",
            rx.id,
            {
                "rx_number": rx.prescription_number,
                "validation_id": row.id,
                "check": row.validation_type,
                "severity": row.severity,
                "message": row.message,
            },
        )
        uow.notify("prescriptions", rx.id, status=rx.status)
        uow.commit()


def override_alert(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    validation_id: uuid.UUID,
    reason: str,
    *,
    reason_code: str | None = None,
    professional_code: str | None = None,
    result_code: str | None = None,
) -> None:
    """Override an alert with a note and the NCPDP DUR codes; needs ``prescription.override_dur``.

    ``reason_code`` (reason for service, 439-E4) defaults to the one for the alert's check. A hard
    stop needs all three codes and a note that says something (``ncpdp_dur.override_problem``); a
    warning needs a note of a few words and takes the codes when given."""
    reason = " ".join((reason or "").split())
    codes = [(c or "").strip().upper() or None for c in (reason_code, professional_code, result_code)]
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, OVERRIDE, doing="override DUR alerts", subject=_alert_subject(uow, validation_id))
        if len(reason) < MIN_REASON:
            raise ValidationFailed(
                "An override needs a reason (e.g. 'Prescriber contacted, benefit outweighs risk').",
                {"reason": "Type the reason for the override."},
            )
        require_clean_text("reason", PrescriptionValidation.override_reason, reason, "The reason")
        row, rx = _validation(uow, validation_id)
        if row.validation_status == "passed":
            return
        reason_for = codes[0] or ncpdp_dur.reason_for(row.validation_type)
        problem = ncpdp_dur.override_problem(row.validation_status, reason_for, codes[1], codes[2], reason)
        if problem:
            raise ValidationFailed(problem, {"reason": problem})
        row.acknowledged_by, row.acknowledged_at, row.override_reason = actor.user_id, utcnow(), reason
        row.ncpdp_reason_code, row.ncpdp_professional_code, row.ncpdp_result_code = reason_for, codes[1], codes[2]
        uow.record(
            "DurAlertOverridden",
            "prescription",
            rx.id,
            {
                "rx_number": rx.prescription_number,
                "validation_id": row.id,
                "check": row.validation_type,
                "severity": row.severity,
                "message": row.message,
                "reason": reason,
                "ncpdp": {"reason": reason_for, "professional": codes[1], "result": codes[2]},
                "license_number": actor.license_number,
            },
        )
        uow.notify("prescriptions", rx.id, status=rx.status)
        uow.commit()


# ---------------------------------------------------------------------------------------------
# Decisions


def _open_rx(uow: UnitOfWork, prescription_id: uuid.UUID, expected_version: int | None) -> Prescription:
    rx = uow.prescriptions.get_with_items(prescription_id, for_update=True)
    if rx is None:
        raise NotFound("The prescription was not found; it may have been removed on another workstation.")
    if expected_version is not None and rx.version != expected_version:
        raise ConcurrentUpdate(
            f"Rx {rx.prescription_number} was changed on another workstation while you were "
            "reviewing it. Nothing was saved: look at it again, then decide."
        )
    return rx


def _move(rx: Prescription, target: RxStatus) -> None:
    try:
        get_transition(rx.status, target)
    except InvalidTransition as exc:
        raise ValidationFailed(f"Rx {rx.prescription_number}: {exc}") from exc
    rx.status = target.value


def approve(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    prescription_id: uuid.UUID,
    *,
    expected_version: int | None = None,
    seen_alerts: frozenset[uuid.UUID] | None = None,
) -> ReviewDetail:
    """``received`` -> ``validated`` once every alert is acknowledged or overridden and the alerts
    are as new as the patient's clinical profile (else ``ProfileChangedSinceDur``, after a re-run).

    ``seen_alerts``: the DUR rows the pharmacist looked at (``ReviewDetail.alert_ids``); when the
    checks ran again since (another workstation changed the profile), approval is refused the same
    way: the pharmacist looks at the new results first."""
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, REVIEW, doing="validate prescriptions", subject=("prescription", prescription_id))
        patient_id = uow.dur.patient_of(prescription_id)
        if patient_id is not None:
            # the profile row first (as a profile change takes it, then the prescription's key): no
            # allergy can be added between the staleness check and this decision's commit
            uow.dur.profile_version(patient_id, lock="share")
        rx = _open_rx(uow, prescription_id, expected_version)
        if rx.returned_note:
            raise ValidationFailed(f"Rx {rx.prescription_number} was sent back to intake and waits for corrections.")
        if rx.status == RxStatus.RECEIVED.value and dur_review.is_stale(uow, rx.id, rx.patient_id):
            never_ran = not dur_review.has_current(uow, rx.id)
            dur_review.run_dur(uow, rx.id)
            uow.record(
                "ApprovalRefusedStaleDur",
                "prescription",
                rx.id,
                {"rx_number": rx.prescription_number, "never_ran": never_ran},
            )
            uow.notify("prescriptions", rx.id, status=rx.status)
            uow.commit()
            raise ProfileChangedSinceDur(NOT_RUN_MESSAGE if never_ran else STALE_MESSAGE)
        current = dur_review.current_validations(uow, rx.id)
        if seen_alerts is not None and frozenset(r.id for r in current) != seen_alerts:
            uow.record("ApprovalRefusedStaleDur", "prescription", rx.id, {"rx_number": rx.prescription_number})
            uow.commit()
            raise ProfileChangedSinceDur(STALE_MESSAGE)
        alerts = build_alerts(uow, current)
        open_ = [a for a in alerts if a.is_alert and not a.resolved]
        if open_:
            stops = sum(1 for a in open_ if a.needs_override)
            warns = len(open_) - stops
            parts = ([f"{stops} hard stop(s) need an override with a reason (Alt+O)"] if stops else []) + (
                [f"{warns} warning(s) need acknowledging (Alt+A)"] if warns else []
            )
            raise ValidationFailed(
                f"Cannot approve Rx {rx.prescription_number} yet: {' and '.join(parts)}.",
                {"alerts": "; ".join(a.message for a in open_)},
            )
        _move(rx, RxStatus.VALIDATED)
        rx.validated_at, rx.validated_by = utcnow(), actor.user_id
        uow.record(
            "PrescriptionValidated",
            "prescription",
            rx.id,
            {
                "rx_number": rx.prescription_number,
                "pharmacist": actor.display_name,
                "license_number": actor.license_number,
                "overrides": [
                    {"check": a.check, "reason": a.override_reason, "ncpdp": a.ncpdp_codes}
                    for a in alerts
                    if a.override_reason
                ],
                "acknowledged": sum(1 for a in alerts if a.is_alert),
            },
        )
        uow.notify("prescriptions", rx.id, status=rx.status)
        uow.flush()
        detail = build_detail(uow, rx, None)
        uow.commit()
        return detail


def reject(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    prescription_id: uuid.UUID,
    reason: str,
    *,
    expected_version: int | None = None,
) -> None:
    reason = " ".join((reason or "").split())
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, REVIEW, doing="reject prescriptions", subject=("prescription", prescription_id))
        if len(reason) < MIN_REASON:
            raise ValidationFailed(
                "Rejecting needs a reason (it is kept with the prescription).",
                {"reason": "Type the reason for rejecting."},
            )
        require_clean_text("reason", Prescription.rejection_reason, reason, "The reason")
        patient_id = uow.dur.patient_of(prescription_id)
        if patient_id is not None:  # rejecting bumps the profile (a trigger): its row first, as approve does
            uow.dur.profile_version(patient_id, lock="update")
        rx = _open_rx(uow, prescription_id, expected_version)
        previous = rx.status
        _move(rx, RxStatus.REJECTED)
        rx.rejection_reason = reason
        dur_review.rerun_waiting(uow, rx.patient_id, excluding=rx.id)  # one active medication fewer
        uow.record(
            "PrescriptionRejected",
            "prescription",
            rx.id,
            {
                "rx_number": rx.prescription_number,
                "from": previous,
                "reason": reason,
            },
        )
        uow.notify("prescriptions", rx.id, status=rx.status)
        uow.commit()


def send_back_to_intake(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    prescription_id: uuid.UUID,
    note: str,
    *,
    expected_version: int | None = None,
) -> None:
    """Back to the technician with a note (what to correct); it leaves the review queue until corrected."""
    note = " ".join((note or "").split())
    with uow_factory(actor.user_id) as uow:
        require(
            uow, actor, REVIEW, doing="send prescriptions back to intake", subject=("prescription", prescription_id)
        )
        if len(note) < MIN_REASON:
            raise ValidationFailed("Say what intake should correct.", {"note": "Type a note for intake."})
        require_clean_text("note", Prescription.returned_note, note, "The note")
        rx = _open_rx(uow, prescription_id, expected_version)
        previous = rx.status
        if rx.status == RxStatus.VALIDATED.value:
            _move(rx, RxStatus.RECEIVED)
        elif rx.status != RxStatus.RECEIVED.value:
            raise ValidationFailed(f"Rx {rx.prescription_number} is {rx.status}: it can no longer go back to intake.")
        rx.returned_note = note
        rx.updated_at = utcnow()  # moves the version even when the status stays
        uow.record(
            "PrescriptionReturnedToIntake",
            "prescription",
            rx.id,
            {
                "rx_number": rx.prescription_number,
                "from": previous,
                "note": note,
            },
        )
        uow.notify("prescriptions", rx.id, status=rx.status)
        uow.commit()
