"""Demo data: a believable small pharmacy to try every screen on, loaded on the embedded server's
first start and by ``pharmacy-desktop demo``.

Everything goes through the same code the app uses: the catalog through the FDA import, accounts
and the pharmacy profile through the auth and pharmacy services, prescriptions through the review,
fill (with its insurance claims) and verification services, the day's pickups through the point of
sale (demo/pos.py, demo/pickups.py). Re-running it changes nothing: it loads only into a pharmacy
that has no users yet.

Names, addresses and phone numbers are made up (555 numbers); NPI and DEA numbers are made up but
pass their check digits, as real ones must.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import random
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Engine, func, select

from pharmacy_desktop import paths
from pharmacy_desktop.db.engine import make_engine, make_session_factory
from pharmacy_desktop.db.models.inventory import InventoryItem
from pharmacy_desktop.db.models.patients import (
    Patient,
    PatientAllergy,
    PatientCondition,
    PatientInsurance,
    PatientPrescriber,
)
from pharmacy_desktop.db.models.prescriptions import DrugInteraction, Medication, Prescription, WillCallBin
from pharmacy_desktop.db.models.users import User
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.domain.identifiers import dea_check_digit, npi_check_digit
from pharmacy_desktop.domain.interaction_rules import WELL_KNOWN_INTERACTIONS
from pharmacy_desktop.services.inventory_view import refresh_summary

if TYPE_CHECKING:
    from pharmacy_desktop.demo.inventory_history import HistorySummary
    from pharmacy_desktop.services.auth import Actor

log = logging.getLogger(__name__)

CATALOG_DIR = paths.catalog_dir()

# username -> password; printed by `pharmacy-desktop demo` and in the README
DEMO_PASSWORDS = {
    "admin": "Blue-Heron-2026",
    "rph": "Green-Mortar-2026",
    "tech": "Amber-Vial-2026",
    "manager": "Gray-Ledger-2026",
}
DEMO_PINS = {"rph": "2468", "tech": "1357", "manager": "8642"}

_STAFF = (
    # username, first, last, role, license
    ("admin", "Alex", "Morgan", "admin", None),
    ("rph", "Priya", "Raman", "pharmacist", "RPH-0048213"),
    ("tech", "Jordan", "Ellis", "technician", None),
    ("manager", "Dana", "Whitfield", "manager", None),
)

_FIRST = (
    "Maria James Linda Robert Patricia Michael Jennifer William Elizabeth David Barbara Richard Susan "
    "Joseph Jessica Thomas Sarah Charles Karen Daniel Nancy Matthew Lisa Anthony Betty Mark Helen "
    "Donald Sandra Steven Ashley Paul Dorothy Andrew Kimberly Joshua Emily Kenneth Donna Kevin "
    "Michelle Brian Carol George Amanda Timothy Melissa Ronald Deborah Jason Stephanie"
).split()
_LAST = (
    "Garcia Smith Johnson Williams Brown Jones Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts O'Brien"
).split()
_STREETS = (
    "Maple Ave",
    "Oak St",
    "Washington Blvd",
    "Lakeview Dr",
    "Cedar Ln",
    "Park Pl",
    "Elm St",
    "Sunset Rd",
    "Highland Ave",
    "River Rd",
)

_PRESCRIBERS = (
    # name, specialty, first 9 NPI digits, DEA letters + 6 digits
    ("Dr. Sarah Chen", "Internal Medicine", "123456789", "BC", "123456"),
    ("Dr. Marcus Webb", "Family Medicine", "198765432", "FW", "234567"),
    ("Dr. Aisha Okafor", "Cardiology", "145678901", "BO", "345678"),
    ("Dr. Luis Ortega", "Pediatrics", "176543210", "FO", "456789"),
    ("Dr. Hannah Kim", "Psychiatry", "132465798", "BK", "567890"),
    ("Dr. Peter Novak", "Orthopedics", "187654321", "FN", "678901"),
)

# generic name prefix -> (preferred dosage form word, typical SIG, qty, days)
_FORMULARY = {
    "lisinopril": ("TABLET", "1 T PO QD", 30, 30),
    "atorvastatin": ("TABLET", "1 T PO QHS", 30, 30),
    "metformin": ("TABLET", "1 T PO BID WF", 60, 30),
    "amlodipine": ("TABLET", "1 T PO QD", 30, 30),
    "amoxicillin": ("CAPSULE", "1 C PO TID X10D", 30, 10),
    "warfarin": ("TABLET", "1 T PO QD UD", 30, 30),
    "simvastatin": ("TABLET", "1 T PO QHS", 30, 30),
    "levothyroxine": ("TABLET", "1 T PO QAM AC", 30, 30),
    "omeprazole": ("CAPSULE", "1 C PO QD AC", 30, 30),
    "gabapentin": ("CAPSULE", "1 C PO TID", 90, 30),
    "metoprolol": ("TABLET", "1 T PO BID", 60, 30),
    "losartan": ("TABLET", "1 T PO QD", 30, 30),
    "hydrochlorothiazide": ("TABLET", "1 T PO QAM", 30, 30),
    "ibuprofen": ("TABLET", "1 T PO Q6H PRN PAIN", 40, 10),
    "naproxen": ("TABLET", "1 T PO BID PRN PAIN", 30, 15),
    "lorazepam": ("TABLET", "1 T PO BID PRN ANXIETY", 30, 15),
    "hydrocodone": ("TABLET", "1 T PO Q6H PRN PAIN", 20, 5),
    "sertraline": ("TABLET", "1 T PO QD", 30, 30),
    "trazodone": ("TABLET", "1 T PO QHS PRN SLEEP", 30, 30),
    "carvedilol": ("TABLET", "1 T PO BID WF", 60, 30),
    "furosemide": ("TABLET", "1 T PO QAM", 30, 30),
    "prednisone": ("TABLET", "UD", 21, 6),
    "cephalexin": ("CAPSULE", "1 C PO QID X7D", 28, 7),
    "azithromycin": ("TABLET", "2 T PO X1 THEN 1 T PO QD X4D", 6, 5),
    "clarithromycin": ("TABLET", "1 T PO BID X10D", 20, 10),
    "fluconazole": ("TABLET", "1 T PO X1", 1, 1),
    "aspirin": ("TABLET", "1 T PO QD", 30, 30),
    "digoxin": ("TABLET", "1 T PO QD", 30, 30),
    "amiodarone": ("TABLET", "1 T PO QD", 30, 30),
    "methylphenidate": ("TABLET", "1 T PO BID", 60, 30),
    "saxagliptin": ("TABLET", "1 T PO QD", 30, 30),  # Onglyza: the simulated plans want prior authorization
}


# below their reorder point in the demo (and not used by today's fills): not reordered after the first order
_LOW_STOCK = frozenset({"digoxin", "furosemide", "naproxen", "prednisone", "fluconazole"})


@dataclass
class DemoSummary:
    catalog: str = ""
    users: int = 0
    patients: int = 0
    prescribers: int = 0
    inventory_items: int = 0
    interactions: int = 0
    prescriptions: dict[str, int] | None = None
    store_products: int = 0
    sales: int = 0
    inventory_history: HistorySummary | None = None
    skipped: bool = False

    def __str__(self) -> str:
        if self.skipped:
            return "Demo data already present: nothing changed."
        states = ", ".join(f"{n} {s}" for s, n in sorted((self.prescriptions or {}).items()))
        return (
            f"Demo pharmacy loaded: {self.catalog}; {self.users} staff accounts, {self.patients} patients, "
            f"{self.prescribers} prescribers, {self.inventory_items} stocked items, "
            f"{self.interactions} drug interactions, {self.store_products} front-store products; "
            f"prescriptions: {states or 'none'}; {self.sales} sales at the counter"
            + (
                f"; a year of inventory history ({self.inventory_history.ledger_rows:,} stock movements, "
                f"{self.inventory_history.orders} purchase orders)."
                if self.inventory_history
                else "."
            )
        )


def make_npi(first9: str) -> str:
    return first9 + str(npi_check_digit(first9))


def make_dea(letters: str, six: str) -> str:
    return letters + six + str(dea_check_digit(six))


def load_demo(url: str, *, today: dt.date | None = None, patients: int = 50, brief: bool = False) -> DemoSummary:
    """Load the demo pharmacy into the (migrated) database at ``url``; nothing if staff exist.

    ``brief`` (``--self-test``): the catalog, staff, formulary, patients, shelves and bins only; no
    year of history, store, prescriptions, pickups or messages."""
    today = today or dt.date.today()
    engine = make_engine(url)
    try:
        uow_factory = UnitOfWorkFactory(make_session_factory(engine), workstation="demo-loader")
        with uow_factory() as uow:
            if uow.active_session.scalar(select(func.count()).select_from(User)):
                return DemoSummary(skipped=True)
        summary = DemoSummary()
        summary.catalog = _catalog(engine, today)
        actors = _staff(uow_factory)
        summary.users = len(actors)
        rng = random.Random(2026)
        meds = _formulary(uow_factory)
        summary.interactions = _interactions(uow_factory, meds)
        prescribers = [
            (name, specialty, make_npi(npi9), make_dea(letters, six))
            for name, specialty, npi9, letters, six in _PRESCRIBERS
        ]
        summary.prescribers = len(prescribers)
        patient_ids = _patients(uow_factory, rng, patients, prescribers, today)
        summary.patients = len(patient_ids)
        summary.inventory_items = _inventory(uow_factory, rng, meds, actors["manager"].user_id, today)
        if brief:
            _bins(uow_factory)
            refresh_summary(uow_factory)
            return summary
        from pharmacy_desktop.demo.inventory_history import load_inventory_history

        summary.inventory_history = load_inventory_history(
            engine, actors, meds, patient_ids, prescribers, _FORMULARY, _LOW_STOCK, today
        )
        _bins(uow_factory)
        from pharmacy_desktop.adapters.adjudication import SimulatedAdjudicator
        from pharmacy_desktop.demo import pickups, pos
        from pharmacy_desktop.demo.prescriptions import load_prescriptions

        summary.store_products = pos.load_reference(uow_factory, actors, patient_ids, meds, today)
        from pharmacy_desktop.demo import notifications as demo_notifications

        demo_notifications.prepare_patients(uow_factory, actors, patient_ids, today)  # before today's "ready"
        adjudicator = SimulatedAdjudicator()  # the app's default switch: claims paid here reverse there too
        ready: dict[tuple[int, str], uuid.UUID] = {}
        summary.prescriptions = load_prescriptions(
            uow_factory, actors, rng, patient_ids, prescribers, meds, _FORMULARY, today, adjudicator, ready
        )
        summary.sales = pickups.load_pickups(uow_factory, adjudicator, ready, patient_ids, today)
        demo_notifications.load_history(uow_factory, actors, patient_ids, today)
        with uow_factory() as uow:  # where every prescription stands after the day at the counter
            rows = uow.active_session.execute(select(Prescription.status, func.count()).group_by(Prescription.status))
            summary.prescriptions = {status: int(count) for status, count in rows}
        refresh_summary(uow_factory)  # the stock screens' list (a materialized view) shows the day's stock
        log.info("%s", summary)
        return summary
    finally:
        engine.dispose()


def _catalog(engine: Engine, today: dt.date) -> str:
    from pharmacy_desktop.services.catalog_import import import_catalog

    # the demo extract carries one malformed FDA row on purpose (resources/catalog/README.md)
    result = import_catalog(engine, CATALOG_DIR, today=today, partial=True)
    return f"{result.added + result.updated:,} catalog packages"


def _staff(uow_factory: UnitOfWorkFactory) -> dict[str, Actor]:
    from pharmacy_desktop.services import auth
    from pharmacy_desktop.services.pharmacy import Profile, first_run

    profile = Profile(
        name="Riverside Community Pharmacy",
        address_line1="120 Main Street",
        address_line2=None,
        city="Springfield",
        state="IL",
        zip_code="62701",
        phone="(217) 555-0142",
        npi=make_npi("154321987"),
        ncpdp="1456789",
        dea=make_dea("FR", "765432"),
    )
    username, first, last, role, _ = _STAFF[0]
    admin = first_run(
        uow_factory,
        profile,
        username=username,
        password=DEMO_PASSWORDS[username],
        email=f"{username}@riverside-pharmacy.example",
        first_name=first,
        last_name=last,
        workstation="demo-loader",
    )
    actors = {"admin": admin}
    for username, first, last, role, license_number in _STAFF[1:]:
        auth.create_user(
            uow_factory,
            admin,
            username=username,
            password=DEMO_PASSWORDS[username],
            email=f"{username}@riverside-pharmacy.example",
            first_name=first,
            last_name=last,
            role=role,
            license_number=license_number,
            phone="(217) 555-0142",
        )
        actor = auth.sign_in(uow_factory, username, DEMO_PASSWORDS[username], "demo-loader")
        auth.set_pin(uow_factory, actor, DEMO_PINS[username])
        actors[role] = actor
    for actor in actors.values():
        auth.sign_out(uow_factory, actor)
    # the loader acts on as these accounts without a workstation session (like auth.actor_for):
    # a signed-out session's Actor is refused by the services
    return {role: dataclasses.replace(actor, session_id=None) for role, actor in actors.items()}


def _formulary(uow_factory: UnitOfWorkFactory) -> dict[str, uuid.UUID]:
    """The demo's everyday drugs: for each generic, one active package in its usual form."""
    found: dict[str, uuid.UUID] = {}
    with uow_factory() as uow:
        for generic, (form, *_rest) in _FORMULARY.items():
            stmt = (
                select(Medication.id)
                .where(Medication.is_active.is_(True), func.lower(Medication.generic_name).like(f"{generic}%"))
                .order_by(
                    (func.upper(Medication.dosage_form) == form).desc(),
                    func.length(Medication.generic_name),  # the single-ingredient product first
                    Medication.dosage_form.like(f"{form}%").desc(),
                    Medication.brand_name.is_(None).desc(),
                    Medication.ndc_code,
                )
                .limit(1)
            )
            med_id = uow.active_session.scalar(stmt)
            if med_id is not None:
                found[generic] = med_id
    return found


