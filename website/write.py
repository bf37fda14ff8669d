"""The build: every page and download, written to a new folder that
replaces the old one only once it is complete."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import re
import shutil
import sqlite3
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path

from . import ROOT, BuildError
from .cache import Cache, code_digest, digest, file_digest, unchanged
from .layers import BLS_LAYERS, catalogue
from .load import open_snapshot, publish, read
from .predraw import FirstView, Tile, first_view
from .preview import home_preview, need_freetype, occupation_preview, small_map
from .render import D3_MODULES, home_assets
from .site import Preview, Rendered, home_page, render, site_environment

# Written into every built site; only a folder holding it is ever replaced.
MARKER = ".worklens-site"


# A site's path on its host: nothing but plain path segments between slashes
# (so never //host/, which a browser reads as another host, nor . or ..).
BASE_PATH = re.compile(r"/(?:(?!\.\.?/)[A-Za-z0-9._~-]+/)*")


def ours_to_replace(folder: Path) -> None:
    """Raise BuildError unless ``folder`` is absent, empty or made by an
    earlier build (it holds the marker file): --out is deleted and rewritten,
    and must never be a repository, a home folder or data.db's own folder."""
    if folder.is_symlink():
        raise BuildError(f"{folder} is a symbolic link; give the folder itself as --out, or another")
    if not folder.exists():
        return
    if not folder.is_dir():
        raise BuildError(f"{folder} is a file, not a folder; choose another --out")
    if any(folder.iterdir()) and not (folder / MARKER).is_file():
        raise BuildError(
            f"{folder} holds files build.py did not make (no {MARKER} in it), so it is not replaced; "
            "choose an empty or new --out folder"
        )


def check_out(out: Path, db_path: str | Path) -> None:
    """Raise BuildError, with one line, for an --out that can never be a site's folder."""
    if out.is_file():
        raise BuildError(f"{out} is a file, not a folder; choose another --out")
    where = out.resolve()
    if where == where.parent or not out.name or out.name in (".", ".."):
        raise BuildError(f"--out {out} is not a folder the build can replace; name a folder of its own, such as _site")
    if Path(db_path).resolve().is_relative_to(where):
        raise BuildError(f"--out {out} holds the database it is built from; choose another folder")


