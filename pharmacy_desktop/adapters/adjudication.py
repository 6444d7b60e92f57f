"""Claim adjudication: the interface a real switch plugs into, and a deterministic simulator.

``Adjudicator`` is what services call, always outside a database transaction (a switch answers
in seconds, or not at all). ``submit`` and ``reverse`` may raise ``AdjudicationUnavailable``
(no answer: the claim is recorded as failed and may be resubmitted).

``SimulatedAdjudicator`` answers like a processor would, from the tables below, so the demo and
the tests can reach every outcome. The same request always gets the same answer.

Plans, by BIN (the demo pharmacy's patients carry these):

=======  =====================================  ===========  =======  =======  ==========
BIN      simulated plan                         kind         generic  brand    as primary
=======  =====================================  ===========  =======  =======  ==========
610014   Blue Cross Blue Shield of Illinois     commercial   $10.00   $35.00   yes
610097   UnitedHealthcare                       commercial    $5.00   $40.00   yes
004336   Medicare Part D - SilverScript         medicare      $4.00   $47.00   yes
610494   Illinois Medicaid                      medicaid      $1.00    $3.00   yes
610279   AARP Medicare Supplement               supplement    $0.00    $0.00   no (41)
=======  =====================================  ===========  =======  =======  ==========

Every plan allows at most 90 days supply and 360 units per fill. The copay tier is the request's
``is_generic``.

Rejects, checked in this order (the first three alone; the product rules all that apply):

- 01 — the BIN is not in the table above;
- 65 — the member ID starts with ``TERM`` (coverage terminated);
- 41 — the supplement plan (610279) billed as primary (payer sequence 1);
- 70 — the product (first 9 digits of the NDC) is in ``NOT_COVERED``: finasteride 5 mg
  (52125-0606) and sildenafil 20 mg (65162-0351);
- 75 — the product is in ``PRIOR_AUTHORIZATION`` (and not already 70): Revatio (55154-2729),
  Onglyza (00003-4214);
- 76 — days supply over 90 or quantity over 360;
- 79 — refill too soon: less than 75 % of the last fill's days supply has passed
  (``next_fill_date`` = last fill date + ceil(0.75 × its days supply));
- 88 — DUR: an oxycodone product in ``OPIOIDS`` (00591-2693, 47781-0265, 49884-0197,
  64950-0901) on an original fill (refill 0) of more than 7 days (the opioid-naive limit).

Paid: allowed = the lower of ingredient cost + dispensing fee and the usual-and-customary price.
The primary: the patient pays the copay (never more than allowed), the plan the rest. A
secondary (payer sequence 2): of what the primary left (allowed − ``other_payer_amount``) the
patient pays the secondary's copay (at most that), the plan the rest.

Claim IDs are ``SIM`` + 12 hex digits of the request's hash + a 2-digit generation + 2 check
characters. Submitting a paid claim again returns the same ID (a duplicate, as a real switch
answers); after a reversal the same request is paid under the next generation. Reversal of an
ID the simulator never issued is refused with 87; reversing twice is accepted (idempotent, so a
retry after a lost answer is safe). The simulator keeps no files: a well-formed ID from an
earlier run of the app (its check characters match) is reversed as one it issued.

``fail_next(n)`` makes the next n calls raise ``AdjudicationUnavailable`` (a time-out), for the
tests and the demo of a failed claim.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Protocol

from pharmacy_desktop.domain.claims import (
    AdjudicationUnavailable,
    ClaimRequest,
    ClaimResponse,
    ReversalResponse,
    reject_code,
)
from pharmacy_desktop.domain.money import ZERO, format_money, to_money


class Adjudicator(Protocol):
    def submit(self, request: ClaimRequest) -> ClaimResponse:
        """Bill one claim (NCPDP B1); raises AdjudicationUnavailable when no answer comes."""
        ...

    def reverse(self, external_claim_id: str, reason: str) -> ReversalResponse:
        """Reverse a paid claim (NCPDP B2); raises AdjudicationUnavailable when no answer comes."""
        ...


@dataclass(frozen=True)
class SimulatedPlan:
    bin_number: str
    name: str
    kind: str  # 'commercial', 'medicare', 'medicaid', 'supplement'
    generic_copay: Decimal
    brand_copay: Decimal
    secondary_only: bool = False
    max_days_supply: int = 90
    max_quantity: Decimal = Decimal(360)


PLANS: dict[str, SimulatedPlan] = {
    p.bin_number: p
    for p in (
        SimulatedPlan("610014", "Blue Cross Blue Shield of Illinois", "commercial", Decimal("10.00"), Decimal("35.00")),
        SimulatedPlan("610097", "UnitedHealthcare", "commercial", Decimal("5.00"), Decimal("40.00")),
        SimulatedPlan("004336", "Medicare Part D - SilverScript", "medicare", Decimal("4.00"), Decimal("47.00")),
        SimulatedPlan("610494", "Illinois Medicaid", "medicaid", Decimal("1.00"), Decimal("3.00")),
        SimulatedPlan("610279", "AARP Medicare Supplement", "supplement", ZERO, ZERO, secondary_only=True),
    )
}

# products by the first 9 digits of the 11-digit NDC (labeler + product): every package of them
NOT_COVERED: frozenset[str] = frozenset({"521250606", "651620351"})
PRIOR_AUTHORIZATION: frozenset[str] = frozenset({"551542729", "000034214"})
OPIOIDS: frozenset[str] = frozenset({"005912693", "477810265", "498840197", "649500901"})
OPIOID_NAIVE_MAX_DAYS = 7
REFILL_THRESHOLD = (3, 4)  # 75 % of the last fill's days supply must have passed

_CHECK_SALT = b"pharmacy-desktop simulated adjudicator"


def _check(body: str) -> str:
    return hashlib.sha256(_CHECK_SALT + body.encode()).hexdigest()[:2].upper()


def _claim_id(digest: str, generation: int) -> str:
    body = f"SIM{digest}{generation:02d}"
    return body + _check(body)


def issued_by_simulator(external_claim_id: str) -> bool:
    """True for an ID of the simulator's form whose check characters match."""
    text = external_claim_id
    if len(text) != 19 or not text.startswith("SIM"):
        return False
    body = text[:17]
    hex_part, generation = body[3:15], body[15:17]
    if not all(c in "0123456789ABCDEF" for c in hex_part) or not generation.isdigit():
        return False
    return text[17:] == _check(body)


