"""Fixtures for the privacy tests: the intake tests' small catalog, patients and prescriptions."""

from tests.intake.conftest import (  # noqa: F401  (pytest finds fixtures by name in this module)
    make_patient,
    meds,
)
