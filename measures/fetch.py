"""Fetching the reference files from their publishers into a local cache,
each checked against the SHA-256 that ``measures.toml`` pins, so that the
refresh can reload the measures without a copy of the reference folder.

A file published as it is comes from its ``url``; a file exported from a
published workbook comes from the workbook's address: the workbook is
checked against its own SHA-256, kept in the cache's ``workbooks/``,
exported by the rule in ``workbooks.py``, and the export checked against
the file's SHA-256. Every address names a full commit. ``base_url`` fetches
each published address from another host, keeping its path (a server laid
out like the publishers', as the tests run on loopback); ``mirror`` fetches
every file from ``MIRROR/<its path>``, a copy of the reference folder.

Every download has an overall deadline, follows a redirect only to an
address it could have been given, and is at most MAX_BYTES. A file whose
bytes are not the pinned ones is refused and never replaces what the cache
holds.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

import requests
import urllib3

from . import workbooks
from .definitions import MeasureError, SourceFile, fetchable
from .read import CHUNK, MAX_BYTES

DEFAULT_CACHE = Path("cache") / "reference"
TIMEOUT = 60  # seconds without a byte before a download is given up
DEADLINE = 600  # seconds one download may take in all, however its bytes arrive
MAX_REDIRECTS = 5
WORKBOOKS = "workbooks"  # the cache's folder of published workbooks, as in the reference folder


def file_sha256(path: Path) -> str | None:
    """The SHA-256 of a regular file, None where there is none."""
    if not path.is_file() or path.is_symlink():
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def rebased(url: str, base_url: str | None) -> str:
    """``url`` with its scheme and host replaced by ``base_url``'s, where one is given."""
    if not base_url:
        return url
    parts = urlsplit(url)
    return base_url.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")


def workbook_name(file: SourceFile) -> str:
    """The workbook's published file name ("Language Modeling AIOE and AIIE.xlsx")."""
    assert file.workbook is not None
    name = unquote(urlsplit(file.workbook).path.rsplit("/", 1)[-1])
    if name in ("", ".", "..") or "/" in name or "\0" in name:
        raise MeasureError(f"{file.path}: the workbook's address {file.workbook} names no file")
    return name


