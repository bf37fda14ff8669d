"""The answer card: what a visitor comes to an occupation's page to learn,
first and in plain words. How exposed is this job, who says so and why,
where published research places it, and similar work that is less exposed.

One function, ``answer_card``, writes every card from the data; no text is
written for any one occupation. Its rules:

- **The score** is the criterion's current run's, with its tier's name, and
  who made it: a model run with this site's rubric, a consensus of runs, or
  an import made elsewhere with its source's own prompt.
- **Why**: the run's own rationale where it gave one. Where it gave none
  (an import), what the occupation's O*NET tasks say, as the people who
  rated them for GPTs-are-GPTs judged them, every task counted (the count
  the Evidence section gives). Examples are chosen by rule
  (``task_examples``): two tasks of the label the most of its tasks carry, those
  sharing the most work activities with the rest of the occupation first,
  and the most representative of the next label named as the exception.
  Where most tasks say the opposite of the score, a sentence says so.
- **Research**: where the published measures that make up the consensus
  place the occupation among US occupations (their lowest, median and
  highest percentile), in words, and whether the score shown agrees with
  their median, sits somewhat above or below it, or far from it
  (``words.agreement`` says how far is which). Where far, one sentence says
  which side its tasks take (``gap_words``).
- **Less exposed**: moves a person could make (``MOVES_RULE``): occupations
  scoring clearly lower, ranked by the work activities they share.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .layers import EDUCATION, NO_ONE_PATH
from .model import Consensus, Criterion, Evidence, Occupation, Run, Site, Task, Work
from .words import LABEL_TEXT, LABEL_WORDS, LABELS, MAIN_RULE, agreement, percentile_text

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
    carries: str = ""  # what work carries over, e.g. "shares 9 of its 14 work activities, such as “…”"
    also: list[str] = field(default_factory=list)  # the other evidence: "BLS lists it as similar", …
    education: str | None = None  # the entry education it asks, where that is higher


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
    gap: str | None = None  # where they disagree far, what in the work accounts for it
    alternatives: list[Alternative] = field(default_factory=list)
    no_alternatives: str | None = None  # why none is listed, where a score was made
    caveat: str = CAVEAT
    # The card in brief, for the map's tooltip and the link preview: where research places it, and why its score.
    brief_research: str = ""
    brief_agreement: str | None = None
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
        known = run.imported
        if known:
            return f"From {known.who}, {known.how}, with its own instructions, not this site's rubric."
        return f"From {run.source}, made with its own instructions, not this site's rubric; imported{on}."
    if run.kind == "consensus":
        return f"The {run.source}: the middle of several language models' scores, worked out{on}."
    how = " task by task" if run.level == "task" else ""
    through = f", reached through {run.server}" if run.server else ""
    return f"Estimated by the language model {run.model}{how}{through}{on}, with this site's rubric."


def made_by_short(run: Run, how: bool = True) -> str:
    """Who made the scores, as a sentence of its own: the map's tooltip and
    the downloads say it so; without ``how``, only who (for a link preview,
    where the room is a line or two)."""
    if run.kind == "import":
        known = run.imported
        who = f"{known.who}, {known.how}" if known else run.source
        return f"From {who}, with its own instructions (not this site's rubric)" if how else f"Scores from {who}"
    if run.kind == "consensus":
        return f"The {run.source}" if how else f"Scores: the {run.source}"
    return f"Scored by {run.label} with this site's rubric"


def tier_name(criterion: Criterion, score: float) -> str | None:
    for tier in criterion.tiers:
        if tier.min <= score < tier.max + 1:
            return tier.name
    return None


def score_words(criterion: Criterion, score: float) -> str:
    tier = tier_name(criterion, score)
    return f"{score:g} of {criterion.max}" + (f", {tier}" if tier else "")


EXAMPLE_LENGTH = 70  # characters of a task quoted as an example, cut at a word


def quoted(text: str, length: int = EXAMPLE_LENGTH) -> str:
    """A task or activity as quoted on a card: one line, no full stop, a long one cut at a word."""
    text = " ".join(str(text).split()).rstrip(".")
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def centrality(task: Task, work: Work | None) -> int:
    """How much of the rest of its occupation's work a task shares: for each
    O*NET work activity the task carries, how many of the occupation's
    other tasks carry it too, added up."""
    if work is None:
        return 0
    counts = work.by_occupation.get(task.slug, {})
    return sum(counts.get(a, 1) - 1 for a in work.by_task.get(task.slug, {}).get((task.onet_soc_code, task.task_id), []))


def representative(tasks: list[Task], label: str, work: Work | None) -> list[Task]:
    """The tasks people gave ``label``, most representative first: those
    sharing the most work activities with the rest of the occupation, then
    Core before Supplemental, then O*NET's order."""
    return sorted(
        (t for t in tasks if t.human_label == label),
        key=lambda t: (-centrality(t, work), t.task_type != "Core", t.onet_soc_code, t.task_id),
    )


