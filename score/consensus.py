"""The median of a criterion's complete runs, stored as a run of kind
``consensus`` that ``score use`` can make the current layer. Nothing is
called and nothing is paid."""

from __future__ import annotations

import json
import statistics

import sqlite_utils

from . import store
from .criteria import Criterion


class ConsensusError(ValueError):
    pass


def complete_runs(db: sqlite_utils.Database, criterion: str) -> list[tuple[int, str, dict[str, float]]]:
    """[(run_id, label, {slug: score})]: the criterion's complete runs (the
    view ``complete_runs``: the newest run of each configuration that covers
    every occupation with a job count, consensus runs aside), oldest
    configuration first, each with its configuration's newest scores."""
    scorable = {r[0] for r in db.execute("select slug from occupations where jobs is not null")}
    out = []
    for config, newest, label in db.execute(
        "select c.config, c.run_id, r.label from complete_runs c join runs r on r.id = c.run_id where c.criterion = ? order by c.first_id",
        [criterion],
    ).fetchall():
        scores = dict(
            db.execute(
                "select s.slug, s.score from scores s join runs r on r.id = s.run_id where r.config = ? order by s.run_id",
                [config],
            ).fetchall()
        )
        out.append((newest, label, {s: scores[s] for s in scorable}))
    return out


def store_median(db: sqlite_utils.Database, criterion: Criterion, run_ids: set[int] | None = None) -> tuple[int, bool]:
    """Store the median of the criterion's complete runs (or of ``run_ids``)
    as a consensus run and return (run id, made?): a consensus of the same
    runs with the same scores is not made twice."""
    found = complete_runs(db, criterion.name)
    if run_ids:
        unknown = sorted(set(run_ids) - {m[0] for m in found})
        if unknown:
            known = ", ".join(str(m[0]) for m in found) or "none"
            raise ConsensusError(
                f"run {', '.join(map(str, unknown))} is not a complete run of {criterion.name} (complete: {known})"
            )
        found = [m for m in found if m[0] in run_ids]
    if len(found) < 2:
        raise ConsensusError(f"{criterion.name} needs two or more complete runs for a consensus; it has {len(found)}")
    ids = [m[0] for m in found]
    medians = {}
    for slug in sorted(found[0][2]):
        values = [m[2][slug] for m in found]
        parts = "; ".join(f"{name}: {value:g}" for (_, name, _), value in zip(found, values))
        medians[slug] = (round(statistics.median(values), 2), f"Median of {len(values)} runs ({parts}).")
    config = store.config_hash(criterion.name, "consensus", json.dumps(ids), "median")
    latest = db.execute("select max(id) from runs where config = ?", [config]).fetchone()[0]
    if latest is not None:
        stored = dict(db.execute("select slug, score from scores where run_id = ?", [latest]).fetchall())
        if stored == {slug: score for slug, (score, _) in medians.items()}:
            return latest, False
    run_id, _ = store.start_run(
        db,
        criterion=criterion,
        kind="consensus",
        source=f"median of runs {', '.join(map(str, ids))}",
        prompt_hash="median",
        config=config,
    )
    store.save_imported(db, run_id, criterion.name, medians)
    store.finish_run(db, run_id, "complete", scored=len(medians), make_current=False)
    return run_id, True
