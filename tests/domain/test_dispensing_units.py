"""Every dosage form is counted out in a unit a person says: '30 tablets', '1 inhaler', '150 mL',
never '30 units' for a form nobody mapped (issue 18, item 3). Insulin-style quantities stay units."""

from __future__ import annotations

import csv
import os
from decimal import Decimal
from pathlib import Path

import pytest

from pharmacy_desktop.domain.dispensing import dispensing_unit, quantity_text
from pharmacy_desktop.domain.dosage_units import form_head, form_unit, plural, singular

FDA_DIR = Path(os.environ.get("PHARMACY_FDA_NDC_DIR", Path(__file__).resolve().parents[3] / "shared/data/fda-ndc"))
EXTRACTS = (  # (file, encoding) of the real FDA extracts (see their SOURCE.md)
    ("unfinished_product.txt", "cp1252"),
    ("uvis_fdadrug_rx_2015.tsv", "utf-8"),
)


def extract_forms() -> set[str]:
    forms: set[str] = set()
    for name, encoding in EXTRACTS:
        path = FDA_DIR / name
        if not path.exists():
            pytest.skip(f"real NDC extract not found at {path}")
        with path.open(encoding=encoding, newline="") as f:
            forms |= {row["DOSAGEFORMNAME"] for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)}
    return {f for f in forms if f.strip()}


def test_every_dosage_form_of_the_real_fda_extracts_has_a_unit():
    """A new form in FDA's files that nobody mapped fails here (it would read '30 units')."""
    forms = extract_forms()
    assert len(forms) > 70  # both extracts were read (79 distinct forms between them)
    unmapped = sorted(f for f in forms if form_unit(f) is None)
    assert unmapped == []
    said = {f: dispensing_unit(Decimal(30), "EA", f) for f in forms}
    assert sorted(f for f, unit in said.items() if unit == "units") == []


# FDA's structured-product-labeling dosage forms beyond the two extracts (the full directory has ~150)
MORE_FDA_FORMS = [
    "AEROSOL, POWDER",
    "AEROSOL, SPRAY",
    "BAR, CHEWABLE",
    "BEAD",
    "CAPSULE, FILM COATED, EXTENDED RELEASE",
    "CEMENT",
    "CLOTH",
    "CREAM, AUGMENTED",
    "DIAPHRAGM",
    "DISC",
    "DOUCHE",
    "DRESSING",
    "ELIXIR",
    "EMULSION",
    "ENEMA",
    "EXTRACT",
    "FIBER",
    "FILM",
    "FILM, EXTENDED RELEASE",
    "GEL, METERED",
    "GLOBULE",
    "GRANULE, DELAYED RELEASE",
    "GRANULE, EFFERVESCENT",
    "GRANULE, FOR SUSPENSION",
    "GRANULE, FOR SUSPENSION, EXTENDED RELEASE",
    "IMPLANT",
    "INJECTION, EMULSION",
    "INJECTION, LIPID COMPLEX",
    "INJECTION, POWDER, FOR SUSPENSION",
    "INJECTION, POWDER, LYOPHILIZED, FOR LIPOSOMAL SUSPENSION",
    "INJECTION, POWDER, LYOPHILIZED, FOR SUSPENSION",
    "INJECTION, SOLUTION, CONCENTRATE",
    "INJECTION, SUSPENSION, LIPOSOMAL",
    "INJECTION, SUSPENSION, SONICATED",
    "INTRAUTERINE DEVICE",
    "LINIMENT",
    "LOTION/SHAMPOO",
    "MOUTHWASH",
    "PASTE",
    "PASTILLE",
    "PATCH, EXTENDED RELEASE, ELECTRICALLY CONTROLLED",
    "PELLET, IMPLANTABLE",
    "PILL",
    "PLASTER",
    "POULTICE",
    "POWDER, DENTIFRICE",
    "POWDER, FOR SUSPENSION",
    "RINSE",
    "SALVE",
    "SHAMPOO",
    "SOAP",
    "SOLUTION, GEL FORMING / DROPS",
    "SOLUTION, GEL FORMING, EXTENDED RELEASE",
    "SOLUTION, FOR SLUSH",
    "SPONGE",
    "SPRAY, SUSPENSION",
    "SUPPOSITORY, EXTENDED RELEASE",
    "SUSPENSION, EXTENDED RELEASE",
    "SUSPENSION/ DROPS",
    "SYSTEM",
    "TABLET, FOR SOLUTION",
    "TABLET, FOR SUSPENSION",
    "TABLET, SOLUBLE",
    "TAMPON",
    "TROCHE",
    "WAFER",
]


