"""The answer card at the top of every occupation page: written by one
function from the data, for both ends of the scale and with every piece
that can be missing."""

import copy
import html
import math
import re
import sqlite3
from dataclasses import replace

import pytest
from conftest import ROOT
from databases import site_counts

from website.answer import CAVEAT, SHARED_ENOUGH, answer_card, made_by, made_by_short
from website.load import load
from website.model import Run


def a_run(**given):
    """A run as load reads one, with what ``given`` says of it."""
    blank = dict(id=1, kind="model", model=None, source=None, started="", finished=None, cost_usd=0.0, batch=False)
    blank |= dict(prompt_hash="", level="occupation", label=None, source_url=None, prompt=None)
    return Run(**(blank | given))


@pytest.fixture(scope="module")
def data():
    return load(ROOT / "data.db")


@pytest.fixture(scope="module")
def by_slug(data):
    return {o.slug: o for o in data.occupations}


def card_for(data, by_slug, slug):
    return answer_card(data, by_slug[slug], data.criteria[0], by_slug)


def labels(slug):
    with sqlite3.connect(ROOT / "data.db") as conn:
        rows = conn.execute("select human_label, count(*) from tasks where slug = ? group by human_label", [slug]).fetchall()
    return dict(rows)


def centrality(slug):
    """Each task's centrality, worked out here in SQL from the rule the card
    says: for each work activity the task carries, how many of the
    occupation's other tasks carry it too, added up."""
    with sqlite3.connect(ROOT / "data.db") as conn:
        return dict(
            ((code, task), total)
            for code, task, total in conn.execute(
                "select ta.onet_soc_code, ta.task_id, sum(oa.tasks - 1) from task_activities ta "
                "join occupation_activities oa on oa.slug = ta.slug and oa.dwa_id = ta.dwa_id "
                "where ta.slug = ? group by ta.onet_soc_code, ta.task_id",
                [slug],
            )
        )


def expected_examples(slug):
    """The tasks the card should quote, chosen here by the written rule."""
    with sqlite3.connect(ROOT / "data.db") as conn:
        tasks = conn.execute(
            "select onet_soc_code, task_id, task, task_type, human_label from tasks where slug = ? and human_label is not null",
            [slug],
        ).fetchall()
    central = centrality(slug)
    by_label = {}
    for code, task_id, text, kind, label in tasks:
        by_label.setdefault(label, []).append((-central.get((code, task_id), 0), kind != "Core", code, task_id, text))
    order = {"E1": 0, "E2": 1, "E0": 2}
    ranked = sorted(by_label, key=lambda label: (-len(by_label[label]), order[label]))
    return [[t[-1] for t in sorted(by_label[label])] for label in ranked], ranked


def quotes(text):
    return [q.rstrip("…").rstrip() for q in re.findall(r"“([^”]+)”", text)]


def test_the_top_of_the_scale_whose_tasks_disagree_with_its_score(data, by_slug):
    card = card_for(data, by_slug, "medical-transcriptionists")
    assert card.score == "10 of 10, maximum"
    # Who made it, in plain words: the project, the model and its maker, the month; never the run's insider label.
    assert card.made_by == (
        "From karpathy.ai/jobs, scored by Google's Gemini 3 Flash model in March 2026, with its own instructions, "
        "not this site's rubric."
    )
    # No reason came with the imported score: the card says what people judged of its tasks instead.
    counts = labels("medical-transcriptionists")
    assert card.why[0].startswith(f"Of its {sum(counts.values())} O*NET tasks, people judged {counts['E1']} directly exposed")
    # Most of its tasks were judged not exposed: the card says so as the rule, names the exception, and says it disagrees.
    tasks, ranked = expected_examples("medical-transcriptionists")
    assert ranked[0] == "E0" and counts["E0"] > counts["E1"] + counts["E2"]
    assert card.examples.startswith("Most are not exposed, such as")
    said = quotes(card.examples)
    assert all(tasks[0][i].startswith(said[i]) for i in range(2))
    assert f"The main exception: {counts[ranked[1]]} " in card.examples and tasks[1][0].startswith(said[2])
    assert card.why[1] == "So its tasks, as people judged them, say less than this score does."
    assert re.match(r"ranked (near the top|above the middle) of US occupations: 6 main published measures", card.research)
    ranked_n = len(data.criteria[0].percentiles)
    assert card.agreement == f"This score is the 100th percentile of the {ranked_n} occupations scored: in line with research."
    assert card.gap is None  # in line: no gap to account for
    assert card.caveat == CAVEAT


