"""Streaming readers for the FDA NDC Directory: ``product.txt`` and ``package.txt``.

Accepts a folder or FDA's zip (``ndctext.zip``, ``ndc_unfinished.zip``: ``product.txt`` or
``unfinished_product.txt`` members, at any depth). Files are Windows-1252, tab-delimited, CRLF,
never quoted (a labeler name may hold a lone ``"``), and columns are found by header name, so
the finished layout and the reduced "unfinished" layout both read. A row that cannot be used
yields a :class:`Rejection` with the reason; nothing here raises for a bad row.

Rows are read one line at a time from the byte stream, so memory does not grow with the file.
"""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, NamedTuple

from pharmacy_desktop.domain.ndc import InvalidNDC, parse_ndc
from pharmacy_desktop.errors import PharmacyError

ENCODING = "cp1252"
PRODUCT_FILES = ("product.txt", "unfinished_product.txt")
PACKAGE_FILES = ("package.txt", "unfinished_package.txt")
LAYOUT_FINISHED = "finished"
LAYOUT_UNFINISHED = "unfinished"
DEA_SCHEDULES = frozenset({"CI", "CII", "CIII", "CIV", "CV"})

# progress(done_bytes, total_bytes) while a file is read
ByteProgress = Callable[[int, int], None]

_C1_HANDLER = "pharmacy-cp1252-c1"
_PRODUCT_NDC = re.compile(r"^(\d{4}-\d{4}|\d{5}-\d{3}|\d{5}-\d{4}|\d{6}-\d{4})$")
_PROGRESS_EVERY = 5000


def _decode_undefined_as_latin1(exc: UnicodeError) -> tuple[str, int]:
    # cp1252 leaves 0x81, 0x8D, 0x8F, 0x90, 0x9D undefined; browsers (WHATWG) and FDA's own
    # tools pass them through as C1 controls, which keeps the row instead of losing it.
    if isinstance(exc, UnicodeDecodeError):
        return exc.object[exc.start : exc.end].decode("latin-1"), exc.end
    raise exc


codecs.register_error(_C1_HANDLER, _decode_undefined_as_latin1)


class CatalogFormatError(PharmacyError, ValueError):
    """The files cannot be imported at all (missing file or column); the message says which."""


class Rejection(NamedTuple):
    """A row that was skipped: its line in its file, and why (the reason names the file)."""

    line: int
    reason: str


class ProductRow(NamedTuple):
    line: int
    product_id: str
    product_ndc: str
    product_type: str | None
    proprietary_name: str | None
    proprietary_name_suffix: str | None
    nonproprietary_name: str | None
    dosage_form: str | None
    route: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    marketing_category: str | None
    application_number: str | None
    labeler_name: str | None
    substance_name: str | None
    active_numerator_strength: str | None
    active_ingredient_unit: str | None
    pharm_classes: str | None
    dea_schedule: str | None
    ndc_exclude_flag: str | None
    listing_certified_through: dt.date | None


class PackageRow(NamedTuple):
    line: int
    product_id: str
    package_ndc: str  # the labeler's hyphenated form
    ndc_key: str  # 11 digits (12 for a 6-4-2 NDC)
    description: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    ndc_exclude_flag: str | None
    sample_package: str | None


class RowError(ValueError):
    """One field of one row is unusable."""


# -- field parsing ------------------------------------------------------------------------------


def parse_date(value: str, column: str) -> dt.date | None:
    if not value:
        return None
    if len(value) == 8 and value.isascii() and value.isdigit():
        try:
            return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            pass
    raise RowError(f"{column} {value!r} is not a date (YYYYMMDD)")


# -- one table --------------------------------------------------------------------------------


