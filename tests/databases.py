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
