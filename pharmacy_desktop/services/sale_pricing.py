"""The price of one fill at the counter (issue 13 items 5 and 6): from its insurance claims, or cash.

- The plan paid (the latest primary claim approved, and the secondary approved, rejected or never
  billed): the fill costs the plans' allowed amount; the plans pay their share and the patient the
  copay the last paying plan left.
- The primary plan rejected the claim: the patient pays the cash price (U&C), and the screen shows
  the NCPDP reject codes with their text (``domain/claims.py``).
- A claim without an answer (submitted, failed, lost, reversed) or a fill of an insured patient
  that was never billed: not sellable until the claim is resubmitted on the fill screen. Selling it
  at the cash price would charge an insured patient the full price.
- No plan in force on the fill date: the U&C price of ``services/claim_requests.price_fill``
  (``domain/pricing.py`` over ``billing_schema.pricing_rules``, the profile's dispensing fee, AWP
  from the stock item and cost from the fill's lot where known).

A fill that cannot be priced (``PricingUnavailable``) is not sellable, with that message: never $0.

Which plans are government plans (Medicare, Medicaid, TRICARE: no coupon on their lines, see
``domain/discounts.py``) is read from the plan's name: the plan's kind is not on file.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from decimal import Decimal

from pharmacy_desktop.db.models.billing import InsuranceClaim
from pharmacy_desktop.db.models.prescriptions import PrescriptionRefill
from pharmacy_desktop.db.unit_of_work import UnitOfWork
from pharmacy_desktop.domain.claims import describe_rejects
from pharmacy_desktop.domain.money import ZERO, format_money, to_money
from pharmacy_desktop.domain.pricing import PricingUnavailable
from pharmacy_desktop.domain.sale_math import RxCharge
from pharmacy_desktop.services.claim_requests import price_fill

__all__ = ["FillPrice", "fill_price", "rx_charge"]

_GOVERNMENT = re.compile(r"medicare|medicaid|tricare|champva", re.IGNORECASE)
RESUBMIT = "the claim has no answer yet — resubmit it on the fill screen"


@dataclass(frozen=True)
class FillPrice:
    """What one fill costs at the counter.

    ``status``: 'insurance' (a plan paid), 'cash' (no plan in force), 'rejected' (cash price after a
    rejection), 'unbilled', 'pending' (no answer / failed / reversed) or 'unpriced'. Only a
    ``sellable`` fill may go into a sale; ``message`` says why not, or how the price was reached.
    ``price`` = ``ingredient`` + ``dispensing_fee`` (the plan's allowed amount, or U&C);
    ``patient_pay`` = ``price`` - ``insurance_paid`` (before any discount).
    """

    refill_id: uuid.UUID
    status: str
    sellable: bool
    message: str
    price: Decimal | None = None
    ingredient: Decimal | None = None
    dispensing_fee: Decimal = ZERO
    insurance_paid: Decimal = ZERO
    patient_pay: Decimal | None = None
    reject_codes: tuple[str, ...] = ()
    reject_lines: tuple[str, ...] = ()  # "75 Prior Authorization Required: ... What to do: ..."
    plan: str | None = None
    government_plan: bool = False
    claim_numbers: tuple[str, ...] = ()


def _latest(claims: list[InsuranceClaim], sequence: int) -> InsuranceClaim | None:
    mine = [c for c in claims if c.payer_sequence == sequence]
    return mine[-1] if mine else None


def _split(total: Decimal, fee: Decimal) -> tuple[Decimal, Decimal]:
    """The allowed amount as ingredient + fee (the fee never more than the whole)."""
    fee = min(to_money(fee), total)
    return total - fee, fee


def _cash(
    uow: UnitOfWork,
    refill: PrescriptionRefill,
    *,
    reject_codes: tuple[str, ...] | None = None,
    plan: str | None = None,
    claim_numbers: tuple[str, ...] = (),
) -> FillPrice:
    """The cash price (U&C); ``reject_codes`` set: after the plan rejected the claim."""
    rejected = reject_codes is not None
    codes = reject_codes or ()
    status = "rejected" if rejected else "cash"
    try:
        quote = price_fill(uow, refill, insured=False)
    except PricingUnavailable as exc:
        why = str(exc).rstrip(".")
        return FillPrice(
            refill.id,
            "unpriced",
            False,
            f"No price: {why}.",
            reject_codes=codes,
            reject_lines=describe_rejects(codes),
            plan=plan,
            claim_numbers=claim_numbers,
        )
    total = to_money(quote.usual_and_customary)
    ingredient, fee = _split(total, quote.dispensing_fee)
    lead = f"Rejected by {plan or 'the plan'} ({', '.join(codes)}): cash price" if rejected else "Cash price"
    return FillPrice(
        refill_id=refill.id,
        status=status,
        sellable=True,
        message=f"{lead} {format_money(total)} ({quote.detail}).",
        price=total,
        ingredient=ingredient,
        dispensing_fee=fee,
        patient_pay=total,
        reject_codes=codes,
        reject_lines=describe_rejects(codes),
        plan=plan,
        claim_numbers=claim_numbers,
    )


def fill_price(uow: UnitOfWork, refill: PrescriptionRefill) -> FillPrice:
    """The price of ``refill`` as the counter sells it (see the module docstring); reads only."""
    claims = uow.claims.for_refill(refill.id)
    primary, secondary = _latest(claims, 1), _latest(claims, 2)
    numbers = tuple(c.claim_number for c in claims if c in (primary, secondary))
    if primary is None:
        rx = uow.claims.prescription(refill.prescription_id)
        plans = uow.claims.active_insurance(rx.patient_id, refill.filled_date) if rx is not None else []
        if plans:
            return FillPrice(
                refill.id,
                "unbilled",
                False,
                "The fill was not billed to the patient's plan yet — bill the claim on the fill screen.",
                plan=plans[0].insurance_provider,
            )
        return _cash(uow, refill)
    plan = uow.claims.insurance(primary.patient_insurance_id)
    plan_name = plan.insurance_provider if plan is not None else "the plan"
    if primary.status == "rejected":
        codes = tuple(primary.reject_codes or ((primary.rejection_code,) if primary.rejection_code else ()))
        return _cash(uow, refill, reject_codes=codes, plan=plan_name, claim_numbers=numbers)
    if primary.status != "approved" or (secondary is not None and secondary.status not in ("approved", "rejected")):
        return FillPrice(
            refill.id, "pending", False, f"{plan_name}: {RESUBMIT}.", plan=plan_name, claim_numbers=numbers
        )
    paying = [primary] + ([secondary] if secondary is not None and secondary.status == "approved" else [])
    insurance_paid = sum((to_money(c.approved_amount or ZERO) for c in paying), ZERO)
    patient_pay = to_money(paying[-1].patient_responsibility or ZERO)
    total = insurance_paid + patient_pay
    ingredient, fee = _split(total, primary.dispensing_fee or ZERO)
    names = [plan_name]
    if len(paying) > 1:
        second = uow.claims.insurance(paying[1].patient_insurance_id)
        names.append(second.insurance_provider if second is not None else "the secondary plan")
    rejected_secondary = secondary is not None and secondary.status == "rejected"
    codes = tuple(secondary.reject_codes or ()) if secondary is not None and rejected_secondary else ()
    message = f"{' + '.join(names)} pay {format_money(insurance_paid)}; copay {format_money(patient_pay)}."
    if rejected_secondary:
        message += f" The secondary plan rejected it ({', '.join(codes)})."
    return FillPrice(
        refill_id=refill.id,
        status="insurance",
        sellable=True,
        message=message,
        price=total,
        ingredient=ingredient,
        dispensing_fee=fee,
        insurance_paid=insurance_paid,
        patient_pay=patient_pay,
        reject_codes=codes,
        reject_lines=describe_rejects(codes),
        plan=plan_name,
        government_plan=any(_GOVERNMENT.search(n) for n in names),
        claim_numbers=numbers,
    )


def rx_charge(
    price: FillPrice, *, key: str, prescription_id: uuid.UUID, description: str, ndc: str | None, quantity: Decimal
) -> RxCharge:
    """The sale_math charge of a sellable fill (ValueError for one that is not: the caller checks first)."""
    if not price.sellable or price.ingredient is None:
        raise ValueError("an unsellable fill has no charge")
    return RxCharge(
        key=key,
        prescription_id=prescription_id,
        description=description,
        ndc=ndc,
        quantity=quantity,
        ingredient_price=price.ingredient,
        dispensing_fee=price.dispensing_fee,
        insurance_paid=price.insurance_paid,
    )
