"""The scorer's tables in data.db: criteria, runs, scores, failures, batches.

A run's ``config`` is a hash of what decides its answers (criterion, model or
source, prompt hash). Runs with the same config continue one another: a re-run
only adds what is missing or stale, and ``current_scores`` takes, for each
occupation, the newest score of the criterion's current config.
"""

import hashlib
import json
from datetime import datetime, timezone

SCHEMA = """
CREATE TABLE IF NOT EXISTS criteria (
    name TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    unit TEXT NOT NULL,
    min INTEGER NOT NULL,
    max INTEGER NOT NULL,
    colors TEXT NOT NULL,
    tiers TEXT NOT NULL,
    rubric TEXT NOT NULL,
    current_run INTEGER REFERENCES runs(id)
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    criterion TEXT NOT NULL REFERENCES criteria(name),
    kind TEXT NOT NULL,
    model TEXT,
    source TEXT,
    prompt_hash TEXT NOT NULL,
    config TEXT NOT NULL,
    batch INTEGER NOT NULL DEFAULT 0,
    started TEXT NOT NULL,
    finished TEXT,
    status TEXT NOT NULL,
    scored INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cache_write_tokens INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL NOT NULL DEFAULT 0,
    max_cost_usd REAL
);
CREATE TABLE IF NOT EXISTS scores (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    slug TEXT NOT NULL REFERENCES occupations(slug),
    criterion TEXT NOT NULL REFERENCES criteria(name),
    score NUMERIC NOT NULL,
    rationale TEXT,
    input_hash TEXT,
    input_tokens INTEGER,
    output_tokens INTEGER,
    cost_usd REAL,
    PRIMARY KEY (run_id, slug)
);
CREATE TABLE IF NOT EXISTS score_failures (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    slug TEXT NOT NULL REFERENCES occupations(slug),
    error TEXT NOT NULL,
    reply TEXT,
    PRIMARY KEY (run_id, slug)
);
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    config TEXT NOT NULL,
    created TEXT NOT NULL,
    status TEXT NOT NULL,
    requests INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS batch_requests (
    batch_id TEXT NOT NULL REFERENCES batches(id),
    slug TEXT NOT NULL,
    input_hash TEXT NOT NULL,
    PRIMARY KEY (batch_id, slug)
);
CREATE INDEX IF NOT EXISTS scores_slug ON scores(slug);
CREATE INDEX IF NOT EXISTS runs_config ON runs(config);
CREATE VIEW IF NOT EXISTS current_scores AS
SELECT s.criterion, s.slug, s.score, s.rationale, s.run_id,
       r.kind, r.model, r.source, r.finished AS scored_at
FROM criteria c
JOIN runs cur ON cur.id = c.current_run
JOIN runs r ON r.config = cur.config
JOIN scores s ON s.run_id = r.id
WHERE s.run_id = (
    SELECT max(s2.run_id) FROM scores s2 JOIN runs r2 ON r2.id = s2.run_id
    WHERE r2.config = cur.config AND s2.slug = s.slug
);
"""


def now():
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def ensure(db):
    db.executescript(SCHEMA)
    refresh_views(db)


def refresh_views(db):
    """``occupation_scores``: every occupation with its current score for each
    criterion side by side, one column per criterion, so it is rebuilt
    whenever a criterion is added."""
    names = [r[0] for r in db.execute("select name from criteria order by name")]
    columns = "".join(
        f",\n    (select score from current_scores c where c.slug = o.slug and c.criterion = '{n}') as [{n}]" for n in names
    )
    view = (
        "CREATE VIEW occupation_scores AS\nSELECT o.slug, o.title, o.category_name, o.jobs, o.median_pay_annual, "
        f"o.entry_education, o.outlook_pct{columns}\nFROM occupations o"
    )
    existing = db.execute("select sql from sqlite_master where name = 'occupation_scores'").fetchone()
    if existing is None or existing[0] != view:
        with db.atomic():
            db.execute("DROP VIEW IF EXISTS occupation_scores")
            db.execute(view)


def config_hash(criterion, kind, model_or_source, prompt_hash):
    return hashlib.sha256(json.dumps([criterion, kind, model_or_source, prompt_hash]).encode()).hexdigest()


