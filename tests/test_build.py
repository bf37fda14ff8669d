"""build.py output: every page present, every internal link resolving, nothing
loaded from another host, untrusted text inert, byte-identical rebuilds."""

import hashlib
import json
import re
import shutil

import pytest
import sqlite_utils
from click.testing import CliRunner
from conftest import ROOT
from databases import site_counts, written

import build
from website import BuildError
from website.check import check
from website.render import esbuild, inline
from website.write import build as build_site

EVIL_TITLE = '</script><script>alert("title")</script><!--'
EVIL_RATIONALE = '<img src=x onerror=alert("rationale")> & </SCRIPT> \u2028'


@pytest.fixture
def written_db(tmp_path):
    """The site's small database written from code (databases.written)."""
    return written(tmp_path / "written.db", ROOT)


def run_build(db, out, *args):
    return CliRunner().invoke(build.main, ["--db", str(db), "--out", str(out), *args])


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "_site"
    result = run_build(ROOT / "data.db", out, "--base-path", "/worklens/")
    assert result.exit_code == 0, result.output
    return out


def test_every_page_is_there(site):
    db = sqlite_utils.Database(ROOT / "data.db")
    slugs = [r["slug"] for r in db.query("select slug from occupations")]
    criteria = [r["name"] for r in db.query("select name from criteria where current_run is not null")]
    assert len(slugs) == site_counts(ROOT / "data.db")["pages"] and "ai_exposure" in criteria
    expected = [
        "index.html",
        "about.html",
        "table.html",
        "404.html",
        "data/data.db",
        "data/occupations.csv",
        "data/occupations.json",
        "data/details.json",
        "data/metadata.json",
        "assets/site.css",
    ]
    expected += [f"occupations/{s}.html" for s in slugs] + [f"criteria/{c}.html" for c in criteria]
    missing = [p for p in expected if not (site / p).is_file()]
    assert missing == []
    # The download holds what data.db holds, copied by SQLite's backup API (its header's counters are its own).
    import sqlite3

    published, source = (sqlite3.connect(path) for path in (site / "data" / "data.db", ROOT / "data.db"))
    assert list(published.iterdump()) == list(source.iterdump())


def pages(site):
    return sorted(site.rglob("*.html"))


def test_every_internal_link_resolves_and_nothing_loads_from_another_host(site):
    assert check(site, "/worklens/") == []
    css = (site / "assets" / "site.css").read_text()
    assert "url(" not in css and "@import" not in css
    home = (site / "index.html").read_text()
    # Fetches only the site's own files: every fetch starts at the site's base address, whatever the name it is given.
    base = re.search(r"(\w+)=document\.body\.dataset\.base", home)
    assert base and home.count("fetch(") == home.count(f"fetch({base[1]}+") >= 1
    for text in [home, *(a.read_text() for a in (site / "assets").glob("*.js"))]:
        assert "import(" not in text


def test_the_home_page_draws_with_nothing_more_to_fetch(site):
    home = (site / "index.html").read_text()
    # Its styles and scripts are written in; other pages share the stylesheet as a file.
    assert "<style>" in home and 'rel="stylesheet"' not in home and "<script src=" not in home
    assert "d3.treemap()" in home and 'getPropertyValue("--shape")' in home
    assert "// https://d3js.org/d3-hierarchy/ v3.1.2 Copyright 2010-2021 Mike Bostock" in home  # D3's licence asks for it
    # Made small: no comments, no indentation, and of D3 only the layout the map uses.
    styles, *scripts = re.findall(r"<(?:style|script)>(.*?)</(?:style|script)>", home, re.S)
    assert "// The " not in home and "\n" not in styles.strip() + max(scripts, key=len).strip()
    assert "d3.pack" not in home and "d3.stratify" not in home
    assert 'rel="stylesheet" href="/worklens/assets/site.css"' in (site / "about.html").read_text()


def test_the_home_page_carries_every_rule_it_uses_and_other_pages_get_them_all(site):
    """pages.css is kept out of the home page to keep it small, so none of its
    rules may name only classes and ids the home page or its script uses."""
    home = (site / "index.html").read_text()
    names = {n for m in re.finditer(r'(?:class|id)="([^"]*)"', home) for n in m[1].split()}
    # Classes the script sets or looks for are string literals in it (minified, but literals survive):
    # an element's class, a classList call's, a selector's; "script" is base.html's.
    scripts = " ".join(re.findall(r"<script>(.*?)</script>", home, re.S))
    set_ = r'class:["`]([^"`]*)["`]|classList\.\w+\("([^"]*)"|className===?"([^"]*)"'
    names |= {w for m in re.findall(set_, scripts) for part in m for w in part.split()}
    selectors = r'(?:querySelector(?:All)?|closest|matches)\("([^"]*)"'
    names |= {w for m in re.findall(selectors, scripts) for w in re.findall(r"[.#]([A-Za-z][\w-]*)", m)} | {"script"}
    pages_css = re.sub(r"/\*.*?\*/", "", (ROOT / "site_templates" / "pages.css").read_text(), flags=re.S)
    needed = [
        selector.strip()
        for rule in re.findall(r"([^{}]+)\{[^{}]*\}", pages_css)
        for selector in rule.split(",")
        if not selector.strip().startswith("@") and set(re.findall(r"[.#]([A-Za-z][\w-]*)", selector)) <= names
    ]
    assert needed == []
    # The home page carries site.css's rules only; every other page gets both files' as one.
    css = (site / "assets" / "site.css").read_text()
    assert ".answer-score" in css and ".treemap .tile" in css
    assert ".answer-score" not in home and ".treemap .tile" in home


