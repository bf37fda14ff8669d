"""The parser on our own fixture pages, one edge case each."""

import pytest
from conftest import FIXTURES

from scrape import parse


def page(path):
    return (FIXTURES / "ooh" / path.lstrip("/")).read_text()


def parsed(category, slug):
    path = f"/ooh/{category}/{slug}.htm"
    return parse.parse_occupation(page(path), path)


def test_index_lists_canonical_occupations_and_aliases():
    occupations, aliases = parse.parse_index(page("ooh/a-z-index.htm"))
    assert [o["slug"] for o in occupations] == [
        "actors",
        "craft-and-fine-artists",
        "fishers-and-related-fishing-workers",
        "high-school-teachers",
        "military-careers",
        "physicians-and-surgeons",
        "registered-nurses",
    ]
    assert occupations[0] == {
        "slug": "actors",
        "category": "entertainment-and-sports",
        "path": "/ooh/entertainment-and-sports/actors.htm",
        "index_title": "Actors",
    }
    # Root-relative links count too; navigation and footer links do not.
    assert ("Nurse", "registered-nurses") in aliases
    assert ("RN", "registered-nurses") in aliases
    assert len(aliases) == 5


def test_index_that_is_not_an_index_is_rejected():
    with pytest.raises(parse.PageError, match="A-Z index"):
        parse.parse_index("<html><body>Access Denied</body></html>")


def test_ordinary_page():
    result = parsed("healthcare", "registered-nurses")
    occ = result["occupation"]
    assert occ["title"] == "Registered Nurses"
    assert occ["category"] == "healthcare"
    assert occ["category_name"] == "Healthcare"
    assert occ["url"] == "https://www.bls.gov/ooh/healthcare/registered-nurses.htm"
    assert (occ["median_pay_annual"], occ["median_pay_hourly"], occ["pay_note"]) == (93600, 45.0, "annual and hourly")
    assert occ["entry_education"] == "Bachelor's degree"
    assert occ["work_experience"] == "None"
    assert occ["training"] == "None"
    assert occ["jobs"] == 3391000
    assert occ["projected_jobs"] == 3557100
    assert (occ["outlook_pct"], occ["outlook_desc"]) == (5, "Faster than average")
    assert occ["employment_change"] == 166100
    assert occ["page_date"] == "2025-08-28"
    assert result["years"] == {"base_year": 2024, "projection_year": 2034}
    assert result["projections"] == [
        {
            "row": 0,
            "soc_code": "29-1141",
            "title": "Registered nurses",
            "level": 0,
            "employment_base": 3391000,
            "employment_projected": 3557100,
            "change_pct": 5,
            "change_numeric": 166100,
        }
    ]
    # Absolute and root-relative links both count; image links are not doubled.
    assert result["similar"] == ["physicians-and-surgeons", "nursing-assistants"]


def test_clean_text_keeps_prose_and_drops_page_furniture():
    occ = parsed("healthcare", "registered-nurses")["occupation"]
    summary = occ["summary"]
    assert summary.startswith("What Registered Nurses Do\n\nRegistered nurses (RNs) provide")
    for furniture in ("Quick Facts", "3,391,000", "Video transcript", "javascript", "Summary"):
        assert furniture not in summary
    assert occ["what_they_do"] == (
        "Registered nurses (RNs) provide and coordinate patient care.\n\n"
        "Duties\n\n"
        "Registered nurses typically do the following:\n\n"
        "- Assess patients’ conditions\n"
        "- Record patients’ medical histories and symptoms\n\n"
        "Most registered nurses work as part of a team with physicians and other healthcare specialists."
    )
    assert "Hospitals; state, local, and private | 59%\nAmbulatory healthcare services | 19" in occ["work_environment"]
    assert occ["how_to_become_one"] == "Registered nurses must be licensed."


def test_top_coded_pay_and_nested_projections():
    result = parsed("healthcare", "physicians-and-surgeons")
    occ = result["occupation"]
    assert (occ["median_pay_annual"], occ["median_pay_hourly"]) == (239200, 115.0)
    assert occ["pay_note"] == "equal to or greater than"
    rows = result["projections"]
    # The top row sums several SOC codes and has none of its own.
    assert [(r["soc_code"], r["level"]) for r in rows] == [
        (None, 0),
        ("29-1210", 1),
        ("29-1211", 2),
        ("29-1240", 1),
        ("29-1243", 2),
    ]
    assert rows[0]["employment_base"] == occ["jobs"] == 839000
    assert rows[-1]["change_numeric"] == 0


