"""The join rules of measures/load.py, one fixture case each: a broad SOC
code the measure's file itself has, an exact SOC 2010 match beside "all
other" specialty rows of the crosswalk, and which O*NET codes count, for the
tasks as for GPT-4's and people's beta."""

from pathlib import Path

import pytest
from databases import pages_only

from measures import load
from pipeline import soc

REFERENCE = Path(__file__).resolve().parent / "fixtures" / "reference"
DEFINITIONS = REFERENCE / "measures.toml"

# slug: [(soc_code, level, employment)], in page order; the level-0 rows give the total.
PAGES = {
    "aides": [("31-1120", 0, 100)],
    "buyers": [(None, 0, 300), ("11-3061", 1, 100), ("13-1020", 1, 200)],
    "inspectors": [("47-4011", 0, 50)],
    "data-scientists": [("15-2051", 0, 40)],
    "executives": [("11-1011", 0, 100)],
    "clerks": [("43-9021", 0, 10)],
}


@pytest.fixture
def db(tmp_path):
    """A database with the scraper's schema, holding only PAGES."""
    db = pages_only(tmp_path / "data.db", PAGES)
    load.run(db, REFERENCE, DEFINITIONS)
    return db


def value(db, measure, slug):
    return db.execute(
        "select value, employment_share, join_kind, soc_codes from measure_values where measure = ? and slug = ?", [measure, slug]
    ).fetchone()


def test_a_broad_code_the_file_has_takes_its_own_value(db):
    # Home health and personal care aides: the file has 31-1120 itself and no detailed code under it.
    assert value(db, "fixture_soc", "aides") == (0.05, 1.0, "detailed", "31-1120")


def test_a_broad_code_counts_at_full_weight_beside_a_detailed_one(db):
    # Purchasing managers (11-3061, 100 jobs) and buyers (13-1020, 200 jobs): the file's own 13-1020
    # (0.6), not its detailed 13-1022 (0.1), and the whole of the page's employment.
    got, share, join, codes = value(db, "fixture_soc", "buyers")
    assert got == pytest.approx((0.3 * 100 + 0.6 * 200) / 300) and share == 1.0
    assert (join, codes) == ("detailed", "11-3061 13-1020")


def test_an_exact_2010_match_is_not_diluted_by_all_other_rows(db):
    # 47-4011.00 -> 47-4011.00 (0.2) beside 13-1199.01 (Energy Auditors, of "all other" 13-1199, 0.9) -> 47-4011.01.
    assert value(db, "fixture_2010", "inspectors")[0] == pytest.approx(0.2)


def test_a_2018_code_whose_main_row_has_no_value_takes_its_other_rows(db):
    # 15-2051.00 comes from 15-2099.00, which the file lacks: 15-2041 (0.7) through 15-2041.02 stands in.
    assert value(db, "fixture_2010", "data-scientists")[0] == pytest.approx(0.7)


def test_tasks_take_the_main_onet_code_as_beta_does(db):
    tasks = {(r[0], r[1], r[2]) for r in db.execute("select slug, onet_soc_code, task_id from tasks")}
    # 11-1011 has a .00 code: its tasks alone, as beta takes 11-1011.00's value alone (0.4, not .03's 0.9).
    assert {t for t in tasks if t[0] == "executives"} == {("executives", "11-1011.00", 1)}
    assert value(db, "fixture_onet", "executives")[0] == pytest.approx(0.4)
    # 43-9021 has specialty codes only: every one of them counts.
    assert {t for t in tasks if t[0] == "clerks"} == {("clerks", "43-9021.01", 8), ("clerks", "43-9021.02", 9)}


def test_the_rules_are_written_once():
    assert soc.main_codes(["11-1011.03", "11-1011.00"]) == ["11-1011.00"]
    assert soc.main_codes(["43-9021.02", "43-9021.01"]) == ["43-9021.01", "43-9021.02"]
    universe = {"13-1020", "13-1022", "17-3011", "17-3012", "25-9042"}
    assert soc.detailed_codes("13-1020", universe, {}) == (["13-1020"], "detailed")
    assert soc.detailed_codes("17-3010", universe, {}) == (["17-3011", "17-3012"], "broad")
    assert soc.detailed_codes("25-9045", universe, {"25-9045": ["25-9042", "25-9043"]}) == (["25-9042"], "nem")
