"""Jinja, and what the home page carries inside it."""

from __future__ import annotations

import json
import re
from typing import Any

import jinja2
from markupsafe import Markup

from . import ROOT, TEMPLATES, BuildError
from .words import percentile_text

# Only the layout comes from D3; colours are the ramps below, blended by treemap.js.
D3_MODULES = ("d3-hierarchy",)


def script_json(value: Any) -> str:
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


def home_assets() -> dict[str, Any]:
    """What the home page needs before it can draw, written into the page
    itself: the stylesheet, D3's layout and treemap.js. Each would otherwise
    be a request on the way to the first drawing (the stylesheet holds up
    the scripts, the scripts hold up the drawing); only the home page uses
    the scripts, and other pages still share site.css as a file."""
    # D3 goes in as it comes, its copyright line included.
    scripts = [inline((ROOT / "node_modules" / m / "dist" / f"{m}.min.js").read_text(), "script", m) for m in D3_MODULES]
    scripts.append(inline(without_comment_lines((TEMPLATES / "treemap.js").read_text()), "script", "treemap.js"))
    return {"css": inline(without_css_comments((TEMPLATES / "site.css").read_text()), "style", "site.css"), "scripts": scripts}


def without_comment_lines(script: str) -> str:
    """``script`` less the lines that are only a // comment: they are for
    the people who read site_templates/, and a sixth of what the home page
    would carry. A line inside a template string that spans lines is never
    one of them, since no such string is allowed to begin."""
    lines = script.split("\n")
    if any(line.count("`") % 2 for line in lines):
        raise BuildError("a script has a `template string` that spans lines; keep each on one line")
    # Indentation goes too: no string spans lines, so none is inside one.
    return "\n".join(line.lstrip() for line in lines if not line.lstrip().startswith("//"))


def without_css_comments(css: str) -> str:
    """``css`` less its comments, which are for the people who read site.css
    (the file other pages load keeps them)."""
    return re.sub(r"/\*.*?\*/\s*", "", css, flags=re.S)


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
    # A correlation to two places; none where a source gives every occupation the same value.
    env.filters["corr"] = lambda v: "n/a" if v is None else f"{v:.2f}"
    # A tampered database must not turn a link into script: only https:// addresses become links.
    env.filters["https"] = lambda url: url if isinstance(url, str) and url.startswith("https://") else "#"
    # Rubrics are wrapped at ~100 columns in their files; let the browser wrap them instead.
    env.filters["unwrap"] = lambda text: re.sub(r"(?<!\n)\n(?!\n|- )", " ", text)
    return env