def _interactions(uow_factory: UnitOfWorkFactory, meds: dict[str, uuid.UUID]) -> int:
    """The well-known interaction pairs, stored between the demo's packages of each generic."""
    count = 0
    with uow_factory() as uow:
        for rule in WELL_KNOWN_INTERACTIONS:
            a, b = meds.get(rule.generic_a), meds.get(rule.generic_b)
            if a is None or b is None:
                continue
            first, second = DrugInteraction.ordered_pair(a, b)
            uow.active_session.add(
                DrugInteraction(
                    medication_1_id=first,
                    medication_2_id=second,
                    interaction_type="drug-drug",
                    description=rule.description,
                    severity=rule.severity,
                    management_recommendation=rule.management or None,
                )
            )
            count += 1
        uow.commit()
    return count


def _phone(rng: random.Random) -> str:
    return f"(217) 555-{rng.randint(100, 9999):04d}"


def _patients(
    uow_factory: UnitOfWorkFactory,
    rng: random.Random,
    count: int,
    prescribers: list[tuple[str, str, str, str]],
    today: dt.date,
) -> list[uuid.UUID]:
    ids: list[uuid.UUID] = []
    allergies = [
        ("drug", "Penicillin", "Hives", "moderate"),
        ("drug", "Sulfa drugs", "Rash", "mild"),
        ("drug", "Codeine", "Nausea and vomiting", "mild"),
        ("food", "Peanuts", "Anaphylaxis", "severe"),
        ("drug", "Aspirin", "Wheezing", "moderate"),
        ("environmental", "Latex", "Contact dermatitis", "mild"),
    ]
    conditions = [
        ("Essential hypertension", "I10"),
        ("Type 2 diabetes mellitus", "E11.9"),
        ("Hyperlipidemia", "E78.5"),
        ("Hypothyroidism", "E03.9"),
        ("Atrial fibrillation", "I48.91"),
        ("Generalized anxiety disorder", "F41.1"),
        ("Asthma", "J45.909"),
        ("Osteoarthritis of knee", "M17.9"),
    ]
    plans = [
        ("Blue Cross Blue Shield of Illinois", "commercial", "610014", "BCBSIL"),
        ("Medicare Part D - SilverScript", "medicare", "004336", "MEDDADV"),
        ("Illinois Medicaid", "medicaid", "610494", "ILMCD"),
        ("UnitedHealthcare", "commercial", "610097", "9999"),
    ]
    with uow_factory() as uow:
        for i in range(count):
            first = _FIRST[i % len(_FIRST)]
            last = _LAST[(i * 7) % len(_LAST)]
            born = today - dt.timedelta(days=rng.randint(4 * 365, 92 * 365))
            patient = Patient(
                patient_number=uow.patients.next_patient_number(),
                first_name=first,
                last_name=last,
                date_of_birth=born,
                gender=rng.choice(("female", "male")),
                phone_primary=_phone(rng),
                email=f"{first.lower()}.{last.lower().replace(chr(39), '')}@example.com" if i % 3 else None,
                address_line1=f"{rng.randint(10, 9999)} {rng.choice(_STREETS)}",
                city="Springfield",
                state="IL",
                zip_code=f"627{rng.randint(0, 99):02d}",
                communication_preference=rng.choice(("sms", "email", "phone")),
            )
            uow.active_session.add(patient)
            uow.active_session.flush()
            ids.append(patient.id)
            if i == 0 or rng.random() < 0.35:  # the first patient is always penicillin-allergic
                picks = [allergies[0]] if i == 0 else rng.sample(allergies, rng.randint(1, 2))
                for kind, name, reaction, severity in picks:
                    uow.active_session.add(
                        PatientAllergy(
                            patient_id=patient.id,
                            allergen_type=kind,
                            allergen_name=name,
                            reaction=reaction,
                            severity=severity,
                        )
                    )
            for name, code in rng.sample(conditions, rng.randint(0, 3)):
                uow.active_session.add(
                    PatientCondition(
                        patient_id=patient.id,
                        condition_name=name,
                        icd_10_code=code,
                        diagnosed_date=born + dt.timedelta(days=rng.randint(6000, 20000))
                        if (today - born).days > 20000
                        else None,
                    )
                )
            provider, kind, bin_number, pcn = plans[i % len(plans)]
            uow.active_session.add(
                PatientInsurance(
                    patient_id=patient.id,
                    insurance_provider=provider,
                    insurance_type="primary",
                    policy_number=f"{kind[:3].upper()}{rng.randint(10**8, 10**9 - 1)}",
                    relationship_to_cardholder="self",
                    group_number=f"GRP{rng.randint(1000, 9999)}",
                    bin_number=bin_number,
                    pcn_number=pcn,
                    cardholder_name=f"{first} {last}",
                    effective_date=today.replace(month=1, day=1),
                )
            )
            if i % 5 == 0:
                uow.active_session.add(
                    PatientInsurance(
                        patient_id=patient.id,
                        insurance_provider="AARP Medicare Supplement",
                        insurance_type="secondary",
                        relationship_to_cardholder="self",
                        policy_number=f"AARP{rng.randint(10**7, 10**8 - 1)}",
                        bin_number="610279",
                        pcn_number="AARPSUP",
                        cardholder_name=f"{first} {last}",
                        effective_date=today.replace(month=1, day=1),
                    )
                )
            name, specialty, npi, dea = prescribers[i % len(prescribers)]
            uow.active_session.add(
                PatientPrescriber(
                    patient_id=patient.id,
                    prescriber_name=name,
                    prescriber_npi=npi,
                    prescriber_dea=dea,
                    specialty=specialty,
                    phone="(217) 555-0190",
                    is_primary=True,
                )
            )
        uow.commit()
    return ids


