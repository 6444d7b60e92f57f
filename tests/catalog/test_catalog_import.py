"""Catalog import against a real PostgreSQL: the demo catalog (UVIS 2015 converted to FDA's
finished layout) and FDA's own unfinished extract, byte for byte as FDA wrote them."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
from pathlib import Path

import psycopg
import pytest

from pharmacy_desktop.catalog import uvis
from pharmacy_desktop.catalog.fda import Rejection
from pharmacy_desktop.config import libpq_url
from pharmacy_desktop.services.catalog_import import import_catalog
from tests.design_doc import SHARED_DIR

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "catalog"
UNFINISHED = DEMO / "unfinished"
SHARED = SHARED_DIR / "data" / "fda-ndc"

DEMO_PACKAGES = 3032  # 3,033 rows, one malformed (53157-121-BO)
DEMO_PRODUCTS = 1300
UNFINISHED_PACKAGES = 6618  # 6,619 rows, one malformed (package code "02")
UNFINISHED_PRODUCTS = 4000


def query(url: str, sql: str, *params: object) -> list[tuple]:
    with psycopg.connect(libpq_url(url)) as conn:
        return conn.execute(sql, params).fetchall()


def scalar(url: str, sql: str, *params: object) -> object:
    return query(url, sql, *params)[0][0]


def medication(url: str, package_ndc: str) -> dict:
    with psycopg.connect(libpq_url(url), row_factory=psycopg.rows.dict_row) as conn:
        return conn.execute(
            "SELECT * FROM prescription_schema.medications WHERE package_ndc = %s", (package_ndc,)
        ).fetchone()


def snapshot(url: str) -> list[tuple]:
    return query(
        url,
        "SELECT ndc_code, drug_name, strength, is_active, discontinuation_date, updated_at "
        "FROM prescription_schema.medications ORDER BY ndc_code",
    )


def copy_catalog(source: Path, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in ("product.txt", "package.txt"):
        shutil.copyfile(source / name, target / name)
    return target


def edit_lines(path: Path, change) -> None:
    """Rewrite an FDA file (cp1252, CRLF); ``change(lines) -> lines`` sees lines without CRLF."""
    lines = path.read_bytes().decode("cp1252").split("\r\n")
    if lines[-1] == "":
        lines.pop()
    path.write_bytes(("\r\n".join(change(lines)) + "\r\n").encode("cp1252"))


def set_field(line: str, header: str, column: str, value: str) -> str:
    fields = line.split("\t")
    fields[header.split("\t").index(column)] = value
    return "\t".join(fields)


# -- the demo catalog -----------------------------------------------------------------------------


def test_demo_catalog_imports_every_good_package(database_url):
    summary = import_catalog(database_url, DEMO, partial=True)

    assert (summary.added, summary.updated, summary.deactivated) == (DEMO_PACKAGES, 0, 0)
    assert summary.products_added == DEMO_PRODUCTS
    assert summary.catalog_source == "fda-finished"
    assert scalar(database_url, "SELECT count(*) FROM prescription_schema.medications") == DEMO_PACKAGES
    assert scalar(database_url, "SELECT count(*) FROM prescription_schema.drug_products") == DEMO_PRODUCTS
    [(line, reason)] = summary.rejected
    assert line == 1807
    assert "53157-121-BO" in reason and "letters" in reason and reason.startswith("package.txt line 1807")


def test_demo_packages_fill_the_design_columns(database_url):
    import_catalog(database_url, DEMO, partial=True)

    lipitor = medication(database_url, "0071-0157-23")
    assert lipitor["ndc_code"] == "00071015723"
    assert lipitor["drug_name"] == "Lipitor" and lipitor["brand_name"] == "Lipitor"
    assert lipitor["generic_name"] == "ATORVASTATIN CALCIUM"
    assert (lipitor["strength"], lipitor["dosage_form"], lipitor["route"]) == ("40 mg", "TABLET, FILM COATED", "ORAL")
    assert lipitor["manufacturer"] == "Parke-Davis Div of Pfizer Inc"
    assert lipitor["is_generic"] is False and lipitor["is_controlled_substance"] is False
    assert lipitor["therapeutic_class"] == "HMG-CoA Reductase Inhibitor"
    assert lipitor["pharmacologic_class"].startswith("HMG-CoA Reductase Inhibitor [EPC]")
    assert lipitor["package_description"] == "90 TABLET, FILM COATED in 1 BOTTLE (0071-0157-23)"
    assert lipitor["is_active"] is True and lipitor["discontinuation_date"] is None
    assert lipitor["catalog_source"] == "fda-finished"
    assert lipitor["active_ingredients"] == [
        {"name": "ATORVASTATIN CALCIUM TRIHYDRATE", "strength": "40", "unit": "mg/1"}
    ]
    assert "lipitor atorvastatin calcium 40 mg tablet, film coated" in lipitor["search_text"]
    product = query(
        database_url,
        "SELECT fda_product_id, product_ndc, application_number FROM prescription_schema.drug_products WHERE id = %s",
        lipitor["product_id"],
    )
    assert product == [("0071-0157_UVIS2015", "0071-0157", "NDA020702")]

    generic = medication(database_url, "52125-737-19")
    assert generic["is_generic"] is True and generic["brand_name"] is None
    assert generic["drug_name"] == "ATORVASTATIN CALCIUM" and generic["strength"] == "10 mg"

    combination = medication(database_url, "0093-2275-34")
    assert combination["strength"] == "875 mg; 125 mg"
    assert [i["name"] for i in combination["active_ingredients"]] == ["AMOXICILLIN", "CLAVULANATE POTASSIUM"]
    assert combination["therapeutic_class"] == "Penicillin-class Antibacterial; beta Lactamase Inhibitor"
    assert len(combination["pharmacologic_class"]) <= 100


def test_every_ndc_shape_gets_its_11_digit_key(database_url):
    import_catalog(database_url, DEMO, partial=True)
    rows = query(database_url, "SELECT package_ndc, ndc_code FROM prescription_schema.medications")
    shapes = {}
    for package_ndc, key in rows:
        a, b, c = package_ndc.split("-")
        assert key == a.zfill(5) + b.zfill(4) + c.zfill(2)
        shapes[f"{len(a)}-{len(b)}-{len(c)}"] = shapes.get(f"{len(a)}-{len(b)}-{len(c)}", 0) + 1
    assert shapes == {"4-4-2": 436, "5-3-2": 1596, "5-4-1": 1000}  # SOURCE.md, minus 53157-121-BO (5-3-2)


def test_demo_dea_schedules_are_derived_from_the_substances(database_url):
    import_catalog(database_url, DEMO, partial=True)
    schedule = lambda ndc: query(  # noqa: E731
        database_url,
        "SELECT m.dea_schedule, m.is_controlled_substance, p.dea_schedule FROM prescription_schema.medications m "
        "JOIN prescription_schema.drug_products p ON p.id = m.product_id WHERE m.package_ndc LIKE %s",
        ndc + "-%",
    )[0]
    assert schedule("0093-5298") == ("II", True, "CII")  # methylphenidate
    assert schedule("50090-1231") == ("V", True, "CV")  # Lyrica (pregabalin)
    assert schedule("54868-2541") == ("II", True, "CII")  # codeine sulfate alone
    assert schedule("0071-0157") == (None, False, None)  # Lipitor
    codeine_combination = query(
        database_url,
        "SELECT DISTINCT dea_schedule FROM prescription_schema.medications "
        "WHERE generic_name ILIKE '%%acetaminophen and codeine%%'",
    )
    assert codeine_combination == [("III",)]
    homeopathic = query(
        database_url,
        "SELECT dea_schedule FROM prescription_schema.medications WHERE active_ingredients::text LIKE '%%SUS SCROFA OVARY%%'",
    )
    assert homeopathic and all(row == (None,) for row in homeopathic)


def test_the_converter_reproduces_the_demo_catalog(tmp_path):
    if not (SHARED / uvis.UVIS_FILE).exists():
        pytest.skip("shared UVIS extract not available")
    summary = uvis.convert(SHARED / uvis.UVIS_FILE, tmp_path)
    assert (summary.products, summary.packages) == (DEMO_PRODUCTS, 3033)
    for name in ("product.txt", "package.txt"):
        assert (tmp_path / name).read_bytes() == (DEMO / name).read_bytes()
    assert (DEMO / "package.txt").read_bytes().count(b"\r\n") == 3034
    for name, copy in uvis.UNFINISHED_FILES.items():
        assert (UNFINISHED / copy).read_bytes() == (SHARED / name).read_bytes()


# -- FDA's unfinished extract: the reduced layout and its quirks -----------------------------------


def test_unfinished_layout_imports_by_header_name(database_url):
    summary = import_catalog(database_url, UNFINISHED, partial=True)

    assert (summary.added, summary.products_added) == (UNFINISHED_PACKAGES, UNFINISHED_PRODUCTS)
    assert summary.catalog_source == "fda-unfinished"
    [(line, reason)] = summary.rejected
    assert line == 3398 and "'02'" in reason
    by_schedule = dict(
        query(database_url, "SELECT dea_schedule, count(*) FROM prescription_schema.medications GROUP BY 1")
    )
    # SOURCE.md: packages CII 514 / CIII 475 / CIV 388 / CV 21 / CI 8
    assert {k: v for k, v in by_schedule.items() if k} == {"II": 514, "III": 475, "IV": 388, "V": 21, "I": 8}


def test_cp1252_text_keeps_its_characters(database_url):
    import_catalog(database_url, UNFINISHED, partial=True)
    labelers = {r[0] for r in query(database_url, "SELECT DISTINCT manufacturer FROM prescription_schema.medications")}
    assert "Guang\u2019an Kingday Pharma & Chem Co., Ltd." in labelers  # byte 0x92: cp1252, not Latin-1
    assert "INDUSTRIAS QU\u00cdMICAS FALCON DE M\u00c9XICO, S.A. DE C.V." in labelers
    assert "Dr. Reddy\u00bfs Laboratories, Inc." in labelers  # FDA's own lost apostrophe, kept as FDA wrote it
    raw, shown = query(
        database_url,
        "SELECT p.labeler_name, m.manufacturer FROM prescription_schema.drug_products p "
        "JOIN prescription_schema.medications m ON m.product_id = p.id WHERE p.product_ndc = '43742-0383' LIMIT 1",
    )[0]
    assert raw.startswith('<text xmlns="urn:hl7-org:v3">')  # kept whole on the product
    assert shown.startswith("CAUTION: For manufacturing") and "<" not in shown


def test_registered_sign_survives(database_url, tmp_path):
    # No row of either extract carries a (R) sign; mark Pfizer's Lipitor brand with it, as labels do.
    folder = copy_catalog(DEMO, tmp_path / "catalog")
    edit_lines(
        folder / "product.txt", lambda lines: [line.replace("\tLipitor\t", "\tLipitor\u00ae\t") for line in lines]
    )
    assert b"Lipitor\xae" in (folder / "product.txt").read_bytes()
    import_catalog(database_url, folder, partial=True)
    lipitor = medication(database_url, "0071-0157-23")
    assert lipitor["drug_name"] == "Lipitor\u00ae" and lipitor["brand_name"] == "Lipitor\u00ae"


# -- re-runs ----------------------------------------------------------------------------------


def test_reimport_updates_in_place(database_url):
    import_catalog(database_url, DEMO, partial=True)
    ids = dict(query(database_url, "SELECT ndc_code, id FROM prescription_schema.medications"))

    again = import_catalog(database_url, DEMO, partial=True)

    assert (again.added, again.updated, again.deactivated, again.products_added) == (0, 0, 0, 0)
    assert dict(query(database_url, "SELECT ndc_code, id FROM prescription_schema.medications")) == ids
    assert scalar(database_url, "SELECT count(*) - count(DISTINCT ndc_code) FROM prescription_schema.medications") == 0


def test_a_changed_row_is_updated(database_url, tmp_path):
    import_catalog(database_url, DEMO, partial=True)
    folder = copy_catalog(DEMO, tmp_path / "catalog")
    edit_lines(
        folder / "package.txt",
        lambda lines: [
            line.replace(
                "90 TABLET, FILM COATED in 1 BOTTLE (0071-0157-23)",
                "90 TABLET, FILM COATED in 1 BOTTLE, PLASTIC (0071-0157-23)",
            )
            for line in lines
        ],
    )
    summary = import_catalog(database_url, folder, partial=True)
    assert (summary.added, summary.updated, summary.deactivated) == (0, 1, 0)
    assert medication(database_url, "0071-0157-23")["package_description"].endswith("BOTTLE, PLASTIC (0071-0157-23)")


def test_a_package_missing_from_the_file_is_deactivated_not_deleted(database_url, tmp_path):
    import_catalog(database_url, DEMO, partial=True)
    before = medication(database_url, "0071-0157-23")
    folder = copy_catalog(DEMO, tmp_path / "catalog")
    edit_lines(folder / "package.txt", lambda lines: [line for line in lines if "\t0071-0157-23\t" not in line])

    summary = import_catalog(database_url, folder, partial=True)

    assert (summary.added, summary.updated, summary.deactivated) == (0, 0, 1)
    gone = medication(database_url, "0071-0157-23")
    assert gone["id"] == before["id"] and gone["is_active"] is False
    assert gone["discontinuation_date"] == dt.date.today()
    assert scalar(database_url, "SELECT count(*) FROM prescription_schema.medications") == DEMO_PACKAGES
    assert scalar(database_url, "SELECT count(*) FROM prescription_schema.medications WHERE NOT is_active") == 1

    back = import_catalog(database_url, DEMO, partial=True)  # listed again: active again
    assert (back.added, back.updated, back.deactivated) == (0, 1, 0)
    assert medication(database_url, "0071-0157-23")["is_active"] is True
    assert medication(database_url, "0071-0157-23")["discontinuation_date"] is None


def test_no_deactivate_keeps_missing_packages_active(database_url, tmp_path):
    import_catalog(database_url, DEMO, partial=True)
    folder = copy_catalog(DEMO, tmp_path / "catalog")
    edit_lines(folder / "package.txt", lambda lines: [line for line in lines if "\t0071-0157-23\t" not in line])
    summary = import_catalog(database_url, folder, deactivate_missing=False, partial=True)
    assert summary.deactivated == 0
    assert medication(database_url, "0071-0157-23")["is_active"] is True


def test_another_catalog_source_does_not_deactivate_this_one(database_url):
    import_catalog(database_url, DEMO, partial=True)
    summary = import_catalog(database_url, UNFINISHED, partial=True)
    assert summary.deactivated == 0
    assert (
        scalar(
            database_url,
            "SELECT count(*) FROM prescription_schema.medications WHERE catalog_source = 'fda-finished' AND is_active",
        )
        == DEMO_PACKAGES
    )


def test_an_ended_marketing_date_deactivates_with_that_date(database_url, tmp_path):
    import_catalog(database_url, DEMO, partial=True)
    folder = copy_catalog(DEMO, tmp_path / "catalog")
    ended = dt.date.today() - dt.timedelta(days=3)
    future = dt.date.today() + dt.timedelta(days=300)

    def mark(lines):
        header = lines[0]
        out = [header]
        for line in lines[1:]:
            if line.startswith("0071-0157_UVIS2015\t"):
                line = set_field(line, header, "ENDMARKETINGDATE", ended.strftime("%Y%m%d"))
            if line.startswith("52125-737_UVIS2015\t"):
                line = set_field(line, header, "ENDMARKETINGDATE", future.strftime("%Y%m%d"))
            out.append(line)
        return out

    edit_lines(folder / "product.txt", mark)
    summary = import_catalog(database_url, folder, partial=True)

    lipitor_packages = scalar(
        database_url, "SELECT count(*) FROM prescription_schema.medications WHERE package_ndc LIKE '0071-0157-%%'"
    )
    assert summary.deactivated == lipitor_packages == 5
    assert medication(database_url, "0071-0157-23")["discontinuation_date"] == ended
    assert medication(database_url, "0071-0157-23")["marketing_end_date"] == ended
    assert medication(database_url, "52125-737-19")["is_active"] is True


# -- bad rows -----------------------------------------------------------------------------------


def test_bad_rows_are_reported_with_reasons_and_nothing_else_is_lost(database_url, tmp_path):
    folder = copy_catalog(DEMO, tmp_path / "catalog")

    def damage_products(lines):
        header = lines[0]
        out = [header]
        for line in lines[1:]:
            if line.startswith("0071-0157_UVIS2015\t"):  # openFDA's fixture has DEASCHEDULE "DEA"
                line = set_field(line, header, "DEASCHEDULE", "DEA")
            if line.startswith("0093-5298_UVIS2015\t"):
                line = set_field(line, header, "STARTMARKETINGDATE", "20150231")
            out.append(line)
        return out + ["0000-0000_BROKEN\tonly three fields\tx"]

    edit_lines(folder / "product.txt", damage_products)
    summary = import_catalog(database_url, folder, partial=True)

    reasons = [reason for _, reason in summary.rejected]
    assert any("DEASCHEDULE 'DEA'" in r for r in reasons)
    assert any("STARTMARKETINGDATE '20150231' is not a date" in r for r in reasons)
    assert any("expected 20 tab-separated fields, found 3" in r for r in reasons)
    orphans = [r for r in reasons if "not in product.txt" in r]
    assert len(orphans) == 5 + 1  # Lipitor's five packages, methylphenidate's one
    assert any("53157-121-BO" in r for r in reasons)
    assert summary.added == DEMO_PACKAGES - 6
    assert summary.products_added == DEMO_PRODUCTS - 2
    assert all(isinstance(r, Rejection) and isinstance(r.line, int) for r in summary.rejected)


def test_duplicate_package_ndc_keeps_one_and_reports_the_other(database_url, tmp_path):
    folder = copy_catalog(UNFINISHED, tmp_path / "catalog")
    products = (folder / "product.txt").read_bytes().decode("cp1252").split("\r\n")
    ids = [line.split("\t")[0] for line in products if line.split("\t")[1:2] == ["0009-5038"]]
    assert len(ids) >= 2  # FDA lists PRODUCTNDC 0009-5038 under several PRODUCTIDs

    def duplicate(lines):
        first = next(line for line in lines if line.split("\t")[0] in ids)
        owner = first.split("\t")[0]
        other = next(i for i in ids if i != owner)
        return lines + [other + first[len(owner) :]]

    edit_lines(folder / "package.txt", duplicate)
    summary = import_catalog(database_url, folder, partial=True)

    duplicates = [r for r in summary.rejected if "duplicate package NDC" in r.reason]
    assert len(duplicates) == 1 and "kept line" in duplicates[0].reason
    assert summary.added == UNFINISHED_PACKAGES
    assert scalar(database_url, "SELECT count(*) - count(DISTINCT ndc_code) FROM prescription_schema.medications") == 0


# -- zip, atomicity, progress, CLI ------------------------------------------------------------------


def test_fda_zip_imports_the_same(database_url, tmp_path):
    finished_zip = tmp_path / "ndctext.zip"
    with zipfile.ZipFile(finished_zip, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in ("product.txt", "package.txt"):
            zf.write(DEMO / name, name)
    unfinished_zip = tmp_path / "ndc_unfinished.zip"
    with zipfile.ZipFile(unfinished_zip, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in ("product.txt", "package.txt"):
            zf.write(UNFINISHED / name, f"unfinished_{name}")

    from_zip = import_catalog(database_url, finished_zip, partial=True)
    assert (from_zip.added, len(from_zip.rejected)) == (DEMO_PACKAGES, 1)
    from_folder = import_catalog(database_url, DEMO, partial=True)
    assert (from_folder.added, from_folder.updated, from_folder.deactivated) == (0, 0, 0)

    unfinished = import_catalog(database_url, unfinished_zip, partial=True)
    assert (unfinished.added, unfinished.catalog_source) == (UNFINISHED_PACKAGES, "fda-unfinished")
    assert "Guang\u2019an" in scalar(
        database_url,
        "SELECT manufacturer FROM prescription_schema.medications WHERE manufacturer LIKE 'Guang%%' LIMIT 1",
    )


class Boom(RuntimeError):
    pass


@pytest.mark.parametrize("fail_at", ["reading", "saving"])
def test_a_failure_mid_import_leaves_the_previous_catalog_untouched(database_url, tmp_path, fail_at):
    import_catalog(database_url, DEMO, partial=True)
    before = snapshot(database_url)
    folder = copy_catalog(DEMO, tmp_path / "catalog")
    edit_lines(folder / "package.txt", lambda lines: [line for line in lines if "\t0071-0157-23\t" not in line])
    edit_lines(folder / "product.txt", lambda lines: [line.replace("\tONGLYZA\t", "\tOnglyza XR\t") for line in lines])

    def progress(phase, done, total):
        # "saving" step 5 comes after the medications upsert: the new rows are written by then
        if phase == fail_at and (phase == "reading" and done > total // 2 or phase == "saving" and done >= 5):
            raise Boom("forced failure")

    with pytest.raises(Boom):
        import_catalog(database_url, folder, progress=progress, partial=True)

    assert snapshot(database_url) == before
    retry = import_catalog(database_url, folder, partial=True)  # no lock or staging table left behind
    assert (retry.updated, retry.deactivated) == (3, 1)  # Onglyza has three packages


def medication_schema(url: str) -> list[tuple]:
    return query(
        url,
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'prescription_schema' "
        "AND tablename = 'medications' UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'prescription_schema.medications'::regclass ORDER BY 1, 2",
    )


@pytest.mark.parametrize("fail", [False, True])
def test_a_bulk_load_restores_every_index_and_key(database_url, monkeypatch, fail):
    from pharmacy_desktop.db import catalog_load

    before = medication_schema(database_url)
    assert any("gin_trgm_ops" in d for _, d in before) and any("FOREIGN KEY" in d for _, d in before)
    monkeypatch.setattr(catalog_load, "BULK_MIN_NEW", 100)  # the demo catalog counts as a first load
    dropped = []
    real_drop = catalog_load._drop_for_bulk
    monkeypatch.setattr(catalog_load, "_drop_for_bulk", lambda *a: dropped.extend(real_drop(*a)) or dropped)

    def progress(phase, done, total):
        if fail and phase == "saving" and done >= 5:
            raise Boom("forced failure after the bulk load")

    if fail:
        with pytest.raises(Boom):
            import_catalog(database_url, DEMO, progress=progress, partial=True)
        assert scalar(database_url, "SELECT count(*) FROM prescription_schema.medications") == 0
    else:
        assert import_catalog(database_url, DEMO, partial=True).added == DEMO_PACKAGES
    assert len(dropped) == 6  # five secondary indexes (trigram included) and the product key
    assert medication_schema(database_url) == before


def test_progress_reports_bytes_then_steps(database_url):
    seen: list[tuple[str, int, int]] = []
    import_catalog(database_url, UNFINISHED, progress=lambda *args: seen.append(args), partial=True)
    reading = [s for s in seen if s[0] == "reading"]
    saving = [s for s in seen if s[0] == "saving"]
    total = (UNFINISHED / "product.txt").stat().st_size + (UNFINISHED / "package.txt").stat().st_size
    assert reading[-1] == ("reading", total, total)
    assert [d for _, d, _ in reading] == sorted(d for _, d, _ in reading)
    assert saving[-1][1] == saving[-1][2] and seen.index(saving[0]) > seen.index(reading[-1])


def test_import_is_recorded_as_a_domain_event(database_url):
    import_catalog(database_url, DEMO, partial=True)
    [(data,)] = query(
        database_url, "SELECT event_data FROM audit_schema.domain_events WHERE event_type = 'CatalogImported'"
    )
    assert data["added"] == DEMO_PACKAGES and data["rejected"] == 1 and data["catalog_source"] == "fda-finished"


def test_cli_import_prints_progress_and_summary(database_url, capsys):
    from pharmacy_desktop.cli import main

    assert main(["catalog", "import", str(DEMO), "--partial", "--database-url", database_url]) == 0
    out, err = capsys.readouterr()
    assert f"added:       {DEMO_PACKAGES}" in out
    assert "rejected:    1" in out and "53157-121-BO" in out
    assert "\r[" in err and "100%" in err

    assert main(["catalog", "import", str(DEMO), "--no-deactivate", "--partial", "--database-url", database_url]) == 0
    out, _ = capsys.readouterr()
    assert "added:       0" in out and "updated:     0" in out


def test_cli_import_of_a_missing_folder_fails_cleanly(database_url, tmp_path, capsys):
    from pharmacy_desktop.cli import main

    assert main(["catalog", "import", str(tmp_path / "nowhere"), "--database-url", database_url]) == 2
    assert capsys.readouterr().err.startswith(f"error: {tmp_path / 'nowhere'}: no such folder or zip file")

    (tmp_path / "odd").mkdir()
    (tmp_path / "odd" / "product.txt").write_bytes(b"PRODUCTID\tNAME\r\n")
    (tmp_path / "odd" / "package.txt").write_bytes(b"PRODUCTID\tNDCPACKAGECODE\r\n")
    assert main(["catalog", "import", str(tmp_path / "odd"), "--database-url", database_url]) == 2
    assert "PRODUCTNDC missing from the header" in capsys.readouterr().err
    assert scalar(database_url, "SELECT count(*) FROM prescription_schema.medications") == 0


def test_summary_event_data_is_json(database_url):
    summary = import_catalog(database_url, DEMO, partial=True)
    json.dumps({"added": summary.added, "rejected": [list(r) for r in summary.rejected]})
