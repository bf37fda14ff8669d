"""Task level: which of an occupation's O*NET tasks are scored, and how their
scores make the occupation's.

The tasks come from the ``tasks`` table that ``python -m measures``
loads (O*NET 29.1 task statements, carried to OOH occupations through their
SOC codes). An OOH occupation can span many O*NET occupations (postsecondary
teachers span 34, with 839 tasks), so a request carries at most
``max_tasks``: the same statement is sent once, Core tasks come before
Supplemental ones, and within each kind the O*NET occupations take turns, so
every specialty is heard before any is heard twice.

The occupation's score is the weighted mean of its task scores, Core tasks
weighing CORE_WEIGHT times as much as the others. O*NET calls a task Core
when at least two thirds of the workers asked rate it relevant and its mean
importance is at least 3 of 5; Supplemental tasks are done by fewer workers
or matter less to the job. Twice the weight says "the work most workers do
counts most" without letting a long tail of Supplemental tasks vanish. Tasks
with no type (O*NET had too few ratings) weigh as Supplemental ones. A
weighted mean lies within its tasks' range, so the occupation's score is
never above its most exposed task or below its least.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import zip_longest

import sqlite_utils

CORE_WEIGHT = 2.0
OTHER_WEIGHT = 1.0
DEFAULT_MAX_TASKS = 40
KIND_ORDER = ("Core", "Supplemental", None)

# (task_id, task_type, text, onet_soc_code): a task as loaded, see load().
OnetTask = tuple[int, str | None, str, str]
# (task_id, task_type, text): a task as sent.
Task = tuple[int, str | None, str]


class NoTasks(LookupError):
    """data.db has no tasks table: the task level needs ``python -m measures``."""


def weight(task_type: str | None) -> float:
    return CORE_WEIGHT if task_type == "Core" else OTHER_WEIGHT


def key(task_id: int) -> str:
    """The name of a task's property in the response schema."""
    return f"t{task_id}"


def load(db: sqlite_utils.Database) -> dict[str, list[OnetTask]]:
    """{slug: [(task_id, task_type, text, onet_soc_code)]} for every occupation with tasks."""
    if not db["tasks"].exists():
        raise NoTasks("data.db has no tasks table: run python -m measures first (it loads the O*NET tasks)")
    out: dict[str, list[OnetTask]] = {}
    for slug, task_id, task_type, text, code in db.execute(
        "select slug, task_id, task_type, task, onet_soc_code from tasks order by slug, onet_soc_code, task_id"
    ):
        # A task id becomes a property name in the request's schema: only whole numbers go there.
        if not isinstance(task_id, int) or isinstance(task_id, bool) or not isinstance(text, str) or not text.strip():
            continue
        out.setdefault(slug, []).append((task_id, task_type if task_type in ("Core", "Supplemental") else None, text, code))
    return out


def select(rows: Iterable[OnetTask], max_tasks: int = DEFAULT_MAX_TASKS) -> list[Task]:
    """The tasks one request carries, [(task_id, task_type, text)], in the order sent."""
    seen: set[str] = set()
    by_kind: dict[str | None, dict[str, list[Task]]] = {kind: {} for kind in KIND_ORDER}
    for task_id, task_type, text, code in rows:
        norm = " ".join(text.lower().split())
        if norm in seen:
            continue
        seen.add(norm)
        by_kind[task_type].setdefault(code, []).append((task_id, task_type, text))
    chosen: list[Task] = []
    for kind in KIND_ORDER:
        for turn in zip_longest(*by_kind[kind].values()):
            chosen += [task for task in turn if task is not None]
    return chosen[:max_tasks]


def aggregate(scores: Mapping[int, float], types: Mapping[int, str | None]) -> float:
    """The occupation's score from {task_id: score} and {task_id: task_type},
    rounded to one decimal."""
    total = sum(weight(types.get(t)) for t in scores)
    return round(sum(weight(types.get(t)) * s for t, s in scores.items()) / total, 1)
