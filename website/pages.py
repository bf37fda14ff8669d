"""The data each page is rendered with, from what ``load`` read."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from .answer import made_by_short, rarity
from .colours import BLUES, HEAT_FLOOR, RAMPS, text_on
from .layers import BACHELOR, CORE_FIELDS, MISSING, NO_ONE_PATH, Layer, education_levels, round_half_up, row_fields
from .model import TITLE_KINDS, Consensus, Criterion, Occupation, Row, Site, Task, Value, number
from .words import LABEL_ORDER, LABELS, ORDINALS, agreement, percentile_text


def home_data(site: Site, layers: list[Layer]) -> dict[str, object]:
    """Only what the home page needs to draw: the catalogue of layers, and one
    compact row per occupation on the map, its fields named once in
    ``fields``. Rationales and the published measures load after the
    first drawing, from data/details.json; the names search looks through,
    when a visitor first searches, from data/titles.json."""
    categories = sorted({o.group for o in site.occupations})
    education = education_levels(site)
    # BLS's few words for an outlook, each said once: a row names its own by number.
    outlooks = sorted({o.outlook_desc for o in site.occupations if o.outlook_desc})
    extra = [layer for layer in layers if layer.id in row_fields(layers)]
    occupations = []
    # The treemap's area is the job count; Military Careers has none.
    for o in site.on_map:
        occupations.append(
            [
                o.slug,
                o.title,
                categories.index(o.group),
                o.jobs,
                o.median_pay_annual,
                # The page says an hourly figure only where BLS gives no yearly one.
                o.median_pay_hourly if o.median_pay_annual is None else None,
                o.outlook_pct,
                outlooks.index(o.outlook_desc) if o.outlook_desc else None,
                o.openings,
                1 if o.pay_top_coded else 0,
                education.index(o.entry_education) if o.entry_education in education else None,
                *(layer.value(o) if layer.value else None for layer in extra),
            ]
        )
    return {
        "fields": [*CORE_FIELDS, *(layer.id for layer in extra)],
        "categories": categories,
        "outlooks": outlooks,
        # BLS's words, said once: the level that means no one typical path, and a bachelor's degree.
        "varies": education.index(NO_ONE_PATH) if NO_ONE_PATH in education else None,
        "degree": education.index(BACHELOR) if BACHELOR in education else None,
        "layers": [layer.page() for layer in layers],
        "first": site.criteria[0].name if site.criteria else "outlook",
        "missing": MISSING,
        # Only the colour ramps this page draws with.
        "ramps": {name: RAMPS[name] for name in sorted({layer.scheme for layer in layers if layer.scheme})},
        # What a criterion's headline and tooltip add: its tiers and who made its scores.
        "criteria": {
            c.name: {"tiers": [{"name": t.name, "min": t.min, "max": t.max} for t in c.tiers], "source": made_by_short(c.run)}
            for c in site.criteria
        },
        "occupations": occupations,
        # Pages with no job count, so no tile: search still finds them.
        "offmap": [[o.slug, o.title] for o in site.occupations if o.jobs is None],
        "years": [site.edition.base_year, site.edition.projection_year],
        "space": site.space.method if site.space else None,
    }


# How each kind of published measure was made, in words anyone reads (the
# measures stage's methods, measures.definitions.METHODS): what the
# evidence names first, the measure's technical name second.
METHOD_WORDS = {
    "rubric LLM": "a language model rated its tasks",
    "human annotators": "people rated its tasks",
    "usage logs": "what people ask AI assistants",
    "ability mapping": "AI progress matched to the abilities it uses",
}


@dataclass
class Dot:
    """One source's place for an occupation, on its page's dot plot and table."""

    kind: str  # "criterion" or "measure"
    name: str
    short: str
    title: str
    value: float
    raw: str  # the value on the source's own scale, in words
    percentile: float
    n: int  # how many occupations the source reaches
    source: str
    method: str
    plain: str  # how it was made, in words anyone reads
    citation: str | None = None
    soc_codes: str | None = None
    share: float | None = None
    partial: int | None = None
    consensus: int | None = None


@dataclass
class OccupationEvidence:
    """The Evidence section of one occupation's page."""

    dots: list[Dot]
    verdict: list[str]
    tasks: list[Task]
    labels: dict[str, int]
    consensus: Consensus | None


