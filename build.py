"""Stage 3: data.db -> a fully static site in _site/.

Reads the occupations and every criterion's current scores from data.db,
renders the Jinja templates in site_templates/ with the data the home page
needs embedded as JSON, copies in the D3 modules pinned by package-lock.json,
and writes downloads (the database, CSV and JSON). The same database gives
byte-identical output.

    python build.py [--db data.db] [--out _site] [--base-path /repo-name/] [--serve [PORT]]
"""

import csv
import decimal
import functools
import http.server
import io
import json
import math
import re
import shutil
import sqlite3
import struct
import zlib
from pathlib import Path

import click
import jinja2
import yaml

from score.measures import percentiles
from score.store import run_name

ROOT = Path(__file__).resolve().parent
TEMPLATES = ROOT / "site_templates"
# Written into every built site; only a folder holding it is ever replaced.
MARKER = ".worklens-site"
# What slugs and criterion names look like; anything else in data.db could
# write outside the output folder through a file name.
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")
CRITERION_NAME = re.compile(r"[a-z][a-z0-9_]{1,39}")
# The occupations columns scrape.store.NEW_COLUMNS added, named here rather
# than imported: scrape.store brings sqlite-utils, which the build does not need.
LATER_COLUMNS = (
    "pay_period",
    "pay_top_coded",
    "pay_missing",
    "openings",
    "pay_p10_annual",
    "pay_p90_annual",
    "pay_p10_hourly",
    "pay_p90_hourly",
)
# Only the layout comes from D3; colours are the ramps below, blended by treemap.js.
D3_MODULES = ("d3-hierarchy",)

# Entry-level education, from least to most, as BLS words it.
VARIES = "See How to Become One"  # BLS's entry for occupations with no one typical path
EDUCATION = (
    "No formal educational credential",
    "High school diploma or equivalent",
    "Some college, no degree",
    "Postsecondary nondegree award",
    "Associate's degree",
    "Bachelor's degree",
    "Master's degree",
    "Doctoral or professional degree",
    VARIES,
)


class BuildError(click.ClickException):
    pass


def script_json(value):
    """JSON that is safe inside a <script> element: no '<', '>' or '&' that
    could close the element or start a comment, whatever the data says."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


def rows(conn, sql, params=()):
    return [dict(r) for r in conn.execute(sql, params)]


def load(db_path):
    """Everything the site shows, as plain Python data."""
    if not Path(db_path).is_file():
        raise BuildError(f"{db_path} does not exist: run python -m scrape first")
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        occupations = rows(conn, "select * from occupations order by slug")
    except sqlite3.OperationalError:
        raise BuildError(f"{db_path} has no occupations table: run python -m scrape first") from None
    if not occupations:
        raise BuildError(f"{db_path} has no occupations: run python -m scrape first")
    for o in occupations:
        for column in LATER_COLUMNS:  # a database scraped before the parser read them
            o.setdefault(column, None)
        if not isinstance(o["slug"], str) or not SLUG.fullmatch(o["slug"]):
            raise BuildError(f"{db_path} has an occupation slug that is not a plain name: {o['slug']!r}")
    tables = {r[0] for r in conn.execute("select name from sqlite_master")}
    edition = rows(conn, "select base_year, projection_year from edition")[0]
    criteria = []
    if {"criteria", "current_scores"} <= tables:
        for c in rows(conn, "select * from criteria where current_run is not null order by name"):
            run = rows(conn, "select * from runs where id = ?", (c["current_run"],))[0]
            # All runs of the current configuration, for cost and dates.
            related = rows(conn, "select * from runs where config = ? order by id", (run["config"],))
            if not isinstance(c["name"], str) or not CRITERION_NAME.fullmatch(c["name"]):
                raise BuildError(f"{db_path} has a criterion name that is not a plain name: {c['name']!r}")
            c["tiers"] = json.loads(c["tiers"])
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
                "label": run_name(run),
            }
            c["scores"] = {
                r["slug"]: r for r in rows(conn, "select * from current_scores where criterion = ? order by slug", (c["name"],))
            }
            c.update(load_runs(conn, tables, c))
            criteria.append(c)
    projections = {}
    for p in rows(conn, "select * from projections order by slug, row"):
        projections.setdefault(p["slug"], []).append(p)
    similar = {}
    for s in rows(conn, "select * from similar_occupations order by slug, similar_slug"):
        similar.setdefault(s["slug"], []).append(s["similar_slug"])
    aliases = rows(conn, "select alias, slug from aliases order by alias, slug")
    # What else each page says; absent from a database scraped before the parser read it.
    extra = {}
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
    conn.close()
    return {
        "occupations": occupations,
        "criteria": criteria,
        "projections": projections,
        "similar": similar,
        "aliases": aliases,
        "edition": edition,
        "space": space,
        "evidence": evidence,
        **extra,
    }


def load_runs(conn, tables, c):
    """What a criterion's runs add to its pages: the current run's task
    scores (at task level), each task-level run against people's and GPT-4's
    task labels, and, with two or more complete runs, every occupation's
    score from each and how far the runs agree."""
    out = {"tasks": {}, "task_agreement": [], "members": [], "by_run": {}, "run_agreement": []}
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
        by_run, newest = {}, {}
        for a in rows(conn, "select * from task_agreement order by run_id, labeller desc"):
            if a["run_id"] in runs:
                by_run.setdefault(a["run_id"], []).append(a)
        for run_id in by_run:  # a config's newest run speaks for it
            config = runs[run_id]["config"]
            newest[config] = max(newest.get(config, 0), run_id)
        out["task_agreement"] = [{"run": run_name(runs[i]), "run_id": i, "rows": by_run[i]} for i in sorted(newest.values())]
    if "run_agreement" in tables:
        pairs = rows(conn, "select * from run_agreement where criterion = ? order by run_a, run_b", (c["name"],))
        ids = sorted({p["run_a"] for p in pairs} | {p["run_b"] for p in pairs})
        out["members"] = [{"id": i, "label": run_name(runs[i])} for i in ids if i in runs]
        for p in pairs:
            out["run_agreement"].append({**p, "label_a": run_name(runs[p["run_a"]]), "label_b": run_name(runs[p["run_b"]])})
        for i, member in enumerate(out["members"]):
            for slug, score in conn.execute(
                "select s.slug, s.score from scores s join runs r on r.id = s.run_id where r.config = ? order by s.run_id",
                (runs[member["id"]]["config"],),
            ):
                out["by_run"].setdefault(slug, [None] * len(out["members"]))[i] = score
    return out


def load_evidence(conn, tables, criteria):
    """The published measures, if ``python -m score measures`` has run: each
    measure with its values by occupation, the consensus, the O*NET tasks and
    the agreement between every pair; and each criterion's percentiles."""
    for c in criteria:
        c["percentiles"] = percentiles({s: float(r["score"]) for s, r in c["scores"].items()})
    if not {"measures", "measure_values", "measure_consensus", "measure_agreement", "tasks"} <= tables:
        return None
    measures = rows(conn, "select * from measures order by rowid")
    if not measures:
        return None
    for m in measures:
        m["values"] = {
            r["slug"]: r for r in rows(conn, "select * from measure_values where measure = ? order by slug", (m["name"],))
        }
    tasks = {}
    for t in rows(conn, "select * from tasks order by slug, onet_soc_code, task_id"):
        tasks.setdefault(t["slug"], []).append(t)
    return {
        "measures": measures,
        "consensus": {r["slug"]: r for r in rows(conn, "select * from measure_consensus order by slug")},
        "agreement": rows(conn, "select * from measure_agreement order by a, b"),
        "tasks": tasks,
    }


