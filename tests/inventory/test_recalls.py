"""Recalls, expiry and disposal of quarantined stock, on the real PostgreSQL; invariants after each."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from pharmacy_desktop.db.models.audit import AccessLog, DomainEvent
from pharmacy_desktop.db.models.inventory import InventoryBatch, InventoryTransaction, StockAdjustment
from pharmacy_desktop.domain.dispensing import quantity_text
from pharmacy_desktop.errors import PermissionDenied, ValidationFailed
from pharmacy_desktop.services import fill, quarantine
from pharmacy_desktop.services.quarantine_disposal import form_41
from tests.cli.conftest import run_main
from tests.fill import factories as f
from tests.inventory.invariants import assert_inventory_invariants
from tests.inventory.ledger_world import TODAY, new_item, receive

SMALL, BIG, OTHER = f.LISINOPRIL_20_100, f.LISINOPRIL_20_1000, f.LISINOPRIL_10


def batches(uow_factory, item_id):
    with uow_factory() as uow:
        return {b.batch_number: (b.status, b.quantity_remaining) for b in uow.inventory.batches_of(item_id)}


def on_hand(uow_factory, item_id):
    with uow_factory() as uow:
        return uow.inventory.require(item_id).quantity_on_hand


@pytest.fixture
def shelf(uow_factory, engine, actors):
    """Lot R1 in both packages of lisinopril 20 mg and in lisinopril 10 mg (another product); three
    fills: Maria's scanned from R1, Ann's from OK1, Lee's by UPC split OK1 (first) + R1."""
    world = f.world(uow_factory, stock_for=())
    with uow_factory() as uow:
        meds = {d: uow.session.get(f.Medication, world.meds[d.package_ndc]) for d in (SMALL, BIG, OTHER)}
        items = {d: new_item(uow, meds[d]).id for d in meds}
        ann = f.add_patient(uow, "Ann", "Lee", email="ann@example.test", phone_primary="(217) 555-0199")
        lee = f.add_patient(uow, "Lee", "Park")
        rx_ann = f.add_prescription(uow, ann, meds[SMALL], quantity=10)
        rx_lee = f.add_prescription(uow, lee, meds[SMALL], quantity=30)
        uow.commit()
    receive(uow_factory, items[SMALL], "OK1", 20, expiry=TODAY + dt.timedelta(days=100))
    receive(uow_factory, items[SMALL], "R1", 100, expiry=TODAY + dt.timedelta(days=400))
    receive(uow_factory, items[BIG], "R1", 1000, expiry=TODAY + dt.timedelta(days=400))
    receive(uow_factory, items[OTHER], "R1", 50)
    tech = actors["technician"]
    fill.fill(uow_factory, tech, world.rx_id, SMALL.datamatrix("R1", TODAY + dt.timedelta(days=400)))
    fill.fill(uow_factory, tech, rx_ann.id, SMALL.datamatrix("OK1", TODAY + dt.timedelta(days=100)))
    # several bottles, first expiry first: the last 10 of OK1, then 20 of R1
    fill.fill(uow_factory, tech, rx_lee.id, SMALL.upc, lot=fill.ANY_LOT)
    assert batches(uow_factory, items[SMALL]) == {"OK1": ("active", 0), "R1": ("active", 50)}
    assert_inventory_invariants(engine)
    return (
        world,
        items,
        {"maria": world.rx_number, "ann": rx_ann.prescription_number, "lee": rx_lee.prescription_number},
    )


