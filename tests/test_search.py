"""The one search the map and the Table page use (site_templates/js/search.mjs),
run by Node.js on the index the build writes (data/titles.json) from the
committed data.db: everyday names find their occupation, whole words come
before fragments, and a short query matches whole words only."""

import json
import re
import shutil
import sqlite3
import subprocess

import pytest
from conftest import ROOT

from website.load import load
from website.pages import title_index

QUERIES = [
    "lyft driver",
    "uber driver",
    "ux designer",
    "realtor",
    "CNA",
    "warehouse worker",
    "machine learning engineer",
    "programmer",
    "AI",
    "RN",
    "HR",
    "server",
    "nurse",
    "zzqx",
]

RUN = """
import {readFileSync} from "node:fs";
import {makeIndex, matches, label} from %s;
const index = makeIndex(JSON.parse(readFileSync(process.argv[2], "utf8")));
const queries = JSON.parse(process.argv[3]);
console.log(JSON.stringify(Object.fromEntries(queries.map(q => [q, matches(q, index).map(r => ({...r, label: label(r)}))]))));
"""


@pytest.fixture(scope="module")
def found(tmp_path_factory):
    if not shutil.which("node"):
        pytest.skip("Node.js is not installed")
    folder = tmp_path_factory.mktemp("search")
    (folder / "titles.json").write_text(json.dumps(title_index(load(ROOT / "data.db"))))
    (folder / "run.mjs").write_text(RUN % json.dumps((ROOT / "site_templates" / "js" / "search.mjs").as_uri()))
    done = subprocess.run(
        ["node", str(folder / "run.mjs"), str(folder / "titles.json"), json.dumps(QUERIES)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def named(name):
    """The occupations data.db knows by exactly ``name``, whatever its case."""
    with sqlite3.connect(ROOT / "data.db") as conn:
        rows = conn.execute(
            "select slug from occupation_titles where lower(title) = lower(?) "
            "union select slug from aliases where lower(alias) = lower(?) "
            "union select slug from occupations where lower(title) = lower(?)",
            [name, name, name],
        ).fetchall()
    return {slug for (slug,) in rows}


def words(text):
    return re.split(r"[^a-z0-9]+", text.lower())


@pytest.mark.parametrize(
    "query", ["lyft driver", "ux designer", "realtor", "CNA", "warehouse worker", "machine learning engineer"]
)
def test_an_everyday_name_finds_its_occupation_first_saying_which_name_matched(found, query):
    exact = named(query)
    assert exact, query
    first = found[query][: len(exact)]
    assert {r["slug"] for r in first} == exact, (query, first)
    # The result says which name matched, and where it leads.
    assert all(r["label"] == f"{r['name']} → {r['title']}" and r["name"].lower() == query.lower() for r in first)


def test_a_title_that_matches_comes_first_and_says_only_the_title(found):
    programmer = [r["slug"] for r in found["programmer"]]
    assert programmer[0] == "computer-programmers" and found["programmer"][0]["label"] == "Computer Programmers"
    assert "software-developers" in programmer[:8]
    nurse = found["nurse"]
    assert nurse[0]["slug"] == "registered-nurses" and nurse[0]["label"] == "Registered Nurses"


@pytest.mark.parametrize("query", ["AI", "RN", "HR"])
def test_a_short_query_matches_whole_words_only(found, query):
    results = found[query]
    assert results
    for r in results:
        assert query.lower() in words(r["name"] or r["title"]), (query, r)
    slugs = [r["slug"] for r in results]
    assert "home-health-aides-and-personal-care-aides" not in slugs[:1]
    if query == "RN":
        assert slugs[0] == "registered-nurses" and "news-analysts-reporters-and-journalists" not in slugs


def test_whole_words_before_fragments(found):
    server = found["server"]
    assert all("server" in words(r["name"] or r["title"]) for r in server)
    assert "waiters-and-waitresses" in [r["slug"] for r in server[:3]]
    assert not any("observer" in (r["name"] or r["title"]).lower() for r in server)


def test_a_name_no_source_has_finds_what_it_can_and_says_so(found):
    # No BLS or O*NET name says "uber": the names with "driver" are offered, marked as a partial match.
    assert not any("uber" in words(r["name"] or r["title"]) for r in found["uber driver"])
    assert found["uber driver"] and all(r["partial"] for r in found["uber driver"])
    assert "taxi-drivers-and-chauffeurs" in [r["slug"] for r in found["uber driver"][:8]]
    assert found["zzqx"] == []