def occupation_evidence(site: Site, slug: str, by_slug: dict[str, Occupation]) -> OccupationEvidence:
    """The Evidence section of one occupation's page: every criterion's score
    and every measure as a percentile, a plain verdict, the O*NET tasks most
    exposed first, and similar work that the measures place lower."""
    evidence = site.evidence
    dots = []
    for c in site.criteria:
        score = c.scores.get(slug)
        if score and slug in c.percentiles:
            dots.append(
                Dot(
                    kind="criterion",
                    name=c.name,
                    short=c.title,
                    title=c.title,
                    value=score.score,
                    raw=f"{score.score:g} of {c.max}",
                    percentile=c.percentiles[slug],
                    n=len(c.percentiles),
                    source=c.run.maker,
                    method="rubric LLM (this site)",
                    plain="the score shown on this site",
                )
            )
    if not evidence:
        return OccupationEvidence(dots, [], [], {}, None)
    for m in evidence.measures:
        v = m.values.get(slug)
        if v:
            dots.append(
                Dot(
                    kind="measure",
                    name=m.name,
                    short=m.short,
                    title=m.title,
                    value=v.value,
                    raw=f"{v.value:.3g}",
                    percentile=v.percentile,
                    n=m.occupations,
                    source=f"{m.authors}, {m.year}",
                    method=m.method,
                    plain=f"{METHOD_WORDS.get(m.method, m.method)} ({m.authors.split(' ')[0].rstrip(',')}, {m.year})",
                    citation=m.citation,
                    soc_codes=v.soc_codes,
                    share=v.employment_share,
                    partial=v.partial,
                    consensus=m.consensus,
                )
            )
    consensus = evidence.consensus.get(slug)
    verdict = []
    if consensus:
        verdict.append(
            f"The {consensus.measures} main published measures (marked ● below) place this occupation between the "
            f"{percentile_text(consensus.low)} and the {percentile_text(consensus.high)} percentile of US occupations "
            f"for exposure to AI, with a median at the {percentile_text(consensus.median)}."
        )
        for d in dots:
            if d.kind != "criterion":
                continue
            stands = agreement(d.percentile - consensus.median)
            where = (
                f"The {d.title} score this site shows ({d.raw}, from {d.source}) puts it at the "
                f"{percentile_text(d.percentile)} percentile"
            )
            if stands.startswith("far"):
                verdict.append(f"{where}, {stands} where the published measures put it: they disagree.")
            elif stands.startswith("somewhat"):
                verdict.append(f"{where}, {stands} the published measures' median.")
            else:
                verdict.append(f"{where}, in line with the published measures.")
        if consensus.spread >= 50:
            verdict.append(
                f"The published measures themselves disagree strongly about it: {round_half_up(consensus.high) - round_half_up(consensus.low)} percentile points "
                "separate the lowest from the highest."
            )
    tasks = sorted(
        evidence.tasks.get(slug, []),
        key=lambda t: (
            LABEL_ORDER[t.human_label],
            LABEL_ORDER[t.gpt4_label],
            t.task_type != "Core",
            t.onet_soc_code,
            t.task_id,
        ),
    )
    labels = {label: sum(1 for t in tasks if t.human_label == label) for label in LABELS}
    return OccupationEvidence(dots, verdict, tasks, labels, consensus)