def test_the_home_page_arrives_with_its_first_view_drawn(site):
    home = (site / "index.html").read_text()
    treemap = home[home.index('<div id="treemap"') : home.index("</div>\n    <script>", home.index('<div id="treemap"'))]
    assert "data-predrawn" in treemap
    # Drawn in both of the script's shapes, each tall part just after its wide one.
    counts = site_counts(ROOT / "data.db")
    assert treemap.count('class="tile') == 2 * counts["on_map"]
    assert treemap.count('class="group"') == treemap.count('class="group tall"') == counts["groups"]
    nurses = 'class="tile{}" href="/worklens/occupations/registered-nurses.html"'
    assert re.search(f"<a {nurses.format('')}[^>]*>.*?</a><a {nurses.format(' tall')}", treemap)
    assert ' id="' not in treemap[treemap.index(">") :]  # the script's group ids, which two copies would repeat
    assert '<a class="tile" href="/worklens/occupations/registered-nurses.html"' in treemap
    # Its sentence and legend are the first criterion's, as the map's script writes them (it drew them).
    assert re.search(r'<p id="headline"[^>]*>Occupations scoring 6 or more on AI exposure .* hold [\d.]+% of jobs', home)
    assert '<span class="legend-title">AI exposure (' in home
    assert '<button type="button" role="radio" data-layer="ai_exposure" aria-checked="true">' in home


def test_without_a_criterion_the_page_arrives_with_the_outlook_drawn(tmp_path, small_copy):
    db = small_copy
    with sqlite_utils.Database(db).conn as conn:
        conn.execute("update criteria set current_run = null")
    build_site(db, tmp_path / "site")
    home = (tmp_path / "site" / "index.html").read_text()
    assert home.count('class="tile') == 2 * site_counts(db)["on_map"]
    (year,) = sqlite_utils.Database(db).execute("select projection_year from edition").fetchone()
    assert re.search(rf'<p id="headline"[^>]*>Occupations projected to grow 5% or more by {year} hold', home)
    assert '<button type="button" role="radio" data-layer="outlook" aria-checked="true">' in home


def test_what_esbuild_refuses_stops_the_build_with_one_line():
    with pytest.raises(BuildError, match=r"^esbuild could not make broken.js small: .*Expected"):
        esbuild("const = ;", "broken.js", "--minify")


def test_a_script_that_would_close_its_element_is_refused():
    assert inline("a < b && c > d", "script", "x.js") == "a < b && c > d"
    with pytest.raises(BuildError, match="x.js holds '</script'"):
        inline("let s = '</SCRIPT><img src=x onerror=alert(1)>'", "script", "x.js")


def test_the_check_catches_broken_links_and_foreign_assets(site, tmp_path, small_copy):
    broken = tmp_path / "broken"
    shutil.copytree(site, broken)
    (broken / "occupations" / "actors.html").unlink()
    page = broken / "about.html"
    page.write_text(page.read_text().replace("</head>", '<script src="https://cdn.example.org/d3.js"></script></head>'))
    problems = check(broken, "/worklens/")
    assert any("links to /worklens/occupations/actors.html, which does not exist" in p for p in problems)
    assert "about.html loads https://cdn.example.org/d3.js from another host" in problems
    result = CliRunner().invoke(build.main, ["--db", str(small_copy), "--out", str(tmp_path / "ok"), "--check"])
    assert result.exit_code == 0 and "every page, link and asset resolves" in result.output


def test_home_page_embeds_compact_data_only(site):
    html = (site / "index.html").read_text()
    data = re.search(r'<script id="data" type="application/json">(.*?)</script>', html, re.S).group(1)
    assert len(data.encode()) < 60_000
    assert "rationale" not in data  # rationales load after the treemap is drawn
    assert "registered-nurses" in data


def test_downloads_have_current_scores(site):
    import csv

    rows = list(csv.DictReader((site / "data" / "occupations.csv").open()))
    assert len(rows) == site_counts(ROOT / "data.db")["pages"]
    db = sqlite_utils.Database(ROOT / "data.db")
    jobs = dict(db.execute("select slug, jobs from occupations").fetchall())
    assert {r["slug"]: r["jobs"] for r in rows} == {s: "" if v is None else str(v) for s, v in jobs.items()}
    scores = dict(db.execute("select slug, score from current_scores where criterion = 'ai_exposure'").fetchall())
    assert scores and {r["slug"]: r["ai_exposure"] for r in rows if r["slug"] in scores} == {s: str(v) for s, v in scores.items()}
    records = json.loads((site / "data" / "occupations.json").read_text())
    assert {r["slug"] for r in records} == {r["slug"] for r in rows}


def digest(folder):
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_same_database_same_bytes(tmp_path, written_db):
    assert run_build(written_db, tmp_path / "a").exit_code == 0
    assert run_build(written_db, tmp_path / "b").exit_code == 0
    assert digest(tmp_path / "a") == digest(tmp_path / "b")


@pytest.fixture
def evil_db(small_copy):
    """A copy of data.db where a title and a rationale try to break out of the page."""
    path = small_copy
    db = sqlite_utils.Database(path)
    db.execute("update occupations set title = ? where slug = 'registered-nurses'", [EVIL_TITLE])
    db.execute("update scores set rationale = ? where slug = 'registered-nurses'", [EVIL_RATIONALE])
    db.conn.commit()
    return path


