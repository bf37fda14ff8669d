"""The build: every page and download, written to a new folder that
replaces the old one only once it is complete."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import yaml
from markupsafe import Markup

from . import ROOT, TEMPLATES, BuildError
from .answer import Card, answer_card
from .colours import BLUES, HEAT_FLOOR
from .downloads import downloads, measure_download
from .layers import GROUPS, catalogue
from .load import load
from .model import Occupation
from .pages import detail_data, evidence_page_data, histogram, home_data, occupation_evidence, similar_occupations
from .predraw import first_view
from .preview import INK, MUTED, home_preview, occupation_preview, small_map
from .render import D3_MODULES, environment, home_assets
from .words import LABEL_CHART, LABEL_TEXT

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
    data = load(db_path, publish_to=tmp / "data" / "data.db")
    for line in data.warnings:
        log(line)
    env = environment(base_path)
    files: dict[str, str] = {}

    env.globals["nav_criteria"] = [{"name": c.name, "title": c.title} for c in data.criteria]
    env.globals["edition"] = data.edition
    # Link previews need the image's whole address where the site's is known.
    public = site_url.rstrip("/") + "/" if site_url else base_path
    env.globals["preview"] = public + "preview.png"
    env.globals["current_criterion"] = None
    env.globals["has_space"] = bool(data.space)
    env.globals["has_evidence"] = bool(data.evidence)
    env.globals["label_text"] = LABEL_TEXT
    env.globals["label_chart"] = LABEL_CHART
    layers = catalogue(data)
    home = home_data(data, layers)
    by_slug = {o.slug: o for o in data.occupations}
    home_page = env.get_template("index.html")
    home_context = {
        "page": "home",
        "data": home,
        "layers": layers,
        "groups": GROUPS,
        "total_jobs": sum(o.jobs or 0 for o in data.on_map),
        "inlined": home_assets(),
    }
    # Twice: empty, for the page's script to draw its first view on, then with what it drew.
    first = first_view(home_page.render(**home_context, first=None))
    files["index.html"] = home_page.render(
        **home_context, first={"map": Markup(first["map"]), "legend": Markup(first["legend"]), "headline": first["headline"]}
    )
    files["table.html"] = env.get_template("table.html").render(
        page="table", occupations=data.occupations, criteria=data.criteria, edition=data.edition
    )
    files["about.html"] = env.get_template("about.html").render(page="about", criteria=data.criteria, edition=data.edition)
    on_map = len(data.on_map)
    # Each occupation's answer cards, one per criterion, by criterion name.
    cards = {o.slug: {c.name: answer_card(data, o, c, by_slug) for c in data.criteria} for o in data.occupations}
    # The cards in brief, for the map's tooltip: why each occupation has its score on each criterion.
    why = {c.name: {s: found[c.name].short[-1] for s, found in cards.items() if found[c.name].score} for c in data.criteria}
    for o in data.occupations:
        scores = [(c, c.scores.get(o.slug)) for c in data.criteria]
        files[f"occupations/{o.slug}.html"] = env.get_template("occupation.html").render(
            page="occupation",
            preview=f"{public}previews/{o.slug}.png",
            o=o,
            cards=list(cards[o.slug].values()),
            scores=scores,
            projections=data.projections.get(o.slug, []),
            similar=similar_occupations(data, o.slug, by_slug),
            space=data.space,
            evidence=occupation_evidence(data, o.slug, by_slug),
            employers=data.employers.get(o.slug, []),
            industry_pay=data.industry_pay.get(o.slug, []),
            pay_ranges=data.pay_ranges.get(o.slug, []),
            on_map=on_map,
            pages=len(data.occupations),
        )
    if data.evidence:
        scatter, matrix = evidence_page_data(data)
        files["evidence.html"] = env.get_template("evidence.html").render(
            page="evidence",
            evidence=data.evidence,
            scatter=scatter,
            matrix=matrix,
            criteria=data.criteria,
            blues=BLUES,
            heat_floor=HEAT_FLOOR,
        )
        files["assets/evidence.js"] = (TEMPLATES / "evidence.js").read_text()
        files["data/measures.csv"] = measure_download(data) or ""
    if data.space:
        files["space.html"] = env.get_template("space.html").render(page="space", space=data.space)
    for c in data.criteria:
        files[f"criteria/{c.name}.html"] = env.get_template("criterion.html").render(
            page="criterion",
            c=c,
            histogram=histogram(c),
            total=len(c.scores),
            current_criterion=c.name,
            on_map=on_map,
        )
    csv_text, json_text = downloads(data, layers)
    files["data/occupations.csv"] = csv_text
    files["data/occupations.json"] = json_text
    files["data/details.json"] = json.dumps(
        detail_data(data, layers, why),
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    files["data/metadata.json"] = json.dumps(yaml.safe_load((ROOT / "metadata.yml").read_text()), indent=1, sort_keys=True)
    files["assets/site.css"] = (TEMPLATES / "site.css").read_text()
    files["404.html"] = env.get_template("404.html").render(page="404")

    for name, text in sorted(files.items()):
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    lede = f"worklens · {on_map} occupations, {round(sum(o.jobs or 0 for o in data.on_map) / 1e6)} million jobs · BLS Occupational Outlook Handbook"
    (tmp / "preview.png").write_bytes(home_preview(first["tiles"], first["headline"], lede))
    drawn_map = small_map(first["tiles"])
    (tmp / "previews").mkdir()
    for o in data.occupations:
        (tmp / "previews" / f"{o.slug}.png").write_bytes(
            occupation_preview(drawn_map, o.slug, o.title, *preview_words(o, list(cards[o.slug].values()), on_map))
        )
    # Swap in the new site only once it is complete: a failed build leaves
    # the previous one as it was.
    written = sum(1 for path in tmp.rglob("*") if path.is_file() and path.name != MARKER)
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return written


def preview_words(o: Occupation, cards: list[Card], on_map: int) -> tuple[list[tuple[str, int, tuple[int, int, int]]], str]:
    """What an occupation's link preview says: its first card's score, who
    made it and what research says; and where the occupation is on the map."""
    lines: list[tuple[str, int, tuple[int, int, int]]] = []
    for card in cards[:1]:
        lines.append((f"{card.question}: {card.score or 'not scored'}", 40, INK))
        lines.append((card.made_by_short, 24, MUTED))
        lines.append((card.short[0], 30, INK))
    note = (
        f"Where it sits on the map of {on_map} occupations, each sized by its jobs."
        if o.jobs is not None
        else "Not on the map: BLS gives no count of its jobs."
    )
    return lines, note
