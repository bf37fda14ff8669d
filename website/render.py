"""Jinja, and what the home page carries inside it."""

from __future__ import annotations

import json
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup

from . import ROOT, TEMPLATES, BuildError
from .cache import Cache, digest
from .words import percentile_text, plural

# Only the layout comes from D3; colours are the ramps of colours.RAMPS, blended by the map's script (js/layers.mjs).
D3_MODULES = ("d3-hierarchy",)
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"


def script_json(value: object) -> str:
    """JSON that is safe inside a <script> element: no '<', '>' or '&' that
    could close the element or start a comment, whatever the data says."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


def inline(text: str, element: str, name: str) -> Markup:
    """``text`` to go inside a <script> or <style> element, refused if it
    could close that element early."""
    if f"</{element}" in text.lower():
        raise BuildError(f"{name} holds '</{element}', so it cannot be written into the page; serve it as a file")
    return Markup(text)


@dataclass
class HomeAssets:
    """What the home page carries inside it: its stylesheet and scripts, made small."""

    css: Markup
    scripts: list[Markup]


def home_assets(cache: Cache | None = None) -> HomeAssets:
    """What the home page needs before it can draw, written into the page
    itself, made small by esbuild: the stylesheet, D3's layout and the
    map's script (site_templates/js/treemap.mjs and its modules). Each
    would otherwise be a request on the way to the first drawing (the stylesheet holds up the scripts, the scripts hold up the
    drawing). Only site.css goes in: the rules only other pages use are in
    pages.css; only the home page uses the scripts; and other pages share
    both stylesheets, comments and all, as one file. With ``cache``, what
    esbuild made of the same sources before is used again."""
    # The two parts of D3 the map uses, under D3's copyright line, which its licence asks to keep.
    (module,) = D3_MODULES
    notice = (ROOT / "node_modules" / module / "dist" / f"{module}.min.js").read_text().split("\n", 1)[0]
    layout = ("--bundle", "--format=iife", "--global-name=d3", "--minify")
    # Three esbuild processes at once: each waits on its own.
    with ThreadPoolExecutor(3) as pool:
        d3 = pool.submit(esbuild, f'export {{hierarchy, treemap}} from "{module}";', "d3", *layout, cache=cache)
        script = pool.submit(bundle, "treemap.mjs", "--minify", cache=cache)
        css = pool.submit(esbuild, (TEMPLATES / "site.css").read_text(), "site.css", "--loader=css", "--minify", cache=cache)
        scripts = [inline(notice + "\n" + d3.result(), "script", module), inline(script.result(), "script", "treemap.mjs")]
        return HomeAssets(inline(css.result(), "style", "site.css"), scripts)


# The pages' scripts: ES modules in site_templates/js/, each page's bundled by esbuild from its entry.
SCRIPTS = TEMPLATES / "js"


def bundle(entry: str, *options: str, cache: Cache | None = None) -> str:
    """The script whose entry is ``entry`` (in site_templates/js/), with the
    modules it imports, as one script for a page (esbuild, ``options``)."""
    modules = sorted(SCRIPTS.glob("*.mjs"))
    sources = [part for path in modules for part in (path.name, path.read_text())]
    return esbuild("", entry, "--bundle", "--format=iife", *options, entry=SCRIPTS / entry, sources=sources, cache=cache)


def esbuild(
    source: str,
    name: str,
    *options: str,
    entry: Path | None = None,
    sources: list[str] | None = None,
    cache: Cache | None = None,
) -> str:
    """``source`` (called ``name`` in any error), or the file ``entry``
    (whose modules are ``sources``), through esbuild with ``options``, run in
    the project's folder, where it finds node_modules."""
    if not ESBUILD.is_file():
        raise BuildError("esbuild is not installed, so the home page's scripts and styles cannot be made small: run npm ci first")
    # The same source, options and pinned packages give the same output; a bundle reads node_modules, named by the lock file.
    # The entry is named too: two pages' bundles of the same modules differ by where they start.
    key = (
        digest(source, entry.name if entry else "", *(sources or []), *options, (ROOT / "package-lock.json").read_bytes())
        + ".esbuild"
    )
    kept = cache.get(key) if cache else None
    if kept is not None:
        return kept.decode()
    command = [str(ESBUILD), "--log-level=error", *options, *([str(entry.relative_to(ROOT))] if entry else [])]
    try:
        done = subprocess.run(command, input=source, capture_output=True, text=True, cwd=ROOT, timeout=60)
    except subprocess.TimeoutExpired:
        raise BuildError(f"esbuild took over 60 s on {name}; it was stopped") from None
    if done.returncode != 0:
        problem = (done.stderr.strip().splitlines() or ["no message"])[0]
        raise BuildError(f"esbuild could not make {name} small: {problem}")
    if cache:
        cache.put(key, done.stdout.strip().encode())
    return done.stdout.strip()


def environment(base_path: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["base"] = base_path
    env.filters["script_json"] = lambda v: Markup(script_json(v))
    env.filters["thousands"] = lambda v: "—" if v is None else f"{v:,}"
    env.filters["dollars"] = lambda v: "—" if v is None else f"${v:,}"
    env.filters["score"] = lambda v: "—" if v is None else (f"{v:g}")
    env.filters["money"] = lambda v, period="annual", unit=True: (
        "—"
        if v is None
        else (f"${v:,.2f}" + (" an hour" if unit else "") if period == "hourly" else f"${v:,.0f}" + (" a year" if unit else ""))
    )
    env.filters["percentile"] = percentile_text
    env.filters["plural"] = plural
    # A correlation to two places; none where a source gives every occupation the same value.
    env.filters["corr"] = lambda v: "n/a" if v is None else f"{v:.2f}"
    # A tampered database must not turn a link into script: only https:// addresses become links.
    env.filters["https"] = lambda url: url if isinstance(url, str) and url.startswith("https://") else "#"
    # Rubrics are wrapped at ~100 columns in their files; let the browser wrap them instead.
    env.filters["unwrap"] = lambda text: re.sub(r"(?<!\n)\n(?!\n|- )", " ", text)
    return env
