"""What the pharmacist sees at clinical review: the prescription, its items and its DUR alerts.

Split from ``services/review.py`` (which re-exports ``Alert``, ``ItemView``, ``ReviewDetail`` and
``CHECK_LABELS``): the view is built inside the caller's unit of work and returned as frozen dataclasses.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from pharmacy_desktop.db.models.prescriptions import Prescription, PrescriptionValidation
from pharmacy_desktop.db.unit_of_work import UnitOfWork
from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.domain.dispensing import dispensing_unit
from pharmacy_desktop.domain.dur_facts import Check
from pharmacy_desktop.domain.workflow import RxStatus
from pharmacy_desktop.services import dur_review
from pharmacy_desktop.services.patient_forms import PatientProfile
from pharmacy_desktop.services.patients import load_profile
from pharmacy_desktop.services.prescription_views import medication_name

CHECK_LABELS = {
    Check.ALLERGY: "Drug allergy",
    Check.INTERACTION: "Drug interaction",
    Check.DUPLICATION: "Therapeutic duplication",
    Check.DOSE: "Dose / quantity",
    Check.EARLY_REFILL: "Early refill",
    Check.CONTROLLED: "Controlled substance",
    Check.DRUG_DISEASE: "Drug-disease",
    Check.PREGNANCY: "Pregnancy",
    Check.LACTATION: "Breastfeeding",
    Check.AGE: "Age",
    Check.SEX: "Sex",
    Check.PRESCRIBER: "Prescriber",
}


# ---------------------------------------------------------------------------------------------
# DTOs


@dataclass(frozen=True)
class Alert:
    validation_id: uuid.UUID
    check: str
    check_label: str
    status: str  # passed / warning / failed
    severity: str
    message: str
    management: str
    drug: str
    acknowledged_by: str | None
    acknowledged_at: dt.datetime | None
    override_reason: str | None
    source: str = ""  # where the rule comes from ("FDA label: Contraindications (4)")
    ncpdp_reason: str | None = None  # NCPDP 439-E4 reason for service ("DA")
    ncpdp_professional: str | None = None  # 440-E5 professional service ("M0")
    ncpdp_result: str | None = None  # 441-E6 result of service ("1G")
    carried: bool = False  # acknowledged in an earlier run that said exactly the same

    @property
    def ncpdp_codes(self) -> str:
        """ "DA/M0/1G" when the override carried codes, else ''."""
        codes = [self.ncpdp_reason, self.ncpdp_professional, self.ncpdp_result]
        return "/".join(c or "—" for c in codes) if any(codes) else ""

    @property
    def is_alert(self) -> bool:
        return self.status != "passed"

    @property
    def needs_override(self) -> bool:
        return self.status == "failed"

    @property
    def resolved(self) -> bool:
        if self.status == "passed":
            return True
        if self.status == "failed":
            return self.acknowledged_at is not None and bool(self.override_reason)
        return self.acknowledged_at is not None

    @property
    def state_text(self) -> str:
        if self.status == "passed":
            return "Passed"
        if self.resolved:
            who = self.acknowledged_by or "pharmacist"
            if self.carried:
                who += " (before the checks ran again)"
            if self.override_reason:
                codes = f" [{self.ncpdp_codes}]" if self.ncpdp_codes else ""
                return f"Overridden by {who}{codes}: {self.override_reason}"
            return f"Acknowledged by {who}"
        return "Needs override with a reason" if self.needs_override else "Needs acknowledgement"


@dataclass(frozen=True)
class ItemView:
    drug: str
    schedule: str
    quantity: str
    quantity_unit: str
    days_supply: int
    sig: str
    directions: str
    refills: int
    daw_code: str


@dataclass(frozen=True)
class ReviewDetail:
    prescription_id: uuid.UUID
    rx_number: str
    version: int
    status: str
    is_stat: bool
    source: str
    written_date: dt.date
    expiration_date: dt.date
    received_at: dt.datetime | None
    received_by: str | None
    promised_at: dt.datetime | None
    notes: str | None
    returned_note: str | None
    prescriber_name: str
    prescriber_npi: str
    prescriber_dea: str | None
    prescriber_phone: str | None
    items: tuple[ItemView, ...]
    patient: PatientProfile
    active_medications: tuple[dur_review.ActiveMed, ...]
    alerts: tuple[Alert, ...]

    @property
    def open_alerts(self) -> tuple[Alert, ...]:
        return tuple(a for a in self.alerts if a.is_alert and not a.resolved)

    @property
    def alert_ids(self) -> frozenset[uuid.UUID]:
        """The DUR rows shown (``review.approve(seen_alerts=...)``: approval of what was seen, only)."""
        return frozenset(a.validation_id for a in self.alerts)

    @property
    def can_approve(self) -> bool:
        return self.status == RxStatus.RECEIVED.value and not self.open_alerts

    @property
    def drug_line(self) -> str:
        return "; ".join(f"{i.drug}{f' [{i.schedule}]' if i.schedule else ''}" for i in self.items)


# ---------------------------------------------------------------------------------------------
# Reading


def _user_names(uow: UnitOfWork, ids: set[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    return uow.users.display_names(ids)


def build_alerts(uow: UnitOfWork, rows: list[PrescriptionValidation]) -> tuple[Alert, ...]:
    names = _user_names(uow, {r.acknowledged_by for r in rows})
    return tuple(
        Alert(
            r.id,
            r.validation_type,
            CHECK_LABELS.get(r.validation_type, r.validation_type.replace("_", " ")),
            r.validation_status,
            r.severity or "none",
            r.message or "",
            str((r.details or {}).get("management") or ""),
            str((r.details or {}).get("drug") or ""),
            names.get(r.acknowledged_by) if r.acknowledged_by else None,
            r.acknowledged_at,
            r.override_reason,
            str((r.details or {}).get("source") or ""),
            r.ncpdp_reason_code,
            r.ncpdp_professional_code,
            r.ncpdp_result_code,
            bool((r.details or {}).get("carried_from")),
        )
        for r in rows
    )


def build_detail(uow: UnitOfWork, rx: Prescription, today: dt.date | None) -> ReviewDetail:
    names = _user_names(uow, {rx.received_by})
    items = []
    for i in sorted(rx.items, key=lambda i: i.created_at or utcnow()):
        schedule = dur_review.schedule_of(i.medication)
        items.append(
            ItemView(
                medication_name(i.medication, i.written_medication_name),
                schedule.display if schedule.roman else "",
                f"{i.quantity.normalize():f}",
                dispensing_unit(i.quantity, i.quantity_unit, i.medication.dosage_form if i.medication else None),
                i.days_supply,
                i.sig,
                i.directions or "",
                i.refills_authorized,
                i.daw_code or "0",
            )
        )
    return ReviewDetail(
        rx.id,
        rx.prescription_number,
        rx.version or 1,
        rx.status,
        bool(rx.is_stat),
        rx.source,
        rx.written_date,
        rx.expiration_date,
        rx.received_at,
        names.get(rx.received_by) if rx.received_by else None,
        rx.promised_at,
        rx.notes,
        rx.returned_note,
        rx.prescriber_name,
        rx.prescriber_npi,
        rx.prescriber_dea,
        rx.prescriber_phone,
        tuple(items),
        load_profile(uow, rx.patient_id),
        tuple(dur_review.active_medication_list(uow, rx.patient_id, excluding=rx.id, today=today)),
        build_alerts(uow, dur_review.current_validations(uow, rx.id)),
    )
