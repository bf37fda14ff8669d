"""The site's pages and downloads as text, rendered from the typed model:
a pure step, no file written, no Node.js or Pillow run. ``write.build``
draws the map's first view and the link previews around it, and writes the
folder; a test can call ``render`` alone."""

from __future__ import annotations

import json
from dataclasses import dataclass

import jinja2
import yaml
from markupsafe import Markup

from . import ROOT, TEMPLATES
from .answer import EXAMPLES_RULE, MOVES_RULE, Card, answer_card
from .cache import Cache
from .colours import BLUES, HEAT_FLOOR
from .downloads import downloads, measure_download
from .layers import GROUPS, NO_ONE_PATH, Layer
from .model import Occupation, Site
from .pages import (
    detail_data,
    evidence_page_data,
    evidence_summary,
    histogram,
    home_data,
    occupation_evidence,
    older_pay,
    similar_occupations,
    space_page,
    tier_examples,
    title_index,
)
from .predraw import FirstView
from .preview import INK, MUTED
from .render import HomeAssets, bundle, environment
from .words import LABEL_CHART, LABEL_TEXT

Line = tuple[str, int, tuple[int, int, int]]  # text, size, colour


@dataclass
class Preview:
    """What one occupation's link preview says (``preview.occupation_preview``)."""

    slug: str
    title: str
    lines: list[Line]
    note: str


@dataclass
class Rendered:
    files: dict[str, str]  # path in the site: text
    previews: list[Preview]  # one per occupation
    lede: str  # the line under the home page's preview


def site_environment(site: Site, base_path: str = "/", site_url: str | None = None) -> jinja2.Environment:
    """Jinja with what every page of this site shares: the menu, the edition, where the previews are."""
    env = environment(base_path)
    env.globals["nav_criteria"] = [{"name": c.name, "title": c.title} for c in site.criteria]
    env.globals["edition"] = site.edition
    # Link previews need the image's whole address where the site's is known.
    public = site_url.rstrip("/") + "/" if site_url else base_path
    env.globals["public"] = public
    env.globals["absolute"] = bool(site_url)
    env.globals["path"] = ""  # each page's own path in the site, for og:url
    env.globals["preview"] = public + "preview.png"
    env.globals["current_criterion"] = None
    env.globals["has_space"] = bool(site.space)
    env.globals["has_evidence"] = bool(site.evidence)
    env.globals["label_text"] = LABEL_TEXT
    env.globals["label_chart"] = LABEL_CHART
    env.globals["rules"] = {"examples": EXAMPLES_RULE, "moves": MOVES_RULE}
    env.globals["no_one_path"] = NO_ONE_PATH  # BLS's placeholder, which macros.html says as "varies"
    return env


def home_page(env: jinja2.Environment, site: Site, layers: list[Layer], assets: HomeAssets, first: FirstView | None) -> str:
    """The home page; with ``first``, the map's first view written in (``predraw``), else its map empty."""
    drawn = None
    if first is not None:
        drawn = {"map": Markup(first["map"]), "legend": Markup(first["legend"]), "headline": first["headline"]}
    return env.get_template("index.html").render(
        page="home",
        path="",
        data=home_data(site, layers),
        layers=layers,
        groups=GROUPS,
        total_jobs=sum(o.jobs or 0 for o in site.on_map),
        inlined=assets,
        first=drawn,
    )