def test_recall_quarantines_every_package_and_lists_who_received_the_lot(uow_factory, engine, actors, shelf):
    world, items, rx = shelf
    result = quarantine.recall_lot(
        uow_factory, actors["pharmacist"], "64725-1020-01", " r1 ", reason="Dissolution failure", recall_class="II"
    )
    assert not result.already_recorded and result.ndc == SMALL.ndc11
    assert sorted((q.ndc, q.quantity, q.previous_status) for q in result.lots) == [
        (SMALL.ndc11, 50, "active"),
        (BIG.ndc11, 1000, "active"),
    ]
    assert result.quantity_quarantined == 1050
    # what the screen says them in: the item's unit and the drug's form (issue 18: '50 tablets')
    assert {quantity_text(q.quantity, q.unit, q.dosage_form) for q in result.lots} == {"50 tablets", "1000 tablets"}
    assert {quantity_text(r.quantity, r.unit, r.dosage_form) for r in result.recipients} == {"30 tablets"}
    assert batches(uow_factory, items[SMALL]) == {"OK1": ("active", 0), "R1": ("recalled", 50)}
    assert batches(uow_factory, items[BIG]) == {"R1": ("recalled", 1000)}
    assert batches(uow_factory, items[OTHER]) == {"R1": ("active", 50)}  # another product's lot R1
    assert (on_hand(uow_factory, items[SMALL]), on_hand(uow_factory, items[BIG])) == (0, 0)
    # Maria (scanned R1) and Lee (FEFO: R1 only on the ledger, the fill record names OK1); not Ann
    assert [(r.rx_number, r.name, r.phone, r.status, r.fill_date) for r in result.recipients] == [
        (rx["maria"], "Gonzalez, Maria", "(217) 555-0142", "filled", TODAY),
        (rx["lee"], "Park, Lee", "(217) 555-0142", "filled", TODAY),
    ]
    with uow_factory() as uow:
        rows = uow.session.scalars(
            select(InventoryTransaction).where(InventoryTransaction.reference_id == result.recall_id)
        ).all()
        assert sorted((r.transaction_type, r.reference_type, r.quantity_change) for r in rows) == [
            ("adjustment", "recall", -1000),
            ("adjustment", "recall", -50),
        ]
        (event,) = uow.session.scalars(select(DomainEvent).where(DomainEvent.aggregate_id == result.recall_id)).all()
        assert event.event_type == "LotRecalled" and event.event_data["patients"] == 2
        assert "Gonzalez" not in json.dumps(event.event_data)  # no patient detail in the event
        outreach = uow.session.scalars(select(AccessLog).where(AccessLog.action == "recall_outreach")).all()
        assert {a.resource_id for a in outreach} >= {world.patient_id}
    assert_inventory_invariants(engine)

    # a recalled lot scanned at fill is refused; a scan without a lot asks which lot is in the hand
    # (the recalled one listed as such) and never picks one by itself (issue 15 item 7)
    with uow_factory() as uow:
        patient = f.add_patient(uow, "Sam", "Ortiz")
        rx4 = f.add_prescription(uow, patient, uow.session.get(f.Medication, world.meds[SMALL.package_ndc]))
        uow.commit()
    with pytest.raises(fill.StockRefused, match="RECALLED"):
        fill.fill(uow_factory, actors["technician"], rx4.id, SMALL.datamatrix("R1", TODAY + dt.timedelta(days=400)))
    with pytest.raises(fill.StockRefused) as asked:
        fill.fill(uow_factory, actors["technician"], rx4.id, SMALL.upc)
    assert [(c.lot, c.status) for c in asked.value.check.lot_choices if c.lot == "R1"] == [("R1", "recalled")]
    with pytest.raises(fill.StockRefused, match="first-expiring-first cannot be assumed"):
        fill.fill(uow_factory, actors["technician"], rx4.id, SMALL.upc, lot=fill.ANY_LOT)
    receive(uow_factory, items[SMALL], "NEW2", 60)
    done = fill.fill(uow_factory, actors["technician"], rx4.id, SMALL.upc, lot="NEW2")
    assert [line.lot for line in done.lines] == ["NEW2"]
    assert batches(uow_factory, items[SMALL])["R1"] == ("recalled", 50)
    assert_inventory_invariants(engine)

    # the same recall again: recorded once; a lot of it received since is quarantined now
    again = quarantine.recall_lot(uow_factory, None, "64725102003", "R1", reason="Dissolution failure")
    assert again.already_recorded and again.recall_id == result.recall_id and again.lots == ()
    assert [r.rx_number for r in again.recipients] == [rx["maria"], rx["lee"]]
    receive(uow_factory, items[BIG], "R1", 500)
    third = quarantine.recall_lot(uow_factory, None, "64725-1020-03", "R1", reason="Dissolution failure")
    assert [(q.ndc, q.quantity) for q in third.lots] == [(BIG.ndc11, 500)]
    assert on_hand(uow_factory, items[BIG]) == 0
    assert_inventory_invariants(engine)


