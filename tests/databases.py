"""Small databases for the tests: real SQLite files with the stages' own
schemas, made from the committed data.db or from nothing. conftest.py makes
each one once per session and gives every test a copy of its own."""

import shutil

import sqlite_utils

from scrape import store as scrape_store

# What the score and compare stages write: gone from a database "before any score".
SCORING_TABLES = (
    "score_percentiles",
    "task_agreement",
    "run_agreement",
    "task_scores",
    "scores",
    "score_failures",
    "batch_requests",
    "batches",
    "runs",
    "criteria",
)


def unscored(source, path):
    """A copy of ``source`` (the committed data.db) as the scrape, measures and
    space stages left it: no criterion, run, score or agreement between runs."""
    shutil.copy(source, path)
    db = sqlite_utils.Database(path)
    for table in SCORING_TABLES:
        if db[table].exists():
            db.execute(f"delete from [{table}]")
    db.conn.commit()
    db.conn.close()
    return path


# Twenty occupations from across the groups, with their O*NET tasks and every
# measure: postsecondary teachers span 34 O*NET occupations (more tasks than a
# request carries), military careers has no job count, the others one or a few SOC codes.
SAMPLE = (
    "accountants-and-auditors",
    "actors",
    "actuaries",
    "cashiers",
    "chefs-and-head-cooks",
    "computer-programmers",
    "craft-and-fine-artists",
    "dentists",
    "drafters",
    "electricians",
    "graphic-designers",
    "heavy-and-tractor-trailer-truck-drivers",
    "janitors-and-building-cleaners",
    "lawyers",
    "military-careers",
    "physicians-and-surgeons",
    "postsecondary-teachers",
    "registered-nurses",
    "roofers",
    "software-developers",
)


def sample(source, path, slugs=SAMPLE):
    """``unscored``, keeping only the occupations in ``slugs`` and the rows
    about them (and about links between them): the same tables and columns,
    a twentieth of the rows, so a stage that reads every occupation runs in
    a fraction of the time."""
    unscored(source, path)
    return keep_only(path, slugs)


def scored_sample(source, path, slugs=SAMPLE):
    """A copy of ``source`` (the committed data.db, scores and all), keeping
    only the occupations in ``slugs``: the site built from it in a fraction
    of the time, for tests of how the build treats what data.db says."""
    shutil.copy(source, path)
    return keep_only(path, slugs)


def keep_only(path, slugs):
    """``path`` with only the occupations in ``slugs`` and the rows about them
    (and about links between them)."""
    db = sqlite_utils.Database(path)
    keep = ", ".join(f"'{s}'" for s in slugs)
    with db.atomic():
        for table in db.table_names():
            for column in db[table].columns_dict:
                if column == "slug" or column.endswith("_slug"):
                    db.execute(f"delete from [{table}] where [{column}] not in ({keep})")
    db.vacuum()
    db.conn.close()
    return path


# slug: [(soc_code, level, employment)], in page order; the level-0 rows give the total.
SOC_PAGES = {
    "detailed-one": [("11-1011", 0, 100)],
    "two-codes": [(None, 0, 300), ("15-1252", 1, 200), ("15-1253", 1, 100)],
    "broad-only": [("17-3010", 0, 50)],
    "nem-code": [("25-9045", 0, 80)],
    "partly": [(None, 0, 100), ("41-2011", 1, 60), ("41-2012", 1, 40)],
    "unreached": [("99-9999", 0, 10)],
    "no-soc": [],
}


def soc_pages(path, pages=SOC_PAGES):
    """A database with the scraper's schema and only what the measures stage
    reads: occupations, and the SOC codes of their projections tables."""
    db = sqlite_utils.Database(path)
    db.executescript(scrape_store.SCHEMA)
    for slug, rows in pages.items():
        db["occupations"].insert(
            {
                "slug": slug,
                "title": slug.replace("-", " ").title(),
                "category": "test",
                "url": f"https://www.bls.gov/ooh/test/{slug}.htm",
                "jobs": rows[0][2] if rows else None,
            }
        )
        for i, (soc, level, employment) in enumerate(rows):
            db["projections"].insert(
                {"slug": slug, "row": i, "soc_code": soc, "title": soc or "total", "level": level, "employment_base": employment}
            )
    db.conn.close()
    return path


def pages_only(path, pages):
    """A database with the scraper's schema holding only ``pages``:
    {slug: [(soc_code, level, base-year employment), ...]}, the first row the
    occupation's own (its job count), as its projections table lists them."""
    db = sqlite_utils.Database(path)
    db.executescript(scrape_store.SCHEMA)
    for slug, rows in pages.items():
        db["occupations"].insert(
            {
                "slug": slug,
                "title": slug,
                "category": "test",
                "url": f"https://www.bls.gov/ooh/test/{slug}.htm",
                "jobs": rows[0][2],
            }
        )
        for i, (soc, level, employment) in enumerate(rows):
            db["projections"].insert(
                {"slug": slug, "row": i, "soc_code": soc, "title": soc or "total", "level": level, "employment_base": employment}
            )
    return db


