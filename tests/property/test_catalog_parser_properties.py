"""The FDA catalog parser: any bytes in a row give a row or a Rejection whose reason names the
file and the line, never an exception; only an unusable header raises (CatalogFormatError);
package codes convert to the same key as the NDC module; the naming helpers never raise."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from pharmacy_desktop.catalog import fields
from pharmacy_desktop.catalog.fda import (
    PACKAGE_COLUMNS,
    PRODUCT_COLUMNS,
    CatalogFormatError,
    PackageRow,
    ProductRow,
    Rejection,
    RowError,
    TableReader,
    package_key,
    parse_date,
    read_packages,
    read_products,
)
from pharmacy_desktop.domain.ndc import to_ndc11
from pharmacy_desktop.domain.product_names import Ingredient, product_strength
from tests.property.conftest import FEW, PROPERTY, assert_message
from tests.property.test_ndc_properties import labeler_ndc

FIELD = st.one_of(
    st.text(max_size=12).map(lambda t: t.encode("cp1252", errors="replace")),
    st.binary(max_size=12).filter(lambda b: b"\n" not in b and b"\r" not in b),
    st.sampled_from(
        [
            b"",
            b"CII",
            b"DEA",
            b"20150231",
            b"20180625",
            b"0002-3227",
            b"0002-3227-01",
            b"02",
            b"53157-121-BO",
            b"ACETAMINOPHEN; HYDROCODONE BITARTRATE",
            b"500; 5",
            b"mg/1; mg/1",
            b"\x00",
            b"\x81\x8d",
            b'"',
            b"<text>",
        ]
    ),
)


def table(columns: tuple[str, ...], rows: list[list[bytes]]) -> bytes:
    header = "\t".join(columns).encode()
    return b"\r\n".join([header] + [b"\t".join(r) for r in rows]) + b"\r\n"


def rows_of(columns: tuple[str, ...], extra: int = 2):
    # mostly the right width, sometimes a tab short or long: both must be handled
    width = st.integers(min_value=max(1, len(columns) - extra), max_value=len(columns) + extra)
    return st.lists(width.flatmap(lambda n: st.lists(FIELD, min_size=n, max_size=n)), max_size=8)


def check(items, name: str, row_type) -> None:
    for item in items:
        if isinstance(item, Rejection):
            assert item.reason.startswith(f"{name} line {item.line}: ") and len(item.reason) > len(name) + 10
        else:
            assert isinstance(item, row_type)


@PROPERTY
@given(rows_of(PRODUCT_COLUMNS))
def test_any_product_row_is_a_product_or_a_reasoned_rejection(rows):
    data = table(PRODUCT_COLUMNS, rows)
    check(read_products(TableReader(io.BytesIO(data), "product.txt", len(data))), "product.txt", ProductRow)


@PROPERTY
@given(rows_of(PACKAGE_COLUMNS))
def test_any_package_row_is_a_package_or_a_reasoned_rejection(rows):
    data = table(PACKAGE_COLUMNS, rows)
    packages = list(read_packages(TableReader(io.BytesIO(data), "package.txt", len(data))))
    check(packages, "package.txt", PackageRow)
    for row in packages:
        if isinstance(row, PackageRow):
            assert len(row.ndc_key) in (11, 12) and row.ndc_key.isdigit()


@FEW
@given(st.binary(max_size=200))
def test_any_header_reads_or_raises_catalog_format_error(data):
    for read, name in ((read_products, "product.txt"), (read_packages, "package.txt")):
        try:
            items = list(read(TableReader(io.BytesIO(data), name, len(data))))
        except CatalogFormatError as exc:
            assert_message(exc)
            assert str(exc).startswith(f"{name}: ")
            continue
        assert all(isinstance(i, (Rejection, ProductRow, PackageRow)) for i in items)


@PROPERTY
@given(st.one_of(st.text(max_size=10), st.text(alphabet="0123456789", min_size=8, max_size=8)))
def test_dates_parse_or_say_why_not(value):
    try:
        parse_date(value, "STARTMARKETINGDATE")
    except RowError as exc:
        assert_message(exc)
        assert "STARTMARKETINGDATE" in str(exc)


@PROPERTY
@given(st.one_of(st.text(max_size=16), st.text(alphabet="0123456789-", max_size=16)))
def test_any_package_code_gives_a_key_or_a_reason(code):
    try:
        key = package_key(code)
    except RowError as exc:
        assert_message(exc)
        assert "NDCPACKAGECODE" in str(exc)
        return
    assert key.isdigit() and len(key) in (11, 12)


@PROPERTY
@given(labeler_ndc())
def test_package_codes_convert_like_typed_ndcs(ndc_and_shape):
    hyphenated, _ = ndc_and_shape
    assert package_key(hyphenated) == to_ndc11(hyphenated)


TEXT = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.sampled_from(["ACETAMINOPHEN; HYDROCODONE BITARTRATE", "500; 5", "mg/1; mg/5mL", ".5; 1", ";;"]),
)


@PROPERTY
@given(TEXT, TEXT, TEXT, TEXT, st.integers(min_value=1, max_value=60))
def test_field_helpers_never_raise(substances, strengths, units, name, width):
    items = fields.ingredients(substances, strengths, units)
    text = fields.strength_text(items, width)
    assert text is None or len(text) <= width
    assert fields.shorten(name, width) is None or len(fields.shorten(name, width)) <= width
    fields.medication_names(name, None, substances)
    fields.pharm_class_fields(name)
    fields.manufacturer_name(name)
    shown = product_strength(name, [Ingredient(*i) for i in items], text, substances)
    assert shown is None or isinstance(shown, str)


WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=4, max_size=10)


@PROPERTY
@given(
    st.lists(
        st.tuples(WORD, st.integers(min_value=1, max_value=99999)), min_size=2, max_size=5, unique_by=lambda t: t[0]
    ),
    st.randoms(use_true_random=False),
)
def test_strengths_follow_whatever_order_the_name_gives(pairs, rnd):
    items = sorted((Ingredient(w.upper(), str(n), "mg/1") for w, n in pairs), key=lambda i: i.name)  # FDA order
    named = list(items)
    rnd.shuffle(named)
    name = ", ".join(i.name.title() for i in named[:-1]) + " and " + named[-1].name.title()
    assert product_strength(name, items) == "/".join(f"{i.strength} mg" for i in named)
    # a brand name that names none of them: each ingredient with its own strength, FDA's order
    paired = product_strength("Brandname", items)
    shown = [f"{i.name.lower()} {i.strength} mg" for i in items]
    assert paired == " / ".join(shown) if len(items) <= 4 else paired.startswith(" / ".join(shown[:3]))