def test_recall_refusals_change_nothing(uow_factory, engine, actors, shelf):
    _, items, _ = shelf
    with pytest.raises(PermissionDenied, match="inventory.recall"):
        quarantine.recall_lot(uow_factory, actors["technician"], SMALL.package_ndc, "R1", reason="x")
    with pytest.raises(ValidationFailed, match="NDC"):
        quarantine.recall_lot(uow_factory, None, "64725-10", "R1", reason="x")
    with pytest.raises(ValidationFailed, match="lot"):
        quarantine.recall_lot(uow_factory, None, SMALL.package_ndc, "  ", reason="x")
    with pytest.raises(ValidationFailed, match="reason"):
        quarantine.recall_lot(uow_factory, None, SMALL.package_ndc, "R1", reason="")
    assert batches(uow_factory, items[SMALL]) == {"OK1": ("active", 0), "R1": ("active", 50)}
    with uow_factory() as uow:
        assert uow.quarantine.recall_for(quarantine.product_key(SMALL.ndc11)[1], "R1") is None
    assert_inventory_invariants(engine)


def test_expiry_pass_is_idempotent_and_leaves_recalled_lots(uow_factory, engine, actors):
    world = f.world(uow_factory, stock_for=())
    with uow_factory() as uow:
        item = new_item(uow, uow.session.get(f.Medication, world.meds[METFORMIN.package_ndc])).id
        uow.commit()
    yesterday, today = TODAY - dt.timedelta(days=1), TODAY
    receive(uow_factory, item, "OLD", 40, expiry=yesterday)
    receive(uow_factory, item, "EMPTY", 10, expiry=yesterday - dt.timedelta(days=30))
    receive(uow_factory, item, "TODAY", 25, expiry=today)
    receive(uow_factory, item, "GOOD", 300, expiry=today + dt.timedelta(days=200))
    receive(uow_factory, item, "BAD", 5, expiry=yesterday)
    quarantine.recall_lot(uow_factory, None, METFORMIN.package_ndc, "BAD", reason="Mislabeled")
    with uow_factory() as uow:  # the empty lot: its 10 units went out before it expired
        locked = uow.inventory.lock_item(item)
        (empty,) = [b for b in uow.inventory.batches_of(item, for_update=True) if b.batch_number == "EMPTY"]
        quarantine.stock_ledger.post(uow, locked, change=Decimal(-10), kind="dispensed", batch=empty)
        uow.commit()
    assert on_hand(uow_factory, item) == 365

    with pytest.raises(PermissionDenied):
        quarantine.quarantine_expired(uow_factory, actors["technician"])
    first = quarantine.quarantine_expired(uow_factory, actors["pharmacist"], as_of=today)
    assert sorted((q.lot, q.quantity, q.transaction_id is not None) for q in first.lots) == [
        ("EMPTY", 0, False),
        ("OLD", 40, True),
    ]
    assert batches(uow_factory, item) == {
        "OLD": ("expired", 40),
        "EMPTY": ("expired", 0),
        "TODAY": ("active", 25),  # usable through its expiry date
        "GOOD": ("active", 300),
        "BAD": ("recalled", 5),
    }
    assert on_hand(uow_factory, item) == 325
    assert quarantine.quarantine_expired(uow_factory, None, as_of=today).lots == ()  # once
    with uow_factory() as uow:
        rows = [t for t in uow.inventory.transactions_for(item) if t.transaction_type == "expired"]
        assert [(t.quantity_change, t.reference_type) for t in rows] == [(-40, "batch")]
    later = quarantine.quarantine_expired(uow_factory, None, as_of=today + dt.timedelta(days=1))
    assert [q.lot for q in later.lots] == ["TODAY"] and on_hand(uow_factory, item) == 300
    assert_inventory_invariants(engine)


METFORMIN, OXYCODONE = f.METFORMIN_500, f.OXYCODONE_5


