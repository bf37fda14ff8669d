"""Stage 3: data.db -> a fully static site in _site/.

Reads the occupations and every criterion's current scores from data.db,
renders the Jinja templates in site_templates/ with the data the home page
needs embedded as JSON, copies in the D3 modules pinned by package-lock.json,
and writes downloads (the database, CSV and JSON). The same database gives
byte-identical output.

    python build.py [--db data.db] [--out _site] [--base-path /repo-name/] [--serve [PORT]]
"""

import csv
import functools
import http.server
import io
import json
import re
import shutil
import sqlite3
from pathlib import Path

import click
import jinja2
import yaml

ROOT = Path(__file__).resolve().parent
TEMPLATES = ROOT / "site_templates"
D3_MODULES = ("d3-color", "d3-interpolate", "d3-scale-chromatic", "d3-hierarchy")

# Entry-level education, from least to most, as BLS words it.
EDUCATION = (
    "No formal educational credential",
    "High school diploma or equivalent",
    "Some college, no degree",
    "Postsecondary nondegree award",
    "Associate's degree",
    "Bachelor's degree",
    "Master's degree",
    "Doctoral or professional degree",
    "See How to Become One",
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
    tables = {r[0] for r in conn.execute("select name from sqlite_master")}
    edition = rows(conn, "select base_year, projection_year from edition")[0]
    criteria = []
    if {"criteria", "current_scores"} <= tables:
        for c in rows(conn, "select * from criteria where current_run is not null order by name"):
            run = rows(conn, "select * from runs where id = ?", (c["current_run"],))[0]
            # All runs of the current configuration, for cost and dates.
            related = rows(conn, "select * from runs where config = ? order by id", (run["config"],))
            c["tiers"] = json.loads(c["tiers"])
            c["run"] = {
                "id": run["id"], "kind": run["kind"], "model": run["model"], "source": run["source"],
                "started": related[0]["started"], "finished": max(r["finished"] or "" for r in related) or None,
                "cost_usd": sum(r["cost_usd"] for r in related), "batch": any(r["batch"] for r in related),
                "prompt_hash": run["prompt_hash"],
            }
            c["scores"] = {
                r["slug"]: r for r in rows(conn, "select * from current_scores where criterion = ? order by slug", (c["name"],))
            }
            criteria.append(c)
    projections = {}
    for p in rows(conn, "select * from projections order by slug, row"):
        projections.setdefault(p["slug"], []).append(p)
    similar = {}
    for s in rows(conn, "select * from similar_occupations order by slug, similar_slug"):
        similar.setdefault(s["slug"], []).append(s["similar_slug"])
    aliases = rows(conn, "select alias, slug from aliases order by alias, slug")
    space = load_space(conn, tables)
    conn.close()
    return {
        "occupations": occupations, "criteria": criteria, "projections": projections, "similar": similar,
        "aliases": aliases, "edition": edition, "space": space,
    }


def load_space(conn, tables):
    """The labour space, if ``python -m score embed`` has run: the layout and
    neighbours of the backend whose neighbours best match BLS's own links."""
    if not {"space_layout", "nearest_occupations", "space_evaluation"} <= tables:
        return None
    evaluation = rows(conn, "select * from space_evaluation order by backend, method, k")
    ranked = rows(conn, "select backend from space_evaluation where method = 'nearest by description' and k = 10 "
                        "order by recall desc, backend limit 1")
    if not ranked:
        return None
    backend = ranked[0]["backend"]
    layout = {r["slug"]: (r["x"], r["y"]) for r in rows(conn, "select * from space_layout where backend = ?", (backend,))}
    nearest = {}
    for r in rows(conn, "select slug, other_slug from nearest_occupations where backend = ? order by slug, rank", (backend,)):
        nearest.setdefault(r["slug"], []).append(r["other_slug"])
    return {"backend": backend, "layout": layout, "nearest": nearest, "evaluation": evaluation}


def home_data(data):
    """Only what the home page needs to draw: one compact row per occupation.
    Rationales and aliases load after the first drawing, from data/."""
    categories = sorted({o["category_name"] or o["category"] for o in data["occupations"]})
    education = [e for e in EDUCATION if any(o["entry_education"] == e for o in data["occupations"])]
    occupations = []
    for o in data["occupations"]:
        if o["jobs"] is None:
            continue  # the treemap's area is the job count; Military Careers has none
        occupations.append([
            o["slug"], o["title"], categories.index(o["category_name"] or o["category"]), o["jobs"],
            o["median_pay_annual"], o["median_pay_hourly"], o["outlook_pct"], o["outlook_desc"],
            education.index(o["entry_education"]) if o["entry_education"] in education else None,
            [c["scores"].get(o["slug"], {}).get("score") for c in data["criteria"]],
            list(data["space"]["layout"][o["slug"]]) if data["space"] and o["slug"] in data["space"]["layout"] else None,
        ])
    return {
        "fields": ["slug", "title", "category", "jobs", "pay", "hourly", "outlook", "outlook_desc", "education", "scores", "xy"],
        "categories": categories,
        "education": education,
        "criteria": [
            {k: c[k] for k in ("name", "title", "description", "unit", "min", "max", "colors", "tiers")}
            | {"source": c["run"]["model"] or c["run"]["source"]}
            for c in data["criteria"]
        ],
        "occupations": occupations,
        "years": [data["edition"]["base_year"], data["edition"]["projection_year"]],
        "space": data["space"]["backend"] if data["space"] else None,
    }


def detail_data(data):
    """Loaded after the treemap is drawn: rationales and search aliases."""
    return {
        "rationales": {c["name"]: {s: r["rationale"] for s, r in c["scores"].items() if r["rationale"]} for c in data["criteria"]},
        "aliases": [[a["alias"], a["slug"]] for a in data["aliases"]],
    }


def downloads(data):
    """CSV and JSON of every occupation with its current scores."""
    columns = ["slug", "title", "category", "category_name", "url", "jobs", "projected_jobs", "employment_change",
               "outlook_pct", "outlook_desc", "median_pay_annual", "median_pay_hourly", "pay_note", "entry_education",
               "work_experience", "training", "page_date"]
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
    writer.writerows(records)
    return buffer.getvalue(), json.dumps(records, ensure_ascii=False, indent=1, sort_keys=False) + "\n"


def histogram(criterion):
    counts = {v: 0 for v in range(criterion["min"], criterion["max"] + 1)}
    for s in criterion["scores"].values():
        counts[int(s["score"])] += 1
    return [{"score": k, "occupations": v} for k, v in counts.items()]


def environment(base_path):
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
    )
    env.globals["base"] = base_path
    env.filters["script_json"] = lambda v: jinja2.utils.markupsafe.Markup(script_json(v))
    env.filters["thousands"] = lambda v: "—" if v is None else f"{v:,}"
    env.filters["dollars"] = lambda v: "—" if v is None else f"${v:,}"
    env.filters["score"] = lambda v: "—" if v is None else (f"{v:g}")
    # Rubrics are wrapped at ~100 columns in their files; let the browser wrap them instead.
    env.filters["unwrap"] = lambda text: re.sub(r"(?<!\n)\n(?!\n|- )", " ", text)
    return env