def render(
    env: jinja2.Environment,
    site: Site,
    layers: list[Layer],
    assets: HomeAssets,
    first: FirstView | None = None,
    cache: Cache | None = None,
) -> Rendered:
    """Every page and download of the site (``env`` from ``site_environment``);
    ``cache`` keeps what esbuild made of the Evidence page's script."""
    files: dict[str, str] = {"index.html": home_page(env, site, layers, assets, first)}
    files["table.html"] = env.get_template("table.html").render(
        page="table",
        path="table.html",
        occupations=site.occupations,
        criteria=site.criteria,
        edition=site.edition,
        older_pay={s: when for s, found in site.pay_ranges.items() if len(found) == 1 and (when := older_pay(site, found[0]))},
    )
    files["about.html"] = env.get_template("about.html").render(
        page="about", path="about.html", criteria=site.criteria, edition=site.edition
    )
    # The Table page's filter is the map's search.
    files["assets/table.js"] = bundle("table.mjs", "--minify", cache=cache)
    # The map's search, loaded by the home page when a visitor first searches.
    files["assets/search.js"] = bundle("searchscript.mjs", "--minify", cache=cache)
    on_map = len(site.on_map)
    by_slug = {o.slug: o for o in site.occupations}
    # Each occupation's answer cards, one per criterion, by criterion name.
    cards = {o.slug: {c.name: answer_card(site, o, c, by_slug) for c in site.criteria} for o in site.occupations}
    # The cards in brief, for the map's tooltip: why each occupation has its score on each criterion.
    why = {c.name: {s: brief for s, found in cards.items() if (brief := found[c.name].brief_why)} for c in site.criteria}
    occupation = env.get_template("occupation.html")
    for o in site.occupations:
        files[f"occupations/{o.slug}.html"] = occupation.render(
            page="occupation",
            path=f"occupations/{o.slug}.html",
            preview=f"{env.globals['public']}previews/{o.slug}.png",
            o=o,
            cards=list(cards[o.slug].values()),
            scores=[(c, c.scores.get(o.slug)) for c in site.criteria],
            projections=site.projections.get(o.slug, []),
            similar=similar_occupations(site, o.slug, by_slug),
            space=site.space,
            evidence=occupation_evidence(site, o.slug, by_slug),
            employers=site.employers.get(o.slug, []),
            industry_pay=site.industry_pay.get(o.slug, []),
            pay_ranges=site.pay_ranges.get(o.slug, []),
            on_map=on_map,
            pages=len(site.occupations),
        )
    if site.evidence:
        scatter, matrix = evidence_page_data(site)
        files["evidence.html"] = env.get_template("evidence.html").render(
            page="evidence",
            path="evidence.html",
            evidence=site.evidence,
            scatter=scatter,
            matrix=matrix,
            summary=evidence_summary(site),
            criteria=site.criteria,
            blues=BLUES,
            heat_floor=HEAT_FLOOR,
        )
        files["assets/evidence.js"] = bundle("evidence.mjs", cache=cache)
        files["data/measures.csv"] = measure_download(site) or ""
    if site.space:
        files["space.html"] = env.get_template("space.html").render(
            page="space", path="space.html", space=site.space, **space_page(site, by_slug)
        )
    for c in site.criteria:
        files[f"criteria/{c.name}.html"] = env.get_template("criterion.html").render(
            page="criterion",
            path=f"criteria/{c.name}.html",
            c=c,
            histogram=histogram(c),
            examples=tier_examples(site, c),
            imported=c.run.imported,
            total=len(c.scores),
            current_criterion=c.name,
            on_map=on_map,
        )
    csv_text, json_text = downloads(site, layers)
    files["data/occupations.csv"] = csv_text
    files["data/occupations.json"] = json_text
    files["data/details.json"] = json.dumps(
        detail_data(site, layers, why),
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    files["data/titles.json"] = json.dumps(title_index(site), ensure_ascii=False, separators=(",", ":"))
    files["data/metadata.json"] = json.dumps(yaml.safe_load((ROOT / "metadata.yml").read_text()), indent=1, sort_keys=True)
    # One stylesheet file for every other page: the home page's rules, then those only they use.
    files["assets/site.css"] = (TEMPLATES / "site.css").read_text() + "\n" + (TEMPLATES / "pages.css").read_text()
    files["404.html"] = env.get_template("404.html").render(page="404")
    titles = {c.name: c.title for c in site.criteria}
    previews = [
        Preview(o.slug, o.title, *preview_words(o, list(cards[o.slug].values()), titles, on_map)) for o in site.occupations
    ]
    jobs = round(sum(o.jobs or 0 for o in site.on_map) / 1e6)
    lede = f"worklens · {on_map} occupations, {jobs} million jobs · BLS Occupational Outlook Handbook"
    return Rendered(files, previews, lede)


def preview_words(o: Occupation, cards: list[Card], titles: dict[str, str], on_map: int) -> tuple[list[Line], str]:
    """What an occupation's link preview says, large enough to read at a
    feed's size: its first card's score, what research says and whether they
    agree, who made the score; and where the occupation is on the map."""
    lines: list[Line] = []
    for card in cards[:1]:
        lines.append((f"{titles[card.criterion]}: {card.score or 'not scored'}", 44, INK))
        lines.append((card.brief_research, 32, INK))
        if card.brief_agreement:
            lines.append((card.brief_agreement, 28, INK))
        lines.append((card.made_by_brief, 26, MUTED))
    note = (
        f"Where it sits among the {on_map} occupations on the map, sized by jobs."
        if o.jobs is not None
        else "Not on the map: BLS gives no count of its jobs."
    )
    return lines, note
