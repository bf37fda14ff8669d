"""Everything the site shows, read from data.db in one read transaction,
so a stage writing at the same time cannot give the pages half of its change."""

from __future__ import annotations

import json
import re
import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Any

from . import BuildError
from .sound import number_in, set_aside

READ_WAIT = 60.0  # seconds, as pipeline.db waits (the site imports no stage, nor the library)

# Everything the site shows: occupations, criteria with their runs and scores, the evidence, the space.
SiteData = dict[str, Any]

# What slugs and criterion names look like; anything else in data.db could
# write outside the output folder through a file name.
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")


CRITERION_NAME = re.compile(r"[a-z][a-z0-9_]{1,39}")


def rows(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(sql, params)]


def load(db_path: str | Path, publish_to: Path | None = None) -> SiteData:
    """Everything the site shows, as plain Python data, read in one read
    transaction; ``publish_to`` gets a copy of the database as that same
    snapshot (SQLite's backup API), checked whole. Values no occupation can
    have are set aside (see ``sound``), each kind said in ``warnings``."""
    if not Path(db_path).is_file():
        raise BuildError(f"{db_path} does not exist: run python -m scrape first")
    # A writer's commit holds the file for a moment: wait for it as long as the stages do, not SQLite's default 5 s.
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=READ_WAIT)
    conn.row_factory = sqlite3.Row
    # Text that is not UTF-8 (a tampered row) is read with U+FFFD where it fails, not refused as a broken table.
    conn.text_factory = lambda data: data.decode("utf-8", "replace")
    # One read transaction: a stage writing meanwhile is seen whole or not at all.
    conn.execute("BEGIN")
    try:
        # A database scraped before the parser read a column gives None for it.
        occupations = [defaultdict(lambda: None, o) for o in rows(conn, "select * from occupations order by slug")]
    except sqlite3.OperationalError:
        raise BuildError(f"{db_path} has no occupations table: run python -m scrape first") from None
    if not occupations:
        raise BuildError(f"{db_path} has no occupations: run python -m scrape first")
    for o in occupations:
        if not isinstance(o["slug"], str) or not SLUG.fullmatch(o["slug"]):
            raise BuildError(f"{db_path} has an occupation slug that is not a plain name: {o['slug']!r}")
    tables = {r[0] for r in conn.execute("select name from sqlite_master")}
    found = rows(conn, "select base_year, projection_year from edition") if "edition" in tables else []
    if not found or not all(number_in(found[0][k], 1900, 2200, whole=True) for k in ("base_year", "projection_year")):
        raise BuildError(f"{db_path} does not say which edition of the Handbook it holds: run python -m scrape")
    edition = found[0]
    criteria = []
    if {"criteria", "current_scores"} <= tables:
        for c in rows(conn, "select * from criteria where current_run is not null order by name"):
            run = rows(conn, "select * from runs where id = ?", (c["current_run"],))[0]
            # All runs of the current configuration, for cost and dates.
            related = rows(conn, "select * from runs where config = ? order by id", (run["config"],))
            if not isinstance(c["name"], str) or not CRITERION_NAME.fullmatch(c["name"]):
                raise BuildError(f"{db_path} has a criterion name that is not a plain name: {c['name']!r}")
            try:
                c["tiers"] = json.loads(c["tiers"])
            except (TypeError, ValueError):
                c["tiers"] = None  # not JSON: the criterion is set aside (sound.scale_problem)
            if run.get("scale"):
                # Read the scores on the scale they were made on, whatever the
                # criterion file says now.
                c.update({k: v for k, v in json.loads(run["scale"]).items() if k in ("min", "max", "tiers")})
            c["run"] = {
                "id": run["id"],
                "kind": run["kind"],
                "model": run["model"],
                "source": run["source"],
                "started": related[0]["started"],
                "finished": max(r["finished"] or "" for r in related) or None,
                "cost_usd": sum(r["cost_usd"] for r in related),
                "batch": any(r["batch"] for r in related),
                "prompt_hash": run["prompt_hash"],
                "level": run.get("level") or "occupation",
                "label": run["label"] or run["model"] or run["source"],
                # Where an imported run's source publishes its method; only an https address is ever a link.
                "source_url": run.get("source_url") if str(run.get("source_url") or "").startswith("https://") else None,
                "prompt": prompt_of(conn, tables, run),
            }
            c["scores"] = {
                r["slug"]: r for r in rows(conn, "select * from current_scores where criterion = ? order by slug", (c["name"],))
            }
            c.update(load_runs(conn, tables, c))
            criteria.append(c)
    projections: dict[str, list[dict[str, Any]]] = {}
    for p in rows(conn, "select * from projections order by slug, row"):
        projections.setdefault(p["slug"], []).append(p)
    similar: dict[str, list[str]] = {}
    for s in rows(conn, "select * from similar_occupations order by slug, similar_slug"):
        similar.setdefault(s["slug"], []).append(s["similar_slug"])
    aliases = rows(conn, "select alias, slug from aliases order by alias, slug")
    # O*NET's related occupations, loaded by python -m measures: Primary ones only, as the space is checked against.
    onet_related: dict[str, list[str]] = {}
    if "onet_related" in tables:
        for r in rows(
            conn, "select slug, related_slug from onet_related where tier like 'Primary%' order by slug, tier, related_slug"
        ):
            onet_related.setdefault(r["slug"], []).append(r["related_slug"])
    # What else each page says; absent from a database scraped before the parser read it.
    extra: dict[str, dict[str, list[dict[str, Any]]]] = {}
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
    if publish_to is not None:
        publish(conn, publish_to)
    conn.close()
    data: SiteData = {
        "occupations": occupations,
        "criteria": criteria,
        "projections": projections,
        "similar": similar,
        "related": onet_related,
        "aliases": aliases,
        "edition": edition,
        "space": space,
        "evidence": evidence,
        **extra,
    }
    data["warnings"] = set_aside(data)
    return data


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


