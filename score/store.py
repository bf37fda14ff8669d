"""The scorer's tables in data.db: criteria, runs, scores (and task_scores
at task level), failures, batches.

A run's ``config`` is a hash of what decides its answers (criterion, model or
source, prompt hash). Runs with the same config continue one another: a re-run
only adds what is missing or stale, and ``current_scores`` takes, for each
occupation, the newest score of the criterion's current config.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any, cast

import sqlite_utils

from pipeline.db import ensure_schema, now

from .criteria import Criterion

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
    max_cost_usd REAL,
    scale TEXT,
    level TEXT NOT NULL DEFAULT 'occupation',
    sample INTEGER NOT NULL DEFAULT 1,
    label TEXT,
    source_url TEXT,
    server TEXT,
    capabilities TEXT,
    tokens_estimated INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS prompts (
    prompt_hash TEXT PRIMARY KEY,
    system TEXT NOT NULL,
    schema TEXT NOT NULL,
    effort TEXT
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
CREATE TABLE IF NOT EXISTS task_scores (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    slug TEXT NOT NULL REFERENCES occupations(slug),
    task_id INTEGER NOT NULL,
    score INTEGER NOT NULL,
    PRIMARY KEY (run_id, slug, task_id)
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
    collected INTEGER NOT NULL DEFAULT 0,
    task_ids TEXT,
    PRIMARY KEY (batch_id, slug)
);
CREATE INDEX IF NOT EXISTS scores_slug ON scores(slug);
CREATE VIEW IF NOT EXISTS config_scores AS
SELECT r.criterion, r.config, s.slug, s.score, s.run_id
FROM scores s JOIN runs r ON r.id = s.run_id
WHERE s.run_id = (
    SELECT max(s2.run_id) FROM scores s2 JOIN runs r2 ON r2.id = s2.run_id
    WHERE r2.config = r.config AND s2.slug = s.slug
);
CREATE VIEW IF NOT EXISTS complete_runs AS
SELECT r.criterion, r.config, max(r.id) AS run_id, min(r.id) AS first_id
FROM runs r
WHERE r.kind != 'consensus'
GROUP BY r.criterion, r.config
HAVING (SELECT count(*) FROM occupations WHERE jobs IS NOT NULL) > 0
   AND (SELECT count(DISTINCT s.slug) FROM scores s JOIN runs r2 ON r2.id = s.run_id JOIN occupations o ON o.slug = s.slug
        WHERE r2.config = r.config AND o.jobs IS NOT NULL)
     = (SELECT count(*) FROM occupations WHERE jobs IS NOT NULL);
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


# A batch in one of these states holds its occupations: no other run pays for them.
PENDING = ("submitting", "submitted")


def ensure(db: sqlite_utils.Database) -> None:
    """The scorer's tables, brought up to date; runs made before runs had
    labels are given theirs."""
    ensure_schema(db, SCHEMA)
    unlabelled = list(db.query("select * from runs where label is null"))
    if unlabelled:
        with db.atomic():
            for run in unlabelled:
                db.execute("update runs set label = ? where id = ?", [run_name(run), run["id"]])
    refresh_views(db)


class Damaged(ValueError):
    """data.db's scorer tables hold what no scorer writes: altered by hand or damaged."""


# Columns that hold numbers whatever else a table holds; SQLite stores any
# value in any column, so a hand-edited 'lots' is only found by looking.
NUMBERS = {
    "runs": (
        "batch",
        "scored",
        "failed",
        "skipped",
        "input_tokens",
        "output_tokens",
        "cache_write_tokens",
        "cache_read_tokens",
        "cost_usd",
        "max_cost_usd",
        "sample",
        "tokens_estimated",
    ),
    "scores": ("score", "input_tokens", "output_tokens", "cost_usd"),
}
# Tables small enough to read whole, whose text a command prints or sends.
TEXTS = ("criteria", "runs", "prompts", "score_failures")


