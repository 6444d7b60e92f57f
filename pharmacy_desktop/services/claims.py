"""Insurance claims of a fill (issue 13 item 6): bill the plans, record their answers, reverse, resubmit.

The adjudicator (``adapters/adjudication.py``) is called OUTSIDE any transaction: a claims switch
answers in seconds, or not at all, and no row lock may wait for it. So each claim is three steps:

1. a transaction writes the claim row ``submitted`` with every field of the request, so what was
   sent is on record even if the app dies during the call;
2. the call;
3. a transaction records the answer: ``approved`` (the plan's share in ``approved_amount``, the
   patient's in ``patient_responsibility``), ``rejected`` (the NCPDP reject codes), or ``failed``
   when no answer came (resubmittable; the fill is never undone by a claim).

The primary plan first; when it paid and left the patient something to pay, the secondary is
billed for that remainder. A patient without a plan in force has no claim: the cash price (U&C)
applies. A resubmission is a new row, so the table keeps every submission and answer.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from pharmacy_desktop.adapters.adjudication import Adjudicator
from pharmacy_desktop.db.models.billing import InsuranceClaim
from pharmacy_desktop.db.models.prescriptions import Prescription, PrescriptionRefill
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain.claims import AdjudicationUnavailable, ClaimRequest, ClaimResponse, InvalidClaim
from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.domain.money import ZERO
from pharmacy_desktop.domain.pricing import PricingUnavailable
from pharmacy_desktop.domain.workflow import Permission
from pharmacy_desktop.errors import NotFound, ValidationFailed
from pharmacy_desktop.services import access, auth
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.claim_requests import build_request, price_fill, request_columns
from pharmacy_desktop.services.claim_views import ClaimOutcome, ClaimView, ReversalOutcome, claim_view, outcome_of

__all__ = [
    "ClaimOutcome",
    "ClaimView",
    "ReversalOutcome",
    "adjudicate_fill",
    "claim_outcome",
    "claims_for_prescription",
    "resubmit",
    "reverse_claims",
    "reverse_returned_claims",
]

log = logging.getLogger(__name__)

# a 'submitted' claim older than this has lost its answer (the app stopped during the call)
STALE_AFTER = dt.timedelta(minutes=2)
BILLING = (Permission.FILL, Permission.FINAL_VERIFY, Permission.DISPENSE, Permission.SELL)
REVERSING = (Permission.DISPENSE, Permission.FINAL_VERIFY, Permission.FILL)


def _require(uow: UnitOfWork, actor: Actor, permissions: tuple[str, ...], doing: str) -> None:
    """Any one of ``permissions`` will do (who fills, verifies or sells may bill the fill)."""
    auth.require(uow, actor, next((p for p in permissions if actor.can(p)), permissions[0]), doing=doing)


@dataclass(frozen=True)
class _Submission:
    claim_id: uuid.UUID
    request: ClaimRequest


def _stale(claim: InsuranceClaim) -> bool:
    return claim.created_at is None or utcnow() - claim.created_at > STALE_AFTER


def _lost(uow: UnitOfWork, claim: InsuranceClaim) -> None:
    claim.status = "failed"
    claim.notes = "No answer was recorded for this submission (the app stopped during the call)."
    uow.record("ClaimFailed", "insurance_claim", claim.id, {"claim_number": claim.claim_number, "lost": True})


def _open(
    uow_factory: UnitOfWorkFactory, actor: Actor, refill_id: uuid.UUID, sequence: int, resubmitting: bool
) -> _Submission | ClaimOutcome | None:
    """Transaction 1 for one payer: a claim row written 'submitted', an outcome that ends the billing,
    or None when this payer has nothing to bill."""
    with uow_factory(actor.user_id) as uow:
        _require(uow, actor, BILLING, "bill a fill to insurance")
        refill = uow.claims.lock_refill(refill_id)
        rx = uow.claims.prescription(refill.prescription_id) if refill is not None else None
        if refill is None or rx is None:
            raise NotFound("The fill was not found; it may have been returned on another workstation.")
        if refill.status == "returned":
            raise ValidationFailed(f"Rx {rx.prescription_number}'s fill was returned: there is nothing to bill.")
        step = _next_step(uow, refill, rx, sequence, resubmitting)
        uow.commit()  # the claim row, or a lost submission marked failed, or nothing
        return step


def _next_step(
    uow: UnitOfWork, refill: PrescriptionRefill, rx: Prescription, sequence: int, resubmitting: bool
) -> _Submission | ClaimOutcome | None:
    claims = uow.claims.for_refill(refill.id)
    mine = [c for c in claims if c.payer_sequence == sequence]
    latest = mine[-1] if mine else None
    if latest is not None and latest.status == "submitted":
        if not (resubmitting and _stale(latest)):
            return outcome_of(uow, refill, rx, claims)  # another submission is waiting for its answer
        _lost(uow, latest)
    elif latest is not None and latest.status == "approved" and sequence == 1:
        return None  # the primary paid: on to the secondary
    elif latest is not None and (latest.status in ("approved", "reversed") or not resubmitting):
        return _done(uow, refill, rx, claims)  # billed and answered: a repeat never bills twice
    plans = uow.claims.active_insurance(rx.patient_id, refill.filled_date)
    other = ZERO
    if sequence == 1:
        if not plans:
            return _done(uow, refill, rx, claims, price_note=True)
        plan = plans[0]
    else:
        primary = next((c for c in reversed(claims) if c.payer_sequence == 1), None)
        if primary is None or primary.status != "approved" or not primary.patient_responsibility:
            return _done(uow, refill, rx, claims)
        found = [p for p in plans if (p.insurance_type or "").lower() == "secondary"]
        found = [p for p in found if p.id != primary.patient_insurance_id]
        if not found:
            return _done(uow, refill, rx, claims)
        plan, other = found[0], primary.approved_amount or ZERO
    try:
        price = price_fill(uow, refill, insured=True)
        request = build_request(uow, refill, rx, plan, price, payer_sequence=sequence, other_payer_amount=other)
    except (PricingUnavailable, InvalidClaim) as exc:
        uow.record("ClaimNotBillable", "prescription", rx.id, {"refill_id": refill.id, "reason": str(exc)})
        what = "Correct the patient's insurance record" if isinstance(exc, InvalidClaim) else "Set the price"
        return outcome_of(uow, refill, rx, claims, not_billable=f"{exc} {what}, then resubmit the claim.")
    claim = uow.claims.add_claim(
        prescription_id=rx.id,
        prescription_refill_id=refill.id,
        patient_insurance_id=plan.id,
        submission_date=dt.date.today(),
        status="submitted",
        **request_columns(request),
    )
    uow.record(
        "ClaimSubmitted",
        "insurance_claim",
        claim.id,
        {
            "claim_number": claim.claim_number,
            "rx_number": rx.prescription_number,
            "refill_id": refill.id,
            "payer_sequence": sequence,
            "bin": request.bin_number,
            "submitted_amount": request.submitted_amount,
        },
    )
    uow.notify("claims", rx.id)
    return _Submission(claim.id, request)


def _done(
    uow: UnitOfWork,
    refill: PrescriptionRefill,
    rx: Prescription,
    claims: list[InsuranceClaim],
    *,
    price_note: bool = False,
) -> ClaimOutcome:
    """The outcome as it stands (a cash fill also gets its U&C price when it can be priced)."""
    cash = None
    if price_note and not claims:
        try:
            cash = price_fill(uow, refill, insured=False).usual_and_customary
        except PricingUnavailable:
            cash = None
    return outcome_of(uow, refill, rx, claims, cash_price=cash)


def _answer(
    uow_factory: UnitOfWorkFactory, actor: Actor, claim_id: uuid.UUID, response: ClaimResponse | None, failure: str
) -> None:
    """Transaction 3: the answer (or its absence) on the claim row. Recorded whoever is signed in
    now: the plan's answer is a fact, even if the account was locked during the call."""
    with access.unchecked(uow_factory, actor.user_id) as uow:
        claim = uow.claims.lock_claim(claim_id)
        data: dict[str, object] = {"claim_number": claim.claim_number, "payer_sequence": claim.payer_sequence}
        if claim.status != "submitted":  # marked lost meanwhile: keep the late answer in the event log
            uow.record("ClaimLateAnswer", "insurance_claim", claim.id, {**data, "answer": _summary(response, failure)})
            uow.commit()
            return
        claim.response_date = dt.date.today()
        if response is None:
            claim.status, claim.notes, event = "failed", failure, "ClaimFailed"
        elif response.approved:
            claim.status, event = "approved", "ClaimApproved"
            claim.approved_amount, claim.patient_responsibility = response.plan_paid, response.patient_pay
            claim.external_claim_id, claim.payment_date, claim.notes = (
                response.external_claim_id,
                None,
                response.message,
            )
            data.update(plan_paid=response.plan_paid, patient_pay=response.patient_pay)
        else:
            claim.status, event = "rejected", "ClaimRejected"
            claim.reject_codes = list(response.reject_codes)
            claim.rejection_code = response.reject_codes[0]
            claim.rejection_reason = response.message
            data["reject_codes"] = list(response.reject_codes)
        uow.record(event, "insurance_claim", claim.id, data)
        uow.notify("claims", claim.prescription_id)
        uow.commit()


