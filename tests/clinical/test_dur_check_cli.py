"""`pharmacy-desktop dur check FILE --json` (and `clinical import`): a JSON case run against the catalog
(the demo extract in resources/catalog) and the clinical knowledge of the database; alerts fire for the
case and not for its near-miss; an unreadable case exits 2 with the reason."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
from collections.abc import Iterator

import psycopg
import pytest

from pharmacy_desktop.cli import main
from pharmacy_desktop.demo.loader import CATALOG_DIR
from pharmacy_desktop.services.catalog_import import import_catalog

from .conftest import LABEL, SMALL, write_folder
from .test_clinical_load import _empty_knowledge

S = "prescription_schema"
EXTRA = {
    "classes.csv": [f"nsaid,Nonsteroidal anti-inflammatory drugs,therapeutic,,{LABEL}"],
    "ingredient_classes.csv": [f"ibuprofen,nsaid,{LABEL}"],
    "disease_rules.csv": [f"class,nsaid,N18.4,chronic kidney disease stage 4,serious,NSAIDs worsen CKD,{LABEL}"],
    "interactions.csv": [
        f"ingredient,warfarin,class,nsaid,significant,Bleeding risk,Monitor for bleeding,{LABEL}",
    ],
}


def _ndc(pg_conn, generic: str, form: str = "TABLET") -> str:
    row = pg_conn.execute(
        f"SELECT package_ndc FROM {S}.medications WHERE generic_name ILIKE %s AND dosage_form ILIKE %s "
        "AND package_ndc IS NOT NULL ORDER BY ndc_code LIMIT 1",
        (generic, f"{form}%"),
    ).fetchone()
    assert row is not None, generic
    return row[0]


def _run(capsys, url: str, tmp_path, case: object) -> tuple[int, object, str]:
    file = tmp_path / "case.json"
    file.write_text(case if isinstance(case, str) else json.dumps(case))
    code = main(["dur", "check", str(file), "--json", "--database-url", url])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


@pytest.fixture(scope="module")
def catalog_url(pg_server, template_db, tmp_path_factory) -> Iterator[str]:
    """One database for the module's checks, which only read it: migrated, the demo catalog imported
    and the small knowledge (with EXTRA) loaded by the import command, as an administrator runs it."""
    from pharmacy_desktop.db.engine import make_engine
    from tests.conftest import create_database, drop_database

    url = create_database(pg_server, template_db)
    engine = make_engine(url)
    try:
        import_catalog(engine, CATALOG_DIR, today=dt.date(2026, 11, 20), partial=True)
        raw = engine.raw_connection()
        try:
            _empty_knowledge(raw.driver_connection)
        finally:
            raw.close()
    finally:
        engine.dispose()
    files = {k: list(v) for k, v in SMALL.items()}
    for name, rows in EXTRA.items():
        files.setdefault(name, []).extend(rows)
    folder = write_folder(tmp_path_factory.mktemp("knowledge"), files)
    with contextlib.redirect_stdout(io.StringIO()) as out:  # the import command, as an administrator runs it
        assert main(["clinical", "import", str(folder), "--replace", "--database-url", url]) == 0
    assert "small-test:" in out.getvalue()
    yield url
    drop_database(pg_server, url)


@pytest.fixture
def catalog(catalog_url) -> Iterator[psycopg.Connection]:
    """A connection to the module's catalog database (read it only)."""
    from pharmacy_desktop.config import libpq_url

    with psycopg.connect(libpq_url(catalog_url)) as conn:
        yield conn


def _case(new_ndc: str, *, active: list[str] = (), conditions: list[str] = (), allergies=()) -> dict:
    return {
        "today": "2026-11-20",
        "patient": {
            "birth_date": "1960-03-01",
            "sex": "M",
            "weight_kg": 80,
            "pregnant": False,
            "breastfeeding": False,
            "conditions": list(conditions),
            "allergies": [{"allergen": a, "reaction": "hives"} for a in allergies],
        },
        "active": [
            {"ndc": n, "sig": "1 tab po qd", "last_fill_date": "2026-11-01", "days_supply": 30, "quantity": 30}
            for n in active
        ],
        "new": {
            "ndc": new_ndc,
            "sig": "1 tab po qd",
            "quantity": 30,
            "days_supply": 30,
            "refills": 0,
            "written_date": "2026-11-20",
            "prescriber": {"npi": "1234567893", "dea": "BC1234563", "last_name": "Chen", "schedules": ["2"]},
        },
    }


def _alerts(result: object, category: str) -> list[dict]:
    assert isinstance(result, dict)
    return [a for a in result["alerts"] if a["category"] == category]