def load_space(conn, tables):
    """The labour space, if ``python -m score embed`` has run: the layout and
    neighbours of the backend whose neighbours best match BLS's own links."""
    if not {"space_layout", "nearest_occupations", "space_evaluation"} <= tables:
        return None
    evaluation = rows(conn, "select * from space_evaluation order by truth, backend, method, k")
    ranked = rows(
        conn,
        "select backend from space_evaluation where method = 'nearest by description' and k = 10 "
        "and truth = 'BLS Similar Occupations' order by recall desc, backend limit 1",
    )
    if not ranked:
        return None
    backend = ranked[0]["backend"]
    layout = {r["slug"]: (r["x"], r["y"]) for r in rows(conn, "select * from space_layout where backend = ?", (backend,))}
    nearest = {}
    for r in rows(conn, "select slug, other_slug from nearest_occupations where backend = ? order by slug, rank", (backend,)):
        nearest.setdefault(r["slug"], []).append(r["other_slug"])
    return {"backend": backend, "method": method_words(backend), "layout": layout, "nearest": nearest, "evaluation": evaluation}


def method_words(backend):
    """A labour-space method in plain words, for readers; its id stays in the data."""
    if backend.startswith("tfidf"):
        return "the words their descriptions use (word counts, TF-IDF)"
    if backend.startswith("minilm"):
        return "a small language model's reading of their descriptions (MiniLM)"
    return backend


def home_data(data):
    """Only what the home page needs to draw: one compact row per occupation.
    Rationales and aliases load after the first drawing, from data/."""
    categories = sorted({o["category_name"] or o["category"] for o in data["occupations"]})
    education = [e for e in EDUCATION if any(o["entry_education"] == e for o in data["occupations"])]
    measures = data["evidence"]["measures"] if data["evidence"] else []
    occupations = []
    for o in data["occupations"]:
        if o["jobs"] is None:
            continue  # the treemap's area is the job count; Military Careers has none
        occupations.append(
            [
                o["slug"],
                o["title"],
                categories.index(o["category_name"] or o["category"]),
                o["jobs"],
                o["median_pay_annual"],
                o["median_pay_hourly"],
                o["outlook_pct"],
                o["outlook_desc"],
                o["openings"],
                1 if o["pay_top_coded"] else 0,
                education.index(o["entry_education"]) if o["entry_education"] in education else None,
                [c["scores"].get(o["slug"], {}).get("score") for c in data["criteria"]],
            ]
        )
    return {
        "fields": [
            "slug",
            "title",
            "category",
            "jobs",
            "pay",
            "hourly",
            "outlook",
            "outlook_desc",
            "openings",
            "topcoded",
            "education",
            "scores",
        ],
        "categories": categories,
        "education": education,
        # Only the colour ramps this page draws with: pay, outlook, the published
        # measures' disagreement, and each criterion's own.
        "ramps": {
            name: RAMPS[name]
            for name in sorted({"viridis", "puor", "oranges", *(c["colors"] for c in data["criteria"])})
            if name in RAMPS
        },
        "steps": YLGNBU_STEPS[max(3, min(9, len([e for e in education if e != VARIES])))],
        "criteria": [
            {k: c[k] for k in ("name", "title", "description", "unit", "min", "max", "colors", "tiers")}
            | {"source": c["run"]["label"]}
            for c in data["criteria"]
        ],
        "measures": [{k: m[k] for k in ("name", "short", "title", "authors", "year", "occupations")} for m in measures],
        "occupations": occupations,
        "years": [data["edition"]["base_year"], data["edition"]["projection_year"]],
        "space": data["space"]["method"] if data["space"] else None,
        "shapes": MAP_SHAPES,
    }


def percentile_text(value):
    """63.4 -> "63rd": a percentile as readers say it."""
    n = int(round(value))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# Task labels of GPTs-are-GPTs, most exposed first: E1 direct, E2 with tools, E0 none.
LABEL_ORDER = {"E1": 0, "E2": 1, "E0": 2, None: 3}
LABEL_TEXT = {"E1": "directly exposed", "E2": "exposed with tools", "E0": "not exposed", None: "not labelled"}


