"""What ``measures.toml`` may say, strictly checked: one table per measure,
every field required, nothing unknown; and the table ``files``, where each
reference file is published and its SHA-256."""

import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_type_hints
from urllib.parse import urlsplit

MEASURES_FILE = Path(__file__).resolve().parent / "measures.toml"
NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
KEY_PATTERNS = {
    "soc2018": re.compile(r"^\d{2}-\d{4}$"),
    "soc2010": re.compile(r"^\d{2}-\d{4}$"),
    "onet": re.compile(r"^\d{2}-\d{4}\.\d{2}$"),
    "isco08": re.compile(r"^\d{3,4}$"),
}
METHODS = ("rubric LLM", "human annotators", "usage logs", "ability mapping")
FILES = "files"  # the table of reference files, not a measure
SHA256 = re.compile(r"^[0-9a-f]{64}$")
PATH = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")
FULL_COMMIT = re.compile(r"/[0-9a-f]{40}/")
WORKBOOK_FIELDS = ("workbook", "workbook_sha256", "sheet", "header_row")
WORKBOOK_SUFFIXES = (".xlsx", ".xls")
YEARS = (1900, 2100)


class MeasureError(ValueError):
    pass


@dataclass(frozen=True)
class Measure:
    name: str
    title: str
    short: str
    authors: str
    year: int
    citation: str
    licence: str
    source_url: str
    method: str
    unit: str
    min: float
    max: float
    direction: str
    level: str
    consensus: bool
    file: str
    key: str
    key_kind: str
    value: str
    about: str
    caveats: str


@dataclass(frozen=True)
class SourceFile:
    """A reference file: its place in the reference folder and the SHA-256
    of the file as the loader reads it. A file published as it is gives the
    address it is published at (``url``); a file exported from a published
    workbook gives the workbook's address and SHA-256 instead, and the sheet,
    header row and (optionally) columns that the export rule takes
    (``measures/workbooks.py``). Every address names a full commit."""

    path: str
    sha256: str
    url: str | None = None
    workbook: str | None = None
    workbook_sha256: str | None = None
    sheet: str | None = None
    header_row: int | None = None
    columns: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Definitions:
    measures: list[Measure]
    files: list[SourceFile]


def definitions(path: str | Path = MEASURES_FILE) -> list[Measure]:
    """Every measure in ``measures.toml``, strictly checked."""
    return load_definitions(path).measures


