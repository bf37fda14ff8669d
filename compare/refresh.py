"""Recompute every table of this stage from what data.db holds now."""

from __future__ import annotations

import sqlite_utils

from pipeline.db import named, replace_table, schema_columns
from pipeline.ranks import percentiles

from . import store
from .measures import agreement_rows
from .runs import run_pair_rows, task_label_rows


def score_percentile_rows(db: sqlite_utils.Database) -> list[tuple[str, int, str, float]]:
    """(criterion, current run, slug, percentile) for every current score."""
    rows = []
    for name, run_id in db.execute(
        "select name, current_run from criteria where current_run is not null order by name"
    ).fetchall():
        scores = dict(db.execute("select slug, score from current_scores where criterion = ?", [name]).fetchall())
        rows += [(name, run_id, slug, pct) for slug, pct in sorted(percentiles({s: float(v) for s, v in scores.items()}).items())]
    return rows


def run(db: sqlite_utils.Database) -> dict[str, bool]:
    """Write each table anew where its rows changed. Returns {table: changed?}.
    Tables whose inputs are not in data.db yet are left empty."""
    scored = db["runs"].exists() and db["criteria"].exists()
    measured = db["measures"].exists()
    tasks = db["tasks"].exists()
    rows = {
        "score_percentiles": score_percentile_rows(db) if scored else [],
        "measure_agreement": agreement_rows(db) if measured else [],
        "task_agreement": task_label_rows(db) if scored and tasks else [],
        "run_agreement": run_pair_rows(db) if scored else [],
    }
    store.ensure(db)
    # The row builders list values in the order the schema declares the columns: named by it,
    # they reach the right columns of a table an older version made.
    columns = schema_columns(store.SCHEMA)
    with db.atomic():
        return {table: replace_table(db, table, named(columns[table], found)) for table, found in rows.items()}