def evidence_page_data(site: Site) -> tuple[dict[str, object], list[tuple[dict[str, str], list[dict[str, object]]]]]:
    """The Evidence page: the agreement matrix, and the percentiles its scatter
    plot draws (every criterion and measure for every occupation)."""
    assert site.evidence is not None, "the Evidence page is built only where there is evidence"
    evidence = site.evidence
    items = [
        {"name": c.name, "short": c.title, "title": c.title, "kind": "criterion", "source": c.run.maker} for c in site.criteria
    ]
    items += [
        {"name": m.name, "short": m.short, "title": m.title, "kind": "measure", "source": f"{m.authors}, {m.year}"}
        for m in evidence.measures
    ]
    lookups = [c.percentiles for c in site.criteria] + [{s: v.percentile for s, v in m.values.items()} for m in evidence.measures]
    occupations = [
        # Exact: the script rounds once, to say a percentile; a value rounded here first could be said one off.
        [o.slug, o.title, o.jobs, [p.get(o.slug) for p in lookups]]
        for o in site.occupations
        if o.jobs and any(o.slug in p for p in lookups)
    ]
    pairs: dict[tuple[Value, Value], Row] = {}
    for r in evidence.agreement:
        pairs[(r["a"], r["b"])] = pairs[(r["b"], r["a"])] = r
    matrix: list[tuple[dict[str, str], list[dict[str, object]]]] = []
    for a in items:
        cells: list[dict[str, object]] = []
        for b in items:
            found = pairs.get((a["name"], b["name"]))
            cells.append({"row": found, "colours": heat(number(found["spearman"]) if found else None), "self": a is b})
        matrix.append((a, cells))
    agreement = {
        f"{r['a']}|{r['b']}": [r["n"], r["spearman"], r["spearman_low"], r["spearman_high"], r["weighted"]]
        for r in evidence.agreement
    }
    return {"items": items, "occupations": occupations, "agreement": agreement, "ordinals": ORDINALS}, matrix


def evidence_summary(site: Site) -> list[str]:
    """The Evidence page's first sentences: what it found, in plain words and
    figures computed from the agreement table (the median rank correlation
    between two main measures, and each criterion's with them)."""
    assert site.evidence is not None, "the Evidence page is built only where there is evidence"
    main = {m.name for m in site.evidence.measures if m.consensus}
    between: list[float] = []
    with_criterion: dict[str, list[float]] = {}
    for r in site.evidence.agreement:
        rho = number(r["spearman"])
        if rho is None:
            continue
        if r["a"] in main and r["b"] in main:
            between.append(rho)
        for mine, theirs in ((r["a"], r["b"]), (r["b"], r["a"])):
            if theirs in main and any(c.name == mine for c in site.criteria):
                with_criterion.setdefault(str(mine), []).append(rho)
    if not between:
        return []
    middle = statistics.median(between)
    said = [
        f"What it found: the {len(main)} main published measures largely order occupations alike. Between two of them, "
        f"the rank correlation (1 for the same order, 0 for none) is {middle:.2f} in the middle, from "
        f"{min(between):.2f} to {max(between):.2f}."
    ]
    for c in site.criteria:
        found = with_criterion.get(c.name)
        if not found:
            continue
        mine = statistics.median(found)
        who = made_by_short(c.run, how=False)
        how = (
            "about as closely as they agree with each other"
            if abs(mine - middle) < 0.05
            else (
                "more closely than they agree with each other"
                if mine > middle
                else "less closely than they agree with each other"
            )
        )
        said.append(
            f"The {c.title} score shown on this site ({who[0].lower()}{who[1:]}) agrees with them {how}: {mine:.2f} in the middle."
        )
    return said


