"""What a build keeps for the next, so a rebuild does only what changed.

Beside the output folder (``_site.cache`` for ``_site``): the costly parts
of a build, each under the digest of everything it is made from, so that a
part whose inputs are unchanged is reused and any change makes it anew:
esbuild's output, the map's first view drawn in jsdom, and each link
preview. And the digest of a whole build's inputs (the database as
published, the site's code and templates, the options), so that a rebuild
with nothing changed keeps the site as it is. Each build keeps only what it
used. The folder holds nothing that is not made again from its inputs:
deleting it costs one slow build.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from . import ROOT, BuildError

MARKER = ".worklens-cache"

# What the site is made with besides data.db: its code, templates, metadata and the pinned npm packages.
SOURCES = ("website/*.py", "website/*.mjs", "site_templates/*", "site_templates/js/*", "metadata.yml", "package-lock.json")


def digest(*parts: bytes | str) -> str:
    """One digest of ``parts``, each kept apart from the next."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def code_digest() -> str:
    """The digest of every file the site is made with besides the database."""
    files = sorted({p for pattern in SOURCES for p in ROOT.glob(pattern) if p.is_file()})
    return digest(*(part for p in files for part in (str(p.relative_to(ROOT)), p.read_bytes())))


class Cache:
    """The cache folder of one build: what it reads and writes, and what it used."""

    def __init__(self, folder: Path) -> None:
        if folder.exists() and (not folder.is_dir() or (any(folder.iterdir()) and not (folder / MARKER).is_file())):
            raise BuildError(f"{folder} holds files build.py did not make (no {MARKER} in it): move it away or delete it")
        self.folder = folder
        self.used: set[str] = {MARKER}

    def get(self, name: str) -> bytes | None:
        """The part called ``name`` (a digest with a suffix), or None."""
        self.used.add(name)
        try:
            return (self.folder / name).read_bytes()
        except FileNotFoundError:
            return None

    def put(self, name: str, data: bytes) -> None:
        """Keep ``data`` as ``name``; written whole or not at all."""
        self.used.add(name)
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / MARKER).write_text("Made by build.py: what a build keeps for the next; safe to delete.\n")
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".part-")
        with os.fdopen(handle, "wb") as f:
            f.write(data)
        os.replace(temporary, self.folder / name)

    def link(self, name: str, target: Path) -> bool:
        """``target`` made the part ``name`` (a hard link where the disk allows); False if there is none."""
        self.used.add(name)
        source = self.folder / name
        if not source.is_file():
            return False
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
        return True

    def keep_only_used(self) -> None:
        """Delete what this build did not use: the cache holds one build's parts."""
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.name not in self.used and path.is_file():
                path.unlink()

    def manifest(self) -> dict[str, object]:
        """What the last build said of itself (``Cache.remember``), or nothing."""
        found = self.get("manifest.json")
        try:
            read = json.loads(found) if found else {}
        except ValueError:
            return {}
        return read if isinstance(read, dict) else {}

    def remember(self, key: str, out: Path, warnings: list[str]) -> None:
        """That the site in ``out`` was built from ``key``, with the size of each of its files and what it warned."""
        files = {str(p.relative_to(out)): p.stat().st_size for p in sorted(out.rglob("*")) if p.is_file()}
        self.put("manifest.json", json.dumps({"key": key, "files": files, "warnings": warnings}).encode())


def unchanged(manifest: dict[str, object], key: str, out: Path) -> bool:
    """Whether ``out`` is the site the last build made from ``key``, each of its files there, of its size."""
    files = manifest.get("files")
    if manifest.get("key") != key or not isinstance(files, dict):
        return False
    for name, size in files.items():
        path = out / name
        if not path.is_file() or path.stat().st_size != size:
            return False
    return True