def test_untrusted_text_is_inert(evil_db, tmp_path):
    out = tmp_path / "site"
    assert run_build(evil_db, out).exit_code == 0
    home = (out / "index.html").read_text()
    # Only our own script elements close: the title cannot end the JSON one.
    assert home.count("</script>") == home.count("<script")
    assert "alert(" in home and "<script>alert" not in home
    page = (out / "occupations" / "registered-nurses.html").read_text()
    assert "&lt;/script&gt;&lt;script&gt;alert" in page
    assert "&lt;img src=x onerror" in page and "<img src=x" not in page
    details = (out / "data" / "details.json").read_text()
    assert "onerror" in details  # it is data, shown with textContent by the page


def test_bad_input_is_one_line_and_keeps_the_old_site(tmp_path, small_copy):
    out = tmp_path / "site"
    assert run_build(small_copy, out).exit_code == 0
    before = digest(out)
    result = run_build(tmp_path / "missing.db", out)
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {tmp_path / 'missing.db'} does not exist: run python -m scrape first"
    empty = tmp_path / "empty.db"
    sqlite_utils.Database(empty)["occupations"].create({"slug": str}, pk="slug")
    result = run_build(empty, out)
    assert result.exit_code == 1 and "has no occupations" in result.output
    result = run_build(small_copy, out, "--base-path", "worklens")
    assert result.output.strip() == "Error: --base-path must start and end with '/' (got 'worklens')"
    assert digest(out) == before


def test_evidence_pages_and_downloads_credit_every_measure(site):
    import csv

    db = sqlite_utils.Database(ROOT / "data.db")
    measures = {r["name"]: r for r in db.query("select * from measures")}
    evidence = (site / "evidence.html").read_text()
    for m in measures.values():
        assert f'id="{m["name"]}"' in evidence and jinja_escape(m["citation"]) in evidence
    # Every pair of sources has a cell, both ways round.
    pairs = db.execute("select count(*) from measure_agreement").fetchone()[0]
    assert evidence.count('<td tabindex="0"') == 2 * pairs
    rows = list(csv.DictReader((site / "data" / "measures.csv").open()))
    assert len(rows) == db["measure_values"].count
    assert all(r["citation"] == measures[r["measure"]]["citation"] and r["licence"] for r in rows)
    page = (site / "occupations" / "software-developers.html").read_text()
    reached = db.execute("select count(*) from measure_values where slug = 'software-developers'").fetchone()[0]
    assert page.count('<li class="dot-row measure">') == reached and page.count('<li class="dot-row criterion">') == 1
    assert "The tasks behind the numbers" in page and "O*NET 29.1 Database" in page
    tasks = db.execute("select count(*) from tasks where slug = 'software-developers'").fetchone()[0]
    assert page.count('<span class="label label-') == 2 * tasks
    # The most exposed tasks come first: the first row is one people labelled E1.
    first = re.search(r'<table class="data tasks">.*?<tbody>\s*<tr>(.*?)</tr>', page, re.S).group(1)
    assert "label-E1" in first


def jinja_escape(text):
    import markupsafe

    return str(markupsafe.escape(text))


def test_a_tampered_measure_cannot_inject_script_or_links(tmp_path, small_copy):
    path = small_copy
    db = sqlite_utils.Database(path)
    db.execute("update measures set source_url = 'javascript:alert(1)', citation = ? where name = 'eloundou_gpt4'", [EVIL_TITLE])
    db.execute("update tasks set task = ? where slug = 'registered-nurses'", [EVIL_RATIONALE])
    db.execute("update occupations set url = 'javascript:alert(2)' where slug = 'registered-nurses'")
    db.conn.commit()
    out = tmp_path / "site"
    assert run_build(path, out, "--check").exit_code == 0
    evidence = (out / "evidence.html").read_text()
    assert 'href="javascript:' not in evidence and "<script>alert" not in evidence
    page = (out / "occupations" / "registered-nurses.html").read_text()
    assert 'href="javascript:' not in page and "<img src=x" not in page and "&lt;img src=x onerror" in page


def test_out_is_replaced_only_if_a_build_made_it(tmp_path, small_copy):
    precious = tmp_path / "repo"
    precious.mkdir()
    (precious / "notes.txt").write_text("mine")
    result = run_build(small_copy, precious)
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: {precious} holds files build.py did not make (no .worklens-site in it), so it is not replaced; "
        "choose an empty or new --out folder"
    )
    assert [p.name for p in precious.iterdir()] == ["notes.txt"]
    # The same for a leftover folder beside it that the build would use for its work.
    (tmp_path / "site.tmp").mkdir()
    (tmp_path / "site.tmp" / "data.db").write_text("not ours")
    assert run_build(small_copy, tmp_path / "site").exit_code == 1
    assert (tmp_path / "site.tmp" / "data.db").read_text() == "not ours"
    # A folder an earlier build made is replaced, again and again.
    out = tmp_path / "fresh"
    assert run_build(small_copy, out).exit_code == 0
    assert run_build(small_copy, out).exit_code == 0
    assert (out / ".worklens-site").is_file() and (out / "index.html").is_file()


