"""How the site says a number in words, written once for the pages and,
as a table, for their scripts."""

from __future__ import annotations


def percentile_text(value: float) -> str:
    """63.4 -> "63rd": a percentile as readers say it."""
    n = int(round(value))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# Every whole percentile as readers say it, for the pages' scripts: the rule is written once, above.
ORDINALS = [percentile_text(v) for v in range(101)]


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