def detail_data(site: Site, layers: list[Layer], why: dict[str, dict[str, str]]) -> dict[str, object]:
    """Loaded after the treemap is drawn: why each occupation has its score
    (``why``: {criterion: {slug: a sentence}}, the answer cards' short
    form), the published measures' percentiles and
    consensus (lowest, median, highest), and each occupation's place in the
    labour space."""
    consensus = site.evidence.consensus if site.evidence else {}
    slugs = [o.slug for o in site.on_map]
    return {
        "why": why,
        "ordinals": ORDINALS,
        # A table of what comes late: a column for each layer whose figures come late and for
        # the measures' lowest, median and highest percentile, a row for each occupation in ``slugs``.
        "slugs": slugs,
        "layers": {layer.id: [layer.value(o) for o in site.on_map] for layer in layers if layer.late and layer.value},
        # Exact: the tooltip rounds once, as the pages do (words.percentile_text).
        "consensus": {
            part: [getattr(consensus[s], part) if s in consensus else None for s in slugs] for part in ("low", "median", "high")
        },
        # 10th and 90th percentile pay, one pair per detailed occupation, whether hourly, whether the 90th is
        # top-coded, and the month its figures are from where it is not the edition's (None where it is).
        "ranges": {
            s: [
                [r["p10"], r["p90"], int(r["period"] == "hourly"), int(bool(r["p90_top_coded"])), older_pay(site, r)]
                for r in ranges
            ]
            for s, ranges in site.pay_ranges.items()
        },
        "xy": {s: list(xy) for s, xy in site.space.layout.items() if s in slugs} if site.space else {},
    }


def older_pay(site: Site, pay_range: Row) -> str | None:
    """The month a pay range is from ("May 2017"), where a page gives no figures of the edition's year."""
    as_of = pay_range.get("as_of")
    return as_of if isinstance(as_of, str) and as_of and as_of != f"May {site.edition.base_year}" else None


def tier_examples(site: Site, criterion: Criterion, k: int = 3) -> dict[str, list[Occupation]]:
    """For each tier, the ``k`` occupations with the most jobs that the scores
    shown put in it: examples that are on the map, at the scores it shows."""
    found: dict[str, list[Occupation]] = {t.name: [] for t in criterion.tiers}
    for o in sorted(site.on_map, key=lambda o: (-(o.jobs or 0), o.slug)):
        score = criterion.scores.get(o.slug)
        tier = next((t for t in criterion.tiers if score and t.min <= score.score < t.max + 1), None)
        if tier is not None and len(found[tier.name]) < k:
            found[tier.name].append(o)
    return found


def histogram(criterion: Criterion) -> list[dict[str, int]]:
    counts = {v: 0 for v in range(criterion.min, criterion.max + 1)}
    for s in criterion.scores.values():
        if int(s.score) in counts:  # a score off its scale is a tampered row; it is not drawn
            counts[int(s.score)] += 1
    return [{"score": k, "occupations": v} for k, v in counts.items()]


def heat(value: float | None) -> tuple[str, str]:
    """(background, text colour) for a correlation: darker is closer agreement."""
    if value is None:
        return "#eeeeee", text_on("#eeeeee")
    t = (value - HEAT_FLOOR) / (1 - HEAT_FLOOR)
    step = min(len(BLUES) - 1, max(0, round(t * (len(BLUES) - 1))))
    return BLUES[step], text_on(BLUES[step])


# Why an occupation is listed as similar to another, in the order they are told.
SIMILAR_SOURCES = (
    ("bls", "BLS lists it as similar"),
    ("onet", "O*NET relates it"),
    ("space", "its description is among the ten closest"),
    ("text", "its BLS page names it"),
)


def similar_occupations(site: Site, slug: str, by_slug: dict[str, Occupation]) -> list[tuple[Occupation, list[str]]]:
    """One list of the occupations similar to ``slug``, each with where it
    came from: BLS's Similar Occupations, O*NET's related occupations, the
    ten nearest by description in the labour space, and the occupations its
    page names in its text. BLS's first, then in the order each source gives;
    each says how many of its work activities it shares, where any."""
    found: dict[str, list[str]] = {}
    lists = {
        "bls": site.similar.get(slug, []),
        "onet": site.related.get(slug, []),
        "space": site.space.nearest.get(slug, []) if site.space else [],
        "text": [str(link["target_slug"]) for link in site.text_links.get(slug, [])],
    }
    for key, words in SIMILAR_SOURCES:
        for other in lists[key]:
            if other in by_slug and other != slug and words not in found.setdefault(other, []):
                found[other].append(words)
    # What work carries over, where O*NET links work activities to both.
    mine = site.work.by_occupation.get(slug, {}) if site.work else {}
    for other, sources in found.items():
        shared = sum(1 for a in mine if site.work and a in site.work.by_occupation.get(other, {}))
        if shared:
            sources.append(f"it shares {shared} of this job's {len(mine)} O*NET work activities")
    return [(by_slug[other], sources) for other, sources in found.items()]


