"""The build: every page and download, written to a new folder that
replaces the old one only once it is complete."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path

from . import ROOT, BuildError
from .cache import Cache, code_digest, digest, file_digest, unchanged
from .layers import BLS_LAYERS, catalogue
from .load import open_snapshot, publish, read
from .predraw import FirstView, Tile, first_view
from .preview import home_preview, occupation_preview, small_map
from .render import D3_MODULES, home_assets
from .site import Preview, Rendered, home_page, render, site_environment

# Written into every built site; only a folder holding it is ever replaced.
MARKER = ".worklens-site"


def ours_to_replace(folder: Path) -> None:
    """Raise BuildError unless ``folder`` is absent, empty or made by an
    earlier build (it holds the marker file): --out is deleted and rewritten,
    and must never be a repository, a home folder or data.db's own folder."""
    if not folder.exists():
        return
    if not folder.is_dir():
        raise BuildError(f"{folder} is a file, not a folder; choose another --out")
    if any(folder.iterdir()) and not (folder / MARKER).is_file():
        raise BuildError(
            f"{folder} holds files build.py did not make (no {MARKER} in it), so it is not replaced; "
            "choose an empty or new --out folder"
        )


def build(
    db_path: str | Path, out: str | Path, base_path: str = "/", site_url: str | None = None, log: Callable[[str], object] = print
) -> int:
    """Write the site to ``out``; returns the number of files written.
    ``site_url`` (https://...) makes link previews' image address absolute."""
    if not base_path.startswith("/") or not base_path.endswith("/"):
        raise BuildError(f"--base-path must start and end with '/' (got {base_path!r})")
    site_url = site_url or None  # an unset repository variable arrives as ""
    if site_url is not None and not re.fullmatch(r"https://[^\s\"'<>]+", site_url):
        raise BuildError(f"--site-url must be an https:// address (got {site_url!r})")
    missing = [m for m in D3_MODULES if not (ROOT / "node_modules" / m / "dist" / f"{m}.min.js").is_file()]
    if missing:
        raise BuildError(f"D3 is not installed ({', '.join(missing)} missing): run npm ci first")
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    for folder in (out, tmp):
        ours_to_replace(folder)
    shutil.rmtree(tmp, ignore_errors=True)
    # Marked as ours from the start: a build that fails midway leaves a folder the next one may replace.
    tmp.mkdir(parents=True)
    (tmp / MARKER).write_text("Made by build.py; the next build replaces this whole folder.\n")
    cache = Cache(out.with_name(out.name + ".cache"))
    snapshot = open_snapshot(db_path)
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
            shutil.rmtree(tmp)
            return sum(1 for path in out.rglob("*") if path.is_file() and path.name != MARKER)
        data = read(snapshot, db_path)
    finally:
        snapshot.close()
    for line in data.warnings:
        log(line)
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
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    cache.remember(key, out, data.warnings)
    cache.keep_only_used()
    return written


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