@pytest.mark.parametrize("form", MORE_FDA_FORMS)
def test_the_rest_of_fdas_dosage_forms_have_a_unit(form):
    assert form_unit(form) is not None
    assert quantity_text(2, "EA", form) != "2 units"


def test_a_form_nobody_mapped_reads_units_and_the_check_sees_it():
    """What the extract test guards against: an unknown head is not guessed."""
    assert form_unit("BOLUS") is None
    assert form_unit("") is None and form_unit(None) is None
    assert quantity_text(30, "EA", "BOLUS") == "30 units"


@pytest.mark.parametrize(
    ("form", "one", "thirty"),
    [
        ("AEROSOL, METERED", "1 inhaler", "30 inhalers"),
        ("POWDER, METERED", "1 inhaler", "30 inhalers"),
        ("AEROSOL", "1 canister", "30 canisters"),
        ("AEROSOL, FOAM", "1 g", "30 g"),
        ("SPRAY, METERED", "1 bottle", "30 bottles"),
        ("INJECTION, POWDER, LYOPHILIZED, FOR SOLUTION", "1 vial", "30 vials"),
        ("INJECTION, SOLUTION", "1 mL", "30 mL"),
        ("KIT", "1 kit", "30 kits"),
        ("RING", "1 ring", "30 rings"),
        ("IMPLANT", "1 implant", "30 implants"),
        ("GRANULE", "1 packet", "30 packets"),
        ("GRANULE, FOR SOLUTION", "1 mL", "30 mL"),
        ("POWDER, FOR SUSPENSION", "1 mL", "30 mL"),
        ("SHAMPOO, SUSPENSION", "1 mL", "30 mL"),
        ("STRIP", "1 strip", "30 strips"),
        ("WAFER", "1 wafer", "30 wafers"),
        ("GUM, CHEWING", "1 piece", "30 pieces"),
        ("PATCH, EXTENDED RELEASE", "1 patch", "30 patches"),
        ("SUPPOSITORY", "1 suppository", "30 suppositories"),
        ("LIPSTICK", "1 stick", "30 sticks"),
        ("GAS", "1 L", "30 L"),
        ("JELLY", "1 g", "30 g"),
        ("SOLUTION/ DROPS", "1 mL", "30 mL"),
        ("  tablet,  film coated ", "1 tablet", "30 tablets"),
    ],
)
def test_each_form_is_said_in_what_a_pharmacist_counts(form, one, thirty):
    assert quantity_text(1, "EA", form) == one
    assert quantity_text(30, "EA", form) == thirty


@pytest.mark.parametrize(
    ("quantity", "unit", "form", "shown"),
    [
        (300, "units", "INJECTION, SOLUTION", "300 units"),  # insulin: units, not mL
        (1, "UNIT", "INJECTION, SOLUTION", "1 unit"),
        (100, "IU", "INJECTION, POWDER, FOR SOLUTION", "100 units"),
        (10, "mL", "INJECTION, SOLUTION", "10 mL"),
        (4, "Patches", "PATCH", "4 patches"),
        (1, "patches", None, "1 patch"),
        (12, "suppositories", None, "12 suppositories"),
        (2, "inhalers", "AEROSOL", "2 inhalers"),  # the item's own unit wins over the form's
        (3, "boxes", "TABLET", "3 boxes"),  # a unit that is no form's: as written
        (30, "each", "TABLET", "30 tablets"),
        (30, "", "CAPSULE", "30 capsules"),
    ],
)
def test_the_items_own_unit_wins_when_it_names_one(quantity, unit, form, shown):
    assert quantity_text(quantity, unit, form) == shown


def test_heads_and_plurals():
    assert form_head("INJECTION, POWDER, LYOPHILIZED, FOR SOLUTION") == (
        "INJECTION",
        "POWDER, LYOPHILIZED, FOR SOLUTION",
    )
    assert form_head("SOLUTION/ DROPS") == ("SOLUTION", "DROPS")
    assert form_head("intrauterine  device") == ("INTRAUTERINE DEVICE", "")
    assert [plural(u) for u in ("tablet", "patch", "suppository", "mL", "g", "L")] == [
        "tablets",
        "patches",
        "suppositories",
        "mL",
        "g",
        "L",
    ]
    assert [singular(u) for u in ("tablets", "patches", "suppositories", "glass")] == [
        "tablet",
        "patch",
        "suppository",
        "glass",
    ]