def test_the_bottom_of_the_scale(data, by_slug):
    card = card_for(data, by_slug, "construction-laborers-and-helpers")
    assert card.score == "1 of 10, minimal"
    assert "below the middle" in card.research or "near the bottom" in card.research
    # Nothing can score a fifth of the scale below 1, and the card says so.
    assert card.alternatives == [] and card.no_alternatives.startswith("No occupation that shares this work scores clearly lower")
    counts = labels("construction-laborers-and-helpers")
    assert f"{counts['E0']} not exposed" in card.why[0]
    tasks, ranked = expected_examples("construction-laborers-and-helpers")
    assert ranked[0] == "E0" and card.examples.startswith("Most are not exposed, such as “")
    # Its tasks agree with its score: no sentence says otherwise; its one exception is named as one.
    assert re.search(f"The main exception: {counts[ranked[1]]} exposed with tools, such as “[^”]+”[.]$", card.examples)
    assert len(card.why) == 1
    assert tasks[0][0].startswith(quotes(card.examples)[0]) and tasks[1][0].startswith(quotes(card.examples)[-1])


def test_examples_are_the_most_representative_tasks_of_the_main_label(data, by_slug):
    for slug in ("registered-nurses", "cashiers", "interpreters-and-translators", "lawyers"):
        card = card_for(data, by_slug, slug)
        tasks, ranked = expected_examples(slug)
        said = quotes(card.examples)
        assert all(tasks[0][i].startswith(said[i]) for i in range(min(2, len(tasks[0])))), slug
        if len(ranked) > 1:
            assert tasks[1][0].startswith(said[-1]), slug


def test_most_means_more_than_half_and_only_a_majority_contradicts_the_score(data, by_slug):
    """Registered nurses: fewer than half their tasks were judged not exposed,
    though more than any other judgment; the card says the count, not "most",
    and does not set its tasks against its score. Every card follows the rule."""
    counts = labels("registered-nurses")
    rated = sum(n for label, n in counts.items() if label in ("E0", "E1", "E2"))
    top = max(counts.get(label, 0) for label in ("E0", "E1", "E2"))
    assert 2 * top <= rated  # the case this test is about: no judgment holds a majority
    nurses = card_for(data, by_slug, "registered-nurses")
    assert nurses.examples.startswith(f"{top} of the {rated} rated, ") and not nurses.examples.startswith("Most")
    place = lambda card: int(card.score.split(" of ")[0]) / 10  # noqa: E731
    for o in data.occupations:
        c = labels(o.slug)
        rated = sum(c.get(label, 0) for label in ("E0", "E1", "E2"))
        if not rated or o.slug not in data.criteria[0].scores:
            continue
        card = card_for(data, by_slug, o.slug)
        majority = 2 * max(c.get(label, 0) for label in ("E0", "E1", "E2")) > rated
        assert card.examples.startswith("Most are") == majority, o.slug
        says = card.why[1] if len(card.why) > 1 else ""
        assert ("say less" in says) == (2 * c.get("E0", 0) > rated and place(card) >= 0.6), o.slug
        assert ("say more" in says) == (2 * c.get("E1", 0) > rated and place(card) <= 0.4), o.slug


def test_a_score_far_from_research_says_what_in_the_work_accounts_for_it(data, by_slug):
    criterion = data.criteria[0]
    far = [
        o
        for o in data.occupations
        if o.slug in criterion.percentiles
        and o.slug in data.evidence.consensus
        and abs(criterion.percentiles[o.slug] - data.evidence.consensus[o.slug].median) >= 30
        and labels(o.slug).keys() - {None}
    ]
    assert far
    for o in far:
        card = card_for(data, by_slug, o.slug)
        counts = labels(o.slug)
        rated = sum(v for k, v in counts.items() if k)
        assert card.gap.startswith(
            f"What in the work accounts for the gap: people judged {counts.get('E1', 0) + counts.get('E2', 0)} of its {rated} rated tasks exposed"
        ), o.slug
        assert card.gap.endswith(("its tasks side with this score.", "its tasks side with research.")), o.slug
    models = card_for(data, by_slug, "models")
    assert "far above" in models.agreement and models.gap