class TableReader:
    """Rows of one tab-delimited file as ``(line, fields)``, with column lookup by header name."""

    def __init__(self, stream: IO[bytes], name: str, total_bytes: int):
        self.stream = stream
        self.name = name
        self.total_bytes = total_bytes
        self.done_bytes = 0
        first = stream.readline()
        self.done_bytes += len(first)
        header = _decode(first.removeprefix(b"\xef\xbb\xbf"))
        self.columns = [c.strip().upper() for c in header.split("\t")]
        self._index = {c: i for i, c in enumerate(self.columns) if c}

    def index(self, column: str) -> int | None:
        return self._index.get(column)

    def require(self, *columns: str) -> None:
        missing = [c for c in columns if c not in self._index]
        if missing:
            raise CatalogFormatError(
                f"{self.name}: column(s) {', '.join(missing)} missing from the header "
                f"(found: {', '.join(self.columns)})"
            )

    def rows(self, progress: ByteProgress | None = None) -> Iterator[tuple[int, list[str]] | Rejection]:
        width = len(self.columns)
        line = 1
        for raw in self.stream:
            line += 1
            self.done_bytes += len(raw)
            if progress is not None and line % _PROGRESS_EVERY == 0:
                progress(self.done_bytes, self.total_bytes)
            text = _decode(raw)
            if not text.strip():
                continue
            fields = text.split("\t")
            if len(fields) != width:
                yield Rejection(
                    line,
                    f"{self.name} line {line}: expected {width} tab-separated fields, found {len(fields)}",
                )
                continue
            yield line, fields
        if progress is not None:
            progress(self.total_bytes, self.total_bytes)


def _decode(raw: bytes) -> str:
    text = raw.decode(ENCODING, errors=_C1_HANDLER).rstrip("\r\n")
    # PostgreSQL text cannot hold NUL; a NUL in a directory file is damage, not data.
    return text.replace("\x00", "") if "\x00" in text else text


PRODUCT_COLUMNS = (
    "PRODUCTID",
    "PRODUCTNDC",
    "PRODUCTTYPENAME",
    "PROPRIETARYNAME",
    "PROPRIETARYNAMESUFFIX",
    "NONPROPRIETARYNAME",
    "DOSAGEFORMNAME",
    "ROUTENAME",
    "STARTMARKETINGDATE",
    "ENDMARKETINGDATE",
    "MARKETINGCATEGORYNAME",
    "APPLICATIONNUMBER",
    "LABELERNAME",
    "SUBSTANCENAME",
    "ACTIVE_NUMERATOR_STRENGTH",
    "ACTIVE_INGRED_UNIT",
    "PHARM_CLASSES",
    "DEASCHEDULE",
    "NDC_EXCLUDE_FLAG",
    "LISTING_RECORD_CERTIFIED_THROUGH",
)
PACKAGE_COLUMNS = (
    "PRODUCTID",
    "PRODUCTNDC",
    "NDCPACKAGECODE",
    "PACKAGEDESCRIPTION",
    "STARTMARKETINGDATE",
    "ENDMARKETINGDATE",
    "NDC_EXCLUDE_FLAG",
    "SAMPLE_PACKAGE",
)
_PACKAGE_NDC = re.compile(r"([0-9]{4,6})-([0-9]{3,4})-([0-9]{1,2})")
_LABELER_SHAPES = frozenset({(4, 4, 2), (5, 3, 2), (5, 4, 1), (6, 4, 2)})


def _picker(reader: TableReader, columns: tuple[str, ...]) -> Callable[[list[str]], list[str]]:
    """The named columns of a row, stripped, in ``columns`` order ('' for absent columns)."""
    idx = [reader.index(c) for c in columns]
    return lambda f: [f[i].strip() if i is not None else "" for i in idx]


@functools.lru_cache(maxsize=16384)
def _date(value: str, column: str) -> dt.date | None:
    return parse_date(value, column)


def read_products(reader: TableReader, progress: ByteProgress | None = None) -> Iterator[ProductRow | Rejection]:
    """Products of ``product.txt`` (either layout); rejected rows come back as Rejection."""
    reader.require("PRODUCTID", "PRODUCTNDC")
    if reader.index("PROPRIETARYNAME") is None and reader.index("NONPROPRIETARYNAME") is None:
        raise CatalogFormatError(f"{reader.name}: neither PROPRIETARYNAME nor NONPROPRIETARYNAME in the header")
    pick = _picker(reader, PRODUCT_COLUMNS)
    for item in reader.rows(progress):
        if isinstance(item, Rejection):
            yield item
            continue
        line, f = item
        try:
            yield _product(line, pick(f))
        except RowError as exc:
            yield Rejection(line, f"{reader.name} line {line}: {exc}")


