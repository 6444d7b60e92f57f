"""Each repository against a real PostgreSQL: create, read, update, soft delete, its queries, and
EXPLAIN of the hot queries showing the intended index."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import psycopg
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError, InvalidRequestError

from pharmacy_desktop.config import libpq_url
from pharmacy_desktop.db.models import (
    DrugInteraction,
    InventoryBatch,
    InventoryItem,
    Invoice,
    InvoiceItem,
    Medication,
    Notification,
    NotificationTemplate,
    Patient,
    PatientAllergy,
    PatientCondition,
    PatientInsurance,
    PatientPrescriber,
    Permission,
    Prescription,
    PrescriptionItem,
    PrescriptionRefill,
    PurchaseOrder,
    PurchaseOrderItem,
    RolePermission,
    Supplier,
    User,
)
from pharmacy_desktop.errors import ConcurrentUpdate, NotFound

TODAY = dt.date.today()
_numbers = iter(range(1, 10**6))


# -- builders (only the required columns, overridable) ----------------------------------------


def make_user(username: str = "jsmith", **overrides) -> User:
    fields = dict(
        username=username,
        email=f"{username}@example.test",
        password_hash="argon2-hash",
        first_name="Jane",
        last_name="Smith",
        role="pharmacist",
    )
    return User(**{**fields, **overrides})


def make_patient(first: str = "John", last: str = "Smith", dob: dt.date = dt.date(1980, 3, 4), **overrides) -> Patient:
    fields = dict(
        patient_number=f"T{next(_numbers):06d}",
        first_name=first,
        last_name=last,
        date_of_birth=dob,
        phone_primary="(555) 000-0000",
        address_line1="1 Main St",
        city="Springfield",
        state="IL",
        zip_code="62701",
    )
    return Patient(**{**fields, **overrides})


def make_medication(ndc: str, name: str = "Lisinopril 10 mg tablet", **overrides) -> Medication:
    return Medication(**{**dict(ndc_code=ndc, drug_name=name), **overrides})


def make_prescription(patient_id: uuid.UUID, number: str | None = None, **overrides) -> Prescription:
    fields = dict(
        prescription_number=number or f"{next(_numbers):07d}",
        patient_id=patient_id,
        prescriber_name="Dr. Who",
        prescriber_npi="1234567893",
        prescription_date=TODAY,
        written_date=TODAY,
        expiration_date=TODAY + dt.timedelta(days=365),
        source="paper",
    )
    return Prescription(**{**fields, **overrides})


def make_item(medication: Medication | None = None, **overrides) -> PrescriptionItem:
    fields = dict(
        medication=medication,
        written_medication_name=medication.drug_name if medication else "Something 5 mg",
        quantity=Decimal("30"),
        quantity_unit="tablets",
        days_supply=30,
        sig="1 T PO QD",
    )
    return PrescriptionItem(**{**fields, **overrides})


def make_stock(
    medication_id: uuid.UUID, ndc: str, on_hand: str = "100", reorder_point: str = "20", **overrides
) -> InventoryItem:
    fields = dict(
        medication_id=medication_id,
        ndc_code=ndc,
        quantity_on_hand=Decimal(on_hand),
        quantity_unit="tablets",
        reorder_point=Decimal(reorder_point),
        reorder_quantity=Decimal("100"),
    )
    return InventoryItem(**{**fields, **overrides})


def make_batch(lot: str, expires: dt.date, remaining: str = "50", **overrides) -> InventoryBatch:
    fields = dict(
        batch_number=lot,
        expiration_date=expires,
        quantity_received=Decimal("100"),
        quantity_remaining=Decimal(remaining),
        received_date=TODAY - dt.timedelta(days=10),
    )
    return InventoryBatch(**{**fields, **overrides})


def scalar(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


# -- users ------------------------------------------------------------------------------------


def test_user_create_read_update_soft_delete(uow_factory, engine):
    with uow_factory() as uow:
        user = uow.users.add(make_user("JSmith"))
        other = uow.users.add(make_user("bjones", first_name="Bob", last_name="Jones", role="technician"))
        uow.commit()

    with uow_factory() as uow:
        assert uow.users.get(user.id).username == "JSmith"
        assert uow.users.by_username("  jsmith ").id == user.id
        assert uow.users.by_email("JSMITH@EXAMPLE.TEST").id == user.id
        assert uow.users.by_username("nobody") is None
        uow.users.update(user.id, phone="555-0100")
        assert [u.username for u in uow.users.list_active()] == ["bjones", "JSmith"]
        uow.commit()

    with uow_factory() as uow:
        uow.users.update(other.id, is_active=False)
        uow.users.soft_delete(user.id)
        uow.commit()

    with uow_factory() as uow:
        assert uow.users.get(user.id) is None
        assert uow.users.by_username("jsmith") is None
        assert uow.users.list_active() == []
        assert uow.users.get(user.id, include_deleted=True).phone == "555-0100"
        with pytest.raises(NotFound, match="user was not found"):
            uow.users.require(user.id)
    assert scalar(engine, "SELECT deleted_at IS NOT NULL FROM user_schema.users WHERE id = :id", id=user.id) is True


def test_roles_and_permissions_of_a_user(uow_factory):
    """The roles are seeded by revision 0004; a grant added here shows up for that role only."""
    with uow_factory() as uow:
        extra = Permission(name="test.only", resource="test", action="only")
        uow.session.add(extra)
        uow.session.flush()
        uow.session.add(RolePermission(role_id=uow.users.role_by_name("pharmacist").id, permission_id=extra.id))
        rph = uow.users.add(make_user("rph", role="pharmacist"))
        tech = uow.users.add(make_user("tech", role="technician"))
        uow.commit()

    with uow_factory() as uow:
        rph_perms = uow.users.roles_and_permissions(rph.id)["pharmacist"]
        tech_perms = uow.users.roles_and_permissions(tech.id)["technician"]
        assert {"test.only", "prescription.override_dur", "prescription.final_verify"} <= rph_perms
        assert "test.only" not in tech_perms and "prescription.override_dur" not in tech_perms
        assert "prescription.enter" in tech_perms
        assert uow.users.permission_names(rph.id) == rph_perms
        assert uow.users.roles_and_permissions(uuid.uuid4()) == {}
        role = uow.users.role_by_name("pharmacist")
        with pytest.raises(InvalidRequestError):
            _ = role.permissions  # lazy="raise": relationships are loaded explicitly or not at all


def test_user_sessions_create_revoke_active(uow_factory):
    now = dt.datetime.now(dt.UTC)
    with uow_factory() as uow:
        user = uow.users.add(make_user())
        live = uow.users.create_session(user.id, "token-live", now + dt.timedelta(hours=8), ip_address="10.0.0.7")
        uow.users.create_session(user.id, "token-old", now - dt.timedelta(minutes=1))
        second = uow.users.create_session(user.id, "token-second", now + dt.timedelta(hours=8))
        uow.commit()

    with uow_factory() as uow:
        assert [s.refresh_token for s in uow.users.active_sessions(user.id)] == ["token-live", "token-second"]
        assert uow.users.session_by_token("token-live").id == live.id
        assert uow.users.session_by_token("token-old") is None
        assert str(uow.users.session_by_token("token-live").ip_address) == "10.0.0.7"
        assert uow.users.revoke_session(live.id) is True
        assert uow.users.revoke_session(live.id) is False
        uow.commit()

    with uow_factory() as uow:
        assert [s.id for s in uow.users.active_sessions(user.id)] == [second.id]
        assert uow.users.session_by_token("token-live") is None
        assert uow.users.revoke_all_sessions(user.id) == 2  # the live one and the expired one
        assert uow.users.active_sessions(user.id) == []


# -- patients ---------------------------------------------------------------------------------


def test_patient_with_profile_update_and_soft_delete(uow_factory, engine):
    with uow_factory() as uow:
        patient = make_patient()
        patient.allergies.append(
            PatientAllergy(allergen_type="medication", allergen_name="Penicillin", severity="severe")
        )
        patient.conditions.append(PatientCondition(condition_name="Hypertension", icd_10_code="I10"))
        patient.insurance.append(
            PatientInsurance(
                insurance_provider="Acme Health", policy_number="XJ123", bin_number="610014", effective_date=TODAY
            )
        )
        patient.prescribers.append(
            PatientPrescriber(prescriber_name="Dr. Who", prescriber_npi="1234567893", is_primary=True)
        )
        uow.patients.add(patient)
        assert patient.version == 1
        uow.commit()

    with uow_factory() as uow:
        loaded = uow.patients.get_with_profile(patient.id)
        assert [a.allergen_name for a in loaded.allergies] == ["Penicillin"]
        assert [c.icd_10_code for c in loaded.conditions] == ["I10"]
        assert [i.bin_number for i in loaded.insurance] == ["610014"]
        assert [p.is_primary for p in loaded.prescribers] == [True]
        assert loaded.country == "US" and loaded.communication_preference == "sms"  # server defaults
        assert uow.patients.get(patient.id) is loaded  # one identity map per unit of work

    with uow_factory() as uow:
        plain = uow.patients.get(patient.id)
        with pytest.raises(InvalidRequestError):
            _ = plain.allergies
        updated = uow.patients.update(patient.id, expected_version=1, phone_primary="(555) 123-4567")
        assert updated.version == 2
        uow.commit()

    with uow_factory() as uow:
        uow.patients.soft_delete(patient.id, expected_version=2)
        uow.commit()

    with uow_factory() as uow:
        assert uow.patients.get(patient.id) is None
        assert uow.patients.get_with_profile(patient.id) is None
        assert uow.patients.search("smith") == []
        assert uow.patients.duplicates("John", "Smith", dt.date(1980, 3, 4)) == []
        assert uow.patients.by_number(patient.patient_number) is None
    row = scalar(
        engine,
        "SELECT json_build_object('deleted', deleted_at IS NOT NULL, 'phone', phone_primary, 'version', version) "
        "FROM patient_schema.patients WHERE id = :id",
        id=patient.id,
    )
    assert row == {"deleted": True, "phone": "(555) 123-4567", "version": 3}
    assert (
        scalar(engine, "SELECT count(*) FROM patient_schema.patient_allergies WHERE patient_id = :id", id=patient.id)
        == 1
    )


def test_patient_profile_children_are_deleted_with_the_patient(uow_factory, engine):
    with uow_factory() as uow:
        patient = make_patient()
        patient.allergies.append(PatientAllergy(allergen_type="food", allergen_name="Peanut"))
        uow.patients.add(patient)
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.patients.get_with_profile(patient.id)
        loaded.allergies.clear()  # delete-orphan
        uow.commit()
    assert scalar(engine, "SELECT count(*) FROM patient_schema.patient_allergies") == 0


@pytest.fixture
def patients(uow_factory):
    people = {
        "john": make_patient("John", "Smith", dt.date(1980, 3, 4), phone_primary="(555) 123-4567"),
        "jane": make_patient("Jane", "SMITH", dt.date(1975, 12, 1), phone_primary="555.222.3333"),
        "joe": make_patient("Joe", "Smithers", dt.date(1990, 1, 2), phone_secondary="+1 555 987 6543"),
        "mary": make_patient("Mary", "McDonald", dt.date(1980, 3, 4)),
        "sean": make_patient("Sean", "O'Brien", dt.date(1966, 6, 6)),
        "ann": make_patient("Ann", "Jones", dt.date(2001, 7, 8), is_active=False),
        "zoe": make_patient("Zoe", "Lutz", dt.date(2002, 2, 2)),
    }
    with uow_factory() as uow:
        for patient in people.values():
            uow.patients.add(patient)
        uow.commit()
    return {key: p.id for key, p in people.items()}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("smi", ["jane", "john", "joe"]),
        ("SMITH", ["jane", "john", "joe"]),
        ("smi jo", ["john", "joe"]),
        ("smith, ja", ["jane"]),
        ("Smith,John", ["john"]),
        ("mcd", ["mary"]),
        ("o'b", ["sean"]),
        ("lutz", ["zoe"]),
        ("jones", ["ann"]),
        ("03/04/1980", ["mary", "john"]),
        ("3/4/1980", ["mary", "john"]),
        ("1980-03-04", ["mary", "john"]),
        ("555-123-4567", ["john"]),
        ("15551234567", ["john"]),
        ("4567", ["john"]),
        ("987-6543", ["joe"]),
        ("2223333", ["jane"]),
        ("13/45/1980", []),
        ("", []),
        ("12", []),
        ("john", []),  # names are last-name first
        ("100%", []),
    ],
)
def test_patient_search(uow_factory, patients, typed, expected):
    with uow_factory() as uow:
        found = uow.patients.search(typed)
        assert [p.id for p in found] == [patients[key] for key in expected]


def test_patient_search_by_number_inactive_last_and_limit(uow_factory, patients):
    with uow_factory() as uow:
        number = uow.patients.get(patients["zoe"]).patient_number
        assert [p.id for p in uow.patients.search(number.lower())] == []  # "T..." is not a patient number
        uow.patients.update(patients["zoe"], patient_number="P100777")
        assert [p.id for p in uow.patients.search("p100777")] == [patients["zoe"]]
        assert uow.patients.by_number("p100777").id == patients["zoe"]
        uow.patients.update(patients["john"], is_active=False)
        assert [p.id for p in uow.patients.search("smi")] == [patients["jane"], patients["joe"], patients["john"]]
        assert len(uow.patients.search("smi", limit=2)) == 2


def test_possible_duplicates(uow_factory, patients):
    with uow_factory() as uow:
        assert [p.id for p in uow.patients.duplicates(" JOHN ", "smith", dt.date(1980, 3, 4))] == [patients["john"]]
        assert [p.id for p in uow.patients.duplicates("Jo", "Smith", dt.date(1980, 3, 4))] == [patients["john"]]
        assert [p.id for p in uow.patients.duplicates("Johnathan", "Smith", dt.date(1980, 3, 4))] == [patients["john"]]
        assert uow.patients.duplicates("John", "Smith", dt.date(1980, 3, 5)) == []
        assert uow.patients.duplicates("Mark", "Smith", dt.date(1980, 3, 4)) == []


def test_next_patient_number(uow_factory):
    with uow_factory() as uow:
        assert [uow.patients.next_patient_number() for _ in range(2)] == ["P100001", "P100002"]
    with uow_factory() as uow:  # sequences do not roll back: numbers are never handed out twice
        assert uow.patients.next_patient_number() == "P100003"


# -- prescriptions ----------------------------------------------------------------------------


@pytest.fixture
def catalog(uow_factory):
    with uow_factory() as uow:
        meds = {
            "lisinopril": make_medication(
                "00591040810", "Lisinopril 10 mg tablet", generic_name="lisinopril", brand_name="Zestril"
            ),
            "warfarin": make_medication(
                "00056017270", "Warfarin 5 mg tablet", generic_name="warfarin", brand_name="Coumadin"
            ),
            "aspirin": make_medication("00904201559", "Aspirin 81 mg tablet", generic_name="aspirin"),
            "amoxicillin": make_medication("00093310905", "Amoxicillin 500 mg capsule", generic_name="amoxicillin"),
            "old": make_medication("00000000001", "Lisinopril 40 mg (discontinued)", is_active=False),
        }
        uow.session.add_all(meds.values())
        uow.commit()
    return {key: m.id for key, m in meds.items()}


def test_prescription_with_items_update_and_number(uow_factory, patients, catalog):
    with uow_factory() as uow:
        lisinopril = uow.catalog.by_id(catalog["lisinopril"])
        rx = make_prescription(patients["john"], uow.prescriptions.next_rx_number())
        rx.items.append(make_item(lisinopril, refills_authorized=3, refills_remaining=3))
        uow.prescriptions.add(rx)
        assert rx.prescription_number == "1000001"
        assert (rx.status, rx.is_stat, rx.version) == ("received", False, 1)
        uow.commit()

    with uow_factory() as uow:
        loaded = uow.prescriptions.get_with_items(rx.id)
        assert uow.prescriptions.by_number(" 1000001 ") is loaded
        uow.prescriptions.update(rx.id, expected_version=1, status="validated")
        with pytest.raises(ConcurrentUpdate, match="prescription was changed"):
            uow.prescriptions.update(rx.id, expected_version=1, status="rejected")
        uow.commit()
    assert [(i.medication.ndc_code, i.refills_remaining) for i in loaded.items] == [("00591040810", 3)]
    assert loaded.items[0].dispensed_medication is None
    assert (loaded.status, loaded.version) == ("validated", 2)
    with uow_factory() as uow:
        assert uow.prescriptions.next_rx_number() == "1000002"


def test_prescription_queue_stat_first_then_oldest(uow_factory, patients):
    base = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    received = {
        "old": dict(received_at=base),
        "new": dict(received_at=base + dt.timedelta(hours=2)),
        "stat_new": dict(received_at=base + dt.timedelta(hours=3), is_stat=True),
        "stat_old": dict(received_at=base + dt.timedelta(hours=1), is_stat=True),
        "validated": dict(received_at=base - dt.timedelta(days=1), status="validated"),
    }
    with uow_factory() as uow:
        rxs = {
            key: uow.prescriptions.add(make_prescription(patients["john"], **fields))
            for key, fields in received.items()
        }
        uow.commit()
    with uow_factory() as uow:
        assert [r.id for r in uow.prescriptions.queue("received")] == [
            rxs[k].id for k in ("stat_old", "stat_new", "old", "new")
        ]
        assert [r.id for r in uow.prescriptions.queue("received", limit=1)] == [rxs["stat_old"].id]
        assert [r.id for r in uow.prescriptions.queue("validated")] == [rxs["validated"].id]
        assert uow.prescriptions.queue("ready") == []


def test_prescriptions_for_patient_and_active_medications(uow_factory, patients, catalog):
    with uow_factory() as uow:
        med = {key: uow.catalog.by_id(id_) for key, id_ in catalog.items()}
        t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

        def rx(key: str, status: str, hours: int, **fields) -> Prescription:
            p = make_prescription(patients["john"], status=status, received_at=t0 + dt.timedelta(hours=hours), **fields)
            p.items.append(make_item(med[key]))
            return uow.prescriptions.add(p)

        completed = rx("lisinopril", "completed", 1)
        in_review = rx("warfarin", "received", 2)
        rx("aspirin", "rejected", 3)
        rx("amoxicillin", "completed", 4, expiration_date=TODAY - dt.timedelta(days=1))
        uow.prescriptions.add(make_prescription(patients["jane"]))
        uow.commit()

    with uow_factory() as uow:
        mine = uow.prescriptions.for_patient(patients["john"])
        assert [p.status for p in mine] == ["completed", "rejected", "received", "completed"]
        open_ = uow.prescriptions.for_patient(patients["john"], ["received", "validated"])
        assert [p.id for p in open_] == [in_review.id]
        assert uow.prescriptions.for_patient(patients["john"], []) == []

        active = uow.prescriptions.active_medications(patients["john"])
        assert [i.medication.generic_name for i in active] == ["warfarin", "lisinopril"]
        others = uow.prescriptions.active_medications(patients["john"], excluding=in_review.id)
        assert [(i.prescription.id, i.medication.generic_name) for i in others] == [(completed.id, "lisinopril")]
        assert [i.written_medication_name for i in mine[0].items] == ["Amoxicillin 500 mg capsule"]


def test_validations_and_refills(uow_factory, patients, catalog):
    pharmacist = uuid.uuid4()
    with uow_factory(actor_id=pharmacist) as uow:
        rx = make_prescription(patients["john"])
        item = make_item(uow.catalog.by_id(catalog["lisinopril"]))
        rx.items.append(item)
        uow.prescriptions.add(rx)
        check = uow.prescriptions.add_validation(rx.id, "allergy_check", "passed", {"allergens": []})
        uow.prescriptions.add_validation(rx.id, "drug_interaction", "warning", performed_by=uuid.UUID(int=7))
        for number, filled in ((1, TODAY), (0, TODAY - dt.timedelta(days=30))):
            uow.session.add(
                PrescriptionRefill(
                    prescription_id=rx.id,
                    prescription_item_id=item.id,
                    refill_number=number,
                    medication_id=catalog["lisinopril"],
                    ndc_code="00591040810",
                    quantity_dispensed=Decimal("30"),
                    days_supply=30,
                    filled_date=filled,
                )
            )
        uow.commit()
    assert check.performed_by == pharmacist and check.performed_at is not None

    with uow_factory() as uow:
        assert [(v.validation_type, v.performed_by) for v in uow.prescriptions.validations_for(rx.id)] == [
            ("allergy_check", pharmacist),
            ("drug_interaction", uuid.UUID(int=7)),
        ]
        assert [r.refill_number for r in uow.prescriptions.refills_for(rx.id)] == [0, 1]
        assert uow.prescriptions.refills_for(uuid.uuid4()) == []


# -- catalog ----------------------------------------------------------------------------------


def test_medication_lookups_and_name_search(uow_factory, catalog):
    with uow_factory() as uow:
        assert uow.catalog.by_ndc("00591040810").id == catalog["lisinopril"]
        assert uow.catalog.by_ndc("0591-0408-10") is None  # the key is digits only
        assert uow.catalog.by_id(catalog["warfarin"]).brand_name == "Coumadin"
        candidates = ["00591040810", "05910040810", "05910408010", "00056017270"]
        assert [m.id for m in uow.catalog.by_ndcs(candidates)] == [catalog["warfarin"], catalog["lisinopril"]]
        assert uow.catalog.by_ndcs([]) == []

        assert [m.id for m in uow.catalog.search_by_name("LISIN")] == [catalog["lisinopril"]]
        assert [m.id for m in uow.catalog.search_by_name("lisin", active_only=False)] == [
            catalog["lisinopril"],
            catalog["old"],
        ]
        assert [m.id for m in uow.catalog.search_by_name("coum")] == [catalog["warfarin"]]
        assert uow.catalog.search_by_name("  ") == []
        assert uow.catalog.search_by_name("%") == []

        uow.catalog.update(catalog["aspirin"], strength="81 mg")
        uow.commit()
    with uow_factory() as uow:
        assert uow.catalog.by_ndc("00904201559").strength == "81 mg"


def test_drug_interactions(uow_factory, catalog):
    with uow_factory() as uow:
        uow.catalog.add_interaction(
            catalog["warfarin"], catalog["aspirin"], severity="serious", description="Bleeding risk"
        )
        uow.catalog.add_interaction(
            catalog["lisinopril"], catalog["warfarin"], severity="minor", description="Not really", is_active=False
        )
        uow.catalog.add_interaction(
            catalog["amoxicillin"], catalog["warfarin"], severity="significant", description="INR up"
        )
        uow.commit()

    with uow_factory() as uow:
        found = uow.catalog.interactions_for([catalog["warfarin"], catalog["aspirin"], catalog["lisinopril"]])
        assert [(i.description, {i.medication_1.generic_name, i.medication_2.generic_name}) for i in found] == [
            ("Bleeding risk", {"warfarin", "aspirin"})
        ]
        assert uow.catalog.interactions_for([catalog["warfarin"]]) == []
        involving = uow.catalog.interactions_involving([catalog["warfarin"]])
        assert [i.severity for i in involving] == ["serious", "significant"]

    low, high = sorted([catalog["warfarin"], catalog["aspirin"]])
    with uow_factory() as uow, pytest.raises(IntegrityError, match="drug_interactions_check"):
        uow.catalog.add(
            DrugInteraction(medication_1_id=high, medication_2_id=low, severity="minor", description="reversed")
        )


# -- inventory --------------------------------------------------------------------------------


@pytest.fixture
def stock(uow_factory, catalog):
    with uow_factory() as uow:
        item = make_stock(catalog["lisinopril"], "00591040810", on_hand="130")
        item.batches.extend(
            [
                make_batch("LATE", TODAY + dt.timedelta(days=400)),
                make_batch("SOON", TODAY + dt.timedelta(days=20)),
                make_batch("EXPIRED", TODAY - dt.timedelta(days=1), remaining="5"),
                make_batch("EMPTY", TODAY + dt.timedelta(days=10), remaining="0"),
                make_batch("RECALLED", TODAY + dt.timedelta(days=5), status="recalled"),
                make_batch("SAME-EXPIRY-NEWER", TODAY + dt.timedelta(days=20), received_date=TODAY, remaining="25"),
            ]
        )
        low = make_stock(catalog["warfarin"], "00056017270", on_hand="5", reorder_point="10")
        at_point = make_stock(catalog["aspirin"], "00904201559", on_hand="10", reorder_point="10")
        inactive = make_stock(catalog["amoxicillin"], "00093310905", on_hand="0", is_active=False)
        uow.session.add_all([item, low, at_point, inactive])
        uow.commit()
    return {"item": item.id, "low": low.id, "at_point": at_point.id, "inactive": inactive.id}


def test_inventory_items_read_update(uow_factory, stock, catalog):
    with uow_factory() as uow:
        item = uow.inventory.item_by_ndc("00591040810")
        assert item.id == stock["item"] and item.version == 1
        assert uow.inventory.item_by_ndc("99999999999") is None
        assert [i.id for i in uow.inventory.items_for_medication(catalog["lisinopril"])] == [stock["item"]]
        assert uow.inventory.items_for_medication(catalog["amoxicillin"]) == []
        assert [i.id for i in uow.inventory.items_for_medication(catalog["amoxicillin"], active_only=False)] == [
            stock["inactive"]
        ]
        uow.inventory.update(stock["item"], expected_version=1, bin_location="A-12")
        uow.commit()
    with uow_factory() as uow:
        item = uow.inventory.get(stock["item"])
        assert (item.bin_location, item.version) == ("A-12", 2)
        with pytest.raises(ConcurrentUpdate, match="stock item was changed"):
            uow.inventory.update(stock["item"], expected_version=1, bin_location="B-1")


def test_batches_first_expiry_first_out(uow_factory, stock):
    with uow_factory() as uow:
        lots = [b.batch_number for b in uow.inventory.batches_fefo(stock["item"], for_update=False)]
        assert lots == ["SOON", "SAME-EXPIRY-NEWER", "LATE"]
        later = uow.inventory.batches_fefo(stock["item"], for_update=False, as_of=TODAY + dt.timedelta(days=21))
        assert [b.batch_number for b in later] == ["LATE"]


def test_lock_item_and_fefo_batches_hold_row_locks(uow_factory, stock, database_url):
    with uow_factory() as uow:
        item = uow.inventory.lock_item(stock["item"])
        batches = uow.inventory.batches_fefo(stock["item"])
        assert item.quantity_on_hand == Decimal("130") and len(batches) == 3
        with psycopg.connect(libpq_url(database_url), autocommit=True) as other:
            for sql, id_ in (
                ("SELECT 1 FROM inventory_schema.inventory_items WHERE id = %s FOR UPDATE NOWAIT", stock["item"]),
                ("SELECT 1 FROM inventory_schema.inventory_batches WHERE id = %s FOR UPDATE NOWAIT", batches[0].id),
            ):
                with pytest.raises(psycopg.errors.LockNotAvailable):
                    other.execute(sql, (id_,))
            # an unlocked row of the same table is free
            other.execute(
                "SELECT 1 FROM inventory_schema.inventory_items WHERE id = %s FOR UPDATE NOWAIT", (stock["low"],)
            )
        with pytest.raises(NotFound, match="stock item was not found"):
            uow.inventory.lock_item(uuid.uuid4())


def test_lock_item_reads_the_current_row(uow_factory, stock, engine):
    with uow_factory() as uow:
        stale = uow.inventory.get(stock["item"])
        with engine.begin() as conn:  # another workstation dispenses in between
            conn.execute(
                text("UPDATE inventory_schema.inventory_items SET quantity_on_hand = 100, version = 2 WHERE id = :id"),
                {"id": stock["item"]},
            )
        locked = uow.inventory.lock_item(stock["item"])
        assert locked is stale and (locked.quantity_on_hand, locked.version) == (Decimal("100"), 2)


def test_stock_transactions(uow_factory, stock):
    actor = uuid.uuid4()
    with uow_factory(actor_id=actor) as uow:
        ref = uuid.uuid4()
        t1 = uow.inventory.add_transaction(
            stock["item"], "dispensed", Decimal("-30"), Decimal("130"), reference_type="prescription", reference_id=ref
        )
        uow.inventory.add_transaction(stock["item"], "receipt", Decimal("100"), Decimal("100"), reason="PO 1")
        uow.commit()
    assert (t1.quantity_after, t1.performed_by) == (Decimal("100"), actor)
    with uow_factory() as uow:
        ledger = uow.inventory.transactions_for(stock["item"])
        assert sorted(t.transaction_type for t in ledger) == ["dispensed", "receipt"]
        assert uow.inventory.transactions_for(stock["low"]) == []


def test_low_stock_expiring_and_summary(uow_factory, stock):
    with uow_factory() as uow:
        assert [i.id for i in uow.inventory.low_stock()] == [stock["low"], stock["at_point"]]
        soon = uow.inventory.expiring(30)
        assert [(b.batch_number, b.item.ndc_code) for b in soon] == [
            ("EXPIRED", "00591040810"),
            ("SAME-EXPIRY-NEWER", "00591040810"),
            ("SOON", "00591040810"),
        ]
        assert [b.batch_number for b in uow.inventory.expiring(0)] == ["EXPIRED"]

        assert uow.inventory.summary() == []  # the view was built empty by the migration
        uow.inventory.refresh_summary()
        rows = {row.ndc_code: row for row in uow.inventory.summary()}
        assert set(rows) == {"00591040810", "00056017270", "00904201559"}  # inactive items left out
        assert (rows["00591040810"].batch_count, rows["00591040810"].drug_name) == (5, "Lisinopril 10 mg tablet")
        assert [row.ndc_code for row in uow.inventory.summary(low_only=True)] == ["00904201559", "00056017270"]
        uow.commit()


def test_purchase_orders(uow_factory, stock):
    with uow_factory() as uow:
        order = PurchaseOrder(
            po_number=uow.inventory.next_po_number(), order_date=TODAY, supplier=Supplier(name="McKesson")
        )
        order.items.append(
            PurchaseOrderItem(
                inventory_item_id=stock["item"],
                ndc_code="00591040810",
                medication_name="Lisinopril 10 mg",
                quantity_ordered=Decimal("100"),
                unit_price=Decimal("0.0412"),
                total_price=Decimal("4.12"),
            )
        )
        uow.session.add(order)
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.inventory.purchase_order_with_items(order.id)
        assert (loaded.po_number, loaded.status, loaded.supplier.name) == ("PO000001", "pending", "McKesson")
        assert [(i.quantity_received, i.unit_price) for i in loaded.items] == [(Decimal("0"), Decimal("0.0412"))]


# -- billing ----------------------------------------------------------------------------------


def test_invoices_and_payments(uow_factory, patients, engine):
    cashier = uuid.uuid4()
    with uow_factory(actor_id=cashier) as uow:
        invoices = []
        for days_ago, status in ((10, "paid"), (0, "pending")):
            invoice = Invoice(
                invoice_number=uow.billing.next_invoice_number(),
                prescription_id=uuid.uuid4(),
                patient_id=patients["john"],
                invoice_date=TODAY - dt.timedelta(days=days_ago),
                subtotal=Decimal("12.50"),
                insurance_payment=Decimal("2.50"),
                patient_copay=Decimal("10.00"),
                total_amount=Decimal("12.50"),
                status=status,
            )
            invoice.items.append(
                InvoiceItem(
                    item_type="medication",
                    description="Lisinopril 10 mg x30",
                    unit_price=Decimal("0.4167"),
                    total_price=Decimal("12.50"),
                )
            )
            invoices.append(uow.billing.add(invoice))
        payment = uow.billing.add_payment(invoices[1], Decimal("5.00"), "cash")
        uow.billing.add_payment(invoices[1], Decimal("2.50"), "credit_card", card_last_four="4242")
        uow.billing.add_payment(invoices[1], Decimal("99"), "credit_card", status="failed")
        uow.commit()
    assert [i.invoice_number for i in invoices] == ["INV000001", "INV000002"]
    assert (payment.payment_number, payment.processed_by, payment.patient_id) == (
        "PAY000001",
        cashier,
        patients["john"],
    )
    assert invoices[0].created_by == cashier and invoices[0].tax_amount == Decimal("0.00")

    with uow_factory() as uow:
        found = uow.billing.invoices_for_patient(patients["john"])
        assert [i.invoice_number for i in found] == ["INV000002", "INV000001"]
        assert [i.quantity for i in found[0].items] == [Decimal("1.00")]
        assert [i.id for i in uow.billing.invoices_for_patient(patients["john"], ["pending"])] == [invoices[1].id]
        assert uow.billing.invoices_for_patient(patients["jane"]) == []
        assert uow.billing.amount_paid(invoices[1].id) == Decimal("7.50")
        assert uow.billing.amount_paid(invoices[0].id) == Decimal("0")
        full = uow.billing.get_with_items(invoices[1].id)
        assert sorted(p.payment_method for p in full.payments) == ["cash", "credit_card", "credit_card"]
        uow.billing.update(invoices[1].id, status="partially_paid")
        assert [i.invoice_number for i in uow.billing.invoices_for_prescription(invoices[1].prescription_id)] == [
            "INV000002"
        ]
        uow.commit()
    assert (
        scalar(engine, "SELECT status FROM billing_schema.invoices WHERE id = :id", id=invoices[1].id)
        == "partially_paid"
    )


# -- notifications ----------------------------------------------------------------------------


def test_notification_queue_and_templates(uow_factory, patients, database_url):
    t0 = dt.datetime(2026, 2, 1, 8, 0, tzinfo=dt.UTC)

    def message(minutes: int, **fields) -> Notification:
        base = dict(
            patient_id=patients["john"], notification_type="sms", recipient="5551234567", message="Your Rx is ready"
        )
        return Notification(**{**base, "created_at": t0 + dt.timedelta(minutes=minutes), **fields})

    with uow_factory() as uow:
        template = NotificationTemplate(
            template_name="prescription_ready",
            notification_type="sms",
            event_trigger="prescription_ready",
            body_template="Hi {{patient_name}}",
        )
        uow.session.add_all(
            [
                template,
                NotificationTemplate(
                    template_name="old",
                    notification_type="sms",
                    event_trigger="refill_due",
                    body_template="-",
                    is_active=False,
                ),
            ]
        )
        queued = {
            "second": message(2, template=template),
            "first": message(1),
            "sent": message(0, status="sent"),
            "exhausted": message(0, retry_count=3),
            "third": message(3, retry_count=2),
        }
        for n in queued.values():
            uow.notifications.add(n)
        uow.commit()

    with uow_factory() as uow:
        assert [n.id for n in uow.notifications.pending()] == [queued[k].id for k in ("first", "second", "third")]
        assert len(uow.notifications.pending(limit=1)) == 1
        assert uow.notifications.template_by_name("prescription_ready").id == template.id
        assert uow.notifications.template_by_name("old") is None
        assert uow.notifications.template_by_name("old", active_only=False) is not None
        assert [t.template_name for t in uow.notifications.templates()] == ["prescription_ready"]

        claimed = uow.notifications.pending(limit=2, claim=True)
        with uow_factory() as other:  # a second sender skips what the first holds
            assert [n.id for n in other.notifications.pending(claim=True)] == [queued["third"].id]
        uow.notifications.update(claimed[0].id, status="sent", sent_at=dt.datetime.now(dt.UTC))
        uow.commit()
    with uow_factory() as uow:
        assert [n.id for n in uow.notifications.pending()] == [queued["second"].id, queued["third"].id]


# -- audit ------------------------------------------------------------------------------------


def test_domain_events_and_access_logs(uow_factory):
    alice, bob = uuid.uuid4(), uuid.uuid4()
    rx_id, other_id = uuid.uuid4(), uuid.uuid4()
    with uow_factory(actor_id=alice) as uow:
        uow.record("PrescriptionReceived", "prescription", rx_id, {"n": 1})
        uow.record("PatientUpdated", "patient", other_id)
        uow.log_access("view", "patient", other_id)
        uow.commit()
    with uow_factory(actor_id=bob) as uow:
        uow.record("PrescriptionValidated", "prescription", rx_id, {"n": 2})
        uow.log_access("update", "patient", other_id)
        uow.commit()

    with uow_factory() as uow:
        history = uow.audit.events_for("prescription", rx_id)
        assert [(e.event_type, e.user_id, e.event_data) for e in history] == [
            ("PrescriptionReceived", alice, {"n": 1, "workstation": "test-ws"}),
            ("PrescriptionValidated", bob, {"n": 2, "workstation": "test-ws"}),
        ]
        assert history[0].sequence_number < history[1].sequence_number
        assert uow.audit.events_for("patient", rx_id) == []

        recent = uow.audit.recent_events()
        assert [e.event_type for e in recent] == ["PrescriptionValidated", "PatientUpdated", "PrescriptionReceived"]
        assert [e.event_type for e in uow.audit.recent_events(user_id=alice)] == [
            "PatientUpdated",
            "PrescriptionReceived",
        ]
        assert [e.event_type for e in uow.audit.recent_events(event_type="PatientUpdated")] == ["PatientUpdated"]
        assert len(uow.audit.recent_events(aggregate_type="prescription", limit=1)) == 1
        later = recent[0].occurred_at + dt.timedelta(seconds=1)
        assert uow.audit.recent_events(since=later) == []
        assert len(uow.audit.recent_events(until=later)) == 3

        logs = uow.audit.access_logs(resource_type="patient", resource_id=other_id)
        assert [(log.action, log.user_id, log.user_agent) for log in logs] == [
            ("update", bob, "pharmacy-desktop@test-ws"),
            ("view", alice, "pharmacy-desktop@test-ws"),
        ]
        assert [log.action for log in uow.audit.access_logs(user_id=alice)] == ["view"]
        assert [log.action for log in uow.audit.access_logs(action="update")] == ["update"]
        assert uow.audit.access_logs(since=later) == []


# -- EXPLAIN of the hot queries ---------------------------------------------------------------


def _plan_of(uow, run) -> str:
    """Run a repository call, capture its first statement, and EXPLAIN exactly that statement."""
    captured: list[tuple[str, object]] = []
    engine = uow.session.get_bind()

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and not captured:
            captured.append((statement, parameters))

    # small tables: without this the planner rightly prefers a sequential scan
    uow.session.execute(text("SET LOCAL enable_seqscan = off"))
    event.listen(engine, "before_cursor_execute", capture)
    try:
        run(uow)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    statement, parameters = captured[0]
    rows = uow.session.connection().exec_driver_sql("EXPLAIN " + statement, parameters).scalars()
    return "\n".join(rows)


HOT_QUERIES = {
    "patient search by last name prefix": (lambda uow: uow.patients.search("smi"), {"idx_patients_name"}),
    "patient search by last and first name": (lambda uow: uow.patients.search("smith, jo"), {"idx_patients_name"}),
    "patient search by date of birth": (lambda uow: uow.patients.search("03/04/1980"), {"idx_patients_dob"}),
    "prescription queue by status": (
        lambda uow: uow.prescriptions.queue("received"),
        {"idx_prescriptions_status", "idx_prescriptions_queue"},
    ),
    "medication by ndc": (
        lambda uow: uow.catalog.by_ndc("00591040810"),
        {"idx_medications_ndc_code", "medications_ndc_code_key"},
    ),
    "inventory item by ndc": (lambda uow: uow.inventory.item_by_ndc("00591040810"), {"idx_inventory_items_ndc"}),
    "domain events by aggregate": (
        lambda uow: uow.audit.events_for("prescription", uuid.UUID(int=1)),
        {"idx_domain_events_aggregate"},
    ),
}


@pytest.mark.parametrize("name", HOT_QUERIES)
def test_hot_queries_use_their_index(uow_factory, patients, name):
    run, indexes = HOT_QUERIES[name]
    with uow_factory() as uow:
        plan = _plan_of(uow, run)
    assert "Seq Scan" not in plan, plan
    assert any(f" {index}" in plan for index in indexes), plan


def test_plan_check_can_fail(uow_factory):
    """The check above notices a query no index serves (a leading-wildcard name search)."""
    from sqlalchemy import select

    with uow_factory() as uow:
        plan = _plan_of(uow, lambda u: u.session.scalars(select(Patient).where(Patient.last_name.ilike("%mit%"))).all())
    assert "Seq Scan" in plan and "idx_patients_name" not in plan


def test_search_plan_is_for_the_repository_statement(uow_factory):
    """The EXPLAINed text is the repository's own statement, parameters and all."""
    with uow_factory() as uow:
        plan = _plan_of(uow, lambda u: u.patients.search("smi jo"))
    assert "'smi'" in plan and "'Smj'" in plan and "first_name" in plan, plan