def _summary(response: ClaimResponse | None, failure: str) -> str:
    if response is None:
        return failure
    return response.status + (f" {','.join(response.reject_codes)}" if response.reject_codes else "")


def _bill(
    uow_factory: UnitOfWorkFactory, actor: Actor, adjudicator: Adjudicator, refill_id: uuid.UUID, resubmitting: bool
) -> ClaimOutcome:
    for sequence in (1, 2):
        step = _open(uow_factory, actor, refill_id, sequence, resubmitting)
        if isinstance(step, ClaimOutcome):
            return step
        if step is None:
            continue
        response: ClaimResponse | None = None
        failure = ""
        try:
            response = adjudicator.submit(step.request)
        except AdjudicationUnavailable as exc:
            failure = str(exc) or "The claims processor did not answer."
        except Exception as exc:  # an adapter's own failure: the claim is still resubmittable
            # the type only: an adapter's message may quote the request (member ID, patient)
            log.error("claim submission failed in the adjudicator: %s", type(exc).__name__)
            failure = "The claims processor could not be reached."
        _answer(uow_factory, actor, step.claim_id, response, failure)
        if response is None or not response.approved:
            break  # no secondary after a primary that did not pay
    return claim_outcome(uow_factory, actor, refill_id)


def adjudicate_fill(
    uow_factory: UnitOfWorkFactory, actor: Actor, adjudicator: Adjudicator, refill_id: uuid.UUID
) -> ClaimOutcome:
    """Bill a saved fill: primary, then secondary for the remainder. Called again, it bills nothing
    new and returns how the claims stand (``resubmit`` bills a rejected or failed claim again)."""
    return _bill(uow_factory, actor, adjudicator, refill_id, resubmitting=False)


