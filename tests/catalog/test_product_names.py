"""Combination products name each ingredient with its own strength (issue 11, item 10).

FDA gives strengths in alphabetical ingredient order; names follow the product. The pure
function is tested on the cases that matter, then every multi-ingredient package of the demo
catalog (resources/catalog, imported as the demo does) is checked against an independent reading
of FDA's fields, on every surface that names a product: scan, search, intake, fill, will-call
and the printed vial label bytes.
"""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest

from pharmacy_desktop.config import libpq_url
from pharmacy_desktop.domain.drug_names import drug_name_parts, title_case
from pharmacy_desktop.domain.product_names import (
    MAX_LISTED,
    Ingredient,
    ingredients_from_json,
    name_order,
    product_strength,
)
from tests.escpos_parse import parse

DEMO = Path(__file__).resolve().parents[2] / "resources" / "catalog"
APAP = Ingredient("ACETAMINOPHEN", "500", "mg/1")
HYDROCODONE = Ingredient("HYDROCODONE BITARTRATE", "5", "mg/1")
HCTZ = Ingredient("HYDROCHLOROTHIAZIDE", "12.5", "mg/1")
VALSARTAN = Ingredient("VALSARTAN", "160", "mg/1")


# -- the function ----------------------------------------------------------------------------------


def test_strengths_follow_the_names_in_the_product_name():
    assert product_strength("Hydrocodone Bitartrate and Acetaminophen", [APAP, HYDROCODONE]) == "5 mg/500 mg"
    assert product_strength("Acetaminophen and Hydrocodone", [APAP, HYDROCODONE]) == "500 mg/5 mg"
    assert product_strength("HYDROCODONE BITARTRATE AND ACETAMINOPHEN", [APAP, HYDROCODONE]) == "5 mg/500 mg"


def test_a_name_without_the_ingredients_lists_each_with_its_strength():
    assert product_strength("Diovan HCT", [HCTZ, VALSARTAN], "12.5 mg; 160 mg") == (
        "hydrochlorothiazide 12.5 mg / valsartan 160 mg"
    )
    # in the generic name's order when the generic name lists them
    assert product_strength("Diovan HCT", [HCTZ, VALSARTAN], None, "valsartan and hydrochlorothiazide") == (
        "valsartan 160 mg / hydrochlorothiazide 12.5 mg"
    )


def test_liquids_share_their_volume_and_mixed_units_stay_paired():
    syrup = [Ingredient("ACETAMINOPHEN", "325", "mg/15mL"), Ingredient("HYDROCODONE BITARTRATE", "7.5", "mg/15mL")]
    assert product_strength("hydrocodone bitartrate and acetaminophen", syrup) == "7.5 mg/325 mg per 15 mL"
    drops = [
        Ingredient("HYDROCORTISONE", "10", "mg/mL"),
        Ingredient("NEOMYCIN SULFATE", "3.5", "mg/mL"),
        Ingredient("POLYMYXIN B SULFATE", "10000", "[USP'U]/mL"),
    ]
    assert product_strength("Neomycin and Polymyxin B Sulfates and Hydrocortisone", drops) == (
        "neomycin sulfate 3.5 mg/mL / polymyxin b sulfate 10000 [USP'U]/mL / hydrocortisone 10 mg/mL"
    )
    per_dose = [Ingredient("AMPICILLIN SODIUM", "1", "g/1"), Ingredient("SULBACTAM SODIUM", ".5", "g/1")]
    assert product_strength("Ampicillin and Sulbactam", per_dose) == "1 g/0.5 g"


def test_no_guess_when_a_name_could_be_either_ingredient():
    salts = [
        Ingredient("SODIUM PHOSPHATE, DIBASIC", "142", "mg/mL"),
        Ingredient("SODIUM PHOSPHATE, MONOBASIC", "276", "mg/mL"),
    ]
    assert name_order("Sodium Phosphates", salts) is None
    assert product_strength("Sodium Phosphates", salts) == (
        "sodium phosphate, dibasic 142 mg/mL / sodium phosphate, monobasic 276 mg/mL"
    )


def test_long_ingredient_lists_are_counted_not_cut():
    items = [Ingredient(f"POLLEN {i}", "0.001", "g/mL") for i in range(10)]
    text = product_strength("Treatment Set", items)
    assert text.count(" / ") == MAX_LISTED - 1 and text.endswith(f"+ {10 - MAX_LISTED + 1} more ingredients")