def site_counts(path):
    """What a site built from ``path`` must show, counted from the database
    itself, so a test holds after the weekly refresh: its pages, the
    occupations on the map (with a job count), their groups, and those on
    the map with a yearly median pay (the tiles when sized by wages)."""
    db = sqlite_utils.Database(path)
    one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
    return {
        "pages": one("select count(*) from occupations"),
        "on_map": one("select count(*) from occupations where jobs is not null"),
        "groups": one("select count(distinct coalesce(category_name, category)) from occupations where jobs is not null"),
        "yearly_pay": one("select count(*) from occupations where jobs is not null and median_pay_annual is not null"),
    }


# The site's test occupations, written from code: slug, title, group, jobs,
# yearly and hourly median pay, outlook (% and BLS's words), openings,
# entry education. One has no job count (no tile), one only hourly pay.
WRITTEN = (
    (
        "tile-setters",
        "Tile Setters",
        "Construction",
        50000,
        52000,
        25.0,
        4,
        "As fast as average",
        2500,
        "No formal educational credential",
    ),
    (
        "court-clerks",
        "Court Clerks",
        "Office and Administrative Support",
        180000,
        45000,
        21.63,
        -3,
        "Decline",
        9000,
        "High school diploma or equivalent",
    ),
    (
        "data-analysts",
        "Data Analysts",
        "Computer and Information Technology",
        250000,
        98000,
        47.1,
        23,
        "Much faster than average",
        20000,
        "Bachelor's degree",
    ),
    (
        "nurse-midwives",
        "Nurse Midwives",
        "Healthcare",
        8000,
        129000,
        62.0,
        40,
        "Much faster than average",
        240,
        "Master's degree",
    ),
    (
        "street-performers",
        "Street Performers",
        "Entertainment and Sports",
        30000,
        None,
        18.5,
        2,
        "As fast as average",
        3000,
        "See How to Become One",
    ),
    ("space-pilots", "Space Pilots", "Transportation and Material Moving", None, None, None, None, None, None, None),
)
# Each occupation's score on the criterion written, 0 to 10, and the model's reason.
WRITTEN_SCORES = {
    "tile-setters": 1,
    "court-clerks": 8,
    "data-analysts": 9,
    "nurse-midwives": 3,
    "street-performers": 2,
    "space-pilots": 4,
}


def written(path, root):
    """A database written from code with the stages' own schemas, holding
    only what the site reads: the occupations of WRITTEN, the edition, and
    the ai_exposure criterion (as ``root``'s score/criteria file says it)
    scored by one model run, the prompt kept. Its figures are the test's,
    not BLS's: a site test that needs no real occupation builds it, and
    holds whatever the weekly refresh brings."""
    from score import criteria, prompt, store

    db = sqlite_utils.Database(path)
    db.executescript(scrape_store.SCHEMA)
    db["edition"].insert({"id": 1, "base_year": 2024, "projection_year": 2034, "source": "written by tests/databases.py"})
    for slug, title, group, jobs, yearly, hourly, outlook, words, openings, education in WRITTEN:
        db["occupations"].insert(
            {
                "slug": slug,
                "title": title,
                "category": group.lower().replace(" ", "-"),
                "category_name": group,
                "url": f"https://www.bls.gov/ooh/test/{slug}.htm",
                "jobs": jobs,
                "median_pay_annual": yearly,
                "median_pay_hourly": hourly,
                "outlook_pct": outlook,
                "outlook_desc": words,
                "openings": openings,
                "entry_education": education,
                "page_date": "2025-08-28",
            }
        )
    criterion = criteria.load("ai_exposure", root / "score" / "criteria")
    store.ensure(db)
    store.save_criterion(db, criterion)
    hashed = prompt.prompt_hash(criterion)
    store.save_prompt(db, hashed, prompt.system_prompt(criterion), prompt.schema(criterion), None)
    run_id, _ = store.start_run(db, criterion=criterion, kind="model", model="claude-haiku-5-5", prompt_hash=hashed)
    for slug, score in WRITTEN_SCORES.items():
        store.save_score(db, run_id, "ai_exposure", slug, score, f"The test's reason for {score}.", "h", {}, 0.0)
    store.finish_run(db, run_id, "complete", scored=len(WRITTEN_SCORES))
    db.conn.close()
    return path