def test_every_count_of_tasks_on_a_page_is_the_same_count(committed_site, data):
    for slug in ("lawyers", "paralegals-and-legal-assistants", "registered-nurses", "cashiers"):
        page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", (committed_site / "occupations" / f"{slug}.html").read_text()))
        counts = set(re.findall(r"Of its (\d+) O\*NET tasks", page)) | set(re.findall(r"O\*NET lists (\d+) tasks", page))
        with sqlite3.connect(ROOT / "data.db") as conn:
            (n,) = conn.execute("select count(*) from tasks where slug = ?", [slug]).fetchone()
        assert counts == {str(n)}, slug


def shared_activities(a, b):
    with sqlite3.connect(ROOT / "data.db") as conn:
        return conn.execute(
            "select count(*) from occupation_activities x join occupation_activities y on x.dwa_id = y.dwa_id "
            "where x.slug = ? and y.slug = ?",
            [a, b],
        ).fetchone()[0]


def carried_work(conn, a, b):
    """The share of a's work b also does, worked out here in SQL from the rule
    the card says: each of a's work activities weighed by how many of a's
    tasks carry it and by the log of all occupations over those doing it."""
    (n,) = conn.execute("select count(distinct slug) from occupation_activities").fetchone()
    rows = conn.execute(
        "select x.tasks, (select count(*) from occupation_activities c where c.dwa_id = x.dwa_id), "
        "exists(select 1 from occupation_activities y where y.slug = ? and y.dwa_id = x.dwa_id) "
        "from occupation_activities x where x.slug = ?",
        [b, a],
    ).fetchall()
    weights = [(tasks * math.log(n / carriers), both) for tasks, carriers, both in rows]
    total = sum(w for w, _ in weights)
    return sum(w for w, both in weights if both) / total if total else 0.0


def test_moves_always_share_work_and_are_ranked_by_it(data, by_slug):
    criterion = data.criteria[0]
    with sqlite3.connect(ROOT / "data.db") as conn:
        activities = dict(conn.execute("select slug, count(*) from occupation_activities group by slug").fetchall())
        related = set(conn.execute("select slug, similar_slug from similar_occupations").fetchall())
        related |= set(conn.execute("select slug, related_slug from onet_related where tier like 'Primary%'").fetchall())
        listed = 0
        for o in data.occupations:
            card = card_for(data, by_slug, o.slug)
            if card.score is None:
                continue
            mine = criterion.scores[o.slug].score
            weights = [carried_work(conn, o.slug, a.slug) for a in card.alternatives]
            assert weights == sorted(weights, reverse=True), o.slug
            for a, w in zip(card.alternatives, weights):
                n = shared_activities(o.slug, a.slug)
                # Never a move without shared work; one carrying little of the work is on BLS's or O*NET's list.
                assert n >= 1 and (w >= SHARED_ENOUGH - 1e-9 or (o.slug, a.slug) in related), (o.slug, a.slug)
                assert a.score <= mine - (criterion.max - criterion.min) / 5
                assert a.carries.startswith(f"shares {n} of its {activities[o.slug]} work activities, such as “")
                listed += 1
            if not card.alternatives:
                assert card.no_alternatives
    assert listed > 300
    nurses = card_for(data, by_slug, "registered-nurses")
    assert (
        "nursing-assistants" not in [a.slug for a in nurses.alternatives]
        or shared_activities("registered-nurses", "nursing-assistants") >= 1
    )


def test_no_tasks_no_measures_no_percentile(data, by_slug):
    changed = copy.deepcopy(data)
    changed.evidence.tasks.pop("registered-nurses")
    changed.evidence.consensus.pop("registered-nurses")
    changed.criteria[0].percentiles = {}
    card = answer_card(changed, by_slug["registered-nurses"], changed.criteria[0], by_slug)
    assert card.why == [
        "No reason came with this score, and O*NET lists no rated tasks for it, so there is no task evidence to show instead."
    ]
    assert card.examples is None and card.gap is None
    assert card.research == "no published measure of AI exposure reaches this occupation."
    assert card.agreement is None
    without_evidence = copy.deepcopy(data)
    without_evidence.evidence = None
    without_evidence.work = None
    card = answer_card(without_evidence, by_slug["registered-nurses"], without_evidence.criteria[0], by_slug)
    assert card.score == "4 of 10, moderate" and card.agreement is None
    assert card.alternatives == [] and card.no_alternatives.startswith("O*NET links no work activities to it")


