"""Everything the site shows, read from data.db in one read transaction,
so a stage writing at the same time cannot give the pages half of its change.
Returns the typed model (``model.Site``); rows are read by column name."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

from . import BuildError
from .model import (
    OCCUPATION_COLUMNS,
    TITLE_KINDS,
    Consensus,
    Criterion,
    Edition,
    Evidence,
    Measure,
    MeasureValue,
    Member,
    Occupation,
    Prompt,
    Row,
    Run,
    Score,
    Site,
    Space,
    SpacePair,
    Task,
    TaskAgreement,
    Tier,
    Title,
    Work,
)
from .sound import number_in, plain_rows, scale_problem, set_aside

READ_WAIT = 60.0  # seconds, as pipeline.db waits (the site imports no stage, nor the library)

# What slugs and criterion names look like; anything else in data.db could
# write outside the output folder through a file name.
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")


CRITERION_NAME = re.compile(r"[a-z][a-z0-9_]{1,39}")


def rows(conn: sqlite3.Connection, sql: str, params: tuple[object, ...] = ()) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(sql, params)]


def load(db_path: str | Path, publish_to: Path | None = None) -> Site:
    """Everything the site shows, read in one read transaction;
    ``publish_to`` gets a copy of the database as that same snapshot
    (SQLite's backup API), checked whole. Values no occupation can have are
    set aside (see ``sound``), each kind said in ``warnings``."""
    conn = open_snapshot(db_path)
    try:
        if publish_to is not None:
            publish(conn, publish_to)
        return read(conn, db_path)
    finally:
        conn.close()


def open_snapshot(db_path: str | Path) -> sqlite3.Connection:
    """data.db, read-only, in a read transaction: a stage writing meanwhile
    is seen whole or not at all, by every read made on it."""
    if not Path(db_path).is_file():
        raise BuildError(f"{db_path} does not exist: run python -m scrape first")
    # A writer's commit holds the file for a moment: wait for it as long as the stages do, not SQLite's default 5 s.
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=READ_WAIT)
    conn.row_factory = sqlite3.Row
    # Text that is not UTF-8 (a tampered row) is read with U+FFFD where it fails, not refused as a broken table.
    conn.text_factory = lambda data: data.decode("utf-8", "replace")
    # One read transaction: a stage writing meanwhile is seen whole or not at all.
    conn.execute("BEGIN")
    return conn


def read(conn: sqlite3.Connection, db_path: str | Path) -> Site:
    """Everything the site shows, from the snapshot ``conn`` (``open_snapshot``) of ``db_path``."""
    cleaned: dict[str, int] = {}
    conn.row_factory = plain_rows(cleaned)
    try:
        found_occupations = rows(conn, "select * from occupations order by slug")
    except sqlite3.OperationalError:
        raise BuildError(f"{db_path} has no occupations table: run python -m scrape first") from None
    if not found_occupations:
        raise BuildError(f"{db_path} has no occupations: run python -m scrape first")
    for o in found_occupations:
        if not isinstance(o["slug"], str) or not SLUG.fullmatch(o["slug"]):
            raise BuildError(f"{db_path} has an occupation slug that is not a plain name: {o['slug']!r}")
    # A database scraped before the parser read a column gives None for it.
    occupations = [Occupation(**{k: o.get(k) for k in OCCUPATION_COLUMNS}) for o in found_occupations]  # type: ignore[arg-type]
    tables = {r[0] for r in conn.execute("select name from sqlite_master")}
    found = rows(conn, "select base_year, projection_year from edition") if "edition" in tables else []
    if not found or not all(number_in(found[0][k], 1900, 2200, whole=True) for k in ("base_year", "projection_year")):
        raise BuildError(f"{db_path} does not say which edition of the Handbook it holds: run python -m scrape")
    edition = Edition(int(found[0]["base_year"]), int(found[0]["projection_year"]))
    criteria: list[Criterion] = []
    left_out: list[str] = []
    if {"criteria", "current_scores"} <= tables:
        for c in rows(conn, "select * from criteria where current_run is not null order by name"):
            if not isinstance(c["name"], str) or not CRITERION_NAME.fullmatch(c["name"]):
                raise BuildError(f"{db_path} has a criterion name that is not a plain name: {c['name']!r}")
            criterion = load_criterion(conn, tables, c, left_out)
            if criterion is not None:
                criteria.append(criterion)
    projections: dict[str, list[Row]] = {}
    for p in rows(conn, "select * from projections order by slug, row"):
        projections.setdefault(p["slug"], []).append(p)
    similar: dict[str, list[str]] = {}
    for s in rows(conn, "select * from similar_occupations order by slug, similar_slug"):
        similar.setdefault(s["slug"], []).append(s["similar_slug"])
    aliases = [(a["alias"], a["slug"]) for a in rows(conn, "select alias, slug from aliases order by alias, slug")]
    # O*NET's related occupations, loaded by python -m measures: Primary ones only, as the space is checked against.
    onet_related: dict[str, list[str]] = {}
    if "onet_related" in tables:
        for r in rows(
            conn, "select slug, related_slug from onet_related where tier like 'Primary%' order by slug, tier, related_slug"
        ):
            onet_related.setdefault(r["slug"], []).append(r["related_slug"])
    # What else each page says; absent from a database scraped before the parser read it.
    extra: dict[str, dict[str, list[Row]]] = {}
    for table, order in (
        ("employers", "row"),
        ("industry_pay", "row"),
        ("pay_ranges", "row"),
        ("text_links", "section, target_slug"),
    ):
        extra[table] = {}
        if table in tables:
            for r in rows(conn, f"select * from [{table}] order by slug, {order}"):
                extra[table].setdefault(r["slug"], []).append(r)
    space = load_space(conn, tables)
    evidence = load_evidence(conn, tables, criteria)
    site = Site(
        occupations=occupations,
        criteria=criteria,
        edition=edition,
        projections=projections,
        similar=similar,
        related=onet_related,
        aliases=aliases,
        employers=extra["employers"],
        industry_pay=extra["industry_pay"],
        pay_ranges=extra["pay_ranges"],
        text_links=extra["text_links"],
        space=space,
        evidence=evidence,
    )
    site.work = load_work(conn, tables)
    site.titles = load_titles(conn, tables, {o.slug for o in occupations})
    site.warnings = set_aside(site, left_out, cleaned)
    return site


def load_work(conn: sqlite3.Connection, tables: set[str]) -> Work | None:
    """O*NET's Detailed Work Activities of each occupation and of each of its
    tasks, if ``python -m measures`` has loaded them."""
    if not {"work_activities", "occupation_activities", "task_activities"} <= tables:
        return None
    found = rows(conn, "select dwa_id, activity, iwa_title from work_activities order by dwa_id")
    activities = {str(r["dwa_id"]): " ".join(str(r["activity"]).split()).rstrip(".") for r in found}
    kinds = {str(r["dwa_id"]): " ".join(str(r["iwa_title"]).split()).rstrip(".") for r in found}
    by_occupation: dict[str, dict[str, int]] = {}
    for r in rows(conn, "select slug, dwa_id, tasks from occupation_activities order by slug, dwa_id"):
        # A count that is not a whole number of tasks is a tampered row: the activity is left out.
        if r["dwa_id"] in activities and isinstance(r["tasks"], int) and not isinstance(r["tasks"], bool) and r["tasks"] > 0:
            by_occupation.setdefault(str(r["slug"]), {})[str(r["dwa_id"])] = r["tasks"]
    by_task: dict[str, dict[tuple[str, int], list[str]]] = {}
    for r in rows(
        conn, "select slug, onet_soc_code, task_id, dwa_id from task_activities order by slug, onet_soc_code, task_id, dwa_id"
    ):
        if r["dwa_id"] in activities:
            by_task.setdefault(str(r["slug"]), {}).setdefault((str(r["onet_soc_code"]), r["task_id"]), []).append(
                str(r["dwa_id"])
            )
    return Work(activities, kinds, by_occupation, by_task)


def load_titles(conn: sqlite3.Connection, tables: set[str], slugs: set[str]) -> list[Title]:
    """Every other name of each occupation: BLS's aliases, then O*NET's
    titles, in the order of ``TITLE_KINDS``, each name once per occupation."""
    found = [Title(str(a), str(s), "alias") for a, s in conn.execute("select alias, slug from aliases order by alias, slug")]
    if "occupation_titles" in tables:
        found += [
            Title(str(r["title"]), str(r["slug"]), str(r["kind"]))
            for r in rows(conn, "select title, slug, kind from occupation_titles order by slug, title")
            if r["kind"] in TITLE_KINDS[2:]
        ]
    seen: set[tuple[str, str]] = set()
    titles = []
    for t in sorted(found, key=lambda t: (TITLE_KINDS.index(t.kind), t.slug, t.name)):
        key = (" ".join(t.name.lower().split()), t.slug)
        if t.slug in slugs and t.name.strip() and key not in seen:
            seen.add(key)
            titles.append(t)
    return titles


def publish(conn: sqlite3.Connection, path: Path) -> None:
    """The database as the pages read it, for download: copied by SQLite's
    backup API inside the same read transaction, then checked whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    copy = sqlite3.connect(path)
    try:
        conn.backup(copy)
        problem = copy.execute("pragma integrity_check").fetchone()[0]
    finally:
        copy.close()
    if problem != "ok":
        raise BuildError(f"the copy of the database for download failed SQLite's integrity check: {problem}")


def prompt_of(conn: sqlite3.Connection, tables: set[str], run: dict[str, Any]) -> Prompt | None:
    """The exact prompt a model run was made with, as python -m score kept it."""
    if run["kind"] != "model" or "prompts" not in tables:
        return None
    found = rows(conn, "select * from prompts where prompt_hash = ?", (run["prompt_hash"],))
    return Prompt(found[0]["system"], found[0]["schema"], found[0]["effort"]) if found else None


def load_criterion(conn: sqlite3.Connection, tables: set[str], c: dict[str, Any], left_out: list[str]) -> Criterion | None:
    """A criterion with its current run and scores, or None (said in
    ``left_out``) when its scale cannot be drawn."""
    run = rows(conn, "select * from runs where id = ?", (c["current_run"],))[0]
    # All runs of the current configuration, for cost and dates.
    related = rows(conn, "select * from runs where config = ? order by id", (run["config"],))
    scale: dict[str, Any] = {"min": c["min"], "max": c["max"]}
    try:
        scale["tiers"] = json.loads(c["tiers"])
    except (TypeError, ValueError):
        scale["tiers"] = None
    if run.get("scale"):
        # Read the scores on the scale they were made on, whatever the criterion file says now.
        scale.update({k: v for k, v in json.loads(run["scale"]).items() if k in ("min", "max", "tiers")})
    problem = scale_problem(scale["min"], scale["max"], scale["tiers"])
    if problem:
        left_out.append(f"set aside the criterion {c['name']}: {problem}")
        return None
    criterion = Criterion(
        name=c["name"],
        title=c["title"],
        description=c["description"],
        unit=c["unit"],
        min=scale["min"],
        max=scale["max"],
        colors=c["colors"],
        tiers=[Tier(t["name"], t["min"], t["max"], t.get("examples")) for t in scale["tiers"]],
        rubric=c["rubric"],
        run=Run(
            id=run["id"],
            kind=run["kind"],
            model=run["model"],
            source=run["source"],
            started=related[0]["started"],
            finished=max(r["finished"] or "" for r in related) or None,
            cost_usd=sum(r["cost_usd"] for r in related),
            batch=any(r["batch"] for r in related),
            prompt_hash=run["prompt_hash"],
            level=run.get("level") or "occupation",
            label=run["label"] or run["model"] or run["source"],
            # Where an imported run's source publishes its method; only an https address is ever a link.
            source_url=run.get("source_url") if str(run.get("source_url") or "").startswith("https://") else None,
            prompt=prompt_of(conn, tables, run),
            # A database scored before runs kept it has no server column.
            server=run["server"] if isinstance(run.get("server"), str) else None,
        ),
        scores={
            r["slug"]: Score(
                r["slug"], r["score"], r["rationale"], r["run_id"], r["kind"], r["model"], r["source"], r["scored_at"]
            )
            for r in rows(conn, "select * from current_scores where criterion = ? order by slug", (c["name"],))
        },
    )
    load_runs(conn, tables, criterion)
    return criterion


def load_runs(conn: sqlite3.Connection, tables: set[str], c: Criterion) -> None:
    """What a criterion's runs add to its pages: the current run's task
    scores (at task level), each task-level run against people's and GPT-4's
    task labels, and, with two or more complete runs, every occupation's
    score from each and how far the runs agree."""
    # Every run of the criterion, newest first, with the prompt each model run was made with.
    c.history = rows(conn, "select * from runs where criterion = ? order by id desc", (c.name,))
    for r in c.history:
        prompt = prompt_of(conn, tables, r)
        if prompt is not None:
            c.prompts[str(r["prompt_hash"])] = prompt
    if c.run.level == "task" and {"task_scores", "tasks"} <= tables:
        for r in rows(
            conn,
            "select cs.slug, ts.score, t.task, t.task_type, t.human_label, t.gpt4_label from current_scores cs "
            "join task_scores ts on ts.run_id = cs.run_id and ts.slug = cs.slug "
            "join tasks t on t.slug = ts.slug and t.task_id = ts.task_id "
            "where cs.criterion = ? order by cs.slug, ts.score desc, t.task_type, ts.task_id",
            (c.name,),
        ):
            c.tasks.setdefault(str(r.pop("slug")), []).append(r)
    runs = {r["id"]: r for r in rows(conn, "select * from runs where criterion = ?", (c.name,))}
    if "task_agreement" in tables:
        by_run: dict[int, list[Row]] = {}
        newest: dict[str, int] = {}
        for a in rows(conn, "select * from task_agreement order by run_id, labeller desc"):
            if a["run_id"] in runs:
                by_run.setdefault(a["run_id"], []).append(a)
        for run_id in by_run:  # a config's newest run speaks for it
            config = runs[run_id]["config"]
            newest[config] = max(newest.get(config, 0), run_id)
        c.task_agreement = [TaskAgreement(runs[i]["label"], i, by_run[i]) for i in sorted(newest.values())]
    if "run_agreement" in tables:
        pairs = rows(conn, "select * from run_agreement where criterion = ? order by run_a, run_b", (c.name,))
        ids = sorted({p["run_a"] for p in pairs} | {p["run_b"] for p in pairs})
        c.members = [Member(i, runs[i]["label"]) for i in ids if i in runs]
        for p in pairs:
            c.run_agreement.append({**p, "label_a": runs[p["run_a"]]["label"], "label_b": runs[p["run_b"]]["label"]})
        for i, member in enumerate(c.members):
            for slug, score in conn.execute(
                "select s.slug, s.score from scores s join runs r on r.id = s.run_id where r.config = ? order by s.run_id",
                (runs[member.id]["config"],),
            ):
                c.by_run.setdefault(slug, [None] * len(c.members))[i] = score


def load_evidence(conn: sqlite3.Connection, tables: set[str], criteria: list[Criterion]) -> Evidence | None:
    """The published measures, if ``python -m score measures`` has run: each
    measure with its values by occupation, the consensus, the O*NET tasks and
    the agreement between every pair; and each criterion's percentiles."""
    for c in criteria:
        # Written by python -m compare for the current run; none while it has not run since.
        if "score_percentiles" in tables:
            c.percentiles = dict(
                conn.execute(
                    "select slug, percentile from score_percentiles where criterion = ? and run_id = ?",
                    (c.name, c.run.id),
                ).fetchall()
            )
    if not {"measures", "measure_values", "measure_consensus", "measure_agreement", "tasks"} <= tables:
        return None
    columns = set(Measure.__dataclass_fields__) - {"values"}
    measures = [Measure(**{k: m[k] for k in columns}) for m in rows(conn, "select * from measures order by rowid")]
    if not measures:
        return None
    for m in measures:
        m.values = {
            r["slug"]: MeasureValue(
                r["value"], r["percentile"], r["soc_codes"], r["employment_share"], r["partial"], r["join_kind"]
            )
            for r in rows(conn, "select * from measure_values where measure = ? order by slug", (m.name,))
        }
    tasks: dict[str, list[Task]] = {}
    for t in rows(conn, "select * from tasks order by slug, onet_soc_code, task_id"):
        tasks.setdefault(t["slug"], []).append(Task(**t))
    return Evidence(
        measures=measures,
        consensus={r.pop("slug"): Consensus(**r) for r in rows(conn, "select * from measure_consensus order by slug")},
        agreement=rows(conn, "select * from measure_agreement order by a, b"),
        tasks=tasks,
    )


def load_space(conn: sqlite3.Connection, tables: set[str]) -> Space | None:
    """The labour space, if ``python -m space`` has run: the layout and
    neighbours of the backend it chose to show, and how it was checked."""
    if not {"space_layout", "nearest_occupations", "space_evaluation", "space_methods"} <= tables:
        return None
    shown = rows(conn, "select backend, description from space_methods where shown = 1 order by backend limit 1")
    if not shown:
        return None
    backend = shown[0]["backend"]
    evaluation = rows(conn, "select * from space_evaluation order by truth, backend, method, k")
    layout = {r["slug"]: (r["x"], r["y"]) for r in rows(conn, "select * from space_layout where backend = ?", (backend,))}
    nearest: dict[str, list[str]] = {}
    for r in rows(conn, "select slug, other_slug from nearest_occupations where backend = ? order by slug, rank", (backend,)):
        nearest.setdefault(r["slug"], []).append(r["other_slug"])
    mix: dict[str, float] = {}
    found = rows(conn, "select * from space_methods where backend = ?", (backend,))[0]
    try:
        given = json.loads(str(found.get("mix") or "{}"))
    except ValueError:
        given = {}
    if isinstance(given, dict):
        mix = {str(k): float(v) for k, v in given.items() if number_in(v, 0, 1e6)}
    pairs = []
    if "space_pairs" in tables:
        for r in rows(conn, "select * from space_pairs where backend = ? order by kind, rank", (backend,)):
            if isinstance(r["similarity"], (int, float)):
                pairs.append(SpacePair(str(r["kind"]), str(r["slug"]), str(r["other_slug"]), float(r["similarity"])))
    return Space(backend, shown[0]["description"], layout, nearest, evaluation, mix, pairs)
