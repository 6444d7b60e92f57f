"""Drug search over the imported demo catalog (pg_trgm on a real PostgreSQL)."""

from __future__ import annotations

import json
import re

import psycopg
import pytest

from pharmacy_desktop.config import libpq_url
from pharmacy_desktop.domain.barcodes import ndc_to_upc_a
from pharmacy_desktop.services.drug_search import search_drugs


@pytest.fixture
def database_url(demo_catalog_url):
    """This module's database (and so uow_factory's): a fresh copy of one with the demo catalog imported
    (``import_catalog(url, resources/catalog, partial=True)``, once per run: tests/conftest.py
    demo_catalog_template)."""
    return demo_catalog_url


@pytest.fixture
def catalog(database_url):
    return database_url


def test_name_fragment_and_strength(catalog, uow_factory):
    hits = search_drugs(uow_factory, "atorv 10")
    assert len(hits) == 5  # atorvastatin 10 mg, and amlodipine/atorvastatin 10 mg combinations
    for hit in hits:
        assert "atorvastatin" in hit.generic_name.lower()
        assert re.search(r"(^|[^0-9.])10 mg", hit.strength)
    top = hits[0]  # the single-ingredient product ranks above the combinations
    assert (top.package_ndc, top.generic_name, top.strength) == ("52125-737-19", "ATORVASTATIN CALCIUM", "10 mg")


def test_name_strength_and_form(catalog, uow_factory):
    hits = search_drugs(uow_factory, "amox 500 cap")
    assert [h.package_ndc for h in hits] == ["57237-031-01", "57237-031-05"]
    assert all((h.drug_name, h.strength, h.dosage_form) == ("Amoxicillin", "500 mg", "CAPSULE") for h in hits)


def test_brand_name_search(catalog, uow_factory):
    hits = search_drugs(uow_factory, "LIPITOR 40")
    assert len(hits) == 5 and {h.brand_name for h in hits} == {"Lipitor"}


def test_a_number_matches_whole_numbers_only(catalog, uow_factory):
    assert search_drugs(uow_factory, "lipitor 4") == []
    assert search_drugs(uow_factory, "amoxicillin 50") == []


@pytest.mark.parametrize(
    "typo, expected",
    [
        ("atorvastatn", "atorvastatin"),
        ("amoxicilin 500", "amoxicillin"),
        ("lipitr", "lipitor"),
        ("metfromin", "metformin"),
        ("zolpdem 10", "zolpidem"),
        ("seroquell", "seroquel"),
    ],
)
def test_typos_still_find_the_drug(catalog, uow_factory, typo, expected):
    hits = search_drugs(uow_factory, typo)
    assert hits, typo
    assert all(expected in f"{h.drug_name} {h.generic_name}".lower() for h in hits[:3])


def test_typo_correction_keeps_numbers_strict(catalog, uow_factory):
    assert search_drugs(uow_factory, "lipitr 4") == []
    assert search_drugs(uow_factory, "xqzvwk") == []


def test_words_added_outside_the_import_need_a_refresh(catalog, uow_factory):
    from pharmacy_desktop.services.drug_search import refresh_drug_words

    with psycopg.connect(libpq_url(catalog)) as conn:
        conn.execute(
            "UPDATE prescription_schema.medications SET brand_name = 'Zanthoxylum', drug_name = 'Zanthoxylum' "
            "WHERE package_ndc = '0071-0157-23'"
        )
    assert search_drugs(uow_factory, "zanthoxylim") == []  # not in the word list yet
    with uow_factory() as uow:
        refresh_drug_words(uow)
        uow.commit()
    assert [h.package_ndc for h in search_drugs(uow_factory, "zanthoxylim")] == ["0071-0157-23"]


def test_active_packages_come_first(catalog, uow_factory):
    with psycopg.connect(libpq_url(catalog)) as conn:
        conn.execute("UPDATE prescription_schema.medications SET is_active = false WHERE package_ndc = '0071-0157-23'")
    hits = search_drugs(uow_factory, "lipitor")
    assert [h.is_active for h in hits] == [True, True, True, True, False]
    assert hits[-1].package_ndc == "0071-0157-23"


def test_sql_injection_text_just_does_not_match(catalog, uow_factory):
    for text in ("'; DROP TABLE prescription_schema.medications; --", "lipitor' OR '1'='1", "%", "_%_", "\\"):
        assert search_drugs(uow_factory, text) == []
    with psycopg.connect(libpq_url(catalog)) as conn:
        assert conn.execute("SELECT count(*) FROM prescription_schema.medications").fetchone()[0] == 3032


def test_blank_and_number_only_queries_return_nothing(catalog, uow_factory):
    assert search_drugs(uow_factory, "") == []
    assert search_drugs(uow_factory, "   ") == []
    assert search_drugs(uow_factory, "10") == []
    assert search_drugs(uow_factory, "lipitor", limit=0) == []


def test_limit(catalog, uow_factory):
    assert len(search_drugs(uow_factory, "tab", limit=7)) == 7


def test_ndc_text_goes_to_the_ndc_path(catalog, uow_factory):
    [hit] = search_drugs(uow_factory, "0071-0157-23")
    assert (hit.drug_name, hit.ndc11) == ("Lipitor", "00071015723")
    assert [h.ndc11 for h in search_drugs(uow_factory, ndc_to_upc_a("0071-0157-23"))] == ["00071015723"]
    product = search_drugs(uow_factory, "0071-0157")
    assert [h.package_ndc for h in product] == [f"0071-0157-{c}" for c in ("23", "40", "73", "88", "97")]
    assert search_drugs(uow_factory, "9999-9999-99") == []


def test_session_and_uow_entry_points(catalog, uow_factory, session_factory):
    with session_factory() as session:
        assert search_drugs(session, "lipitor")
    with uow_factory() as uow:
        assert search_drugs(uow, "lipitor")
    assert search_drugs(session_factory, "lipitor")


def test_cli_search_json(catalog, capsys):
    from pharmacy_desktop.cli import main

    assert main(["catalog", "search", "amox 500 cap", "--json", "--database-url", catalog]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["package_ndc"] for d in data] == ["57237-031-01", "57237-031-05"]
    assert data[0]["strength"] == "500 mg" and data[0]["is_active"] is True

    assert main(["catalog", "search", "lipitor 40", "--database-url", catalog]) == 0
    out = capsys.readouterr().out
    assert "0071-0157-23" in out and "Lipitor 40 mg tablet" in out
