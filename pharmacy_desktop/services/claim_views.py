"""How a fill's insurance claims stand, as the fill, verify and pickup screens show them."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from pharmacy_desktop.db.models.billing import InsuranceClaim
from pharmacy_desktop.db.models.prescriptions import Prescription, PrescriptionRefill
from pharmacy_desktop.db.unit_of_work import UnitOfWork
from pharmacy_desktop.domain.claims import describe_rejects
from pharmacy_desktop.domain.money import ZERO, format_money

PROBLEM_STATES = frozenset({"rejected", "failed", "not_billable"})


@dataclass(frozen=True)
class ClaimView:
    claim_id: uuid.UUID
    claim_number: str
    refill_id: uuid.UUID | None
    payer_sequence: int  # 1 primary, 2 secondary
    plan: str  # the insurance provider's name
    status: str  # submitted, approved, rejected, failed, reversed
    submitted_amount: Decimal
    usual_and_customary: Decimal | None
    plan_paid: Decimal | None
    patient_pay: Decimal | None
    reject_codes: tuple[str, ...]
    reject_lines: tuple[str, ...]  # "79 Refill Too Soon: ... What to do: ..."
    message: str
    external_claim_id: str | None
    submitted_at: dt.datetime | None
    reversed_at: dt.datetime | None

    @property
    def payer(self) -> str:
        return "primary" if self.payer_sequence == 1 else "secondary"

    @property
    def is_problem(self) -> bool:
        return self.status in PROBLEM_STATES


@dataclass(frozen=True)
class ClaimOutcome:
    """The fill's billing: ``status`` is cash, approved, rejected, failed, in_progress, reversed or
    not_billable; ``patient_pay`` is what the counter collects when a plan paid (else None: the
    cash price ``usual_and_customary`` applies)."""

    refill_id: uuid.UUID
    prescription_id: uuid.UUID
    rx_number: str
    status: str
    message: str
    claims: tuple[ClaimView, ...]
    usual_and_customary: Decimal | None
    insurance_paid: Decimal
    patient_pay: Decimal | None
    reject_lines: tuple[str, ...] = ()

    @property
    def is_problem(self) -> bool:
        return self.status in PROBLEM_STATES


@dataclass(frozen=True)
class ReversalOutcome:
    refill_id: uuid.UUID
    reversed: tuple[str, ...]  # claim numbers reversed
    problems: tuple[str, ...]  # one sentence per claim still paid

    @property
    def ok(self) -> bool:
        return not self.problems


def claim_view(uow: UnitOfWork, claim: InsuranceClaim) -> ClaimView:
    plan = uow.claims.insurance(claim.patient_insurance_id)
    codes = tuple(claim.reject_codes or ())
    return ClaimView(
        claim_id=claim.id,
        claim_number=claim.claim_number,
        refill_id=claim.prescription_refill_id,
        payer_sequence=claim.payer_sequence,
        plan=plan.insurance_provider if plan is not None else "the plan",
        status=claim.status,
        submitted_amount=claim.submitted_amount,
        usual_and_customary=claim.usual_and_customary,
        plan_paid=claim.approved_amount,
        patient_pay=claim.patient_responsibility,
        reject_codes=codes,
        reject_lines=describe_rejects(codes),
        message=claim.rejection_reason or claim.notes or "",
        external_claim_id=claim.external_claim_id,
        submitted_at=claim.created_at,
        reversed_at=claim.reversed_at,
    )


def _money(value: Decimal | None) -> str:
    return format_money(value if value is not None else ZERO)


def _state(primary: ClaimView, secondary: ClaimView | None, cash: str) -> tuple[str, str]:
    if primary.status == "submitted":
        return "in_progress", f"Claim {primary.claim_number} to {primary.plan} is waiting for the plan's answer."
    if primary.status == "failed":
        return "failed", f"No answer from {primary.plan}'s claims processor: resubmit the claim (the fill is saved)."
    if primary.status == "rejected":
        said = primary.message or f"Rejected by {primary.plan} ({', '.join(primary.reject_codes)})."
        return "rejected", f"{said} Until it is resolved the patient pays {cash}."
    if primary.status == "reversed":
        return "reversed", f"Claim {primary.claim_number} to {primary.plan} was reversed."
    paid = f"Paid by {primary.plan}: plan pays {_money(primary.plan_paid)}, patient pays {_money(primary.patient_pay)}."
    if secondary is None:
        return "approved", paid
    if secondary.status == "approved":
        return "approved", (
            f"{paid} Then {secondary.plan} pays {_money(secondary.plan_paid)}: "
            f"the patient pays {_money(secondary.patient_pay)}."
        )
    if secondary.status == "submitted":
        return "in_progress", f"{paid} The secondary claim to {secondary.plan} is waiting for its answer."
    if secondary.status == "failed":
        return "failed", f"{paid} No answer from {secondary.plan} (secondary): resubmit the claim."
    if secondary.status == "rejected":
        return "rejected", f"{paid} Secondary {secondary.plan} rejected it ({', '.join(secondary.reject_codes)})."
    return "approved", paid


def outcome_of(
    uow: UnitOfWork,
    refill: PrescriptionRefill,
    rx: Prescription,
    claims: list[InsuranceClaim],
    *,
    cash_price: Decimal | None = None,
    not_billable: str | None = None,
) -> ClaimOutcome:
    """The fill's outcome from its claims (the latest claim per payer counts)."""
    views = tuple(claim_view(uow, c) for c in claims)
    latest: dict[int, ClaimView] = {}
    for view in views:
        latest[view.payer_sequence] = view
    primary, secondary = latest.get(1), latest.get(2)
    u_and_c = primary.usual_and_customary if primary is not None else cash_price
    cash = _money(u_and_c) if u_and_c is not None else "the cash price"
    if not_billable is not None:
        status, message = "not_billable", not_billable
    elif primary is None:
        status = "cash"
        message = f"No insurance in force on the fill date: the patient pays the cash price {cash}."
        if u_and_c is None:
            message = "No insurance in force on the fill date, and no price: set the item's cost or a price rule."
    else:
        status, message = _state(primary, secondary, cash)
    paying = [v for v in (primary, secondary) if v is not None and v.status == "approved"]
    insurance_paid = sum((v.plan_paid or ZERO for v in paying), ZERO)
    patient_pay = paying[-1].patient_pay if primary is not None and primary.status == "approved" else None
    rejects = tuple(line for v in (primary, secondary) if v is not None and v.is_problem for line in v.reject_lines)
    return ClaimOutcome(
        refill_id=refill.id,
        prescription_id=rx.id,
        rx_number=rx.prescription_number,
        status=status,
        message=message,
        claims=views,
        usual_and_customary=u_and_c,
        insurance_paid=insurance_paid,
        patient_pay=patient_pay,
        reject_lines=rejects,
    )
