"""The intake and review pharmacy the shell's screenshots and fit checks look at: Maria Garcia, allergic
to penicillin, on warfarin, lisinopril and aspirin (approved), and three prescriptions waiting for
review (John Smith's lisinopril, Karen Lee's alprazolam, Maria Garcia's STAT amoxicillin)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from pharmacy_desktop.demo.approvals import approve_as_demo
from pharmacy_desktop.services import intake, review
from pharmacy_desktop.services.patients import AllergyEntry, ConditionEntry, InsuranceEntry
from tests.intake.conftest import rx_form


def counter_pharmacy(
    uow_factory: Any,
    actors: Any,
    meds: Any,
    make_patient: Any,
    *,
    smith_namesakes: bool = False,
    promised_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """Builds it; the patients by name ("garcia", "smith"). ``smith_namesakes``: Jane Smithers and
    Robert Smithson too (a search for "smith" finds three); ``promised_at``: when Karen Lee was
    promised her alprazolam."""
    tech = actors["technician"]
    insurance = (
        InsuranceEntry("Medicare Part D - SilverScript", "MED493020117", "primary", "004336", "MEDDADV", "RXGRP01"),
    )
    garcia = make_patient(
        "Maria",
        "Garcia",
        dt.date(1961, 5, 17),
        phone="(217) 555-7788",
        allergies=(
            AllergyEntry("Penicillin", "drug", "Hives", "moderate"),
            AllergyEntry("Sulfa drugs", "drug", "Rash", "mild"),
            AllergyEntry("Peanuts", "food", "Anaphylaxis", "severe"),
        ),
        conditions=(ConditionEntry("Atrial fibrillation", "I48.91"), ConditionEntry("Essential hypertension", "I10")),
        insurance=insurance,
    )
    smith = make_patient("John", "Smith", dt.date(1980, 3, 4), phone="(217) 555-0101")
    if smith_namesakes:
        make_patient("Jane", "Smithers", dt.date(1975, 12, 1), phone="(217) 555-2233")
        make_patient("Robert", "Smithson", dt.date(1949, 8, 30), phone="(217) 555-4410")
    lee = make_patient("Karen", "Lee", dt.date(1990, 2, 14), phone="(217) 555-9001")
    for med, sig in (("warfarin", "1 T PO QD UD"), ("lisinopril", "1 T PO QD"), ("aspirin", "1 T PO QD")):
        intake.submit_prescription(uow_factory, tech, rx_form(garcia.patient_id, meds[med], sig=sig, days=30))
    for row in review.review_queue(uow_factory, actors["pharmacist"]):
        approve_as_demo(uow_factory, actors["pharmacist"], row.prescription_id)
    intake.submit_prescription(
        uow_factory, tech, rx_form(smith.patient_id, meds["lisinopril"], sig="1 T PO QD", days=30)
    )
    alprazolam = rx_form(
        lee.patient_id, meds["alprazolam"], sig="1 T PO BID PRN ANXIETY", quantity="30", days=15, refills=2
    )
    if promised_at is not None:
        alprazolam = dataclasses.replace(alprazolam, promised_at=promised_at)
    intake.submit_prescription(uow_factory, tech, alprazolam)
    intake.submit_prescription(uow_factory, tech, rx_form(garcia.patient_id, meds["amoxicillin"], stat=True))
    return {"garcia": garcia, "smith": smith}
