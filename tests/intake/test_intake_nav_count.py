"""The sidebar counts the prescriptions sent back to intake at sign-in, before the Intake screen is built
(``IntakeScreen.nav_count`` on a pool thread), the number the built screen's ``queue_count`` shows."""

from __future__ import annotations

import pytest

from pharmacy_desktop.services import intake, review
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screens.intake import IntakeScreen
from tests.shell.nav_counts import counted_before_built, test_context

from .conftest import rx_form

pytestmark = [pytest.mark.ui, pytest.mark.db]


@pytest.fixture
def context(uow_factory, database_url) -> AppContext:
    return test_context(uow_factory, database_url)


def send_back(uow_factory, actors, patient, med) -> None:
    saved = intake.submit_prescription(uow_factory, actors["technician"], rx_form(patient.patient_id, med, days=30))
    review.send_back_to_intake(
        uow_factory, actors["pharmacist"], saved.prescription_id, "Quantity should be 90 for 90 days"
    )


def test_the_sidebar_counts_sent_back_prescriptions_before_intake_is_built(qtbot, context, actors, meds, make_patient):
    tech = actors["technician"]
    assert IntakeScreen.nav_count(context, tech) is None  # nothing sent back: no count, as queue_count
    patient = make_patient()
    send_back(context.uow_factory, actors, patient, meds["lisinopril"])
    send_back(context.uow_factory, actors, patient, meds["amoxicillin"])
    intake.submit_prescription(context.uow_factory, tech, rx_form(patient.patient_id, meds["warfarin"], days=30))
    assert IntakeScreen.nav_count(context, tech) == 2  # the one waiting for review is not intake's
    counted_before_built(qtbot, context, tech, IntakeScreen, 2)


def test_no_count_for_who_may_not_enter_prescriptions(context, actors):
    reader = actors["pharmacist"]
    if reader.can("prescription.enter"):
        reader = type(reader)(**{**reader.__dict__, "permissions": reader.permissions - {"prescription.enter"}})
    assert IntakeScreen.nav_count(context, reader) is None