@pytest.mark.parametrize(
    "sql, message",
    [
        (
            "update occupations set slug = '../../escaped' where slug = 'actors'",
            "an occupation slug that is not a plain name: '../../escaped'",
        ),
        ("update criteria set name = '../x' where name = 'ai_exposure'", "a criterion name that is not a plain name: '../x'"),
    ],
)
def test_names_that_would_write_outside_the_site_are_refused(tmp_path, sql, message):
    path = tmp_path / "tampered.db"
    shutil.copy(ROOT / "data.db", path)
    db = sqlite_utils.Database(path)
    db.execute(sql)
    db.conn.commit()
    result = run_build(path, tmp_path / "deep" / "site")
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {path} has {message}"
    assert not list(tmp_path.rglob("escaped*")) and not (tmp_path / "deep" / "site").exists()


def test_csv_cells_never_become_formulas(tmp_path, small_copy):
    path = small_copy
    db = sqlite_utils.Database(path)
    db.execute("update occupations set title = ? where slug = 'actors'", ['=HYPERLINK("https://example.org","x")'])
    db.execute("update scores set rationale = '@SUM(A1:A9)' where slug = 'actors'")
    db.execute("update measures set title = '+1+1' where name = (select min(name) from measures)")
    db.conn.commit()
    assert run_build(path, tmp_path / "site").exit_code == 0
    import csv

    with open(tmp_path / "site" / "data" / "occupations.csv", newline="") as f:
        actors = next(r for r in csv.DictReader(f) if r["slug"] == "actors")
    assert actors["title"] == '\'=HYPERLINK("https://example.org","x")'
    assert actors["ai_exposure_rationale"] == "'@SUM(A1:A9)"
    with open(tmp_path / "site" / "data" / "measures.csv", newline="") as f:
        measures = list(csv.DictReader(f))
    assert {r["measure_title"] for r in measures} >= {"'+1+1"}
    # Negative numbers are numbers, not text to escape.
    with open(tmp_path / "site" / "data" / "occupations.csv", newline="") as f:
        assert any(r["outlook_pct"].startswith("-") for r in csv.DictReader(f))


def test_a_changed_scale_reads_old_scores_on_their_own_scale(tmp_path, small_copy):
    """A criterion's scale changed after its current run (0-10 to 0-4): the
    build reads the run's scores on the scale they were made on."""
    from score import criteria, importer, store

    path = small_copy
    db = sqlite_utils.Database(path)
    store.ensure(db)
    folder = tmp_path / "criteria"
    folder.mkdir()
    text = (ROOT / "score" / "criteria" / "humanoid_robotics.md").read_text()
    (folder / "humanoid_robotics.md").write_text(text)
    trial = tmp_path / "trial.csv"
    trial.write_text("slug,score\nroofers,10\nactors,9\n")
    criterion = criteria.load("humanoid_robotics", folder)
    store.save_criterion(db, criterion)
    importer.import_scores(db, trial, criterion, source="a trial")
    # The file now has a 0-4 scale, and the criterion row says so.
    (folder / "humanoid_robotics.md").write_text(
        '+++\nname = "humanoid_robotics"\ntitle = "Humanoid robots"\ndescription = "Rescaled."\nunit = "score, 0-4"\n'
        'colors = "magma"\n[scale]\nmin = 0\nmax = 4\n[[tiers]]\nname = "low"\nmin = 0\nmax = 2\n'
        '[[tiers]]\nname = "high"\nmin = 3\nmax = 4\n+++\nScore 0 to 4.\n'
    )
    changed = criteria.load("humanoid_robotics", folder)
    assert (changed.min, changed.max) == (0, 4)
    store.save_criterion(db, changed)
    result = run_build(path, tmp_path / "site")
    assert result.exit_code == 0, result.output
    page = (tmp_path / "site" / "criteria" / "humanoid_robotics.html").read_text()
    # Eleven bars, 0 to 10, the one at 10 for the roofers.
    assert page.count("<rect") >= 11 and 'viewBox="0 0 440 130"' in page


def test_a_run_made_here_shows_the_prompt_it_was_made_with_after_the_rubric_changes(tmp_path, small_copy):
    # Provenance: a model run keeps its exact prompt; the criterion page shows
    # that prompt for the run on the map, whatever the criterion file says now.
    from score import criteria, prompt, store

    path = small_copy
    db = sqlite_utils.Database(path)
    folder = tmp_path / "criteria"
    folder.mkdir()
    (folder / "ai_exposure.md").write_text((ROOT / "score" / "criteria" / "ai_exposure.md").read_text())
    criterion = criteria.load("ai_exposure", folder)
    store.ensure(db)
    store.save_criterion(db, criterion)
    hashed = prompt.prompt_hash(criterion)
    store.save_prompt(db, hashed, prompt.system_prompt(criterion), prompt.schema(criterion), None)
    run_id, _ = store.start_run(db, criterion=criterion, kind="model", model="claude-haiku-5-5", prompt_hash=hashed)
    for (slug,) in db.execute("select slug from occupations").fetchall():
        store.save_score(db, run_id, "ai_exposure", slug, 3, "Mostly paperwork, some of it on site.", "h", {}, 0.0)
    store.finish_run(db, run_id, "complete", scored=site_counts(path)["pages"])
    assert db.table("criteria").get("ai_exposure")["current_run"] == run_id
    (folder / "ai_exposure.md").write_text(
        (folder / "ai_exposure.md").read_text().replace("Use the whole scale:", "Use the whole scale, a new rubric line:")
    )
    store.save_criterion(db, criteria.load("ai_exposure", folder))
    assert run_build(path, tmp_path / "site").exit_code == 0
    page = (tmp_path / "site" / "criteria" / "ai_exposure.html").read_text()
    provenance = page[page.index('id="provenance"') : page.index("<h2>Distribution</h2>")]
    assert "made here by the language model <strong>claude-haiku-5-5</strong>" in provenance
    assert "Use the whole scale:" in provenance and "a new rubric line" not in provenance
    assert "a new rubric line" in page[page.index("<h2>The rubric</h2>") :]
    nurses = (tmp_path / "site" / "occupations" / "registered-nurses.html").read_text()
    assert "In the model&#39;s words: Mostly paperwork, some of it on site." in nurses
    assert "with this site&#39;s rubric" in nurses


