"""A visitor's second look (issue 30): every figure the pages say is rounded
once from the exact value, decided on the exact value, and says what it
counts; provenance in plain words; the Table page's cells carry their "at
least" and "as of"; colours a visitor tells apart; link previews with whole
addresses. Expected values are computed from the database the site is built
from, never pinned."""

import json
import math
import re
import sqlite3
import statistics
from html import unescape

import pytest
from click.testing import CliRunner
from conftest import ROOT

import build
from website.answer import agreement_words, research_words
from website.colours import apart, even_steps
from website.layers import NO_ONE_PATH, catalogue
from website.load import load
from website.model import Consensus
from website.words import IMPORTED, MAIN_RULE, agreement, percentile_text


@pytest.fixture(scope="module")
def data():
    return load(ROOT / "data.db")


def words(html):
    """A page's text as a reader sees it."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


# Rounded once, decided on the exact value ------------------------------------------


@pytest.mark.parametrize(
    "value, said",
    [(48.5, "49th"), (48.49999, "48th"), (53.495, "53rd"), (53.5, "54th"), (0.49, "0th"), (99.5, "100th"), (11.5, "12th")],
)
def test_a_percentile_is_rounded_once_half_up_as_the_pages_scripts_round(value, said):
    # The pages' scripts say ORDINALS[Math.round(v)]: floor(v + 0.5), the same rule, so a page and its tooltip agree.
    assert percentile_text(value) == said
    assert percentile_text(value) == percentile_text(math.floor(value + 0.5))


@pytest.mark.parametrize(
    "gap, stands",
    [
        (-29.996, "somewhat below"),
        (-30.0, "far below"),
        (30.0, "far above"),
        (14.9999, "in line"),
        (-15.0, "somewhat below"),
        (15.0, "somewhat above"),
    ],
)
def test_a_verdict_is_decided_on_the_exact_gap(gap, stands):
    # Childcare workers' exact gap was -29.996: "somewhat below", though it rounds to 30.
    assert agreement(gap) == stands
    consensus = Consensus(measures=5, median=50.0, low=40.0, high=60.0, spread=20.0)
    assert f": {stands} " in agreement_words(50.0 + gap, 342, consensus)


def test_the_main_measures_rule_in_words_is_the_stages_rule():
    from measures.load import MAIN_SHARE

    assert MAIN_SHARE == 0.5 and MAIN_RULE == "at least half its jobs"


def test_every_card_says_the_rule_and_why_fewer_measures_count(data):
    """The card's count of main measures is measure_consensus.measures; the
    measures of the consensus that reach the occupation at all, but less than
    half its jobs, are said, with their number."""
    assert data.evidence is not None
    main = [m for m in data.evidence.measures if m.consensus]
    seen_fewer = 0
    for slug, consensus in data.evidence.consensus.items():
        reaching = sum(1 for m in main if slug in m.values)
        said = research_words(consensus, reaching, len(main))
        assert f"{consensus.measures} main published measures of AI exposure (those that reach {MAIN_RULE})" in said
        low, high = percentile_text(consensus.low), percentile_text(consensus.high)
        assert f"between the {low} and {high} percentile (median {percentile_text(consensus.median)})" in said
        fewer = reaching - consensus.measures
        # A measure counted for an occupation reaches at least half its jobs (or the share is not known).
        for m in main:
            v = m.values.get(slug)
            if v is not None and v.employment_share is not None and v.employment_share < 0.5:
                assert fewer > 0, slug
        if fewer == 1:
            assert "One other measure reaches less than half its jobs and does not count here." in said
        elif fewer > 1:
            assert f"{fewer} other measures reach less than half its jobs and do not count here." in said
        else:
            assert "count here" not in said
        # A main measure with no figure for it is said too, so the count never goes unexplained.
        if len(main) > reaching:
            assert f"of the {len(main)} main measures" in said and "no figure for it" in said, slug
        else:
            assert "no figure for it" not in said
        assert consensus.measures + max(fewer, 0) + (len(main) - reaching) == len(main)
        seen_fewer += fewer > 0
    assert seen_fewer, "the committed data has occupations where a measure reaches only part of the jobs"


def test_the_cards_say_what_of_n_counts(committed_site, data):
    c = data.criteria[0]
    n = len(c.percentiles)
    for slug in ("registered-nurses", "childcare-workers", "lawyers"):
        text = words((committed_site / "occupations" / f"{slug}.html").read_text())
        assert f"percentile of the {n} occupations scored:" in text
        # Each source's percentile says how many occupations it reaches, not a bare "of N".
        for m in data.evidence.measures:
            if slug in m.values:
                assert f"{percentile_text(m.values[slug].percentile)} of the {m.occupations} it reaches" in text


def test_the_map_and_the_evidence_page_get_exact_percentiles_to_round_once(committed_site, data):
    details = json.loads((committed_site / "data" / "details.json").read_text())
    consensus = data.evidence.consensus
    for i, slug in enumerate(details["slugs"]):
        for part in ("low", "median", "high"):
            got = details["consensus"][part][i]
            assert got == (getattr(consensus[slug], part) if slug in consensus else None), (slug, part)
    page = (committed_site / "evidence.html").read_text()
    scatter = json.loads(re.search(r'<script id="evidence-data" type="application/json">(.*?)</script>', page, re.S)[1])
    exact = {o.slug: o for o in data.occupations}
    c = data.criteria[0]
    for slug, _, _, values in scatter["occupations"]:
        assert slug in exact and values[0] == c.percentiles.get(slug)


def test_ties_to_the_sources_precision_share_their_percentile(data):
    # Values equal to ten significant digits (a weighted mean's last-bit noise) have one percentile.
    for m in data.evidence.measures:
        by_value: dict[float, set[float]] = {}
        for v in m.values.values():
            by_value.setdefault(float(f"{v.value:.10g}"), set()).add(v.percentile)
        assert all(len(p) == 1 for p in by_value.values()), m.name


# Provenance in plain words -----------------------------------------------------------------


def test_an_imported_score_names_its_maker_in_plain_words_everywhere(committed_site, data):
    c = data.criteria[0]
    known = IMPORTED[c.run.source_url]
    who = f"From {known.who}, {known.how}, with its own instructions, not this site's rubric."
    for slug in ("registered-nurses", "software-developers"):
        assert who in words((committed_site / "occupations" / f"{slug}.html").read_text())
    home = (committed_site / "index.html").read_text()
    assert f"{known.who}, {known.how}, with its own instructions" in home
    evidence = words((committed_site / "evidence.html").read_text())
    assert "(this site)" not in evidence and f"{c.title} (the score shown on this site)" in evidence
    # The AI exposure page: what the instructions asked, in its own words, and commands only for maintainers.
    page = (committed_site / "criteria" / f"{c.name}.html").read_text()
    assert known.asked in unescape(page)
    # What the map's scores say comes first; the rubric's narrower question is quoted as the rubric's.
    lede = unescape(re.search(r'<p class="lede">(.*?)</p>', page, re.S)[1])
    assert lede.startswith(f"The scores on the map say {known.says}") and f"“{c.description}”" in lede
    assert f"The scores say {known.says}." in unescape(evidence_page := (committed_site / "evidence.html").read_text())
    assert c.description not in unescape(evidence_page)
    maintainers = page.index('<details class="maintainers">')
    assert "python -m score" not in page[:maintainers] and "fingerprint" not in page[:maintainers].lower()
    # The run's stored label is insider shorthand: shown only in the maintainers' list of runs.
    label = c.run.label or c.run.source
    assert label and label != known.who
    outside = [
        str(path.relative_to(committed_site))
        for path in committed_site.rglob("*")
        if path.suffix in (".html", ".json", ".csv") and label in path.read_text()
    ]
    assert outside == [f"criteria/{c.name}.html"] and label not in page[:maintainers]


def test_tier_examples_are_occupations_on_the_map_at_the_scores_it_shows(committed_site, data):
    c = data.criteria[0]
    page = (committed_site / "criteria" / f"{c.name}.html").read_text()
    tiers = page[page.index("<h2>Tiers</h2>") : page.index("<h2>The rubric</h2>")]
    on_map = {o.slug for o in data.on_map}
    for t in c.tiers:
        row = re.search(rf"<tr><td>{re.escape(t.name)}</td>.*?</tr>", tiers, re.S)[0]
        for slug in re.findall(r"occupations/([a-z0-9-]+)\.html", row):
            assert slug in on_map and t.min <= c.scores[slug].score < t.max + 1, (t.name, slug)
    assert "1 occupations" not in page


# The Table page ----------------------------------------------------------------------------


def test_the_table_carries_at_least_as_of_and_varies(committed_site, data):
    page = (committed_site / "table.html").read_text()
    rows = {
        m[0]: m[1]
        for m in re.findall(r'<th scope="row"><a href="/occupations/([a-z0-9-]+)\.html">.*?</th>(.*?)</tr>', page, re.S)
    }
    assert len(rows) == len(data.occupations)
    for o in data.occupations:
        row = rows[o.slug]
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        if o.pay_p90_top_coded and (o.pay_p90_annual or o.pay_p90_hourly):
            assert "at least" in words(cells[len(data.criteria) + 4]), o.slug
        if o.entry_education == NO_ONE_PATH:
            assert f'<a href="{o.url}#tab-4">varies</a>' in row, o.slug
        ranges = data.pay_ranges.get(o.slug, [])
        older = [r["as_of"] for r in ranges if r["as_of"] and r["as_of"] != f"May {data.edition.base_year}"]
        if len(ranges) == 1 and older:
            assert f"({older[0]})" in row, o.slug
    assert NO_ONE_PATH not in page
    # Sorting needs the script, so the buttons are the script's: none is in the page as sent.
    assert "<button" not in page[page.index('<table class="data sortable"') : page.index("</table>")]


def test_varies_and_as_of_travel_to_the_occupation_pages_and_the_downloads(committed_site, data):
    import csv

    placeholder = [o for o in data.occupations if NO_ONE_PATH in (o.entry_education, o.work_experience, o.training)]
    assert placeholder
    for o in placeholder:
        page = (committed_site / "occupations" / f"{o.slug}.html").read_text()
        assert NO_ONE_PATH not in page and f'<a href="{o.url}#tab-4">varies</a>' in page, o.slug
    with open(committed_site / "data" / "occupations.csv", newline="") as f:
        rows = {r["slug"]: r for r in csv.DictReader(f)}
    assert not any(NO_ONE_PATH in value for r in rows.values() for value in r.values())
    for o in data.occupations:
        row, ranges = rows[o.slug], data.pay_ranges.get(o.slug, [])
        ranged = any(row[k] for k in ("pay_p10_annual", "pay_p10_hourly", "pay_p90_annual", "pay_p90_hourly"))
        said = "; ".join(dict.fromkeys(r["as_of"] for r in ranges if r["as_of"])) if ranged else ""
        assert row["pay_range_as_of"] == said, o.slug
        has_median = o.median_pay_annual or o.median_pay_hourly
        assert row["median_pay_as_of"] == (f"May {data.edition.base_year}" if has_median else ""), o.slug
    # A range older than the edition says so in the download, as on its page.
    assert any(r["pay_range_as_of"] and r["pay_range_as_of"] != f"May {data.edition.base_year}" for r in rows.values())
    details = json.loads((committed_site / "data" / "occupations.json").read_text())
    assert {r["slug"]: r["pay_range_as_of"] or "" for r in details} == {s: r["pay_range_as_of"] for s, r in rows.items()}


# Colours and link previews -------------------------------------------------------------------


@pytest.mark.parametrize("k", range(2, 9))
def test_education_steps_are_told_apart(k):
    # Up to BLS's eight levels of entry education (nine would still be 14 apart).
    steps = even_steps(k)
    assert len(steps) == k
    assert all(apart(a, b) >= 15 for a, b in zip(steps, steps[1:])), steps


def test_the_education_layers_colours_are_told_apart(data):
    education = next(layer for layer in catalogue(data) if layer.id == "education")
    colours = [c.lstrip("#") for c, name in zip(education.colours, education.categories) if not name.startswith("Varies")]
    assert all(apart(a, b) >= 15 for a, b in zip(colours, colours[1:])), colours


def test_link_previews_have_whole_addresses(tmp_path, small_copy):
    out = tmp_path / "site"
    result = CliRunner().invoke(
        build.main,
        ["--db", str(small_copy), "--out", str(out), "--base-path", "/worklens/", "--site-url", "https://example.org/worklens/"],
    )
    assert result.exit_code == 0, result.output
    assert "no site address" not in result.output
    slug = sqlite3.connect(small_copy).execute("select slug from occupations where jobs is not null order by slug").fetchone()[0]
    for path, address in (
        ("index.html", ""),
        ("table.html", "table.html"),
        (f"occupations/{slug}.html", f"occupations/{slug}.html"),
    ):
        page = (out / path).read_text()
        assert f'<meta property="og:url" content="https://example.org/worklens/{address}">' in page, path
        image = re.search(r'<meta property="og:image" content="([^"]+)">', page)[1]
        assert image.startswith("https://example.org/worklens/") and image.endswith(".png"), path
    # Without the address the build says so, once.
    plain = CliRunner().invoke(build.main, ["--db", str(small_copy), "--out", str(tmp_path / "plain")])
    assert plain.exit_code == 0 and plain.output.count("no site address given") == 1
    assert "og:url" not in (tmp_path / "plain" / "index.html").read_text()


def test_the_evidence_page_opens_with_what_it_found(committed_site, data):
    page = words((committed_site / "evidence.html").read_text())
    main = {m.name for m in data.evidence.measures if m.consensus}
    between = [r["spearman"] for r in data.evidence.agreement if r["a"] in main and r["b"] in main and r["spearman"] is not None]
    first = page.index("What it found:")
    assert first < page.index("How closely they agree")
    assert f"is {statistics.median(between):.2f} in the middle, from {min(between):.2f} to {max(between):.2f}" in page
    assert "Hover or focus a cell" not in page


def test_a_legend_title_does_not_repeat_itself(data):
    for layer in catalogue(data):
        said = layer.legend_title()
        assert said.lower().count(layer.short.lower()) == 1, said


def test_a_link_preview_reads_at_a_feeds_size(data):
    """At a feed's 506 px the 1200 px preview is shrunk to 0.42: its lines are
    drawn at 26 px or more (11 px or more there), the score line names the
    criterion once, and the preview says whether the score agrees with research."""
    from website.answer import answer_card
    from website.site import preview_words

    by_slug = {o.slug: o for o in data.occupations}
    o = by_slug["registered-nurses"]
    c = data.criteria[0]
    card = answer_card(data, o, c, by_slug)
    lines, _ = preview_words(o, [card], {c.name: c.title}, len(data.on_map))
    assert lines[0][0] == f"{c.title}: {card.score}"
    assert all(size >= 26 for _, size, _ in lines)
    assert card.brief_agreement in [text for text, _, _ in lines]
    # The verdict is the card's own, in fewer words, so that it is not cut at a feed's size.
    assert card.agreement.endswith(card.brief_agreement.split(", ")[-1]) and len(card.brief_agreement) <= 60
