"""python -m measures: every join rule on small fixture files, hostile
files refused without a write, idempotent reruns, rank agreement, and the real
published data in the committed data.db."""

import hashlib
import shutil
import sqlite3

import numpy as np
import pytest
import sqlite_utils
from click.testing import CliRunner
from conftest import FIXTURES, ROOT, SHARED_REFERENCE, need_reference
from databases import soc_pages

from compare import ranks
from compare import refresh as compare_refresh
from measures import definitions, load
from measures.cli import cli

REFERENCE = FIXTURES / "reference"
DEFINITIONS = REFERENCE / "measures.toml"


def make_db(path):
    """The occupations and SOC codes of databases.SOC_PAGES, one join rule each."""
    return sqlite_utils.Database(soc_pages(path))


@pytest.fixture
def db(tmp_path):
    return make_db(tmp_path / "data.db")


def values(db, measure):
    return {r["slug"]: r for r in db.query("select * from measure_values where measure = ?", [measure])}


def test_soc2018_joins_detailed_weighted_broad_and_matrix_codes(db):
    load.run(db, REFERENCE, DEFINITIONS)
    got = values(db, "fixture_soc")
    assert got["detailed-one"]["value"] == pytest.approx(0.2) and got["detailed-one"]["join_kind"] == "detailed"
    # Two SOC codes weighted by their base-year employment: (0.8 x 200 + 0.5 x 100) / 300.
    assert got["two-codes"]["value"] == pytest.approx(0.7)
    assert got["two-codes"]["soc_codes"] == "15-1252 15-1253" and got["two-codes"]["employment_share"] == 1.0
    # A broad code with no detailed rows on its page takes the measure's detailed codes under it.
    assert got["broad-only"]["value"] == pytest.approx(0.4) and got["broad-only"]["join_kind"] == "broad"
    assert got["broad-only"]["soc_codes"] == "17-3011 17-3012"
    # A matrix code (25-9045) reaches its SOC codes through BLS's crosswalk.
    assert got["nem-code"]["value"] == pytest.approx(0.2) and got["nem-code"]["join_kind"] == "nem"
    # One of two codes has no value ("NA"): the other stands alone, and the share says how much was reached.
    assert got["partly"]["value"] == pytest.approx(0.9) and got["partly"]["employment_share"] == pytest.approx(0.6)
    # Never imputed: an unknown code and a page with no SOC code get no row.
    assert "unreached" not in got and "no-soc" not in got
    row = db["measures"].get("fixture_soc")
    assert (row["occupations"], row["citation"], row["licence"]) == (5, "Test, A. (2024). A SOC 2018 measure.", "CC0")


def test_percentiles_share_ties_and_span_0_to_100(db):
    load.run(db, REFERENCE, DEFINITIONS)
    pct = {slug: r["percentile"] for slug, r in values(db, "fixture_soc").items()}
    # 0.2, 0.2, 0.4, 0.7, 0.9: the tied pair shares ranks 0 and 1.
    assert pct == {"detailed-one": 12.5, "nem-code": 12.5, "broad-only": 50.0, "two-codes": 75.0, "partly": 100.0}


def test_onet_codes_prefer_the_main_code_then_the_mean(db):
    load.run(db, REFERENCE, DEFINITIONS)
    got = values(db, "fixture_onet")
    assert got["detailed-one"]["value"] == pytest.approx(0.4)  # 11-1011.00, not .03's 0.9
    assert got["two-codes"]["value"] == pytest.approx((0.6 * 200 + 0.3 * 100) / 300)
    assert got["broad-only"]["value"] == pytest.approx(0.3)  # 17-3011 has only .01 and .02: their mean
    assert set(got) == {"detailed-one", "two-codes", "broad-only"}


def test_soc2010_is_weighted_by_its_links_to_2018(db):
    load.run(db, REFERENCE, DEFINITIONS)
    got = values(db, "fixture_2010")
    # 15-1252 takes the main (.00) codes linked to it, 15-1132 (0.3) and 15-1133 (0.6), equally: the
    # specialty row 15-1133.01 counts only where no main code reaches it. 15-1253 takes 15-1133 alone.
    assert got["two-codes"]["value"] == pytest.approx((0.45 * 200 + 0.6 * 100) / 300)
    assert got["detailed-one"]["value"] == pytest.approx(1.0)
    assert not any(r["partial"] for r in got.values())