def test_an_imported_run_links_to_its_sources_method_and_says_the_rubric_did_not_make_it(site, tmp_path, small_copy):
    page = (site / "criteria" / "ai_exposure.html").read_text()
    provenance = page[page.index('id="provenance"') : page.index("<h2>Distribution</h2>")]
    assert '<a href="https://github.com/karpathy/jobs">published with its code</a>' in provenance
    assert "not made with the rubric further down this page" in provenance and "it made none of these scores" in provenance
    # What its instructions asked, in this site's words: the trajectory and the home office the rubric never mentions.
    assert "home office" in provenance and "where AI is heading" in provenance
    rows = list(__import__("csv").DictReader((site / "data" / "occupations.csv").open()))
    assert {r["ai_exposure_made_by"] for r in rows} == {
        "From karpathy.ai/jobs, scored by Google's Gemini 3 Flash model in March 2026, with its own instructions "
        "(not this site's rubric)"
    }
    # A tampered address never becomes a link.
    path = small_copy
    with sqlite_utils.Database(path).conn as conn:
        conn.execute("update runs set source_url = 'javascript:alert(1)'")
    assert run_build(path, tmp_path / "out").exit_code == 0
    assert "javascript:" not in (tmp_path / "out" / "criteria" / "ai_exposure.html").read_text()


