"""Shared data for the intake and review tests: a small catalog, interactions, a prescriber."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from pharmacy_desktop.db.models.prescriptions import DrugInteraction, Medication
from pharmacy_desktop.services import intake
from pharmacy_desktop.services.patients import AllergyEntry, PatientForm, PrescriberEntry, create_patient

NPI = "1234567893"  # Luhn-valid with the 80840 prefix
DEA = "BC1234563"  # checksum-valid, second letter C for Dr. Chen
PRESCRIBER = intake.PrescriberInput("Dr. Sarah Chen", NPI, DEA, "(217) 555-0190")

# key -> (ndc, generic, brand, strength, form, schedule, pharm class, therapeutic class)
DRUGS = {
    "amoxicillin": (
        "00093310905",
        "AMOXICILLIN",
        None,
        "500 mg",
        "CAPSULE",
        None,
        "Penicillin-class Antibacterial [EPC]",
        "Penicillin-class Antibacterial",
    ),
    "lisinopril": (
        "00591040810",
        "LISINOPRIL",
        "Zestril",
        "10 mg",
        "TABLET",
        None,
        "Angiotensin Converting Enzyme Inhibitor [EPC]",
        "Angiotensin Converting Enzyme Inhibitor",
    ),
    "enalapril": (
        "00093002601",
        "ENALAPRIL MALEATE",
        None,
        "10 mg",
        "TABLET",
        None,
        "Angiotensin Converting Enzyme Inhibitor [EPC]",
        "Angiotensin Converting Enzyme Inhibitor",
    ),
    "warfarin": (
        "00056017270",
        "WARFARIN SODIUM",
        "Coumadin",
        "5 mg",
        "TABLET",
        None,
        "Vitamin K Antagonist [EPC]",
        "Vitamin K Antagonist",
    ),
    "aspirin": (
        "00904201380",
        "ASPIRIN",
        None,
        "81 mg",
        "TABLET, DELAYED RELEASE",
        None,
        "Nonsteroidal Anti-inflammatory Drug [EPC]",
        "Nonsteroidal Anti-inflammatory Drug",
    ),
    "oxycodone": (
        "00406055262",
        "OXYCODONE HYDROCHLORIDE",
        None,
        "5 mg",
        "TABLET",
        "II",
        "Opioid Agonist [EPC]",
        "Opioid Agonist",
    ),
    "alprazolam": (
        "00228202910",
        "ALPRAZOLAM",
        "Xanax",
        "0.5 mg",
        "TABLET",
        "IV",
        "Benzodiazepine [EPC]",
        "Benzodiazepine",
    ),
}


@pytest.fixture
def meds(uow_factory) -> dict[str, uuid.UUID]:
    ids: dict[str, uuid.UUID] = {}
    with uow_factory() as uow:
        for key, (ndc, generic, brand, strength, form, schedule, pharm, therapeutic) in DRUGS.items():
            med = Medication(
                ndc_code=ndc,
                drug_name=f"{(brand or generic).title()} {strength} {form.lower()}",
                generic_name=generic,
                brand_name=brand,
                strength=strength,
                dosage_form=form,
                route="ORAL",
                dea_schedule=schedule,
                is_controlled_substance=schedule is not None,
                is_generic=brand is None,
                pharmacologic_class=pharm,
                therapeutic_class=therapeutic,
                manufacturer="Test Labs",
                package_ndc=f"{ndc[:5]}-{ndc[5:9]}-{ndc[9:]}",
                package_description="100 TABLET in 1 BOTTLE",
            )
            uow.session.add(med)
            uow.session.flush()
            ids[key] = med.id
        for a, b, severity, text, management in (
            ("warfarin", "aspirin", "serious", "Anticoagulant plus antiplatelet: bleeding risk.", "Monitor INR."),
            (
                "oxycodone",
                "alprazolam",
                "serious",
                "Opioid with a benzodiazepine: respiratory depression.",
                "Offer naloxone.",
            ),
        ):
            low, high = DrugInteraction.ordered_pair(ids[a], ids[b])
            uow.session.add(
                DrugInteraction(
                    medication_1_id=low,
                    medication_2_id=high,
                    description=text,
                    severity=severity,
                    management_recommendation=management,
                )
            )
        uow.commit()
    return ids


def patient_form(
    first: str = "John",
    last: str = "Smith",
    dob: dt.date = dt.date(1980, 3, 4),
    *,
    allergies: tuple[AllergyEntry, ...] = (),
    phone: str = "(217) 555-0101",
    **extra,
) -> PatientForm:
    return PatientForm(
        first_name=first,
        last_name=last,
        date_of_birth=dob,
        phone_primary=phone,
        address_line1="1 Main St",
        city="Springfield",
        state="IL",
        zip_code="62701",
        allergies=allergies,
        prescribers=(PrescriberEntry("Dr. Sarah Chen", NPI, DEA, "Internal Medicine", "(217) 555-0190", True),),
        **extra,
    )


@pytest.fixture
def make_patient(uow_factory, actors):
    def make(first: str = "John", last: str = "Smith", dob: dt.date = dt.date(1980, 3, 4), **kwargs):
        return create_patient(
            uow_factory, actors["technician"], patient_form(first, last, dob, **kwargs), confirmed_not_duplicate=True
        )

    return make


@pytest.fixture
def penicillin_patient(make_patient):
    return make_patient(
        "Maria", "Garcia", dt.date(1961, 5, 17), allergies=(AllergyEntry("Penicillin", "drug", "Hives", "moderate"),)
    )


def rx_form(
    patient_id,
    med_id,
    *,
    sig="1 C PO TID X10D",
    quantity="30",
    days=10,
    refills=0,
    stat=False,
    written: dt.date | None = None,
    prescriber=PRESCRIBER,
) -> intake.PrescriptionInput:
    return intake.PrescriptionInput(
        patient_id=patient_id,
        prescriber=prescriber,
        items=(intake.ItemInput(med_id, Decimal(quantity), days, sig, refills),),
        written_date=written or dt.date.today(),
        source="paper",
        is_stat=stat,
    )
