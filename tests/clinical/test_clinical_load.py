"""db/clinical_load.py: CSV folders into the clinical tables, validation with file and line,
replace vs merge, the seed loaded by every migration, EPC classes from the catalog."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pharmacy_desktop.db import clinical_load
from pharmacy_desktop.db.clinical_load import ClinicalDataError, load_directory

from .conftest import LABEL, SMALL, write_folder

S = "prescription_schema"


def _count(conn, table: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {S}.{table}").fetchone()[0]


def _empty_knowledge(conn) -> None:
    for table in clinical_load._DELETE_ORDER:
        conn.execute(f"DELETE FROM {S}.{table}")
    conn.commit()


def test_small_folder_loads_every_table(pg_conn, small_folder):
    _empty_knowledge(pg_conn)
    summary = load_directory(pg_conn, small_folder, replace=True)
    assert summary.source == "small-test"
    assert summary.counts["interactions.csv"] == 2
    assert summary.row_count == sum(len(rows) for name, rows in SMALL.items() if name != "sources.csv")
    # ingredients in normalize_ingredient form, terms lower case, ICD-10 prefixes upper case
    links = set(pg_conn.execute(f"SELECT ingredient, class_code FROM {S}.clinical_ingredient_classes"))
    assert ("simvastatin", "statin") in links and ("propranolol", "beta_blocker_nonselective") in links
    assert dict(pg_conn.execute(f"SELECT term, icd10_prefix FROM {S}.clinical_condition_terms")) == {
        "asthma": "J45",
        "heart failure": "I50",
    }
    row = pg_conn.execute(
        f"SELECT weekly_only, max_weekly_mg, route, release FROM {S}.clinical_dose_limits WHERE ingredient = 'methotrexate'"
    ).fetchone()
    assert row == (True, Decimal("30.0000"), "oral", "any")
    source = pg_conn.execute(f"SELECT name, row_count, checksum FROM {S}.clinical_sources").fetchall()
    assert source == [("small-test", summary.row_count, clinical_load.checksum_of(small_folder))]


def test_interaction_pairs_are_stored_in_one_order(pg_conn, tmp_path):
    _empty_knowledge(pg_conn)
    folder = write_folder(
        tmp_path / "pairs",
        {
            "sources.csv": ["pairs,x"],
            "interactions.csv": [f"ingredient,warfarin,ingredient,aspirin,serious,m,g,{LABEL}"],
        },
    )
    load_directory(pg_conn, folder, replace=True)
    assert pg_conn.execute(f"SELECT subject_a, subject_b FROM {S}.clinical_interactions").fetchall() == [
        ("aspirin", "warfarin")
    ]
    # the same pair written the other way round is a repeat, refused with both lines
    (folder / "interactions.csv").write_text(
        "subject_a_kind,subject_a,subject_b_kind,subject_b,severity,mechanism,management,source\n"
        f"ingredient,warfarin,ingredient,aspirin,serious,m,g,{LABEL}\n"
        f"ingredient,aspirin,ingredient,warfarin,minor,m,g,{LABEL}\n"
    )
    with pytest.raises(ClinicalDataError, match=r"interactions.csv line 3: repeats line 2"):
        load_directory(pg_conn, folder, replace=True)


@pytest.mark.parametrize(
    ("file", "row", "expected"),
    [
        (
            "interactions.csv",
            f"ingredient,warfarin,ingredient,aspirin,major,m,g,{LABEL}",
            "severity 'major' is not one",
        ),
        ("interactions.csv", "ingredient,warfarin,ingredient,aspirin,serious,m,g,", "source is empty"),
        ("interactions.csv", f"drug,warfarin,ingredient,aspirin,serious,m,g,{LABEL}", "subject_a_kind 'drug'"),
        ("interactions.csv", f"class,nosuchclass,ingredient,aspirin,serious,m,g,{LABEL}", "class 'nosuchclass'"),
        ("dose_limits.csv", f"warfarin,oral,any,0,,,-5,,,,,,,{LABEL}", "max_daily_mg '-5' must be above 0"),
        ("dose_limits.csv", f"warfarin,oral,slow,0,,,5,,,,,,,{LABEL}", "release 'slow'"),
        ("dose_limits.csv", f"warfarin,oral,any,0,,,,,,,,,,{LABEL}", "needs at least one limit"),
        ("dose_limits.csv", f"warfarin,oral,any,12,6,,5,,,,,,,{LABEL}", "age_max_years must be above"),
        ("dose_limits.csv", f"warfarin,oral,any,0,,,5,,,,maybe,,,{LABEL}", "weekly_only 'maybe' is not true"),
        ("condition_terms.csv", f"kidney,stage 4,{LABEL}", "is not an ICD-10-CM code"),
        ("age_rules.csv", f"ingredient,codeine,,,pediatric,serious,m,{LABEL}", "needs age_min_years or"),
        ("sex_rules.csv", f"ingredient,finasteride,X,serious,m,{LABEL}", "sex 'X'"),
        ("pregnancy_rules.csv", f"ingredient,warfarin,trimester,serious,m,{LABEL}", "state 'trimester'"),
        ("allergy_cross.csv", f"nosuch,ingredient,celecoxib,serious,m,{LABEL}", "class 'nosuch'"),
        ("interactions.csv", f"ingredient,warfarin,ingredient,aspirin,serious,m,{LABEL}", "7 cells, the header has 8"),
    ],
)
def test_a_bad_row_is_refused_with_file_and_line_and_nothing_written(pg_conn, tmp_path, file, row, expected):
    _empty_knowledge(pg_conn)
    good = f"ingredient,warfarin,ingredient,metronidazole,serious,m,g,{LABEL}"
    files = {"sources.csv": ["bad,x"], "interactions.csv": [good]}
    files.setdefault(file, []).append(row)
    folder = write_folder(tmp_path / "bad", files)
    with pytest.raises(ClinicalDataError) as refused:
        load_directory(pg_conn, folder, replace=True)
    line = len(files[file]) + 1  # the header is line 1
    assert f"{file} line {line}" in refused.value.message
    assert expected in refused.value.message
    assert "nothing was loaded" in refused.value.message
    assert _count(pg_conn, "clinical_interactions") == 0 and _count(pg_conn, "clinical_sources") == 0


def test_wrong_header_unknown_file_and_missing_sources_are_refused(pg_conn, tmp_path):
    folder = write_folder(tmp_path / "h", {"sources.csv": ["h,x"]})
    (folder / "interactions.csv").write_text("a,b\n")
    (folder / "drugs.csv").write_text("x\n")
    with pytest.raises(ClinicalDataError) as refused:
        load_directory(pg_conn, folder, replace=False)
    assert "interactions.csv line 1: the header must be exactly" in refused.value.message
    assert "unknown file(s) drugs.csv" in refused.value.message
    (folder / "sources.csv").unlink()
    with pytest.raises(ClinicalDataError, match="has no sources.csv"):
        load_directory(pg_conn, folder, replace=False)


def test_merge_keeps_other_rows_and_updates_by_key_replace_drops_them(pg_conn, small_folder, tmp_path):
    _empty_knowledge(pg_conn)
    load_directory(pg_conn, small_folder, replace=True)
    # a feed that refers to a class already in the database (statin) and updates one pair
    feed = write_folder(
        tmp_path / "feed",
        {
            "sources.csv": ["feed,A licensed feed"],
            "interactions.csv": [
                f"ingredient,metronidazole,ingredient,warfarin,contraindicated,m2,g2,{LABEL}",
                f"class,statin,ingredient,clarithromycin,serious,CYP3A4,Avoid,{LABEL}",
            ],
        },
    )
    load_directory(pg_conn, feed, replace=False)
    pairs = dict(pg_conn.execute(f"SELECT subject_a || '+' || subject_b, severity FROM {S}.clinical_interactions"))
    assert pairs == {
        "metronidazole+warfarin": "contraindicated",
        "statin+gemfibrozil": "serious",
        "statin+clarithromycin": "serious",
    }
    assert {r[0] for r in pg_conn.execute(f"SELECT name FROM {S}.clinical_sources")} == {"small-test", "feed"}
    load_directory(pg_conn, small_folder, replace=True)
    assert _count(pg_conn, "clinical_interactions") == 2
    assert {r[0] for r in pg_conn.execute(f"SELECT name FROM {S}.clinical_sources")} == {"small-test"}


def test_ensure_seed_loads_once_and_again_when_the_seed_changes(pg_conn, small_folder):
    _empty_knowledge(pg_conn)
    assert clinical_load.ensure_seed(pg_conn, small_folder) is not None
    assert clinical_load.ensure_seed(pg_conn, small_folder) is None  # same checksum: nothing to do
    with (small_folder / "sex_rules.csv").open("a") as f:
        f.write(f"ingredient,dutasteride,F,contraindicated,Not for women,{LABEL}\n")
    assert clinical_load.ensure_seed(pg_conn, small_folder) is not None
    assert _count(pg_conn, "clinical_sex_rules") == 2


def test_a_feed_that_replaced_the_knowledge_keeps_the_seed_out(pg_conn, small_folder, tmp_path):
    _empty_knowledge(pg_conn)
    clinical_load.ensure_seed(pg_conn, small_folder)
    feed = write_folder(
        tmp_path / "feed",
        {"sources.csv": ["feed,x"], "interactions.csv": [f"ingredient,a,ingredient,b,minor,m,g,{LABEL}"]},
    )
    # merged over the seed: a changed seed is merged again, the feed's rows stay
    load_directory(pg_conn, feed, replace=False)
    with (small_folder / "sex_rules.csv").open("a") as f:
        f.write(f"ingredient,dutasteride,F,contraindicated,Not for women,{LABEL}\n")
    assert clinical_load.ensure_seed(pg_conn, small_folder) is not None
    assert _count(pg_conn, "clinical_interactions") == 3
    # the feed replaced everything: the seed stays out even when it changes
    load_directory(pg_conn, feed, replace=True)
    with (small_folder / "sex_rules.csv").open("a") as f:
        f.write(f"ingredient,estradiol,M,serious,Not for men,{LABEL}\n")
    assert clinical_load.ensure_seed(pg_conn, small_folder) is None
    assert _count(pg_conn, "clinical_interactions") == 1 and _count(pg_conn, "clinical_sex_rules") == 0


def test_every_migrated_database_carries_the_seed(pg_conn):
    """migrate.upgrade ends with ensure_seed: the test template (migrated once) holds the seed."""
    name = clinical_load.seed_name()
    if name is None:
        pytest.skip("resources/clinical/ not written yet (H1b)")
    loaded = dict(pg_conn.execute(f"SELECT name, checksum FROM {S}.clinical_sources"))
    assert loaded.get(name) == clinical_load.checksum_of(clinical_load.SEED_DIR)


def test_epc_classes_come_from_single_ingredient_products(pg_conn):
    rows = [
        (
            "ATORVASTATIN CALCIUM",
            "HMG-CoA Reductase Inhibitor [EPC], Hydroxymethylglutaryl-CoA Reductase Inhibitors [MoA]",
        ),
        ("ACETAMINOPHEN; HYDROCODONE BITARTRATE", "Opioid Agonist [EPC], Opioid Agonists [MoA]"),
        ("SERTRALINE HYDROCHLORIDE", "Serotonin Reuptake Inhibitor [EPC], Serotonin Uptake Inhibitors [MoA]"),
    ]
    for i, (substance, classes) in enumerate(rows):
        pg_conn.execute(
            f"INSERT INTO {S}.drug_products (fda_product_id, product_ndc, substance_name, pharm_classes, "
            "catalog_source) VALUES (%s, %s, %s, %s, 'fda-finished')",
            (f"test-{i}", f"99999-{i:03d}", substance, classes),
        )
    with pg_conn.cursor() as cur:
        clinical_load.derive_epc_classes(cur)
    pg_conn.commit()
    links = set(
        pg_conn.execute(
            f"SELECT ingredient, class_code FROM {S}.clinical_ingredient_classes WHERE class_code LIKE 'epc:%%'"
        )
    )
    assert ("atorvastatin", "epc:HMG-CoA Reductase Inhibitor") in links
    assert ("sertraline", "epc:Serotonin Reuptake Inhibitor") in links
    assert not any(i == "acetaminophen" and c == "epc:Opioid Agonist" for i, c in links)
    derived = {
        i
        for (i,) in pg_conn.execute(
            f"SELECT ingredient FROM {S}.clinical_ingredient_classes WHERE source = %s", (clinical_load.EPC_SOURCE,)
        )
    }
    assert "acetaminophen" not in derived and "hydrocodone" not in derived  # only in the combination product
    assert clinical_load.epc_classes_of("A [CS], B [EPC], C [EPC]") == ["B", "C"]
