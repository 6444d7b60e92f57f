"""Test data for fill / verify / will-call, written straight through the ORM (intake is separate).

Products (11-digit keys, labeler shapes) chosen so each matching rule has a bottle:

- LISINOPRIL_20_100   prescribed package, generic, 100 tablets      64725-1020-1 (5-4-1)
- LISINOPRIL_20_1000  same product, 1000 tablets                    64725-1020-3
- LISINOPRIL_20_OTHER other labeler, same generic/strength/form     68180-0514-01 (5-4-2 typed)
- ZESTRIL_20          brand, 100 tablets                            0310-0134-10 (4-4-2)
- LISINOPRIL_10       wrong strength                                64725-1010-1
- METFORMIN_500       wrong drug                                    64725-0102-1 (overlaps LISINOPRIL_20 digits)
- OXYCODONE_5         C-II                                          0406-0552-01
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from dataclasses import dataclass
from decimal import Decimal

from pharmacy_desktop.db.models.inventory import InventoryBatch, InventoryItem
from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.db.models.prescriptions import Medication, Prescription, PrescriptionItem, PrescriptionRefill
from pharmacy_desktop.db.models.users import PharmacyProfile
from pharmacy_desktop.domain.barcodes import build_gs1_element_string, ndc_to_gtin14, ndc_to_upc_a

TODAY = dt.date.today()
_numbers = itertools.count(1)


@dataclass(frozen=True)
class Drug:
    package_ndc: str
    drug_name: str
    generic_name: str
    strength: str
    dosage_form: str = "TABLET"
    route: str = "ORAL"
    brand_name: str | None = None
    package_description: str = "100 TABLET in 1 BOTTLE"
    dea_schedule: str | None = None

    @property
    def ndc11(self) -> str:
        a, b, c = self.package_ndc.split("-")
        return a.zfill(5) + b.zfill(4) + c.zfill(2)

    @property
    def upc(self) -> str:
        return ndc_to_upc_a(self.package_ndc)

    def datamatrix(self, lot: str, expiry: dt.date, serial: str | None = None) -> str:
        return "]d2" + build_gs1_element_string(ndc_to_gtin14(self.package_ndc), expiry=expiry, lot=lot, serial=serial)


LISINOPRIL_20_100 = Drug("64725-1020-1", "Lisinopril", "Lisinopril", "20 mg")
LISINOPRIL_20_1000 = Drug(
    "64725-1020-3", "Lisinopril", "Lisinopril", "20 mg", package_description="1000 TABLET in 1 BOTTLE"
)
LISINOPRIL_20_OTHER = Drug("68180-514-01", "Lisinopril", "LISINOPRIL", "20 MG")
ZESTRIL_20 = Drug("0310-0134-10", "Zestril", "Lisinopril", "20 mg", brand_name="Zestril")
LISINOPRIL_10 = Drug("64725-1010-1", "Lisinopril", "Lisinopril", "10 mg")
METFORMIN_500 = Drug("64725-0102-1", "Metformin Hydrochloride", "Metformin Hydrochloride", "500 mg")
OXYCODONE_5 = Drug("0406-0552-01", "Oxycodone Hydrochloride", "Oxycodone Hydrochloride", "5 mg", dea_schedule="CII")
ALL_DRUGS = (
    LISINOPRIL_20_100,
    LISINOPRIL_20_1000,
    LISINOPRIL_20_OTHER,
    ZESTRIL_20,
    LISINOPRIL_10,
    METFORMIN_500,
    OXYCODONE_5,
)


def add_pharmacy(uow) -> None:
    if uow.session.get(PharmacyProfile, 1) is None:
        uow.session.add(
            PharmacyProfile(
                id=1,
                name="Main Street Pharmacy",
                address_line1="12 Main Street",
                city="Springfield",
                state="IL",
                zip_code="62701",
                phone="(217) 555-0100",
            )
        )


def add_medication(uow, drug: Drug) -> Medication:
    med = Medication(
        ndc_code=drug.ndc11,
        package_ndc=drug.package_ndc,
        drug_name=drug.drug_name,
        generic_name=drug.generic_name,
        brand_name=drug.brand_name,
        strength=drug.strength,
        dosage_form=drug.dosage_form,
        route=drug.route,
        package_description=f"{drug.package_description} ({drug.package_ndc})",
        dea_schedule=drug.dea_schedule,
        is_controlled_substance=drug.dea_schedule is not None,
        is_generic=drug.brand_name is None,
        catalog_source="test",
    )
    uow.session.add(med)
    uow.session.flush()
    return med


def add_patient(uow, first: str = "Maria", last: str = "Gonzalez", **overrides) -> Patient:
    patient = Patient(
        **{
            **dict(
                patient_number=f"P{next(_numbers):06d}",
                first_name=first,
                last_name=last,
                date_of_birth=dt.date(1958, 4, 12),
                phone_primary="(217) 555-0142",
                address_line1="48 Oak Avenue",
                city="Springfield",
                state="IL",
                zip_code="62704",
            ),
            **overrides,
        }
    )
    uow.session.add(patient)
    uow.session.flush()
    return patient


def add_stock(
    uow,
    med: Medication,
    lots: list[tuple[str, dt.date, int]] | None = None,
    *,
    on_hand: int | None = None,
    statuses: dict[str, str] | None = None,
) -> InventoryItem:
    """An inventory item with lots (lot, expiry, remaining); on-hand is their sum unless given."""
    lots = lots if lots is not None else [("L100", TODAY + dt.timedelta(days=400), 500)]
    total = sum(q for _, _, q in lots)
    item = InventoryItem(
        medication_id=med.id,
        ndc_code=med.ndc_code,
        quantity_on_hand=Decimal(on_hand if on_hand is not None else total),
        quantity_unit="tablet",
        reorder_point=Decimal(50),
        reorder_quantity=Decimal(500),
        bin_location="A-12",
    )
    uow.session.add(item)
    uow.session.flush()
    for lot, expiry, qty in lots:
        uow.session.add(
            InventoryBatch(
                inventory_item_id=item.id,
                batch_number=lot,
                expiration_date=expiry,
                quantity_received=Decimal(qty),
                quantity_remaining=Decimal(qty),
                received_date=TODAY - dt.timedelta(days=30),
                status=(statuses or {}).get(lot, "active"),
            )
        )
    uow.session.flush()
    return item


def add_prescription(
    uow,
    patient: Patient,
    med: Medication,
    *,
    quantity: int = 30,
    refills: int = 2,
    status: str = "validated",
    daw: str | None = "0",
    substitution: bool = True,
    stat: bool = False,
    sig: str = "1 T PO QD",
    days: int = 30,
    received_ago: dt.timedelta = dt.timedelta(hours=1),
    promised_at: dt.datetime | None = None,
    written_name: str | None = None,
) -> Prescription:
    now = dt.datetime.now(dt.UTC)
    rx = Prescription(
        prescription_number=str(2000000 + next(_numbers)),
        patient_id=patient.id,
        prescriber_name="Dr. Alan Reyes",
        prescriber_npi="1234567893",
        prescriber_dea="AR1234563",
        prescription_date=TODAY,
        written_date=TODAY - dt.timedelta(days=2),
        expiration_date=TODAY + dt.timedelta(days=300),
        source="written",
        status=status,
        is_stat=stat,
        received_at=now - received_ago,
        promised_at=promised_at,
        validated_at=now - received_ago / 2,
    )
    rx.items = [
        PrescriptionItem(
            medication_id=med.id,
            written_medication_name=written_name or f"{med.drug_name} {med.strength}",
            quantity=Decimal(quantity),
            quantity_unit="tablet",
            days_supply=days,
            sig=sig,
            directions="Take 1 tablet by mouth once a day",
            refills_authorized=refills,
            refills_remaining=refills,
            substitution_allowed=substitution,
            daw_code=daw,
        )
    ]
    uow.session.add(rx)
    uow.session.flush()
    return rx


def add_previous_fill(uow, rx: Prescription, med: Medication, number: int = 0) -> PrescriptionRefill:
    item = rx.items[0]
    refill = PrescriptionRefill(
        prescription_id=rx.id,
        prescription_item_id=item.id,
        refill_number=number,
        medication_id=med.id,
        ndc_code=med.ndc_code,
        quantity_dispensed=item.quantity,
        days_supply=item.days_supply,
        filled_date=TODAY - dt.timedelta(days=31),
        status="dispensed",
    )
    uow.session.add(refill)
    uow.session.flush()
    return refill


@dataclass
class World:
    meds: dict[str, uuid.UUID]
    patient_id: uuid.UUID
    rx_id: uuid.UUID
    rx_number: str
    item_id: uuid.UUID  # inventory item of the prescribed package


def world(
    uow_factory,
    *,
    rx_kwargs: dict | None = None,
    lots=None,
    prescribed: Drug = LISINOPRIL_20_100,
    stock_for: tuple[Drug, ...] = ALL_DRUGS,
    statuses=None,
) -> World:
    """Catalog, stock for every drug, one patient and one validated prescription."""
    with uow_factory() as uow:
        add_pharmacy(uow)
        meds = {d.package_ndc: add_medication(uow, d) for d in ALL_DRUGS}
        items = {}
        for d in stock_for:
            items[d.package_ndc] = add_stock(
                uow,
                meds[d.package_ndc],
                lots if d is prescribed else None,
                statuses=statuses if d is prescribed else None,
            )
        patient = add_patient(uow)
        rx = add_prescription(uow, patient, meds[prescribed.package_ndc], **(rx_kwargs or {}))
        uow.commit()
        return World(
            {k: m.id for k, m in meds.items()},
            patient.id,
            rx.id,
            rx.prescription_number,
            items[prescribed.package_ndc].id if prescribed.package_ndc in items else None,
        )


def label_scan(uow_factory, rx_id: uuid.UUID) -> str:
    """What the scanner reads from the printed vial label of ``rx_id``: its Rx barcode (verify.approve needs it)."""
    with uow_factory() as uow:
        return "RX" + uow.session.get(Prescription, rx_id).prescription_number
