"""A catalog medication as the DUR sees it (services/dur_drugs.py): strengths and release."""

from __future__ import annotations

from decimal import Decimal

from pharmacy_desktop.domain.dur_facts import IngredientStrength
from pharmacy_desktop.services.dur_drugs import drug_facts
from tests.fakes.dur_uow import FakeMedication

# (pharm_classes, substance_name, strengths, units, dosage_form, proprietary name), as uow.dur.products
NORCO = ("Opioid Agonist [EPC]", "ACETAMINOPHEN; HYDROCODONE BITARTRATE", "325; 5", "mg/1; mg/1", "TABLET", "Norco")


def test_strengths_from_the_catalog_json_in_ingredient_form():
    med = FakeMedication(
        "Oxycodone HCl 10 mg ER",
        "OXYCODONE HYDROCHLORIDE",
        dosage_form="TABLET, FILM COATED, EXTENDED RELEASE",
        active_ingredients=[{"name": "OXYCODONE HYDROCHLORIDE", "strength": "10", "unit": "mg/1"}],
    )
    facts = drug_facts(med, "oxycodone ER")
    assert facts.strengths == (IngredientStrength("oxycodone", Decimal("10"), "mg/1"),)
    assert facts.release == "extended"


def test_strengths_from_the_fda_product_lists_for_a_combination():
    med = FakeMedication("Norco 325/5", "ACETAMINOPHEN AND HYDROCODONE BITARTRATE", brand_name="Norco")
    facts = drug_facts(med, "Norco", NORCO)
    assert facts.strengths == (
        IngredientStrength("acetaminophen", Decimal("325"), "mg/1"),
        IngredientStrength("hydrocodone", Decimal("5"), "mg/1"),
    )
    assert facts.release == "immediate" and facts.pharm_classes == ("Opioid Agonist [EPC]",)


def test_strength_text_of_a_single_ingredient_drug_and_a_liquid():
    tablet = drug_facts(FakeMedication("Amoxicillin 500 mg", "AMOXICILLIN", strength="500 mg"), "")
    assert tablet.strengths == (IngredientStrength("amoxicillin", Decimal("500"), "mg/1"),)
    liquid = drug_facts(
        FakeMedication("Amoxicillin susp", "AMOXICILLIN", strength="250 mg/5 mL", dosage_form="SUSPENSION"), ""
    )
    assert liquid.strengths == (IngredientStrength("amoxicillin", Decimal("250"), "mg/5mL"),)
    micro = drug_facts(FakeMedication("Levothyroxine", "LEVOTHYROXINE SODIUM", strength="50 mcg"), "")
    assert micro.strengths == (IngredientStrength("levothyroxine", Decimal("50"), "ug/1"),)


def test_a_combination_strength_text_is_not_split_a_single_ingredient_falls_back_to_it():
    # a combination without per-ingredient data: the text cannot say which amount is which
    combo = drug_facts(FakeMedication("Combo", "ACETAMINOPHEN AND CODEINE", strength="300 mg/30 mg"), "")
    assert combo.strengths == ()
    half = FakeMedication(
        "Odd", "X", active_ingredients=[{"name": "X", "strength": "", "unit": "mg/1"}], strength="10 mg"
    )
    assert drug_facts(half, "").strengths == (IngredientStrength("x", Decimal("10"), "mg/1"),)


def test_release_from_the_form_or_a_name():
    assert drug_facts(FakeMedication("Metoprolol succinate ER 50 mg", "METOPROLOL SUCCINATE"), "").release == "extended"
    assert drug_facts(FakeMedication("Wellbutrin XL", "BUPROPION HYDROCHLORIDE"), "").release == "extended"
    assert drug_facts(FakeMedication("Aspirin EC", "ASPIRIN", dosage_form="TABLET, DELAYED RELEASE"), "").release == (
        "immediate"
    )
    assert drug_facts(FakeMedication("Something", "SOMETHING", dosage_form=None), "").release == "any"
    assert drug_facts(None, "written only").strengths == ()
