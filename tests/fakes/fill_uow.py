"""An in-memory unit of work with just what the fill decision (``services.fill_decision``) asks of it.

Same method names and meanings as ``PrescriptionRepository`` (``get_with_items``, ``live_refills``,
``medication``, ``patient``) and ``InventoryRepository`` (``item_by_ndc``, ``batches_of``); the catalog
lookup of a scan is ``FakeFillUnitOfWork.resolve_scan``: the real barcode parser and the real
``scan_resolution.interpret`` over the fake catalog. Rows are plain objects a test builds with
``FakeFillUnitOfWork.add_*``; recorded domain events stay in ``uow.events``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pharmacy_desktop.domain.barcodes import InvalidScan, parse_scan
from pharmacy_desktop.services.scan_resolution import INVALID, ScanResult, interpret


@dataclass
class FakeMedication:
    ndc_code: str
    package_ndc: str
    drug_name: str
    generic_name: str | None
    strength: str | None
    brand_name: str | None = None
    dosage_form: str | None = "TABLET"
    route: str | None = "ORAL"
    package_description: str | None = None
    dea_schedule: str | None = None
    is_generic: bool = True
    is_active: bool = True
    discontinuation_date: dt.date | None = None
    active_ingredients: Any = None
    product_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass
class FakePatient:
    first_name: str = "Maria"
    last_name: str = "Gonzalez"
    date_of_birth: dt.date | None = dt.date(1961, 4, 2)
    allow_generic_substitution: bool = True
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass
class FakeItem:
    medication: FakeMedication | None
    written_medication_name: str
    quantity: Decimal = Decimal(30)
    quantity_unit: str = "tablets"
    days_supply: int = 30
    refills_authorized: int = 2
    refills_remaining: int = 2
    substitution_allowed: bool = True
    daw_code: str | None = "0"
    created_at: dt.datetime | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass
class FakePrescription:
    patient_id: uuid.UUID
    items: list[FakeItem]
    prescription_number: str = "1000001"
    status: str = "validated"
    written_date: dt.date = dt.date(2026, 11, 30)  # before every fixed "today" the fake tests use
    expiration_date: dt.date = field(default_factory=lambda: dt.date.today() + dt.timedelta(days=365))
    filled_at: dt.datetime | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass
class FakeRefill:
    prescription_item_id: uuid.UUID
    refill_number: int
    status: str = "filled"


@dataclass
class FakeStockItem:
    ndc_code: str
    quantity_on_hand: Decimal
    is_active: bool = True
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass
class FakeBatch:
    inventory_item_id: uuid.UUID
    batch_number: str
    expiration_date: dt.date
    quantity_remaining: Decimal
    status: str = "active"
    received_date: dt.date = field(default_factory=lambda: dt.date.today() - dt.timedelta(days=30))
    id: uuid.UUID = field(default_factory=uuid.uuid4)


class FakePrescriptions:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, FakePrescription] = {}
        self.refills: list[FakeRefill] = []
        self.medications: dict[uuid.UUID, FakeMedication] = {}
        self.patients: dict[uuid.UUID, FakePatient] = {}
        self.locked: list[uuid.UUID] = []

    def get_with_items(self, prescription_id: uuid.UUID, *, for_update: bool = False) -> FakePrescription | None:
        if for_update:
            self.locked.append(prescription_id)
        return self.rows.get(prescription_id)

    def live_refills(self, item_ids: list[uuid.UUID]) -> list[FakeRefill]:
        return [r for r in self.refills if r.prescription_item_id in item_ids and r.status != "returned"]

    def medication(self, medication_id: uuid.UUID | None) -> FakeMedication | None:
        return self.medications.get(medication_id) if medication_id else None

    def patient(self, patient_id: uuid.UUID | None) -> FakePatient | None:
        return self.patients.get(patient_id) if patient_id else None


class FakeInventory:
    def __init__(self) -> None:
        self.items: list[FakeStockItem] = []
        self.batches: list[FakeBatch] = []

    def item_by_ndc(self, ndc: str, *, for_update: bool = False) -> FakeStockItem | None:
        found = sorted((i for i in self.items if i.ndc_code == ndc), key=lambda i: i.is_active is False)
        return found[0] if found else None

    def batches_of(self, item_id: uuid.UUID, *, for_update: bool = False) -> list[FakeBatch]:
        return sorted((b for b in self.batches if b.inventory_item_id == item_id), key=lambda b: b.id)


class FakeFillUnitOfWork:
    def __init__(self) -> None:
        self.prescriptions = FakePrescriptions()
        self.inventory = FakeInventory()
        self.events: list[tuple[str, str, Any, dict[str, Any]]] = []
        self.committed = False

    def __enter__(self) -> FakeFillUnitOfWork:
        return self

    def __exit__(self, *exc: Any) -> bool:
        return False

    def record(self, event_type: str, aggregate_type: str, aggregate_id: Any, data: dict[str, Any]) -> None:
        self.events.append((event_type, aggregate_type, aggregate_id, data))

    def commit(self) -> None:
        self.committed = True

    # -- building the world -------------------------------------------------------------------

    def add_medication(self, med: FakeMedication) -> FakeMedication:
        self.prescriptions.medications[med.id] = med
        return med

    def add_patient(self, patient: FakePatient | None = None) -> FakePatient:
        patient = patient or FakePatient()
        self.prescriptions.patients[patient.id] = patient
        return patient

    def add_prescription(self, patient: FakePatient, med: FakeMedication | None, **item: Any) -> FakePrescription:
        line = FakeItem(med, med.drug_name if med else "Unlinked drug", **item)
        rx = FakePrescription(patient.id, [line])
        self.prescriptions.rows[rx.id] = rx
        return rx

    def add_stock(
        self,
        med: FakeMedication,
        lots: list[tuple[str, dt.date, int]],
        *,
        statuses: dict[str, str] | None = None,
        on_hand: int | None = None,
    ) -> FakeStockItem:
        item = FakeStockItem(med.ndc_code, Decimal(on_hand if on_hand is not None else sum(q for _, _, q in lots)))
        self.inventory.items.append(item)
        for lot, expiry, qty in lots:
            self.inventory.batches.append(
                FakeBatch(item.id, lot, expiry, Decimal(qty), status=(statuses or {}).get(lot, "active"))
            )
        return item

    # -- the catalog lookup of a scan ----------------------------------------------------------

    def resolve_scan(self, text: str, today: dt.date) -> ScanResult:
        try:
            scan = parse_scan(text, today=today)
        except InvalidScan as exc:
            return ScanResult(INVALID, str(exc))
        keys = set(scan.ndc_candidates) | ({scan.ndc12} if scan.ndc12 else set())
        rows = [m for m in self.prescriptions.medications.values() if m.ndc_code in keys]
        return interpret(scan, rows, today=today)