def text_of(site, slug):
    """An occupation's page as a reader sees its words."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", (site / "occupations" / f"{slug}.html").read_text()))


def dollars(value, period="annual"):
    return f"${value:,.2f}" if period == "hourly" else f"${value:,.0f}"


def test_occupation_pages_give_openings_pay_ranges_employers_and_industry_pay(site):
    # Examples chosen by what the database holds, and the words expected made from its figures.
    db = sqlite_utils.Database(ROOT / "data.db")
    one = lambda sql, *params: next(iter(db.query(sql, params)))  # noqa: E731
    base, projected = db.execute("select base_year, projection_year from edition").fetchone()
    o = one(
        "select * from occupations o where openings is not null and (select count(*) from pay_ranges p where p.slug = o.slug) = 1 "
        "and exists (select 1 from employers e where e.slug = o.slug) "
        "and exists (select 1 from industry_pay i where i.slug = o.slug and not top_coded) order by jobs desc limit 1"
    )
    text = text_of(site, o["slug"])
    assert f"Openings each year, {base}–{projected % 100} {o['openings']:,}" in text
    r = one("select * from pay_ranges where slug = ?", o["slug"])
    unit = "an hour" if r["period"] == "hourly" else "a year"
    assert (
        f"Pay range {dollars(r['p10'], r['period'])} to {dollars(r['p90'], r['period'])} {unit} (10th to 90th percentile)" in text
    )
    e = one("select * from employers where slug = ? order by row limit 1", o["slug"])
    assert f"{e['industry']} {e['share_pct']:g}%" in text
    i = one("select * from industry_pay where slug = ? and not top_coded order by row limit 1", o["slug"])
    assert f"{i['industry']} {dollars(i['median_pay'], i['period'])} {'an hour' if i['period'] == 'hourly' else 'a year'}" in text
    # One range per detailed occupation, and a 90th percentile at the wage top code reads "at least", as the page says "more than".
    r = one(
        "select * from pay_ranges p where p90_top_coded and period = 'annual' and (select count(*) from pay_ranges q where q.slug = p.slug) > 1 limit 1"
    )
    expected = f"Pay range, {r['occupation']} {dollars(r['p10'])} to at least {dollars(r['p90'])} a year"
    assert expected in text_of(site, r["slug"])
    # A range from an older sentence says when it is from.
    r = one("select * from pay_ranges where as_of != ? and period = 'annual' limit 1", f"May {base}")
    assert (
        f"{dollars(r['p10'])} to {dollars(r['p90'])} a year (10th to 90th percentile, as of {r['as_of']}: the page gives no later figures)"
        in text_of(site, r["slug"])
    )
    # Industry pay BLS gives as "or more" reads "at least".
    i = one("select * from industry_pay where top_coded and period = 'annual' limit 1")
    assert f"{i['industry']} at least {dollars(i['median_pay'])} a year" in text_of(site, i["slug"])
    # A top-coded median says "at least" on its page and in the table.
    top = one(
        "select * from occupations where pay_note = 'equal to or greater than' and median_pay_annual is not null "
        "and median_pay_hourly is not null limit 1"
    )
    assert (
        f"at least {dollars(top['median_pay_annual'])} a year · at least {dollars(top['median_pay_hourly'], 'hourly')} an hour"
        in (text_of(site, top["slug"]))
    )
    table = (site / "table.html").read_text()
    assert re.search(rf'data-sort="{top["median_pay_annual"]}">at least \{dollars(top["median_pay_annual"])}<', table)
    # One list of similar occupations, each saying where it came from: here a link from the page's text.
    link = one(
        "select t.slug, t.target_slug, o.title from text_links t join occupations o on o.slug = t.target_slug "
        "where t.target_slug != t.slug order by t.slug, t.target_slug limit 1"
    )
    html = (site / "occupations" / f"{link['slug']}.html").read_text()
    row = re.search(
        rf'<tr><td><a href="/worklens/occupations/{link["target_slug"]}.html">[^<]+</a></td><td>([^<]+)</td></tr>', html
    )
    assert row and "its BLS page names it" in row.group(1)
    assert html.count("<h2>Similar occupations</h2>") == 1


def test_downloads_say_what_shape_the_pay_has(site):
    import csv

    with open(site / "data" / "occupations.csv", newline="") as f:
        rows = {r["slug"]: r for r in csv.DictReader(f)}
    db = sqlite_utils.Database(ROOT / "data.db")
    said = lambda v: "" if v is None else str(v)  # noqa: E731
    # Every column of the pay's shape, as the database has it, for every occupation.
    columns = ("openings", "pay_p10_annual", "pay_p90_annual", "pay_p10_hourly", "pay_p90_hourly", "pay_top_coded", "pay_period")
    for o in db.query(f"select slug, pay_missing, {', '.join(columns)} from occupations"):
        assert {c: rows[o["slug"]][c] for c in (*columns, "pay_missing")} == {c: said(o[c]) for c in (*columns, "pay_missing")}
    assert {r["pay_period"] for r in rows.values()} >= {"annual and hourly", "hourly"}


def test_the_footer_names_the_edition_in_the_database(tmp_path, small_copy):
    path = small_copy
    db = sqlite_utils.Database(path)
    db.execute("update edition set base_year = 2026, projection_year = 2036")
    db.conn.commit()
    assert run_build(path, tmp_path / "site").exit_code == 0
    assert "Occupational Outlook Handbook</a>, 2026–36 edition" in (tmp_path / "site" / "about.html").read_text()


def test_a_social_preview_image_and_link_preview_tags(site, tmp_path, small_copy):
    from PIL import Image

    with Image.open(site / "preview.png") as image:
        assert image.format == "PNG" and image.size == (1200, 630)
        # A real picture of the map: many colours, not a blank.
        assert len(image.convert("RGB").getcolors(1 << 16) or []) > 20
    home = (site / "index.html").read_text()
    assert '<meta property="og:image" content="/worklens/preview.png">' in home
    assert '<meta name="twitter:card" content="summary_large_image">' in home
    assert '<meta property="og:title" content="worklens: the US labor market, occupation by occupation">' in home
    nurses = (site / "occupations" / "registered-nurses.html").read_text()
    assert '<meta property="og:title" content="Registered Nurses · worklens">' in nurses
    assert '<meta property="og:image" content="/worklens/previews/registered-nurses.png">' in nurses
    assert 'content="Registered Nurses: AI exposure: 4 of 10, moderate;' in nurses
    # With the public address, the image's address is absolute, as link previews need.
    result = run_build(small_copy, tmp_path / "public", "--site-url", "https://example.org/worklens/")
    assert result.exit_code == 0, result.output
    assert 'content="https://example.org/worklens/preview.png"' in (tmp_path / "public" / "index.html").read_text()
    public_nurses = (tmp_path / "public" / "occupations" / "registered-nurses.html").read_text()
    assert 'content="https://example.org/worklens/previews/registered-nurses.png"' in public_nurses
    refused = run_build(small_copy, tmp_path / "bad", "--site-url", 'javascript:alert(1)"')
    assert refused.exit_code == 1 and "--site-url must be an https:// address" in refused.output


def tiles_of(home):
    found = re.findall(
        r'<a class="(?![^"]*\btall\b)tile[^"]*" href="[^"]*/occupations/([^".]+)\.html" '
        r'style="left:([\d.]+)%;top:([\d.]+)%;width:([\d.]+)%;height:([\d.]+)%;background:(#\w+)"',
        home,
    )
    return [(slug, float(x), float(y), float(w), float(h), colour) for slug, x, y, w, h, colour in found]


def close(a, b, by=12):
    return max(abs(p - q) for p, q in zip(a, b)) <= by


def test_the_previews_draw_the_map_the_page_arrives_with(site):
    from PIL import Image

    from website.preview import HIGHLIGHT, MAP_BOX, rgb

    tiles = tiles_of((site / "index.html").read_text())
    assert len(tiles) == site_counts(ROOT / "data.db")["on_map"]
    with Image.open(site / "preview.png") as image:
        home = image.convert("RGB")
    map_height = 630 - 128  # the sentence is written beneath the map
    for _, x, y, w, h, colour in tiles:
        if w * 12 > 5 and h * map_height / 100 > 5:  # colours are rounded to the picture's palette
            centre = (int((x + w / 2) * 12), int((y + h / 2) * map_height / 100))
            assert close(home.getpixel(centre), rgb(colour)), centre
    # Every occupation has its own preview, its tile ringed where it sits on the map.
    left, top, width, height = MAP_BOX
    for slug, x, y, _, h, _ in tiles[:40]:
        with Image.open(site / "previews" / f"{slug}.png") as image:
            own = image.convert("RGB")
        assert own.size == (1200, 630)
        ring = (int(left + 1 + x * width / 100) - 3, int(top + 1 + (y + h / 2) * height / 100))
        assert close(own.getpixel(ring), HIGHLIGHT), slug
    assert len(list((site / "previews").glob("*.png"))) == site_counts(ROOT / "data.db")["pages"]


STAGES = ("scrape", "measures", "score", "space", "compare", "website")


def imported_packages(package):
    import ast

    found = set()
    files = [ROOT / "build.py"] if package == "build" else sorted((ROOT / package).glob("*.py"))
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


def test_stages_meet_only_in_the_database():
    # The site imports no stage, and no stage imports another or the site:
    # what one needs of another it reads from data.db. All may use pipeline.
    for package in (*STAGES, "build"):
        own = {package} if package != "build" else {"website"}
        assert not (imported_packages(package) & set(STAGES)) - own, package
    assert "pipeline" not in imported_packages("website") | imported_packages("build")


def test_a_database_scraped_before_later_columns_still_builds(tmp_path, small_copy):
    db = small_copy
    with sqlite_utils.Database(db).conn as conn:
        conn.execute("drop table occupations_fts")
        for trigger in ("occupations_ai", "occupations_ad", "occupations_au"):
            conn.execute(f"drop trigger if exists {trigger}")
        for column in ("openings", "pay_p10_annual", "pay_p90_annual", "pay_top_coded"):
            conn.execute(f"alter table occupations drop column {column}")
    result = run_build(db, tmp_path / "site")
    assert result.exit_code == 0, result.output
    nurses = (tmp_path / "site" / "occupations" / "registered-nurses.html").read_text()
    assert "Registered Nurses" in nurses


def test_values_no_occupation_can_have_are_set_aside_with_a_line_each(tmp_path, small_copy):
    path = small_copy
    with sqlite_utils.Database(path).conn as conn:
        conn.execute("update occupations set jobs = 0 where slug = 'actors'")
        conn.execute("update occupations set jobs = 1e308 where slug = 'roofers'")
        conn.execute("update occupations set jobs = 'many' where slug = 'electricians'")
        conn.execute("update occupations set jobs = -5 where slug = 'chefs-and-head-cooks'")
        conn.execute("update occupations set url = 'javascript:alert(1)' where slug = 'registered-nurses'")
        conn.execute("update scores set score = 1e308 where slug = 'cashiers'")
        conn.execute("update scores set score = 'NaN' where slug = 'dentists'")
    result = CliRunner().invoke(build.main, ["--db", str(path), "--out", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    said = result.stderr if hasattr(result, "stderr") else result.output
    assert "set aside jobs of actors, chefs-and-head-cooks, electricians, roofers" in said
    assert "set aside the address of registered-nurses: not an https:// address" in said
    assert "set aside 2 ai_exposure scores off its scale of 0 to 10: cashiers, dentists" in said
    # A rebuild with nothing changed keeps the site, and says again what it set aside.
    again = CliRunner().invoke(build.main, ["--db", str(path), "--out", str(tmp_path / "site")])
    assert again.exit_code == 0 and [line for line in again.output.splitlines() if line.startswith("set aside")] == [
        line for line in result.output.splitlines() if line.startswith("set aside")
    ]
    home = (tmp_path / "site" / "index.html").read_text()
    # No tile, wide or tall, for a job count no occupation can have.
    assert len(re.findall(r'class="tile[^"]*"', home)) == 2 * (19 - 4)
    download = json.loads((tmp_path / "site" / "data" / "occupations.json").read_text())
    assert {o["slug"]: o["url"] for o in download}["registered-nurses"] is None
    assert all(o["url"] is None or o["url"].startswith("https://") for o in download)
    assert {o["slug"]: o["ai_exposure"] for o in download}["cashiers"] is None


@pytest.mark.parametrize(
    "sql, said",
    [
        ("update criteria set tiers = '[]'", "set aside the criterion ai_exposure: it has no tiers"),
        (
            "update criteria set max = 0",
            "set aside the criterion ai_exposure: its scale runs from 0 to 0",
        ),
    ],
)
def test_a_criterion_that_cannot_be_drawn_is_left_out_with_one_line(tmp_path, small_copy, sql, said):
    path = small_copy
    with sqlite_utils.Database(path).conn as conn:
        conn.execute(sql)
    result = CliRunner().invoke(build.main, ["--db", str(path), "--out", str(tmp_path / "site")])
    assert result.exit_code == 0 and said in result.output
    assert not (tmp_path / "site" / "criteria" / "ai_exposure.html").exists()


def test_an_empty_edition_is_one_line(tmp_path, small_copy):
    path = small_copy
    with sqlite_utils.Database(path).conn as conn:
        conn.execute("delete from edition")
    result = CliRunner().invoke(build.main, ["--db", str(path), "--out", str(tmp_path / "site")])
    assert result.exit_code == 1
    assert (
        result.output.strip().splitlines()[-1]
        == f"Error: {path} does not say which edition of the Handbook it holds: run python -m scrape"
    )


def test_the_database_published_is_the_snapshot_the_pages_were_read_from(tmp_path, small_copy):
    import sqlite3

    path = small_copy
    # A writer is mid-change: it has written but not committed.
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("begin immediate")
    writer.execute("update occupations set title = 'Half-written' where slug = 'actors'")
    try:
        result = run_build(path, tmp_path / "site")
    finally:
        writer.execute("rollback")
        writer.close()
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(tmp_path / "site" / "data" / "data.db")
    assert copy.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert copy.execute("select title from occupations where slug = 'actors'").fetchone()[0] == "Actors"
    assert copy.execute("select count(*) from scores").fetchone()[0] == 20


def test_the_preview_server_answers_a_nul_byte_with_404_not_a_traceback(site, capfd):
    import threading
    import urllib.error
    import urllib.request

    from website.serve import preview_server

    server = preview_server(site, "/worklens/", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/worklens/%00.html")
        assert refused.value.code == 404
        assert urllib.request.urlopen(f"http://127.0.0.1:{port}/worklens/about.html").status == 200
    finally:
        server.shutdown()
        server.server_close()
    assert "Traceback" not in capfd.readouterr().err


def test_a_current_run_whose_scores_are_all_equal_still_builds(tmp_path, small_copy):
    from click.testing import CliRunner as Runner

    from compare.cli import cli as compare

    path = small_copy
    with sqlite_utils.Database(path).conn as conn:
        conn.execute("update scores set score = 5")
    assert Runner().invoke(compare, ["--db", str(path)]).exit_code == 0
    result = run_build(path, tmp_path / "site")
    assert result.exit_code == 0, result.output
    evidence = (tmp_path / "site" / "evidence.html").read_text()
    assert "Spearman n/a" in evidence
    assert "5 of 10, moderate" in (tmp_path / "site" / "occupations" / "roofers.html").read_text()


def test_a_criterion_naming_a_colour_scheme_the_site_lacks_is_refused_with_one_line(tmp_path, small_copy):
    with sqlite_utils.Database(small_copy).conn as conn:
        conn.execute("update criteria set colors = 'rainbow' where name = 'ai_exposure'")
    result = run_build(small_copy, tmp_path / "site")
    assert result.exit_code == 1 and not (tmp_path / "site").exists()
    assert (
        result.output.strip()
        .splitlines()[-1]
        .startswith(
            "Error: the criterion ai_exposure names the colour scheme 'rainbow', which the site does not have: use one of blues, "
        )
    )


def test_a_rebuild_does_only_what_changed(tmp_path, written_db):
    out = tmp_path / "site"
    assert run_build(written_db, out).exit_code == 0
    before = {p: p.stat() for p in out.rglob("*") if p.is_file()}
    # Nothing changed: the site is left as it was, file for file.
    assert run_build(written_db, out).exit_code == 0
    assert {p: (s.st_ino, s.st_mtime_ns) for p, s in before.items()} == {
        p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()
    }
    # One occupation's title changes: its page and preview are made anew; the other previews are reused, not drawn.
    db = sqlite_utils.Database(written_db)
    db.execute("update occupations set title = 'Wall and Floor Tile Setters' where slug = 'tile-setters'")
    db.conn.commit()
    others = [s for (s,) in db.execute("select slug from occupations where slug != 'tile-setters'").fetchall()]
    assert run_build(written_db, out).exit_code == 0
    assert "Wall and Floor Tile Setters" in (out / "occupations" / "tile-setters.html").read_text()
    preview = out / "previews" / "tile-setters.png"
    assert preview.stat().st_ino != before[preview].st_ino
    assert all((out / "previews" / f"{s}.png").stat().st_ino == before[out / "previews" / f"{s}.png"].st_ino for s in others)
    # And the site is the one a build from nothing makes.
    assert run_build(written_db, tmp_path / "fresh").exit_code == 0
    assert digest(out) == digest(tmp_path / "fresh")


def test_render_is_a_pure_step_with_no_map_drawn_and_no_picture(written_db, monkeypatch):
    from website import predraw, preview
    from website.layers import catalogue
    from website.load import load
    from website.render import home_assets
    from website.site import render, site_environment

    def refused(*args, **kwargs):
        raise AssertionError("render drew")

    for module, name in ((predraw, "first_view"), (preview, "home_preview"), (preview, "occupation_preview")):
        monkeypatch.setattr(module, name, refused)
    site = load(written_db)
    rendered = render(site_environment(site), site, catalogue(site), home_assets())
    slugs = [o.slug for o in site.occupations]
    assert {f"occupations/{s}.html" for s in slugs} <= set(rendered.files)
    assert [p.slug for p in rendered.previews] == slugs
    home = rendered.files["index.html"]
    # The map is left for the page's script to draw.
    treemap = re.search(r'(<div id="treemap"[^>]*>)(.*?)</div>', home, re.S)
    assert treemap and "data-predrawn" not in treemap[1] and treemap[2] == ""


def test_a_cache_folder_a_build_did_not_make_is_refused_and_left_alone(tmp_path, written_db):
    (tmp_path / "site.cache").mkdir()
    (tmp_path / "site.cache" / "notes.txt").write_text("mine")
    result = run_build(written_db, tmp_path / "site")
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        f"Error: {tmp_path / 'site.cache'} holds files build.py did not make (no .worklens-cache in it): move it away or delete it"
    )
    assert [p.name for p in (tmp_path / "site.cache").iterdir()] == ["notes.txt"]
    # A cache the build made and someone emptied or garbled is made again, not trusted.
    (tmp_path / "site.cache" / "notes.txt").unlink()
    assert run_build(written_db, tmp_path / "site").exit_code == 0
    fresh = digest(tmp_path / "site")
    for part in (tmp_path / "site.cache").glob("*.json"):
        part.write_text("{not json")
    assert run_build(written_db, tmp_path / "site").exit_code == 0
    assert digest(tmp_path / "site") == fresh