def occupation_evidence(data, slug, by_slug):
    """The Evidence section of one occupation's page: every criterion's score
    and every measure as a percentile, a plain verdict, the O*NET tasks most
    exposed first, and similar work that the measures place lower."""
    evidence = data["evidence"]
    dots = []
    for c in data["criteria"]:
        score = c["scores"].get(slug)
        if score:
            dots.append(
                {
                    "kind": "criterion",
                    "name": c["name"],
                    "short": c["title"],
                    "title": c["title"],
                    "value": score["score"],
                    "raw": f"{score['score']:g} of {c['max']}",
                    "percentile": c["percentiles"][slug],
                    "n": len(c["scores"]),
                    "source": c["run"]["model"] or c["run"]["source"],
                    "method": "rubric LLM (this site)",
                }
            )
    if not evidence:
        return {"dots": dots, "verdict": [], "tasks": [], "labels": {}, "less_exposed": [], "consensus": None}
    for m in evidence["measures"]:
        v = m["values"].get(slug)
        if v:
            dots.append(
                {
                    "kind": "measure",
                    "name": m["name"],
                    "short": m["short"],
                    "title": m["title"],
                    "value": v["value"],
                    "raw": f"{v['value']:.3g}",
                    "percentile": v["percentile"],
                    "n": m["occupations"],
                    "source": f"{m['authors']}, {m['year']}",
                    "method": m["method"],
                    "citation": m["citation"],
                    "soc_codes": v["soc_codes"],
                    "share": v["employment_share"],
                    "partial": v["partial"],
                    "consensus": m["consensus"],
                }
            )
    consensus = evidence["consensus"].get(slug)
    verdict = []
    if consensus:
        verdict.append(
            f"The {consensus['measures']} headline published measures place this occupation between the "
            f"{percentile_text(consensus['low'])} and the {percentile_text(consensus['high'])} percentile of US occupations "
            f"for exposure to AI, with a median at the {percentile_text(consensus['median'])}."
        )
        for d in dots:
            if d["kind"] != "criterion":
                continue
            gap = d["percentile"] - consensus["median"]
            where = (
                f"The {d['title']} score this site shows ({d['raw']}, from {d['source']}) puts it at the "
                f"{percentile_text(d['percentile'])} percentile"
            )
            if abs(gap) >= 30:
                verdict.append(
                    f"{where}, far {'above' if gap > 0 else 'below'} where the published measures put it: they disagree."
                )
            elif abs(gap) >= 15:
                verdict.append(f"{where}, somewhat {'above' if gap > 0 else 'below'} the published measures' median.")
            else:
                verdict.append(f"{where}, in line with the published measures.")
        if consensus["spread"] >= 50:
            verdict.append(
                f"The published measures themselves disagree strongly about it: {round(consensus['spread'])} percentile points "
                "separate the lowest from the highest."
            )
    tasks = sorted(
        evidence["tasks"].get(slug, []),
        key=lambda t: (
            LABEL_ORDER[t["human_label"]],
            LABEL_ORDER[t["gpt4_label"]],
            t["task_type"] != "Core",
            t["onet_soc_code"],
            t["task_id"],
        ),
    )
    labels = {label: sum(1 for t in tasks if t["human_label"] == label) for label in ("E1", "E2", "E0")}
    less_exposed = []
    if consensus and data["space"]:
        for other in data["space"]["nearest"].get(slug, []):
            theirs = evidence["consensus"].get(other)
            if theirs and theirs["median"] <= consensus["median"] - 10 and other in by_slug:
                less_exposed.append((by_slug[other], theirs))
    return {
        "dots": dots,
        "verdict": verdict,
        "tasks": tasks,
        "labels": labels,
        "less_exposed": less_exposed[:5],
        "consensus": consensus,
    }


# A sequential blue ramp for the agreement heat map (ColorBrewer Blues).
BLUES = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b")


HEAT_FLOOR = 0.3  # correlations at or below this share the palest blue


def heat(value):
    """(background, text colour) for a correlation: darker is closer agreement."""
    if value is None:
        return "#eeeeee", "#1d1d1f"
    t = (value - HEAT_FLOOR) / (1 - HEAT_FLOOR)
    step = min(len(BLUES) - 1, max(0, round(t * (len(BLUES) - 1))))
    return BLUES[step], "#ffffff" if step >= 5 else "#1d1d1f"


def evidence_page_data(data):
    """The Evidence page: the agreement matrix, and the percentiles its scatter
    plot draws (every criterion and measure for every occupation)."""
    evidence = data["evidence"]
    items = [
        {
            "name": c["name"],
            "short": c["title"],
            "title": c["title"],
            "kind": "criterion",
            "source": c["run"]["model"] or c["run"]["source"],
        }
        for c in data["criteria"]
    ]
    items += [
        {"name": m["name"], "short": m["short"], "title": m["title"], "kind": "measure", "source": f"{m['authors']}, {m['year']}"}
        for m in evidence["measures"]
    ]
    lookups = [c["percentiles"] for c in data["criteria"]] + [
        {s: v["percentile"] for s, v in m["values"].items()} for m in evidence["measures"]
    ]
    occupations = [
        [o["slug"], o["title"], o["jobs"], [None if o["slug"] not in p else round(p[o["slug"]], 1) for p in lookups]]
        for o in data["occupations"]
        if o["jobs"] and any(o["slug"] in p for p in lookups)
    ]
    pairs = {}
    for r in evidence["agreement"]:
        pairs[(r["a"], r["b"])] = pairs[(r["b"], r["a"])] = r
    matrix = []
    for a in items:
        cells = []
        for b in items:
            r = pairs.get((a["name"], b["name"]))
            cells.append({"row": r, "colours": heat(r["spearman"] if r else None), "self": a is b})
        matrix.append((a, cells))
    agreement = {
        f"{r['a']}|{r['b']}": [r["n"], r["spearman"], r["spearman_low"], r["spearman_high"], r["weighted"]]
        for r in evidence["agreement"]
    }
    return {"items": items, "occupations": occupations, "agreement": agreement}, matrix