def test_return_and_destruction_of_quarantined_lots(uow_factory, engine, actors):
    world = f.world(uow_factory, stock_for=())
    with uow_factory() as uow:
        oxy = new_item(uow, uow.session.get(f.Medication, world.meds[OXYCODONE.package_ndc]), unit_cost="0.80").id
        met = new_item(uow, uow.session.get(f.Medication, world.meds[METFORMIN.package_ndc])).id
        uow.commit()
    c1 = receive(uow_factory, oxy, "C1", 100)
    receive(uow_factory, oxy, "C2", 40)
    m1 = receive(uow_factory, met, "M1", 200)
    m2 = receive(uow_factory, met, "M2", 30)
    rph, mgr, tech = actors["pharmacist"], actors["manager"], actors["technician"]

    with pytest.raises(ValidationFailed, match="still in the available stock"):
        quarantine.destroy(uow_factory, rph, c1, method="reverse distributor", witnesses=(rph.user_id, mgr.user_id))
    quarantine.recall_lot(uow_factory, None, OXYCODONE.package_ndc, "C1", reason="Potency")
    quarantine.recall_lot(uow_factory, None, METFORMIN.package_ndc, "M1", reason="NDMA")
    assert (on_hand(uow_factory, oxy), on_hand(uow_factory, met)) == (40, 30)

    with pytest.raises(ValidationFailed, match="two different witnesses"):
        quarantine.destroy(uow_factory, rph, c1, method="incineration")
    with pytest.raises(ValidationFailed, match="two different witnesses"):
        quarantine.destroy(uow_factory, rph, c1, method="incineration", witnesses=(mgr.user_id, mgr.user_id))
    with pytest.raises(PermissionDenied):
        quarantine.destroy(uow_factory, tech, c1, method="incineration", witnesses=(rph.user_id, mgr.user_id))
    done = quarantine.destroy(
        uow_factory, rph, c1, method="on-site denaturing kit", witnesses=(rph.user_id, mgr.user_id)
    )
    form = done.form_41
    assert form is not None and done.status == "destroyed" and done.quantity == 100
    assert quantity_text(done.quantity, done.unit, done.dosage_form) == "100 tablets"
    assert (form.drug, form.ndc, form.strength, form.dosage_form, form.schedule, form.quantity, form.lot) == (
        "Oxycodone Hydrochloride", OXYCODONE.ndc11, "5 mg", "TABLET", "CII", 100, "C1"
    )  # fmt: skip
    assert form.method == "on-site denaturing kit" and form.destroyed_on == TODAY
    assert [w for w, _ in form.witnesses] == [rph.user_id, mgr.user_id] and all(n for _, n in form.witnesses)
    assert form.pharmacy_name == "Main Street Pharmacy"
    assert form_41(uow_factory, None, done.adjustment_id) == form
    assert batches(uow_factory, oxy) == {"C1": ("destroyed", 0), "C2": ("active", 40)}
    assert on_hand(uow_factory, oxy) == 40  # left the available stock at the recall, not again

    returned = quarantine.return_to_supplier(uow_factory, mgr, m1, reason="Recall NDMA", supplier="Cardinal Health")
    assert (returned.status, returned.quantity, returned.form_41) == ("returned", 200, None)
    assert quantity_text(returned.quantity, returned.unit, returned.dosage_form) == "200 tablets"
    with pytest.raises(ValidationFailed, match="already returned"):
        quarantine.return_to_supplier(uow_factory, mgr, m1, reason="again")
    with pytest.raises(ValidationFailed, match="still in the available stock"):
        quarantine.return_to_supplier(uow_factory, mgr, m2, reason="not quarantined")
    with uow_factory() as uow:
        rows = {
            a.adjustment_type: a
            for a in uow.session.scalars(select(StockAdjustment).order_by(StockAdjustment.created_at)).all()
        }
        d, r = rows["destruction"], rows["return_to_supplier"]
        assert (d.dea_form, d.is_controlled, d.quantity_difference, d.status, d.transaction_id) == (
            "41", True, -100, "approved", None
        )  # fmt: skip
        assert d.value_difference == Decimal("-80.00") and d.performed_by == rph.user_id
        assert (r.dea_form, r.is_controlled, r.quantity_difference, r.decision_note) == (
            None, False, -200, "Returned to Cardinal Health"
        )  # fmt: skip
        gone = uow.session.scalars(select(InventoryBatch).where(InventoryBatch.status.in_(("returned", "destroyed"))))
        assert sorted(b.batch_number for b in gone) == ["C1", "M1"]
        assert [row.lot for row in quarantine.quarantined_lots(uow_factory, rph)] == []
    assert (on_hand(uow_factory, met), on_hand(uow_factory, oxy)) == (30, 40)
    assert_inventory_invariants(engine)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own, as a person runs it (exit code, stdout, stderr)."""
    return subprocess.run(
        [sys.executable, "-m", "pharmacy_desktop", *args], capture_output=True, text=True, timeout=120, env=os.environ
    )


def test_recall_and_expire_from_the_command_line(database_url, uow_factory, engine, shelf, capsys):
    world, items, rx = shelf
    done = run_cli("inventory", "recall", SMALL.package_ndc, "--lot", "R1", "--reason", "Dissolution", "--json",
                   "--database-url", database_url)  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["quantity_quarantined"] == "1050.00" and len(out["lots"]) == 2
    assert [r["rx_number"] for r in out["recipients"]] == [rx["maria"], rx["lee"]]
    assert out["recipients"][0]["phone"] == "(217) 555-0142"
    text_run = run_main(capsys, "inventory", "recall", SMALL.package_ndc, "--lot", "R1", "--reason", "Dissolution",
                          "--database-url", database_url)  # fmt: skip
    assert text_run.returncode == 0 and "already recorded" in text_run.stdout and "Gonzalez, Maria" in text_run.stdout
    bad = run_main(capsys, "inventory", "recall", "123", "--lot", "R1", "--reason", "x", "--database-url", database_url)
    assert bad.returncode == 2 and bad.stderr.startswith("error:") and "NDC" in bad.stderr

    receive(uow_factory, items[OTHER], "OLD", 7, expiry=TODAY - dt.timedelta(days=3))
    future = (TODAY + dt.timedelta(days=500)).isoformat()
    run = run_main(capsys, "inventory", "expire", "--date", TODAY.isoformat(), "--database-url", database_url)
    assert run.returncode == 0, run.stderr
    assert "1 lot(s) quarantined" in run.stdout and "lot OLD" in run.stdout
    again = run_main(
        capsys, "inventory", "expire", "--date", TODAY.isoformat(), "--json", "--database-url", database_url
    )
    assert json.loads(again.stdout)["lots"] == []
    later = run_main(capsys, "inventory", "expire", "--date", future, "--json", "--database-url", database_url)
    assert sorted(q["lot"] for q in json.loads(later.stdout)["lots"]) == ["OK1", "R1"]  # OTHER's R1; SMALL's OK1
    refused = run_cli("inventory", "expire", "--date", "tomorrow", "--database-url", database_url)  # a process again
    assert refused.returncode == 2 and refused.stderr.startswith("error:") and "YYYY-MM-DD" in refused.stderr
    assert on_hand(uow_factory, items[OTHER]) == 0
    assert_inventory_invariants(engine)


def test_the_workstation_expiry_job_runs_once_a_day_on_its_thread(uow_factory, engine):
    from pharmacy_desktop.app import Application
    from pharmacy_desktop.services.expiry_job import ExpiryJob

    world = f.world(uow_factory, stock_for=())
    with uow_factory() as uow:
        item = new_item(uow, uow.session.get(f.Medication, world.meds[METFORMIN.package_ndc])).id
        uow.commit()
    receive(uow_factory, item, "OLD", 40, expiry=TODAY - dt.timedelta(days=1))
    receive(uow_factory, item, "SOON", 25, expiry=TODAY + dt.timedelta(days=1))
    clock = {"today": TODAY}
    job = Application.make_expiry_job(SimpleNamespace(uow_factory=uow_factory))  # what the GUI starts
    assert isinstance(job, ExpiryJob) and job.poll_interval >= 60  # a look every few minutes, not a busy loop
    job.poll_interval, job.today = 0.05, lambda: clock["today"]

    job.start()
    try:
        deadline = time.monotonic() + 30
        while job.last_run != TODAY and time.monotonic() < deadline:
            time.sleep(0.05)
        assert job.running and job.last_run == TODAY
        assert [q.lot for q in job.last_result.lots] == ["OLD"]
        first = job.last_result
        time.sleep(0.3)  # several looks the same day: no second pass
        assert job.last_result is first
        clock["today"] = TODAY + dt.timedelta(days=2)  # the date changes: one pass more
        job.wake()
        while job.last_run != clock["today"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [q.lot for q in job.last_result.lots] == ["SOON"]
    finally:
        job.stop()
    assert not job.running
    assert batches(uow_factory, item) == {"OLD": ("expired", 40), "SOON": ("expired", 25)}
    assert on_hand(uow_factory, item) == 0
    assert_inventory_invariants(engine)