def test_single_ingredient_and_missing_data():
    assert product_strength("Lipitor", [Ingredient("ATORVASTATIN CALCIUM", "40", "mg/1")], "40 mg") == "40 mg"
    assert product_strength("Lisinopril", [], "20 mg") == "20 mg"
    assert product_strength("Lisinopril", [Ingredient("", "", "")], "20 mg") == "20 mg"
    assert ingredients_from_json(None) == () and ingredients_from_json({"name": "x"}) == ()
    assert ingredients_from_json([{"name": "A", "strength": ".5", "unit": "mg/1"}]) == (Ingredient("A", ".5", "mg/1"),)
    assert ingredients_from_json([{"name": "A"}, "junk"]) == ()


# -- every multi-ingredient package of the demo catalog ----------------------------------------------


def amount(value: str) -> str:
    return "0" + value if value.startswith(".") else value


def expected_order(name: str, items: list[dict]) -> list[int] | None:
    """An independent reading: where each ingredient's whole name, else its first word, stands in
    the product name (word bounded); None unless each stands at a distinct place."""
    low = name.lower()
    places = []
    for item in items:
        words = re.findall(r"[^\W_]+", item["name"].lower())
        whole = [m.start() for m in re.finditer(r"\b" + r"\W+".join(map(re.escape, words)) + r"\b", low)]
        first = [m.start() for m in re.finditer(r"\b" + re.escape(words[0]) + r"\b", low)] if words else []
        found = whole or first
        if len(found) != 1:
            return None
        places.append(found[0])
    if len(set(places)) != len(places):
        return None
    return sorted(range(len(items)), key=places.__getitem__)


def check_pairs(text: str, name: str, items: list[dict]) -> str:
    """Assert that ``text`` gives every ingredient its own strength; returns which form it took."""
    fda_names = {i["name"].lower(): i for i in items}
    if any(key in text for key in fda_names):  # "name strength / name strength"
        parts = text.split(" / ")
        listed = 0
        for part in parts:
            if re.fullmatch(r"\+ \d+ more ingredients", part):
                assert part == f"+ {len(items) - listed} more ingredients", text
                continue
            key = max((k for k in fda_names if part.startswith(k + " ")), key=len, default=None)
            assert key is not None, f"{part!r} names no ingredient of {name}"
            assert part[len(key) + 1 :].split(" ")[0] == amount(fda_names[key]["strength"]), (name, text)
            listed += 1
        assert listed == (MAX_LISTED - 1 if len(items) > MAX_LISTED else len(items)), text
        return "paired"
    amounts = [p.split(" ")[0] for p in text.split(" per ")[0].split("/")]
    assert len(amounts) == len(items), (name, text)
    order = expected_order(name, items)
    if order is None:
        assert sorted(amounts) == sorted(amount(i["strength"]) for i in items), (name, text)
        return "compact-unordered"
    assert amounts == [amount(items[i]["strength"]) for i in order], (name, text)
    return "compact"


@pytest.fixture(scope="module")
def demo_catalog(pg_server, template_db):
    from pharmacy_desktop.services.catalog_import import import_catalog
    from tests.conftest import create_database, drop_database

    url = create_database(pg_server, template_db)
    import_catalog(url, DEMO, partial=True)  # as the demo loads it
    yield url
    drop_database(pg_server, url)


@pytest.fixture(scope="module")
def demo_uow(demo_catalog):
    from pharmacy_desktop.db.engine import make_engine, make_session_factory
    from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory

    engine = make_engine(demo_catalog)
    yield UnitOfWorkFactory(make_session_factory(engine), workstation="test-ws")
    engine.dispose()


@pytest.fixture(scope="module")
def combinations(demo_catalog):
    with psycopg.connect(libpq_url(demo_catalog), row_factory=psycopg.rows.dict_row) as conn:
        return conn.execute(
            "SELECT id, ndc_code, package_ndc, drug_name, generic_name, strength, dosage_form, active_ingredients "
            "FROM prescription_schema.medications WHERE jsonb_array_length(active_ingredients) > 1 ORDER BY ndc_code"
        ).fetchall()


def test_every_combination_is_scanned_and_searched_with_each_strength_paired(demo_uow, combinations):
    from pharmacy_desktop.services.drug_search import search_drugs
    from pharmacy_desktop.services.scan_resolution import resolve_scan

    forms: dict[str, int] = {}
    for med in combinations:
        scan = resolve_scan(demo_uow, med["package_ndc"])
        assert scan.status == "found", med["package_ndc"]
        form = check_pairs(scan.strength, med["drug_name"], med["active_ingredients"])
        forms[form] = forms.get(form, 0) + 1
        assert f"{title_case(med['drug_name'])} {scan.strength}" in scan.message  # domain/drug_names
        # FDA's "a; b" (the stored text strength comparisons read) is never what is shown
        assert "; " in med["strength"] and "; " not in scan.strength
        [hit] = [h for h in search_drugs(demo_uow, med["package_ndc"]) if h.ndc11 == med["ndc_code"]]
        assert hit.strength == scan.strength and scan.strength in hit.title
    assert len(combinations) > 300
    # both forms are exercised, most of them checked for order by the independent reading
    assert forms["compact"] > 100 and forms["paired"] > 100, forms


