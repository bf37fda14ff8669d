"""The real scraper over real HTTP against all 342 pages of the local OOH copy,
and the committed data.db checked against what it produces."""

import sqlite3

import pytest
import sqlite_utils
from conftest import ROOT

TABLES = (
    "occupations",
    "projections",
    "similar_occupations",
    "aliases",
    "edition",
    "pages",
    "employers",
    "industry_pay",
    "pay_ranges",
    "text_links",
)


@pytest.fixture
def scraped(bls_scrape):
    """The run's one scrape of the local OOH copy (conftest.bls_scrape), read only."""
    assert bls_scrape.exit_code == 0, bls_scrape.output
    return sqlite_utils.Database(sqlite3.connect(f"{bls_scrape.db.as_uri()}?mode=ro", uri=True)), bls_scrape.output


def test_totals(scraped):
    db, output = scraped
    assert "342 pages: 342 fetched, 0 unchanged, 0 rejected, 0 failed; 342 parsed" in output
    assert db.execute("select count(*), count(jobs), sum(jobs) from occupations").fetchone() == (342, 341, 143_066_500)
    assert db["aliases"].count == 4533
    assert db["similar_occupations"].count == 2594
    assert db.execute("select count(distinct slug) from projections").fetchone()[0] == 341
    # Several SOC codes: 97 occupations; of those, 51 under a "—" row that sums them.
    assert db.execute("select count(*) from (select slug from projections group by slug having count(*) > 1)").fetchone()[0] == 97
    assert db.execute("select count(*) from projections where soc_code is null and row = 0").fetchone()[0] == 51
    assert db.execute("select count(distinct category) from occupations").fetchone()[0] == 25
    assert db.execute("select base_year, projection_year from edition").fetchone() == (2024, 2034)


def test_every_page_fully_parsed(scraped):
    db, _ = scraped
    for column in ("title", "category_name", "url", "page_date", "what_they_do", "work_environment", "how_to_become_one"):
        assert db.execute(f"select count(*) from occupations where {column} is null or {column} = ''").fetchone()[0] == 0, column
    # Only Military Careers lacks the Quick Facts and the Summary tab.
    for column in ("summary", "jobs", "projected_jobs", "outlook_pct", "outlook_desc", "employment_change", "entry_education"):
        missing = [r[0] for r in db.execute(f"select slug from occupations where {column} is null")]
        assert missing == ["military-careers"], column
    # Every similar occupation is itself an OOH occupation.
    assert (
        db.execute(
            "select count(*) from similar_occupations where similar_slug not in (select slug from occupations)"
        ).fetchone()[0]
        == 0
    )
    # The job count in Quick Facts is the top row of the projections table.
    assert (
        db.execute(
            "select count(*) from occupations o join projections p on p.slug = o.slug and p.row = 0 where p.employment_base != o.jobs"
        ).fetchone()[0]
        == 0
    )
    pay_notes = dict(db.execute("select pay_note, count(*) from occupations group by pay_note").fetchall())
    assert pay_notes == {
        "annual and hourly": 321,
        "annual only": 14,
        "hourly only": 4,
        "equal to or greater than": 1,
        "not available": 2,
    }
    # The same, said in columns: which figures, whether top-coded, and why none.
    shapes = dict(
        ((p, t, m), n)
        for p, t, m, n in db.execute("select pay_period, pay_top_coded, pay_missing, count(*) from occupations group by 1, 2, 3")
    )
    assert shapes == {
        ("annual and hourly", 0, None): 321,
        ("annual", 0, None): 14,
        ("hourly", 0, None): 4,
        ("annual and hourly", 1, None): 1,
        (None, None, "blank pay cell"): 1,
        (None, None, "no pay table"): 1,
    }


def test_what_else_the_pages_say(scraped):
    db, _ = scraped
    one = lambda sql: db.execute(sql).fetchone()  # noqa: E731
    # Annual openings on every page with a job count.
    assert one("select count(openings) from occupations") == (341,)
    assert one("select count(*) from occupations where openings is null and jobs is not null") == (0,)
    # A pay range on 340 pages: one range on 288 (in the occupation's own columns), two on 52 (one per detailed occupation).
    assert one("select count(distinct slug), count(*) from pay_ranges") == (340, 392)
    assert one("select count(*) from occupations where coalesce(pay_p10_annual, pay_p10_hourly) is not null") == (288,)
    assert one("select count(*) from pay_ranges where p10 >= p90") == (0,)
    # Largest employers as rows, each share a percent; median pay by industry.
    assert one("select count(distinct slug), count(*), sum(share_pct is null) from employers") == (340, 1753, 0)
    assert one("select count(distinct slug), count(*), sum(median_pay is null), sum(top_coded) from industry_pay")[:3] == (
        338,
        1610,
        0,
    )
    # Links from the text to other occupations, each to a page the index lists.
    # Links found whatever the case of their path: civil engineers link twice with /OOH/.
    assert one("select count(distinct slug), count(*) from text_links") == (259, 941)
    assert one("select count(*) from text_links where target_slug not in (select slug from occupations)") == (0,)


def test_spot_checks(scraped):
    db, _ = scraped
    occupations = db["occupations"]
    nurses = occupations.get("registered-nurses")
    assert (nurses["title"], nurses["jobs"], nurses["median_pay_annual"], nurses["outlook_pct"]) == (
        "Registered Nurses",
        3391000,
        93600,
        5,
    )
    software = occupations.get("software-developers")
    assert software["category"] == "computer-and-information-technology"
    assert software["category_name"] == "Computer and Information Technology"
    physicians = occupations.get("physicians-and-surgeons")
    assert (physicians["median_pay_annual"], physicians["median_pay_hourly"], physicians["pay_note"]) == (
        239200,
        115.0,
        "equal to or greater than",
    )
    actors = occupations.get("actors")
    assert (actors["median_pay_annual"], actors["median_pay_hourly"]) == (None, 23.33)
    drafters = occupations.get("drafters")
    assert (drafters["outlook_pct"], drafters["employment_change"]) == (0, -600)
    assert occupations.get("craft-and-fine-artists")["entry_education"] == "See How to Become One"
    rows = list(db.query("select soc_code, level from projections where slug = 'physicians-and-surgeons' order by row"))
    assert len(rows) == 20 and rows[0] == {"soc_code": None, "level": 0} and rows[1] == {"soc_code": "29-1210", "level": 1}
    assert {"alias": "Computer Programmer", "slug": "computer-programmers"} in list(db["aliases"].rows)


def test_committed_data_db_is_what_the_scraper_produces(scraped):
    db, _ = scraped
    committed = sqlite_utils.Database(ROOT / "data.db")
    for table in TABLES:
        columns = ", ".join(f"[{c}]" for c in db[table].columns_dict)
        ours = list(db.execute(f"select {columns} from [{table}] order by 1, 2"))
        theirs = list(committed.execute(f"select {columns} from [{table}] order by 1, 2"))
        assert ours == theirs, table
