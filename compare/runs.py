"""How runs agree: with people's task labels, and with one another.

``task_agreement``: for every task-level run, how its task scores (with
those its configuration already held) line up with the exposure labels of
GPTs-are-GPTs (Eloundou et al., 2024), given to the same O*NET tasks by
people and by GPT-4: E0 no exposure, E2 exposure with tools built on an LLM,
E1 direct exposure. The labels are ordered E0 < E2 < E1, as the paper's own
measures order them (its beta counts E1 fully and E2 by half). Spearman's
rank correlation, with a 95% bootstrap interval over tasks, and the run's
mean score on each label.

``run_agreement``: every pair of complete runs of a criterion made on the
same scale (the score stage's view ``complete_runs``: the newest run of each
model, sample or source that covers every occupation with a job count): Spearman's rank
correlation, the share of occupations within one point, and Cohen's kappa
with quadratic weights (scores rounded to the scale's points).
"""

from __future__ import annotations

import hashlib
import json
import statistics
from typing import Any

import numpy as np
import sqlite_utils

from .ranks import agreement, quadratic_kappa, spearman

# Where each label sits in order of exposure (see above).
LABEL_RANK = {"E0": 0, "E2": 1, "E1": 2}
LABELLERS = (("human", "human_label"), ("gpt4", "gpt4_label"))


def task_label_rows(db: sqlite_utils.Database) -> list[tuple[Any, ...]]:
    rows = []
    runs = db.execute("select id, config from runs where level = 'task' order by id").fetchall()
    for run_id, config in runs:
        # A run that only re-scored what was stale is measured with the rest of its configuration.
        pairs = db.execute(
            "with latest as (select s.slug, max(s.run_id) as run_id from scores s join runs r on r.id = s.run_id "
            "where r.config = ? and s.run_id <= ? group by s.slug) "
            "select ts.score, t.human_label, t.gpt4_label from latest l "
            "join task_scores ts on ts.run_id = l.run_id and ts.slug = l.slug "
            "join tasks t on t.slug = ts.slug and t.task_id = ts.task_id",
            [config, run_id],
        ).fetchall()
        for labeller, column in LABELLERS:
            index = 1 if column == "human_label" else 2
            labelled = [(p[0], p[index]) for p in pairs if p[index] in LABEL_RANK]
            if not labelled:
                continue
            scores = np.array([float(s) for s, _ in labelled])
            ranks = np.array([float(LABEL_RANK[label]) for _, label in labelled])
            rho = low = high = None
            if len(labelled) >= 3:
                seed = int(hashlib.sha256(f"{run_id}\0{labeller}".encode()).hexdigest()[:8], 16)
                rho, low, high = agreement(scores, ranks, None, seed)
            by_label = {label: [s for s, lab in labelled if lab == label] for label in ("E0", "E2", "E1")}
            means = [statistics.fmean(v) if v else None for v in by_label.values()]
            counts = [len(v) for v in by_label.values()]
            rows.append((run_id, labeller, len(labelled), rho, low, high, *means, *counts))
    return rows


def members(db: sqlite_utils.Database, criterion: str) -> list[tuple[int, tuple[int, int], dict[str, float]]]:
    """[(run_id, (min, max), {slug: score})]: the criterion's complete runs
    (the score stage's views ``complete_runs`` and ``config_scores``), oldest configuration first,
    each with the scale it was made on (``runs.scale``; the criterion's for
    a run made before runs kept theirs) and its configuration's newest score
    for every occupation with a job count."""
    scorable = {r[0] for r in db.execute("select slug from occupations where jobs is not null")}
    default = db.execute("select min, max from criteria where name = ?", [criterion]).fetchone()
    kept = "r.scale" if "scale" in db["runs"].columns_dict else "null"
    out = []
    for config, newest, scale in db.execute(
        f"select c.config, c.run_id, {kept} from complete_runs c join runs r on r.id = c.run_id "
        "where c.criterion = ? order by c.first_id",
        [criterion],
    ).fetchall():
        scores = dict(db.execute("select slug, score from config_scores where config = ?", [config]).fetchall())
        out.append((newest, scale_of(scale, default), {s: scores[s] for s in scorable}))
    return out


def scale_of(kept: str | None, default: tuple[int, int]) -> tuple[int, int]:
    """(min, max) from a run's ``scale`` (JSON), or ``default``."""
    try:
        found = json.loads(kept) if kept else {}
        return int(found["min"]), int(found["max"])
    except (ValueError, TypeError, KeyError):
        return int(default[0]), int(default[1])


def run_pair_rows(db: sqlite_utils.Database) -> list[tuple[str, int, int, int, float | None, float, float | None]]:
    """Every pair of complete runs of a criterion made on the same scale: a
    point on a scale of 0 to 5 is not a point on one of 0 to 10, so runs on
    two scales are not compared point by point (score consensus refuses to
    mix them too)."""
    rows = []
    for (criterion,) in db.execute("select name from criteria order by name").fetchall():
        found = members(db, criterion)
        for i, (a, scale, av) in enumerate(found):
            for b, other, bv in found[i + 1 :]:
                if other != scale:
                    continue
                common = sorted(set(av) & set(bv))
                x = np.array([float(av[s]) for s in common])
                y = np.array([float(bv[s]) for s in common])
                rho = float(spearman(x, y))  # one sample: a float
                rows.append(
                    (
                        criterion,
                        a,
                        b,
                        len(common),
                        None if np.isnan(rho) else rho,
                        float(np.mean(np.abs(x - y) <= 1)),
                        quadratic_kappa(np.rint(x), np.rint(y), *scale),
                    )
                )
    return rows