def check(db: sqlite_utils.Database, *, current_runs: bool = True) -> None:
    """Raise Damaged naming the first thing in the scorer's tables no scorer
    writes: text that is not UTF-8, a count or cost that is not a number, a
    criterion whose current run is not one of its runs (``current_runs=False``
    skips this: ``score use`` is how it is set right)."""
    if not has_tables(db):
        return
    conn = db.conn
    tables = {t: list(db[t].columns_dict) for t in TEXTS if db[t].exists()}
    before = conn.text_factory
    conn.text_factory = bytes
    try:
        for table, names in tables.items():
            for values in conn.execute(f"select * from [{table}]"):
                for column, value in zip(names, values):
                    if isinstance(value, bytes):
                        try:
                            value.decode("utf-8")
                        except UnicodeDecodeError:
                            raise Damaged(f"{table}.{column} holds text that is not UTF-8 ({value[:30]!r})") from None
    finally:
        conn.text_factory = before
    for table, columns in NUMBERS.items():
        have = set(db[table].columns_dict) if db[table].exists() else set()
        for column in (c for c in columns if c in have):
            bad = conn.execute(
                f"select rowid, [{column}] from [{table}] where [{column}] is not null and typeof([{column}]) not in ('integer', 'real') limit 1"
            ).fetchone()
            if bad:
                raise Damaged(f"{table}.{column} holds {bad[1]!r} (row {bad[0]}), not a number")
    if current_runs:
        dangling = conn.execute(
            "select c.name, c.current_run from criteria c where c.current_run is not null and not exists "
            "(select 1 from runs r where r.id = c.current_run and r.criterion = c.name)"
        ).fetchone()
        if dangling:
            raise Damaged(
                f"the current run of {dangling[0]} is {dangling[1]!r}, not one of its runs: "
                "pick one with python -m score use RUN_ID (python -m score runs lists them)"
            )


def list_runs(db: sqlite_utils.Database, criterion: str | None = None) -> list[dict[str, Any]]:
    """Every run (of ``criterion``), oldest first, as dicts with every column
    of SCHEMA: a database of an older version, opened read-only and so not
    brought up to date, gets each column it lacks as its default."""
    have = set(db["runs"].columns_dict)
    model = sqlite3.connect(":memory:")
    try:
        model.execute(_create("runs"))
        columns = [(r[1], r[4]) for r in model.execute("PRAGMA table_info(runs)")]
    finally:
        model.close()
    select = ", ".join(f"[{name}]" if name in have else f"{default or 'null'} as [{name}]" for name, default in columns)
    where, params = ("where criterion = ?", [criterion]) if criterion else ("", [])
    out = list(db.query(f"select {select} from runs {where} order by id", params))
    for run in out:
        run["label"] = run["label"] or run_name(run)
    return out


def _create(table: str) -> str:
    """SCHEMA's CREATE TABLE statement of ``table``."""
    found = re.search(rf"CREATE TABLE IF NOT EXISTS {table} \(.*?\n\);", SCHEMA, re.S)
    if found is None:
        raise KeyError(table)
    return found[0]


def has_tables(db: sqlite_utils.Database) -> bool:
    """True when the scorer's tables exist (a read-only command cannot make them)."""
    return db["runs"].exists() and db["criteria"].exists()


def refresh_views(db: sqlite_utils.Database) -> None:
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


def run_name(run: Mapping[str, Any]) -> str:
    """How a run (a row of runs, as a dict) is named to readers, stored as
    ``runs.label`` when the run starts: its model,
    level and sample, or its source. A row from before levels and samples
    has neither."""
    name = run["model"] or run["source"] or f"run {run['id']}"
    if run.get("level") == "task":
        name += ", task level"
    if (run.get("sample") or 1) > 1:
        name += f", sample {run['sample']}"
    return name


def config_hash(criterion: str, kind: str, model_or_source: str | None, prompt_hash: str, sample: int = 1) -> str:
    """Sample 2, 3, ... of a model are configs of their own (sample 1 keeps
    the hash runs had before samples existed)."""
    fields = [criterion, kind, model_or_source, prompt_hash] + ([sample] if sample != 1 else [])
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


def save_criterion(db: sqlite_utils.Database, criterion: Criterion) -> None:
    """Record the criterion as it is now (keeping its current run)."""
    row = {
        "name": criterion.name,
        "title": criterion.title,
        "description": criterion.description,
        "unit": criterion.unit,
        "min": criterion.min,
        "max": criterion.max,
        "colors": criterion.colors,
        "tiers": json.dumps([t.__dict__ for t in criterion.tiers]),
        "rubric": criterion.rubric,
    }
    with db.atomic():
        db.table("criteria").upsert(row, pk="name")
    refresh_views(db)


