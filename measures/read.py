"""Reading the reference folder: every file streamed once, checked whole, and
recorded (bytes, rows, keys, SHA-256) for the manifest, so that nothing is written
from a file that is not what it should be.

A file must be a regular file of UTF-8 text with no NUL byte, under
MAX_BYTES, with the columns its reader names in its header and as many fields
on every row as the header has. Rows are handed on one at a time, holding
only the columns asked for, so memory stays bounded whatever the file's size.
"""

from __future__ import annotations

import csv
import hashlib
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .definitions import MeasureError

# The largest reference file is under 4 MB; a file past this is not one of them.
MAX_BYTES = 64 * 2**20
CHUNK = 2**16


@dataclass(frozen=True)
class FileRecord:
    """What was read of one file: a row of the manifest (measure_files)."""

    file: str
    sha256: str
    bytes: int
    rows: int
    ends_with_newline: bool
    keys: int | None = None  # distinct keys among the rows; None for a manifest written before keys were counted


class Reference:
    """The reference folder, and a record of every file read from it."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.read: dict[str, FileRecord] = {}

    def path(self, name: str) -> Path:
        """The file ``name``, checked to be a regular file of a sane size."""
        path = self.folder / name
        try:
            info = os.stat(path)  # follows a symlink: what it points to is what is read
        except FileNotFoundError:
            raise MeasureError(f"{name} is not in {self.folder}: give the reference folder with --reference") from None
        except OSError as exc:
            raise MeasureError(f"{name}: cannot be read ({exc.strerror})") from None
        if not stat.S_ISREG(info.st_mode):
            raise MeasureError(f"{name} is not a regular file: refused")
        if info.st_size > MAX_BYTES:
            raise MeasureError(
                f"{name} is {info.st_size / 2**20:.0f} MiB, more than a reference file can be ({MAX_BYTES // 2**20} MiB)"
            )
        return path

    def rows(self, name: str, columns: Sequence[str], key: Sequence[str] | None = None) -> Iterator[tuple[int, dict[str, str]]]:
        """(line, {column: text}) for each row of the CSV (or tab-separated
        .tsv or .txt) file ``name``, with only ``columns``, each of which the
        header must have. The file's record is kept once the last row is read,
        with how many distinct keys its rows have: the values of ``key`` (by
        default every column read). A file padded with repeats of its own rows
        has as many rows as before, but fewer keys."""
        key_columns = list(key if key is not None else columns)
        path = self.path(name)
        delimiter = "," if path.suffix.lower() == ".csv" else "\t"
        digest = hashlib.sha256()
        size = 0
        last = b""

        def lines() -> Iterator[str]:
            nonlocal size, last
            pending = b""
            number = 0
            with open(path, "rb") as handle:
                while chunk := handle.read(CHUNK):
                    size += len(chunk)
                    if size > MAX_BYTES:
                        raise MeasureError(f"{name} grew past {MAX_BYTES // 2**20} MiB while it was read: refused")
                    if b"\0" in chunk:
                        raise MeasureError(f"{name} holds NUL bytes: not a text file, refused")
                    digest.update(chunk)
                    last = chunk[-1:]
                    pending += chunk
                    *complete, pending = pending.split(b"\n")
                    for raw in complete:
                        number += 1
                        yield decode(raw + b"\n", number)
            if pending:
                yield decode(pending, number + 1)

        def decode(raw: bytes, number: int) -> str:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise MeasureError(f"{name}: cannot be read (line {number} is not UTF-8 text)") from None
            return text.removeprefix("\ufeff") if number == 1 else text

        reader = csv.reader(lines(), delimiter=delimiter)
        count = 0
        keys: set[str] = set()  # each key's values joined by NUL, which no file read may hold
        try:
            header = next(reader, None)
            if not header:
                raise MeasureError(f"{name} is empty: no header and no rows")
            missing = [c for c in [*columns, *key_columns] if c not in header]
            if missing:
                raise MeasureError(f"{name}: no column {missing[0]!r} (columns: {', '.join(h for h in header if h)})"[:300])
            where = [header.index(c) for c in columns]
            keyed = [header.index(c) for c in key_columns]
            for fields in reader:
                if not fields:
                    continue  # a blank line
                if len(fields) != len(header):
                    raise MeasureError(
                        f"{name}: line {reader.line_num} has {len(fields)} fields where the header has {len(header)}: "
                        "an incomplete or broken row"
                    )
                count += 1
                keys.add("\0".join([fields[i].strip() for i in keyed]))
                yield reader.line_num, {c: fields[i] for c, i in zip(columns, where)}
        except csv.Error as exc:
            raise MeasureError(f"{name}: line {reader.line_num}: {exc}") from None
        if not count:
            raise MeasureError(f"{name}: no rows")
        self.read[name] = FileRecord(name, digest.hexdigest(), size, count, last == b"\n", len(keys))

    def table(self, name: str, columns: Sequence[str]) -> list[dict[str, str]]:
        """Every row of ``name`` with only ``columns`` (for the small files)."""
        return [row for _, row in self.rows(name, columns)]
