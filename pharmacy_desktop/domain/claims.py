"""Insurance claims (NCPDP Telecommunication D.0): the request, the answer and the reject codes.

A claim bills one filled prescription to one payer: the primary (payer sequence 1) first, then a
secondary (payer sequence 2) for what the primary left, with ``other_payer_amount`` saying what the
primary paid. The answer is paid (the plan's share and the patient's copay) or rejected with
NCPDP reject codes; a paid claim is reversed when the medicine goes back to stock.

The reject table gives each code NCPDP's wording, a sentence a cashier understands, and what to
do at the counter; screens show those two, never a bare number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from pharmacy_desktop.domain.daw import DAW_PHRASE
from pharmacy_desktop.domain.money import ZERO, to_money

ClaimStatus = Literal["approved", "rejected"]
ReversalStatus = Literal["accepted", "rejected"]


class InvalidClaim(ValueError):
    """A claim request that no payer would accept; ``field_errors`` names each field's problem."""

    def __init__(self, message: str, field_errors: dict[str, str] | None = None):
        super().__init__(message)
        self.field_errors = dict(field_errors or {})


class AdjudicationUnavailable(Exception):
    """The processor gave no answer (time-out, network, host down): the claim may be resubmitted."""


@dataclass(frozen=True)
class RejectCode:
    code: str
    ncpdp_text: str  # NCPDP's wording (field 511-FB)
    explanation: str  # what it means, for a cashier
    what_to_do: str  # the next step at the counter


_REJECTS: tuple[RejectCode, ...] = (
    RejectCode(
        "01",
        "M/I BIN Number",
        "The plan's BIN on file is not one the processor knows.",
        "Check the BIN on the patient's insurance card and correct the insurance record, then resubmit.",
    ),
    RejectCode(
        "07",
        "M/I Cardholder ID",
        "The plan cannot find the member ID it was sent.",
        "Check the member ID on the patient's card, correct the insurance record, then resubmit.",
    ),
    RejectCode(
        "41",
        "Submit Bill To Other Processor Or Primary Payer",
        "This plan pays only after another plan: it was billed as the primary.",
        "Bill the patient's primary plan first, then this plan as secondary; or correct which plan is primary.",
    ),
    RejectCode(
        "65",
        "Patient Is Not Covered",
        "The plan says the patient is not covered (coverage ended or not yet started).",
        "Ask the patient for current insurance; otherwise the patient may pay the cash price.",
    ),
    RejectCode(
        "70",
        "Product/Service Not Covered",
        "The plan does not cover this drug.",
        "Ask the pharmacist about a covered alternative or the prescriber's override; "
        "otherwise the patient may pay the cash price.",
    ),
    RejectCode(
        "75",
        "Prior Authorization Required",
        "The plan pays for this drug only after the prescriber obtains prior authorization.",
        "Contact the prescriber to request prior authorization; resubmit once it is approved, "
        "or the patient may pay the cash price.",
    ),
    RejectCode(
        "76",
        "Plan Limitations Exceeded",
        "The quantity or days supply is more than the plan allows per fill.",
        "Reduce the quantity or days supply to the plan's limit (ask the pharmacist), then resubmit.",
    ),
    RejectCode(
        "79",
        "Refill Too Soon",
        "The last fill should not be used up yet, so the plan will not pay for this one now.",
        "Tell the patient the date the plan will pay again; the pharmacist may request an override "
        "(vacation, lost medicine, dose change).",
    ),
    RejectCode(
        "85",
        "Claim Not Processed",
        "The processor did not process the claim.",
        "Resubmit the claim; if it happens again, call the plan's help desk.",
    ),
    RejectCode(
        "87",
        "Reversal Not Processed",
        "The plan has no paid claim to reverse under that claim ID.",
        "Check the claim on the prescription; call the plan's help desk if it was paid.",
    ),
    RejectCode(
        "88",
        "DUR Reject Error",
        "The plan's drug-utilization review stopped the claim (e.g. an opioid limit on a first fill).",
        "The pharmacist reviews it and may submit DUR codes or contact the prescriber, then resubmit.",
    ),
)