def scale_of(criterion: Criterion) -> str:
    """The scale and tiers a run was made on, kept with the run: the file may
    change later, and the run's scores must still be read on their own scale."""
    return json.dumps({"min": criterion.min, "max": criterion.max, "tiers": [t.__dict__ for t in criterion.tiers]})


def start_run(
    db: sqlite_utils.Database,
    *,
    criterion: Criterion,
    kind: str,
    model: str | None = None,
    source: str | None = None,
    prompt_hash: str,
    batch: bool = False,
    max_cost: float | None = None,
    level: str = "occupation",
    sample: int = 1,
    config: str | None = None,
    scale: str | None = None,
    server: str | None = None,
    capabilities: str | None = None,
) -> tuple[int, str]:
    """``criterion`` is a criteria.Criterion; returns (run id, config). The
    run is on the criterion's scale unless ``scale`` (as scale_of gives it)
    says otherwise. A model run names the ``server`` it asked and what that
    server was found to do (``capabilities``, JSON: backend.Server)."""
    config = config or config_hash(criterion.name, kind, model or source, prompt_hash, sample)
    with db.atomic():
        run_id = (
            db.table("runs")
            .insert(
                {
                    "criterion": criterion.name,
                    "kind": kind,
                    "model": model,
                    "source": source,
                    "prompt_hash": prompt_hash,
                    "config": config,
                    "batch": int(batch),
                    "started": now(),
                    "status": "running",
                    "max_cost_usd": max_cost,
                    "scale": scale or scale_of(criterion),
                    "level": level,
                    "sample": sample,
                    "label": run_name({"model": model, "source": source, "level": level, "sample": sample}),
                    "server": server,
                    "capabilities": capabilities,
                }
            )
            .last_pk
        )
    # sqlite-utils types last_pk as optional: it is None only before an insert.
    return cast(int, run_id), config


def save_prompt(db: sqlite_utils.Database, prompt_hash: str, system: str, schema: dict[str, Any], effort: str | None) -> None:
    """Keep the exact prompt a run was made with (its system prompt holds the
    criterion's rubric as it was then), so an old run always shows what made
    it, whatever the criterion file says now."""
    with db.atomic():
        db.execute(
            "insert or ignore into prompts (prompt_hash, system, schema, effort) values (?, ?, ?, ?)",
            [prompt_hash, system, json.dumps(schema, sort_keys=True), effort],
        )


def set_source_url(db: sqlite_utils.Database, run_id: int, url: str) -> None:
    """Where an imported run's source publishes its own method."""
    with db.atomic():
        db.execute("update runs set source_url = ? where id = ?", [url, run_id])