def save_criterion(db, criterion):
    """Record the criterion as it is now (keeping its current run)."""
    row = {
        "name": criterion.name, "title": criterion.title, "description": criterion.description,
        "unit": criterion.unit, "min": criterion.min, "max": criterion.max, "colors": criterion.colors,
        "tiers": json.dumps([t.__dict__ for t in criterion.tiers]), "rubric": criterion.rubric,
    }
    with db.atomic():
        db["criteria"].upsert(row, pk="name")
    refresh_views(db)


def start_run(db, *, criterion, kind, model=None, source=None, prompt_hash, batch=False, max_cost=None):
    config = config_hash(criterion, kind, model or source, prompt_hash)
    with db.atomic():
        run_id = db["runs"].insert({
            "criterion": criterion, "kind": kind, "model": model, "source": source, "prompt_hash": prompt_hash,
            "config": config, "batch": int(batch), "started": now(), "status": "running", "max_cost_usd": max_cost,
        }).last_pk
    return run_id, config


def finish_run(db, run_id, status, **counts):
    with db.atomic():
        db["runs"].update(run_id, {"finished": now(), "status": status, **counts})
    maybe_make_current(db, run_id)


def add_usage(db, run_id, usage, cost):
    db.execute(
        "update runs set input_tokens = input_tokens + ?, output_tokens = output_tokens + ?, "
        "cache_write_tokens = cache_write_tokens + ?, cache_read_tokens = cache_read_tokens + ?, cost_usd = cost_usd + ? "
        "where id = ?",
        [usage.get("input_tokens", 0), usage.get("output_tokens", 0), usage.get("cache_creation_input_tokens", 0),
         usage.get("cache_read_input_tokens", 0), cost, run_id],
    )


def save_score(db, run_id, criterion, slug, score, rationale, input_hash, usage, cost):
    """One score and the tokens it took, in one transaction."""
    with db.atomic():
        db["scores"].insert({
            "run_id": run_id, "slug": slug, "criterion": criterion, "score": score, "rationale": rationale,
            "input_hash": input_hash, "input_tokens": usage.get("input_tokens"), "output_tokens": usage.get("output_tokens"),
            "cost_usd": cost,
        }, replace=True)
        add_usage(db, run_id, usage, cost)
        db.execute("update runs set scored = scored + 1 where id = ?", [run_id])


def save_failure(db, run_id, slug, error, reply, usage, cost):
    with db.atomic():
        db["score_failures"].insert({"run_id": run_id, "slug": slug, "error": error, "reply": reply}, replace=True)
        add_usage(db, run_id, usage, cost)
        db.execute("update runs set failed = failed + 1 where id = ?", [run_id])


def fresh_scores(db, config):
    """{slug: input_hash} of every score already made under this config."""
    rows = db.execute(
        "select s.slug, s.input_hash from scores s join runs r on r.id = s.run_id where r.config = ? order by s.run_id",
        [config],
    )
    return {slug: input_hash for slug, input_hash in rows}


def coverage(db, config):
    return db.execute(
        "select count(distinct s.slug) from scores s join runs r on r.id = s.run_id "
        "where r.config = ? and s.slug in (select slug from occupations)",
        [config],
    ).fetchone()[0]


def maybe_make_current(db, run_id):
    """A run becomes its criterion's current one when its config covers at least
    as many occupations as the current config does; a small trial run of a new
    model or rubric does not replace a complete layer."""
    criterion, config = db.execute("select criterion, config from runs where id = ?", [run_id]).fetchone()
    current = db.execute(
        "select r.config from criteria c join runs r on r.id = c.current_run where c.name = ?", [criterion]
    ).fetchone()
    mine = coverage(db, config)
    if mine and (current is None or current[0] == config or mine >= coverage(db, current[0])):
        with db.atomic():
            db.execute("update criteria set current_run = ? where name = ?", [run_id, criterion])
        return True
    return False


def set_current(db, run_id):
    row = db.execute("select criterion from runs where id = ?", [run_id]).fetchone()
    if row is None:
        raise ValueError(f"no run {run_id}")
    with db.atomic():
        db.execute("update criteria set current_run = ? where name = ?", [run_id, row[0]])
    return row[0]