def test_isco_reaches_soc_many_to_many_and_marks_partial_matches(db):
    load.run(db, REFERENCE, DEFINITIONS)
    got = values(db, "fixture_isco")
    # 15-1133 takes ISCO 2512 (partly) and 2513 equally; 15-1252 then takes 15-1132 and 15-1133 once
    # each, by their main (.00) rows (the specialty row 15-1133.01 does not count beside them).
    soc_1252 = (0.4 + 0.6) / 2
    assert got["two-codes"]["value"] == pytest.approx((soc_1252 * 200 + 0.6 * 100) / 300)
    assert got["two-codes"]["partial"] == 1 and got["detailed-one"]["partial"] == 1
    assert got["detailed-one"]["value"] == pytest.approx(0.1)


def test_tasks_carry_the_human_and_gpt4_labels(db):
    load.run(db, REFERENCE, DEFINITIONS)
    tasks = {(r["slug"], r["task_id"]): r for r in db.query("select * from tasks")}
    assert set(tasks) == {
        ("detailed-one", 1),
        ("two-codes", 2),
        ("two-codes", 3),
        ("two-codes", 4),
        ("broad-only", 5),
        ("nem-code", 6),
    }
    assert (tasks[("two-codes", 2)]["human_label"], tasks[("two-codes", 2)]["gpt4_label"]) == ("E1", "E1")
    assert tasks[("two-codes", 3)]["task"] == "Meet with clients" and tasks[("two-codes", 3)]["task_type"] == "Supplemental"
    assert tasks[("two-codes", 4)]["human_label"] is None  # no label published for it
    assert tasks[("detailed-one", 1)]["gpt4_label"] is None  # "X9" is not a label
    assert tasks[("nem-code", 6)]["task_type"] is None


def test_related_pairs_join_ooh_occupations_at_their_closest_tier(db):
    load.run(db, REFERENCE, DEFINITIONS)
    rows = [tuple(r) for r in db.execute("select * from onet_related")]
    assert rows == [("broad-only", "detailed-one", "Primary-Long"), ("two-codes", "detailed-one", "Primary-Short")]


def test_work_activities_come_through_the_tasks(db):
    load.run(db, REFERENCE, DEFINITIONS)
    by_slug = {}
    for r in db.query("select * from occupation_activities"):
        by_slug.setdefault(r["slug"], []).append((r["dwa_id"], r["tasks"], r["share"]))
    # Three tasks: two carry "Write computer code", one "Meet clients"; most carried first.
    assert by_slug["two-codes"] == [("4.A.3.b.1.I01.D01", 2, pytest.approx(2 / 3, abs=1e-4)), ("4.A.4.a.1.I01.D01", 1, 0.3333)]
    # 11-1011.03's task 7 is not the occupation's (its .00 code stands for it): its link does not count.
    assert by_slug["detailed-one"] == [("4.A.2.b.1.I01.D01", 1, 1.0)]
    assert set(by_slug) == {"detailed-one", "two-codes", "broad-only"}
    links = {tuple(r) for r in db.execute("select slug, onet_soc_code, task_id, dwa_id from task_activities")}
    assert ("detailed-one", "11-1011.03", 7, "4.A.2.b.1.I01.D01") not in links
    assert {link[:3] for link in links} <= {tuple(r) for r in db.execute("select slug, onet_soc_code, task_id from tasks")}
    activity = db["work_activities"].get("4.A.3.b.1.I01.D02")
    assert (activity["activity"], activity["iwa_title"], activity["element_id"]) == ("Draw plans.", "Use computers.", "4.A.3.b.1")


def test_titles_reach_occupations_once_each_with_their_kind(db):
    load.run(db, REFERENCE, DEFINITIONS)
    titles = {}
    for r in db.query("select * from occupation_titles"):
        titles.setdefault(r["slug"], {})[r["title"]] = (r["kind"], r["onet_soc_code"])
    assert titles["detailed-one"] == {
        "Chief Executives": ("onet", "11-1011.00"),
        "CEO (Chief Executive Officer)": ("reported", "11-1011.00"),
        "Agency Owner": ("alternate", "11-1011.00"),
        "Chief Executive Officer": ("alternate", "11-1011.00"),
        "CEO": ("short", "11-1011.00"),
        # A specialty's names are names of the occupation too.
        "Chief Sustainability Officer": ("alternate", "11-1011.03"),
        "CSO": ("short", "11-1011.03"),
    }
    # "programmer" (reported), "Programmer" (alternate, under two codes): once, as workers report it.
    assert titles["two-codes"] == {
        "Software Developers": ("onet", "15-1252.00"),
        "Software Testers": ("onet", "15-1253.00"),
        "programmer": ("reported", "15-1252.00"),
        "Software Engineer": ("reported", "15-1252.00"),
        "QA Tester": ("alternate", "15-1253.00"),
    }
    assert titles["broad-only"] == {
        "Architectural Drafters": ("onet", "17-3011.00"),
        "Architectural Drafter": ("alternate", "17-3011.01"),
    }
    assert titles["nem-code"] == {"Teaching Assistants A": ("onet", "25-9042.00"), "Teacher Aide": ("reported", "25-9042.00")}
    assert set(titles) == {"detailed-one", "two-codes", "broad-only", "nem-code"}


