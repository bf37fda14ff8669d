"""A real Datasette instance over the committed data.db with metadata.yml:
everything described, search, facets, views and canned queries."""

import csv
import subprocess
import sys
import time

import pytest
import requests
import sqlite_utils
from conftest import ROOT, free_port, need_reference


@pytest.fixture(scope="module")
def datasette():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "datasette", "serve", "-i", "data.db", "-m", "metadata.yml", "-p", str(port), "-h", "127.0.0.1"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(url + "/-/versions.json", timeout=1)
            break
        except requests.ConnectionError:
            if process.poll() is not None:
                pytest.fail("datasette exited: " + process.stdout.read())
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)


def get(url, path, **params):
    response = requests.get(url + path, params={"_shape": "array", **params}, timeout=30)
    response.raise_for_status()
    return response.json()


def test_metadata_loads(datasette):
    meta = requests.get(datasette + "/-/metadata.json", timeout=10).json()
    assert meta["title"].startswith("worklens")
    assert meta["source_url"] == "https://www.bls.gov/ooh/"
    assert "not forecasts" in meta["description_html"]
    versions = requests.get(datasette + "/-/versions.json", timeout=10).json()
    assert versions["datasette"]["version"].startswith("0.65.")


def test_every_table_view_and_column_is_described(datasette):
    meta = requests.get(datasette + "/-/metadata.json", timeout=10).json()["databases"]["data"]["tables"]
    db = sqlite_utils.Database(ROOT / "data.db")
    names = [t for t in db.table_names() if not t.startswith("occupations_fts")] + db.view_names()
    for name in names:
        assert name in meta and meta[name].get("description"), name
        columns = db[name].columns_dict
        undescribed = [c for c in columns if c not in meta[name].get("columns", {})]
        assert undescribed == [], name
    # and the page shows them
    page = requests.get(datasette + "/data/occupations", timeout=10).text
    assert "Median yearly pay in May 2024, in US dollars" in page


def test_search_with_stemming(datasette):
    nurse = [r["slug"] for r in get(datasette, "/data/occupations.json", _search="nurse", _col="slug")]
    assert "registered-nurses" in nurse
    programmer = [r["slug"] for r in get(datasette, "/data/occupations.json", _search="programmer", _col="slug")]
    assert "software-developers" in programmer and "computer-programmers" in programmer
    aliases = [r["slug"] for r in get(datasette, "/data/occupations.json", _search="RN", _col="slug")]
    assert "registered-nurses" in aliases


def test_facets(datasette):
    data = requests.get(datasette + "/data/occupations.json", params={"_facet": "category_name"}, timeout=10).json()
    groups = data["facet_results"]["category_name"]["results"]
    assert len(groups) == 25
    assert {"value": "Healthcare", "count": 49} == {
        k: g[k] for g in groups if g["value"] == "Healthcare" for k in ("value", "count")
    }


def test_occupation_scores_view_matches_the_reference(datasette):
    reference = need_reference("karpathy-jobs-ai-exposure.csv")
    published = {r["slug"]: int(r["score"]) for r in csv.DictReader(reference.open())}
    view = get(datasette, "/data/occupation_scores.json", _size="max")
    assert len(view) == 342
    assert {r["slug"]: r["ai_exposure"] for r in view} == published


def test_score_by_category(datasette):
    rows = get(datasette, "/data/score_by_category.json", criterion="ai_exposure")
    assert len(rows) == 24  # every group but Military, which has no job count
    assert sum(r["jobs"] for r in rows) == 143_066_500
    weighted = [r["job_weighted_average"] for r in rows]
    assert weighted == sorted(weighted, reverse=True)
    overall = sum(r["job_weighted_average"] * r["jobs"] for r in rows) / 143_066_500
    assert round(overall, 1) == 4.9


def test_jobs_by_tier(datasette):
    rows = get(datasette, "/data/jobs_by_tier.json", criterion="ai_exposure")
    assert [r["tier"] for r in rows] == ["minimal", "low", "moderate", "high", "very high", "maximum"]
    assert sum(r["occupations"] for r in rows) == 341
    assert sum(r["jobs"] for r in rows) == 143_066_500
    assert sum(r["percent_of_jobs"] for r in rows) == pytest.approx(100, abs=0.2)


def test_compare_runs(datasette):
    rows = get(datasette, "/data/compare_runs.json", run_a=1, run_b=1, _size="max")
    assert len(rows) == 342 and {r["difference"] for r in rows} == {0}


def test_occupations_for_soc(datasette):
    rows = get(datasette, "/data/occupations_for_soc.json", soc="29-1141")
    assert [(r["slug"], r["jobs_2024"]) for r in rows] == [("registered-nurses", 3_391_000)]
    doctors = {r["slug"] for r in get(datasette, "/data/occupations_for_soc.json", soc="29-12")}
    assert "physicians-and-surgeons" in doctors


def test_measures_side_by_side_and_where_they_disagree(datasette):
    rows = get(datasette, "/data/measures_side_by_side.json", criterion="ai_exposure", _size="max")
    assert len(rows) == 342
    nurses = next(r for r in rows if r["slug"] == "registered-nurses")
    assert nurses["score"] is not None and 0 <= nurses["eloundou_gpt4"] <= 100 and nurses["consensus_median"] is not None
    gaps = get(datasette, "/data/where_they_disagree.json", criterion="ai_exposure", _size="max")
    assert len(gaps) == sqlite_utils.Database(ROOT / "data.db")["measure_consensus"].count
    assert [abs(r["gap"]) for r in gaps] == sorted((abs(r["gap"]) for r in gaps), reverse=True)
    assert all(0 <= r["our_percentile"] <= 100 and r["measures_low"] <= r["measures_median"] <= r["measures_high"] for r in gaps)
    measures = get(datasette, "/data/measures.json", _col="citation")
    assert len(measures) == 9 and all(m["citation"] for m in measures)


def test_compare_many_runs(datasette):
    rows = get(datasette, "/data/compare_many_runs.json", runs="1", _size="max")
    assert len(rows) == 342 and {r["spread"] for r in rows} == {0} and {r["runs"] for r in rows} == {1}
    assert get(datasette, "/data/compare_many_runs.json", runs="999") == []
