"""How the site says a number in words, written once for the pages and,
as a table, for their scripts."""

from __future__ import annotations

import math
from dataclasses import dataclass


def percentile_text(value: float) -> str:
    """63.4 -> "63rd": a percentile as readers say it, rounded once, half
    up (48.5 -> "49th"), as the pages' scripts round (Math.round)."""
    n = math.floor(value + 0.5)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# Every whole percentile as readers say it, for the pages' scripts: the rule is written once, above.
ORDINALS = [percentile_text(v) for v in range(101)]


def plural(n: int, one: str, many: str | None = None) -> str:
    """3, "occupation" -> "3 occupations"; 1 -> "1 occupation"."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


# The share of an occupation's jobs a published measure must reach to count
# among its main measures, in words (measures.load.MAIN_SHARE is the number;
# tests/test_look.py checks the two agree).
MAIN_RULE = "at least half its jobs"


# The labels people and GPT-4 gave each O*NET task in GPTs-are-GPTs (Eloundou
# et al., 2024), most exposed first: (label, in brief, in full, on a chart).
TASK_LABELS = (
    ("E1", "directly exposed", "directly exposed to language models", "E1 directly"),
    ("E2", "exposed with tools", "exposed with software built on them", "E2 with tools"),
    ("E0", "not exposed", "not exposed", "E0 not exposed"),
)
LABELS = tuple(label for label, *_ in TASK_LABELS)
# Each label in brief, and where a task has none.
LABEL_TEXT: dict[str | None, str] = {label: brief for label, brief, *_ in TASK_LABELS} | {None: "not labelled"}
LABEL_WORDS = {label: full for label, _, full, _ in TASK_LABELS}
# Most exposed first; a task with no label last.
LABEL_ORDER: dict[str | None, int] = {label: i for i, label in enumerate(LABELS)} | {None: len(LABELS)}
# The labels on a chart of mean scores, least exposed first, with the column suffix of task_agreement.
LABEL_CHART = tuple((chart, label.lower()) for label, _, _, chart in reversed(TASK_LABELS))


# How far a score this site shows may sit from the published measures'
# median (in percentile points) and still agree with them; and from how far
# it is far from them.
IN_LINE_BELOW = 15
FAR_FROM = 30


def agreement(gap: float) -> str:
    """How a score ``gap`` percentile points above (below, if negative) the
    published measures' median stands: "far above", "somewhat below", "in line"."""
    side = "above" if gap > 0 else "below"
    if abs(gap) >= FAR_FROM:
        return f"far {side}"
    if abs(gap) >= IN_LINE_BELOW:
        return f"somewhat {side}"
    return "in line"


@dataclass(frozen=True)
class Imported:
    """What a visitor is told of scores made elsewhere, by where their maker publishes its method (runs.source_url)."""

    who: str  # where the scores come from
    how: str  # who made them, and when
    asked: str  # what its instructions asked of the model, in our words
    says: str  # what a score says, in a phrase: where it differs from the criterion's own description


# Scores imported from other projects, in plain words. Each fact is from the
# reference folder's README (shared/reference) or the project's own published
# code; a source not listed here is named as its run names it.
IMPORTED = {
    "https://github.com/karpathy/jobs": Imported(
        who="karpathy.ai/jobs",
        how="scored by Google's Gemini 3 Flash model in March 2026",
        says="how much AI will reshape the occupation's work, counting where AI is heading as well as what it can do today",
        asked=(
            "Its instructions gave the model each occupation's Handbook page and asked how much AI will reshape the "
            "work, counting both tasks AI could take over and workers made so productive that fewer are needed. They "
            "rate work whose product is digital, that could be done on a computer from a home office, as highly "
            "exposed (7 or more) because AI is improving fast there, even where today's AI cannot yet do all of it; "
            "and work that needs hands or presence in the physical world as sheltered. The model was run at "
            "temperature 0.2, and gave one whole number from 0 to 10 with a short reason."
        ),
    ),
}