def _inventory(
    uow_factory: UnitOfWorkFactory,
    rng: random.Random,
    meds: dict[str, uuid.UUID],
    received_by: uuid.UUID,
    today: dt.date,
) -> int:
    """The formulary's stock items, empty: the stock arrives through the year of purchase orders
    and receipts of demo/inventory_history.py (strict ledger opening: every unit has its receipt)."""
    with uow_factory(received_by) as uow:
        count = 0
        for position, (_generic, med_id) in enumerate(sorted(meds.items())):
            med = uow.active_session.get(Medication, med_id)
            if med is None:
                raise LookupError(f"demo medication {med_id} is not in the catalog")
            uow.active_session.add(
                InventoryItem(
                    medication_id=med_id,
                    ndc_code=med.ndc_code,
                    bin_location=f"{'ABCDEFGH'[position % 8]}-{position + 1:02d}",
                    quantity_on_hand=Decimal(0),
                    quantity_unit="EA",
                    reorder_point=Decimal(100),
                    reorder_quantity=Decimal(500),
                    unit_cost=Decimal(rng.randint(3, 90)) / Decimal(100),
                    average_wholesale_price=Decimal(rng.randint(10, 250)) / Decimal(100),
                )
            )
            count += 1
        uow.commit()
    return count


def _bins(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        for letter in "ABCDEF":
            for number in range(1, 5):
                uow.active_session.add(
                    WillCallBin(code=f"{letter}{number}", description=f"Shelf {letter}, bin {number}")
                )
        uow.commit()
