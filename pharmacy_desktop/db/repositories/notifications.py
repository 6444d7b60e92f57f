"""The outgoing message queue and its templates."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import aliased

from pharmacy_desktop.db.models.notifications import Notification, NotificationTemplate
from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.db.models.prescriptions import Medication, Prescription, PrescriptionItem, PrescriptionRefill
from pharmacy_desktop.db.repositories.base import Repository


class NotificationRepository(Repository[Notification]):
    model = Notification
    label = "notification"

    def pending(self, limit: int = 50, *, claim: bool = False) -> list[Notification]:
        """Pending messages with retries left, oldest first. ``claim`` locks them (skipping rows
        another sender holds) so two workstations never send the same message."""
        stmt = (
            select(Notification)
            .where(
                Notification.status == "pending",
                Notification.retry_count.is_(None) | (Notification.retry_count < Notification.max_retries),
            )
            .order_by(Notification.created_at, Notification.id)
            .limit(limit)
        )
        if claim:
            stmt = stmt.with_for_update(skip_locked=True)
        return list(self.session.scalars(stmt))

    def claim_due(self, now: dt.datetime, lease_expired_before: dt.datetime, limit: int = 20) -> list[Notification]:
        """Rows due now, locked with SKIP LOCKED (another sender's rows are passed over).

        Due: 'pending' whose next attempt has come, or 'sending' whose sender's lease ran out
        (it died between sending and recording: sent again once, with the same message id).
        """
        stmt = (
            select(Notification)
            .where(
                or_(
                    (Notification.status == "pending")
                    & (Notification.next_attempt_at.is_(None) | (Notification.next_attempt_at <= now)),
                    (Notification.status == "sending") & (Notification.claimed_at < lease_expired_before),
                )
            )
            .order_by(Notification.next_attempt_at.nulls_first(), Notification.created_at, Notification.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        return list(self.session.scalars(stmt))

    def for_event(self, patient_id: uuid.UUID, event_key: str) -> list[Notification]:
        """The rows of one event (the key, and its follow-ups ``key#2``, ``key#3`` ...), newest last, locked."""
        stmt = (
            select(Notification)
            .where(
                Notification.patient_id == patient_id,
                or_(Notification.event_key == event_key, Notification.event_key.startswith(event_key + "#")),
            )
            .order_by(Notification.created_at, Notification.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return list(self.session.scalars(stmt))

    def insert_unless_exists(self, values: dict[str, Any]) -> uuid.UUID | None:
        """Insert one outbox row; None when the patient already has a row with that event key
        (another transaction's insert of the same event is waited for, then left alone)."""
        stmt = (
            insert(Notification)
            .values(**values)
            .on_conflict_do_nothing(constraint="uq_notifications_event")
            .returning(Notification.id)
        )
        return self.session.execute(stmt).scalar_one_or_none()

    def by_message_id(self, message_id: str) -> Notification | None:
        return self.session.scalars(select(Notification).where(Notification.message_id == message_id)).first()

    def by_external_id(self, external_id: str) -> Notification | None:
        return self.session.scalars(select(Notification).where(Notification.external_id == external_id)).first()

    def waiting_for(self, patient_id: uuid.UUID, channel: str) -> list[Notification]:
        """The patient's messages on a channel not sent yet (pending or being retried), locked."""
        stmt = (
            select(Notification)
            .where(
                Notification.patient_id == patient_id,
                Notification.notification_type == channel,
                Notification.status == "pending",
            )
            .with_for_update()
        )
        return list(self.session.scalars(stmt))

    def patients_with_sms_number(self, digits: str) -> list[Patient]:
        """Patients whose primary phone is this ten-digit US number (written any way), locked."""
        phone = func.regexp_replace(Patient.phone_primary, "[^0-9]", "", "g")
        stmt = select(Patient).where(phone.in_([digits, "1" + digits])).with_for_update()
        return list(self.session.scalars(stmt))

    def for_patient(self, patient_id: uuid.UUID, limit: int = 200) -> list[Notification]:
        stmt = (
            select(Notification)
            .where(Notification.patient_id == patient_id)
            .order_by(Notification.created_at.desc(), Notification.id)
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    # -- templates -----------------------------------------------------------------------------

    def active_template(self, event: str, channel: str) -> NotificationTemplate | None:
        stmt = select(NotificationTemplate).where(
            NotificationTemplate.event_trigger == event,
            NotificationTemplate.notification_type == channel,
            NotificationTemplate.is_active.is_(True),
        )
        return self.session.scalars(stmt).first()

    def add_template_unless_exists(self, values: dict[str, Any]) -> None:
        """Insert a template unless one with its name, or an active one of its event and channel, exists."""
        self.session.execute(insert(NotificationTemplate).values(**values).on_conflict_do_nothing())

    def any_template(self) -> bool:
        return self.session.scalars(select(NotificationTemplate.id).limit(1)).first() is not None

    def template_by_name(self, template_name: str, *, active_only: bool = True) -> NotificationTemplate | None:
        stmt = select(NotificationTemplate).where(NotificationTemplate.template_name == template_name)
        if active_only:
            stmt = stmt.where(NotificationTemplate.is_active.is_not(False))
        return self.session.scalars(stmt).first()

    def templates(self, *, active_only: bool = True) -> list[NotificationTemplate]:
        stmt = select(NotificationTemplate).order_by(NotificationTemplate.template_name)
        if active_only:
            stmt = stmt.where(NotificationTemplate.is_active.is_not(False))
        return list(self.session.scalars(stmt))

    # -- what a message is about (prescription_schema, read only) ------------------------------

    def ready_since(self, patient_id: uuid.UUID, since: dt.datetime) -> list[tuple[uuid.UUID, str]]:
        """The patient's prescriptions waiting in will-call that became ready at or after ``since``:
        (prescription id, drug name of each item: the dispensed product, else the written one)."""
        dispensed = aliased(Medication)
        stmt = (
            select(Prescription.id, dispensed.drug_name, PrescriptionItem.written_medication_name)
            .join(PrescriptionItem, PrescriptionItem.prescription_id == Prescription.id)
            .outerjoin(dispensed, dispensed.id == PrescriptionItem.dispensed_medication_id)
            .where(
                Prescription.patient_id == patient_id,
                Prescription.status == "ready",
                Prescription.ready_at >= since,
            )
            .order_by(Prescription.ready_at, Prescription.id, PrescriptionItem.id)
        )
        return [(rx_id, drug or written) for rx_id, drug, written in self.session.execute(stmt)]

    def last_fills_running_out(self, first: dt.date, last: dt.date) -> list[Any]:
        """The last dispensed fill of each prescription item whose supply ends between ``first`` and
        ``last``, with refills left and no newer fill under way: (patient_id, prescription_id,
        refill_id, filled_date, days_supply, refills_remaining, expiration_date, drug_name)."""
        last_fill = (
            select(PrescriptionRefill)
            .where(PrescriptionRefill.status == "dispensed")
            .order_by(
                PrescriptionRefill.prescription_item_id,
                PrescriptionRefill.filled_date.desc(),
                PrescriptionRefill.refill_number.desc(),
            )
            .distinct(PrescriptionRefill.prescription_item_id)
            .subquery()
        )
        under_way = (
            select(PrescriptionRefill.id)
            .where(
                PrescriptionRefill.prescription_item_id == PrescriptionItem.id,
                PrescriptionRefill.status.in_(("filled", "verified")),
            )
            .exists()
        )
        ends = last_fill.c.filled_date + last_fill.c.days_supply
        medication = aliased(Medication)
        stmt = (
            select(
                Prescription.patient_id,
                Prescription.id,
                last_fill.c.id,
                last_fill.c.filled_date,
                last_fill.c.days_supply,
                PrescriptionItem.refills_remaining,
                Prescription.expiration_date,
                func.coalesce(medication.drug_name, PrescriptionItem.written_medication_name),
            )
            .join(PrescriptionItem, PrescriptionItem.id == last_fill.c.prescription_item_id)
            .join(Prescription, Prescription.id == PrescriptionItem.prescription_id)
            .outerjoin(medication, medication.id == last_fill.c.medication_id)
            .where(
                ends.between(first, last),
                PrescriptionItem.refills_remaining > 0,
                Prescription.status.not_in(("cancelled", "rejected", "on_hold")),
                ~under_way,
            )
            .order_by(Prescription.patient_id, ends, Prescription.id)
        )
        return list(self.session.execute(stmt))

    def waiting_in_will_call(self, ready_before: dt.datetime) -> list[tuple[uuid.UUID, uuid.UUID, dt.datetime]]:
        """Prescriptions ready (bagged, not picked up) since before ``ready_before``: (patient, rx, ready_at)."""
        stmt = (
            select(Prescription.patient_id, Prescription.id, Prescription.ready_at)
            .where(Prescription.status == "ready", Prescription.ready_at < ready_before)
            .order_by(Prescription.patient_id, Prescription.ready_at, Prescription.id)
        )
        return [(p, r, at) for p, r, at in self.session.execute(stmt)]

    def patients_by_id(self, patient_ids: list[uuid.UUID]) -> dict[uuid.UUID, Patient]:
        if not patient_ids:
            return {}
        return {p.id: p for p in self.session.scalars(select(Patient).where(Patient.id.in_(patient_ids)))}