def task_counts(tasks: list[Task]) -> dict[str, int]:
    return {label: sum(1 for t in tasks if t.human_label == label) for label in LABELS}


def task_sentence(tasks: list[Task]) -> str | None:
    """What people judged of the occupation's O*NET tasks, counting every
    task O*NET lists for it (the count the Evidence section gives too)."""
    if not any(t.human_label in LABELS for t in tasks):
        return None
    counts = task_counts(tasks)
    parts = [f"{counts[label]} {LABEL_WORDS[label]}" for label in LABELS if counts[label]]
    unlabelled = len(tasks) - sum(counts.values())
    if unlabelled:
        parts.append(f"{unlabelled} {'was' if unlabelled == 1 else 'were'} not rated")
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Of its {len(tasks)} O*NET tasks, people judged {listed}."


def main_label(tasks: list[Task]) -> str | None:
    """The label the most of its rated tasks carry (not always more than
    half); a tie goes to the more exposed."""
    counts = task_counts(tasks)
    if not any(counts.values()):
        return None
    return max(LABELS, key=lambda label: (counts[label], -LABELS.index(label)))


def task_examples(tasks: list[Task], work: Work | None = None) -> str | None:
    """The tasks that stand for the occupation, chosen by rule: two of the
    label the most of its tasks carry, the most representative first
    (``representative``), and the most representative of the next most
    common label, named as the main exception. "Most" only where that label
    holds more than half the rated tasks; otherwise the count is said."""
    main = main_label(tasks)
    if main is None:
        return None
    counts = task_counts(tasks)
    rated = sum(counts.values())
    chosen = representative(tasks, main, work)[:2]
    said = " and ".join(f"“{quoted(t.task)}”" for t in chosen)
    if 2 * counts[main] > rated:
        lead = "Most are"
    else:
        tied = any(counts[label] == counts[main] for label in LABELS if label != main)
        lead = f"{counts[main]} of the {rated} rated, {'as many as' if tied else 'more than'} any other judgment, are"
    text = f"{lead} {LABEL_TEXT[main]}, such as {said}."
    others = [label for label in LABELS if label != main and counts[label]]
    if others:
        exception = max(others, key=lambda label: (counts[label], -LABELS.index(label)))
        first = representative(tasks, exception, work)[0]
        text += f" The main exception: {counts[exception]} {LABEL_TEXT[exception]}, such as “{quoted(first.task)}”."
    return text


# Where on its scale a score says a job is exposed or not, as a share of the
# scale: at or above the first, a score says exposed; at or below the second, not.
SAYS_EXPOSED = 0.6
SAYS_NOT_EXPOSED = 0.4
EXAMPLES_RULE = (
    "Where the score came with no reason, the card says what people judged of the occupation's O*NET tasks. "
    "Its examples are two tasks of the judgment the most of its tasks carry, those that share the most O*NET work "
    "activities with the rest of the occupation first, and the most representative task of the next most common "
    "judgment, named as the exception. Where more than half its tasks were judged not exposed yet the score is in the "
    f"top {1 - SAYS_EXPOSED:.0%} of its scale, or more than half directly exposed yet the score is in the bottom "
    f"{SAYS_NOT_EXPOSED:.0%}, the card says they disagree. "
    "Where the score sits far from research, it says whether the share of tasks people judged exposed sides with the "
    "score or with research."
)


def contradiction(tasks: list[Task], criterion: Criterion, score: float) -> str | None:
    """A sentence where more than half its rated tasks say the opposite of
    the score, so that no example stands against the score without saying so."""
    counts = task_counts(tasks)
    rated = sum(counts.values())
    place = (score - criterion.min) / (criterion.max - criterion.min)
    if 2 * counts[LABELS[-1]] > rated and place >= SAYS_EXPOSED:
        return "So its tasks, as people judged them, say less than this score does."
    if 2 * counts[LABELS[0]] > rated and place <= SAYS_NOT_EXPOSED:
        return "So its tasks, as people judged them, say more than this score does."
    return None


def exposed_share(tasks: list[Task]) -> float | None:
    """The share of its rated tasks people judged exposed, directly or with tools."""
    counts = task_counts(tasks)
    rated = sum(counts.values())
    return (rated - counts[LABELS[-1]]) / rated if rated else None