def remove_ours(folder: Path) -> None:
    """Delete a folder a build made, its marker last: a removal interrupted
    midway leaves a folder the next build still knows as its own."""
    if not folder.is_dir() or folder.is_symlink():
        return
    for item in folder.iterdir():
        if item.name == MARKER:
            continue
        if item.is_dir() and not item.is_symlink():
            shutil.rmtree(item)
        else:
            item.unlink()
    (folder / MARKER).unlink(missing_ok=True)
    folder.rmdir()


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux's renameat2 with RENAME_EXCHANGE);
    False where the system cannot."""
    if sys.platform != "linux":
        return False
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_cwd, exchange = -100, 2
    if renameat2(at_cwd, os.fsencode(a), at_cwd, os.fsencode(b), exchange) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.EINVAL, errno.ENOSYS, errno.EPERM):  # a file system or kernel without it
        return False
    raise OSError(error, os.strerror(error), str(b))


def work_folders(out: Path) -> tuple[Path, Path]:
    """Where a build writes the new site, and where the old one goes as it is swapped out."""
    return out.with_name(out.name + ".tmp"), out.with_name(out.name + ".old")


def make_room(out: Path) -> Path:
    """Check --out and the work folders beside it, clear what an interrupted
    build left there, and make the folder to write the new site to (marked
    as ours from the start)."""
    tmp, old = work_folders(out)
    for folder in (out, tmp, old):
        ours_to_replace(folder)
    if out.exists() and not any(out.iterdir()):
        out.rmdir()
    remove_ours(tmp)
    remove_ours(old)
    tmp.mkdir(parents=True)
    (tmp / MARKER).write_text("Made by build.py; the next build replaces this whole folder.\n")
    return tmp


def swap_in(tmp: Path, out: Path) -> None:
    """Put the complete new site ``tmp`` at ``out``. Interrupted at any
    point, ``out`` is the old site or the new one (in one step where the
    system can swap two folders; else by two renames, with the old site
    beside it, marked, for the next build to clear)."""
    old = work_folders(out)[1]
    if not out.exists():
        tmp.rename(out)
    elif _exchange(tmp, out):
        remove_ours(tmp)  # the old site, now at tmp
    else:
        out.rename(old)
        tmp.rename(out)
        remove_ours(old)


def build(
    db_path: str | Path, out: str | Path, base_path: str = "/", site_url: str | None = None, log: Callable[[str], object] = print
) -> int:
    """Write the site to ``out``; returns the number of files written.
    ``site_url`` (https://...) makes link previews' image address absolute."""
    if not base_path.startswith("/") or not base_path.endswith("/"):
        raise BuildError(f"--base-path must start and end with '/' (got {base_path!r})")
    if not BASE_PATH.fullmatch(base_path):
        raise BuildError(
            "--base-path must be a path on the site's own host, such as /worklens/: "
            f"letters, digits, '.', '_', '~' and '-' between single slashes (got {base_path!r})"
        )
    site_url = site_url or None  # an unset repository variable arrives as ""
    if site_url is not None and not re.fullmatch(r"https://[^\s\"'<>]+", site_url):
        raise BuildError(f"--site-url must be an https:// address (got {site_url!r})")
    missing = [m for m in D3_MODULES if not (ROOT / "node_modules" / m / "dist" / f"{m}.min.js").is_file()]
    if missing:
        raise BuildError(f"D3 is not installed ({', '.join(missing)} missing): run npm ci first")
    need_freetype()
    if Path(db_path).is_dir():
        raise BuildError(f"--db {db_path} is a folder; give the database file in it, such as {Path(db_path) / 'data.db'}")
    out = Path(out)
    check_out(out, db_path)
    # Marked as ours from the start: a build that fails midway leaves a folder the next one may replace.
    tmp = make_room(out)
    cache = Cache(out.with_name(out.name + ".cache"))
    try:
        snapshot = open_snapshot(db_path)
    except sqlite3.Error as exc:
        raise BuildError(f"{db_path} cannot be read as a worklens database: {exc}") from None
    try:
        publish(snapshot, tmp / "data" / "data.db")
        # Everything the site is made from: the database as published, the code and templates, the options.
        key = digest(file_digest(tmp / "data" / "data.db"), code_digest(), base_path, site_url or "", *extra_layers())
        manifest = cache.manifest()
        if unchanged(manifest, key, out):
            # Nothing changed: the site in out is the one this build would write.
            warned = manifest.get("warnings")
            for line in warned if isinstance(warned, list) else []:
                log(str(line))
            remove_ours(tmp)
            no_address(site_url, log)
            return sum(1 for path in out.rglob("*") if path.is_file() and path.name != MARKER)
        data = read(snapshot, db_path)
    except sqlite3.Error as exc:
        raise BuildError(f"{db_path} cannot be read as a worklens database: {exc}") from None
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        # A table of an older version lacks a column, or a value was changed by hand to one of another kind.
        raise BuildError(
            f"{db_path} holds what this version of the site cannot read ({type(exc).__name__}: {exc}); "
            "if it was made by an older version, run the stages again (python -m scrape, then the others)"
        ) from None
    finally:
        snapshot.close()
    for line in data.warnings:
        log(line)
    if not any(o.jobs for o in data.occupations):
        raise BuildError(f"no occupation in {db_path} has a count of jobs to size the map by: run python -m scrape again")
    layers = catalogue(data)
    # Processes to draw the link previews in, started now so that they are ready once the map is drawn;
    # for a few occupations, starting them costs more than they save.
    many = CORES > 1 and len(data.occupations) >= 4 * CHUNK
    drawers = ProcessPoolExecutor(CORES, mp_context=multiprocessing.get_context("spawn")) if many else None
    with drawers or nullcontext():
        if drawers:
            drawers.submit(ready)
        env = site_environment(data, base_path, site_url)
        assets = home_assets(cache)
        # Twice: empty, for the page's script to draw its first view on, then with what it drew.
        # Node.js draws the map's first view while Python renders every other page; the home page then takes what it drew.
        with ThreadPoolExecutor(1) as drawing:
            drawn = drawing.submit(first_view, home_page(env, data, layers, assets, None), cache)
            rendered = render(env, data, layers, assets, cache=cache)
            first = drawn.result()
        rendered.files["index.html"] = home_page(env, data, layers, assets, first)
        for name, text in sorted(rendered.files.items()):
            path = tmp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        write_previews(tmp, first, rendered, cache, drawers)
    # Swap in the new site only once it is complete: a failed build leaves
    # the previous one as it was.
    written = sum(1 for path in tmp.rglob("*") if path.is_file() and path.name != MARKER)
    swap_in(tmp, out)
    cache.remember(key, out, data.warnings)
    cache.keep_only_used()
    no_address(site_url, log)
    return written


def no_address(site_url: str | None, log: Callable[[str], object]) -> None:
    """Said once a build is done: without the site's address, link previews cannot find their image."""
    if site_url is None:
        log(
            "no site address given (--site-url or SITE_URL): link previews' addresses are relative, so social sites show no image"
        )


def extra_layers() -> list[str]:
    """The names of the layers added to the catalogue (``layers.BLS_LAYERS``), which the code's files may not show."""
    return [f"{make.__module__}.{make.__qualname__}" for make in BLS_LAYERS]


# The cores this process may use (the previews are drawn on as many, up to four).
CORES = min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
CHUNK = 24  # previews drawn in one go by one process


def ready() -> None:
    """Nothing: a process that has run it has imported what drawing needs."""


def draw_previews(tiles: list[Tile], previews: list[Preview]) -> list[bytes]:
    """``previews`` drawn on the map of ``tiles`` (in a process of ``drawers``, or this one)."""
    drawn_map = small_map(tiles)
    return [occupation_preview(drawn_map, p.slug, p.title, p.lines, p.note) for p in previews]


def write_previews(
    folder: Path, first: FirstView, rendered: Rendered, cache: Cache, drawers: ProcessPoolExecutor | None = None
) -> None:
    """The home page's link preview and each occupation's, in ``folder``;
    each drawn only where the cache has none made from the same words, map
    and code, by ``drawers`` where there are many."""
    code = (ROOT / "website" / "preview.py").read_bytes()
    tiles = json.dumps(first["tiles"])
    home = digest(code, tiles, first["headline"], rendered.lede) + ".png"
    if not cache.link(home, folder / "preview.png"):
        cache.put(home, home_preview(first["tiles"], first["headline"], rendered.lede))
        cache.link(home, folder / "preview.png")
    (folder / "previews").mkdir()
    missing: list[tuple[str, Preview]] = []
    for p in rendered.previews:
        name = digest(code, tiles, p.slug, p.title, json.dumps(p.lines), p.note) + ".png"
        if not cache.link(name, folder / "previews" / f"{p.slug}.png"):
            missing.append((name, p))
    chunks = [[p for _, p in missing[i : i + CHUNK]] for i in range(0, len(missing), CHUNK)]
    if drawers and len(chunks) > 1:
        pictures = [picture for drawn in drawers.map(draw_previews, [first["tiles"]] * len(chunks), chunks) for picture in drawn]
    else:
        pictures = [picture for chunk in chunks for picture in draw_previews(first["tiles"], chunk)]
    for (name, p), picture in zip(missing, pictures):
        cache.put(name, picture)
        cache.link(name, folder / "previews" / f"{p.slug}.png")
