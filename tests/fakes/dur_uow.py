"""An in-memory unit of work with just what ``services.dur_review`` asks of it.

The prescriptions, medications and allergies are plain objects a test builds; the validation rows
the DUR writes stay in ``uow.validations`` (superseded ones included), and every recorded domain
event in ``uow.events``. Same method names and meanings as ``db/repositories/dur.py`` and the
prescription repository's ``get_with_items`` / ``active_medications``; ``start_run`` gives what
``db/repositories/dur_run.start_run`` reads in one statement, from the same objects.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from pharmacy_desktop.db.repositories.clinical import legacy_interactions
from pharmacy_desktop.db.repositories.dur_run import ReviewItem, ReviewSubject, RunStart
from pharmacy_desktop.domain.clinical_knowledge import ClinicalKnowledge


@dataclass
class FakeMedication:
    drug_name: str
    generic_name: str | None = None
    brand_name: str | None = None
    strength: str | None = None
    dosage_form: str | None = "TABLET"
    route: str | None = "ORAL"
    therapeutic_class: str | None = None
    pharmacologic_class: str | None = None
    active_ingredients: Any = None
    dea_schedule: str | None = None
    is_controlled_substance: bool = False
    product_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass
class FakeItem:
    medication: FakeMedication | None
    written_medication_name: str
    quantity: int = 30
    days_supply: int = 30
    sig: str = "1 T PO QD"
    refills_authorized: int = 0
    directions: str | None = None
    created_at: dt.datetime | None = None
    prescription: FakePrescription | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass
class FakePrescription:
    patient_id: uuid.UUID
    prescription_number: str
    items: list[FakeItem]
    status: str = "received"
    written_date: dt.date = dt.date(2026, 11, 30)
    expiration_date: dt.date = dt.date(2027, 11, 30)
    prescriber_name: str = "Dr. Ada Reyes"
    prescriber_npi: str = "1234567893"
    prescriber_dea: str | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self) -> None:
        for item in self.items:
            item.prescription = self


@dataclass
class FakeAllergy:
    patient_id: uuid.UUID
    allergen_name: str
    allergen_type: str | None = "drug"
    severity: str | None = "severe"
    reaction: str | None = None
    is_active: bool = True


@dataclass
class FakeValidation:
    prescription_id: uuid.UUID
    prescription_item_id: uuid.UUID
    validation_type: str
    validation_status: str
    severity: str | None
    message: str | None
    details: dict[str, Any]
    performed_by: uuid.UUID | None
    is_current: bool
    acknowledged_at: dt.datetime | None = None
    profile_version: int | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass(frozen=True)
class FakeInteraction:
    generic_1: str
    generic_2: str
    severity: str
    description: str
    management: str = ""
    is_active: bool = True


@dataclass(frozen=True)
class FakeFill:
    item_id: uuid.UUID
    filled_date: dt.date
    days_supply: int
    status: str = "verified"


class FakePrescriptions:
    _ACTIVE = ("received", "in_review", "approved", "filling", "filled", "verified", "ready", "on_hold")

    def __init__(self, store: FakeDurStore):
        self.store = store

    def get_with_items(self, prescription_id: uuid.UUID, *, for_update: bool = False) -> FakePrescription | None:
        return self.store.prescriptions.get(prescription_id)

    def active_medications(
        self, patient_id: uuid.UUID, *, excluding: uuid.UUID | None = None, as_of: dt.date | None = None
    ) -> list[FakeItem]:
        today = as_of or dt.date.today()
        return [
            i
            for rx in self.store.prescriptions.values()
            if rx.patient_id == patient_id
            and rx.id != excluding
            and rx.status in self._ACTIVE
            and rx.expiration_date >= today
            for i in rx.items
        ]


class FakeDur:
    def __init__(self, store: FakeDurStore):
        self.store = store

    def pharm_classes(self, product_ids: Any) -> dict[uuid.UUID, str]:
        return {pid: c for pid, c in self.store.pharm_classes.items() if pid in set(product_ids) and c}

    def products(self, product_ids: Any) -> dict[uuid.UUID, tuple[Any, ...]]:
        return {pid: (c, None, None, None, None, None) for pid, c in self.pharm_classes(product_ids).items()}

    def start_run(self, prescription_id: uuid.UUID, *, as_of: dt.date) -> RunStart | None:
        rx = self.store.prescriptions.get(prescription_id)
        if rx is None:
            return None
        subject = ReviewSubject(
            prescription_id=rx.id,
            patient_id=rx.patient_id,
            prescription_number=rx.prescription_number,
            written_date=rx.written_date,
            prescriber_name=rx.prescriber_name,
            prescriber_npi=rx.prescriber_npi,
            prescriber_dea=rx.prescriber_dea,
            prescriber_first_name=None,
            prescriber_last_name=None,
            prescriber_dea_schedules=None,
            patient_found=False,  # no patient row in the fake: the patient checks say they could not decide
            profile_version=self.profile_version(rx.patient_id),
            date_of_birth=None,
            gender=None,
            weight_kg=None,
            pregnancy_status=None,
            breastfeeding=None,
            conditions=(),
            allergies=tuple(
                (a.allergen_name, a.allergen_type, a.severity, a.reaction) for a in self.active_allergies(rx.patient_id)
            ),
        )
        own = rx.items
        others = FakePrescriptions(self.store).active_medications(rx.patient_id, excluding=rx.id, as_of=as_of)
        items = [*own, *others]
        products = self.products({i.medication.product_id for i in items if i.medication and i.medication.product_id})
        fills = self.last_fills([i.id for i in items])
        replaced = [r for r in self.supersede(rx.id) if r.acknowledged_at is not None]
        return RunStart(
            subject,
            tuple(
                ReviewItem(
                    own=any(i is o for o in own),
                    prescription_number=i.prescription.prescription_number if i.prescription else "",
                    id=i.id,
                    written_medication_name=i.written_medication_name,
                    quantity=i.quantity,  # type: ignore[arg-type]
                    days_supply=i.days_supply,
                    sig=i.sig,
                    refills_authorized=i.refills_authorized,
                    created_at=i.created_at,
                    medication=i.medication,  # type: ignore[arg-type]
                    product=products.get(i.medication.product_id) if i.medication and i.medication.product_id else None,
                    last_fill=fills.get(i.id),
                )
                for i in items
            ),
            tuple(replaced),  # type: ignore[arg-type]
        )

    def profile_version(self, patient_id: uuid.UUID, *, lock: str | None = None) -> int:
        return self.store.profile_versions.get(patient_id, 1)

    def patient_facts(self, patient_id: uuid.UUID) -> None:
        return None  # no patient row in the fake: the patient checks say they could not decide

    def active_conditions(self, patient_id: uuid.UUID) -> list[tuple[str, str | None]]:
        return []

    def waiting_prescriptions(self, patient_id: uuid.UUID) -> list[uuid.UUID]:
        return [
            rx.id for rx in self.store.prescriptions.values() if rx.patient_id == patient_id and rx.status == "received"
        ]

    def patient_of(self, prescription_id: uuid.UUID) -> uuid.UUID | None:
        rx = self.store.prescriptions.get(prescription_id)
        return rx.patient_id if rx else None

    def current_profile_versions(self, prescription_id: uuid.UUID) -> list[int | None]:
        return sorted({r.profile_version for r in self.current(prescription_id)}, key=lambda v: v or 0)

    def last_fills(self, item_ids: Any) -> dict[uuid.UUID, tuple[dt.date, int]]:
        wanted = set(item_ids)
        fills = sorted(
            (f for f in self.store.fills if f.item_id in wanted and f.status != "returned"), key=lambda f: f.filled_date
        )
        return {f.item_id: (f.filled_date, f.days_supply) for f in fills}

    def interaction_pairs(self, name_keys: Any) -> set[tuple[str, str, str, str, str]]:
        keys = set(name_keys)
        return {
            (r.generic_1.lower(), r.generic_2.lower(), r.severity, r.description, r.management)
            for r in self.store.interactions
            if r.is_active and any(k in g.lower() for k in keys for g in (r.generic_1, r.generic_2))
        }

    def active_allergies(self, patient_id: uuid.UUID) -> list[FakeAllergy]:
        return [a for a in self.store.allergies if a.patient_id == patient_id and a.is_active]

    def supersede(self, prescription_id: uuid.UUID) -> list[FakeValidation]:
        replaced = [r for r in self.store.validations if r.prescription_id == prescription_id and r.is_current]
        for row in self.store.validations:
            if row.prescription_id == prescription_id:
                row.is_current = False
        return replaced

    def add_validation(self, **columns: Any) -> FakeValidation:
        row = FakeValidation(**columns)
        self.store.validations.append(row)
        return row

    def add_validations(self, rows: Any) -> list[FakeValidation]:
        written = []
        for columns in rows:
            fields = {k: v for k, v in columns.items() if k in FakeValidation.__dataclass_fields__}
            row = FakeValidation(**fields)
            for k, v in columns.items():  # acknowledgement and decision columns carried over
                if k not in fields:
                    setattr(row, k, v)
            self.store.validations.append(row)
            written.append(row)
        return written

    def current(self, prescription_id: uuid.UUID) -> list[FakeValidation]:
        return [r for r in self.store.validations if r.prescription_id == prescription_id and r.is_current]

    def open_alert_rows(self, prescription_ids: Any) -> list[tuple[uuid.UUID, str, int]]:
        counts: dict[tuple[uuid.UUID, str], int] = {}
        for r in self.store.validations:
            if (
                r.prescription_id in set(prescription_ids)
                and r.is_current
                and r.acknowledged_at is None
                and r.validation_status in ("failed", "warning")
            ):
                key = (r.prescription_id, r.validation_status)
                counts[key] = counts.get(key, 0) + 1
        return [(rx_id, status, n) for (rx_id, status), n in counts.items()]

    def has_current(self, prescription_id: uuid.UUID) -> bool:
        return bool(self.current(prescription_id))


class FakeClinical:
    def __init__(self, store: FakeDurStore):
        self.store = store

    def knowledge_for(
        self, ingredients: Any, allergy_texts: Any = (), condition_texts: Any = (), *, legacy_keys: Any = ()
    ) -> ClinicalKnowledge:
        """The store's knowledge; with ``legacy_keys`` the store's interaction pairs naming them
        among its interactions (as the real repository reads them in the same round trip)."""
        keys = [k for k in legacy_keys if k]
        legacy = legacy_interactions(FakeDur(self.store).interaction_pairs(keys)) if keys else ()
        if not legacy:
            return self.store.knowledge
        return dataclasses.replace(self.store.knowledge, interactions=(*self.store.knowledge.interactions, *legacy))


@dataclass
class FakeDurStore:
    """What the fake database holds; shared by every unit of work a test opens on it."""

    prescriptions: dict[uuid.UUID, FakePrescription] = field(default_factory=dict)
    allergies: list[FakeAllergy] = field(default_factory=list)
    interactions: list[FakeInteraction] = field(default_factory=list)
    fills: list[FakeFill] = field(default_factory=list)
    pharm_classes: dict[uuid.UUID, str] = field(default_factory=dict)
    profile_versions: dict[uuid.UUID, int] = field(default_factory=dict)  # patient -> clinical profile version
    knowledge: ClinicalKnowledge = field(default_factory=lambda: ClinicalKnowledge(empty=True))
    validations: list[FakeValidation] = field(default_factory=list)
    events: list[tuple[str, str, uuid.UUID, dict[str, Any]]] = field(default_factory=list)

    def add(self, rx: FakePrescription) -> FakePrescription:
        self.prescriptions[rx.id] = rx
        return rx


class FakeDurUnitOfWork:
    """``with FakeDurUnitOfWork(store, actor_id=...) as uow``: writes reach the store only on commit."""

    def __init__(self, store: FakeDurStore, *, actor_id: uuid.UUID | None = None):
        self.store = store
        self.actor_id = actor_id
        self.prescriptions = FakePrescriptions(store)
        self.dur = FakeDur(store)
        self.clinical = FakeClinical(store)
        self.committed = False
        self.flushes = 0
        self._events: list[tuple[str, str, uuid.UUID, dict[str, Any]]] = []
        self._snapshot: list[tuple[FakeValidation, bool]] = []

    def __enter__(self) -> FakeDurUnitOfWork:
        self._snapshot = [(r, r.is_current) for r in self.store.validations]
        return self

    def __exit__(self, *exc: Any) -> bool:
        if not self.committed:  # roll back: the rows as they were, nothing added, no event
            self.store.validations[:] = [r for r, _ in self._snapshot]
            for row, was_current in self._snapshot:
                row.is_current = was_current
        return False

    def flush(self) -> None:
        self.flushes += 1

    def notify(self, topic: str, entity_id: uuid.UUID, **extra: Any) -> None:
        pass

    def record(
        self, event_type: str, aggregate_type: str, aggregate_id: uuid.UUID, data: dict[str, Any] | None = None
    ) -> None:
        self._events.append((event_type, aggregate_type, aggregate_id, dict(data or {})))

    def commit(self) -> None:
        self.store.events.extend(self._events)
        self._events = []
        self.committed = True
