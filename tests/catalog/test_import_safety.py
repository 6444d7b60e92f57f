"""A damaged catalog file must never empty the catalog (issue 11, item 2).

Files are built from FDA's own unfinished-drugs extract in /work/shared/data/fda-ndc (see its
SOURCE.md: cp1252, CRLF, byte-identical FDA rows; 4,000 products, 6,619 package rows of which
one has a malformed code). Every refused or failed import is checked against checksums of the
whole catalog taken before it: not one row may change.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import psycopg
import pytest

from pharmacy_desktop.catalog.fda import CatalogFormatError
from pharmacy_desktop.config import libpq_url
from pharmacy_desktop.services.catalog_import import MAX_DEACTIVATE_SHARE, ImportRefused, import_catalog
from tests.design_doc import SHARED_DIR

SHARED = SHARED_DIR / "data" / "fda-ndc"
PRODUCTS = SHARED / "unfinished_product.txt"
PACKAGES = SHARED / "unfinished_package.txt"
GOOD_PACKAGES = 6618  # 6,619 rows, one malformed (package code "02", SOURCE.md)
MALFORMED_LINE = b"53209-2000"  # the product whose package code is "02"

pytestmark = pytest.mark.skipif(not PACKAGES.exists(), reason="shared FDA extract not available")


def catalog_state(url: str) -> dict[str, object]:
    """Row counts and checksums of every catalog row, and the audit events: equal means untouched."""
    with psycopg.connect(libpq_url(url)) as conn:
        return {
            name: conn.execute(sql).fetchone()
            for name, sql in {
                "medications": "SELECT count(*), md5(coalesce(string_agg(m::text, '|' ORDER BY m.ndc_code), '')) "
                "FROM prescription_schema.medications m",
                "products": "SELECT count(*), md5(coalesce(string_agg(p::text, '|' ORDER BY p.fda_product_id), '')) "
                "FROM prescription_schema.drug_products p",
                "active": "SELECT count(*) FROM prescription_schema.medications WHERE is_active IS NOT FALSE",
                "events": "SELECT count(*) FROM audit_schema.domain_events",
            }.items()
        }


def active_codes(url: str) -> set[bytes]:
    """Package codes (FDA's hyphenated NDCPACKAGECODE) of the active packages: FDA's extract is
    from 2018, so some marketing end dates have passed and those packages are inactive already."""
    with psycopg.connect(libpq_url(url)) as conn:
        rows = conn.execute(
            "SELECT package_ndc FROM prescription_schema.medications WHERE is_active IS NOT FALSE"
        ).fetchall()
    return {r[0].encode() for r in rows}


def code(line: bytes) -> bytes:
    return line.split(b"\t")[2]


def fda_lines(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\r\n")[:-1]


def write_export(folder: Path, products: list[bytes] | None = None, packages: list[bytes] | None = None) -> Path:
    """A folder as FDA's unfinished export names its files; lines are written back with CRLF."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines, source in (
        ("unfinished_product.txt", products, PRODUCTS),
        ("unfinished_package.txt", packages, PACKAGES),
    ):
        if lines is None:
            shutil.copyfile(source, folder / name)
        else:
            (folder / name).write_bytes(b"".join(line + b"\r\n" for line in lines))
    return folder


@pytest.fixture
def loaded(database_url):
    """The database with FDA's extract imported (the one malformed row accepted with partial)."""
    summary = import_catalog(database_url, SHARED, partial=True)
    assert summary.added == GOOD_PACKAGES and len(summary.rejected) == 1
    return database_url


def test_the_complete_extract_is_refused_without_partial_because_of_its_one_bad_row(database_url):
    before = catalog_state(database_url)
    with pytest.raises(ImportRefused) as refused:
        import_catalog(database_url, SHARED)
    message = refused.value.message
    assert "1 row(s) could not be used" in message and "'02'" in message and "--partial" in message
    assert f"{GOOD_PACKAGES:,} good packages" in message and "nothing was changed" in message
    assert catalog_state(database_url) == before