def test_hourly_only_pay():
    occ = parsed("entertainment-and-sports", "actors")["occupation"]
    assert (occ["median_pay_annual"], occ["median_pay_hourly"], occ["pay_note"]) == (None, 23.33, "hourly only")
    assert (occ["outlook_pct"], occ["outlook_desc"], occ["employment_change"]) == (0, "Little or no change", 200)


def test_annual_only_pay_and_decline():
    occ = parsed("education-training-and-library", "high-school-teachers")["occupation"]
    assert (occ["median_pay_annual"], occ["median_pay_hourly"], occ["pay_note"]) == (64580, None, "annual only")
    assert (occ["outlook_pct"], occ["outlook_desc"], occ["employment_change"]) == (-2, "Decline", -17800)


def test_missing_pay_is_null_not_zero():
    occ = parsed("farming-fishing-and-forestry", "fishers-and-related-fishing-workers")["occupation"]
    assert (occ["median_pay_annual"], occ["median_pay_hourly"], occ["pay_note"]) == (None, None, "not available")
    # A pay row with nothing in it, told apart from a page with no pay row at all.
    assert (occ["pay_period"], occ["pay_top_coded"], occ["pay_missing"]) == (None, None, "blank pay cell")
    assert occ["jobs"] == 21900


def test_see_how_to_become_one_is_kept_as_published():
    result = parsed("arts-and-design", "craft-and-fine-artists")
    occ = result["occupation"]
    assert occ["entry_education"] == occ["work_experience"] == occ["training"] == "See How to Become One"
    # A page listing itself among similar occupations does not link to itself.
    assert result["similar"] == ["actors"]


def test_page_without_quick_facts():
    result = parsed("military", "military-careers")
    occ = result["occupation"]
    assert occ["title"] == "Military Careers"
    assert occ["category_name"] == "Military"
    for column in (
        "jobs",
        "projected_jobs",
        "median_pay_annual",
        "median_pay_hourly",
        "outlook_pct",
        "entry_education",
        "summary",
    ):
        assert occ[column] is None, column
    assert occ["pay_note"] == "not available"
    assert occ["what_they_do"] == "Military service members work in many occupational specialties."
    assert result["projections"] == [] and result["similar"] == [] and result["years"] == {}
    assert (occ["pay_period"], occ["pay_top_coded"], occ["pay_missing"]) == (None, None, "no pay table")
    # A table's caption is kept, so "Table 3 shows ..." points at a titled table.
    assert occ["work_environment"].endswith(
        "Table 3 shows rank and employment.\n\n"
        "Table 3. Military rank and employment for active-duty personnel, February 2024\n\nTotal enlisted | 1,056,591"
    )


def test_openings_pay_range_employers_and_industry_pay():
    result = parsed("healthcare", "registered-nurses")
    occ = result["occupation"]
    assert occ["openings"] == 189100
    assert (occ["pay_p10_annual"], occ["pay_p90_annual"], occ["pay_p10_hourly"], occ["pay_p90_hourly"]) == (
        66030,
        135320,
        None,
        None,
    )
    assert (occ["pay_period"], occ["pay_top_coded"], occ["pay_missing"]) == ("annual and hourly", 0, None)
    assert result["pay_ranges"] == [
        {
            "row": 0,
            "occupation": "registered nurses",
            "period": "annual",
            "p10": 66030,
            "p90": 135320,
            "as_of": "May 2024",
            "p90_top_coded": 0,
        }
    ]
    # The % sign is printed on the first row only; every share is a percent.
    assert [(e["industry"], e["share_pct"]) for e in result["employers"]] == [
        ("Hospitals; state, local, and private", 59),
        ("Ambulatory healthcare services", 19),
    ]
    assert result["employers"][0]["occupation"] == "registered nurses"
    assert [(i["industry"], i["period"], i["median_pay"], i["top_coded"]) for i in result["industry_pay"]] == [
        ("Government, excluding state and local education and hospitals", "annual", 106480, 0),
        ("Hospitals; state, local, and private", "annual", 97260, 0),
    ]
    assert result["text_links"] == [{"section": "what_they_do", "target_slug": "physicians-and-surgeons", "text": "physicians"}]


