"""Fetching the reference files into a local cache, each checked against the
SHA-256 that ``measures.toml`` pins, so that the refresh can reload the
measures without a copy of the reference folder beside it.

A file is fetched from where it is published at a pinned commit (its
``url``), or, where it is made from a published file (a sheet exported from
a workbook) or a mirror is given, from ``MIRROR/<its path>``: a copy of the
reference folder served over HTTP. A file whose bytes are not the pinned ones
is refused and never replaces what the cache holds.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import quote

import requests

from .definitions import MeasureError, SourceFile, fetchable
from .read import CHUNK, MAX_BYTES

DEFAULT_CACHE = Path("cache") / "reference"
TIMEOUT = 60  # seconds without a byte before a download is given up


def file_sha256(path: Path) -> str | None:
    """The SHA-256 of a regular file, None where there is none."""
    if not path.is_file() or path.is_symlink():
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def address(file: SourceFile, mirror: str | None) -> str:
    """Where ``file`` is fetched from: the mirror where one is given, else its
    published address."""
    if mirror:
        return mirror.rstrip("/") + "/" + quote(file.path)
    if file.url is None:
        raise MeasureError(
            f"{file.path} is made from {file.made_from}, not published as it is: give a copy of the reference folder with --mirror"
        )
    return file.url


def download(url: str, target: Path, sha256: str, session: requests.Session) -> None:
    """``url`` into ``target`` only if its bytes have ``sha256``; at most
    MAX_BYTES. Written whole or not at all."""
    try:
        response = session.get(url, stream=True, timeout=TIMEOUT, allow_redirects=True)
    except requests.RequestException as exc:
        raise MeasureError(f"{target.name}: could not be fetched from {url} ({type(exc).__name__})") from None
    with response:
        if response.status_code != 200:
            raise MeasureError(f"{target.name}: {url} answered HTTP {response.status_code}")
        if not fetchable(response.url):
            raise MeasureError(f"{target.name}: {url} redirected to {response.url}, which is not https")
        digest = hashlib.sha256()
        size = 0
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(handle, "wb") as out:
                try:
                    for chunk in response.iter_content(CHUNK):
                        size += len(chunk)
                        if size > MAX_BYTES:
                            raise MeasureError(f"{target.name}: {url} sent more than {MAX_BYTES // 2**20} MiB: refused")
                        digest.update(chunk)
                        out.write(chunk)
                except requests.RequestException as exc:
                    raise MeasureError(f"{target.name}: the download from {url} broke off ({type(exc).__name__})") from None
            if digest.hexdigest() != sha256:
                raise MeasureError(
                    f"{target.name}: {url} sent a file whose SHA-256 is {digest.hexdigest()[:12]}..., "
                    f"not the {sha256[:12]}... measures.toml pins: refused, the cache is unchanged"
                )
            os.replace(temporary, target)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)


def fetch(
    files: Sequence[SourceFile],
    cache: str | Path = DEFAULT_CACHE,
    *,
    mirror: str | None = None,
    log: Callable[[str], object] = lambda message: None,
) -> Path:
    """Make ``cache`` hold every file with its pinned SHA-256, fetching only
    those it lacks; returns the cache, to read as the reference folder."""
    if not files:
        raise MeasureError("measures.toml pins no files ([files] tables): nothing to fetch")
    if mirror is not None and not fetchable(mirror + "/"):
        raise MeasureError(f"--mirror must be an https:// address, not {mirror}")
    folder = Path(cache)
    wanted = [f for f in files if file_sha256(folder / f.path) != f.sha256]
    if not wanted:
        return folder
    # Every address is settled before the first download, so a file that cannot be had stops the fetch at once.
    addresses = [(f, address(f, mirror)) for f in wanted]
    with requests.Session() as session:
        session.headers["User-Agent"] = "worklens (python -m measures --fetch)"
        for file, url in addresses:
            log(f"fetching {file.path}")
            download(url, folder / file.path, file.sha256, session)
    return folder