def detail_data(data):
    """Loaded after the treemap is drawn: rationales, search aliases, the
    published measures' percentiles and consensus (lowest, median, highest),
    and each occupation's place in the labour space."""
    evidence = data["evidence"] or {"measures": [], "consensus": {}}
    slugs = [o["slug"] for o in data["occupations"] if o["jobs"] is not None]
    return {
        "rationales": {
            c["name"]: {s: r["rationale"] for s, r in c["scores"].items() if r["rationale"]} for c in data["criteria"]
        },
        "aliases": [[a["alias"], a["slug"]] for a in data["aliases"]],
        "measures": {
            s: [round(m["values"][s]["percentile"]) if s in m["values"] else None for m in evidence["measures"]]
            for s in slugs
            if any(s in m["values"] for m in evidence["measures"])
        },
        "consensus": {s: [round(c["low"]), round(c["median"]), round(c["high"])] for s, c in evidence["consensus"].items()},
        # 10th and 90th percentile pay, one pair per detailed occupation, and whether hourly.
        "ranges": {
            s: [[r["p10"], r["p90"], int(r["period"] == "hourly")] for r in ranges] for s, ranges in data["pay_ranges"].items()
        },
        "xy": {s: list(xy) for s, xy in data["space"]["layout"].items() if s in slugs} if data["space"] else {},
    }


