"""The home page's first view, drawn by the page's own script at build time.

The map is written once, in ``site_templates/js/treemap.mjs`` and its modules: its layout (D3's
squarified treemap), labels, colours, legend and the sentence above it. The
build runs that script on the rendered page in jsdom (``predraw.mjs``, with
Node.js, which ``npm ci`` installs the rest for) and writes what it drew into
the page, so the map shows before any script runs, and without one.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import TypedDict

from . import ROOT, BuildError
from .cache import Cache, digest

SCRIPT = ROOT / "website" / "predraw.mjs"


# A tile as the script placed it: [left %, top %, width %, height %, CSS colour, group id, slug]; a sliver has no box.
Tile = list[float | str | None]


class FirstView(TypedDict):
    map: str  # the map's inner HTML: groups and tiles, placed in percent of the map, in each of its shapes
    legend: str  # the legend's inner HTML
    headline: str  # the sentence above the map
    tiles: list[Tile]  # one per tile of the wide map


def first_view(page: str, cache: Cache | None = None) -> FirstView:
    """What the map's script draws on ``page`` (the rendered home page, its map
    empty) in each of its boxes, wide and tall, before anyone has chosen a
    layer, size or view. With ``cache``, what it drew on the same page
    before, with the same scripts and packages, is used again."""
    sources = (SCRIPT, *sorted((ROOT / "site_templates" / "js").glob("*.mjs")), ROOT / "package-lock.json")
    key = digest(page, *(path.read_bytes() for path in sources)) + ".first.json"
    kept = cache.get(key) if cache else None
    if kept is not None:
        try:
            found: FirstView = json.loads(kept)
            return found
        except ValueError:
            pass  # not what this build kept: drawn again
    node = shutil.which("node")
    if node is None:
        raise BuildError("Node.js is needed to draw the map's first view: install it (and run npm ci)")
    if not (ROOT / "node_modules" / "jsdom").is_dir():
        raise BuildError("jsdom is not installed, so the map's first view cannot be drawn: run npm ci first")
    try:
        done = subprocess.run([node, str(SCRIPT)], input=page, capture_output=True, text=True, timeout=120, cwd=ROOT)
    except subprocess.TimeoutExpired:
        raise BuildError("drawing the map's first view took over 120 s; it was stopped") from None
    if done.returncode != 0:
        problem = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise BuildError(f"the map's first view could not be drawn: {problem}")
    if cache:
        cache.put(key, done.stdout.encode())
    drawn: FirstView = json.loads(done.stdout)
    return drawn
