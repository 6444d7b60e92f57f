"""Issue 18 item 3: a prescription's quantity is written in the unit the dosage form is counted out in,
from the one table every screen uses (domain/dosage_units), not intake's own: '1 canister' of an
AEROSOL (not 'inhaler' for any aerosol), '1 bottle' of a SPRAY, '75 mL' of an INHALANT, '2 rolls' of
TAPE, '30 packets' of GRANULE; insulin's 'units' stay units. The intake form offers the drug's own
unit first and keeps a unit it does not list (a returned prescription's 'units')."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from pharmacy_desktop.db.models.prescriptions import Medication
from pharmacy_desktop.services import intake
from pharmacy_desktop.services.prescription_form import unit_choices, unit_for_form

from .conftest import PRESCRIBER

# form -> the unit intake writes for it (what dispensing_unit then counts: '1 canister', '30 packets')
FORM_UNITS = {
    "AEROSOL": "canister",  # intake's own table said 'inhaler' for any aerosol
    "AEROSOL, METERED": "inhaler",
    "AEROSOL, FOAM": "g",
    "SPRAY": "bottle",  # intake's own table said 'each'
    "SPRAY, METERED": "bottle",
    "INHALANT": "mL",  # ... 'inhaler' ('inhal' in the word)
    "TAPE": "roll",  # ... 'each'
    "GRANULE": "packet",  # ... 'each'
    "GRANULE, FOR SUSPENSION": "mL",
    "POWDER, METERED": "inhaler",  # a dry-powder inhaler; ... 'each'
    "INJECTION, POWDER, LYOPHILIZED, FOR SOLUTION": "vial",  # ... 'mL'
    "INJECTION, SOLUTION": "mL",
    "TABLET, FILM COATED": "tablet",
    "CAPSULE, EXTENDED RELEASE": "capsule",
    "SUSPENSION": "mL",
    "OINTMENT": "g",
}


@pytest.mark.parametrize("form", sorted(FORM_UNITS))
def test_intake_writes_the_unit_of_the_shared_table(form):
    assert unit_for_form(form) == FORM_UNITS[form]


def test_a_form_nobody_mapped_or_none_is_each():
    assert unit_for_form("ZZZ UNKNOWN") == "each" and unit_for_form(None) == "each" and unit_for_form("") == "each"


def test_the_unit_field_offers_the_drugs_unit_first_and_keeps_the_prescriptions_own():
    choices = unit_choices("canister")
    assert choices[0] == "canister" and set(intake.QUANTITY_UNITS) <= set(choices)
    assert len(choices) == len(set(choices))
    assert unit_choices("tablet") == intake.QUANTITY_UNITS  # already listed: not twice, the list's order
    kept = unit_choices("mL", "units")  # insulin's units on a prescription sent back to intake
    assert kept[0] == "mL" and kept[-1] == "units"
    assert unit_choices(None, " ") == intake.QUANTITY_UNITS


DRUGS = {  # key -> (ndc, name, strength, form)
    "albuterol_can": ("00000111101", "ALBUTEROL SULFATE", "90 mcg/1", "AEROSOL"),
    "fluticasone": ("00000111102", "FLUTICASONE PROPIONATE", "50 ug/1", "SPRAY, METERED"),
    "albuterol_neb": ("00000111103", "ALBUTEROL SULFATE", "2.5 mg/3mL", "INHALANT"),
    "flurandrenolide": ("00000111104", "FLURANDRENOLIDE", "4 ug/cm2", "TAPE"),
    "mesalamine": ("00000111105", "MESALAMINE", "0.375 g/1", "GRANULE"),
    "insulin": ("00000111106", "INSULIN GLARGINE", "100 U/mL", "INJECTION, SOLUTION"),
}


@pytest.fixture
def unit_meds(uow_factory) -> dict[str, uuid.UUID]:
    ids = {}
    with uow_factory() as uow:
        for key, (ndc, name, strength, form) in DRUGS.items():
            med = Medication(
                ndc_code=ndc,
                drug_name=f"{name.title()} {strength} {form.lower()}",
                generic_name=name,
                strength=strength,
                dosage_form=form,
                route="RESPIRATORY (INHALATION)" if "INHAL" in form or form == "AEROSOL" else "TOPICAL",
                is_controlled_substance=False,
                is_generic=True,
                manufacturer="Test Labs",
                package_ndc=f"{ndc[:5]}-{ndc[5:9]}-{ndc[9:]}",
                package_description="1 in 1 CARTON",
            )
            uow.session.add(med)
            uow.session.flush()
            ids[key] = med.id
        uow.commit()
    return ids


def save(uow_factory, actor, patient_id, med_id, quantity: str, unit: str | None = None) -> str:
    form = intake.PrescriptionInput(
        patient_id=patient_id,
        prescriber=PRESCRIBER,
        items=(intake.ItemInput(med_id, Decimal(quantity), 30, "UD", 0, quantity_unit=unit),),
        written_date=dt.date.today(),
    )
    saved = intake.submit_prescription(uow_factory, actor, form)
    with uow_factory() as uow:
        return uow.prescriptions.get_with_items(saved.prescription_id).items[0].quantity_unit


@pytest.mark.db
def test_a_saved_prescription_says_the_forms_unit_and_insulin_units_stay_units(
    uow_factory, actors, make_patient, unit_meds
):
    patient, tech = make_patient(), actors["technician"]
    offered = {c.medication_id: c.default_unit for c in intake.find_drugs(uow_factory, "albuterol")}
    assert offered == {unit_meds["albuterol_can"]: "canister", unit_meds["albuterol_neb"]: "mL"}
    saved = {key: save(uow_factory, tech, patient.patient_id, unit_meds[key], "1") for key in DRUGS}
    assert saved == {
        "albuterol_can": "canister",
        "fluticasone": "bottle",
        "albuterol_neb": "mL",
        "flurandrenolide": "roll",
        "mesalamine": "packet",
        "insulin": "mL",
    }
    # 'units' of insulin is a unit of measure, not a count: kept as typed, never the form's mL
    assert save(uow_factory, tech, patient.patient_id, unit_meds["insulin"], "1500", "units") == "units"


@pytest.mark.ui
def test_the_unit_box_offers_the_drugs_unit_and_keeps_a_loaded_one(qtbot):
    from pharmacy_desktop.ui.widgets.intake_boxes import FieldErrors, ItemBox

    box = ItemBox(FieldErrors(), lambda _text: [])
    qtbot.addWidget(box)
    box.offer_units("canister")
    assert (box.unit.currentText(), box.unit.itemText(0)) == ("canister", "canister")
    drug = intake.DrugChoice(uuid.uuid4(), "Insulin Glargine 100 U/mL", "", "", "mL")
    box.load(intake.ItemInput(drug.medication_id, "1500", "30", "UD", "0", quantity_unit="units"), drug)
    assert box.unit.currentText() == "units" and box.item().quantity_unit == "units"  # not 'tablet'
    box.load(intake.ItemInput(drug.medication_id, "10", "30", "UD", "0", quantity_unit=None), drug)
    assert box.item().quantity_unit == "mL"
