"""The daily jobs (refill due, pickup reminder) and their plan, on the real PostgreSQL."""

from __future__ import annotations

import datetime as dt

from pharmacy_desktop.db.models.prescriptions import Prescription, PrescriptionRefill
from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.services import notification_jobs
from tests.fill import factories as f
from tests.notifications.conftest import fill_and_verify, notifications, set_profile

DAY = dt.date.today()


def dispensed_rx(uow_factory, world, *, ran_out_in: int, days: int = 30, refills: int = 2, status="dispensed"):
    """A prescription whose last dispensed fill runs out ``ran_out_in`` days after DAY."""
    with uow_factory() as uow:
        patient = uow.session.get(f.Patient, world.patient_id)
        med = uow.session.get(f.Medication, world.meds[f.METFORMIN_500.package_ndc])
        rx = f.add_prescription(uow, patient, med, days=days, refills=refills, status=status)
        refill = f.add_previous_fill(uow, rx, med)
        refill.filled_date = DAY + dt.timedelta(days=ran_out_in - days)
        uow.commit()
        return rx.id, refill.id


def test_refill_due_is_planned_then_queued_once(uow_factory, world):
    rx_id, refill_id = dispensed_rx(uow_factory, world, ran_out_in=5)
    [planned] = notification_jobs.plan(uow_factory, DAY)
    assert (planned.event, planned.channel, planned.outcome) == ("refill_due", "email", "would send")
    assert planned.event_key == f"refill:{refill_id}" and planned.date == DAY + dt.timedelta(days=5)
    assert notifications(uow_factory, world.patient_id) == []  # the plan wrote nothing

    result = notification_jobs.run(uow_factory, DAY)
    assert (result.queued, result.already, result.not_contacted) == (1, 0, 0)
    [row] = notifications(uow_factory, world.patient_id)
    assert row.reference_id == rx_id and row.subject == "A refill is due soon"
    due = (DAY + dt.timedelta(days=5)).strftime("%b %-d")
    assert f"due around {due}" in row.message and "metformin" not in row.message.lower()

    again = notification_jobs.run(uow_factory, DAY)  # a second run (another workstation, cron)
    assert (again.queued, again.already) == (0, 1)
    assert len(notifications(uow_factory, world.patient_id)) == 1
    [planned] = notification_jobs.plan(uow_factory, DAY)
    assert planned.outcome == "already queued"


def test_what_is_not_a_refill_due(uow_factory, world):
    dispensed_rx(uow_factory, world, ran_out_in=9)  # beyond the 7-day window
    dispensed_rx(uow_factory, world, ran_out_in=-1)  # ran out yesterday: the window starts today
    dispensed_rx(uow_factory, world, ran_out_in=3, days=10)  # a 10-day course is not maintenance
    dispensed_rx(uow_factory, world, ran_out_in=3, refills=0)  # no refills left
    dispensed_rx(uow_factory, world, ran_out_in=3, status="cancelled")
    rx_id, _ = dispensed_rx(uow_factory, world, ran_out_in=3)
    with uow_factory() as uow:  # ... and one whose next fill is already under way
        rx = uow.session.get(Prescription, rx_id)
        med = uow.session.get(f.Medication, world.meds[f.METFORMIN_500.package_ndc])
        uow.session.refresh(rx, ["items"])
        f.add_previous_fill(uow, rx, med, number=1).status = "filled"
        uow.commit()
    assert notification_jobs.plan(uow_factory, DAY) == []
    # the window is the pharmacy's setting, and the plan is for any date
    set_profile(uow_factory, refill_due_days=10)
    assert [p.date for p in notification_jobs.plan(uow_factory, DAY)] == [DAY + dt.timedelta(days=9)]
    yesterday = DAY - dt.timedelta(days=1)  # planned for yesterday, the one that ran out then is due too
    assert sorted(p.date for p in notification_jobs.plan(uow_factory, yesterday)) == [yesterday, DAY + dt.timedelta(9)]


def test_pickup_reminder_for_a_bag_left_in_will_call(uow_factory, actors, world):
    fill_and_verify(uow_factory, actors, world.rx_id)
    with uow_factory() as uow:  # the ready message went out days ago
        [ready] = uow.notifications.for_patient(world.patient_id)
        ready.status = "sent"
        uow.session.get(Prescription, world.rx_id).ready_at = utcnow() - dt.timedelta(days=5)
        uow.commit()
    assert notification_jobs.plan(uow_factory, DAY - dt.timedelta(days=1)) == []  # 4 days: not yet
    [planned] = notification_jobs.plan(uow_factory, DAY)
    assert planned.event == "pickup_reminder" and planned.rx_count == 1
    assert notification_jobs.run(uow_factory, DAY).queued == 1
    rows = notifications(uow_factory, world.patient_id)
    reminder = next(r for r in rows if r.event_key.startswith("pickup:"))
    assert reminder.subject == "Still waiting for you at Main Street Pharmacy"
    kept_until = (utcnow() - dt.timedelta(days=5)).astimezone().date() + dt.timedelta(days=10)
    assert "1 prescription still waiting" in reminder.message and kept_until.strftime("%b %-d") in reminder.message
    assert notification_jobs.run(uow_factory, DAY + dt.timedelta(days=1)).queued == 0  # once


def test_daily_jobs_run_once_per_local_date(uow_factory, world):
    dispensed_rx(uow_factory, world, ran_out_in=2)
    jobs = notification_jobs.DailyJobs(uow_factory)
    now = utcnow()
    assert jobs.run_due(now).queued == 1
    assert jobs.run_due(now + dt.timedelta(seconds=5)) is None
    tomorrow = jobs.run_due(now + dt.timedelta(days=1))
    assert tomorrow is not None and tomorrow.queued == 0


def test_refill_row_shape_for_a_patient_without_consent(uow_factory, world):
    with uow_factory() as uow:
        uow.session.get(f.Patient, world.patient_id).contact_consent_at = None
        uow.commit()
    dispensed_rx(uow_factory, world, ran_out_in=1)
    [planned] = notification_jobs.plan(uow_factory, DAY)
    assert planned.channel is None and "consent" in planned.outcome
    assert notification_jobs.run(uow_factory, DAY).not_contacted == 1
    with uow_factory() as uow:
        assert uow.session.query(PrescriptionRefill).count() == 1
    assert notifications(uow_factory, world.patient_id) == []
