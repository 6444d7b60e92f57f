"""Insurance claims of a fill against the real PostgreSQL (services/claims.py), and the fill and
verify screens showing a rejection (pytest-qt).

The adjudicator is the real simulator (adapters/adjudication.py: plans by BIN, reject lists);
a failing or crashing processor is a small adapter that raises, as a real switch client would.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from pharmacy_desktop.adapters.adjudication import NOT_COVERED, OPIOIDS, PRIOR_AUTHORIZATION, SimulatedAdjudicator
from pharmacy_desktop.db.models.audit import DomainEvent
from pharmacy_desktop.db.models.billing import InsuranceClaim, PricingRule
from pharmacy_desktop.db.models.inventory import InventoryBatch, InventoryItem
from pharmacy_desktop.db.models.patients import PatientInsurance
from pharmacy_desktop.db.models.prescriptions import Medication, Prescription, PrescriptionItem, PrescriptionRefill
from pharmacy_desktop.db.models.users import PharmacyProfile
from pharmacy_desktop.domain.claims import ClaimRequest, ClaimResponse, ReversalResponse
from pharmacy_desktop.errors import PermissionDenied, ValidationFailed
from pharmacy_desktop.services import claims, verify
from pharmacy_desktop.services import fill as fill_service
from tests.fill import factories as f
from tests.fill.factories import TODAY

D = Decimal
COMMERCIAL, MEDICARE, SUPPLEMENT = "610014", "004336", "610279"


# -- the world: a validated lisinopril prescription, AWP $0.50 a tablet, a $2.00 dispensing fee ------


@pytest.fixture
def world(uow_factory):
    w = f.world(uow_factory)
    with uow_factory() as uow:
        uow.session.get(InventoryItem, w.item_id).average_wholesale_price = D("0.5000")
        uow.session.get(PharmacyProfile, 1).dispensing_fee = D("2.00")
        uow.commit()
    return w


def add_plan(uow_factory, patient_id, bin_number=COMMERCIAL, kind="primary", **changes):
    values = dict(
        patient_id=patient_id,
        insurance_provider={COMMERCIAL: "Blue Cross Blue Shield of Illinois", MEDICARE: "SilverScript"}.get(
            bin_number, "AARP Medicare Supplement" if bin_number == SUPPLEMENT else "Some Plan"
        ),
        insurance_type=kind,
        policy_number="COM123456789",
        group_number="GRP1234",
        bin_number=bin_number,
        pcn_number="BCBSIL",
        relationship_to_cardholder="self",
        effective_date=TODAY - dt.timedelta(days=60),
    )
    values.update(changes)
    with uow_factory() as uow:
        plan = PatientInsurance(**values)
        uow.session.add(plan)
        uow.commit()
        return plan.id


def fill_it(uow_factory, actors, world):
    return fill_service.fill(uow_factory, actors["technician"], world.rx_id, f.LISINOPRIL_20_100.upc).refill_id


def direct_fill(uow_factory, world, ndc11="64725102001", *, days=30, quantity=30, number=0, ago=0, brand=False):
    """A fill row of any product (the simulator's lists), written as the fill service leaves it."""
    with uow_factory() as uow:
        med = uow.session.scalars(select(Medication).where(Medication.ndc_code == ndc11)).first()
        if med is None:
            med = Medication(
                ndc_code=ndc11,
                package_ndc=f"{ndc11[:5]}-{ndc11[5:9]}-{ndc11[9:]}",
                drug_name="Test Drug",
                generic_name="testamine",
                strength="10 mg",
                dosage_form="TABLET",
                route="ORAL",
                is_generic=not brand,
                catalog_source="test",
            )
            uow.session.add(med)
            uow.session.flush()
            item = InventoryItem(
                medication_id=med.id,
                ndc_code=ndc11,
                quantity_on_hand=D(500),
                quantity_unit="tablet",
                reorder_point=D(10),
                reorder_quantity=D(100),
                average_wholesale_price=D("3.0000") if brand else D("0.5000"),
            )
            uow.session.add(item)
            uow.session.flush()
        else:
            item = uow.session.scalars(select(InventoryItem).where(InventoryItem.medication_id == med.id)).one()
        rx = uow.session.get(Prescription, world.rx_id)
        refill = PrescriptionRefill(
            prescription_id=rx.id,
            prescription_item_id=uow.session.scalars(
                select(PrescriptionItem.id).where(PrescriptionItem.prescription_id == rx.id)
            ).one(),
            refill_number=number,
            medication_id=med.id,
            ndc_code=ndc11,
            quantity_dispensed=D(quantity),
            days_supply=days,
            filled_date=TODAY - dt.timedelta(days=ago),
            status="filled" if ago == 0 else "dispensed",
            inventory_item_id=item.id,
        )
        uow.session.add(refill)
        uow.commit()
        return refill.id


def claim_rows(uow_factory, refill_id=None):
    with uow_factory() as uow:
        stmt = select(InsuranceClaim).order_by(InsuranceClaim.created_at, InsuranceClaim.claim_number)
        if refill_id is not None:
            stmt = stmt.where(InsuranceClaim.prescription_refill_id == refill_id)
        rows = list(uow.session.scalars(stmt))
        uow.session.expunge_all()
        return rows


def events(uow_factory, prefix="Claim"):
    with uow_factory() as uow:
        stmt = select(DomainEvent).where(DomainEvent.event_type.like(f"{prefix}%")).order_by(DomainEvent.occurred_at)
        return [(e.event_type, e.aggregate_id, e.event_data) for e in uow.session.scalars(stmt)]


# -- paid ------------------------------------------------------------------------------------------


def test_a_fill_is_billed_and_paid_with_a_copay_and_every_request_field_is_recorded(uow_factory, actors, world):
    add_plan(uow_factory, world.patient_id)
    refill_id = fill_it(uow_factory, actors, world)
    adjudicator = SimulatedAdjudicator()

    outcome = claims.adjudicate_fill(uow_factory, actors["technician"], adjudicator, refill_id)

    assert outcome.status == "approved" and not outcome.is_problem and outcome.rx_number == world.rx_number
    # AWP 30 x $0.50 + $2.00 fee = $17.00 = U&C (no rule); generic copay $10.00
    assert (outcome.usual_and_customary, outcome.insurance_paid, outcome.patient_pay) == (
        D("17.00"),
        D("7.00"),
        D("10.00"),
    )
    assert "Paid by Blue Cross Blue Shield of Illinois: plan pays $7.00, patient pays $10.00." == outcome.message
    [row] = claim_rows(uow_factory)
    assert re.fullmatch(r"CLM\d{8}", row.claim_number)
    assert (row.prescription_id, row.prescription_refill_id, row.payer_sequence) == (world.rx_id, refill_id, 1)
    assert (row.bin_number, row.pcn, row.group_number, row.member_id, row.person_code) == (
        COMMERCIAL, "BCBSIL", "GRP1234", "COM123456789", "001",
    )  # fmt: skip
    assert (row.ndc, row.quantity, row.days_supply, row.daw) == (f.LISINOPRIL_20_100.ndc11, D("30.000"), 30, "0")
    assert (row.ingredient_cost, row.dispensing_fee, row.usual_and_customary, row.other_payer_amount) == (
        D("15.00"), D("2.00"), D("17.00"), D("0.00"),
    )  # fmt: skip
    assert (row.submitted_amount, row.approved_amount, row.patient_responsibility) == (
        D("17.00"),
        D("7.00"),
        D("10.00"),
    )
    assert row.status == "approved" and row.external_claim_id.startswith("SIM") and row.reject_codes is None
    assert row.submission_date == row.response_date == dt.date.today()
    assert [(e, a) for e, a, _ in events(uow_factory)] == [("ClaimSubmitted", row.id), ("ClaimApproved", row.id)]
    assert "COM123456789" not in str(events(uow_factory))  # the member ID stays in the claim row

    again = claims.adjudicate_fill(uow_factory, actors["technician"], adjudicator, refill_id)
    assert again.status == "approved" and len(claim_rows(uow_factory)) == 1  # never billed twice


def test_u_and_c_comes_from_the_pricing_rules_and_the_plan_pays_on_the_lower_of(uow_factory, actors, world):
    add_plan(uow_factory, world.patient_id)
    with uow_factory() as uow:
        uow.session.add(
            PricingRule(
                rule_name="Everyday generics 10% off AWP",
                rule_type="medication",
                conditions={"brand_generic": "generic"},
                pricing_method="awp_minus_percentage",
                pricing_value=D("10"),
                priority=5,
                effective_date=TODAY - dt.timedelta(days=1),
            )
        )
        uow.commit()
    outcome = claims.adjudicate_fill(
        uow_factory, actors["technician"], SimulatedAdjudicator(), fill_it(uow_factory, actors, world)
    )
    [row] = claim_rows(uow_factory)
    assert (row.ingredient_cost, row.usual_and_customary) == (D("15.00"), D("15.50"))  # 13.50 + 2.00
    assert (outcome.insurance_paid, outcome.patient_pay) == (D("5.50"), D("10.00"))


def test_cost_of_the_lot_prices_a_drug_without_awp_and_the_copay_never_exceeds_u_and_c(uow_factory, actors, world):
    add_plan(uow_factory, world.patient_id)
    with uow_factory() as uow:
        uow.session.get(InventoryItem, world.item_id).average_wholesale_price = None
        for batch in uow.session.scalars(
            select(InventoryBatch).where(InventoryBatch.inventory_item_id == world.item_id)
        ):
            batch.unit_cost = D("0.2000")
        uow.commit()
    outcome = claims.adjudicate_fill(
        uow_factory, actors["technician"], SimulatedAdjudicator(), fill_it(uow_factory, actors, world)
    )
    assert outcome.usual_and_customary == D("9.50")  # 30 x $0.20 x 1.25 + $2.00
    assert (outcome.insurance_paid, outcome.patient_pay) == (D("0.00"), D("9.50"))


def test_no_insurance_means_no_claim_and_the_cash_price(uow_factory, actors, world):
    add_plan(uow_factory, world.patient_id, expiration_date=TODAY - dt.timedelta(days=1))  # lapsed
    outcome = claims.adjudicate_fill(
        uow_factory, actors["technician"], SimulatedAdjudicator(), fill_it(uow_factory, actors, world)
    )
    assert outcome.status == "cash" and outcome.claims == () and outcome.patient_pay is None
    assert outcome.usual_and_customary == D("17.00") and "$17.00" in outcome.message
    assert claim_rows(uow_factory) == []


# -- rejected ----------------------------------------------------------------------------------------


REJECTS = [
    ("01", {"plan": {"bin_number": "999999"}}),
    ("65", {"plan": {"policy_number": "TERM0001"}}),
    ("41", {"plan": {"bin_number": SUPPLEMENT, "insurance_type": "secondary"}}),
    ("70", {"fill": {"ndc11": sorted(NOT_COVERED)[0] + "09"}}),
    ("75", {"fill": {"ndc11": sorted(PRIOR_AUTHORIZATION)[0] + "04"}}),
    ("76", {"fill": {"days": 120}}),
    ("79", {"previous_fill_days_ago": 10}),
    ("88", {"fill": {"ndc11": sorted(OPIOIDS)[0] + "01"}}),
]


@pytest.mark.parametrize(("code", "how"), REJECTS, ids=[c for c, _ in REJECTS])
def test_each_reject_code_is_recorded_and_explained(uow_factory, actors, world, code, how):
    add_plan(uow_factory, world.patient_id, **how.get("plan", {}))
    if "previous_fill_days_ago" in how:
        direct_fill(uow_factory, world, number=0, ago=how["previous_fill_days_ago"])
        refill_id = direct_fill(uow_factory, world, number=1)
    else:
        refill_id = direct_fill(uow_factory, world, **how.get("fill", {}))

    outcome = claims.adjudicate_fill(uow_factory, actors["technician"], SimulatedAdjudicator(), refill_id)

    assert outcome.status == "rejected" and outcome.is_problem and outcome.patient_pay is None
    assert outcome.reject_lines[0].startswith(f"{code} ") and "What to do:" in outcome.reject_lines[0]
    [row] = claim_rows(uow_factory)  # no secondary after a primary that did not pay
    assert (row.status, row.reject_codes, row.rejection_code) == ("rejected", [code], code)
    assert row.approved_amount is None and row.external_claim_id is None and code in row.rejection_reason
    assert [e for e, _, _ in events(uow_factory)] == ["ClaimSubmitted", "ClaimRejected"]
    [view] = claims.claims_for_prescription(uow_factory, actors["pharmacist"], world.rx_id)
    assert view.is_problem and view.reject_codes == (code,) and view.reject_lines == outcome.reject_lines


def test_refill_too_soon_names_the_day_the_plan_pays_again(uow_factory, actors, world):
    add_plan(uow_factory, world.patient_id)
    direct_fill(uow_factory, world, number=0, ago=10)
    outcome = claims.adjudicate_fill(
        uow_factory, actors["technician"], SimulatedAdjudicator(), direct_fill(uow_factory, world, number=1)
    )
    day = TODAY - dt.timedelta(days=10) + dt.timedelta(days=23)
    assert f"the plan pays again on or after {day:%m/%d/%Y}" in outcome.claims[0].message
    assert f"the plan pays again on or after {day:%m/%d/%Y}" in outcome.message


def test_a_claim_that_cannot_be_sent_says_what_to_correct_and_writes_no_claim(uow_factory, actors, world):
    add_plan(uow_factory, world.patient_id, bin_number="61001", policy_number="SECRET-MEMBER-1")
    outcome = claims.adjudicate_fill(
        uow_factory, actors["technician"], SimulatedAdjudicator(), fill_it(uow_factory, actors, world)
    )
    assert outcome.status == "not_billable" and outcome.is_problem
    assert "BIN must be 6 digits" in outcome.message and "Correct the patient's insurance record" in outcome.message
    assert "SECRET" not in outcome.message and "SECRET" not in str(events(uow_factory))
    assert claim_rows(uow_factory) == [] and [e for e, _, _ in events(uow_factory)] == ["ClaimNotBillable"]


# -- secondary -----------------------------------------------------------------------------------------


def test_the_secondary_is_billed_for_what_the_primary_left(uow_factory, actors, world):
    add_plan(uow_factory, world.patient_id, MEDICARE, policy_number="MED123456789", pcn_number="MEDDADV")
    add_plan(uow_factory, world.patient_id, SUPPLEMENT, "secondary", policy_number="AARP1234567", group_number=None)
    refill_id = direct_fill(uow_factory, world, "00310099910", brand=True)  # AWP 30 x $3.00 + $2.00 = $92.00

    outcome = claims.adjudicate_fill(uow_factory, actors["technician"], SimulatedAdjudicator(), refill_id)

    primary, secondary = claim_rows(uow_factory)
    assert (primary.payer_sequence, primary.approved_amount, primary.patient_responsibility) == (
        1,
        D("45.00"),
        D("47.00"),
    )
    assert (secondary.payer_sequence, secondary.other_payer_amount) == (2, D("45.00"))
    assert (secondary.approved_amount, secondary.patient_responsibility) == (D("47.00"), D("0.00"))
    assert secondary.member_id == "AARP1234567" and secondary.patient_insurance_id != primary.patient_insurance_id
    assert outcome.status == "approved" and (outcome.insurance_paid, outcome.patient_pay) == (D("92.00"), D("0.00"))
    assert "Then AARP Medicare Supplement pays $47.00" in outcome.message


# -- reversal --------------------------------------------------------------------------------------------


def test_reversal_undoes_both_claims_secondary_first_and_is_safe_to_repeat(uow_factory, actors, world):
    add_plan(uow_factory, world.patient_id, MEDICARE)
    add_plan(uow_factory, world.patient_id, SUPPLEMENT, "secondary")
    refill_id = direct_fill(uow_factory, world, "00310099910", brand=True)
    adjudicator = SimulatedAdjudicator()
    claims.adjudicate_fill(uow_factory, actors["technician"], adjudicator, refill_id)

    result = claims.reverse_claims(uow_factory, actors["technician"], adjudicator, refill_id, "returned to stock")

    primary, secondary = claim_rows(uow_factory)
    assert result.ok and result.reversed == (secondary.claim_number, primary.claim_number)
    for row in (primary, secondary):
        assert row.status == "reversed" and row.reversal_reason == "returned to stock" and row.reversed_at
        assert adjudicator.is_reversed(row.external_claim_id)
    kinds = [e for e, _, _ in events(uow_factory, "ClaimReversal")] + [
        e for e, _, _ in events(uow_factory, "ClaimReversed")
    ]
    assert kinds.count("ClaimReversalRequested") == 2 and kinds.count("ClaimReversed") == 2
    assert claims.claim_outcome(uow_factory, actors["technician"], refill_id).status == "reversed"
    again = claims.reverse_claims(uow_factory, actors["technician"], adjudicator, refill_id, "returned to stock")
    assert again.ok and again.reversed == ()
    with pytest.raises(ValidationFailed):
        claims.reverse_claims(uow_factory, actors["technician"], adjudicator, refill_id, "  ")


def test_a_refused_or_unanswered_reversal_leaves_the_claim_paid_and_can_be_retried(uow_factory, actors, world):
    add_plan(uow_factory, world.patient_id)
    refill_id = fill_it(uow_factory, actors, world)
    adjudicator = SimulatedAdjudicator()
    claims.adjudicate_fill(uow_factory, actors["technician"], adjudicator, refill_id)
    adjudicator.fail_next()

    unanswered = claims.reverse_claims(uow_factory, actors["technician"], adjudicator, refill_id, "returned to stock")
    assert not unanswered.ok and "did not answer" in unanswered.problems[0]
    assert claim_rows(uow_factory)[0].status == "approved"
    assert claims.reverse_claims(uow_factory, actors["technician"], adjudicator, refill_id, "returned to stock").ok

    refill_2 = direct_fill(uow_factory, world, number=1)  # a second fill, paid under an ID the plan never issued
    _paid_claim_unknown_to_the_plan(uow_factory, world, refill_2)
    refused = claims.reverse_claims(uow_factory, actors["technician"], adjudicator, refill_2, "returned to stock")
    assert not refused.ok and "87" in refused.problems[0]
    assert claim_rows(uow_factory, refill_2)[0].status == "approved"
    assert "ClaimReversalRefused" in [e for e, _, _ in events(uow_factory, "ClaimReversal")]


def _paid_claim_unknown_to_the_plan(uow_factory, world, refill_id):
    with uow_factory() as uow:
        plan_id = uow.session.scalars(select(PatientInsurance.id)).first()
        uow.claims.add_claim(
            prescription_id=world.rx_id,
            prescription_refill_id=refill_id,
            patient_insurance_id=plan_id,
            submission_date=TODAY,
            submitted_amount=D("17.00"),
            approved_amount=D("7.00"),
            patient_responsibility=D("10.00"),
            status="approved",
            external_claim_id="OTHERSWITCH-1",
        )
        uow.commit()


def test_returning_a_fill_to_fill_reverses_its_paid_claim(uow_factory, actors, world):
    add_plan(uow_factory, world.patient_id)
    refill_id = fill_it(uow_factory, actors, world)
    adjudicator = SimulatedAdjudicator()
    claims.adjudicate_fill(uow_factory, actors["technician"], adjudicator, refill_id)
    verify.return_to_fill(uow_factory, actors["pharmacist"], world.rx_id, "wrong count")

    [result] = claims.reverse_returned_claims(
        uow_factory, actors["pharmacist"], adjudicator, world.rx_id, "returned to fill: wrong count"
    )
    assert result.refill_id == refill_id and result.ok and len(result.reversed) == 1
    assert claim_rows(uow_factory)[0].status == "reversed"
    with pytest.raises(ValidationFailed, match="nothing to bill"):
        claims.resubmit(uow_factory, actors["technician"], adjudicator, refill_id)


# -- no answer: failed, resubmitted ----------------------------------------------------------------------


class Exploding:
    """A switch client whose connection breaks (its own exception, not the domain's)."""

    def submit(self, request: ClaimRequest) -> ClaimResponse:
        raise ConnectionResetError(f"peer reset sending member {request.member_id}")  # a careless client

    def reverse(self, external_claim_id: str, reason: str) -> ReversalResponse:
        raise ConnectionResetError("peer reset")


class AppStopped(BaseException):
    """The process dies during the call: nothing after the call runs."""


class Dying(Exploding):
    def submit(self, request: ClaimRequest) -> ClaimResponse:
        raise AppStopped


def test_a_processor_that_breaks_leaves_a_failed_claim_and_resubmit_bills_it(uow_factory, actors, world, caplog):
    add_plan(uow_factory, world.patient_id)
    refill_id = fill_it(uow_factory, actors, world)

    with caplog.at_level(logging.INFO):
        failed = claims.adjudicate_fill(uow_factory, actors["technician"], Exploding(), refill_id)
    assert failed.status == "failed" and "resubmit" in failed.message
    assert "ConnectionResetError" in caplog.text and "COM123456789" not in caplog.text
    [row] = claim_rows(uow_factory)
    assert row.status == "failed" and row.notes == "The claims processor could not be reached."
    assert claims.adjudicate_fill(uow_factory, actors["technician"], Exploding(), refill_id).status == "failed"
    assert len(claim_rows(uow_factory)) == 1  # a repeat never bills again by itself

    adjudicator = SimulatedAdjudicator()
    adjudicator.fail_next()
    assert claims.resubmit(uow_factory, actors["technician"], adjudicator, refill_id).status == "failed"
    assert claim_rows(uow_factory)[-1].notes.startswith("The claims processor did not answer in time")
    paid = claims.resubmit(uow_factory, actors["technician"], adjudicator, refill_id)
    assert paid.status == "approved" and paid.patient_pay == D("10.00")
    assert [r.status for r in claim_rows(uow_factory)] == ["failed", "failed", "approved"]
    assert [e for e, _, _ in events(uow_factory)].count("ClaimFailed") == 2


def test_a_crash_between_the_rows_leaves_a_submitted_claim_that_a_later_resubmit_recovers(uow_factory, actors, world):
    add_plan(uow_factory, world.patient_id)
    refill_id = fill_it(uow_factory, actors, world)
    with pytest.raises(AppStopped):
        claims.adjudicate_fill(uow_factory, actors["technician"], Dying(), refill_id)
    [row] = claim_rows(uow_factory)
    assert row.status == "submitted" and row.usual_and_customary == D("17.00")  # what was sent is on record

    adjudicator = SimulatedAdjudicator()
    waiting = claims.resubmit(uow_factory, actors["technician"], adjudicator, refill_id)
    assert waiting.status == "in_progress" and len(claim_rows(uow_factory)) == 1  # it may still be answered
    with uow_factory() as uow:
        uow.session.execute(
            text("UPDATE billing_schema.insurance_claims SET created_at = now() - interval '5 minutes'")
        )
        uow.commit()

    recovered = claims.resubmit(uow_factory, actors["technician"], adjudicator, refill_id)

    lost, paid = claim_rows(uow_factory)
    assert recovered.status == "approved" and (lost.id, lost.status) == (row.id, "failed")
    assert "app stopped" in lost.notes and paid.status == "approved"


def test_two_workstations_billing_the_same_fill_make_one_claim(uow_factory, actors, world):
    add_plan(uow_factory, world.patient_id)
    refill_id = fill_it(uow_factory, actors, world)
    adjudicator = SimulatedAdjudicator(latency=0.5)
    start = threading.Barrier(2)
    outcomes = []

    def bill():
        start.wait()
        outcomes.append(claims.adjudicate_fill(uow_factory, actors["technician"], adjudicator, refill_id))

    threads = [threading.Thread(target=bill) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(o.status for o in outcomes) == ["approved", "in_progress"]
    assert len(claim_rows(uow_factory)) == 1


def test_billing_needs_a_role_that_fills_verifies_or_sells(uow_factory, actors, world):
    refill_id = fill_it(uow_factory, actors, world)
    with pytest.raises(PermissionDenied):
        claims.adjudicate_fill(uow_factory, actors["admin"], SimulatedAdjudicator(), refill_id)
    with pytest.raises(PermissionDenied):
        claims.reverse_claims(uow_factory, actors["manager"], SimulatedAdjudicator(), refill_id, "returned")
    assert claims.claim_outcome(uow_factory, actors["manager"], refill_id).status == "cash"  # pos.sell reads it


# -- the screens ------------------------------------------------------------------------------------------


@pytest.mark.ui
def test_the_fill_screen_shows_a_rejection_after_the_fill_without_blocking_it(qtbot, uow_factory, actors, world):
    from PySide6.QtCore import Qt

    from pharmacy_desktop.ui.screens.fill import FillScreen
    from pharmacy_desktop.ui.style import STOP_BORDER
    from tests.counter_driver import Counter, context_for
    from tests.fill.test_fill_screen import WAIT, status_of

    add_plan(uow_factory, world.patient_id, policy_number="TERM0001")  # coverage ended: 65
    screen = FillScreen(context_for(uow_factory), actors["technician"])
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    with qtbot.waitActive(screen):
        screen.show()
        screen.activateWindow()
    counter = Counter.on_screen(screen)
    try:
        screen.activate()
        qtbot.waitUntil(lambda: screen.queue.rowCount() == 1, timeout=WAIT)
        counter.scan(world.rx_number)
        qtbot.waitUntil(lambda: screen.view is not None, timeout=WAIT)
        counter.scan(f.LISINOPRIL_20_100.upc)
        qtbot.waitUntil(lambda: screen.check is not None and screen.check.ok, timeout=WAIT)
        assert not screen.claim.isVisible()
        counter.press(Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: screen.claim.state == "problem", timeout=WAIT)
    finally:
        counter.close()
    assert status_of(uow_factory, world.rx_id) == "in_progress"  # the fill stands
    shown = screen.claim.text()
    assert shown.startswith(
        f"CLAIM REJECTED — Rx {world.rx_number}: Rejected by Blue Cross Blue Shield of Illinois: "
        "65 Patient Is Not Covered. Until it is resolved the patient pays $17.00."
    )
    assert "65 Patient Is Not Covered: The plan says the patient is not covered" in shown and "What to do:" in shown
    assert screen.claim.isVisible() and STOP_BORDER in screen.claim.styleSheet()
    assert "filled" in screen.status.text()  # the fill's own message is still there


@pytest.mark.ui
def test_the_verify_screen_shows_the_prescriptions_claim_rejection(qtbot, uow_factory, actors, world):
    from PySide6.QtCore import Qt

    from pharmacy_desktop.ui.screens.verify import VerifyScreen
    from pharmacy_desktop.ui.style import STOP_BORDER
    from tests.counter_driver import Counter, context_for
    from tests.fill.test_fill_screen import WAIT

    add_plan(uow_factory, world.patient_id)
    direct_fill(uow_factory, world, f.LISINOPRIL_20_100.ndc11, number=0, ago=10)  # a 30-day fill 10 days ago
    refill_id = fill_it(uow_factory, actors, world)  # refill 1: too soon for the plan
    claims.adjudicate_fill(uow_factory, actors["technician"], SimulatedAdjudicator(), refill_id)

    screen = VerifyScreen(context_for(uow_factory), actors["pharmacist"])
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    with qtbot.waitActive(screen):
        screen.show()
        screen.activateWindow()
    counter = Counter.on_screen(screen)
    try:
        counter.scan(world.rx_number)
        qtbot.waitUntil(lambda: screen.view is not None, timeout=WAIT)
        qtbot.waitUntil(lambda: screen.claim.state == "problem", timeout=WAIT)
        shown = screen.claim.text()
        assert shown.startswith("CLAIM REJECTED — primary claim CLM")
        assert "79 Refill Too Soon:" in shown and "What to do:" in shown
        assert STOP_BORDER in screen.claim.styleSheet()
        counter.press(Qt.Key.Key_Escape)
        assert not screen.claim.isVisible()  # closed: nothing of this patient stays on screen
    finally:
        counter.close()