def request_digest(request: ClaimRequest) -> str:
    """12 hex digits identifying the request's content (every field, in declaration order)."""
    canonical = "|".join(f"{f.name}={getattr(request, f.name)!s}" for f in fields(request))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12].upper()


def _rejected(plan: SimulatedPlan | None, codes: tuple[str, ...], next_fill: dt.date | None = None) -> ClaimResponse:
    reasons = "; ".join(f"{c} {reject_code(c).ncpdp_text}" for c in codes)
    name = plan.name if plan is not None else "the processor"
    when = f"{next_fill:%m/%d/%Y}" if next_fill is not None else ""
    suffix = f" (the plan pays again on or after {when})" if next_fill is not None else ""
    return ClaimResponse(
        status="rejected",
        reject_codes=codes,
        message=f"Rejected by {name}: {reasons}{suffix}.",
        next_fill_date=next_fill,
        plan_name=plan.name if plan is not None else "",
    )


def adjudicate(request: ClaimRequest) -> tuple[SimulatedPlan | None, ClaimResponse | None]:
    """The simulator's decision without an ID: a rejection, or (plan, None) when it pays."""
    plan = PLANS.get(request.bin_number)
    if plan is None:
        return None, _rejected(None, ("01",))
    if request.member_id.strip().upper().startswith("TERM"):
        return plan, _rejected(plan, ("65",))
    if plan.secondary_only and request.payer_sequence == 1:
        return plan, _rejected(plan, ("41",))
    product = request.ndc11[:9]
    codes: list[str] = []
    if product in NOT_COVERED:
        codes.append("70")
    elif product in PRIOR_AUTHORIZATION:
        codes.append("75")
    if request.days_supply > plan.max_days_supply or request.quantity > plan.max_quantity:
        codes.append("76")
    next_fill: dt.date | None = None
    if request.last_fill_date is not None and request.last_days_supply is not None:
        used_days = (request.fill_date - request.last_fill_date).days
        share, whole = REFILL_THRESHOLD
        if used_days * whole < request.last_days_supply * share:
            codes.append("79")
            wait = -(-request.last_days_supply * share // whole)  # ceiling
            next_fill = request.last_fill_date + dt.timedelta(days=wait)
    if product in OPIOIDS and request.refill_number == 0 and request.days_supply > OPIOID_NAIVE_MAX_DAYS:
        codes.append("88")
    if codes:
        return plan, _rejected(plan, tuple(codes), next_fill)
    return plan, None


def paid_amounts(plan: SimulatedPlan, request: ClaimRequest) -> tuple[Decimal, Decimal]:
    """(plan pays, patient pays) for a claim the plan accepts (see the module docstring)."""
    allowed = min(request.ingredient_cost + request.dispensing_fee, request.usual_and_customary)
    left = max(ZERO, allowed - request.other_payer_amount) if request.payer_sequence == 2 else allowed
    copay = plan.generic_copay if request.is_generic else plan.brand_copay
    patient = min(copay, left)
    return to_money(left - patient), to_money(patient)


class SimulatedAdjudicator:
    """A deterministic, thread-safe processor for the demo and the tests (see the module docstring)."""

    def __init__(self, latency: float = 0.0) -> None:
        self._latency = latency  # seconds a call takes, to show the screens do not wait for it
        self._lock = threading.Lock()
        self._generation: dict[str, int] = {}
        self._paid: dict[str, ClaimResponse] = {}
        self._reversed: set[str] = set()
        self._failures = 0

    def fail_next(self, count: int = 1) -> None:
        """The next ``count`` calls raise AdjudicationUnavailable (the switch timed out)."""
        with self._lock:
            self._failures += count

    def _maybe_fail(self) -> None:
        with self._lock:
            if self._failures > 0:
                self._failures -= 1
                raise AdjudicationUnavailable("The claims processor did not answer in time; resubmit the claim.")

    def submit(self, request: ClaimRequest) -> ClaimResponse:
        self._maybe_fail()
        if self._latency:
            time.sleep(self._latency)
        plan, rejection = adjudicate(request)
        if rejection is not None or plan is None:
            assert rejection is not None
            return rejection
        plan_paid, patient_pay = paid_amounts(plan, request)
        digest = request_digest(request)
        with self._lock:
            generation = self._generation.get(digest, 1)
            claim_id = _claim_id(digest, generation)
            if claim_id in self._reversed:  # paid, then reversed: a new claim under the next generation
                generation += 1
                claim_id = _claim_id(digest, generation)
            self._generation[digest] = generation
            response = ClaimResponse(
                status="approved",
                plan_paid=plan_paid,
                patient_pay=patient_pay,
                message=f"Paid by {plan.name}: plan pays {format_money(plan_paid)}, "
                f"patient pays {format_money(patient_pay)}.",
                external_claim_id=claim_id,
                plan_name=plan.name,
            )
            self._paid[claim_id] = response
        return response

    def reverse(self, external_claim_id: str, reason: str) -> ReversalResponse:
        if not reason or not reason.strip():
            raise ValueError("a reversal needs a reason")
        self._maybe_fail()
        if self._latency:
            time.sleep(self._latency)
        with self._lock:
            if external_claim_id in self._reversed:
                return ReversalResponse("accepted", external_claim_id, message="The claim was already reversed.")
            if external_claim_id in self._paid or issued_by_simulator(external_claim_id):
                self._reversed.add(external_claim_id)
                return ReversalResponse("accepted", external_claim_id, message="Claim reversed.")
        return ReversalResponse(
            "rejected",
            external_claim_id,
            reject_codes=("87",),
            message="Reversal refused: 87 Reversal Not Processed (no paid claim with this ID).",
        )

    def is_reversed(self, external_claim_id: str) -> bool:
        with self._lock:
            return external_claim_id in self._reversed