def test_technology_follows_the_main_onet_code_and_keeps_any_flag(db):
    load.run(db, REFERENCE, DEFINITIONS)
    rows = {
        (r["slug"], r["example"]): (r["commodity_code"], r["hot"], r["in_demand"])
        for r in db.query("select * from occupation_technology")
    }
    assert rows == {
        ("detailed-one", "Microsoft Excel"): ("43232110", 1, 0),  # not 11-1011.03's carbon accounting software
        ("two-codes", "Python"): ("43232405", 1, 1),  # in demand under 15-1252.00, not 15-1253.00
        ("two-codes", "Selenium"): ("43232107", 0, 0),
    }


def test_consensus_needs_three_headline_measures(db):
    load.run(db, REFERENCE, DEFINITIONS)
    consensus = {r["slug"]: r for r in db.query("select * from measure_consensus")}
    assert set(consensus) == {"detailed-one", "two-codes"}  # the ISCO measure is not a headline one
    c = consensus["two-codes"]
    assert c["measures"] == 3 and c["low"] <= c["median"] <= c["high"] and c["spread"] == c["high"] - c["low"]


def test_a_second_run_writes_nothing(tmp_path):
    db = make_db(tmp_path / "data.db")
    first = load.run(db, REFERENCE, DEFINITIONS)
    assert all(first[t] for t in ("measures", "measure_values", "tasks", "onet_related", "occupation_titles", "task_activities"))
    db.conn.close()
    before = hashlib.sha256((tmp_path / "data.db").read_bytes()).hexdigest()
    db = sqlite_utils.Database(tmp_path / "data.db")
    assert not any(load.run(db, REFERENCE, DEFINITIONS).values())
    db.conn.close()
    assert hashlib.sha256((tmp_path / "data.db").read_bytes()).hexdigest() == before


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("measures/soc2018.csv", "SOC Code,title,score\n11-1011,Chief Executives,7\n", "7 is outside 0 to 1"),
        ("measures/soc2018.csv", "SOC Code,title,score\n11-1011,Chief Executives,inf\n", "inf is outside 0 to 1"),
        ("measures/soc2018.csv", "SOC Code,title,score\n11-1011,Chief Executives,high\n", "'high' is not a number"),
        ("measures/soc2018.csv", "SOC Code,title,score\n=cmd|' /C calc'!A0,x,0.1\n", "is not a soc2018 code"),
        ("measures/soc2018.csv", "Code,title,score\n11-1011,x,0.1\n", "no column 'SOC Code'"),
        ("measures/soc2018.csv", "SOC Code,title,score\n11-1011,x,0.1\n11-1011,x,0.2\n", "two different values"),
        ("measures/soc2018.csv", b"SOC Code,title,score\n11-1011,Caf\xe9,0.1\n", "cannot be read"),
    ],
)
def test_a_bad_file_is_refused_and_nothing_is_written(tmp_path, name, text, message):
    reference = tmp_path / "reference"
    shutil.copytree(REFERENCE, reference)
    db = make_db(tmp_path / "data.db")
    load.run(db, reference, DEFINITIONS)
    before = [tuple(r) for r in db.execute("select * from measure_values order by measure, slug")]
    (reference / name).write_bytes(text if isinstance(text, bytes) else text.encode())
    result = CliRunner().invoke(
        cli, ["--reference", str(reference), "--definitions", str(DEFINITIONS), "--db", str(tmp_path / "data.db")]
    )
    assert result.exit_code == 1
    assert message in result.output and len(result.output.strip().splitlines()) == 1, result.output
    assert "Traceback" not in result.output
    assert [tuple(r) for r in db.execute("select * from measure_values order by measure, slug")] == before