def test_hourly_pay_range_and_industry_pay():
    result = parsed("entertainment-and-sports", "actors")
    occ = result["occupation"]
    assert (occ["pay_p10_annual"], occ["pay_p90_annual"], occ["pay_p10_hourly"], occ["pay_p90_hourly"]) == (
        None,
        None,
        14.0,
        97.19,
    )
    assert occ["openings"] == 6300  # "Despite limited employment growth, about 6,300 openings ..."
    assert [(i["period"], i["median_pay"]) for i in result["industry_pay"]] == [("hourly", 30.1), ("hourly", 27.07)]
    assert occ["pay_period"] == "hourly"


def test_top_coded_pay_has_no_range():
    occ = parsed("healthcare", "physicians-and-surgeons")["occupation"]
    assert (occ["pay_period"], occ["pay_top_coded"]) == ("annual and hourly", 1)
    assert occ["pay_p10_annual"] is None and occ["pay_p90_annual"] is None
    assert occ["openings"] == 23600


def test_a_page_of_two_occupations_gives_two_pay_ranges_and_top_coded_industry_pay():
    # As on the airline and commercial pilots page (2024-34 edition).
    html = """<div id="tab-5"><article>
    <!-- CMS Bar Graph --><div class="ooh-chart"><p>$226,600</p></div><!-- CMS Bar Graph -->
    <p>The median annual wage for airline pilots, copilots, and flight engineers was $226,600 in May 2024.
    The lowest 10 percent earned less than $98,560, and the highest 10 percent earned more than $239,200.</p>
    <p>The median annual wage for commercial pilots was $122,670 in May 2024.
    The lowest 10 percent earned less than $59,330, and the highest 10 percent earned more than $239,200.</p>
    <p>In May 2024, the median annual wages for airline pilots, copilots, and flight engineers in the top industries in which they worked were as follows:</p>
    <table class="ooh-tab-table"><tbody><tr><td>Scheduled air transportation</td><td>$239,200 or more</td></tr>
    <tr><td>Nonscheduled air transportation</td><td>226,870</td></tr></tbody></table></article></div>"""
    from bs4 import BeautifulSoup

    ranges, industries = parse.parse_pay_tab(BeautifulSoup(html, "lxml").find("div", id="tab-5"))
    assert [(r["occupation"], r["period"], r["p10"], r["p90"]) for r in ranges] == [
        ("airline pilots, copilots, and flight engineers", "annual", 98560, 239200),
        ("commercial pilots", "annual", 59330, 239200),
    ]
    assert [(i["median_pay"], i["top_coded"]) for i in industries] == [(239200, 1), (226870, 0)]


def test_a_list_item_holding_a_paragraph_keeps_its_bullet():
    from bs4 import BeautifulSoup

    html = (
        "<article><p>By work setting:</p><ul><li><p>In <strong><em>healthcare facilities</em></strong>, they teach.</p></li>"
        "<li><p>In <strong><em>nonprofits</em></strong>, they create programs.</p></li></ul></article>"
    )
    assert parse.clean_text(BeautifulSoup(html, "lxml").article) == (
        "By work setting:\n\n- In healthcare facilities, they teach.\n- In nonprofits, they create programs."
    )


@pytest.mark.parametrize(
    "text,expected",
    [
        ("$93,600 per year $45.00 per hour", (93600, 45.0, "annual and hourly")),
        ("$64,580 per year", (64580, None, "annual only")),
        ("$23.33 per hour", (None, 23.33, "hourly only")),
        ("This wage is equal to or greater than $239,200 per year.", (239200, None, "equal to or greater than")),
        ("", (None, None, "not available")),
    ],
)
def test_pay_forms(text, expected):
    assert parse.parse_pay(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("5% (Faster than average)", (5, "Faster than average")),
        ("-14% (Decline)", (-14, "Decline")),
        ("0% (Little or no change)", (0, "Little or no change")),
    ],
)
def test_outlook_forms(text, expected):
    assert parse.parse_outlook(text) == expected


def test_check_page_rejects_what_is_not_the_page():
    path = "/ooh/healthcare/registered-nurses.htm"
    good = page(path)
    parse.check_page(good, path)
    with pytest.raises(parse.PageError, match="cut short"):
        parse.check_page(good[: len(good) // 2], path)
    with pytest.raises(parse.PageError, match="wrong page"):
        parse.check_page(good, "/ooh/healthcare/nursing-assistants.htm")
    with pytest.raises(parse.PageError, match="not an OOH occupation page"):
        parse.check_page("<html><head><title>Access Denied</title></head><body>Denied</body></html>", path)
