"""The answer card: what a visitor comes to an occupation's page to learn,
first and in plain words. How exposed is this job, who says so and why,
where published research places it, and similar work that is less exposed.

One function, ``answer_card``, writes every card from the data; no text is
written for any one occupation. Its rules:

- **The score** is the criterion's current run's, with its tier's name, and
  who made it: a model run with this site's rubric, a consensus of runs, or
  an import made elsewhere with its source's own prompt.
- **Why**: the run's own rationale where it gave one. Where it gave none
  (an import), the card says so and lets the evidence speak: how the people
  who rated the occupation's O*NET tasks for GPTs-are-GPTs judged them, with
  one task given as an example of each end. Examples are chosen by rule:
  Core tasks before Supplemental ones, then in O*NET's own order (task id).
- **Research**: where the published measures that make up the consensus
  place the occupation among US occupations (their lowest, median and
  highest percentile), in words, and whether the score shown agrees with
  their median, sits somewhat above or below it, or far from it
  (``words.agreement`` says how far is which).
- **Less exposed**: up to three occupations from BLS's own similar list,
  then the ten nearest by description (the labour space), that score at
  least a fifth of the scale lower on the same criterion, lowest first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Consensus, Criterion, Occupation, Run, Site, Task
from .words import IMPORTED, LABEL_TEXT, LABEL_WORDS, LABELS, MAIN_RULE, agreement, percentile_text

CAVEAT = "Exposure means AI could change how this work is done; it is not a forecast that these jobs will disappear."
# Where a median percentile sits, in words anyone reads.
PLACES = (
    (20, "near the bottom"),
    (40, "below the middle"),
    (60, "around the middle"),
    (80, "above the middle"),
    (101, "near the top"),
)
MONTHS = "January February March April May June July August September October November December".split()


@dataclass
class Alternative:
    slug: str
    title: str
    score: float
    pay: str  # median pay in words, or "pay not given"
    outlook: str  # e.g. "+4% by 2034", or "no outlook given"


@dataclass
class Card:
    criterion: str  # the criterion's name
    max: int  # the top of its scale
    question: str  # e.g. "How exposed is this job to AI?"
    score: str | None  # "4 of 10, moderate"; None when not scored
    made_by: str  # who made the score, with which prompt, when
    made_by_short: str  # the same in brief
    made_by_brief: str  # only who, for a link preview
    why: list[str]  # one or two plain sentences
    examples: str | None  # tasks quoted as examples of what people judged, where the why is theirs
    research: str | None  # where published research places it
    agreement: str | None  # whether the score shown agrees with that research
    alternatives: list[Alternative] = field(default_factory=list)
    caveat: str = CAVEAT
    # The card in brief, for the map's tooltip and the link preview: where research places it, and why its score.
    brief_research: str = ""
    brief_why: str | None = None


def day(timestamp: str | None) -> str | None:
    """'2026-11-24T23:32:36+00:00' -> '24 November 2026'."""
    if not timestamp or len(timestamp) < 10:
        return None
    year, month, date = timestamp[:10].split("-")
    return f"{int(date)} {MONTHS[int(month) - 1]} {year}"


def made_by(run: Run) -> str:
    """Who made a criterion's current scores, in plain words."""
    when = day(run.finished or run.started)
    on = f" on {when}" if when else ""
    if run.kind == "import":
        known = IMPORTED.get(run.source_url or "")
        if known:
            return f"From {known.who}, {known.how}, with its own instructions, not this site's rubric."
        return f"From {run.source}, made with its own instructions, not this site's rubric; imported{on}."
    if run.kind == "consensus":
        return f"The {run.source}: the middle of several language models' scores, worked out{on}."
    how = " task by task" if run.level == "task" else ""
    through = f", reached through {run.server}" if run.server else ""
    return f"Estimated by the language model {run.model}{how}{through}{on}, with this site's rubric."