REJECT_CODES: dict[str, RejectCode] = {r.code: r for r in _REJECTS}


def reject_code(code: str) -> RejectCode:
    """The table row for ``code``; an unknown code still gets a usable sentence."""
    known = REJECT_CODES.get(code)
    if known is not None:
        return known
    return RejectCode(
        code,
        "Unknown reject code",
        f"The plan rejected the claim with code {code}.",
        "Read the plan's message; call the plan's help desk if it is unclear.",
    )


def describe_rejects(codes: tuple[str, ...]) -> tuple[str, ...]:
    """One line per code for a screen: "79 Refill too soon: <explanation> What to do: <step>"."""
    lines = []
    for code in codes:
        row = reject_code(code)
        lines.append(f"{row.code} {row.ncpdp_text}: {row.explanation} What to do: {row.what_to_do}")
    return tuple(lines)


@dataclass(frozen=True)
class ClaimRequest:
    """What a pharmacy sends (the NCPDP fields the simulator and a real switch need).

    Money fields are Decimal dollars rounded half-up to cents; ``ndc11`` is the 11-digit billing
    NDC without dashes. ``is_generic`` is what the pharmacy's catalog says: a real payer derives
    the copay tier from the NDC itself, the simulator reads it here.
    """

    bin_number: str
    member_id: str = field(repr=False)  # identifies the patient: never in a log line or message
    ndc11: str
    quantity: Decimal
    days_supply: int
    ingredient_cost: Decimal
    dispensing_fee: Decimal
    usual_and_customary: Decimal
    fill_date: dt.date
    pcn: str | None = None
    group_number: str | None = None
    person_code: str | None = None
    daw: str = "0"
    is_generic: bool = True
    refill_number: int = 0
    payer_sequence: int = 1
    other_payer_amount: Decimal = ZERO
    last_fill_date: dt.date | None = None
    last_days_supply: int | None = None

    def __post_init__(self) -> None:
        errors: dict[str, str] = {}
        for name in ("ingredient_cost", "dispensing_fee", "usual_and_customary", "other_payer_amount"):
            try:
                amount = to_money(getattr(self, name))
            except (TypeError, ValueError) as exc:
                errors[name] = str(exc)
                continue
            if amount < 0:
                errors[name] = f"{name.replace('_', ' ')} cannot be negative"
            object.__setattr__(self, name, amount)  # frozen: store the cents-rounded value
        errors.update(request_problems(self))
        if errors:
            raise InvalidClaim("The claim cannot be sent: " + "; ".join(errors.values()) + ".", errors)

    @property
    def submitted_amount(self) -> Decimal:
        """Gross amount due as submitted: ingredient cost + dispensing fee."""
        return to_money(self.ingredient_cost + self.dispensing_fee)


def _digits(text: object, length: int) -> bool:
    return isinstance(text, str) and len(text) == length and text.isascii() and text.isdigit()


