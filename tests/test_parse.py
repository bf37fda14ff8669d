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
    for column in ("jobs", "projected_jobs", "median_pay_annual", "median_pay_hourly", "outlook_pct", "entry_education", "summary"):
        assert occ[column] is None, column
    assert occ["pay_note"] == "not available"
    assert occ["what_they_do"] == "Military service members work in many occupational specialties."
    assert result["projections"] == [] and result["similar"] == [] and result["years"] == {}


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