def _product(line: int, v: list[str]) -> ProductRow:
    (
        product_id,
        product_ndc,
        product_type,
        proprietary,
        suffix,
        nonproprietary,
        form,
        route,
        start,
        end,
        category,
        application,
        labeler,
        substance,
        strength,
        unit,
        classes,
        dea,
        flag,
        listing,
    ) = v
    if not product_id:
        raise RowError("PRODUCTID is empty")
    if not _PRODUCT_NDC.match(product_ndc):
        raise RowError(f"PRODUCTNDC {product_ndc!r} is not a product NDC (labeler-product, e.g. 0002-3227)")
    dea = dea.upper()
    if dea and dea not in DEA_SCHEDULES:
        raise RowError(f"DEASCHEDULE {dea!r} is not one of CI, CII, CIII, CIV, CV")
    if len(flag) > 1:
        raise RowError(f"NDC_EXCLUDE_FLAG {flag!r} is not a one-letter flag")
    if not (proprietary or nonproprietary):
        raise RowError("no drug name (PROPRIETARYNAME and NONPROPRIETARYNAME are empty)")
    return ProductRow(
        line,
        product_id,
        product_ndc,
        product_type or None,
        proprietary or None,
        suffix or None,
        nonproprietary or None,
        form or None,
        route or None,
        _date(start, "STARTMARKETINGDATE"),
        _date(end, "ENDMARKETINGDATE"),
        category or None,
        application or None,
        labeler or None,
        substance or None,
        strength or None,
        unit or None,
        classes or None,
        dea or None,
        flag or None,
        _date(listing, "LISTING_RECORD_CERTIFIED_THROUGH"),
    )


def read_packages(reader: TableReader, progress: ByteProgress | None = None) -> Iterator[PackageRow | Rejection]:
    """Packages of ``package.txt`` (either layout); rejected rows come back as Rejection."""
    reader.require("PRODUCTID", "NDCPACKAGECODE")
    pick = _picker(reader, PACKAGE_COLUMNS)
    for item in reader.rows(progress):
        if isinstance(item, Rejection):
            yield item
            continue
        line, f = item
        try:
            yield _package(line, pick(f))
        except RowError as exc:
            yield Rejection(line, f"{reader.name} line {line}: {exc}")


def package_key(code: str) -> str:
    """The catalog key of a labeler's hyphenated package NDC; RowError says why not."""
    m = _PACKAGE_NDC.fullmatch(code)
    if m and tuple(len(g) for g in m.groups()) in _LABELER_SHAPES:
        a, b, c = m.groups()
        return a + b + c if len(a) == 6 else a.zfill(5) + b.zfill(4) + c.zfill(2)
    try:
        ndc = parse_ndc(code)
    except InvalidNDC as exc:
        raise RowError(f"NDCPACKAGECODE {code!r} is not a package NDC: {exc}") from None
    raise RowError(f"NDCPACKAGECODE {code!r} is not a labeler's NDC (shape {ndc.shape})")


def _package(line: int, v: list[str]) -> PackageRow:
    product_id, product_ndc, code, description, start, end, flag, sample = v
    if not product_id:
        raise RowError("PRODUCTID is empty")
    key = package_key(code)
    if product_ndc and not code.startswith(product_ndc + "-"):
        raise RowError(f"NDCPACKAGECODE {code!r} is not a package of product {product_ndc}")
    return PackageRow(
        line,
        product_id,
        code,
        key,
        description or None,
        _date(start, "STARTMARKETINGDATE"),
        _date(end, "ENDMARKETINGDATE"),
        flag or None,
        sample or None,
    )


# -- folder or zip ------------------------------------------------------------------------------

