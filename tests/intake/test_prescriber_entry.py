"""Issue 15 item 6 at intake: prescriber first and last name entered apart ("de la Cruz", "Van
Buren"), DEA schedules stored, non-prescriber DEA numbers and NPIs starting with 0/3 refused, a
surname mismatch saved but held for the pharmacist as the DUR prescriber hard stop."""

from __future__ import annotations

import datetime as dt

import pytest

from pharmacy_desktop.domain.identifiers import dea_check_digit, npi_check_digit
from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.services import intake

from .conftest import NPI, rx_form

pytestmark = pytest.mark.db


def dea(letters: str) -> str:
    return f"{letters}765432{dea_check_digit('765432')}"


def prescriber(first: str, last: str, dea_number: str | None, schedules=("2", "3", "4", "5"), npi: str = NPI):
    return intake.PrescriberInput(
        "", npi, dea_number, "(217) 555-0190", first_name=first, last_name=last, dea_schedules=schedules
    )


ORDERS = {  # what each test prescribes of the drug: a C-II, or a plain maintenance drug
    "oxycodone": {"sig": "1 T PO Q12H", "quantity": "20", "days": 10},
    "lisinopril": {"sig": "1 T PO QD", "days": 30},
}


def written_by(make_patient, meds, who, drug="oxycodone", **more):
    """A new patient's prescription form for ``drug`` (its ``ORDERS`` line) from the prescriber ``who``."""
    return rx_form(make_patient().patient_id, meds[drug], **ORDERS[drug], prescriber=who, **more)


def refused(uow_factory, actors, form) -> dict[str, str]:
    """The field errors intake refuses ``form`` with."""
    with pytest.raises(ValidationFailed) as caught:
        intake.submit_prescription(uow_factory, actors["technician"], form)
    return caught.value.field_errors


def validations(uow_factory, rx_id, check="prescriber"):
    with uow_factory() as uow:
        return [
            (v.validation_status, (v.details or {}).get("rule"))
            for v in uow.prescriptions.validations_for(rx_id)
            if v.validation_type == check and v.is_current
        ]


@pytest.mark.parametrize(
    ("first", "last", "letters"),
    [
        ("Maria", "de la Cruz", "AD"),
        ("Maria", "de la Cruz", "BC"),
        ("Martin", "Van Buren", "FV"),
        ("Martin", "Van Buren", "GB"),
    ],
)
def test_multi_word_surnames_are_entered_and_stored_in_parts(
    uow_factory, actors, meds, make_patient, first, last, letters
):
    form = written_by(make_patient, meds, prescriber(first, last, dea(letters), schedules=("4", "2")))
    saved = intake.submit_prescription(uow_factory, actors["technician"], form)
    with uow_factory() as uow:
        rx = uow.prescriptions.get_with_items(saved.prescription_id)
        stored = (rx.prescriber_name, rx.prescriber_first_name, rx.prescriber_last_name, rx.prescriber_dea_schedules)
    assert stored == (f"{first} {last}", first, last, "2 4")
    assert validations(uow_factory, saved.prescription_id) == [("passed", None)]


def test_surname_mismatch_is_saved_and_held_as_a_prescriber_hard_stop(uow_factory, actors, meds, make_patient):
    form = written_by(make_patient, meds, prescriber("Martin", "Van Buren", dea("AS")))
    saved = intake.submit_prescription(uow_factory, actors["technician"], form)
    assert saved.blocking_alerts >= 1
    assert ("failed", "dea_name_mismatch") in validations(uow_factory, saved.prescription_id)


def test_schedule_not_held_by_the_prescriber_is_a_hard_stop(uow_factory, actors, meds, make_patient):
    form = written_by(make_patient, meds, prescriber("Maria", "de la Cruz", dea("AD"), schedules=("3", "4", "5")))
    saved = intake.submit_prescription(uow_factory, actors["technician"], form)
    assert ("failed", "schedule_not_registered") in validations(uow_factory, saved.prescription_id)


@pytest.mark.parametrize(("letter", "fragment"), [("E", "manufacturer"), ("P", "distributor"), ("X", "DATA-waiver")])
def test_non_prescriber_dea_numbers_are_refused_at_intake(uow_factory, actors, meds, make_patient, letter, fragment):
    form = written_by(make_patient, meds, prescriber("Maria", "de la Cruz", dea(letter + "D")))
    assert fragment in refused(uow_factory, actors, form)["prescriber_dea"]


@pytest.mark.parametrize("first_digit", "03")
def test_npi_starting_with_0_or_3_is_refused(uow_factory, actors, meds, make_patient, first_digit):
    nine = first_digit + "23456789"
    form = written_by(
        make_patient, meds, prescriber("Maria", "de la Cruz", None, npi=nine + str(npi_check_digit(nine))), "lisinopril"
    )
    assert "start with 1 or 2" in refused(uow_factory, actors, form)["prescriber_npi"]


def test_last_name_required_with_a_first_name_and_bad_schedule_codes(uow_factory, actors, meds, make_patient):
    form = written_by(make_patient, meds, prescriber("Maria", " ", None, schedules=("2", "6")), "lisinopril")
    assert set(refused(uow_factory, actors, form)) >= {"prescriber_last_name", "prescriber_dea_schedules"}


def test_a_name_typed_in_one_field_is_split_keeping_the_particles(uow_factory, actors, meds, make_patient):
    one_field = intake.PrescriberInput("Dr. Maria de la Cruz", NPI, dea("AL"))
    form = written_by(make_patient, meds, one_field, "lisinopril", written=dt.date.today())
    saved = intake.submit_prescription(uow_factory, actors["technician"], form)
    with uow_factory() as uow:
        rx = uow.prescriptions.get_with_items(saved.prescription_id)
        assert (rx.prescriber_first_name, rx.prescriber_last_name, rx.prescriber_dea_schedules) == (
            "Maria",
            "de la Cruz",
            None,
        )
    assert validations(uow_factory, saved.prescription_id) == [("passed", None)]