# Every occupation's share of exposed tasks, worked out once for each evidence read.
_SHARES: dict[int, tuple[Evidence, list[float]]] = {}


def share_rank(evidence: Evidence, share: float) -> float:
    """The share of occupations with rated tasks whose exposed share is below ``share``, from 0 to 1."""
    kept = _SHARES.get(id(evidence))
    if kept is None or kept[0] is not evidence:
        shares = sorted(s for tasks in evidence.tasks.values() if (s := exposed_share(tasks)) is not None)
        kept = _SHARES[id(evidence)] = (evidence, shares)
    shares = kept[1]
    return sum(1 for s in shares if s < share) / len(shares)


def gap_words(tasks: list[Task], evidence: Evidence | None, stands: str, work: Work | None) -> str | None:
    """Where the score sits far from research, what in the work accounts for
    it: the share of its tasks people judged exposed, whether that share
    sides with the score or with research, and a task of the side it takes."""
    share = exposed_share(tasks)
    if evidence is None or share is None or not stands.startswith("far"):
        return None
    counts = task_counts(tasks)
    rated, exposed = sum(counts.values()), sum(counts[label] for label in LABELS[:-1])
    rank = share_rank(evidence, share)
    higher = rank >= 0.5  # its tasks are more exposed than most occupations'
    with_score = higher == stands.endswith("above")
    than = (
        f"more than in {round(rank * 100)}% of occupations"
        if higher
        else f"fewer than in {round((1 - rank) * 100)}% of occupations"
    )
    side = "this score" if with_score else "research"
    label = (LABELS[0] if counts[LABELS[0]] else LABELS[1]) if higher else LABELS[-1]
    found = representative(tasks, label, work) if counts[label] else []
    such = f", such as “{quoted(found[0].task)}” ({LABEL_TEXT[label]})" if found else ""
    return f"What in the work accounts for the gap: people judged {exposed} of its {rated} rated tasks exposed, {than}{such}; its tasks side with {side}."


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


def agreement_words(percentile: float | None, n: int | None, consensus: Consensus | None) -> str | None:
    """Whether the score agrees with research, decided on the exact gap; ``n``
    is how many occupations the criterion scores, or None for the brief
    words of a link preview."""
    if percentile is None or not consensus:
        return None
    stands = agreement(percentile - consensus.median)
    verdict = f"{stands} {'with ' if stands == 'in line' else ''}research."
    if n is None:
        return f"This score: {percentile_text(percentile)} percentile, {verdict}"
    return f"This score is the {percentile_text(percentile)} percentile of the {n} occupations scored: {verdict}"


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


# Moves a person could make, written once here and said in MOVES_RULE.
CLEARLY_LOWER = 5  # a move scores at least 1/5 of the scale lower
SHARED_ENOUGH = 0.25  # of the occupation's work, by weight (``carried``), for a move on no related list
MOVES = 3
LOWER_WORDS = f"at least {({4: 'a quarter', 5: 'a fifth', 10: 'a tenth'}).get(CLEARLY_LOWER, f'1/{CLEARLY_LOWER}')} of the scale"
MOVES_RULE = (
    f"Moves are occupations that score {LOWER_WORDS} lower, ranked by how much of this job's work they also do: "
    "the O*NET work activities they share, each weighed by how many of this job's tasks carry it and by how few "
    "occupations do it (work nearly every occupation does, such as training others, says little about a move); "
    "then by whether BLS or O*NET lists them as related, and how close their descriptions are. "
    f"Each shares at least one work activity, and at least {SHARED_ENOUGH:.0%} of this job's work so weighed "
    "unless BLS or O*NET lists it."
)


# Every activity's rarity, worked out once for each read of the work.
_RARITY: dict[int, tuple[Work, dict[str, float]]] = {}


def rarity(work: Work) -> dict[str, float]:
    """How few occupations carry each work activity, as TF-IDF weighs a word:
    the log of all occupations over those carrying it (0 for one all carry)."""
    kept = _RARITY.get(id(work))
    if kept is None or kept[0] is not work:
        carriers: dict[str, int] = {}
        for activities in work.by_occupation.values():
            for a in activities:
                carriers[a] = carriers.get(a, 0) + 1
        n = len(work.by_occupation)
        kept = _RARITY[id(work)] = (work, {a: math.log(n / c) for a, c in carriers.items()})
    return kept[1]