_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError)


def damaged_zip(path: Path, exc: BaseException, member: str | None = None) -> CatalogFormatError:
    where = f" (member {member})" if member else ""
    return CatalogFormatError(
        f"{path}: the zip file is damaged or incomplete{where}: {exc}. Nothing was imported; download the file again."
    )


def _looks_like_zip(path: Path) -> bool:
    """Named .zip or starting with a zip signature: a zip, even if too damaged to open."""
    if path.suffix.lower() == ".zip":
        return True
    with open(path, "rb") as f:
        return f.read(2) == b"PK"


class _ZipMember:
    """A member's byte stream whose damage (bad CRC, corrupt deflate data, cut short) surfaces
    as a CatalogFormatError naming the zip, in the middle of the read where it is found."""

    def __init__(self, stream: IO[bytes], path: Path, name: str):
        self._stream, self._path, self._name = stream, path, name

    def readline(self) -> bytes:
        try:
            return self._stream.readline()
        except _ZIP_ERRORS as exc:
            raise damaged_zip(self._path, exc, self._name) from None

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line


class CatalogFiles:
    """The two files of one directory export; use as a context manager, read each once."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._stack = ExitStack()
        self._zip: zipfile.ZipFile | None = None
        self._product_name, self._package_name = self._locate()
        self.layout = LAYOUT_UNFINISHED
        self.product_bytes = self._size(self._product_name)
        self.package_bytes = self._size(self._package_name)

    def _locate(self) -> tuple[str, str]:
        path = self.path
        if path.is_file() and (zipfile.is_zipfile(path) or _looks_like_zip(path)):
            # A damaged zip is an error naming it: never the files that happen to lie beside it.
            try:
                self._zip = self._stack.enter_context(zipfile.ZipFile(path))
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                raise damaged_zip(path, exc) from None
            names = [n for n in self._zip.namelist() if not n.endswith("/")]
        else:
            if path.is_file():
                if path.name.lower() not in PRODUCT_FILES + PACKAGE_FILES:
                    raise CatalogFormatError(
                        f"{path}: neither a zip file nor product.txt/package.txt; give FDA's zip "
                        "or the folder holding product.txt and package.txt"
                    )
                path = self.path = path.parent  # product.txt given: its folder
            if not path.is_dir():
                raise CatalogFormatError(f"{self.path}: no such folder or zip file")
            names = [p.name for p in path.iterdir() if p.is_file()]
        return self._pick(names, PRODUCT_FILES), self._pick(names, PACKAGE_FILES)

    def _pick(self, names: list[str], wanted: tuple[str, ...]) -> str:
        by_base = {n.rsplit("/", 1)[-1].lower(): n for n in names}
        for base in wanted:
            if base in by_base:
                return by_base[base]
        raise CatalogFormatError(f"{self.path}: no {' or '.join(wanted)} found")

    def _size(self, name: str) -> int:
        if self._zip is not None:
            return self._zip.getinfo(name).file_size
        return (self.path / name).stat().st_size

    def _open(self, name: str) -> IO[bytes]:
        if self._zip is not None:
            try:
                member = self._stack.enter_context(self._zip.open(name))
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError) as exc:
                raise damaged_zip(self.path, exc, name) from None
            return _ZipMember(member, self.path, name)  # type: ignore[return-value]
        return self._stack.enter_context(open(self.path / name, "rb", buffering=1 << 20))

    @property
    def product_name(self) -> str:
        return self._product_name.rsplit("/", 1)[-1]

    @property
    def package_name(self) -> str:
        return self._package_name.rsplit("/", 1)[-1]

    def product_reader(self) -> TableReader:
        reader = TableReader(self._open(self._product_name), self.product_name, self.product_bytes)
        if reader.index("PROPRIETARYNAME") is not None:
            self.layout = LAYOUT_FINISHED
        return reader

    def package_reader(self) -> TableReader:
        return TableReader(self._open(self._package_name), self.package_name, self.package_bytes)

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> CatalogFiles:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