def resubmit(
    uow_factory: UnitOfWorkFactory, actor: Actor, adjudicator: Adjudicator, refill_id: uuid.UUID
) -> ClaimOutcome:
    """Bill again what was rejected, failed or lost, with the insurance and prices as they are now."""
    return _bill(uow_factory, actor, adjudicator, refill_id, resubmitting=True)


def claim_outcome(uow_factory: UnitOfWorkFactory, actor: Actor, refill_id: uuid.UUID) -> ClaimOutcome:
    """How the fill's claims stand (read only)."""
    with uow_factory(actor.user_id) as uow:
        _require(uow, actor, BILLING, "see a fill's insurance claims")
        refill = uow.claims.refill(refill_id)
        rx = uow.claims.prescription(refill.prescription_id) if refill is not None else None
        if refill is None or rx is None:
            raise NotFound("The fill was not found; it may have been returned on another workstation.")
        return _done(uow, refill, rx, uow.claims.for_refill(refill.id), price_note=True)


def claims_for_prescription(
    uow_factory: UnitOfWorkFactory, actor: Actor, prescription_id: uuid.UUID
) -> list[ClaimView]:
    """Every claim of the prescription, oldest first (the screens show the latest per fill and payer)."""
    with uow_factory(actor.user_id) as uow:
        _require(uow, actor, BILLING, "see a prescription's insurance claims")
        return [claim_view(uow, c) for c in uow.claims.for_prescription(prescription_id)]