def build(db_path, out, base_path="/"):
    """Write the site to ``out``; returns the number of files written."""
    if not base_path.startswith("/") or not base_path.endswith("/"):
        raise BuildError(f"--base-path must start and end with '/' (got {base_path!r})")
    missing = [m for m in D3_MODULES if not (ROOT / "node_modules" / m / "dist" / f"{m}.min.js").is_file()]
    if missing:
        raise BuildError(f"D3 is not installed ({', '.join(missing)} missing): run npm ci first")
    data = load(db_path)
    env = environment(base_path)
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    files = {}

    env.globals["nav_criteria"] = [{"name": c["name"], "title": c["title"]} for c in data["criteria"]]
    env.globals["current_criterion"] = None
    env.globals["has_space"] = bool(data["space"])
    home = home_data(data)
    by_slug = {o["slug"]: o for o in data["occupations"]}
    files["index.html"] = env.get_template("index.html").render(
        page="home", data=home, total_jobs=sum(o[3] for o in home["occupations"])
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
            page="occupation", o=o, scores=scores, projections=data["projections"].get(o["slug"], []),
            similar=[by_slug[s] for s in similar if s in by_slug],
            nearest=[(by_slug[s], s in similar) for s in nearest if s in by_slug],
            space=data["space"], edition=data["edition"],
        )
    if data["space"]:
        files["space.html"] = env.get_template("space.html").render(page="space", space=data["space"])
    for c in data["criteria"]:
        files[f"criteria/{c['name']}.html"] = env.get_template("criterion.html").render(
            page="criterion", c=c, histogram=histogram(c), total=len(c["scores"]), current_criterion=c["name"],
        )
    csv_text, json_text = downloads(data)
    files["data/occupations.csv"] = csv_text
    files["data/occupations.json"] = json_text
    files["data/details.json"] = json.dumps(detail_data(data), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    files["data/metadata.json"] = json.dumps(yaml.safe_load((ROOT / "metadata.yml").read_text()), indent=1, sort_keys=True)
    files["assets/site.css"] = (TEMPLATES / "site.css").read_text()
    files["assets/treemap.js"] = (TEMPLATES / "treemap.js").read_text()
    files["404.html"] = env.get_template("404.html").render(page="404")

    for name, text in sorted(files.items()):
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for module in D3_MODULES:
        shutil.copyfile(ROOT / "node_modules" / module / "dist" / f"{module}.min.js", tmp / "assets" / f"{module}.min.js")
    shutil.copyfile(db_path, tmp / "data" / "data.db")
    # Swap in the new site only once it is complete: a failed build leaves
    # the previous one as it was.
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return len(files) + len(D3_MODULES) + 1


def check(out, base_path="/"):
    """Smoke-check a built site: the main pages are there, every internal link
    and asset resolves, and no page loads anything from another host.
    Returns a list of problems, empty when all is well."""
    from html.parser import HTMLParser
    from urllib.parse import urlsplit

    out = Path(out)
    problems = [f"missing {name}" for name in ("index.html", "about.html", "table.html", "data/data.db") if not (out / name).is_file()]
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
            target = out / parts.path[len(base_path):]
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
                path = "/" + path[len(base_path):]
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
@click.option("--out", default="_site", show_default=True, type=click.Path(file_okay=False), help="Folder to write the site to (replaced).")
@click.option("--base-path", default="/", show_default=True, help="Path the site is served under, e.g. /repo-name/ on GitHub Pages.")
@click.option("--check", "smoke", is_flag=True, help="After building, check every page, link and asset; exit 1 on any problem.")
@click.option("--serve", "port", is_flag=False, flag_value=8000, default=None, type=int, metavar="[PORT]", help="After building, serve the site on 127.0.0.1 (port 8000 if none given).")
def main(db_path, out, base_path, smoke, port):
    """Build the static treemap site from data.db.

    Every criterion with a current run in data.db becomes a layer, a stats
    panel and a page; nothing in the code names them. The output needs no
    server and loads nothing from any other host.

    Example:

        python build.py --base-path /worklens/ --serve
    """
    count = build(db_path, out, base_path)
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
