"""The scraper keeps pay ranges, names and links exactly as the page gives
them: a 90th percentile at the wage top code is a floor ("at least"), each
range keeps the month its sentence is for, an occupation's name is not cut
at a "was" inside a word, links are found whatever the case of their path,
and link texts read as they do on the page."""

import pytest
import sqlite_utils
from bs4 import BeautifulSoup
from conftest import BLS_COPY

from scrape import parse, store


def tab(html):
    return BeautifulSoup(f'<div id="tab-5">{html}</div>', "lxml").find("div")


PAY = """<p>The median annual wage for water and wastewater treatment plant and system operators was $60,240 in May 2024.
The lowest 10 percent earned less than $37,870, and the highest 10 percent earned more than $86,160.</p>
<p>Wage data reported for this occupation were updated most recently in May 2017. The median annual wage for fishing
and hunting workers was $28,530 in May 2017. The lowest 10 percent earned less than $18,710, and the highest 10 percent
earned more than $48,170.</p>
<p>The median annual wage for lawyers was $151,160 in May 2024. The lowest 10 percent earned less than $72,780, and the
highest 10 percent earned more than $239,200.</p>
<p>The median hourly wage for musicians and singers was $40.05 in May 2024. The lowest 10 percent earned less than
$18.68, and the highest 10 percent earned more than $115.00.</p>
<p>Median annual wages for lawyers in the top industries in which they worked were as follows:</p>
<table class="ooh-tab-table"><tr><td>Federal government</td><td>$239,200 or more</td></tr>
<tr><td>Legal services</td><td>$145,760</td></tr></table>"""


def test_pay_ranges_keep_their_period_name_and_top_code():
    ranges, industries = parse.parse_pay_tab(tab(PAY))
    got = [(r["occupation"], r["as_of"], r["p10"], r["p90"], r["p90_top_coded"]) for r in ranges]
    assert got == [
        ("water and wastewater treatment plant and system operators", "May 2024", 37870, 86160, 0),
        ("fishing and hunting workers", "May 2017", 18710, 48170, 0),
        ("lawyers", "May 2024", 72780, 239200, 1),
        ("musicians and singers", "May 2024", 18.68, 115.0, 1),
    ]
    assert [(i["median_pay"], i["top_coded"]) for i in industries] == [(239200, 1), (145760, 0)]


def test_a_page_that_states_the_top_code_is_read_for_it():
    codes = parse.top_codes("This wage is equal to or greater than $250,000 per year or $120.19 per hour.")
    assert codes == {"annual": 250000.0, "hourly": 120.19}
    ranges, _ = parse.parse_pay_tab(tab(PAY), codes)
    assert [r["p90_top_coded"] for r in ranges] == [0, 0, 0, 0]


def test_employers_name_is_not_cut_at_a_was_inside_a_word():
    html = """<div id="tab-3"><p>The largest employers of water and wastewater treatment plant and system operators were as follows:</p>
    <table class="ooh-tab-table"><tr><td>Local government</td><td>77%</td></tr></table></div>"""
    rows = parse.parse_employers(BeautifulSoup(html, "lxml").find("div"))
    assert rows[0]["occupation"] == "water and wastewater treatment plant and system operators"


def test_text_links_whatever_the_case_and_without_stray_spaces():
    html = """<article><p>They work with <a href="https://www.bls.gov/OOH/management/construction-managers.htm">construction
    managers</a> and may become <a title="Natural sciences managers"
    href="https://www.bls.gov/ooh/management/natural-sciences-managers.htm">n<span class="underline">atural sciences
    manager</span>s</a>.</p></article>"""
    article = BeautifulSoup(html, "lxml").find("article")
    links = parse.text_links({"what_they_do": article}, "civil-engineers")
    assert [(link["target_slug"], link["text"]) for link in links] == [
        ("construction-managers", "construction managers"),
        ("natural-sciences-managers", "natural sciences managers"),
    ]
    assert parse.occupation_path("/OOH/Management/Construction-Managers.htm") == ("management", "construction-managers")


def test_an_empty_link_before_the_one_with_words_gives_way_to_its_words():
    html = """<article><p>or <a href="/ooh/construction-and-extraction/carpenters.htm"> </a><a
    href="/ooh/construction-and-extraction/carpenters.htm"><span class="underline">carpenters</span></a>, and
    <a href="/ooh/construction-and-extraction/electricians.htm">electricians</a> <a
    href="/ooh/construction-and-extraction/electricians.htm">wiring</a></p></article>"""
    links = parse.text_links({"how_to_become_one": BeautifulSoup(html, "lxml").find("article")}, "plumbers")
    # One row a target, with the words of its first link that has any.
    assert [(link["target_slug"], link["text"]) for link in links] == [
        ("carpenters", "carpenters"),
        ("electricians", "electricians"),
    ]


def test_the_parser_version_makes_a_plain_run_reparse_every_page(tmp_path):
    db = store.open_db(tmp_path / "data.db")
    db["pages"].insert({"slug": "lawyers", "url": "u", "sha256": "x", "bytes": 1, "parser_version": 3})
    assert parse.PARSER_VERSION > 3 and not store.page_is_current(db, "lawyers", "x", parse.PARSER_VERSION)


def page(path):
    file = BLS_COPY / path.lstrip("/")
    if not file.is_file():
        pytest.skip(f"the local copy of the OOH is not at {BLS_COPY}")
    return parse.parse_occupation(file.read_text(encoding="utf-8"), path)


def test_the_real_pages_as_the_audit_found_them(tmp_path):
    fishers = page("/ooh/farming-fishing-and-forestry/fishers-and-related-fishing-workers.htm")
    assert [(r["as_of"], r["p10"], r["p90"]) for r in fishers["pay_ranges"]] == [("May 2017", 18710, 48170)]
    water = page("/ooh/production/water-and-wastewater-treatment-plant-and-system-operators.htm")
    name = "water and wastewater treatment plant and system operators"
    assert {r["occupation"] for r in water["pay_ranges"] + water["employers"]} == {name}
    lawyers = page("/ooh/legal/lawyers.htm")
    assert lawyers["pay_ranges"][0]["p90_top_coded"] == 1 and lawyers["occupation"]["pay_p90_top_coded"] == 1
    civil = page("/ooh/architecture-and-engineering/civil-engineers.htm")
    assert {"construction-managers", "architectural-and-engineering-managers"} <= {
        link["target_slug"] for link in civil["text_links"]
    }
    maintenance = page("/ooh/installation-maintenance-and-repair/general-maintenance-and-repair-workers.htm")
    said = {(link["section"], link["target_slug"]): link["text"] for link in maintenance["text_links"]}
    assert said[("how_to_become_one", "carpenters")] == "carpenters" and "" not in said.values()
    physicists = page("/ooh/life-physical-and-social-science/physicists-and-astronomers.htm")
    assert "natural sciences managers" in {link["text"] for link in physicists["text_links"]}
    # Stored as parsed, the new columns with them.
    db = store.open_db(tmp_path / "data.db")
    store.save_page(db, lawyers, sha="x", size=1, parser_version=parse.PARSER_VERSION)
    row = next(sqlite_utils.Database(tmp_path / "data.db").query("select as_of, p90, p90_top_coded from pay_ranges"))
    assert row == {"as_of": "May 2024", "p90": 239200, "p90_top_coded": 1}
