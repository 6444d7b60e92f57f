"""The vial label names the drug as every screen does (domain/drug_names): the release stays on the
label ("ER tablet", "ODT"), never cut to the form's first word ("Tablet") — a patient told "tablet"
for an extended-release tablet may split or crush it."""

from __future__ import annotations

import pytest

from pharmacy_desktop.printing.layouts import render_label
from pharmacy_desktop.printing.profiles import get_profile
from pharmacy_desktop.services.labels import build_vial_label
from tests.escpos_parse import parse
from tests.fill import factories as f

pytestmark = pytest.mark.db

CASES = [
    (f.Drug("64725-0103-1", "Metformin Hydrochloride", "Metformin Hydrochloride", "500 mg",
            dosage_form="TABLET, FILM COATED, EXTENDED RELEASE"),
     "Metformin Hydrochloride 500 mg ER tablet"),
    (f.Drug("64725-0104-1", "Ondansetron", "Ondansetron", "4 mg", dosage_form="TABLET, ORALLY DISINTEGRATING"),
     "Ondansetron 4 mg ODT"),
    (f.Drug("64725-0105-1", "Omeprazole", "Omeprazole", "20 mg", dosage_form="CAPSULE, DELAYED RELEASE"),
     "Omeprazole 20 mg DR capsule"),
    (f.Drug("64725-0106-1", "Atorvastatin Calcium", "Atorvastatin Calcium", "20 mg",
            dosage_form="TABLET, FILM COATED"),
     "Atorvastatin Calcium 20 mg tablet"),
    (f.Drug("64725-0107-1", "Bupropion Hydrochloride", "Bupropion Hydrochloride", "150 mg",
            dosage_form="TABLET, EXTENDED RELEASE"),
     "Bupropion Hydrochloride 150 mg ER tablet"),
    (f.Drug("0173-0730-01", "Wellbutrin XL", "Bupropion Hydrochloride", "150 mg",
            dosage_form="TABLET, EXTENDED RELEASE", brand_name="Wellbutrin XL"),
     "Wellbutrin XL 150 mg tablet"),  # the brand's name says the release: once
]  # fmt: skip


@pytest.mark.parametrize("drug, line", CASES, ids=lambda v: v if isinstance(v, str) else v.dosage_form)
def test_the_label_names_the_drug_with_its_release(uow_factory, drug, line):
    with uow_factory() as uow:
        f.add_pharmacy(uow)
        med = f.add_medication(uow, drug)
        rx = f.add_prescription(uow, f.add_patient(uow), med)
        label = build_vial_label(uow, f.add_previous_fill(uow, rx, med).id)
        uow.rollback()
    assert f"{label.drug_name} {label.strength}" == line
    words = parse(render_label(label, get_profile("TM-T88V"))).words
    assert line in words