def made_by_short(run: Run, how: bool = True) -> str:
    """Who made the scores, as the map's tooltip says it; without ``how``,
    only who (for a link preview, where the room is a line or two)."""
    if run.kind == "import":
        known = IMPORTED.get(run.source_url or "")
        who = f"{known.who}, {known.how}" if known else run.source
        return f"{who}, with its own instructions (not this site's rubric)" if how else f"Scores from {who}"
    if run.kind == "consensus":
        return f"the {run.source}" if how else f"Scores: the {run.source}"
    return f"{run.label}, with this site's rubric" if how else f"Scored by {run.label} with this site's rubric"


def tier_name(criterion: Criterion, score: float) -> str | None:
    for tier in criterion.tiers:
        if tier.min <= score < tier.max + 1:
            return tier.name
    return None


def score_words(criterion: Criterion, score: float) -> str:
    tier = tier_name(criterion, score)
    return f"{score:g} of {criterion.max}" + (f", {tier}" if tier else "")


EXAMPLE_LENGTH = 70  # characters of a task quoted as an example, cut at a word


def example(tasks: list[Task], label: str) -> str:
    """The task quoted as an example of a label: Core first, then O*NET's
    order; a long one is cut at a word."""
    chosen = sorted(
        (t for t in tasks if t.human_label == label),
        key=lambda t: (t.task_type != "Core", t.onet_soc_code, t.task_id),
    )
    text = " ".join(str(chosen[0].task).split()).rstrip(".")
    if len(text) <= EXAMPLE_LENGTH:
        return text
    return text[:EXAMPLE_LENGTH].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def task_sentence(tasks: list[Task]) -> str | None:
    """What people judged of the occupation's O*NET tasks."""
    labelled = [t for t in tasks if t.human_label in LABELS]
    if not labelled:
        return None
    counts = {label: sum(1 for t in labelled if t.human_label == label) for label in LABELS}
    parts = [f"{counts[label]} {LABEL_WORDS[label]}" for label in LABELS if counts[label]]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Of its {len(labelled)} O*NET tasks, people judged {listed}."


def task_examples(tasks: list[Task]) -> str | None:
    """A task of each end as an example, chosen by rule (see ``example``)."""
    labelled = [t for t in tasks if t.human_label in LABELS]
    ends = (LABELS[0], LABELS[-1])  # the most exposed and the least
    found = [
        f"“{example(labelled, label)}” ({LABEL_TEXT[label]})" for label in ends if any(t.human_label == label for t in labelled)
    ]
    return ("For example, " + " and ".join(found) + ".") if found else None


def place(median: float) -> str:
    return next(words for limit, words in PLACES if median < limit)


def research_words(consensus: Consensus | None, reaching: int = 0, total: int = 0) -> str | None:
    """Where the main published measures place it. ``reaching`` is how many
    of the ``total`` main measures reach it at all, so that the card says why
    fewer count: a measure counts only where it reaches most of its jobs, and
    one with no figure for it not at all."""
    if not consensus:
        return None
    low, median, high = (percentile_text(v) for v in (consensus.low, consensus.median, consensus.high))
    fewer, none = reaching - consensus.measures, total - reaching
    left_out = ""
    if fewer > 0:
        left_out += (
            f" {'One other measure reaches' if fewer == 1 else f'{fewer} other measures reach'} less than half its jobs "
            f"and {'does' if fewer == 1 else 'do'} not count here."
        )
    if none > 0:
        left_out += (
            f" {'One' if none == 1 else none} of the {total} main measures {'has' if none == 1 else 'have'} no figure for it."
        )
    return (
        f"ranked {place(consensus.median)} of US occupations: {consensus.measures} main published measures "
        f"of AI exposure (those that reach {MAIN_RULE}) put it between the {low} and {high} percentile "
        f"(median {median}).{left_out}"
    )


def agreement_words(percentile: float | None, n: int, consensus: Consensus | None) -> str | None:
    """Whether the score agrees with research, decided on the exact gap; ``n``
    is how many occupations the criterion scores."""
    if percentile is None or not consensus:
        return None
    stands = agreement(percentile - consensus.median)
    return (
        f"This score is the {percentile_text(percentile)} percentile of the {n} occupations scored: "
        f"{stands} {'with ' if stands == 'in line' else ''}research."
    )


