"""The review tests use the intake folder's small catalog, prescriber and patients (re-exported).

Clinical knowledge: the curated seed (``resources/clinical/``, loaded by every migration) when it
is there; otherwise ``clinical_min/`` (penicillins and amoxicillin, the rows the allergy scenario
needs) is loaded into the test's database, so the scenario never depends on what else the seed says.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pharmacy_desktop.db import clinical_load
from tests.intake.conftest import make_patient, meds, patient_form, rx_form  # noqa: F401 - fixtures and helpers

MINIMAL = Path(__file__).with_name("clinical_min")


@pytest.fixture(autouse=True)
def clinical_knowledge(request):
    if request.node.get_closest_marker("db") is None:
        return  # a pure test: no database
    engine, uow_factory = request.getfixturevalue("engine"), request.getfixturevalue("uow_factory")
    with uow_factory() as uow:
        loaded = uow.clinical.is_loaded()
    if not loaded:
        raw = engine.raw_connection()
        try:
            clinical_load.load_directory(raw.driver_connection, MINIMAL, replace=False)
        finally:
            raw.close()