def temporary_beside(target: Path) -> tuple[int, str]:
    """A new file beside ``target`` (its descriptor and path) to write into
    and then rename over it, so that ``target`` is whole or as it was."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    except OSError as exc:
        raise MeasureError(f"{target.name}: cannot be written to the cache ({exc.strerror})") from None


def download(url: str, target: Path, sha256: str, session: requests.Session, deadline: float = DEADLINE) -> None:
    """``url`` into ``target`` only if its bytes have ``sha256``; at most
    MAX_BYTES, within ``deadline`` seconds in all. A redirect is followed
    only to an address ``fetchable`` allows, checked before it is asked.
    Written whole or not at all."""
    ends = time.monotonic() + deadline
    where = url
    for _ in range(MAX_REDIRECTS + 1):
        wait = max(0.001, min(TIMEOUT, ends - time.monotonic()))
        try:
            response = session.get(where, stream=True, timeout=wait, allow_redirects=False)
        except requests.RequestException as exc:
            raise MeasureError(f"{target.name}: could not be fetched from {where} ({type(exc).__name__})") from None
        if not response.is_redirect:
            break
        following = urljoin(where, response.headers.get("Location", ""))
        response.close()
        if not fetchable(following):
            raise MeasureError(f"{target.name}: {where} redirects to {following[:200]}, which is not https: not followed")
        where = following
    else:
        raise MeasureError(f"{target.name}: {url} redirects more than {MAX_REDIRECTS} times: not followed")
    with response:
        if response.status_code != 200:
            raise MeasureError(f"{target.name}: {where} answered HTTP {response.status_code}")
        digest = hashlib.sha256()
        size = 0
        handle, temporary = temporary_beside(target)
        try:
            with os.fdopen(handle, "wb") as out:
                try:
                    # read1 returns whatever has arrived, so the deadline is checked
                    # between drips, not after a 64 KB read that never fills.
                    while chunk := response.raw.read1(CHUNK, decode_content=True):
                        size += len(chunk)
                        if size > MAX_BYTES:
                            raise MeasureError(f"{target.name}: {where} sent more than {MAX_BYTES // 2**20} MiB: refused")
                        if time.monotonic() > ends:
                            raise MeasureError(f"{target.name}: {where} took more than {deadline:g} s to send it: given up")
                        digest.update(chunk)
                        out.write(chunk)
                except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
                    raise MeasureError(f"{target.name}: the download from {where} broke off ({type(exc).__name__})") from None
            if digest.hexdigest() != sha256:
                raise MeasureError(
                    f"{target.name}: {where} sent a file whose SHA-256 is {digest.hexdigest()[:12]}..., "
                    f"not the {sha256[:12]}... measures.toml pins: refused, the cache is unchanged"
                )
            _replace(temporary, target)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)


def _replace(temporary: str, target: Path) -> None:
    try:
        os.replace(temporary, target)
    except OSError as exc:
        raise MeasureError(f"{target}: cannot be replaced in the cache ({exc.strerror}): remove it") from None


def export_into(file: SourceFile, book: Path, target: Path) -> None:
    """The export of ``book`` by the rule, into ``target`` only if its bytes
    have the file's pinned SHA-256."""
    assert file.sheet is not None and file.header_row is not None
    data = workbooks.export(book, file.sheet, file.header_row, file.columns)
    found = hashlib.sha256(data).hexdigest()
    if found != file.sha256:
        raise MeasureError(
            f"{file.path}: the export of {book.name} has SHA-256 {found[:12]}..., not the {file.sha256[:12]}... "
            "measures.toml pins: refused, the cache is unchanged"
        )
    handle, temporary = temporary_beside(target)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        _replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def check_cache(folder: Path, paths: Sequence[str]) -> None:
    """Refuse a cache where a file's place holds something that is not a
    file (a directory, a device): it would never be replaced."""
    for name in paths:
        try:
            info = os.lstat(folder / name)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise MeasureError(f"{folder / name}: cannot be read ({exc.strerror})") from None
        if not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
            raise MeasureError(f"{folder / name} in the cache is not a file: remove it, then fetch again")


def fetch(
    files: Sequence[SourceFile],
    cache: str | Path = DEFAULT_CACHE,
    *,
    mirror: str | None = None,
    base_url: str | None = None,
    deadline: float = DEADLINE,
    log: Callable[[str], object] = lambda message: None,
) -> Path:
    """Make ``cache`` hold every file with its pinned SHA-256, fetching (and
    exporting) only those it lacks; returns the cache, to read as the
    reference folder."""
    if not files:
        raise MeasureError("measures.toml pins no files ([files] tables): nothing to fetch")
    for option, value in (("--mirror", mirror), ("--base-url", base_url)):
        if value is not None and not fetchable(value.rstrip("/") + "/"):
            raise MeasureError(f"{option} must be an https:// address, not {value}")
    if not deadline > 0:
        raise MeasureError("the deadline of a download must be more than 0 seconds")
    folder = Path(cache)
    books = {f.path: f"{WORKBOOKS}/{workbook_name(f)}" for f in files if f.workbook and not mirror}
    check_cache(folder, [f.path for f in files] + list(books.values()))
    wanted = [f for f in files if file_sha256(folder / f.path) != f.sha256]
    if not wanted:
        return folder
    with requests.Session() as session:
        session.headers["User-Agent"] = "worklens (python -m measures --fetch)"
        for file in wanted:
            if mirror:
                log(f"fetching {file.path}")
                download(mirror.rstrip("/") + "/" + quote(file.path), folder / file.path, file.sha256, session, deadline)
            elif file.workbook and file.workbook_sha256:
                book = folder / books[file.path]
                if file_sha256(book) != file.workbook_sha256:
                    log(f"fetching {books[file.path]}")
                    download(rebased(file.workbook, base_url), book, file.workbook_sha256, session, deadline)
                log(f"exporting {file.path} from sheet {file.sheet!r} of {book.name}")
                export_into(file, book, folder / file.path)
            elif file.url:
                log(f"fetching {file.path}")
                download(rebased(file.url, base_url), folder / file.path, file.sha256, session, deadline)
    return folder
