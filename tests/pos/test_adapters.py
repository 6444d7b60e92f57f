"""Claims (domain/claims.py), the simulated adjudicator and the simulated card terminal.

Pure: no database, no Qt. The simulator's tables (adapters/adjudication.py docstring) are what
the demo and the claims service tests rely on, so they are pinned here code by code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from pharmacy_desktop.adapters.adjudication import (
    NOT_COVERED,
    OPIOIDS,
    PLANS,
    PRIOR_AUTHORIZATION,
    Adjudicator,
    SimulatedAdjudicator,
    issued_by_simulator,
)
from pharmacy_desktop.adapters.payment_terminal import PaymentTerminal, SimulatedTerminal, TerminalResult
from pharmacy_desktop.domain.claims import (
    REJECT_CODES,
    AdjudicationUnavailable,
    ClaimRequest,
    ClaimResponse,
    InvalidClaim,
    ReversalResponse,
    describe_rejects,
    reject_code,
)

FILL_DAY = dt.date(2026, 12, 2)
GENERIC_NDC = "00093715001"  # not in any simulator list
COMMERCIAL, MEDICARE, MEDICAID, SUPPLEMENT = "610014", "004336", "610494", "610279"


def claim(**changes: object) -> ClaimRequest:
    fields: dict[str, object] = {
        "bin_number": COMMERCIAL,
        "pcn": "BCBSIL",
        "group_number": "GRP1234",
        "member_id": "COM123456789",
        "person_code": "001",
        "ndc11": GENERIC_NDC,
        "quantity": Decimal("30"),
        "days_supply": 30,
        "ingredient_cost": Decimal("30.00"),
        "dispensing_fee": Decimal("2.00"),
        "usual_and_customary": Decimal("40.00"),
        "fill_date": FILL_DAY,
    }
    fields.update(changes)
    return ClaimRequest(**fields)  # type: ignore[arg-type]


def product(prefixes: frozenset[str]) -> str:
    return sorted(prefixes)[0] + "01"


# --- domain: the reject table and the request -------------------------------------------------


@pytest.mark.parametrize("code", ["41", "65", "70", "75", "76", "79", "88"])
def test_the_issue_reject_codes_have_cashier_texts_and_a_next_step(code: str) -> None:
    row = REJECT_CODES[code]
    assert row.ncpdp_text and row.explanation.endswith(".") and row.what_to_do.endswith(".")
    line = describe_rejects((code,))[0]
    assert line.startswith(f"{code} {row.ncpdp_text}:") and "What to do:" in line


def test_an_unknown_reject_code_still_reads_as_a_sentence() -> None:
    assert "code ZZ" in reject_code("ZZ").explanation
    assert describe_rejects(("79", "ZZ"))[1].startswith("ZZ Unknown reject code")


def test_money_fields_are_rounded_half_up_to_cents() -> None:
    request = claim(ingredient_cost=Decimal("2.675"), dispensing_fee="1.005", usual_and_customary=10)
    assert request.ingredient_cost == Decimal("2.68") and request.ingredient_cost.as_tuple().exponent == -2
    assert request.dispensing_fee == Decimal("1.01")
    assert request.usual_and_customary == Decimal("10.00")
    assert request.submitted_amount == Decimal("3.69")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"bin_number": "61001"}, "bin_number"),
        ({"bin_number": "61001A"}, "bin_number"),
        ({"bin_number": "６１００１４"}, "bin_number"),  # full-width digits are not ASCII digits
        ({"ndc11": "0093-7150-01"}, "ndc11"),
        ({"ndc11": "9371501"}, "ndc11"),
        ({"member_id": "  "}, "member_id"),
        ({"pcn": "X" * 11}, "pcn"),
        ({"person_code": "01A"}, "person_code"),
        ({"quantity": Decimal("0")}, "quantity"),
        ({"quantity": Decimal("1.0005")}, "quantity"),
        ({"quantity": 30.0}, "quantity"),
        ({"days_supply": 0}, "days_supply"),
        ({"days_supply": 1000}, "days_supply"),
        ({"daw": "10"}, "daw"),
        ({"refill_number": -1}, "refill_number"),
        ({"payer_sequence": 3}, "payer_sequence"),
        ({"other_payer_amount": Decimal("5.00")}, "other_payer_amount"),
        ({"ingredient_cost": Decimal("-1")}, "ingredient_cost"),
        ({"ingredient_cost": 12.5}, "ingredient_cost"),  # float money is refused, never rounded
        ({"last_fill_date": FILL_DAY}, "last_fill_date"),
        ({"last_fill_date": FILL_DAY + dt.timedelta(days=1), "last_days_supply": 30}, "last_fill_date"),
        ({"last_fill_date": FILL_DAY, "last_days_supply": 0}, "last_days_supply"),
    ],
)
def test_a_request_no_payer_would_accept_is_refused_by_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidClaim) as caught:
        claim(**changes)
    assert field in caught.value.field_errors
    assert str(caught.value).startswith("The claim cannot be sent:")


def test_a_request_s_repr_leaves_the_member_id_out() -> None:
    assert "COM123456789" not in repr(claim()) and "610014" in repr(claim())


def test_a_refused_request_never_echoes_the_member_id() -> None:
    with pytest.raises(InvalidClaim) as caught:
        claim(member_id="SECRET-" + "9" * 20, bin_number="1")
    assert "SECRET" not in str(caught.value) and "999" not in str(caught.value)


def test_responses_keep_their_shape() -> None:
    with pytest.raises(ValueError):
        ClaimResponse(status="rejected")  # a rejection names its codes
    with pytest.raises(ValueError):
        ClaimResponse(status="approved", plan_paid=Decimal("1"))  # a payment has a claim ID
    with pytest.raises(ValueError):
        ReversalResponse("rejected", "SIMX")
    paid = ClaimResponse(status="approved", plan_paid=Decimal("1.005"), external_claim_id="X")
    assert paid.plan_paid == Decimal("1.01") and paid.approved


# --- the simulated adjudicator ------------------------------------------------------------------


def test_the_simulator_is_an_adjudicator() -> None:
    adjudicator: Adjudicator = SimulatedAdjudicator()
    assert adjudicator.submit(claim()).approved


REJECTS = [
    ("01 unknown BIN", {"bin_number": "999999"}, ("01",)),
    ("65 coverage ended", {"member_id": "TERM0001"}, ("65",)),
    ("41 supplement billed as primary", {"bin_number": SUPPLEMENT, "pcn": "AARPSUP"}, ("41",)),
    ("70 not covered", {"ndc11": product(NOT_COVERED)}, ("70",)),
    ("75 prior authorization", {"ndc11": product(PRIOR_AUTHORIZATION)}, ("75",)),
    ("76 days supply", {"days_supply": 91}, ("76",)),
    ("76 quantity", {"quantity": Decimal("360.001")}, ("76",)),
    ("79 refill too soon", {"last_fill_date": FILL_DAY - dt.timedelta(days=22), "last_days_supply": 30}, ("79",)),
    ("88 opioid first fill", {"ndc11": product(OPIOIDS), "days_supply": 8}, ("88",)),
    ("70 and 76 together", {"ndc11": product(NOT_COVERED), "days_supply": 120}, ("70", "76")),
]


@pytest.mark.parametrize(("why", "changes", "codes"), REJECTS, ids=[r[0] for r in REJECTS])
def test_every_reject_code_is_reachable(why: str, changes: dict[str, object], codes: tuple[str, ...]) -> None:
    response = SimulatedAdjudicator().submit(claim(**changes))
    assert response.status == "rejected" and response.reject_codes == codes
    assert response.plan_paid == Decimal("0.00") and response.patient_pay == Decimal("0.00")
    assert response.external_claim_id is None
    for code in codes:
        assert f"{code} {REJECT_CODES[code].ncpdp_text}" in response.message
    assert len(response.reject_lines) == len(codes)


@pytest.mark.parametrize(
    "changes",
    [
        {"days_supply": 90},
        {"quantity": Decimal("360")},
        {"last_fill_date": FILL_DAY - dt.timedelta(days=23), "last_days_supply": 30},
        {"ndc11": product(OPIOIDS), "days_supply": 7},
        {"ndc11": product(OPIOIDS), "days_supply": 30, "refill_number": 1},
        {"member_id": "COMTERM1"},  # only a member ID that starts with TERM
    ],
)
def test_just_inside_each_limit_is_paid(changes: dict[str, object]) -> None:
    assert SimulatedAdjudicator().submit(claim(**changes)).approved


def test_refill_too_soon_says_when_the_plan_pays_again() -> None:
    last = FILL_DAY - dt.timedelta(days=10)
    response = SimulatedAdjudicator().submit(claim(last_fill_date=last, last_days_supply=30))
    assert response.next_fill_date == last + dt.timedelta(days=23)  # ceil(0.75 * 30)
    assert f"on or after {last + dt.timedelta(days=23):%m/%d/%Y}" in response.message


@pytest.mark.parametrize(
    ("changes", "plan_paid", "patient_pay"),
    [
        ({}, "22.00", "10.00"),  # allowed 30 + 2 (below U&C 40): generic copay $10
        ({"usual_and_customary": Decimal("25.00")}, "15.00", "10.00"),  # lower of: U&C 25
        ({"usual_and_customary": Decimal("6.00")}, "0.00", "6.00"),  # the copay never exceeds U&C
        ({"is_generic": False}, "0.00", "32.00"),  # brand copay $35 > allowed $32
        ({"is_generic": False, "ingredient_cost": Decimal("98.00")}, "5.00", "35.00"),  # U&C 40 caps the allowed
        (
            {
                "bin_number": MEDICARE,
                "is_generic": False,
                "ingredient_cost": Decimal("98.00"),
                "usual_and_customary": Decimal("150"),
            },
            "53.00",
            "47.00",
        ),
        ({"bin_number": MEDICAID, "ingredient_cost": Decimal("10.555")}, "11.56", "1.00"),
    ],
)
def test_paid_claims_split_the_lower_of_cost_and_u_and_c(
    changes: dict[str, object], plan_paid: str, patient_pay: str
) -> None:
    response = SimulatedAdjudicator().submit(claim(**changes))
    assert response.approved and response.reject_codes == ()
    assert (response.plan_paid, response.patient_pay) == (Decimal(plan_paid), Decimal(patient_pay))
    for amount in (response.plan_paid, response.patient_pay):
        assert isinstance(amount, Decimal) and amount.as_tuple().exponent == -2


def test_the_secondary_pays_what_the_primary_left_minus_its_copay() -> None:
    adjudicator = SimulatedAdjudicator()
    costs = {"is_generic": False, "ingredient_cost": Decimal("98.00"), "usual_and_customary": Decimal("150.00")}
    primary = adjudicator.submit(claim(bin_number=MEDICARE, **costs))
    assert (primary.plan_paid, primary.patient_pay) == (Decimal("53.00"), Decimal("47.00"))
    second = {"payer_sequence": 2, "other_payer_amount": primary.plan_paid, **costs}
    supplement = adjudicator.submit(claim(bin_number=SUPPLEMENT, pcn="AARPSUP", group_number=None, **second))
    assert (supplement.plan_paid, supplement.patient_pay) == (Decimal("47.00"), Decimal("0.00"))
    medicaid = adjudicator.submit(claim(bin_number=MEDICAID, **second))  # the payer of last resort: $3 brand copay
    assert (medicaid.plan_paid, medicaid.patient_pay) == (Decimal("44.00"), Decimal("3.00"))
    nothing_left = adjudicator.submit(claim(bin_number=SUPPLEMENT, payer_sequence=2, other_payer_amount=Decimal("40")))
    assert (nothing_left.plan_paid, nothing_left.patient_pay) == (Decimal("0.00"), Decimal("0.00"))


def test_the_same_request_gets_the_same_answer_from_any_simulator() -> None:
    request = claim()
    first = SimulatedAdjudicator().submit(request)
    assert SimulatedAdjudicator().submit(dataclasses.replace(request)) == first
    assert SimulatedAdjudicator().submit(request) == first
    again = SimulatedAdjudicator()
    assert again.submit(request) == again.submit(request)  # a duplicate of a paid claim: same ID
    assert again.submit(claim(quantity=Decimal("31"))).external_claim_id != first.external_claim_id
    rejected = claim(days_supply=120)
    assert SimulatedAdjudicator().submit(rejected) == SimulatedAdjudicator().submit(rejected)


def test_reversal_of_a_paid_claim_then_a_new_claim_under_a_new_id() -> None:
    adjudicator = SimulatedAdjudicator()
    paid = adjudicator.submit(claim())
    assert paid.external_claim_id is not None and issued_by_simulator(paid.external_claim_id)
    reversal = adjudicator.reverse(paid.external_claim_id, "returned to stock")
    assert reversal.accepted and reversal.external_claim_id == paid.external_claim_id
    assert adjudicator.is_reversed(paid.external_claim_id)
    assert adjudicator.reverse(paid.external_claim_id, "retry").accepted  # idempotent
    again = adjudicator.submit(claim())
    assert again.approved and again.external_claim_id != paid.external_claim_id
    assert again.plan_paid == paid.plan_paid


def test_reversal_of_an_unknown_id_is_refused_with_87() -> None:
    adjudicator = SimulatedAdjudicator()
    paid_elsewhere = SimulatedAdjudicator().submit(claim()).external_claim_id
    assert paid_elsewhere is not None
    forged = paid_elsewhere[:-2] + ("00" if paid_elsewhere[-2:] != "00" else "11")
    for unknown in ("CLM00000001", forged, ""):
        refused = adjudicator.reverse(unknown, "returned to stock")
        assert refused.status == "rejected" and refused.reject_codes == ("87",)
    # an ID a simulator issued before the app restarted is still reversible (no files are kept)
    assert adjudicator.reverse(paid_elsewhere, "returned to stock").accepted
    with pytest.raises(ValueError):
        adjudicator.reverse(paid_elsewhere, " ")


def test_a_processor_that_does_not_answer_raises_and_the_claim_can_be_resubmitted() -> None:
    adjudicator = SimulatedAdjudicator()
    adjudicator.fail_next(2)
    with pytest.raises(AdjudicationUnavailable):
        adjudicator.submit(claim())
    with pytest.raises(AdjudicationUnavailable):
        adjudicator.reverse("SIM", "returned to stock")
    assert adjudicator.submit(claim()) == SimulatedAdjudicator().submit(claim())


def test_plans_in_the_table_match_the_demo_bins() -> None:
    assert set(PLANS) == {"610014", "610097", "004336", "610494", "610279"}
    assert [p.bin_number for p in PLANS.values() if p.secondary_only] == [SUPPLEMENT]


def test_concurrent_submissions_agree() -> None:
    adjudicator = SimulatedAdjudicator(latency=0.01)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: adjudicator.submit(claim()), range(16)))
    assert len({a.external_claim_id for a in answers}) == 1


# --- the simulated card terminal ----------------------------------------------------------------


def test_an_approval_carries_only_the_last_four_and_the_gateway_ids() -> None:
    terminal: PaymentTerminal = SimulatedTerminal()
    result = terminal.charge(Decimal("12.34"), "sale-1:1")
    assert result.status == "approved" and result.approved
    assert result.card_last_four == "4242" and result.card_type == "credit"
    assert result.transaction_id and result.auth_code and len(result.auth_code) == 6
    assert result.amount == Decimal("12.34") and isinstance(result.amount, Decimal)
    assert set(dataclasses.asdict(result)) == {
        "status", "transaction_id", "card_last_four", "auth_code", "card_type", "message", "amount", "reference",
    }  # fmt: skip


def test_a_card_number_is_never_taken() -> None:
    terminal = SimulatedTerminal()
    with pytest.raises(ValueError) as caught:
        terminal.present_card("debit", "4111111111111111")
    assert "4111" not in str(caught.value)
    terminal.present_card("debit", "1881")
    result = terminal.charge(Decimal("5.00"), "sale-2:1")
    assert (result.card_type, result.card_last_four) == ("debit", "1881")


def test_retries_of_one_reference_from_many_threads_charge_once() -> None:
    terminal = SimulatedTerminal(latency=0.05)
    start = threading.Barrier(12)

    def pay(_: int) -> TerminalResult:
        start.wait()
        return terminal.charge(Decimal("48.10"), "sale-3:1")

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(pay, range(12)))
    assert terminal.captures == 1
    assert len({r.transaction_id for r in results}) == 1 and all(r.approved for r in results)


def test_different_references_are_different_charges() -> None:
    terminal = SimulatedTerminal(latency=0.01)
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda n: terminal.charge(Decimal("1.00"), f"sale-4:{n}"), range(6)))
    assert terminal.captures == 6 and len({r.transaction_id for r in results}) == 6


def test_a_declined_reference_answers_the_same_and_a_new_one_can_pay() -> None:
    terminal = SimulatedTerminal()
    terminal.queue_outcomes("decline")
    declined = terminal.charge(Decimal("20.00"), "sale-5:1")
    assert declined.status == "declined" and declined.transaction_id is None and declined.card_last_four is None
    assert terminal.charge(Decimal("20.00"), "sale-5:1") == declined
    assert terminal.lookup("sale-5:1") == declined
    assert terminal.charge(Decimal("20.00"), "sale-5:2").approved and terminal.captures == 1


def test_a_time_out_that_never_reached_the_processor_can_be_charged_again() -> None:
    terminal = SimulatedTerminal()
    terminal.queue_outcomes("timeout")
    assert terminal.charge(Decimal("9.99"), "sale-6:1").status == "timed_out"
    assert terminal.lookup("sale-6:1") is None and terminal.captures == 0
    retry = terminal.charge(Decimal("9.99"), "sale-6:1")
    assert retry.approved and terminal.captures == 1


def test_a_time_out_after_charging_is_found_by_lookup_and_a_retry_returns_the_first_approval() -> None:
    terminal = SimulatedTerminal()
    terminal.queue_outcomes("timeout_charged")
    lost = terminal.charge(Decimal("9.99"), "sale-7:1")
    assert lost.status == "timed_out" and lost.transaction_id is None
    found = terminal.lookup("sale-7:1")
    assert found is not None and found.approved and found.transaction_id
    assert terminal.charge(Decimal("9.99"), "sale-7:1") == found and terminal.captures == 1


@pytest.mark.parametrize(
    ("amount", "status", "captures"),
    [("666.66", "declined", 0), ("777.77", "timed_out", 0), ("888.88", "timed_out", 1), ("666.67", "approved", 1)],
)
def test_trigger_amounts_for_the_demo(amount: str, status: str, captures: int) -> None:
    terminal = SimulatedTerminal()
    assert terminal.charge(Decimal(amount), "sale-8:1").status == status
    assert terminal.captures == captures


def test_a_reference_reused_for_another_amount_is_refused() -> None:
    terminal = SimulatedTerminal()
    terminal.charge(Decimal("10.00"), "sale-9:1")
    refused = terminal.charge(Decimal("11.00"), "sale-9:1")
    assert refused.status == "declined" and "another amount" in refused.message and terminal.captures == 1


def test_void_releases_the_charge_and_the_reference() -> None:
    terminal = SimulatedTerminal()
    paid = terminal.charge(Decimal("30.00"), "sale-10:1")
    assert paid.transaction_id is not None
    voided = terminal.void(paid.transaction_id)
    assert voided.approved and voided.transaction_id == paid.transaction_id and voided.amount == Decimal("30.00")
    assert terminal.void(paid.transaction_id).approved  # a retried void is harmless
    assert terminal.lookup("sale-10:1") is None
    assert terminal.charge(Decimal("30.00"), "sale-10:1").status == "declined"  # never the voided approval
    assert terminal.void("SIMTXN99999999").status == "declined"
    assert terminal.refund(paid.transaction_id, Decimal("1.00")).status == "declined"


def test_refunds_up_to_what_was_charged() -> None:
    terminal = SimulatedTerminal()
    paid = terminal.charge(Decimal("30.00"), "sale-11:1")
    assert paid.transaction_id is not None
    part = terminal.refund(paid.transaction_id, Decimal("12.50"))
    assert part.approved and part.amount == Decimal("12.50") and part.transaction_id != paid.transaction_id
    assert part.card_last_four == paid.card_last_four
    too_much = terminal.refund(paid.transaction_id, Decimal("17.51"))
    assert too_much.status == "declined" and "$17.50" in too_much.message
    assert terminal.refund(paid.transaction_id, Decimal("17.50")).approved
    assert terminal.void(paid.transaction_id).status == "declined"  # refunded: nothing left to void
    assert terminal.refund("nope", Decimal("1.00")).status == "declined"


@pytest.mark.parametrize("amount", [12.34, 0, Decimal("0"), Decimal("-1"), Decimal("1.005"), Decimal("NaN")])
def test_amounts_are_positive_decimal_cents(amount: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        SimulatedTerminal().charge(amount, "sale-12:1")  # type: ignore[arg-type]


def test_a_charge_needs_a_reference_and_known_outcomes() -> None:
    terminal = SimulatedTerminal()
    with pytest.raises(ValueError):
        terminal.charge(Decimal("1.00"), " ")
    with pytest.raises(ValueError):
        terminal.queue_outcomes("maybe")  # type: ignore[arg-type]