def test_a_missing_folder_or_file_says_what_to_do(tmp_path):
    make_db(tmp_path / "data.db")
    args = ["--definitions", str(DEFINITIONS), "--db", str(tmp_path / "data.db")]
    result = CliRunner().invoke(cli, ["--reference", str(tmp_path / "nowhere"), *args])
    assert result.exit_code == 1 and "does not exist: give it with --reference" in result.output
    reference = tmp_path / "reference"
    shutil.copytree(REFERENCE, reference)
    (reference / "crosswalks" / "bls_isco08_to_soc2010.csv").unlink()
    result = CliRunner().invoke(cli, ["--reference", str(reference), *args])
    assert result.exit_code == 1 and "crosswalks/bls_isco08_to_soc2010.csv is not in" in result.output


@pytest.mark.parametrize(
    "change, message",
    [
        (('unit = "share"\n', 'unit = "share"\ncolour = "red"\n'), "unknown colour"),
        (
            (
                'min = 0\nmax = 1\ndirection = "higher means more exposed"\nlevel = "occupation"',
                'min = 2\nmax = 1\ndirection = "higher means more exposed"\nlevel = "occupation"',
            ),
            "min must be below max",
        ),
        (('key_kind = "soc2018"', 'key_kind = "naics"'), "key_kind must be one of"),
        (('source_url = "https://example.org/soc"', 'source_url = "javascript:alert(1)"'), "must be an https:// address"),
        (("[fixture_soc]", "[Fixture-SOC]"), "a name is 2-40 lower-case"),
        (('year = 2024\ncitation = "Test, A.', 'year = "2024"\ncitation = "Test, A.'), "year must be a int"),
    ],
)
def test_measure_definitions_are_strict(tmp_path, change, message):
    text = DEFINITIONS.read_text().replace(*change, 1)
    assert text != DEFINITIONS.read_text()
    (tmp_path / "measures.toml").write_text(text)
    with pytest.raises(definitions.MeasureError, match=message):
        definitions.definitions(tmp_path / "measures.toml")


def test_spearman_matches_the_textbook_and_weights_count_jobs():
    from scipy.stats import spearmanr

    rng = np.random.default_rng(1)
    a = rng.integers(0, 10, 60).astype(float)
    b = a + rng.normal(0, 3, 60)
    assert ranks.spearman(a, b) == pytest.approx(spearmanr(a, b).statistic)
    # Equal weights change nothing; a weight of 2 is the same as listing the occupation twice.
    assert ranks.spearman(a, b, np.full(60, 7.0)) == pytest.approx(ranks.spearman(a, b))
    w = np.ones(60)
    w[:10] = 2
    doubled = np.r_[a, a[:10]], np.r_[b, b[:10]]
    assert ranks.spearman(a, b, w) == pytest.approx(spearmanr(*doubled).statistic)
    rho, low, high, weighted, wlow, whigh = ranks.agreement(a, b, w, seed=0)
    assert low <= rho <= high and wlow <= weighted <= whigh and high - low < 0.5


def test_agreement_covers_every_pair_and_follows_the_current_run(tmp_path):
    db = make_db(tmp_path / "data.db")
    load.run(db, REFERENCE, DEFINITIONS)
    assert compare_refresh.run(db)["measure_agreement"]
    pairs = {(r["a"], r["b"]): r for r in db.query("select * from measure_agreement")}
    assert ("fixture_soc", "fixture_onet") in pairs and pairs[("fixture_soc", "fixture_onet")]["n"] == 3
    # A criterion with a current run joins the comparison once its scores exist.
    from score import criteria, store

    store.ensure(db)
    criterion = criteria.Criterion(
        name="fixture_llm",
        title="T",
        description="d",
        unit="u",
        colors="magma",
        min=0,
        max=10,
        tiers=(criteria.Tier("all", 0, 10),),
        rubric="r",
        path="fixture_llm.md",
    )
    store.save_criterion(db, criterion)
    run_id, _ = store.start_run(db, criterion=criterion, kind="import", source="test", prompt_hash="x")
    for slug, score in (("detailed-one", 2), ("two-codes", 8), ("broad-only", 3), ("nem-code", 2), ("partly", 9)):
        db["scores"].insert({"run_id": run_id, "slug": slug, "criterion": "fixture_llm", "score": score})
    store.finish_run(db, run_id, "complete", scored=5)
    assert compare_refresh.run(db)["measure_agreement"]
    row = db.execute(
        "select n, spearman, a_kind, b_kind from measure_agreement where a = 'fixture_llm' and b = 'fixture_soc'"
    ).fetchone()
    assert row == (5, 1.0, "criterion", "measure")  # the same order as fixture_soc's values