def title_index(site: Site) -> dict[str, object]:
    """What search looks through, fetched when a visitor first searches
    (data/titles.json): each occupation as [slug, Handbook title, jobs,
    [its names of each other kind]], the kinds after the title in the order
    of ``TITLE_KINDS`` (BLS's aliases, then O*NET's titles)."""
    names: dict[str, list[list[str]]] = {o.slug: [[] for _ in TITLE_KINDS[1:]] for o in site.occupations}
    for t in site.titles:
        if t.slug in names:
            names[t.slug][TITLE_KINDS.index(t.kind) - 1].append(t.name)
    return {"kinds": list(TITLE_KINDS), "occupations": [[o.slug, o.title, o.jobs or 0, names[o.slug]] for o in site.occupations]}


@dataclass
class PairShown:
    """A pair of occupations the labor space page tells about, with the work activities that explain it."""

    kind: str
    a: Occupation
    b: Occupation
    shared: list[str]  # for a close pair: the activities both do, most done first
    shared_kinds: list[str]  # where they share no one activity: the kinds of work both do
    own_a: list[str]  # for a pair apart: each side's most characteristic activities
    own_b: list[str]


# Close pairs: pairs close in the work but in different BLS groups; apart pairs: similar titles, different work.
CLOSE, APART = "close work, different groups", "same title, different work"
PAIR_ACTIVITIES = 3  # activities named for each pair, or each side of one


def characteristic(site: Site, slug: str) -> list[str]:
    """An occupation's most characteristic work activities: those most of its
    tasks carry, weighted by how few occupations carry them (``answer.rarity``)."""
    assert site.work is not None
    mine, rare = site.work.by_occupation.get(slug, {}), rarity(site.work)
    ranked = sorted(mine, key=lambda a: (-mine[a] * rare.get(a, 0.0), a))
    return [site.work.activities[a] for a in ranked[:PAIR_ACTIVITIES]]


def space_page(site: Site, by_slug: dict[str, Occupation]) -> dict[str, object]:
    """What the labor space page tells: the pairs that show what the map
    reveals, each with the activities that explain it, and the held-out recall."""
    pairs: list[PairShown] = []
    if site.space and site.work:
        work = site.work
        for p in site.space.pairs:
            if p.slug not in by_slug or p.other_slug not in by_slug or p.kind not in (CLOSE, APART):
                continue
            a, b = work.by_occupation.get(p.slug, {}), work.by_occupation.get(p.other_slug, {})
            both = sorted(set(a) & set(b), key=lambda d: (-min(a[d], b[d]), -(a[d] + b[d]), d))
            # Where no one activity is both's, the kinds of work both do (O*NET's intermediate activities).
            kinds_a, kinds_b = {work.kinds[d] for d in a}, {work.kinds[d] for d in b}
            shown = PairShown(
                p.kind,
                by_slug[p.slug],
                by_slug[p.other_slug],
                [work.activities[d] for d in both[:PAIR_ACTIVITIES]],
                [] if both else sorted(kinds_a & kinds_b)[:PAIR_ACTIVITIES],
                [],
                [],
            )
            if p.kind == APART:
                shown.own_a, shown.own_b = characteristic(site, p.slug), characteristic(site, p.other_slug)
            pairs.append(shown)
    return {
        "close": [p for p in pairs if p.kind == CLOSE],
        "apart": [p for p in pairs if p.kind == APART],
        "mix": site.space.mix if site.space else {},
    }
