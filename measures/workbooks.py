"""The export rule for measures published only as spreadsheets (the
reference folder's SOURCES.md): one sheet of a workbook, from its header
row on, written as CSV. The rule reproduces the reference folder's CSV byte
for byte, so the export is checked against a SHA-256 like any fetched file.

A workbook is opened only once its own SHA-256 is the pinned one: no bytes
but the published ones reach the spreadsheet readers."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .definitions import MeasureError


def export(path: str | Path, sheet: str, header_row: int, columns: Sequence[str] | None = None) -> bytes:
    """The CSV of ``sheet`` of the workbook at ``path``: an ``.xlsx`` by
    openpyxl, an ``.xls`` by xlrd. Raises MeasureError when the sheet, the
    header row or a column is not there, or the file is not a workbook."""
    name = Path(path).name
    try:
        if name.lower().endswith(".xlsx"):
            return _xlsx(path, sheet, header_row, columns)
        return _xls(path, sheet, header_row)
    except MeasureError as exc:
        raise MeasureError(f"{name}: {exc}") from None
    except (OSError, ValueError, KeyError, IndexError, zipfile.BadZipFile) as exc:
        raise MeasureError(f"{name}: cannot be read as a workbook ({type(exc).__name__})") from None


def _csv(rows: Iterable[Sequence[str]]) -> bytes:
    # Python's csv writer as it writes by default (quoting as needed, \r\n line ends).
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def _text(value: Any) -> str:
    """A cell as the rule writes it: empty for an empty cell, else as Python prints the value."""
    return "" if value is None else str(value)


def _xlsx(path: str | Path, sheet: str, header_row: int, columns: Sequence[str] | None) -> bytes:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        if sheet not in book.sheetnames:
            raise MeasureError(f"no sheet {sheet!r}")
        rows = book[sheet].iter_rows(min_row=header_row, values_only=True)
        header = [_text(v) for v in next(rows, ())]
        if not any(header):
            raise MeasureError(f"row {header_row} of sheet {sheet!r} is empty, not a header")
        missing = [c for c in columns or () if c not in header]
        if missing:
            raise MeasureError(f"sheet {sheet!r} has no column {missing[0]!r}")
        keep = [header.index(c) for c in columns] if columns else list(range(len(header)))
        out = [[header[i] for i in keep]]
        for row in rows:
            if all(v is None or v == "" for v in row):
                continue
            out.append([_text(row[i]) if i < len(row) else "" for i in keep])
        return _csv(out)
    finally:
        book.close()


def _xls(path: str | Path, sheet: str, header_row: int) -> bytes:
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except xlrd.biffh.XLRDError as exc:
        raise MeasureError(f"cannot be read as a workbook ({str(exc)[:100]})") from None
    try:
        if sheet not in book.sheet_names():
            raise MeasureError(f"no sheet {sheet!r}")
        found = book.sheet_by_name(sheet)
        if found.nrows < header_row:
            raise MeasureError(f"sheet {sheet!r} has no row {header_row}")
        return _csv([str(v).strip() for v in found.row_values(r)] for r in range(header_row - 1, found.nrows))
    finally:
        book.release_resources()
