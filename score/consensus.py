"""The median of a criterion's complete runs, stored as a run of kind
``consensus`` that ``score use`` can make the current layer. Nothing is
called and nothing is paid."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass

import sqlite_utils

from . import store
from .criteria import Criterion


class ConsensusError(ValueError):
    pass


@dataclass(frozen=True)
class Member:
    """A complete run, as a consensus takes it."""

    run_id: int
    label: str
    scores: dict[str, float]
    scale: str  # the run's scale and tiers (runs.scale, JSON), as the consensus keeps them
    points: tuple[int, int]  # its (min, max)
    level: str


def complete_runs(db: sqlite_utils.Database, criterion: Criterion) -> list[Member]:
    """The criterion's complete runs (the view ``complete_runs``: the newest
    run of each configuration that covers every occupation with a job count,
    consensus runs aside), oldest configuration first, each with its
    configuration's newest scores and the scale and level it was made on (a
    run made before runs kept their scale is on the criterion's)."""
    scorable = {r[0] for r in db.execute("select slug from occupations where jobs is not null")}
    out = []
    for config, newest, label, scale, level in db.execute(
        "select c.config, c.run_id, r.label, r.scale, r.level from complete_runs c join runs r on r.id = c.run_id "
        "where c.criterion = ? order by c.first_id",
        [criterion.name],
    ).fetchall():
        scores = dict(db.execute("select slug, score from config_scores where config = ?", [config]).fetchall())
        scale = scale or store.scale_of(criterion)
        try:
            found = json.loads(scale)
            points = (int(found["min"]), int(found["max"]))
        except (ValueError, TypeError, KeyError):
            raise ConsensusError(f"run {newest} records a scale that cannot be read: {scale!r}") from None
        out.append(Member(newest, label, {s: scores[s] for s in scorable}, scale, points, level or "occupation"))
    return out


def _one_kind(found: list[Member]) -> None:
    """Refuse runs made on different scales or at different levels: the
    median of a 7 out of 10 and a 3 out of 5 is no score on either scale,
    and an occupation's score and the mean of its tasks' are not one measure."""
    scales: dict[tuple[int, int], list[int]] = {}
    levels: dict[str, list[int]] = {}
    for m in found:
        scales.setdefault(m.points, []).append(m.run_id)
        levels.setdefault(m.level, []).append(m.run_id)
    if len(scales) > 1:
        parts = "; ".join(f"{_runs(ids)} on a scale of {low} to {high}" for (low, high), ids in scales.items())
        raise ConsensusError(f"a median would mix scales ({parts}): choose runs on one scale with --run")
    if len(levels) > 1:
        parts = "; ".join(f"{_runs(ids)} at {level} level" for level, ids in levels.items())
        raise ConsensusError(f"a median would mix levels ({parts}): choose runs of one level with --run")


def _runs(ids: list[int]) -> str:
    return ("run " if len(ids) == 1 else "runs ") + ", ".join(map(str, ids))


def store_median(db: sqlite_utils.Database, criterion: Criterion, run_ids: set[int] | None = None) -> tuple[int, bool]:
    """Store the median of the criterion's complete runs (or of ``run_ids``)
    as a consensus run and return (run id, made?): a consensus of the same
    runs with the same scores is not made twice."""
    found = complete_runs(db, criterion)
    if run_ids:
        unknown = sorted(set(run_ids) - {m.run_id for m in found})
        if unknown:
            known = ", ".join(str(m.run_id) for m in found) or "none"
            raise ConsensusError(
                f"run {', '.join(map(str, unknown))} is not a complete run of {criterion.name} (complete: {known})"
            )
        found = [m for m in found if m.run_id in run_ids]
    if len(found) < 2:
        raise ConsensusError(f"{criterion.name} needs two or more complete runs for a consensus; it has {len(found)}")
    _one_kind(found)
    ids = [m.run_id for m in found]
    medians = {}
    for slug in sorted(found[0].scores):
        values = [m.scores[slug] for m in found]
        parts = "; ".join(f"{m.label}: {value:g}" for m, value in zip(found, values))
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
        scale=found[0].scale,  # the runs' own, which the criterion file may since have changed
    )
    store.save_imported(db, run_id, criterion.name, medians)
    store.finish_run(db, run_id, "complete", scored=len(medians), make_current=False)
    return run_id, True