def test_the_issue_examples(demo_catalog, capsys):
    from pharmacy_desktop.cli import main

    assert main(["scan", "0591-0349-01", "--database-url", demo_catalog]) == 0
    out = capsys.readouterr().out
    assert "Hydrocodone Bitartrate and Acetaminophen 5 mg/500 mg tablet" in out and "500 mg; 5 mg" not in out

    assert main(["catalog", "search", "diovan hct", "--database-url", demo_catalog]) == 0
    out = capsys.readouterr().out
    assert "Diovan HCT valsartan 160 mg / hydrochlorothiazide 12.5 mg tablet" in out
    assert "12.5 mg; 160 mg" not in out


def test_intake_fill_and_dur_name_combinations_the_same_way(demo_uow, combinations):
    from pharmacy_desktop.db.models.prescriptions import Medication
    from pharmacy_desktop.services import dur_review, fill, intake

    with demo_uow() as uow:
        for med in combinations:
            orm = uow.session.get(Medication, med["id"])
            view = fill.drug_view(orm)
            check_pairs(view.strength, med["drug_name"], med["active_ingredients"])
            assert view.strength in view.name
            shown = intake._label(orm)  # the drug field: generic name first, brand in brackets
            assert med["strength"] not in shown and "; " not in shown
            facts = dur_review.drug_facts(orm, "")  # DUR alerts: "Brand (generic) strengths"
            check_pairs(facts.strength, med["generic_name"] or med["drug_name"], med["active_ingredients"])
            assert "; " not in facts.display_name


def test_every_combination_prints_each_strength_paired_on_the_vial_label(demo_uow, combinations):
    from pharmacy_desktop.db.models.prescriptions import Medication
    from pharmacy_desktop.printing.layouts import render_label
    from pharmacy_desktop.printing.profiles import get_profile
    from pharmacy_desktop.services.labels import build_vial_label
    from tests.fill import factories

    profile = get_profile("TM-L90")
    printed = 0
    with demo_uow() as uow:
        factories.add_pharmacy(uow)
        patient = factories.add_patient(uow)
        for med in combinations:
            orm = uow.session.get(Medication, med["id"])
            rx = factories.add_prescription(uow, patient, orm, written_name=orm.drug_name[:200])
            label = build_vial_label(uow, factories.add_previous_fill(uow, rx, orm).id)
            words = parse(render_label(label, profile)).words
            form = drug_name_parts(label.drug_name, None, orm.dosage_form)  # "ER tablet": the label's form
            strength = label.strength.removesuffix(" " + " ".join(p for p in (form.release, form.form) if p))
            check_pairs(strength, label.drug_name, med["active_ingredients"])
            assert " ".join(f"{label.drug_name} {label.strength}".split()) in words, (med["package_ndc"], words)
            assert med["strength"] not in words
            printed += 1
        uow.rollback()  # nothing of this stays in the module's catalog database
    assert printed == len(combinations)


def test_the_label_of_the_issue_example_reads_right(demo_uow):
    from pharmacy_desktop.db.models.prescriptions import Medication
    from pharmacy_desktop.printing.layouts import render_label
    from pharmacy_desktop.printing.profiles import get_profile
    from pharmacy_desktop.services.labels import build_vial_label
    from tests.fill import factories

    with demo_uow() as uow:
        factories.add_pharmacy(uow)
        patient = factories.add_patient(uow)
        for ndc, expected in (
            ("00591034901", "Hydrocodone Bitartrate and Acetaminophen 5 mg/500 mg tablet"),
            ("54868442800", "Diovan HCT valsartan 160 mg / hydrochlorothiazide 12.5 mg tablet"),
        ):
            orm = uow.session.query(Medication).filter_by(ndc_code=ndc).one()
            rx = factories.add_prescription(uow, patient, orm)
            label = build_vial_label(uow, factories.add_previous_fill(uow, rx, orm).id)
            assert expected in parse(render_label(label, get_profile("TM-L90"))).words
        uow.rollback()