def reverse_claims(
    uow_factory: UnitOfWorkFactory, actor: Actor, adjudicator: Adjudicator, refill_id: uuid.UUID, reason: str
) -> ReversalOutcome:
    """Reverse the fill's paid claims (secondary first), e.g. when it goes back to stock.

    The request is recorded (an event) before each call and the answer after it; a refused or
    unanswered reversal leaves the claim paid and says so: calling again is safe.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why the claim is reversed (e.g. returned to stock).", {"reason": "required"})
    with uow_factory(actor.user_id) as uow:
        _require(uow, actor, REVERSING, "reverse insurance claims")
        paid = [c for c in uow.claims.for_refill(refill_id) if c.status == "approved" and c.external_claim_id]
        todo = sorted(paid, key=lambda c: -c.payer_sequence)
        for claim in todo:
            uow.record("ClaimReversalRequested", "insurance_claim", claim.id, {"claim_number": claim.claim_number})
        uow.commit()
        targets = [(c.id, c.claim_number, c.external_claim_id or "") for c in todo]
    reversed_numbers: list[str] = []
    problems: list[str] = []
    for claim_id, number, external_id in targets:
        try:
            answer = adjudicator.reverse(external_id, reason)
        except AdjudicationUnavailable as exc:
            answer, failure = None, str(exc) or "The claims processor did not answer."
        except Exception as exc:
            log.error("claim reversal failed in the adjudicator: %s", type(exc).__name__)
            answer, failure = None, "The claims processor could not be reached."
        with access.unchecked(uow_factory, actor.user_id) as uow:
            claim = uow.claims.lock_claim(claim_id)
            if answer is not None and answer.accepted:
                if claim.status == "approved":
                    claim.status, claim.reversed_at, claim.reversal_reason = "reversed", utcnow(), reason
                uow.record("ClaimReversed", "insurance_claim", claim.id, {"claim_number": number})
                reversed_numbers.append(number)
            else:
                why = answer.message if answer is not None else failure
                uow.record("ClaimReversalRefused", "insurance_claim", claim.id, {"claim_number": number, "why": why})
                problems.append(f"Claim {number} was not reversed: {why} Try the reversal again.")
            uow.notify("claims", claim.prescription_id)
            uow.commit()
    return ReversalOutcome(refill_id, tuple(reversed_numbers), tuple(problems))


def reverse_returned_claims(
    uow_factory: UnitOfWorkFactory, actor: Actor, adjudicator: Adjudicator, prescription_id: uuid.UUID, reason: str
) -> list[ReversalOutcome]:
    """Reverse the paid claims of every returned fill of the prescription (after return to fill or stock)."""
    with uow_factory(actor.user_id) as uow:
        _require(uow, actor, REVERSING, "reverse insurance claims")
        returned = {r.id for r in uow.claims.refills_of(prescription_id) if r.status == "returned"}
        paid = {
            c.prescription_refill_id for c in uow.claims.for_prescription(prescription_id) if c.status == "approved"
        }
        refill_ids = sorted((r for r in returned if r in paid), key=str)
    return [reverse_claims(uow_factory, actor, adjudicator, refill_id, reason) for refill_id in refill_ids]
