"""The answer card at the top of every occupation page: written by one
function from the data, for both ends of the scale and with every piece
that can be missing."""

import copy
import re
import sqlite3
from dataclasses import replace

import pytest
from conftest import ROOT
from databases import site_counts

from website.answer import CAVEAT, answer_card, made_by, made_by_short
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


def test_the_top_of_the_scale(data, by_slug):
    card = card_for(data, by_slug, "medical-transcriptionists")
    assert card.score == "10 of 10, maximum"
    # Who made it, in plain words: the project, the model and its maker, the month; never the run's insider label.
    assert card.made_by == (
        "From karpathy.ai/jobs, scored by Google's Gemini 3 Flash model in March 2026, with its own instructions, "
        "not this site's rubric."
    )
    # No reason came with the imported score: the card says so, and what people judged of its tasks instead.
    counts = labels("medical-transcriptionists")
    assert card.why[0] == "No reason came with this score."
    assert card.why[1].startswith(f"Of its {sum(counts.values())} O*NET tasks, people judged {counts['E1']} directly exposed")
    assert re.match(r"ranked (near the top|above the middle) of US occupations: 6 main published measures", card.research)
    ranked = len(data.criteria[0].percentiles)
    assert card.agreement == f"This score is the 100th percentile of the {ranked} occupations scored: in line with research."
    # Less exposed work scores at least a fifth of the scale lower, lowest first, three at most.
    scores = [a.score for a in card.alternatives]
    assert 1 <= len(scores) <= 3 and scores == sorted(scores) and all(s <= 8 for s in scores)
    assert all(re.fullmatch(r"(at least )?\$[\d,.]+ (a year|an hour)|pay not given", a.pay) for a in card.alternatives)
    assert card.caveat == CAVEAT


def test_the_bottom_of_the_scale(data, by_slug):
    card = card_for(data, by_slug, "construction-laborers-and-helpers")
    assert card.score == "1 of 10, minimal"
    assert "below the middle" in card.research or "near the bottom" in card.research
    assert card.alternatives == []  # nothing can score a fifth of the scale below 1
    assert card.why[1].endswith("127 not exposed.")
    assert card.examples.startswith("For example, “") and card.examples.endswith("(not exposed).")


def test_examples_are_chosen_by_rule_core_tasks_first_in_onet_order(data, by_slug):
    card = card_for(data, by_slug, "registered-nurses")
    with sqlite3.connect(ROOT / "data.db") as conn:
        first = conn.execute(
            "select task from tasks where slug = 'registered-nurses' and human_label = 'E1' "
            "order by task_type != 'Core', onet_soc_code, task_id limit 1"
        ).fetchone()[0]
    quoted = re.match(r"For example, “([^”]+)” \(directly exposed\)", card.examples).group(1)
    assert first.startswith(quoted.rstrip("…").rstrip())


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


def test_no_tasks_no_measures_no_percentile(data, by_slug):
    changed = copy.deepcopy(data)
    changed.evidence.tasks.pop("registered-nurses")
    changed.evidence.consensus.pop("registered-nurses")
    changed.criteria[0].percentiles = {}
    card = answer_card(changed, by_slug["registered-nurses"], changed.criteria[0], by_slug)
    assert card.why == [
        "No reason came with this score.",
        "O*NET lists no rated tasks for it, so there is no task evidence to show instead.",
    ]
    assert card.research == "no published measure of AI exposure reaches this occupation."
    assert card.agreement is None
    without_evidence = copy.deepcopy(data)
    without_evidence.evidence = None
    card = answer_card(without_evidence, by_slug["registered-nurses"], without_evidence.criteria[0], by_slug)
    assert card.score == "4 of 10, moderate" and card.agreement is None


def test_no_job_count_military_careers(data, by_slug):
    card = card_for(data, by_slug, "military-careers")
    assert by_slug["military-careers"].jobs is None
    # karpathy/jobs scored it; it has no tasks or measures, and the card says so rather than showing dashes.
    assert card.score == "4 of 10, moderate"
    assert card.why[1] == "O*NET lists no rated tasks for it, so there is no task evidence to show instead."
    assert card.research == "no published measure of AI exposure reaches this occupation."
    unscored = copy.deepcopy(data)
    unscored.criteria[0].scores.pop("military-careers")
    card = answer_card(unscored, by_slug["military-careers"], unscored.criteria[0], by_slug)
    assert card.score is None
    assert card.why == ["BLS gives no count of its jobs, so it is not on the map and no score was made for it."]


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
        == "Example Lab, with its own instructions (not this site's rubric)"
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