def test_no_job_count_military_careers(data, by_slug):
    card = card_for(data, by_slug, "military-careers")
    assert by_slug["military-careers"].jobs is None
    # karpathy/jobs scored it; it has no tasks or measures, and the card says so rather than showing dashes.
    assert card.score == "4 of 10, moderate"
    assert card.why[0].endswith("O*NET lists no rated tasks for it, so there is no task evidence to show instead.")
    assert card.research == "no published measure of AI exposure reaches this occupation."
    assert card.alternatives == [] and card.no_alternatives
    unscored = copy.deepcopy(data)
    unscored.criteria[0].scores.pop("military-careers")
    card = answer_card(unscored, by_slug["military-careers"], unscored.criteria[0], by_slug)
    assert card.score is None
    assert card.why == ["BLS gives no count of its jobs, so it is not on the map and no score was made for it."]


def test_a_run_with_its_own_reasons_gives_them(data, by_slug):
    changed = copy.deepcopy(data)
    criterion = changed.criteria[0]
    criterion.scores["registered-nurses"].rationale = "Charting and care plans are text; the bedside is not."
    criterion.run = replace(
        criterion.run, kind="model", model="claude-haiku-5-5", source=None, level="occupation", label="claude-haiku-5-5"
    )
    card = answer_card(changed, by_slug["registered-nurses"], criterion, by_slug)
    assert card.why == ["In the model's words: Charting and care plans are text; the bedside is not."]
    assert (
        card.made_by.startswith("Estimated by the language model claude-haiku-5-5 on ")
        and "with this site's rubric" in card.made_by
    )
    assert card.brief_why == "Charting and care plans are text; the bedside is not."


def test_who_made_a_score_in_plain_words():
    run = a_run(kind="consensus", source="median of runs 2, 3", finished="2026-11-30T10:00:00+00:00", started="")
    assert (
        made_by(run) == "The median of runs 2, 3: the middle of several language models' scores, worked out on 30 November 2026."
    )
    task = a_run(kind="model", model="claude-sonnet-5-5", level="task", finished=None, started="2026-01-02T00:00:00+00:00")
    assert (
        made_by(task)
        == "Estimated by the language model claude-sonnet-5-5 task by task on 2 January 2026, with this site's rubric."
    )
    assert (
        made_by_short(a_run(kind="import", source="Example Lab"))
        == "From Example Lab, with its own instructions (not this site's rubric)"
    )
    # A run made by python -m score run says the model and the server it was reached through.
    served = a_run(kind="model", model="qwen3:8b", server="http://127.0.0.1:11434", started="2026-01-02T00:00:00+00:00")
    assert made_by(served) == (
        "Estimated by the language model qwen3:8b, reached through http://127.0.0.1:11434 on 2 January 2026, "
        "with this site's rubric."
    )


def test_every_page_opens_with_its_card(committed_site, data):
    for o in data.occupations:
        html = (committed_site / "occupations" / f"{o.slug}.html").read_text()
        card = html.index('<section class="answer"')
        assert card < html.index("<h2>BLS facts</h2>")
        assert "How it was made" in html[card:] and CAVEAT in html


def test_the_evidence_speaks_plainly_and_has_a_glossary(committed_site):
    nurses = (committed_site / "occupations" / "registered-nurses.html").read_text()
    evidence = nurses[nurses.index('id="evidence-heading"') :]
    # Plain words first, the technical names second, and a way to learn them.
    assert "What published research says" in evidence and "people rated its tasks" in evidence
    assert 'href="/evidence.html#glossary"' in evidence and 'href="/evidence.html#percentile"' in evidence
    assert "partly matched through international occupation codes (ISCO-08)" in evidence
    assert "main published measures (marked ● below)" in evidence
    glossary = (committed_site / "evidence.html").read_text()
    for term in ("percentile", "task-labels", "beta", "aioe", "codes", "spearman", "interval"):
        assert f'<dt id="{term}">' in glossary, term