def spreadsheet_safe(value):
    """A text cell a spreadsheet would run as a formula gets a leading
    apostrophe (the usual CSV-injection defence); numbers pass as they are."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def downloads(data):
    """CSV and JSON of every occupation with its current scores."""
    columns = [
        "slug",
        "title",
        "category",
        "category_name",
        "url",
        "jobs",
        "projected_jobs",
        "employment_change",
        "outlook_pct",
        "outlook_desc",
        "openings",
        "median_pay_annual",
        "median_pay_hourly",
        "pay_period",
        "pay_top_coded",
        "pay_missing",
        "pay_p10_annual",
        "pay_p90_annual",
        "pay_p10_hourly",
        "pay_p90_hourly",
        "entry_education",
        "work_experience",
        "training",
        "page_date",
    ]
    records = []
    for o in data["occupations"]:
        record = {k: o[k] for k in columns}
        for c in data["criteria"]:
            score = c["scores"].get(o["slug"])
            record[c["name"]] = score["score"] if score else None
            record[f"{c['name']}_rationale"] = score["rationale"] if score else None
        records.append(record)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(records[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: spreadsheet_safe(v) for k, v in r.items()} for r in records)
    return buffer.getvalue(), json.dumps(records, ensure_ascii=False, indent=1, sort_keys=False) + "\n"


def measure_download(data):
    """Every published measure's value for every occupation it reaches, each
    row carrying its citation and licence, so the credit travels with it."""
    if not data["evidence"]:
        return None
    titles = {o["slug"]: o["title"] for o in data["occupations"]}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "measure",
            "measure_title",
            "slug",
            "title",
            "value",
            "percentile",
            "soc_codes",
            "employment_share",
            "partial_crosswalk_match",
            "citation",
            "licence",
            "source_url",
        ]
    )
    for m in data["evidence"]["measures"]:
        for slug, v in m["values"].items():
            writer.writerow(
                [
                    spreadsheet_safe(x)
                    for x in (
                        m["name"],
                        m["title"],
                        slug,
                        titles.get(slug),
                        v["value"],
                        v["percentile"],
                        v["soc_codes"],
                        v["employment_share"],
                        v["partial"],
                        m["citation"],
                        m["licence"],
                        m["source_url"],
                    )
                ]
            )
    return buffer.getvalue()


def histogram(criterion):
    counts = {v: 0 for v in range(criterion["min"], criterion["max"] + 1)}
    for s in criterion["scores"].values():
        if int(s["score"]) in counts:  # a score off its scale is a tampered row; it is not drawn
            counts[int(s["score"])] += 1
    return [{"score": k, "occupations": v} for k, v in counts.items()]


# --- the social preview: the map as a PNG, drawn here without a browser ----------

PREVIEW_SIZE = (1200, 630)  # what link previews show at full width
# Each scheme the criteria may name, sampled at 11 even stops from d3-scale-chromatic
# (ColorBrewer and matplotlib's palettes). The site blends between these stops
# (index.html carries the ones it uses) and so does the preview, so both match.
RAMPS = {
    "viridis": "440154 482475 414487 355f8d 2a788e 21918c 22a884 44bf70 7ad151 bddf26 fde725",
    "cividis": "002051 0a326a 2b446e 4d566d 696970 7f7c75 948f78 ada476 caba6a ead156 fdea45",
    "magma": "000004 140e36 3b0f70 641a80 8c2981 b73779 de4968 f7705c fe9f6d fecf92 fcfdbf",
    "inferno": "000004 160b39 420a68 6a176e 932667 bc3754 dd513a f37819 fca50a f6d746 fcffa4",
    "plasma": "0d0887 41049d 6a00a8 8f0da4 b12a90 cc4778 e16462 f2844b fca636 fcce25 f0f921",
    "blues": "f7fbff e3eef9 cfe1f2 b5d4e9 93c3df 6daed5 4b97c9 2f7ebc 1864aa 0a4a90 08306b",
    "greens": "f7fcf5 e8f6e3 d3eecd b7e2b1 97d494 73c378 4daf62 2f984f 157f3b 036429 00441b",
    "oranges": "fff5eb fee8d3 fdd8b3 fdc28c fda762 fb8d3d f2701d e25609 c44103 9f3303 7f2704",
    "purples": "fcfbfd f1eff6 e2e1ef cecee5 b6b5d8 9e9bc9 8782bc 7363ac 61409b 501f8c 3f007d",
    "reds": "fff5f0 fee3d6 fdc9b4 fcaa8e fc8a6b f9694c ef4533 d92723 bb151a 970b13 67000d",
    "ylorrd": "ffffcc fff0a9 fee087 fec965 feab4b fd893c fa5c2e ec3023 d31121 af0225 800026",
    "ylgnbu": "ffffd9 eff9bd d5eeb3 a9ddb7 73c9bd 45b4c2 2897bf 2073b2 234ea0 1c3185 081d58",
    # ColorBrewer's diverging PuOr, purple to orange, for the outlook (growth purple).
    "puor": "2d004b 542788 8073ac b2abd2 d8daeb f7f7f7 fee0b6 fdb863 e08214 b35806 7f3b08",
}
# ColorBrewer's YlGnBu in k classes, k = 3 to 9: ordered steps that stay
# apart, one for each level of entry education.
YLGNBU_STEPS = {
    3: "edf8b1 7fcdbb 2c7fb8",
    4: "ffffcc a1dab4 41b6c4 225ea8",
    5: "ffffcc a1dab4 41b6c4 2c7fb8 253494",
    6: "ffffcc c7e9b4 7fcdbb 41b6c4 2c7fb8 253494",
    7: "ffffcc c7e9b4 7fcdbb 41b6c4 1d91c0 225ea8 0c2c84",
    8: "ffffd9 edf8b1 c7e9b4 7fcdbb 41b6c4 1d91c0 225ea8 0c2c84",
    9: "ffffd9 edf8b1 c7e9b4 7fcdbb 41b6c4 1d91c0 225ea8 253494 081d58",
}


def ramp_colour(scheme, t):
    """The colour at ``t`` (0 to 1) along a scheme, as an RGB triple, blended
    as treemap.js blends it (halves round up, as JavaScript's Math.round)."""
    stops = [bytes.fromhex(h) for h in RAMPS.get(scheme, RAMPS["viridis"]).split()]
    x = min(max(t, 0.0), 1.0) * (len(stops) - 1)
    i = min(math.floor(x), len(stops) - 2)
    return bytes(math.floor(a + (b - a) * (x - i) + 0.5) for a, b in zip(stops[i], stops[i + 1]))


# The box the map is laid out in, wide on a computer and tall on a phone (its
# size in a 1280 x 800 window and on a 390 px phone). treemap.js lays the map
# out in it and stretches the result to the window; prerender_map lays out
# the same box here, so the map the page arrives with is the map it draws.
MAP_SHAPES = {"wide": [1248, 640], "tall": [358, 465]}
GOLDEN = (1 + math.sqrt(5)) / 2


def squarify(values, x0, y0, x1, y1):
    """Rectangles (x0, y0, x1, y1) for ``values`` (largest first, all above
    zero) filling the box in rows as near square as the golden ratio allows.
    This is the rule of d3.treemapSquarify, worked in the same order with the
    same arithmetic, so that build.py and the page place every tile alike."""
    rects = []
    left = sum(values)
    i = 0
    while i < len(values):
        dx, dy = x1 - x0, y1 - y0
        shape = max(dy / dx, dx / dy) if dx and dy else math.inf
        alpha = shape / (left * GOLDEN)
        row, smallest, largest = values[i], values[i], values[i]
        beta = row * row * alpha
        worst = max(largest / beta, beta / smallest)
        j = i + 1
        # A row takes the next value for as long as that keeps its worst
        # tile no further from square.
        while j < len(values):
            value = values[j]
            smallest, largest = min(smallest, value), max(largest, value)
            beta = (row + value) * (row + value) * alpha
            ratio = max(largest / beta, beta / smallest)
            if ratio > worst:
                break
            row, worst = row + value, ratio
            j += 1
        if dx < dy:  # a row across the top of what is left
            edge = y0 + dy * row / left if dy else y1
            k, at = (x1 - x0) / row, x0
            for value in values[i:j]:
                rects.append((at, y0, at + value * k, edge))
                at += value * k
            y0 = edge
        else:  # a column down its left side
            edge = x0 + dx * row / left if dx else x1
            k, at = (y1 - y0) / row, y0
            for value in values[i:j]:
                rects.append((x0, at, edge, at + value * k))
                at += value * k
            x0 = edge
        left -= row
        i = j
    return rects


def home_rows(home):
    """home_data's compact rows as dictionaries, one per occupation on the map."""
    return [dict(zip(home["fields"], row)) for row in home["occupations"]]


def map_layout(home, width, height):
    """The home page's map by job counts in a width x height box, as
    treemap.js lays it out: groups largest first, each with its occupations
    largest first (ties keep the data's order), as [(name, rect, [(row, rect)])]."""
    rows = home_rows(home)
    groups = [(name, [o for o in rows if o["category"] == i]) for i, name in enumerate(home["categories"])]
    totals = {name: sum(o["jobs"] for o in members) for name, members in groups}
    groups = sorted(((name, members) for name, members in groups if members), key=lambda g: -totals[g[0]])
    out = []
    for (name, members), rect in zip(groups, squarify([totals[name] for name, _ in groups], 0, 0, width, height)):
        members = [o for o in sorted(members, key=lambda o: -o["jobs"]) if o["jobs"] > 0]
        out.append((name, rect, list(zip(members, squarify([o["jobs"] for o in members], *rect)))))
    return out


def js_number(value):
    """A number as JavaScript's String() writes it, for the numbers on the map."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def js_grouped(text):
    """Thousands separators in the whole part, as treemap.js puts them."""
    return re.sub(r"^-?\d+", lambda m: f"{int(m.group()):,}", text)


def one_decimal(value):
    """``value`` to one decimal as JavaScript's toFixed(1) rounds it (a half goes up), with separators."""
    return js_grouped(str(decimal.Decimal(value).quantize(decimal.Decimal("0.1"), decimal.ROUND_HALF_UP)))


def billions(value):
    if value >= 1e12:
        return "$" + one_decimal(value / 1e12) + " trn"
    return "$" + js_grouped(js_number(math.floor(value / 1e9 + 0.5))) + " bn"


def group_name_lines(name, room):
    """How many lines (one to three) a group's name takes over its group,
    ``room`` px wide, wrapped at words as the browser wraps it. Widths are a
    guess at 11 px semi-bold system type, a letter's class at a time: the page's
    script measures the real font when it draws the map again."""

    def width(text):
        return sum(
            3.6 if ch in " ,'.ijlIJ" else 5.1 if ch in "frt-" else 10.6 if ch in "mwMW" else 8.4 if ch.isupper() else 7.1
            for ch in text
        )

    lines, line = 1, ""
    for word in name.split(" "):
        if line and width(line + " " + word) > room:
            lines, line = lines + 1, word
        else:
            line = line + " " + word if line else word
    return min(lines, 3)


def prerender_map(home):
    """The home page's first view (area jobs, colour the first criterion) for
    the page to arrive with, drawn as treemap.js draws it in the wide box:
    tiles with their colours, names and values, group names, the legend and
    the sentence above the map. Places are percentages of the box, so the map
    stretches with the window as the script's does. Group names are fitted by
    an estimate of their width (no fonts here); the script fits them exactly
    when it draws the map again, once it is on screen. None when there is no
    criterion: the script then draws the first view itself."""
    if not home["criteria"]:
        return None
    c = home["criteria"][0]
    width, height = MAP_SHAPES["wide"]
    label_height, line = 17, 14
    scheme = c["colors"] if c["colors"] in RAMPS else "viridis"

    def colour(score):
        if score is None:
            return "#d9d9d9"
        return "#" + ramp_colour(scheme, (score - c["min"]) / (c["max"] - c["min"])).hex()

    def dark(hex_colour):
        # As treemap.js decides it: HSL lightness, the mean of the largest and smallest channel.
        rgb = bytes.fromhex(hex_colour[1:])
        return (max(rgb) + min(rgb)) / 510 < 0.55

    def inset(a, b):
        # Half a pixel to the line between two tiles, a whole one at the group's edge.
        return 1 if abs(a - b) < 1e-6 else 0.5

    def place(x0, y0, x1, y1=None, tall=None):
        across = f"left:{100 * x0 / width:.2f}%;top:{100 * y0 / height:.2f}%;width:{100 * (x1 - x0) / width:.2f}%"
        return across + (f";height:{tall}px" if tall is not None else f";height:{100 * (y1 - y0) / height:.2f}%")

    groups = []
    for name, (gx0, gy0, gx1, gy1), leaves in map_layout(home, width, height):
        lines = group_name_lines(name, gx1 - gx0 - 7)
        group = {
            "name": name,
            "id": "group-" + re.sub(r"\W+", "-", name, flags=re.ASCII),
            "style": place(gx0 + 0.5, gy0 + 0.5, gx1 - 0.5, tall=label_height * lines),
            "tiles": [],
        }
        for o, (x0, y0, x1, y1) in leaves:
            x0, x1 = x0 + inset(x0, gx0), x1 - inset(x1, gx1)
            under = label_height * lines if y0 == gy0 else 0
            y0, y1 = y0 + inset(y0, gy0), y1 - inset(y1, gy1)
            w, h = x1 - x0, y1 - y0 - under
            score = o["scores"][0]
            fill = colour(score)
            with_value = w >= 34 and h >= 2 * line + 2
            brief = "—" if score is None else js_grouped(js_number(math.floor(score * 1000 + 0.5) / 1000))
            group["tiles"].append(
                {
                    "slug": o["slug"],
                    "title": o["title"],
                    "class": "tile" + (" tiny" if w < 8 or h < 8 else "") + (" dark" if dark(fill) else ""),
                    "style": place(x0, y0, x1, y1) + f";background:{fill}",
                    "under": under,
                    "lines": max(1, int((h - 2) // line) - (1 if with_value else 0)) if w >= 34 and h >= line + 2 else None,
                    "value": brief if with_value else None,
                }
            )
        groups.append(group)

    rows = home_rows(home)
    total = sum(o["jobs"] for o in rows)
    tier = c["tiers"][len(c["tiers"]) // 2]
    high = [o for o in rows if o["scores"][0] is not None and o["scores"][0] >= tier["min"]]
    headline = (
        f"Occupations scoring {js_number(tier['min'])} or more on {c['title']} (“{tier['name']}” and up) hold "
        f"{one_decimal(100 * sum(o['jobs'] for o in high) / total)}% of jobs and "
        f"{billions(sum(o['pay'] * o['jobs'] for o in high if o['pay']))} a year in wages."
    )

    def position(v):
        return min(max((v - c["min"]) / (c["max"] - c["min"]), 0.0), 1.0)

    stops = [colour(c["min"] + (c["max"] - c["min"]) * k / 10) for k in range(11)]
    marks = []
    for k in range(6):
        v = math.floor(c["min"] + (c["max"] - c["min"]) * k / 5 + 0.5)
        if v not in marks:
            marks.append(v)
    ticks = []
    for v in marks:
        at = 100 * position(v)
        ticks.append(
            {
                "label": js_number(v),
                "style": f"left:{js_number(at)}%;transform:translateX({-100 if at > 95 else 0 if at < 5 else -50}%)",
            }
        )
    legend = {
        "title": f"{c['title']} ({c['unit']})",
        "ramp": "background:linear-gradient(to right, " + ",".join(stops) + ")",
        "ticks": ticks,
    }
    return {"groups": groups, "headline": headline, "legend": legend}


def preview_png(home):
    """The treemap as the site first draws it (area jobs, colour the first
    criterion's score, or pay), laid out as the page lays it out, for link
    previews: a PNG, byte for byte the same for the same data."""
    width, height = PREVIEW_SIZE
    pixels = bytearray(b"\xff" * width * height * 3)

    def fill(x0, y0, x1, y1, colour):
        x0, x1 = max(0, round(x0)), min(width, round(x1))
        for row in range(max(0, round(y0)), min(height, round(y1))):
            start = (row * width + x0) * 3
            pixels[start : start + (x1 - x0) * 3] = colour * (x1 - x0)

    criterion = home["criteria"][0] if home["criteria"] else None

    def colour(o):
        if criterion:
            score = o["scores"][0]
            if score is None:
                return bytes.fromhex("d9d9d9")
            return ramp_colour(criterion["colors"], (score - criterion["min"]) / (criterion["max"] - criterion["min"]))
        return bytes.fromhex("d9d9d9") if o["pay"] is None else ramp_colour("viridis", math.log(o["pay"] / 25000) / math.log(10))

    def inset(a, b):
        # A thick line of the group's colour at its edge, a thin one between tiles.
        return 2 if abs(a - b) < 1e-6 else 0.5

    for _, (gx0, gy0, gx1, gy1), leaves in map_layout(home, width, height):
        fill(gx0, gy0, gx1, gy1, bytes.fromhex("1d1d1f"))  # the group's border shows between its tiles and the next group
        for o, (x0, y0, x1, y1) in leaves:
            fill(x0 + inset(x0, gx0), y0 + inset(y0, gy0), x1 - inset(x1, gx1), y1 - inset(y1, gy1), colour(o))
    rows = b"".join(b"\x00" + bytes(pixels[r * width * 3 : (r + 1) * width * 3]) for r in range(height))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def inline(text, element, name):
    """``text`` to go inside a <script> or <style> element, refused if it
    could close that element early."""
    if f"</{element}" in text.lower():
        raise BuildError(f"{name} holds '</{element}', so it cannot be written into the page; serve it as a file")
    return jinja2.utils.markupsafe.Markup(text)


def home_assets():
    """What the home page needs before it can draw, written into the page
    itself: the stylesheet, D3's layout and treemap.js. Each would otherwise
    be a request on the way to the first drawing (the stylesheet holds up
    the scripts, the scripts hold up the drawing); only the home page uses
    the scripts, and other pages still share site.css as a file."""
    # D3 goes in as it comes, its copyright line included.
    scripts = [inline((ROOT / "node_modules" / m / "dist" / f"{m}.min.js").read_text(), "script", m) for m in D3_MODULES]
    scripts.append(inline(without_comment_lines((TEMPLATES / "treemap.js").read_text()), "script", "treemap.js"))
    return {"css": inline((TEMPLATES / "site.css").read_text(), "style", "site.css"), "scripts": scripts}


def without_comment_lines(script):
    """``script`` less the lines that are only a // comment: they are for
    the people who read site_templates/, and a sixth of what the home page
    would carry. A line inside a template string that spans lines is never
    one of them, since no such string is allowed to begin."""
    lines = script.split("\n")
    if any(line.count("`") % 2 for line in lines):
        raise BuildError("a script has a `template string` that spans lines; keep each on one line")
    return "\n".join(line for line in lines if not line.lstrip().startswith("//"))


def environment(base_path):
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["base"] = base_path
    env.filters["script_json"] = lambda v: jinja2.utils.markupsafe.Markup(script_json(v))
    env.filters["thousands"] = lambda v: "—" if v is None else f"{v:,}"
    env.filters["dollars"] = lambda v: "—" if v is None else f"${v:,}"
    env.filters["score"] = lambda v: "—" if v is None else (f"{v:g}")
    env.filters["money"] = lambda v, period="annual", unit=True: (
        "—"
        if v is None
        else (f"${v:,.2f}" + (" an hour" if unit else "") if period == "hourly" else f"${v:,.0f}" + (" a year" if unit else ""))
    )
    env.filters["percentile"] = percentile_text
    # A tampered database must not turn a link into script: only https:// addresses become links.
    env.filters["https"] = lambda url: url if isinstance(url, str) and url.startswith("https://") else "#"
    # Rubrics are wrapped at ~100 columns in their files; let the browser wrap them instead.
    env.filters["unwrap"] = lambda text: re.sub(r"(?<!\n)\n(?!\n|- )", " ", text)
    return env


def ours_to_replace(folder):
    """Raise BuildError unless ``folder`` is absent, empty or made by an
    earlier build (it holds the marker file): --out is deleted and rewritten,
    and must never be a repository, a home folder or data.db's own folder."""
    if not folder.exists():
        return
    if not folder.is_dir():
        raise BuildError(f"{folder} is a file, not a folder; choose another --out")
    if any(folder.iterdir()) and not (folder / MARKER).is_file():
        raise BuildError(
            f"{folder} holds files build.py did not make (no {MARKER} in it), so it is not replaced; "
            "choose an empty or new --out folder"
        )


def build(db_path, out, base_path="/", site_url=None):
    """Write the site to ``out``; returns the number of files written.
    ``site_url`` (https://...) makes link previews' image address absolute."""
    if not base_path.startswith("/") or not base_path.endswith("/"):
        raise BuildError(f"--base-path must start and end with '/' (got {base_path!r})")
    site_url = site_url or None  # an unset repository variable arrives as ""
    if site_url is not None and not re.fullmatch(r"https://[^\s\"'<>]+", site_url):
        raise BuildError(f"--site-url must be an https:// address (got {site_url!r})")
    missing = [m for m in D3_MODULES if not (ROOT / "node_modules" / m / "dist" / f"{m}.min.js").is_file()]
    if missing:
        raise BuildError(f"D3 is not installed ({', '.join(missing)} missing): run npm ci first")
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    for folder in (out, tmp):
        ours_to_replace(folder)
    data = load(db_path)
    env = environment(base_path)
    shutil.rmtree(tmp, ignore_errors=True)
    files = {}

    env.globals["nav_criteria"] = [{"name": c["name"], "title": c["title"]} for c in data["criteria"]]
    env.globals["edition"] = data["edition"]
    env.globals["preview"] = (site_url.rstrip("/") + "/" if site_url else base_path) + "preview.png"
    env.globals["current_criterion"] = None
    env.globals["has_space"] = bool(data["space"])
    env.globals["has_evidence"] = bool(data["evidence"])
    home = home_data(data)
    by_slug = {o["slug"]: o for o in data["occupations"]}
    files["index.html"] = env.get_template("index.html").render(
        page="home",
        data=home,
        total_jobs=sum(o[3] for o in home["occupations"]),
        inlined=home_assets(),
        first=prerender_map(home),
    )
    files["table.html"] = env.get_template("table.html").render(
        page="table", occupations=data["occupations"], criteria=data["criteria"], edition=data["edition"]
    )
    files["about.html"] = env.get_template("about.html").render(page="about", criteria=data["criteria"], edition=data["edition"])
    for o in data["occupations"]:
        scores = [(c, c["scores"].get(o["slug"])) for c in data["criteria"]]
        similar = data["similar"].get(o["slug"], [])
        nearest = data["space"]["nearest"].get(o["slug"], []) if data["space"] else []
        files[f"occupations/{o['slug']}.html"] = env.get_template("occupation.html").render(
            page="occupation",
            o=o,
            scores=scores,
            projections=data["projections"].get(o["slug"], []),
            similar=[by_slug[s] for s in similar if s in by_slug],
            nearest=[(by_slug[s], s in similar) for s in nearest if s in by_slug],
            space=data["space"],
            evidence=occupation_evidence(data, o["slug"], by_slug),
            label_text=LABEL_TEXT,
            employers=data["employers"].get(o["slug"], []),
            industry_pay=data["industry_pay"].get(o["slug"], []),
            pay_ranges=data["pay_ranges"].get(o["slug"], []),
            mentions=[
                (link, by_slug[link["target_slug"]])
                for link in data["text_links"].get(o["slug"], [])
                if link["target_slug"] in by_slug
            ],
        )
    if data["evidence"]:
        scatter, matrix = evidence_page_data(data)
        files["evidence.html"] = env.get_template("evidence.html").render(
            page="evidence",
            evidence=data["evidence"],
            scatter=scatter,
            matrix=matrix,
            criteria=data["criteria"],
            blues=BLUES,
            heat_floor=HEAT_FLOOR,
        )
        files["assets/evidence.js"] = (TEMPLATES / "evidence.js").read_text()
        files["data/measures.csv"] = measure_download(data)
    if data["space"]:
        files["space.html"] = env.get_template("space.html").render(page="space", space=data["space"])
    for c in data["criteria"]:
        files[f"criteria/{c['name']}.html"] = env.get_template("criterion.html").render(
            page="criterion",
            c=c,
            histogram=histogram(c),
            total=len(c["scores"]),
            current_criterion=c["name"],
        )
    csv_text, json_text = downloads(data)
    files["data/occupations.csv"] = csv_text
    files["data/occupations.json"] = json_text
    files["data/details.json"] = json.dumps(detail_data(data), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    files["data/metadata.json"] = json.dumps(yaml.safe_load((ROOT / "metadata.yml").read_text()), indent=1, sort_keys=True)
    files["assets/site.css"] = (TEMPLATES / "site.css").read_text()
    files["404.html"] = env.get_template("404.html").render(page="404")

    for name, text in sorted(files.items()):
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    shutil.copyfile(db_path, tmp / "data" / "data.db")
    (tmp / "preview.png").write_bytes(preview_png(home))
    (tmp / MARKER).write_text("Made by build.py; the next build replaces this whole folder.\n")
    # Swap in the new site only once it is complete: a failed build leaves
    # the previous one as it was.
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return len(files) + 2


def check(out, base_path="/"):
    """Smoke-check a built site: the main pages are there, every internal link
    and asset resolves, and no page loads anything from another host.
    Returns a list of problems, empty when all is well."""
    from html.parser import HTMLParser
    from urllib.parse import urlsplit

    out = Path(out)
    problems = [
        f"missing {name}" for name in ("index.html", "about.html", "table.html", "data/data.db") if not (out / name).is_file()
    ]
    if not any((out / "occupations").glob("*.html")):
        problems.append("no occupation pages")

    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.found = []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            for key in ("href", "src"):
                if attrs.get(key):
                    self.found.append((tag, attrs[key]))

    for page in sorted(out.rglob("*.html")):
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for tag, url in parser.found:
            parts = urlsplit(url)
            if parts.scheme == "data" or url.startswith("#"):
                continue
            if parts.netloc:
                if tag != "a":
                    problems.append(f"{page.relative_to(out)} loads {url} from another host")
                continue
            if not parts.path.startswith(base_path):
                problems.append(f"{page.relative_to(out)} links to {url}, outside {base_path}")
                continue
            target = out / parts.path[len(base_path) :]
            if parts.path.endswith("/"):
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{page.relative_to(out)} links to {url}, which does not exist")
    return problems


def serve(out, base_path, port):
    """Serve ``out`` at ``base_path`` on loopback, as a static host would."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path):
            if path.startswith(base_path):
                path = "/" + path[len(base_path) :]
            return super().translate_path(path)

    handler = functools.partial(Handler, directory=str(out))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as httpd:
        click.echo(f"serving {out} at http://127.0.0.1:{port}{base_path} (Ctrl-C to stop)")
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db_path", default="data.db", show_default=True, type=click.Path(dir_okay=False), help="Database to read.")
@click.option(
    "--out",
    default="_site",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder to write the site to: replaced if an earlier build made it, refused if it holds anything else.",
)
@click.option(
    "--base-path", default="/", show_default=True, help="Path the site is served under, e.g. /repo-name/ on GitHub Pages."
)
@click.option(
    "--site-url",
    envvar="SITE_URL",
    help="The site's public https:// address (env SITE_URL), so link previews find its preview image; unset, the image's address is relative.",
)
@click.option("--check", "smoke", is_flag=True, help="After building, check every page, link and asset; exit 1 on any problem.")
@click.option(
    "--serve",
    "port",
    is_flag=False,
    flag_value=8000,
    default=None,
    type=int,
    metavar="[PORT]",
    help="After building, serve the site on 127.0.0.1 (port 8000 if none given).",
)
def main(db_path, out, base_path, site_url, smoke, port):
    """Build the static treemap site from data.db.

    Every criterion with a current run in data.db becomes a layer, a stats
    panel and a page; nothing in the code names them. The output needs no
    server and loads nothing from any other host.

    Example:

        python build.py --base-path /worklens/ --serve
    """
    count = build(db_path, out, base_path, site_url)
    click.echo(f"built {count} files in {out}")
    if smoke:
        problems = check(out, base_path)
        for problem in problems:
            click.echo(problem, err=True)
        if problems:
            raise BuildError(f"the site in {out} failed its check: {len(problems)} problems")
        click.echo(f"checked {out}: every page, link and asset resolves; nothing loads from another host")
    if port is not None:
        serve(Path(out), base_path, port)


if __name__ == "__main__":
    main()