def weights(work: Work, mine: dict[str, int]) -> dict[str, float]:
    """Each of an occupation's work activities (``mine``: with how many of its
    tasks carry each) as a share of its work, weighed by those tasks and by
    its ``rarity``, so that common work counts little; the shares add up to 1."""
    rare = rarity(work)
    raw = {a: n * rare.get(a, 0.0) for a, n in mine.items()}
    total = sum(raw.values())
    return {a: w / total if total else 0.0 for a, w in raw.items()}


def carried(weight: dict[str, float], shared: list[str]) -> float:
    """The share of an occupation's work (its ``weights``) that ``shared`` makes up."""
    return sum(weight[a] for a in shared)


def alternatives(
    site: Site, o: Occupation, criterion: Criterion, score: float, by_slug: dict[str, Occupation]
) -> tuple[list[Alternative], str]:
    """Up to ``MOVES`` occupations a person could move to, by ``MOVES_RULE``;
    or none, with why."""
    mine = site.work.by_occupation.get(o.slug, {}) if site.work else {}
    if not mine:
        return [], "O*NET links no work activities to it, so no move can be traced through the work."
    related = {
        "BLS lists it as similar": set(site.similar.get(o.slug, [])),
        "O*NET relates it": set(site.related.get(o.slug, [])),
    }
    near = site.space.nearest.get(o.slug, []) if site.space else []
    weight = weights(site.work, mine) if site.work else {}
    step = (criterion.max - criterion.min) / CLEARLY_LOWER
    found = []
    for slug, theirs in criterion.scores.items():
        if slug == o.slug or slug not in by_slug or float(theirs.score) > score - step:
            continue
        assert site.work is not None
        shared = [a for a in mine if a in site.work.by_occupation.get(slug, {})]
        also = [words for words, slugs in related.items() if slug in slugs]
        share = carried(weight, shared)
        if not shared or (share < SHARED_ENOUGH and not also):
            continue
        if slug in near:
            also.append("its description is among the ten closest")
        key = (-round(share, 9), -len(also), near.index(slug) if slug in near else len(near), slug)
        found.append((key, slug, float(theirs.score), shared, also))
    if not found:
        return [], f"No occupation that shares this work scores clearly lower ({LOWER_WORDS})."
    year = site.edition.projection_year
    moves = []
    for _, slug, value, shared, also in sorted(found)[:MOVES]:
        other = by_slug[slug]
        assert site.work is not None
        # The shared activity that weighs most in this job's work (its tasks, its rarity) says what carries over.
        example = max(shared, key=lambda a: (weight[a], a))
        carries = f"shares {len(shared)} of its {len(mine)} work activities, such as “{quoted(site.work.activities[example])}”"
        moves.append(
            Alternative(
                slug, other.title, value, pay_words(other), outlook_words(other, year), carries, also, higher_education(o, other)
            )
        )
    return moves, ""


def higher_education(o: Occupation, other: Occupation) -> str | None:
    """The entry education ``other`` asks, where BLS ranks it above ``o``'s."""
    levels = [e for e in EDUCATION if e != NO_ONE_PATH]  # "no one typical path" is above or below none
    if o.entry_education in levels and other.entry_education in levels:
        if levels.index(other.entry_education) > levels.index(o.entry_education):
            return other.entry_education
    return None


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
    percentile = criterion.percentiles.get(o.slug)
    examples = None
    if row.rationale:
        why = [f"In the model's words: {row.rationale}"]
    else:
        told = task_sentence(tasks)
        why = [
            told
            or "No reason came with this score, and O*NET lists no rated tasks for it, so there is no task evidence to show instead."
        ]
        examples = task_examples(tasks, site.work)
        against = contradiction(tasks, criterion, score) if told else None
        if against:
            why.append(against)
    if percentile is not None and consensus:
        gap = gap_words(tasks, site.evidence, agreement(percentile - consensus.median), site.work)
    else:
        gap = None
    moves, none_found = alternatives(site, o, criterion, score, by_slug)
    return Card(
        criterion=criterion.name,
        max=criterion.max,
        question=question,
        score=score_words(criterion, score),
        made_by=who,
        made_by_short=brief_who,
        made_by_brief=made_by_short(criterion.run, how=False),
        why=why,
        examples=examples,
        research=research or "no published measure of AI exposure reaches this occupation.",
        agreement=agreement_words(percentile, len(criterion.percentiles), consensus),
        brief_agreement=agreement_words(percentile, None, consensus),
        gap=gap,
        alternatives=moves,
        no_alternatives=none_found or None,
        brief_research=brief_research,
        brief_why=row.rationale or why[0],
    )
