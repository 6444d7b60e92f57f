"""uow.clinical.knowledge_for: the rows about the drugs under review (classes with their parents),
allergen terms, brands resolved through the catalog, condition terms, "did you mean" words, and
``empty`` when nothing is loaded."""

from __future__ import annotations

from decimal import Decimal

from pharmacy_desktop.db.clinical_load import load_directory
from pharmacy_desktop.domain.clinical_knowledge import Subject

from .conftest import LABEL, SMALL, write_folder
from .test_clinical_load import _empty_knowledge

S = "prescription_schema"


def _load_small(pg_conn, tmp_path, extra: dict[str, list[str]] | None = None) -> None:
    _empty_knowledge(pg_conn)
    files = {k: list(v) for k, v in SMALL.items()}
    for name, rows in (extra or {}).items():
        files.setdefault(name, []).extend(rows)
    load_directory(pg_conn, write_folder(tmp_path / "k", files), replace=True)


def _product(pg_conn, i: int, brand: str, substance: str, generic: str) -> None:
    pid = pg_conn.execute(
        f"INSERT INTO {S}.drug_products (fda_product_id, product_ndc, proprietary_name, substance_name, "
        "catalog_source) VALUES (%s, %s, %s, %s, 'fda-finished') RETURNING id",
        (f"repo-{i}", f"88888-{i:03d}", brand, substance),
    ).fetchone()[0]
    pg_conn.execute(
        f"INSERT INTO {S}.medications (ndc_code, drug_name, generic_name, brand_name, product_id) "
        "VALUES (%s, %s, %s, %s, %s)",
        (f"88888{i:03d}01", brand, generic, brand, pid),
    )
    pg_conn.commit()


def test_nothing_loaded_is_empty_knowledge(uow_factory, pg_conn):
    _empty_knowledge(pg_conn)
    with uow_factory() as uow:
        knowledge = uow.clinical.knowledge_for(["warfarin"], ["penicillin"], ["asthma"])
    assert knowledge.empty
    assert knowledge.interactions == ()


def test_rules_for_the_drugs_and_their_classes_only(uow_factory, pg_conn, tmp_path):
    _load_small(pg_conn, tmp_path)
    with uow_factory() as uow:
        k = uow.clinical.knowledge_for(
            ["propranolol", "atorvastatin", "warfarin", "metronidazole", "codeine"], condition_texts=["asthma"]
        )
    assert not k.empty
    # a leaf class brings its parent
    assert k.ingredient_classes["propranolol"] == {"beta_blocker_nonselective", "beta_blocker"}
    assert k.class_names["beta_blocker"] == "Beta blockers"
    assert k.class_kinds["statin"] == "therapeutic"
    # warfarin + metronidazole both present; statin + gemfibrozil: gemfibrozil is not under review
    assert [(r.a.code, r.b.code, r.severity) for r in k.interactions] == [("metronidazole", "warfarin", "serious")]
    assert [r.subject for r in k.disease_rules] == [Subject("class", "beta_blocker_nonselective")]
    assert [r.subject for r in k.pregnancy_rules] == [Subject("class", "statin")]
    assert [(r.subject.code, r.age_max_years) for r in k.age_rules] == [("codeine", Decimal(12))]
    assert k.sex_rules == ()  # finasteride not under review
    assert [d.ingredient for d in k.dose_limits] == ["warfarin"]
    assert k.dose_limits[0].max_daily_mg == Decimal(15) and k.dose_limits[0].route == "oral"


def test_a_class_pair_applies_when_both_sides_are_present(uow_factory, pg_conn, tmp_path):
    _load_small(pg_conn, tmp_path)
    with uow_factory() as uow:
        k = uow.clinical.knowledge_for(["simvastatin", "gemfibrozil"])
    assert [(r.a, r.b) for r in k.interactions] == [(Subject("class", "statin"), Subject("ingredient", "gemfibrozil"))]


def test_allergy_terms_cross_sensitivity_and_condition_terms(uow_factory, pg_conn, tmp_path):
    _load_small(pg_conn, tmp_path)
    with uow_factory() as uow:
        k = uow.clinical.knowledge_for(["cephalexin"], ["PCN"], ["Asthma", "heart failure", "gout"])
    assert k.allergen_terms["pcn"] == (Subject("class", "penicillin"),)
    assert [(c.allergy_class, c.subject) for c in k.allergy_cross] == [
        ("penicillin", Subject("class", "cephalosporin"))
    ]
    assert k.class_names["penicillin"] == "Penicillins"
    assert k.ingredient_classes["cephalexin"] == {"cephalosporin", "beta_lactam"}
    assert dict(k.condition_terms) == {"asthma": "J45", "heart failure": "I50"}


def test_brands_resolve_through_the_catalog(uow_factory, pg_conn, tmp_path):
    _load_small(pg_conn, tmp_path, {"ingredient_classes.csv": [f"sertraline,statin,{LABEL}"]})
    _product(pg_conn, 1, "Zoloft", "SERTRALINE HYDROCHLORIDE", "Sertraline Hydrochloride")
    _product(pg_conn, 2, "Vytorin", "EZETIMIBE; SIMVASTATIN", "Ezetimibe and Simvastatin")
    with uow_factory() as uow:
        k = uow.clinical.knowledge_for(["warfarin"], ["Zoloft", "vytorin"])
    assert k.brand_ingredients == {"zoloft": {"sertraline"}, "vytorin": {"ezetimibe", "simvastatin"}}
    # the brand's ingredients come with their classes, for class-level allergy checks
    assert "statin" in k.ingredient_classes["simvastatin"]


def test_a_misspelled_allergen_brings_did_you_mean_words(uow_factory, pg_conn, tmp_path):
    _load_small(pg_conn, tmp_path)
    with uow_factory() as uow:
        k = uow.clinical.knowledge_for(["cephalexin"], ["penicilin"])
    assert "penicillin" in k.vocabulary
    assert "penicilin" not in k.allergen_terms


def test_disease_rules_follow_the_patients_conditions(uow_factory, pg_conn, tmp_path):
    _load_small(pg_conn, tmp_path)
    subject = Subject("class", "beta_blocker_nonselective")
    with uow_factory() as uow:
        by_code = uow.clinical.knowledge_for(["propranolol"], condition_texts=["J45.909"])
        unrelated = uow.clinical.knowledge_for(["propranolol"], condition_texts=["K21.9", "heart failure"])
        none = uow.clinical.knowledge_for(["propranolol"])
        # a condition neither a code nor a known term: every rule of the drug, for a look by hand
        unknown = uow.clinical.knowledge_for(["propranolol"], condition_texts=["wheezy chest", "K21.9"])
    assert [r.subject for r in by_code.disease_rules] == [subject]
    assert unrelated.disease_rules == () and none.disease_rules == ()
    assert [r.subject for r in unknown.disease_rules] == [subject]
