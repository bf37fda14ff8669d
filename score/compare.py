"""How runs agree: with people's task labels, and with one another.

``task_agreement``: for every task-level run, how its task scores (with
those its configuration already held) line up
with the exposure labels of GPTs-are-GPTs (Eloundou et al., 2024), given to
the same O*NET tasks by people and by GPT-4: E0 no exposure, E2 exposure
with tools built on an LLM, E1 direct exposure. The labels are ordered
E0 < E2 < E1, as the paper's own measures order them (its beta counts E1
fully and E2 by half). Spearman's rank correlation, with a 95% bootstrap
interval over tasks, and the run's mean score on each label.

``run_agreement``: every pair of complete runs of a criterion (the newest
run of each model, sample or source that covers every occupation):
Spearman's rank correlation, the share of occupations within one point, and
Cohen's kappa with quadratic weights (scores rounded to the scale's points).

``consensus``: the median of a criterion's complete runs, stored as a run of
kind "consensus" that ``score use`` can make the current layer.
"""

import hashlib
import json
import statistics

import numpy as np

from . import measures, store

# Where each label sits in order of exposure (see above).
LABEL_RANK = {"E0": 0, "E2": 1, "E1": 2}
LABELLERS = (("human", "human_label"), ("gpt4", "gpt4_label"))

SCHEMA = """
CREATE TABLE IF NOT EXISTS task_agreement (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    labeller TEXT NOT NULL,
    n INTEGER NOT NULL,
    spearman REAL,
    spearman_low REAL,
    spearman_high REAL,
    mean_e0 REAL,
    mean_e2 REAL,
    mean_e1 REAL,
    n_e0 INTEGER NOT NULL,
    n_e2 INTEGER NOT NULL,
    n_e1 INTEGER NOT NULL,
    PRIMARY KEY (run_id, labeller)
);
CREATE TABLE IF NOT EXISTS run_agreement (
    criterion TEXT NOT NULL REFERENCES criteria(name),
    run_a INTEGER NOT NULL REFERENCES runs(id),
    run_b INTEGER NOT NULL REFERENCES runs(id),
    n INTEGER NOT NULL,
    spearman REAL,
    within_one REAL NOT NULL,
    kappa REAL,
    PRIMARY KEY (criterion, run_a, run_b)
);
"""


class ConsensusError(ValueError):
    pass


# Measures --------------------------------------------------------------------


def quadratic_kappa(a, b, low, high):
    """Cohen's kappa with quadratic weights for two raters' integer scores on
    the scale low..high: 1 is perfect agreement, 0 what chance gives (and
    what a rater who gives one score to everything gets). None when both
    give the same one score, when nothing can be told."""
    a, b = np.asarray(a, int) - low, np.asarray(b, int) - low
    k = high - low + 1
    observed = np.zeros((k, k))
    np.add.at(observed, (a, b), 1)
    expected = np.outer(observed.sum(1), observed.sum(0)) / len(a)
    i, j = np.indices((k, k))
    weights = (i - j) ** 2 / (k - 1) ** 2
    denominator = (weights * expected).sum()
    if denominator == 0:
        return None
    return round(float(1 - (weights * observed).sum() / denominator), 3)


def task_rows(db):
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
                rho, low, high = measures.agreement(scores, ranks, np.ones(len(scores)), seed)[:3]
            by_label = {label: [s for s, lab in labelled if lab == label] for label in ("E0", "E2", "E1")}
            means = [round(statistics.fmean(v), 2) if v else None for v in by_label.values()]
            counts = [len(v) for v in by_label.values()]
            rows.append((run_id, labeller, len(labelled), rho, low, high, *means, *counts))
    return rows


def members(db, criterion):
    """[(run_id, label, {slug: score})]: the newest run of each config of the
    criterion that covers every occupation with a job count, consensus runs
    aside, oldest config first."""
    scorable = {r[0] for r in db.execute("select slug from occupations where jobs is not null")}
    out = []
    configs = db.execute(
        "select config, max(id) from runs where criterion = ? and kind != 'consensus' group by config order by min(id)",
        [criterion],
    ).fetchall()
    for config, newest in configs:
        scores = dict(
            db.execute(
                "select s.slug, s.score from scores s join runs r on r.id = s.run_id where r.config = ? order by s.run_id",
                [config],
            ).fetchall()
        )
        if scorable and scorable <= set(scores):
            out.append((newest, label(db, newest), {s: scores[s] for s in scorable}))
    return out


def label(db, run_id):
    """How a run is named to readers (store.run_name of its row)."""
    model, source, level, sample = db.execute("select model, source, level, sample from runs where id = ?", [run_id]).fetchone()
    return store.run_name({"model": model, "source": source, "level": level, "sample": sample})


def run_rows(db):
    rows = []
    for criterion, low, high in db.execute("select name, min, max from criteria order by name").fetchall():
        found = members(db, criterion)
        for i, (a, _, av) in enumerate(found):
            for b, _, bv in found[i + 1 :]:
                common = sorted(set(av) & set(bv))
                x = np.array([float(av[s]) for s in common])
                y = np.array([float(bv[s]) for s in common])
                rho = measures.spearman(x, y)
                rows.append(
                    (
                        criterion,
                        a,
                        b,
                        len(common),
                        None if np.isnan(rho) else round(rho, 3),
                        round(float(np.mean(np.abs(x - y) <= 1)), 3),
                        quadratic_kappa(np.rint(x), np.rint(y), low, high),
                    )
                )
    return rows


# Writing ---------------------------------------------------------------------


def refresh(db):
    """Recompute both tables from what data.db holds; write nothing when
    nothing changed. Returns True if either changed."""
    if not store.has_tables(db):
        return False
    db.executescript(SCHEMA)
    tasks_loaded = db["tasks"].exists()
    with db.atomic():
        changed = measures.replace_rows(db, "task_agreement", task_rows(db) if tasks_loaded else [])
        changed |= measures.replace_rows(db, "run_agreement", run_rows(db))
    return changed


def consensus(db, criterion, run_ids=None):
    """Store the median of the criterion's complete runs (or of ``run_ids``)
    as a consensus run and return (run id, made?): a consensus of the same
    runs with the same scores is not made twice."""
    found = members(db, criterion.name)
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
