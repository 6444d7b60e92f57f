"""What a claim says: the NCPDP request of one fill to one plan, built from the database's facts.

Prices (issue 13 item 5): the usual-and-customary price is ``domain/pricing.py``'s
``usual_and_customary`` over ``billing_schema.pricing_rules`` with the pharmacy profile's dispensing
fee; the submitted ingredient cost is the fill's base price without rules (AWP x quantity, or cost
x quantity x markup), AWP from the stock item and cost from the lot the fill came from where known.
A plan then pays on the lower of ingredient + fee and U&C.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from pharmacy_desktop.db.models.patients import PatientInsurance
from pharmacy_desktop.db.models.prescriptions import Prescription, PrescriptionRefill
from pharmacy_desktop.db.unit_of_work import UnitOfWork
from pharmacy_desktop.domain.claims import ClaimRequest
from pharmacy_desktop.domain.money import ZERO, to_money
from pharmacy_desktop.domain.pricing import PriceFacts, PriceQuote, PricingRule, usual_and_customary

log = logging.getLogger(__name__)

# NCPDP person code by relationship to the cardholder (plans number dependents from 003)
PERSON_CODES = {"self": "001", "cardholder": "001", "spouse": "002", "child": "003", "dependent": "003"}


@dataclass(frozen=True)
class FillPrice:
    ingredient_cost: Decimal  # submitted: the base price without rules
    dispensing_fee: Decimal
    usual_and_customary: Decimal  # the cash price (rules applied) incl. the fee
    detail: str


def pricing_rules(uow: UnitOfWork) -> list[PricingRule]:
    """The stored rules as domain rules; a row the domain refuses is skipped (and logged by name)."""
    rules = []
    for row in uow.claims.pricing_rules():
        try:
            rules.append(
                PricingRule(
                    rule_name=row.rule_name,
                    rule_type=row.rule_type,
                    conditions=row.conditions or {},
                    method=row.pricing_method,
                    value=Decimal(row.pricing_value),
                    priority=row.priority or 0,
                    effective_date=row.effective_date,
                    expiration_date=row.expiration_date,
                    is_active=row.is_active is not False,
                )
            )
        except (TypeError, ValueError):
            log.warning("pricing rule %r skipped: the domain refuses it", row.rule_name)
    return rules


def price_fill(uow: UnitOfWork, refill: PrescriptionRefill, *, insured: bool) -> FillPrice:
    """The fill's prices on its fill date; raises PricingUnavailable when it has no AWP, cost or rule."""
    item, batch = uow.claims.stock(refill.inventory_item_id, refill.batch_id)
    med = uow.prescriptions.medication(refill.medication_id)
    cost = batch.unit_cost if batch is not None and batch.unit_cost is not None else None
    if cost is None and item is not None:
        cost = item.unit_cost
    facts = PriceFacts(
        medication_id=str(refill.medication_id) if refill.medication_id else None,
        ndc=refill.ndc_code,
        is_generic=med.is_generic if med is not None else None,
        insurance_type=None if insured else "cash",  # the plan's kind is not on file: only cash is known
        patient_category=None,
        quantity=Decimal(refill.quantity_dispensed),
        awp_unit=item.average_wholesale_price if item is not None else None,
        cost_unit=cost,
    )
    profile = uow.users.pharmacy_profile()
    fee = to_money(profile.dispensing_fee) if profile is not None and profile.dispensing_fee is not None else ZERO
    quote: PriceQuote = usual_and_customary(pricing_rules(uow), facts, refill.filled_date, fee)
    base = usual_and_customary((), facts, refill.filled_date, fee)
    return FillPrice(base.ingredient, fee, quote.total, quote.detail)


def billing_ndc(ndc_code: str) -> str:
    """The 11-digit billing NDC of a stored key (a 12-digit key of a 0-labeler drops its leading 0)."""
    text = (ndc_code or "").strip().replace("-", "")
    return text[1:] if len(text) == 12 and text.startswith("0") else text


def build_request(
    uow: UnitOfWork,
    refill: PrescriptionRefill,
    rx: Prescription,
    plan: PatientInsurance,
    price: FillPrice,
    *,
    payer_sequence: int,
    other_payer_amount: Decimal = ZERO,
) -> ClaimRequest:
    """The claim of ``refill`` to ``plan``; raises InvalidClaim naming the fields a person must correct."""
    med = uow.prescriptions.medication(refill.medication_id)
    item = uow.claims.item(refill.prescription_item_id)
    last = uow.claims.previous_fill(refill, rx.patient_id)
    relationship = (plan.relationship_to_cardholder or "").strip().lower()
    return ClaimRequest(
        bin_number=(plan.bin_number or "").strip(),
        pcn=(plan.pcn_number or "").strip() or None,
        group_number=(plan.group_number or "").strip() or None,
        member_id=(plan.policy_number or "").strip(),
        person_code=PERSON_CODES.get(relationship),
        ndc11=billing_ndc(refill.ndc_code),
        quantity=Decimal(refill.quantity_dispensed),
        days_supply=refill.days_supply,
        daw=((item.daw_code if item is not None else None) or "0").strip()[:1] or "0",
        is_generic=med is None or med.is_generic is not False,
        ingredient_cost=price.ingredient_cost,
        dispensing_fee=price.dispensing_fee,
        usual_and_customary=price.usual_and_customary,
        fill_date=refill.filled_date,
        refill_number=refill.refill_number,
        payer_sequence=payer_sequence,
        other_payer_amount=other_payer_amount,
        last_fill_date=last.filled_date if last is not None else None,
        last_days_supply=last.days_supply if last is not None else None,
    )


def request_columns(request: ClaimRequest) -> dict[str, object]:
    """The insurance_claims columns that record what was sent."""
    return {
        "payer_sequence": request.payer_sequence,
        "bin_number": request.bin_number,
        "pcn": request.pcn,
        "group_number": request.group_number,
        "member_id": request.member_id,
        "person_code": request.person_code,
        "ndc": request.ndc11,
        "quantity": request.quantity,
        "days_supply": request.days_supply,
        "daw": request.daw,
        "ingredient_cost": request.ingredient_cost,
        "dispensing_fee": request.dispensing_fee,
        "usual_and_customary": request.usual_and_customary,
        "other_payer_amount": request.other_payer_amount,
        "submitted_amount": request.submitted_amount,
    }