def pay_words(o: Occupation) -> str:
    at_least = "at least " if o.pay_note == "equal to or greater than" else ""
    if o.median_pay_annual:
        return f"{at_least}${o.median_pay_annual:,} a year"
    if o.median_pay_hourly:
        return f"{at_least}${o.median_pay_hourly:.2f} an hour"
    return "pay not given"


def outlook_words(o: Occupation, year: int) -> str:
    if o.outlook_pct is None:
        return "no outlook given"
    return f"{o.outlook_pct:+d}% by {year}"


def alternatives(
    site: Site, o: Occupation, criterion: Criterion, score: float, by_slug: dict[str, Occupation]
) -> list[Alternative]:
    candidates = list(site.similar.get(o.slug, []))
    if site.space:
        candidates += [s for s in site.space.nearest.get(o.slug, []) if s not in candidates]
    step = (criterion.max - criterion.min) / 5
    found = []
    for rank, slug in enumerate(candidates):
        theirs = criterion.scores.get(slug)
        if theirs is not None and slug in by_slug and float(theirs.score) <= score - step:
            found.append((float(theirs.score), rank, slug))
    year = site.edition.projection_year
    return [
        Alternative(slug, by_slug[slug].title, value, pay_words(by_slug[slug]), outlook_words(by_slug[slug], year))
        for value, _, slug in sorted(found)[:3]
    ]


def answer_card(site: Site, o: Occupation, criterion: Criterion, by_slug: dict[str, Occupation]) -> Card:
    """The card for occupation ``o`` on ``criterion`` (a criterion as
    ``load`` reads it, with its current run and scores)."""
    consensus = site.evidence.consensus.get(o.slug) if site.evidence else None
    tasks = site.evidence.tasks.get(o.slug, []) if site.evidence else []
    question = f"{criterion.title}, {criterion.min} to {criterion.max}"
    row = criterion.scores.get(o.slug)
    # The measures of the consensus that reach it at all, whether or not most of its jobs.
    main = [m for m in site.evidence.measures if m.consensus] if site.evidence else []
    reaching = sum(1 for m in main if o.slug in m.values)
    research = research_words(consensus, reaching, len(main))
    brief_research = (
        f"Published research: {percentile_text(consensus.low)} to {percentile_text(consensus.high)} percentile"
        if consensus
        else "No published measure reaches it."
    )
    who, brief_who = made_by(criterion.run), made_by_short(criterion.run)
    if row is None:
        why = [
            "BLS gives no count of its jobs, so it is not on the map and no score was made for it."
            if o.jobs is None
            else "The run shown gave it no score."
        ]
        told = task_sentence(tasks)
        if told:
            why.append(told)
        return Card(
            criterion=criterion.name,
            max=criterion.max,
            question=question,
            score=None,
            made_by=who,
            made_by_short=brief_who,
            made_by_brief=made_by_short(criterion.run, how=False),
            why=why,
            examples=None,
            research=research,
            agreement=None,
            brief_research=brief_research,
        )
    score = float(row.score)
    if row.rationale:
        why = [f"In the model's words: {row.rationale}"]
    else:
        why = ["No reason came with this score."]
        why.append(task_sentence(tasks) or "O*NET lists no rated tasks for it, so there is no task evidence to show instead.")
    return Card(
        criterion=criterion.name,
        max=criterion.max,
        question=question,
        score=score_words(criterion, score),
        made_by=who,
        made_by_short=brief_who,
        made_by_brief=made_by_short(criterion.run, how=False),
        why=why,
        examples=None if row.rationale else task_examples(tasks),
        research=research or "no published measure of AI exposure reaches this occupation.",
        agreement=agreement_words(criterion.percentiles.get(o.slug), len(criterion.percentiles), consensus),
        alternatives=alternatives(site, o, criterion, score, by_slug),
        brief_research=brief_research,
        brief_why=row.rationale or why[-1],
    )
