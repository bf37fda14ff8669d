"""The tables this stage writes in data.db."""

from __future__ import annotations

import sqlite_utils

from pipeline.db import ensure_schema

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
CREATE TABLE IF NOT EXISTS measure_agreement (
    a TEXT NOT NULL,
    b TEXT NOT NULL,
    a_kind TEXT NOT NULL,
    b_kind TEXT NOT NULL,
    n INTEGER NOT NULL,
    spearman REAL,
    spearman_low REAL,
    spearman_high REAL,
    weighted REAL,
    weighted_low REAL,
    weighted_high REAL,
    top_overlap REAL,
    top_overlap_low REAL,
    top_overlap_high REAL,
    bottom_overlap REAL,
    bottom_overlap_low REAL,
    bottom_overlap_high REAL,
    PRIMARY KEY (a, b)
);
CREATE TABLE IF NOT EXISTS score_percentiles (
    criterion TEXT NOT NULL REFERENCES criteria(name),
    run_id INTEGER NOT NULL REFERENCES runs(id),
    slug TEXT NOT NULL REFERENCES occupations(slug),
    percentile REAL NOT NULL,
    PRIMARY KEY (criterion, slug)
);
"""


def ensure(db: sqlite_utils.Database) -> None:
    ensure_schema(db, SCHEMA)
