"""Scan resolution against the imported demo catalog on a real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import psycopg
import pytest

from pharmacy_desktop.config import libpq_url
from pharmacy_desktop.domain.barcodes import (
    GS,
    build_gs1_element_string,
    ndc_to_gtin14,
    ndc_to_upc_a,
    parse_scan,
)
from pharmacy_desktop.services.scan_resolution import resolve_scan, to_json

LIPITOR = "0071-0157-23"  # 4-4-2 in the demo catalog

# Two real packages of one labeler in the demo catalog whose barcode candidates overlap.
LISINOPRIL = ("64725-1020-1", "64725102001", "lisinopril", "20 mg")
METFORMIN = ("64725-0102-1", "64725010201", "Metformin Hydrochloride", "500 mg")


@pytest.fixture
def database_url(demo_catalog_url):
    """This module's database (and so uow_factory's): a fresh copy of one with the demo catalog imported
    (``import_catalog(url, resources/catalog, partial=True)``, once per run: tests/conftest.py
    demo_catalog_template)."""
    return demo_catalog_url


@pytest.fixture
def catalog(database_url):
    return database_url


def insert_package(url: str, package_ndc: str, ndc11: str, name: str, strength: str, *, active: bool = True) -> str:
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute(
            "INSERT INTO prescription_schema.medications (ndc_code, package_ndc, drug_name, generic_name, "
            "strength, dosage_form, package_description, catalog_source, is_active, discontinuation_date) "
            "VALUES (%s, %s, %s, %s, %s, 'TABLET', %s, 'manual', %s, %s) RETURNING id",
            (
                ndc11,
                package_ndc,
                name,
                name,
                strength,
                f"30 TABLET in 1 BOTTLE ({package_ndc})",
                active,
                None if active else dt.date(2024, 5, 1),
            ),
        ).fetchone()
    return str(row[0])


def lipitor_id(url: str) -> str:
    with psycopg.connect(libpq_url(url)) as conn:
        return str(
            conn.execute(
                "SELECT id FROM prescription_schema.medications WHERE package_ndc = %s", (LIPITOR,)
            ).fetchone()[0]
        )


# -- found ---------------------------------------------------------------------------------------


def test_upc_a_finds_the_package(catalog, uow_factory):
    result = resolve_scan(uow_factory, ndc_to_upc_a(LIPITOR))

    assert result.status == "found" and result.found
    assert (result.ndc11, result.package_ndc) == ("00071015723", LIPITOR)
    assert (result.drug_name, result.brand_name, result.generic_name) == ("Lipitor", "Lipitor", "ATORVASTATIN CALCIUM")
    assert (result.strength, result.dosage_form) == ("40 mg", "TABLET, FILM COATED")
    assert result.package_description == "90 TABLET, FILM COATED in 1 BOTTLE (0071-0157-23)"
    assert str(result.medication_id) == lipitor_id(catalog)
    assert result.is_active is True and result.dea_schedule is None
    assert result.message.startswith("Lipitor 40 mg tablet (0071-0157-23)")


@pytest.mark.parametrize("human_readable", [False, True])
def test_gs1_datamatrix_carries_lot_expiry_serial(catalog, uow_factory, human_readable):
    expiry = dt.date.today().replace(day=1) + dt.timedelta(days=800)
    data = build_gs1_element_string(ndc_to_gtin14(LIPITOR), expiry, "LOT42A", "SN0001", human_readable=human_readable)
    text = data if human_readable else "]d2" + data + "\r\n"

    result = resolve_scan(uow_factory, text)

    assert result.status == "found" and result.ndc11 == "00071015723"
    assert (result.lot, result.expiry, result.serial) == ("LOT42A", expiry, "SN0001")
    assert "Expired" not in result.message


def test_an_expired_lot_is_found_with_a_warning(catalog, uow_factory):
    text = build_gs1_element_string(ndc_to_gtin14(LIPITOR), dt.date(2020, 1, 31), "OLD1")
    result = resolve_scan(uow_factory, text)
    assert result.status == "found"
    assert "Expired: this lot expired on 2020-01-31. Do not dispense." in result.message


@pytest.mark.parametrize("typed", [LIPITOR, "00071-0157-23", "00071015723", "0071\u20130157\u201323"])
def test_typed_ndc_finds_the_package(catalog, uow_factory, typed):
    result = resolve_scan(uow_factory, typed)
    assert (result.status, result.ndc11, result.drug_name) == ("found", "00071015723", "Lipitor")


def test_every_service_entry_point_works(catalog, uow_factory, session_factory):
    upc = ndc_to_upc_a(LIPITOR)
    with session_factory() as session:
        assert resolve_scan(session, upc).found
    with uow_factory() as uow:
        assert resolve_scan(uow, upc).found
    assert resolve_scan(uow_factory(), upc).found
    assert resolve_scan(session_factory, upc).found
    with pytest.raises(TypeError):
        resolve_scan(object(), upc)


def test_a_discontinued_package_is_found_with_a_warning(catalog, uow_factory):
    with psycopg.connect(libpq_url(catalog)) as conn:
        conn.execute(
            "UPDATE prescription_schema.medications SET is_active = false, discontinuation_date = '2025-03-01' "
            "WHERE package_ndc = %s",
            (LIPITOR,),
        )
    result = resolve_scan(uow_factory, ndc_to_upc_a(LIPITOR))
    assert result.status == "found" and result.is_active is False
    assert "Discontinued product since 2025-03-01" in result.message


def test_a_controlled_substance_says_its_schedule(catalog, uow_factory):
    result = resolve_scan(uow_factory, ndc_to_upc_a("0093-5298-01"))  # methylphenidate ER
    assert result.found and result.dea_schedule == "II"
    assert "schedule II" in result.message


# -- the shape trap, ambiguity ----------------------------------------------------------------------


def test_lisinopril_barcode_never_shows_metformin(catalog, uow_factory):
    lisinopril_upc = ndc_to_upc_a(LISINOPRIL[0])
    # the trap is real: one of lisinopril's candidate keys is metformin's key
    assert METFORMIN[1] in parse_scan(lisinopril_upc).ndc_candidates

    lisinopril = resolve_scan(uow_factory, lisinopril_upc)
    metformin = resolve_scan(uow_factory, ndc_to_upc_a(METFORMIN[0]))

    assert (lisinopril.status, lisinopril.ndc11, lisinopril.package_ndc) == ("found", LISINOPRIL[1], LISINOPRIL[0])
    assert (lisinopril.drug_name, lisinopril.strength) == (LISINOPRIL[2], LISINOPRIL[3])
    assert (metformin.status, metformin.ndc11, metformin.package_ndc) == ("found", METFORMIN[1], METFORMIN[0])
    assert (metformin.drug_name, metformin.strength) == (METFORMIN[2], METFORMIN[3])
    gs1 = build_gs1_element_string(ndc_to_gtin14(LISINOPRIL[0]), lot="L1")
    assert resolve_scan(uow_factory, gs1).drug_name == LISINOPRIL[2]


def test_two_packages_of_consistent_shapes_are_ambiguous(catalog, uow_factory):
    # The same ten barcode digits under two labelers: 4-4-2 "1234-5678-90" and 5-3-2 "12345-678-90".
    first = insert_package(catalog, "1234-5678-90", "01234567890", "Test product A", "5 mg")
    second = insert_package(catalog, "12345-678-90", "12345067890", "Test product B", "10 mg")

    result = resolve_scan(uow_factory, ndc_to_upc_a("1234-5678-90"))

    assert result.status == "ambiguous" and not result.found
    assert result.candidates == ("01234567890", "12345067890")
    assert [(c.drug_name, str(c.medication_id)) for c in result.choices] == [
        ("Test product A", first),
        ("Test product B", second),
    ]
    assert result.medication_id is None and result.drug_name is None
    assert "matches 2 products" in result.message and "Pick the one on the bottle" in result.message
    typed = resolve_scan(uow_factory, "12345-678-90")  # a typed NDC names one key
    assert (typed.status, typed.drug_name) == ("found", "Test product B")


# -- unknown, invalid -------------------------------------------------------------------------------


def test_unknown_typed_ndc(catalog, uow_factory):
    result = resolve_scan(uow_factory, "12345-6789-01")
    assert result.status == "unknown" and result.ndc11 == "12345678901"
    assert result.message == (
        "Unknown NDC 12345-6789-01: not in the catalog. Check the bottle or add the product in Inventory."
    )


def test_unknown_barcode(catalog, uow_factory):
    text = build_gs1_element_string(ndc_to_gtin14("54321-987-65"), dt.date(2030, 6, 30), "LX", "S9")
    result = resolve_scan(uow_factory, text)
    assert result.status == "unknown" and result.ndc11 is None
    assert "5432198765" in result.message and "not in the catalog" in result.message
    assert (result.lot, result.serial, result.expiry) == ("LX", "S9", dt.date(2030, 6, 30))


@pytest.mark.parametrize(
    "text, expected",
    [
        (ndc_to_upc_a(LIPITOR)[:-1] + "0", "Bad barcode: check digit is wrong; scan again or type the NDC."),
        ("0071-0157-2X", "letters"),
        ("", "empty"),
        ("12345", "wrong length"),
    ],
)
def test_invalid_input_gets_a_specific_message(catalog, uow_factory, text, expected):
    if ndc_to_upc_a(LIPITOR)[-1] == "0" and expected.startswith("Bad barcode: check"):
        text = text[:-1] + "1"
    result = resolve_scan(uow_factory, text)
    assert result.status == "invalid"
    assert expected in result.message


def test_a_product_barcode_that_is_no_drug(catalog, uow_factory):
    result = resolve_scan(uow_factory, "036000291452")  # a grocery UPC-A (number system 0)
    assert result.status == "invalid" and result.message.startswith("Not a drug barcode")


# -- JSON and the command line -----------------------------------------------------------------------


def run_cli(capsys, url: str, *argv: str) -> tuple[int, dict]:
    from pharmacy_desktop.cli import main

    code = main([*argv, "--database-url", url])
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_cli_scan_json_found(catalog, capsys):
    data_in = "]d2" + build_gs1_element_string(ndc_to_gtin14(LIPITOR), dt.date(2031, 1, 31), "LOT7", "SER7")
    code, data = run_cli(capsys, catalog, "scan", data_in, "--json")
    assert code == 0
    assert data["status"] == "found" and data["ndc11"] == "00071015723" and data["package_ndc"] == LIPITOR
    assert (data["drug_name"], data["brand_name"], data["generic_name"]) == (
        "Lipitor",
        "Lipitor",
        "ATORVASTATIN CALCIUM",
    )
    assert (data["strength"], data["dosage_form"]) == ("40 mg", "TABLET, FILM COATED")
    assert data["package_description"].startswith("90 TABLET")
    assert (data["lot"], data["expiry"], data["serial"]) == ("LOT7", "2031-01-31", "SER7")
    assert data["candidates"] == ["00071015723"] and data["message"]
    assert data["medication_id"] == lipitor_id(catalog)


def test_cli_scan_exit_codes(catalog, capsys):
    insert_package(catalog, "1234-5678-90", "01234567890", "Test product A", "5 mg")
    insert_package(catalog, "12345-678-90", "12345067890", "Test product B", "10 mg")

    code, data = run_cli(capsys, catalog, "scan", ndc_to_upc_a("1234-5678-90"), "--json")
    assert (code, data["status"]) == (3, "ambiguous")
    assert data["candidates"] == ["01234567890", "12345067890"]
    assert [c["drug_name"] for c in data["choices"]] == ["Test product A", "Test product B"]

    code, data = run_cli(capsys, catalog, "scan", "12345-6789-01", "--json")
    assert (code, data["status"], data["ndc11"]) == (4, "unknown", "12345678901")

    code, data = run_cli(capsys, catalog, "scan", "300710157230", "--json")
    assert (code, data["status"]) == (5, "invalid")
    assert data["message"] == "Bad barcode: check digit is wrong; scan again or type the NDC."


def test_cli_scan_text_output(catalog, capsys):
    from pharmacy_desktop.cli import main

    gs1 = build_gs1_element_string(ndc_to_gtin14(LIPITOR), dt.date(2031, 1, 31), "LOT7", "SER7")
    assert GS in gs1
    assert main(["scan", gs1, "--database-url", catalog]) == 0
    out = capsys.readouterr().out
    assert out.startswith("found: Lipitor 40 mg") and "lot LOT7" in out and "expiry 2031-01-31" in out


def test_to_json_is_plain_data(catalog, uow_factory):
    result = resolve_scan(uow_factory, ndc_to_upc_a(LIPITOR))
    data = to_json(result)
    assert json.loads(json.dumps(data)) == data
    assert set(data) >= {
        "status",
        "ndc11",
        "drug_name",
        "strength",
        "dosage_form",
        "package_description",
        "candidates",
        "lot",
        "expiry",
        "serial",
        "message",
    }


def test_an_unreachable_database_is_a_clear_error():
    from pharmacy_desktop.db.embedded import free_port
    from pharmacy_desktop.db.engine import make_engine, make_session_factory
    from pharmacy_desktop.errors import DatabaseUnavailable

    engine = make_engine(f"postgresql://nobody:x@127.0.0.1:{free_port()}/none")
    try:
        with pytest.raises(DatabaseUnavailable, match="scan again"):
            resolve_scan(make_session_factory(engine), ndc_to_upc_a(LIPITOR))
    finally:
        engine.dispose()
