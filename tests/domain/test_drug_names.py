"""The one drug-name formatter: title case from FDA's casing, strength, shortened form."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pharmacy_desktop.domain.dispensing import quantity_text
from pharmacy_desktop.domain.drug_names import (
    DrugName,
    drug_display_name,
    drug_name_parts,
    form_text,
    strength_text,
    title_case,
)

# Names as FDA's NDC Directory gives them (/work/shared/data/fda-ndc extracts), and how they read.
REAL_NAMES = [
    ("OXYCODONE AND ACETAMINOPHEN", "Oxycodone and Acetaminophen"),
    ("ATORVASTATIN CALCIUM", "Atorvastatin Calcium"),
    ("ONGLYZA", "Onglyza"),
    ("KOMBIGLYZE", "Kombiglyze"),
    ("SAXAGLIPTIN AND METFORMIN HYDROCHLORIDE", "Saxagliptin and Metformin Hydrochloride"),
    ("Amlodipine besylate", "Amlodipine Besylate"),
    ("Amlodipine besylate/atorvastatin calcium", "Amlodipine Besylate/Atorvastatin Calcium"),
    ("telmisartan and hydrochlorothiazide", "Telmisartan and Hydrochlorothiazide"),
    ("DICLOFENAC SODIUM AND MISOPROSTOL", "Diclofenac Sodium and Misoprostol"),
    ("AVONEX PEN", "Avonex Pen"),
    ("interferon beta-1a", "Interferon Beta-1a"),
    ("BICILLIN CR", "Bicillin CR"),
    ("penicillin G benzathine and penicillin G procaine", "Penicillin G Benzathine and Penicillin G Procaine"),
    (
        "BUTALBITAL, ACETAMINOPHEN, CAFFEINE, AND CODEINE PHOSPHATE",
        "Butalbital, Acetaminophen, Caffeine, and Codeine Phosphate",
    ),
    ("Buspirone HCl", "Buspirone HCl"),
    ("BUSPIRONE HCL", "Buspirone HCl"),
    ("Diethylpropion HCl Controlled-Release", "Diethylpropion HCl Controlled-Release"),
    ("Diovan HCT", "Diovan HCT"),
    ("DIOVAN HCT", "Diovan HCT"),
    ("Ambien CR", "Ambien CR"),
    ("Dorzolamide Hydrochloride-Timolol Maleate", "Dorzolamide Hydrochloride-Timolol Maleate"),
    ("Depo-Testosterone", "Depo-Testosterone"),
    ("EC-Naprosyn", "EC-Naprosyn"),
    ("ESTROSTEP Fe", "Estrostep Fe"),
    ("Fem pH", "Fem pH"),
    ("Firebush/Burning Bush", "Firebush/Burning Bush"),
    ("CPDA-1", "Cpda-1"),
    ("Animi-3", "Animi-3"),
    ("omega-3 fatty acids", "Omega-3 Fatty Acids"),
    ("NovoLog", "NovoLog"),
    ("NovoLog Mix 70/30", "NovoLog Mix 70/30"),
    ("EpiPen Jr", "EpiPen Jr"),
    ("WELLBUTRIN XL", "Wellbutrin XL"),
    ("METFORMIN HYDROCHLORIDE ER", "Metformin Hydrochloride ER"),
    ("glipizide xl", "Glipizide XL"),
    ("NIFEDIPINE ER", "Nifedipine ER"),
    ("ONDANSETRON ODT", "Ondansetron ODT"),
    ("DILTIAZEM HCL CD", "Diltiazem HCl CD"),
    ("PROPRANOLOL HCL LA", "Propranolol HCl LA"),
    ("BACTRIM DS", "Bactrim DS"),
    ("PROAIR HFA", "Proair HFA"),  # the brand's own "ProAir" only survives in mixed case
    ("ProAir HFA", "ProAir HFA"),
    ("ANTIHEMOPHILIC FACTOR VIII", "Antihemophilic Factor VIII"),
    ("TYPE II COLLAGEN", "Type II Collagen"),
    ("ST. JOHN'S WORT", "St. John's Wort"),
    ("SODIUM CHLORIDE 0.9 % IN PLASTIC CONTAINER", "Sodium Chloride 0.9 % in Plastic Container"),
    ("POTASSIUM CHLORIDE 20 MEQ", "Potassium Chloride 20 mEq"),
    ("DEXTROSE 5% IN WATER", "Dextrose 5% in Water"),
    ("LIDOCAINE 2 ML", "Lidocaine 2 mL"),
    ("HEPARIN SODIUM 5000 UNITS", "Heparin Sodium 5000 units"),
    ("ACETAMINOPHEN USP", "Acetaminophen USP"),
    ("LOSARTAN POTASSIUM AND HCTZ", "Losartan Potassium and HCTZ"),
    ("INSULIN NPH HUMAN", "Insulin NPH Human"),
    ("ALUMINUM HYDROXIDE WITH MAGNESIUM", "Aluminum Hydroxide with Magnesium"),
    ("TRIAMCINOLONE ACETONIDE IN ORABASE", "Triamcinolone Acetonide in Orabase"),
    ("SULFAMETHOXAZOLE/TRIMETHOPRIM", "Sulfamethoxazole/Trimethoprim"),
    ("VITAMIN B12", "Vitamin B12"),
    ("VITAMIN A", "Vitamin A"),
    ("HEPATITIS A VACCINE", "Hepatitis A Vaccine"),
    ("Lisinopril", "Lisinopril"),
    ("lisinopril", "Lisinopril"),
    ("  LISINOPRIL   ", "Lisinopril"),
    ("Adderall", "Adderall"),
    ("Engystol", "Engystol"),
    ("CYNANCHUM VINCETOXICUM ROOT and SULFUR", "Cynanchum Vincetoxicum Root and Sulfur"),
    ("AND", "And"),  # a small word first is capitalised
    # a form word after the strength is the form, written as the formatter writes it
    ("Zestril 10 mg tablet", "Zestril 10 mg tablet"),
    ("AMOXICILLIN 500 MG CAPSULES", "Amoxicillin 500 mg capsules"),
    ("Metformin Hydrochloride 500 mg ER tablet", "Metformin Hydrochloride 500 mg ER tablet"),
    ("LIDOCAINE PATCH 5%", "Lidocaine Patch 5%"),
]


@pytest.mark.parametrize(("raw", "shown"), REAL_NAMES)
def test_real_fda_names_read_in_title_case_with_the_pharmacy_exceptions(raw: str, shown: str) -> None:
    assert title_case(raw) == shown


def test_none_and_blank_are_empty() -> None:
    assert title_case(None) == ""
    assert title_case("   ") == ""
    assert drug_display_name(None) == ""


@pytest.mark.parametrize(
    ("fda", "shown"),
    [
        ("TABLET", "tablet"),
        ("TABLET, FILM COATED", "tablet"),
        ("TABLET, COATED", "tablet"),
        ("TABLET, SUGAR COATED", "tablet"),
        ("TABLET, EXTENDED RELEASE", "ER tablet"),
        ("TABLET, FILM COATED, EXTENDED RELEASE", "ER tablet"),
        ("TABLET, DELAYED RELEASE", "DR tablet"),
        ("TABLET, ORALLY DISINTEGRATING", "ODT"),
        ("TABLET, ORALLY DISINTEGRATING, DELAYED RELEASE", "DR ODT"),
        ("TABLET, CHEWABLE", "chewable tablet"),
        ("CAPSULE", "capsule"),
        ("CAPSULE, EXTENDED RELEASE", "ER capsule"),
        ("CAPSULE, DELAYED RELEASE", "DR capsule"),
        ("CAPSULE, DELAYED RELEASE PELLETS", "DR capsule"),
        ("CAPSULE, GELATIN COATED", "capsule"),
        ("CAPSULE, LIQUID FILLED", "capsule"),
        ("INJECTION", "injection"),
        ("INJECTION, SOLUTION", "injection"),
        ("INJECTION, SUSPENSION", "injectable suspension"),
        ("INJECTION, SOLUTION, CONCENTRATE", "injectable concentrate"),
        ("INJECTION, POWDER, LYOPHILIZED, FOR SOLUTION", "powder for injection"),
        ("INJECTION, POWDER, FOR SOLUTION", "powder for injection"),
        ("POWDER, FOR SUSPENSION", "powder for suspension"),
        ("FOR SUSPENSION, EXTENDED RELEASE", "ER for suspension"),
        ("SOLUTION", "solution"),
        ("SOLUTION/ DROPS", "drops"),
        ("SOLUTION, CONCENTRATE", "concentrate"),
        ("SUSPENSION", "suspension"),
        ("AEROSOL, METERED", "metered aerosol"),
        ("AEROSOL, FOAM", "foam"),
        ("PATCH", "patch"),
        ("PATCH, EXTENDED RELEASE", "patch"),
        ("OINTMENT, AUGMENTED", "ointment"),
        ("CREAM", "cream"),
        ("FILM, SOLUBLE", "soluble film"),
        ("Tablet, Film Coated", "tablet"),
        ("", ""),
        (None, ""),
    ],
)
def test_dosage_forms_are_shortened_to_what_a_pharmacist_reads(fda: str | None, shown: str) -> None:
    assert form_text(fda) == shown


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("10 MG", "10 mg"),
        ("10 mg", "10 mg"),
        ("5 MG/5ML", "5 mg/5mL"),
        ("250 mg/5 mL", "250 mg/5 mL"),
        ("20 MEQ", "20 mEq"),
        ("100 UNITS/ML", "100 units/mL"),
        ("0.1 %", "0.1 %"),
        ("10000 [USP'U]/10 mg per mL", "10000 [USP'U]/10 mg per mL"),
        ("valsartan 160 mg / hydrochlorothiazide 12.5 mg", "valsartan 160 mg / hydrochlorothiazide 12.5 mg"),
        (None, ""),
    ],
)
def test_strength_units_are_written_as_pharmacists_write_them(raw: str | None, shown: str) -> None:
    assert strength_text(raw) == shown


def test_the_whole_name_has_name_strength_release_and_form() -> None:
    assert drug_display_name("OXYCODONE AND ACETAMINOPHEN", "5 mg/325 mg", "TABLET") == (
        "Oxycodone and Acetaminophen 5 mg/325 mg tablet"
    )
    assert drug_display_name("METFORMIN HYDROCHLORIDE", "500 MG", "TABLET, FILM COATED, EXTENDED RELEASE") == (
        "Metformin Hydrochloride 500 mg ER tablet"
    )
    assert drug_display_name("Lisinopril", "20 mg", "TABLET") == "Lisinopril 20 mg tablet"
    assert drug_display_name("ONDANSETRON", "4 mg", "TABLET, ORALLY DISINTEGRATING") == "Ondansetron 4 mg ODT"


def test_parts_let_a_narrow_view_drop_the_form_but_never_the_strength_or_release() -> None:
    parts = drug_name_parts("metformin hydrochloride", "500 mg", "TABLET, EXTENDED RELEASE", brand="GLUCOPHAGE XR")
    assert parts == DrugName("Metformin Hydrochloride", "500 mg", "ER", "tablet", "Glucophage XR")
    assert parts.label == "Metformin Hydrochloride (Glucophage XR)"
    assert parts.short == "Metformin Hydrochloride (Glucophage XR) 500 mg ER"
    assert parts.full == "Metformin Hydrochloride (Glucophage XR) 500 mg ER tablet"
    assert str(parts) == parts.full


def test_a_display_name_goes_through_again_unchanged() -> None:
    for raw, strength, form in (
        ("OXYCODONE AND ACETAMINOPHEN", "5 mg/325 mg", "TABLET"),
        ("METFORMIN HYDROCHLORIDE", "500 MG", "TABLET, EXTENDED RELEASE"),
        ("ONDANSETRON", "4 mg", "TABLET, ORALLY DISINTEGRATING"),
        ("CEPHALEXIN", "250 mg/5 mL", "POWDER, FOR SUSPENSION"),
    ):
        shown = drug_display_name(raw, strength, form)
        assert title_case(shown) == shown
        assert drug_display_name(shown, strength, form) == shown


def test_nothing_is_said_twice() -> None:
    # strength already in the name
    assert drug_display_name("AMOXICILLIN 500 MG", "500 mg", "CAPSULE") == "Amoxicillin 500 mg capsule"
    # release suffix already in the name: no "ER" before the form
    assert drug_display_name("WELLBUTRIN XL", "150 mg", "TABLET, EXTENDED RELEASE") == "Wellbutrin XL 150 mg tablet"
    assert drug_display_name("Nifedipine ER", "30 mg", "TABLET, EXTENDED RELEASE") == "Nifedipine ER 30 mg tablet"
    # form already in the name
    assert drug_display_name("LIDOCAINE PATCH", "5 %", "PATCH") == "Lidocaine Patch 5 %"
    # brand equal to the name
    assert drug_display_name("LIPITOR", "10 mg", "TABLET", brand="Lipitor") == "Lipitor 10 mg tablet"
    assert drug_display_name("atorvastatin calcium", "10 mg", "TABLET, FILM COATED", brand="LIPITOR") == (
        "Atorvastatin Calcium (Lipitor) 10 mg tablet"
    )


def test_missing_parts_leave_no_gaps() -> None:
    assert drug_display_name("LISINOPRIL") == "Lisinopril"
    assert drug_display_name("LISINOPRIL", None, "TABLET") == "Lisinopril tablet"
    assert drug_display_name("LISINOPRIL", "10 mg", None) == "Lisinopril 10 mg"
    assert drug_name_parts("LISINOPRIL", "", "").short == "Lisinopril"


# -- properties ----------------------------------------------------------------------------------

_letters = st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_word = st.text(_letters, min_size=1, max_size=12)
_joined = st.lists(st.tuples(_word, st.sampled_from([" ", "-", "/", " and ", ", ", " ("])), min_size=1, max_size=6).map(
    lambda parts: "".join(w + sep for w, sep in parts).strip(" (,/-")
)


@settings(max_examples=300, deadline=None)
@given(_joined)
def test_recasing_twice_changes_nothing(name: str) -> None:
    once = title_case(name)
    assert title_case(once) == once


@settings(max_examples=300, deadline=None)
@given(_joined)
def test_only_case_changes_never_the_letters(name: str) -> None:
    # (no digits here: "2 UG" -> "2 mcg" is the one rewrite of letters, after a number)
    assert title_case(name).lower() == " ".join(name.split()).lower()


@settings(max_examples=300, deadline=None)
@given(_joined)
def test_shouting_or_whispering_reads_the_same(name: str) -> None:
    assert title_case(name.upper()) == title_case(name.lower())


_LOWER_WORDS = {"and", "with", "in", "of", "or", "for", "per", "to", "as", "by", "ph"}


@settings(max_examples=300, deadline=None)
@given(st.lists(_word, min_size=1, max_size=6))
def test_mixed_case_words_are_the_labelers_own_and_kept(words: list[str]) -> None:
    shown = title_case(" ".join(words)).split()
    for raw, out in zip(words, shown, strict=True):
        if not (raw.isupper() or raw.islower()):
            assert out == raw
        else:
            assert out[0].isupper() or out.lower() in _LOWER_WORDS


@settings(max_examples=200, deadline=None)
@given(_joined, st.decimals(min_value=0, max_value=5000, places=1), st.sampled_from(["MG", "mg", "MCG", "ML"]))
def test_the_strength_is_always_shown_after_the_name(name: str, number: object, unit: str) -> None:
    strength = f"{number} {unit}"
    shown = drug_display_name(name, strength, "TABLET, FILM COATED")
    assert shown.startswith(title_case(name))
    assert strength_text(strength) in shown or strength_text(strength).lower() in title_case(name).lower()


# -- quantities in the dispensing unit -------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "unit", "form", "shown"),
    [
        (30, "EA", "TABLET, FILM COATED", "30 tablets"),
        (1, "EA", "CAPSULE, EXTENDED RELEASE", "1 capsule"),
        (40, "ea", "TABLET", "40 tablets"),
        (150, "EA", "SUSPENSION", "150 mL"),
        (Decimal("2.5"), "mL", "SOLUTION", "2.5 mL"),
        (30, "g", "CREAM", "30 g"),
        (15, "EA", "OINTMENT", "15 g"),
        (30, "tablets", None, "30 tablets"),
        (1, "tablets", None, "1 tablet"),
        (Decimal("30.000"), "EA", "TABLET", "30 tablets"),
        (5, "EA", "KIT", "5 kits"),
        (2, "EA", None, "2 units"),
        (None, "EA", "TABLET", ""),
    ],
)
def test_quantities_are_said_in_the_unit_counted_out_never_ea(
    quantity: Decimal | int | None, unit: str, form: str | None, shown: str
) -> None:
    assert quantity_text(quantity, unit, form) == shown