def test_the_evidence_page_says_how_far_sources_agree_on_the_most_exposed_tenth(committed_site):
    page = (committed_site / "evidence.html").read_text()
    section = page[page.index('id="tenths"') : page.index("<details>", page.index('id="tenths"'))]
    with sqlite3.connect(ROOT / "data.db") as conn:
        low, high = conn.execute(
            "select min(top_overlap), max(top_overlap) from measure_agreement where a_kind = 'measure' and b_kind = 'measure'"
        ).fetchone()
        pairs = conn.execute("select count(*) from measure_agreement where top_overlap is not null").fetchone()[0]
    assert f"the most exposed tenths overlap by {round(low * 100)}% to {round(high * 100)}%" in section
    assert section.count("<tr>") == pairs + 1
    assert "<td>GPT-4 β</td><td>AIOE (language)</td>" in section or "<td>AIOE (language)</td><td>GPT-4 β</td>" in section


def test_the_heat_map_writes_every_figure_at_4_5_to_1():
    from website.colours import BLUES, contrast
    from website.pages import heat

    for value in [None, *(i / 20 for i in range(-20, 21))]:
        background, text = heat(value)
        assert contrast(background, text) >= 4.5, (value, background, text)
    assert {heat(1.0)[1], heat(0.5)[1]} == {"#ffffff", "#1d1d1f"} and BLUES[5] == heat(0.3 + 0.7 * 5 / 8)[0]


def test_military_careers_explains_each_missing_piece(committed_site):
    page = (committed_site / "occupations" / "military-careers.html").read_text()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    counts = site_counts(ROOT / "data.db")
    assert f"one of the Handbook's {counts['pages']} pages but not one of the {counts['on_map']} occupations on the map" in text
    assert "Number of jobs, 2024 not given by BLS" in text and "Job outlook, 2024–34 not given by BLS" in text
    assert "No published measure of exposure to AI reaches this occupation" in text
    assert "Sources: </p>" not in page and "<td>—</td>" not in page


def test_tampered_work_rows_are_set_aside_and_an_older_database_has_no_moves(committed_copy, by_slug):
    with sqlite3.connect(committed_copy) as conn:
        # A count that is not a whole number of tasks, a weight that is not JSON, a pair whose closeness is text.
        conn.execute("update occupation_activities set tasks = 'many' where slug = 'lawyers'")
        conn.execute("update space_methods set mix = '{not json' where shown = 1")
        conn.execute("update space_pairs set similarity = 'close' where rank = 1")
        conn.execute("insert into occupation_titles values ('registered-nurses', '<script>alert(1)</script>', 'alternate', 'x')")
    site = load(committed_copy)
    assert "lawyers" not in site.work.by_occupation
    assert site.space.mix == {} and all(isinstance(p.similarity, float) for p in site.space.pairs)
    card = answer_card(site, by_slug["lawyers"], site.criteria[0], by_slug)
    assert card.alternatives == [] and card.no_alternatives.startswith("O*NET links no work activities to it")
    # A name is text to search, never markup: it reaches titles.json as a string.
    assert any(t.name == "<script>alert(1)</script>" for t in site.titles)
    with sqlite3.connect(committed_copy) as conn:
        for table in ("occupation_activities", "task_activities", "work_activities", "occupation_titles", "space_pairs"):
            conn.execute(f"drop table {table}")
    older = load(committed_copy)
    assert older.work is None and older.space.pairs == [] and {t.kind for t in older.titles} == {"alias"}
    card = answer_card(older, by_slug["registered-nurses"], older.criteria[0], by_slug)
    assert re.match(r"(Most are|\d+ of the \d+ rated)", card.examples or "") and card.alternatives == [] and card.no_alternatives


def test_the_rules_are_said_on_the_page_as_the_code_applies_them(committed_site):
    from website.answer import EXAMPLES_RULE, MOVES_RULE

    page = html.unescape((committed_site / "occupations" / "lawyers.html").read_text())
    rules = page[page.index('<details class="card-rules">') :]
    assert EXAMPLES_RULE in rules and MOVES_RULE in rules and "a fifth of the scale" in MOVES_RULE