def load_definitions(path: str | Path = MEASURES_FILE) -> Definitions:
    """Every measure and reference file in ``measures.toml``, strictly checked."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MeasureError(f"{Path(path).name}: {str(exc)[:200]}") from None
    files = source_files(raw.pop(FILES, {}), Path(path).name)
    # Each field's class, for isinstance() below (get_type_hints, unlike a
    # dataclass field's .type, is a class even were annotations postponed).
    wanted = {name: kind for name, kind in get_type_hints(Measure).items() if name != "name"}
    out = []
    for name, table in raw.items():
        where = f"{Path(path).name} [{name}]"
        if not NAME.match(name):
            raise MeasureError(f"{where}: a name is 2-40 lower-case letters, digits and _")
        if not isinstance(table, dict):
            raise MeasureError(f"{where}: expected a table")
        unknown, missing = set(table) - set(wanted), set(wanted) - set(table)
        if unknown or missing:
            raise MeasureError(
                f"{where}: "
                + "; ".join(
                    filter(
                        None,
                        [
                            f"unknown {', '.join(sorted(unknown))}" if unknown else None,
                            f"missing {', '.join(sorted(missing))}" if missing else None,
                        ],
                    )
                )
            )
        values: dict[str, Any] = {}
        for key, kind in wanted.items():
            value = table[key]
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise MeasureError(f"{where}: {key} must be a {kind.__name__}")
            values[key] = " ".join(value.split()) if key in ("about", "caveats", "citation") else value
        if values["key_kind"] not in KEY_PATTERNS:
            raise MeasureError(f"{where}: key_kind must be one of {', '.join(KEY_PATTERNS)}")
        if values["method"] not in METHODS:
            raise MeasureError(f"{where}: method must be one of {', '.join(METHODS)}")
        if not (math.isfinite(values["min"]) and math.isfinite(values["max"])):
            raise MeasureError(f"{where}: min and max must be finite numbers")
        if not values["min"] < values["max"]:
            raise MeasureError(f"{where}: min must be below max")
        if not YEARS[0] <= values["year"] <= YEARS[1]:
            raise MeasureError(f"{where}: year must be between {YEARS[0]} and {YEARS[1]}")
        if not values["source_url"].startswith("https://"):
            raise MeasureError(f"{where}: source_url must be an https:// address")
        out.append(Measure(name=name, **values))
    return Definitions(out, files)


def source_files(raw: Any, where: str) -> list[SourceFile]:
    """The ``[files."PATH"]`` tables: sha256, and either url or workbook,
    workbook_sha256, sheet, header_row (and columns)."""
    if not isinstance(raw, dict):
        raise MeasureError(f"{where} [{FILES}]: expected a table of files")
    out = []
    for path, table in raw.items():
        here = f"{where} [{FILES}.{path!r}]"
        if not PATH.match(path) or ".." in path.split("/"):
            raise MeasureError(f"{here}: a file's path is a relative path inside the reference folder")
        if not isinstance(table, dict):
            raise MeasureError(f"{here}: expected a table")
        unknown = set(table) - {"url", "sha256", *WORKBOOK_FIELDS, "columns"}
        if unknown:
            raise MeasureError(f"{here}: unknown {', '.join(sorted(unknown))}")
        sha = table.get("sha256")
        if not isinstance(sha, str) or not SHA256.match(sha):
            raise MeasureError(f"{here}: sha256 must be 64 lower-case hex digits")
        if "url" in table:
            if set(table) & {*WORKBOOK_FIELDS, "columns"}:
                raise MeasureError(f"{here}: give either url (a file published as it is) or workbook, not both")
            out.append(SourceFile(path, sha, url=pinned_address(table["url"], f"{here}: url")))
            continue
        missing = [f for f in WORKBOOK_FIELDS if f not in table]
        if missing:
            raise MeasureError(f"{here}: give url (a file published as it is) or workbook with {', '.join(WORKBOOK_FIELDS[1:])}")
        book, book_sha, sheet, header = (table[f] for f in WORKBOOK_FIELDS)
        if not isinstance(book_sha, str) or not SHA256.match(book_sha):
            raise MeasureError(f"{here}: workbook_sha256 must be 64 lower-case hex digits")
        if not isinstance(sheet, str) or not sheet:
            raise MeasureError(f"{here}: sheet must be a sheet's name")
        if not isinstance(header, int) or isinstance(header, bool) or not 1 <= header <= 1000:
            raise MeasureError(f"{here}: header_row must be a row number, 1 to 1000")
        columns = table.get("columns")
        if columns is not None and not (isinstance(columns, list) and columns and all(isinstance(c, str) and c for c in columns)):
            raise MeasureError(f"{here}: columns must be a list of column names")
        address = pinned_address(book, f"{here}: workbook")
        if not address.lower().endswith(WORKBOOK_SUFFIXES):
            raise MeasureError(f"{here}: workbook must be a {' or '.join(WORKBOOK_SUFFIXES)} file")
        out.append(SourceFile(path, sha, None, address, book_sha, sheet, header, None if columns is None else tuple(columns)))
    return out


def pinned_address(url: Any, where: str) -> str:
    """``url``, checked to be fetchable and to name a full commit (a path
    segment of 40 hex digits): an abbreviated commit can come to name
    another one, a branch any."""
    if not (isinstance(url, str) and fetchable(url)):
        raise MeasureError(f"{where} must be an https:// address")
    if not FULL_COMMIT.search(urlsplit(url).path):
        raise MeasureError(f"{where} must name a full commit (40 hex digits), not a branch or an abbreviation")
    return url


def fetchable(url: str) -> bool:
    """An https:// address, or an http:// one on loopback (a test's server)."""
    return url.startswith("https://") or bool(re.match(r"^http://(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?/", url))
