"""How every published measure and every criterion's current scores agree:
Spearman's rank correlation of each pair over the occupations both reach,
plain and weighted by jobs, each with a 95% bootstrap interval."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import sqlite_utils

from .ranks import agreement


class SameName(ValueError):
    """A measure is named like a criterion: their rows could not be told apart."""


def agreement_items(db: sqlite_utils.Database) -> list[tuple[str, str, dict[str, float]]]:
    """[(name, kind, {slug: value})]: every criterion's current scores, then
    every measure, in the order of the measures table."""
    items = []
    if db["criteria"].exists() and db["current_scores"].exists():
        for (name,) in db.execute("select name from criteria where current_run is not null order by name").fetchall():
            scores = dict(db.execute("select slug, score from current_scores where criterion = ?", [name]).fetchall())
            items.append((name, "criterion", scores))
    if db["measures"].exists():
        for (name,) in db.execute("select name from measures order by rowid").fetchall():
            values = dict(db.execute("select slug, value from measure_values where measure = ?", [name]).fetchall())
            items.append((name, "measure", values))
    return items


def agreement_rows(db: sqlite_utils.Database) -> list[tuple[Any, ...]]:
    jobs = {s: j for s, j in db.execute("select slug, jobs from occupations") if j}
    items = agreement_items(db)
    names = [n for n, _, _ in items]
    if len(names) != len(set(names)):
        raise SameName("a measure has the same name as a criterion: rename one in measures.toml")
    rows = []
    for i, (a, a_kind, av) in enumerate(items):
        for b, b_kind, bv in items[i + 1 :]:
            common = sorted(s for s in set(av) & set(bv) if s in jobs)
            if len(common) < 3:
                continue
            seed = int(hashlib.sha256(f"{a}\0{b}".encode()).hexdigest()[:8], 16)
            stats = agreement(
                np.array([float(av[s]) for s in common]),
                np.array([float(bv[s]) for s in common]),
                np.array([float(jobs[s]) for s in common]),
                seed,
            )
            rows.append((a, b, a_kind, b_kind, len(common), *stats))
    return rows
