"""Patients for the benches: plain demographics, no detail that matters to the measurement."""

from __future__ import annotations

import datetime as dt
from typing import Any


def add_patients(session: Any, count: int, *, number_prefix: str, last_name: str, first_birth_year: int) -> list[Any]:
    """``count`` patients added to ``session`` (not flushed): numbers ``<prefix>000000``..., birth
    years cycling over 50-60 years from ``first_birth_year``."""
    from pharmacy_desktop.db.models.patients import Patient

    years = 2000 - first_birth_year
    patients = []
    for i in range(count):
        p = Patient(
            patient_number=f"{number_prefix}{i:06d}",
            first_name=f"Pat{i}",
            last_name=f"{last_name}{i}",
            date_of_birth=dt.date(first_birth_year + i % years, 1 + i % 12, 1 + i % 28),
            phone_primary="(217) 555-0000",
            address_line1=f"{i} Elm St",
            city="Springfield",
            state="IL",
            zip_code="62701",
        )
        session.add(p)
        patients.append(p)
    return patients