def test_a_truncated_package_file_is_refused_and_changes_nothing(loaded, tmp_path):
    data = PACKAGES.read_bytes()
    cut = write_export(tmp_path / "cut")
    (cut / "unfinished_package.txt").write_bytes(data[: len(data) * 2 // 5])  # a download cut mid-row
    before = catalog_state(loaded)

    with pytest.raises(ImportRefused) as refused:
        import_catalog(loaded, cut)

    err = refused.value
    active = len(active_codes(loaded))
    assert err.active_before == active and err.deactivated > active // 2
    assert f"mark {err.deactivated:,} of the {active:,} active packages inactive" in err.message
    assert "--allow-deactivate" in err.message
    # the cut leaves half a row: it is rejected, and that is reported as well
    assert len(err.rejected) == 1 and "tab-separated fields" in err.rejected[0].reason
    assert catalog_state(loaded) == before


def test_a_header_only_package_file_is_never_imported(loaded, tmp_path):
    header_only = write_export(tmp_path / "header", packages=fda_lines(PACKAGES)[:1])
    before = catalog_state(loaded)
    for options in ({}, {"allow_deactivate": True, "partial": True}):
        with pytest.raises(CatalogFormatError, match="no usable row in unfinished_package.txt .it holds only a header"):
            import_catalog(loaded, header_only, **options)
    assert catalog_state(loaded) == before


def test_a_file_of_only_bad_rows_is_never_imported(database_url, tmp_path):
    lines = fda_lines(PACKAGES)
    bad = write_export(tmp_path / "bad", packages=[lines[0]] + [b"x\ty"] * 3)
    with pytest.raises(CatalogFormatError, match="all 3 rows were rejected"):
        import_catalog(database_url, bad, allow_deactivate=True, partial=True)
    assert catalog_state(database_url)["medications"][0] == 0


def test_one_good_one_bad_row_is_refused_with_both_numbers(loaded, tmp_path):
    lines = fda_lines(PACKAGES)
    good = next(line for line in lines[1:] if code(line) in active_codes(loaded))
    pair = write_export(tmp_path / "pair", packages=[lines[0], good, good.split(b"\t")[0] + b"\tbroken row"])
    before = catalog_state(loaded)

    with pytest.raises(ImportRefused) as refused:
        import_catalog(loaded, pair)

    message = refused.value.message
    active = len(active_codes(loaded))
    assert refused.value.deactivated >= active - 1
    assert f"of the {active:,} active packages inactive" in message
    assert "1 row(s) could not be used" in message and "line 3" in message
    assert catalog_state(loaded) == before

    with pytest.raises(ImportRefused):  # saying yes to one of the two is not enough
        import_catalog(loaded, pair, partial=True)
    assert catalog_state(loaded) == before


def without_active(lines: list[bytes], active: set[bytes], count: int) -> list[bytes]:
    """The package file (malformed row dropped) minus its first ``count`` active packages."""
    dropped = {code(line) for line in lines[1:] if code(line) in active}
    dropped = set(sorted(dropped)[:count])
    return [lines[0]] + [line for line in lines[1:] if MALFORMED_LINE not in line and code(line) not in dropped]


def test_the_share_that_needs_consent_is_just_above_five_percent(loaded, tmp_path):
    lines = fda_lines(PACKAGES)
    active = active_codes(loaded)
    allowed = int(MAX_DEACTIVATE_SHARE * len(active))  # 328 of 6,572

    over = write_export(tmp_path / "over", packages=without_active(lines, active, allowed + 1))
    before = catalog_state(loaded)
    with pytest.raises(
        ImportRefused, match=f"mark {allowed + 1} of the {len(active):,} active packages inactive .5.0 %"
    ):
        import_catalog(loaded, over)
    assert catalog_state(loaded) == before

    at_limit = write_export(tmp_path / "limit", packages=without_active(lines, active, allowed))
    summary = import_catalog(loaded, at_limit)  # no rejected row, 5.0 % or less: no question asked
    assert summary.deactivated == allowed and summary.rejected == []
    assert catalog_state(loaded)["active"] == (len(active) - allowed,)


def test_consent_imports_the_cut_file_and_deactivates_what_is_missing(loaded, tmp_path):
    lines = fda_lines(PACKAGES)
    active = active_codes(loaded)
    half = write_export(tmp_path / "half", packages=without_active(lines, active, len(active) // 2))
    summary = import_catalog(loaded, half, allow_deactivate=True)
    assert summary.deactivated == len(active) // 2
    assert catalog_state(loaded)["active"] == (len(active) - len(active) // 2,)
    assert catalog_state(loaded)["medications"][0] == GOOD_PACKAGES  # marked inactive, never deleted


# -- zips -----------------------------------------------------------------------------------------


def fda_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(PRODUCTS, "unfinished_product.txt")
        zf.write(PACKAGES, "unfinished_package.txt")
    return path


def decoy_beside(folder: Path) -> None:
    """A header-only pair of files next to the zip: the old fallback would have imported them."""
    write_export(folder, products=fda_lines(PRODUCTS)[:2], packages=fda_lines(PACKAGES)[:1])


def damage(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "truncated":
        path.write_bytes(bytes(data[: len(data) // 2]))
    elif how == "flipped":  # bytes in the middle of the compressed package member
        middle = len(data) * 3 // 4
        data[middle : middle + 64] = bytes(b ^ 0x5A for b in data[middle : middle + 64])
        path.write_bytes(bytes(data))
    elif how == "one bit":  # caught by the member's CRC only once it has been read to the end
        data[len(data) * 3 // 4] ^= 0x01
        path.write_bytes(bytes(data))
    elif how == "not a zip":
        path.write_bytes(b"<html>503 Service Unavailable</html>")


@pytest.mark.parametrize("how", ["truncated", "flipped", "one bit", "not a zip"])
def test_a_damaged_zip_is_an_error_naming_it_never_the_files_beside_it(loaded, tmp_path, how):
    archive = fda_zip(tmp_path / "ndc_unfinished.zip")
    decoy_beside(tmp_path)
    damage(archive, how)
    before = catalog_state(loaded)

    with pytest.raises(CatalogFormatError) as error:
        import_catalog(loaded, archive, allow_deactivate=True, partial=True)

    assert str(archive) in error.value.message
    assert "damaged or incomplete" in error.value.message and "download the file again" in error.value.message
    assert catalog_state(loaded) == before


def test_a_sound_zip_still_imports(database_url, tmp_path):
    summary = import_catalog(database_url, fda_zip(tmp_path / "ndc_unfinished.zip"), partial=True)
    assert summary.added == GOOD_PACKAGES


def test_a_stray_file_is_not_taken_for_its_folder(loaded, tmp_path):
    write_export(tmp_path)
    stray = tmp_path / "notes.txt"
    stray.write_text("not a catalog")
    with pytest.raises(CatalogFormatError, match="neither a zip file nor product.txt/package.txt"):
        import_catalog(loaded, stray)


# -- one transaction ---------------------------------------------------------------------------


class Boom(RuntimeError):
    pass


@pytest.mark.parametrize("step", [1, 3, 5, 6])
def test_a_failure_at_any_step_leaves_the_catalog_exactly_as_before(loaded, tmp_path, step):
    lines = fda_lines(PACKAGES)
    changed = write_export(
        tmp_path / "changed",
        packages=[line.replace(b"1 DRUM", b"1 DRUM, STEEL") for line in lines if MALFORMED_LINE not in line][:-50],
    )
    before = catalog_state(loaded)

    def progress(phase, done, total):
        if phase == "saving" and done >= step:
            raise Boom(f"forced failure at saving step {step}")

    with pytest.raises(Boom):
        import_catalog(loaded, changed, progress=progress)
    assert catalog_state(loaded) == before

    summary = import_catalog(loaded, changed)  # nothing left behind: the same import then works
    assert summary.deactivated == 50 and summary.updated > 0
    assert catalog_state(loaded) != before


# -- the command line -----------------------------------------------------------------------------


def cli(*args: str) -> int:
    from pharmacy_desktop.cli import main

    return main(["catalog", "import", *args])


def test_cli_exit_codes(loaded, tmp_path, capsys):
    data = PACKAGES.read_bytes()
    cut = write_export(tmp_path / "cut")
    (cut / "unfinished_package.txt").write_bytes(data[: len(data) // 3])
    before = catalog_state(loaded)

    assert cli(str(cut), "--database-url", loaded) == 3
    out, err = capsys.readouterr()
    assert "refused, nothing was changed" in err and "--allow-deactivate" in err and "--partial" in err
    assert "tab-separated fields" in err  # the rejected row is listed
    assert "added:" not in out
    assert catalog_state(loaded) == before

    assert cli(str(cut), "--allow-deactivate", "--database-url", loaded) == 3  # still the bad row
    assert cli(str(cut), "--partial", "--database-url", loaded) == 3  # still the 2/3 going inactive
    assert catalog_state(loaded) == before

    archive = fda_zip(tmp_path / "ndc_unfinished.zip")
    damage(archive, "truncated")
    capsys.readouterr()
    assert cli(str(archive), "--allow-deactivate", "--partial", "--database-url", loaded) == 2
    assert f"error: {archive}: the zip file is damaged" in capsys.readouterr().err
    assert catalog_state(loaded) == before

    assert cli(str(cut), "--allow-deactivate", "--partial", "--database-url", loaded) == 0
    out, _ = capsys.readouterr()
    assert "deactivated:" in out and "rejected:    1" in out
    assert catalog_state(loaded)["active"][0] < GOOD_PACKAGES // 2


def test_the_share_counts_every_package_the_file_could_deactivate(database_url):
    # Packages first imported under another catalog source can still be ended by this file: they
    # belong to the active catalog the 5 % is taken of (there was a division by zero here).
    import datetime as dt

    import_catalog(database_url, SHARED, partial=True, source="another-source", today=dt.date(2000, 1, 1))
    assert catalog_state(database_url)["active"] == (GOOD_PACKAGES,)
    summary = import_catalog(database_url, SHARED, partial=True)  # today: 2018 marketing end dates passed
    ended = GOOD_PACKAGES - len(active_codes(database_url))
    assert summary.deactivated == ended > 0
    assert summary.extra["active_before"] == GOOD_PACKAGES