def close_stale_runs(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Runs still marked running when no scorer holds the database were
    killed (SIGKILL, a lost machine): mark them so, and return them."""
    stale = list(db.query("select id, scored from runs where status = 'running' order by id"))
    if stale:
        with db.atomic():
            db.execute("update runs set status = 'killed', finished = ? where status = 'running'", [now()])
    return stale


def finish_run(db: sqlite_utils.Database, run_id: int, status: str, make_current: bool = True, **counts: int | bool) -> None:
    with db.atomic():
        db.table("runs").update(run_id, {"finished": now(), "status": status, **counts})
    if make_current:
        maybe_make_current(db, run_id)


def add_usage(db: sqlite_utils.Database, run_id: int, usage: Mapping[str, int], cost: float) -> None:
    db.execute(
        "update runs set input_tokens = input_tokens + ?, output_tokens = output_tokens + ?, "
        "cache_write_tokens = cache_write_tokens + ?, cache_read_tokens = cache_read_tokens + ?, cost_usd = cost_usd + ? "
        "where id = ?",
        [
            usage.get("input_tokens", 0),
            usage.get("output_tokens", 0),
            usage.get("cache_creation_input_tokens", 0),
            usage.get("cache_read_input_tokens", 0),
            cost,
            run_id,
        ],
    )


def save_score(
    db: sqlite_utils.Database,
    run_id: int,
    criterion: str,
    slug: str,
    score: float,
    rationale: str | None,
    input_hash: str | None,
    usage: Mapping[str, int],
    cost: float,
    tasks: Mapping[int, int] | None = None,
) -> None:
    """One score (with its task scores, {task_id: score}, at task level) and
    the tokens it took, in one transaction."""
    with db.atomic():
        db.table("scores").insert(
            {
                "run_id": run_id,
                "slug": slug,
                "criterion": criterion,
                "score": score,
                "rationale": rationale,
                "input_hash": input_hash,
                "input_tokens": usage.get("input_tokens"),
                "output_tokens": usage.get("output_tokens"),
                "cost_usd": cost,
            },
            replace=True,
        )
        if tasks:
            db.execute("delete from task_scores where run_id = ? and slug = ?", [run_id, slug])
            db.table("task_scores").insert_all(
                {"run_id": run_id, "slug": slug, "task_id": t, "score": v} for t, v in sorted(tasks.items())
            )
        add_usage(db, run_id, usage, cost)
        db.execute("update runs set scored = scored + 1 where id = ?", [run_id])


def save_failure(
    db: sqlite_utils.Database, run_id: int, slug: str, error: str, reply: str | None, usage: Mapping[str, int], cost: float
) -> None:
    with db.atomic():
        db.table("score_failures").insert({"run_id": run_id, "slug": slug, "error": error, "reply": reply}, replace=True)
        add_usage(db, run_id, usage, cost)
        db.execute("update runs set failed = failed + 1 where id = ?", [run_id])


def fresh_scores(db: sqlite_utils.Database, config: str) -> dict[str, str]:
    """{slug: input_hash} of every score already made under this config."""
    rows = db.execute(
        "select s.slug, s.input_hash from scores s join runs r on r.id = s.run_id where r.config = ? order by s.run_id",
        [config],
    )
    return {slug: input_hash for slug, input_hash in rows}


def coverage(db: sqlite_utils.Database, config: str) -> int:
    """How many occupations that can be scored (those with a job count) this
    config has scores for; an import may also cover the one that cannot."""
    return db.execute(
        "select count(distinct s.slug) from scores s join runs r on r.id = s.run_id "
        "where r.config = ? and s.slug in (select slug from occupations where jobs is not null)",
        [config],
    ).fetchone()[0]


def maybe_make_current(db: sqlite_utils.Database, run_id: int) -> bool:
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


def set_current(db: sqlite_utils.Database, run_id: int) -> str:
    row = db.execute("select criterion from runs where id = ?", [run_id]).fetchone()
    if row is None:
        raise ValueError(f"no run {run_id}")
    with db.atomic():
        db.execute("update criteria set current_run = ? where name = ?", [run_id, row[0]])
    return row[0]


def save_imported(db: sqlite_utils.Database, run_id: int, criterion: str, scores: Mapping[str, tuple[float, str | None]]) -> None:
    """An import's scores, {slug: (score, rationale)}, in one transaction."""
    with db.atomic():
        db.table("scores").insert_all(
            {"run_id": run_id, "slug": slug, "criterion": criterion, "score": score, "rationale": rationale}
            for slug, (score, rationale) in sorted(scores.items())
        )


# --- Message Batches ---------------------------------------------------------
# A batch is recorded as "submitting" before it is sent, so a run killed
# while sending can find it again instead of paying for a second one. Each
# request's custom_id names its occupation and, by a digest, the batch it was
# sent in and its configuration (criterion, model, sample, prompt): a batch
# found on the API is this record's only if its results carry exactly these
# ids. (The API says of a batch still in progress only its size and age.)


def custom_id(config: str, run_id: int, created: str, slug: str) -> str:
    """The request id an occupation is sent with in a batch: its slug (cut
    to 40 characters) and a digest of the batch record and the slug, within
    the API's 64 characters of letters, digits, - and _."""
    digest = hashlib.sha256(json.dumps([config, run_id, created, slug]).encode()).hexdigest()[:16]
    return f"{slug[:40]}-{digest}"


def batch_custom_ids(db: sqlite_utils.Database, batch_id: str) -> dict[str, str]:
    """{custom_id: slug} for the requests of one batch record. (A batch sent
    before requests had ids of their own was sent with each slug as its id.)"""
    record = db.execute("select config, run_id, created from batches where id = ?", [batch_id]).fetchone()
    if record is None:
        return {}
    slugs = [r[0] for r in db.execute("select slug from batch_requests where batch_id = ? order by slug", [batch_id])]
    config, run_id, created = record
    return {custom_id(config, run_id, created, slug): slug for slug in slugs}


def batch_submitting(
    db: sqlite_utils.Database, run_id: int, config: str, jobs: Sequence[tuple[str, str, Sequence[int] | None]]
) -> str:
    """Record a batch about to be sent, its requests given as (slug, input
    hash, task ids or None); returns the record's local id."""
    local_id = f"submitting-{run_id}"
    with db.atomic():
        db.table("batches").insert(
            {"id": local_id, "run_id": run_id, "config": config, "created": now(), "status": "submitting", "requests": len(jobs)},
            replace=True,
        )
        db.execute("delete from batch_requests where batch_id = ?", [local_id])
        db.table("batch_requests").insert_all(
            {"batch_id": local_id, "slug": slug, "input_hash": digest, "task_ids": json.dumps(list(ids)) if ids else None}
            for slug, digest, ids in jobs
        )
    return local_id


def batch_submitted(db: sqlite_utils.Database, local_id: str, batch_id: str) -> None:
    with db.atomic():
        db.execute("update batches set id = ?, status = 'submitted' where id = ?", [batch_id, local_id])
        db.execute("update batch_requests set batch_id = ? where batch_id = ?", [batch_id, local_id])


def forget_batch(db: sqlite_utils.Database, local_id: str) -> None:
    """A "submitting" record whose batch never reached the API."""
    with db.atomic():
        db.execute("delete from batch_requests where batch_id = ?", [local_id])
        db.execute("delete from batches where id = ?", [local_id])


def set_batch_status(db: sqlite_utils.Database, batch_id: str, status: str) -> None:
    with db.atomic():
        db.execute("update batches set status = ? where id = ?", [status, batch_id])


def pending_batches(db: sqlite_utils.Database, config: str) -> list[dict[str, Any]]:
    marks = ", ".join("?" for _ in PENDING)
    return list(db.query(f"select * from batches where config = ? and status in ({marks}) order by created", [config, *PENDING]))


def pending_slugs(db: sqlite_utils.Database, config: str) -> set[str]:
    """Occupations waiting in a sent batch of this config, paid for and not
    yet collected, or in one recorded as being sent: the run that sent it may
    have died after the API made it. No run but a --batch run, which settles
    such a batch (and plans its occupations again if it never arrived), asks
    for them."""
    marks = ", ".join("?" for _ in PENDING)
    # A database not yet migrated (read-only, for --dry-run) has no collected column.
    collected = "q.collected" if "collected" in db["batch_requests"].columns_dict else "0"
    return {
        r[0]
        for r in db.execute(
            f"select q.slug from batch_requests q join batches b on b.id = q.batch_id "
            f"where b.config = ? and b.status in ({marks}) and not {collected}",
            [config, *PENDING],
        )
    }


def batch_requests(db: sqlite_utils.Database, batch_id: str) -> dict[str, tuple[str, bool, list[int] | None]]:
    """{slug: (input_hash, collected, task ids sent or None)} for one batch."""
    return {
        slug: (digest, bool(done), json.loads(ids) if ids else None)
        for slug, digest, done, ids in db.execute(
            "select slug, input_hash, collected, task_ids from batch_requests where batch_id = ?", [batch_id]
        )
    }


def save_batch_result(
    db: sqlite_utils.Database,
    batch_id: str,
    run_id: int,
    criterion: str,
    slug: str,
    *,
    score: float | None = None,
    rationale: str | None = None,
    input_hash: str | None = None,
    error: str | None = None,
    usage: Mapping[str, int] | None = None,
    cost: float = 0.0,
    tasks: Mapping[int, int] | None = None,
) -> None:
    """One batch result (a score, a failure, or only its usage when it will
    be retried), marked collected in the same transaction, so a download cut
    short and started again neither stores a score twice nor counts its cost twice."""
    usage = usage or {}
    with db.atomic():
        if score is not None:
            save_score(db, run_id, criterion, slug, score, rationale, input_hash, usage, cost, tasks)
        elif error is not None:
            save_failure(db, run_id, slug, error, None, usage, cost)
        else:
            add_usage(db, run_id, usage, cost)
        db.execute("update batch_requests set collected = 1 where batch_id = ? and slug = ?", [batch_id, slug])