def test_interaction_and_disease_alerts_fire_and_near_misses_do_not(catalog, catalog_url, capsys, tmp_path):
    warfarin, metronidazole = _ndc(catalog, "warfarin%"), _ndc(catalog, "metronidazole%")
    ibuprofen, propranolol = _ndc(catalog, "ibuprofen"), _ndc(catalog, "propranolol%", "CAPSULE")

    code, result, _ = _run(capsys, catalog_url, tmp_path, _case(warfarin, active=[metronidazole]))
    assert code == 0
    [pair] = _alerts(result, "drug_interaction")
    assert pair["severity"] == "hard_stop"
    assert any("arfarin" in d for d in pair["drugs"]) and any("etronidazole" in d for d in pair["drugs"])
    # passed checks are not listed; every severity is one of the three
    assert {a["severity"] for a in result["alerts"]} <= {"hard_stop", "warning", "info"}

    # class-level rule: warfarin + an NSAID (ibuprofen is in class nsaid)
    code, result, _ = _run(capsys, catalog_url, tmp_path, _case(ibuprofen, active=[warfarin]))
    assert [a["severity"] for a in _alerts(result, "drug_interaction")] == ["warning"]

    # near-miss: warfarin alone
    code, result, _ = _run(capsys, catalog_url, tmp_path, _case(warfarin))
    assert code == 0 and _alerts(result, "drug_interaction") == []

    # drug-disease by a plain condition name (asthma -> J45) and by ICD-10-CM code
    code, result, _ = _run(capsys, catalog_url, tmp_path, _case(propranolol, conditions=["asthma"]))
    assert len(_alerts(result, "drug_disease")) == 1
    code, result, _ = _run(capsys, catalog_url, tmp_path, _case(ibuprofen, conditions=["N18.4"]))
    assert len(_alerts(result, "drug_disease")) == 1
    # near-miss: an unrelated disease
    code, result, _ = _run(capsys, catalog_url, tmp_path, _case(ibuprofen, conditions=["K21.9"]))
    assert _alerts(result, "drug_disease") == []


def test_allergy_by_class_term(catalog, catalog_url, capsys, tmp_path):
    amoxicillin = _ndc(catalog, "amoxicillin", "CAPSULE")
    code, result, _ = _run(capsys, catalog_url, tmp_path, _case(amoxicillin, allergies=["PCN"]))
    assert code == 0
    assert _alerts(result, "drug_allergy"), result


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("{not json", "is not JSON"),
        ([1, 2], "the case must be a JSON object"),
        ({"patient": {}}, "new is missing"),
        ({"new": {"ndc": "12345-678-90", "sig": "x", "quantity": 1, "days_supply": 1}}, "not in the catalog"),
        ({"new": {"ndc": "banana", "sig": "x", "quantity": 1, "days_supply": 1}}, "new.ndc 'banana'"),
        ({"patient": {"birth_date": "03/01/1950"}, "new": {"ndc": "1"}}, "patient.birth_date '03/01/1950'"),
        ({"patient": {"sex": "X"}, "new": {"ndc": "1"}}, "patient.sex 'X'"),
    ],
)
def test_an_unreadable_case_exits_2_with_the_reason(catalog_url, capsys, tmp_path, case, reason):
    code, _, err = _run(capsys, catalog_url, tmp_path, case)
    assert code == 2
    assert reason in err


def test_a_missing_file_exits_2(catalog_url, capsys, tmp_path):
    assert main(["dur", "check", str(tmp_path / "nope.json"), "--database-url", catalog_url]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_catalog_import_derives_fda_epc_classes(catalog):
    links = set(
        catalog.execute(
            f"SELECT ingredient, class_code FROM {S}.clinical_ingredient_classes WHERE class_code LIKE 'epc:%%'"
        )
    )
    assert ("warfarin", "epc:Vitamin K Antagonist") in links
    assert ("atorvastatin", "epc:HMG-CoA Reductase Inhibitor") in links
    # after an import --replace the EPC classes are derived again, beside the imported classes
    assert ("atorvastatin", "statin") in set(
        catalog.execute(f"SELECT ingredient, class_code FROM {S}.clinical_ingredient_classes")
    )


def test_text_output_and_stdin(catalog, catalog_url, capsys, monkeypatch):
    import io

    case = _case(_ndc(catalog, "warfarin%"), active=[_ndc(catalog, "metronidazole%")])
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(case)))
    assert main(["dur", "check", "-", "--database-url", catalog_url]) == 0
    out = capsys.readouterr().out
    assert "HARD_STOP" in out and "drug_interaction" in out and "drugs:" in out


def test_clinical_import_refuses_a_bad_folder_with_file_and_line(database_url, capsys, tmp_path):
    folder = write_folder(
        tmp_path / "bad",
        {"sources.csv": ["bad,x"], "interactions.csv": [f"ingredient,a,ingredient,b,major,m,g,{LABEL}"]},
    )
    assert main(["clinical", "import", str(folder), "--database-url", database_url]) == 2
    err = capsys.readouterr().err
    assert "interactions.csv line 2: severity 'major'" in err and "nothing was loaded" in err
    assert main(["clinical", "status", "--database-url", database_url]) == 0
    assert "bad" not in capsys.readouterr().out.split()