# The real published data, as committed ------------------------------------------


def test_committed_measures_reach_the_occupations_with_their_credits():
    db = sqlite_utils.Database(ROOT / "data.db")
    rows = {r["name"]: r for r in db.query("select * from measures")}
    assert len(rows) == len(definitions.definitions())
    for name, r in rows.items():
        assert 330 <= r["occupations"] <= 341, name
        assert r["citation"] and r["licence"] and r["source_url"].startswith("https://"), name
        count, low, high = db.execute(
            "select count(*), min(percentile), max(percentile) from measure_values where measure = ?", [name]
        ).fetchone()
        assert count == r["occupations"] and 0 <= low < 25 and 90 < high <= 100, name  # ties (many zeros) share a rank
    assert db["tasks"].count > 12000  # the main O*NET code's tasks, as β counts them
    assert db.execute("select count(*) from tasks where human_label is not null").fetchone()[0] > 12000


def test_committed_work_tables_agree_with_one_another():
    """The committed activities, titles and technology, checked against the
    tables they come from."""
    db = sqlite_utils.Database(ROOT / "data.db")
    with_tasks = {r[0] for r in db.execute("select distinct slug from tasks")}
    assert {r[0] for r in db.execute("select distinct slug from occupation_titles")} >= with_tasks
    assert {r[0] for r in db.execute("select distinct slug from occupation_activities")} <= with_tasks
    carried = db.execute(
        "select slug, dwa_id, count(*) from task_activities group by slug, dwa_id order by slug, dwa_id"
    ).fetchall()
    assert carried == db.execute("select slug, dwa_id, tasks from occupation_activities order by slug, dwa_id").fetchall()
    # Every link is a task of the occupation, every activity one O*NET names.
    assert not db.execute(
        "select 1 from task_activities a left join tasks t using (slug, onet_soc_code, task_id) where t.task is null"
    ).fetchall()
    assert not db.execute(
        "select 1 from occupation_activities a left join work_activities w using (dwa_id) where w.activity is null"
    ).fetchall()
    # Each title once per occupation, whatever its case.
    assert not db.execute("select slug from occupation_titles group by slug, lower(title) having count(*) > 1").fetchall()
    kinds = {r[0] for r in db.execute("select distinct kind from occupation_titles")}
    assert kinds == set(load.TITLE_KINDS)


def test_karpathy_scores_track_gpt4_beta_as_published():
    db = sqlite_utils.Database(ROOT / "data.db")
    n, rho, low, high = db.execute(
        "select n, spearman, spearman_low, spearman_high from measure_agreement where a = 'ai_exposure' and b = 'eloundou_gpt4'"
    ).fetchone()
    assert n >= 335 and 0.85 <= rho <= 0.91 and low < rho < high


def test_loading_the_shared_reference_again_changes_nothing(committed_copy):
    need_reference()
    result = CliRunner().invoke(cli, ["--reference", str(SHARED_REFERENCE), "--db", str(committed_copy)])
    assert result.exit_code == 0, result.output
    assert "nothing changed" in result.output
    with sqlite3.connect(committed_copy) as conn:
        assert conn.execute("select count(*) from measure_values where measure = 'eloundou_gpt4'").fetchone()[0] == 341


def test_a_measures_table_an_older_version_made_gets_each_value_in_its_column(tmp_path):
    """An older data.db whose measures table lacks a column in the middle
    (year): the migration appends it, and every value still lands in the
    column it belongs to, as in a fresh data.db."""
    from measures import store
    from pipeline.db import schema_columns

    fresh = make_db(tmp_path / "fresh.db")
    load.run(fresh, REFERENCE, DEFINITIONS)
    old = make_db(tmp_path / "old.db")
    columns = [c for c in schema_columns(store.SCHEMA)["measures"] if c != "year"]
    old.execute(f"CREATE TABLE measures ({', '.join(columns)})")
    load.run(old, REFERENCE, DEFINITIONS)
    assert [c.name for c in old["measures"].columns][-1] == "year"
    query = "select * from measures order by name"
    assert list(old.query(query)) == list(fresh.query(query))
    assert old.execute("select year, licence from measures where name = 'fixture_soc'").fetchone() == (2024, "CC0")