def _optional_text(value: object, limit: int) -> bool:
    return value is None or (isinstance(value, str) and 0 < len(value.strip()) <= limit)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def request_problems(request: ClaimRequest) -> dict[str, str]:
    """Field -> problem for the non-money fields (never echoes a member ID or other identifier)."""
    r = request
    problems: dict[str, str] = {}
    if not _digits(r.bin_number, 6):
        problems["bin_number"] = "BIN must be 6 digits (from the insurance card)"
    if not isinstance(r.member_id, str) or not r.member_id.strip() or len(r.member_id) > 20:
        problems["member_id"] = "member ID is required (up to 20 characters, from the insurance card)"
    if not _optional_text(r.pcn, 10):
        problems["pcn"] = "PCN is up to 10 characters, or left empty"
    if not _optional_text(r.group_number, 15):
        problems["group_number"] = "group number is up to 15 characters, or left empty"
    if r.person_code is not None and not (
        isinstance(r.person_code, str) and 1 <= len(r.person_code) <= 3 and r.person_code.isdigit()
    ):
        problems["person_code"] = "person code is 1 to 3 digits (001 is the cardholder), or left empty"
    if not _digits(r.ndc11, 11):
        problems["ndc11"] = "NDC must be the 11-digit billing form without dashes"
    if not isinstance(r.quantity, Decimal) or not r.quantity.is_finite() or r.quantity <= 0:
        problems["quantity"] = "quantity must be a positive Decimal"
    elif r.quantity != r.quantity.quantize(Decimal("0.001")) or r.quantity >= Decimal("10000000"):
        problems["quantity"] = "quantity has at most 3 decimals and 7 whole digits (NCPDP 442-E7)"
    if not _is_int(r.days_supply) or not 1 <= r.days_supply <= 999:
        problems["days_supply"] = "days supply must be a whole number from 1 to 999"
    if r.daw not in DAW_PHRASE:
        problems["daw"] = "DAW must be one code from 0 to 9"
    if not isinstance(r.fill_date, dt.date):
        problems["fill_date"] = "fill date is required"
    if not _is_int(r.refill_number) or not 0 <= r.refill_number <= 99:
        problems["refill_number"] = "refill number must be 0 (original) to 99"
    if r.payer_sequence not in (1, 2) or not _is_int(r.payer_sequence):
        problems["payer_sequence"] = "payer sequence is 1 (primary) or 2 (secondary)"
    elif r.payer_sequence == 1 and isinstance(r.other_payer_amount, Decimal) and r.other_payer_amount > 0:
        problems["other_payer_amount"] = "a primary claim has no other payer amount"
    if (r.last_fill_date is None) != (r.last_days_supply is None):
        problems["last_fill_date"] = "last fill date and its days supply go together"
    elif r.last_days_supply is not None and (not _is_int(r.last_days_supply) or r.last_days_supply < 1):
        problems["last_days_supply"] = "the last fill's days supply must be a whole number of at least 1"
    elif (
        r.last_fill_date is not None
        and isinstance(r.fill_date, dt.date)
        and (not isinstance(r.last_fill_date, dt.date) or r.last_fill_date > r.fill_date)
    ):
        problems["last_fill_date"] = "the last fill date cannot be after this fill"
    return problems


@dataclass(frozen=True)
class ClaimResponse:
    """The payer's answer. Approved: ``plan_paid`` + ``patient_pay`` is what the claim is worth.

    Rejected: both amounts are zero, ``reject_codes`` says why and there is no external claim ID.
    ``next_fill_date`` comes with reject 79 (the first day the plan pays again).
    """

    status: ClaimStatus
    plan_paid: Decimal = ZERO
    patient_pay: Decimal = ZERO
    reject_codes: tuple[str, ...] = ()
    message: str = ""
    external_claim_id: str | None = None
    next_fill_date: dt.date | None = None
    plan_name: str = ""  # the payer's name as it answered, for the screen

    def __post_init__(self) -> None:
        if self.status not in ("approved", "rejected"):
            raise ValueError(f"claim status must be 'approved' or 'rejected', not {self.status!r}")
        for name in ("plan_paid", "patient_pay"):
            amount = to_money(getattr(self, name))
            if amount < 0:
                raise ValueError(f"{name} cannot be negative")
            object.__setattr__(self, name, amount)
        if self.status == "rejected" and not self.reject_codes:
            raise ValueError("a rejected claim names at least one reject code")
        if self.status == "approved" and (self.reject_codes or not self.external_claim_id):
            raise ValueError("an approved claim has an external claim ID and no reject codes")

    @property
    def approved(self) -> bool:
        return self.status == "approved"

    @property
    def reject_lines(self) -> tuple[str, ...]:
        """The reject codes as sentences for a screen (see describe_rejects)."""
        return describe_rejects(self.reject_codes)


@dataclass(frozen=True)
class ReversalResponse:
    """The answer to a reversal (NCPDP B2): accepted, or rejected with codes (87: nothing to reverse)."""

    status: ReversalStatus
    external_claim_id: str
    reject_codes: tuple[str, ...] = ()
    message: str = ""

    def __post_init__(self) -> None:
        if self.status not in ("accepted", "rejected"):
            raise ValueError(f"reversal status must be 'accepted' or 'rejected', not {self.status!r}")
        if (self.status == "rejected") != bool(self.reject_codes):
            raise ValueError("a rejected reversal names its reject codes; an accepted one has none")

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"