def prompt_of(conn: sqlite3.Connection, tables: set[str], run: dict[str, Any]) -> dict[str, Any] | None:
    """The exact prompt a model run was made with, as python -m score kept it."""
    if run["kind"] != "model" or "prompts" not in tables:
        return None
    found = rows(conn, "select * from prompts where prompt_hash = ?", (run["prompt_hash"],))
    return found[0] if found else None


def load_runs(conn: sqlite3.Connection, tables: set[str], c: dict[str, Any]) -> dict[str, Any]:
    """What a criterion's runs add to its pages: the current run's task
    scores (at task level), each task-level run against people's and GPT-4's
    task labels, and, with two or more complete runs, every occupation's
    score from each and how far the runs agree."""
    out: dict[str, Any] = {"tasks": {}, "task_agreement": [], "members": [], "by_run": {}, "run_agreement": []}
    # Every run of the criterion, newest first, with the prompt each model run was made with.
    out["history"] = [
        {**r, "prompt": prompt_of(conn, tables, r)}
        for r in rows(conn, "select * from runs where criterion = ? order by id desc", (c["name"],))
    ]
    if c["run"]["level"] == "task" and {"task_scores", "tasks"} <= tables:
        for r in rows(
            conn,
            "select cs.slug, ts.score, t.task, t.task_type, t.human_label, t.gpt4_label from current_scores cs "
            "join task_scores ts on ts.run_id = cs.run_id and ts.slug = cs.slug "
            "join tasks t on t.slug = ts.slug and t.task_id = ts.task_id "
            "where cs.criterion = ? order by cs.slug, ts.score desc, t.task_type, ts.task_id",
            (c["name"],),
        ):
            out["tasks"].setdefault(r.pop("slug"), []).append(r)
    runs = {r["id"]: r for r in rows(conn, "select * from runs where criterion = ?", (c["name"],))}
    if "task_agreement" in tables:
        by_run: dict[int, list[dict[str, Any]]] = {}
        newest: dict[str, int] = {}
        for a in rows(conn, "select * from task_agreement order by run_id, labeller desc"):
            if a["run_id"] in runs:
                by_run.setdefault(a["run_id"], []).append(a)
        for run_id in by_run:  # a config's newest run speaks for it
            config = runs[run_id]["config"]
            newest[config] = max(newest.get(config, 0), run_id)
        out["task_agreement"] = [{"run": runs[i]["label"], "run_id": i, "rows": by_run[i]} for i in sorted(newest.values())]
    if "run_agreement" in tables:
        pairs = rows(conn, "select * from run_agreement where criterion = ? order by run_a, run_b", (c["name"],))
        ids = sorted({p["run_a"] for p in pairs} | {p["run_b"] for p in pairs})
        out["members"] = [{"id": i, "label": runs[i]["label"]} for i in ids if i in runs]
        for p in pairs:
            out["run_agreement"].append({**p, "label_a": runs[p["run_a"]]["label"], "label_b": runs[p["run_b"]]["label"]})
        for i, member in enumerate(out["members"]):
            for slug, score in conn.execute(
                "select s.slug, s.score from scores s join runs r on r.id = s.run_id where r.config = ? order by s.run_id",
                (runs[member["id"]]["config"],),
            ):
                out["by_run"].setdefault(slug, [None] * len(out["members"]))[i] = score
    return out


def load_evidence(conn: sqlite3.Connection, tables: set[str], criteria: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The published measures, if ``python -m score measures`` has run: each
    measure with its values by occupation, the consensus, the O*NET tasks and
    the agreement between every pair; and each criterion's percentiles."""
    for c in criteria:
        # Written by python -m compare for the current run; none while it has not run since.
        c["percentiles"] = {}
        if "score_percentiles" in tables:
            c["percentiles"] = dict(
                conn.execute(
                    "select slug, percentile from score_percentiles where criterion = ? and run_id = ?",
                    (c["name"], c["run"]["id"]),
                ).fetchall()
            )
    if not {"measures", "measure_values", "measure_consensus", "measure_agreement", "tasks"} <= tables:
        return None
    measures = rows(conn, "select * from measures order by rowid")
    if not measures:
        return None
    for m in measures:
        m["values"] = {
            r["slug"]: r for r in rows(conn, "select * from measure_values where measure = ? order by slug", (m["name"],))
        }
    tasks: dict[str, list[dict[str, Any]]] = {}
    for t in rows(conn, "select * from tasks order by slug, onet_soc_code, task_id"):
        tasks.setdefault(t["slug"], []).append(t)
    return {
        "measures": measures,
        "consensus": {r["slug"]: r for r in rows(conn, "select * from measure_consensus order by slug")},
        "agreement": rows(conn, "select * from measure_agreement order by a, b"),
        "tasks": tasks,
    }


def load_space(conn: sqlite3.Connection, tables: set[str]) -> dict[str, Any] | None:
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
    return {"backend": backend, "method": shown[0]["description"], "layout": layout, "nearest": nearest, "evaluation": evaluation}
