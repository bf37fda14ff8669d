"""The tables this stage writes in data.db, and the view beside them."""

from __future__ import annotations

import sqlite_utils

from pipeline.db import ensure_schema

SCHEMA = """
CREATE TABLE IF NOT EXISTS measures (
    name TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    short TEXT NOT NULL,
    authors TEXT NOT NULL,
    year INTEGER NOT NULL,
    citation TEXT NOT NULL,
    licence TEXT NOT NULL,
    source_url TEXT NOT NULL,
    method TEXT NOT NULL,
    unit TEXT NOT NULL,
    min REAL NOT NULL,
    max REAL NOT NULL,
    direction TEXT NOT NULL,
    level TEXT NOT NULL,
    consensus INTEGER NOT NULL,
    file TEXT NOT NULL,
    key TEXT NOT NULL,
    key_kind TEXT NOT NULL,
    value TEXT NOT NULL,
    about TEXT NOT NULL,
    caveats TEXT NOT NULL,
    occupations INTEGER NOT NULL,
    jobs INTEGER NOT NULL,
    jobs_share REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS measure_values (
    measure TEXT NOT NULL REFERENCES measures(name),
    slug TEXT NOT NULL REFERENCES occupations(slug),
    value REAL NOT NULL,
    percentile REAL NOT NULL,
    soc_codes TEXT NOT NULL,
    employment_share REAL,
    join_kind TEXT NOT NULL,
    partial INTEGER NOT NULL,
    PRIMARY KEY (measure, slug)
);
CREATE TABLE IF NOT EXISTS measure_consensus (
    slug TEXT PRIMARY KEY REFERENCES occupations(slug),
    measures INTEGER NOT NULL,
    median REAL NOT NULL,
    low REAL NOT NULL,
    high REAL NOT NULL,
    spread REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
    slug TEXT NOT NULL REFERENCES occupations(slug),
    onet_soc_code TEXT NOT NULL,
    task_id INTEGER NOT NULL,
    onet_title TEXT,
    task TEXT NOT NULL,
    task_type TEXT,
    human_label TEXT,
    gpt4_label TEXT,
    PRIMARY KEY (slug, onet_soc_code, task_id)
);
CREATE TABLE IF NOT EXISTS onet_related (
    slug TEXT NOT NULL REFERENCES occupations(slug),
    related_slug TEXT NOT NULL REFERENCES occupations(slug),
    tier TEXT NOT NULL,
    PRIMARY KEY (slug, related_slug)
);
CREATE TABLE IF NOT EXISTS measure_files (
    file TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    ends_with_newline INTEGER NOT NULL,
    keys INTEGER
);
CREATE TABLE IF NOT EXISTS work_activities (
    dwa_id TEXT PRIMARY KEY,
    activity TEXT NOT NULL,
    iwa_id TEXT NOT NULL,
    iwa_title TEXT NOT NULL,
    element_id TEXT NOT NULL
);
-- The four tables of O*NET's work are kept in their key's order (WITHOUT ROWID): a table with
-- rowids keeps its key a second time, in an index, and these are most of data.db.
CREATE TABLE IF NOT EXISTS task_activities (
    slug TEXT NOT NULL REFERENCES occupations(slug),
    onet_soc_code TEXT NOT NULL,
    task_id INTEGER NOT NULL,
    dwa_id TEXT NOT NULL REFERENCES work_activities(dwa_id),
    PRIMARY KEY (slug, onet_soc_code, task_id, dwa_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS occupation_activities (
    slug TEXT NOT NULL REFERENCES occupations(slug),
    dwa_id TEXT NOT NULL REFERENCES work_activities(dwa_id),
    tasks INTEGER NOT NULL,
    share REAL NOT NULL,
    PRIMARY KEY (slug, dwa_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS occupation_titles (
    slug TEXT NOT NULL REFERENCES occupations(slug),
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    onet_soc_code TEXT NOT NULL,
    PRIMARY KEY (slug, title)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS occupation_technology (
    slug TEXT NOT NULL REFERENCES occupations(slug),
    commodity_code TEXT NOT NULL,
    commodity_title TEXT NOT NULL,
    example TEXT NOT NULL,
    hot INTEGER NOT NULL,
    in_demand INTEGER NOT NULL,
    PRIMARY KEY (slug, commodity_code, example)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS measure_values_slug ON measure_values(slug);
-- The moves between occupations and the labour space go from an activity to the occupations that carry it.
CREATE INDEX IF NOT EXISTS task_activities_dwa ON task_activities(dwa_id);
CREATE INDEX IF NOT EXISTS occupation_activities_dwa ON occupation_activities(dwa_id);
CREATE INDEX IF NOT EXISTS work_activities_iwa ON work_activities(iwa_id);
-- A search by everyday job names looks a title up whatever its case.
CREATE INDEX IF NOT EXISTS occupation_titles_title ON occupation_titles(title COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS occupation_technology_commodity ON occupation_technology(commodity_code);
"""


def refresh_view(db: sqlite_utils.Database) -> bool:
    """``occupation_measures``: each occupation with every measure's
    percentile side by side, rebuilt when the measures change."""
    names = [r[0] for r in db.execute("select name from measures order by rowid")]
    columns = "".join(
        f",\n    (select percentile from measure_values v where v.slug = o.slug and v.measure = '{n}') as [{n}]" for n in names
    )
    view = (
        "CREATE VIEW occupation_measures AS\nSELECT o.slug, o.title, o.category_name, o.jobs, "
        "c.median as consensus_median, c.low as consensus_low, c.high as consensus_high, c.spread as consensus_spread"
        f"{columns}\nFROM occupations o LEFT JOIN measure_consensus c ON c.slug = o.slug"
    )
    existing = db.execute("select sql from sqlite_master where name = 'occupation_measures'").fetchone()
    if existing is None or existing[0] != view:
        db.execute("DROP VIEW IF EXISTS occupation_measures")
        db.execute(view)
        return True
    return False


def ensure(db: sqlite_utils.Database) -> None:
    ensure_schema(db, SCHEMA)
