"""Turn OOH HTML into plain Python records. No network, no database.

Parsing is kept apart from fetching so that a better parser can be rerun over
the cached pages without downloading anything again. Selectors rely on the ids
BLS gives its tables and tabs (``table#quickfacts``, ``div#tab-3``...), never
on the classes a browser's scripts add (DataTables wrappers and the like).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from html import unescape
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PageElement, Tag

# Bump when parsing changes, so pages parsed by an older parser are reparsed.
PARSER_VERSION = 5

TAB_SECTIONS = {
    "tab-1": "summary",
    "tab-2": "what_they_do",
    "tab-3": "work_environment",
    "tab-4": "how_to_become_one",
}

TAB_ID = re.compile(r"^tab-\d$")
CHARTS = re.compile(r"<!-- CMS Bar Graph -->.*?<!-- CMS Bar Graph -->", re.S)
# BLS writes some links with /OOH/ in capitals; they are the same pages.
OCCUPATION_PATH = re.compile(r"^/ooh/([a-z0-9-]+)/([a-z0-9-]+)\.htm$", re.I)
# The Occupational Employment and Wage Statistics publish no wage above a top
# code: a wage at or above it is printed "equal to or greater than $239,200
# per year or $115.00 per hour" (May 2024), and a 90th percentile at it,
# which the pay sentence says as "more than $239,200", is a floor, not a
# figure. A page that states the top code itself is read for it instead.
TOP_CODE = {"annual": 239_200.0, "hourly": 115.00}


class PageError(ValueError):
    """A response that is not the page it should be."""


def occupation_path(href: str) -> tuple[str, str] | None:
    """('category', 'slug') for an OOH occupation link, else None; the path
    is read whatever its case (/OOH/ as /ooh/)."""
    match = OCCUPATION_PATH.match(urlsplit(href).path)
    return (match[1].lower(), match[2].lower()) if match else None


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "lxml")


def _text(node: PageElement | None) -> str:
    return " ".join(node.get_text(" ").split()) if node is not None else ""


def _attr(tag: Tag, name: str) -> str:
    """One of the attributes that hold a single string (href, id,
    data-label), "" where the tag has none; bs4 types every attribute as
    possibly a list, as class is."""
    value = tag.get(name)
    return value if isinstance(value, str) else ""


def _int(text: str) -> int | None:
    """'3,391,000' -> 3391000; '-1,200' -> -1200; '—' or '' -> None."""
    cleaned = text.replace(",", "").replace("$", "").strip()
    cleaned = cleaned.replace("\u2212", "-")  # a real minus sign, just in case
    return int(cleaned) if re.fullmatch(r"-?\d+", cleaned) else None


# --- A-Z index ---------------------------------------------------------------


def check_index(html: str) -> None:
    """Raise PageError unless ``html`` is a complete OOH A-Z index."""
    if "a-z-list" not in html or not html.rstrip().endswith("</html>"):
        raise PageError("not a complete OOH A-Z index (no a-z-list, or the page is cut short)")


def parse_index(html: str) -> tuple[list[dict[str, str]], list[tuple[str, str]]]:
    """Read the A-Z index.

    Returns ``(occupations, aliases)``: occupations is a list of dicts with
    ``slug``, ``category``, ``path`` and ``index_title`` in index order;
    aliases is a list of ``(alias, slug)`` pairs from the "X, see: Y" entries.
    """
    check_index(html)
    soup = _soup(html[html.find('<div class="a-z-list') :] if 'class="a-z-list' in html else html)
    occupations, seen, aliases = [], set(), set()
    for box in soup.find_all("div", class_="a-z-list-box"):
        for li in box.find_all("li"):
            links = li.find_all("a", href=True)
            if not links:
                continue
            target = occupation_path(_attr(links[-1], "href"))
            if target is None:
                continue
            category, slug = target
            if "see:" in li.get_text():
                alias = _text(links[0])
                if alias:
                    aliases.add((alias, slug))
            elif slug not in seen:
                seen.add(slug)
                occupations.append(
                    {
                        "slug": slug,
                        "category": category,
                        "path": f"/ooh/{category}/{slug}.htm",
                        "index_title": _text(links[0]),
                    }
                )
    if not occupations:
        raise PageError("the A-Z index lists no occupations")
    return occupations, sorted(aliases)


# --- occupation pages --------------------------------------------------------


def check_page(html: str, path: str) -> None:
    """Raise PageError unless ``html`` is the complete OOH page at ``path``."""
    if not html.rstrip().lower().endswith("</html>"):
        raise PageError("the page is cut short (no closing </html>)")
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', html)
    if canonical is None or "<h1" not in html:
        raise PageError("not an OOH occupation page (no canonical link or no title)")
    got = urlsplit(canonical.group(1)).path
    if got != path:
        raise PageError(f"wrong page: expected {path}, got {got}")
    if 'id="tab-2"' not in html:
        raise PageError("not an OOH occupation page (no What They Do tab)")


def _slice(html: str, start_marker: str, end_marker: str) -> str:
    """The part of ``html`` from the tag holding start_marker to end_marker.

    Parsing only the parts of a page we read, rather than the whole 130 KB with
    its navigation, scripts and footers, is what keeps a full parse fast.
    """
    start = html.find(start_marker)
    if start < 0:
        return ""
    start = html.rfind("<", 0, start)
    end = html.find(end_marker, start)
    return html[start : end if end > 0 else len(html)]


def parse_pay(text: str) -> tuple[int | None, float | None, str]:
    """Median pay cell -> (annual dollars, hourly dollars, note)."""
    text = " ".join(text.split())
    per_year = re.search(r"\$([\d,]+) per year", text)
    per_hour = re.search(r"\$([\d,]+\.\d\d) per hour", text)
    annual = _int(per_year.group(1)) if per_year else None
    hourly = float(per_hour.group(1).replace(",", "")) if per_hour else None
    if "equal to or greater than" in text:
        note = "equal to or greater than"
    elif annual is not None and hourly is not None:
        note = "annual and hourly"
    elif annual is not None:
        note = "annual only"
    elif hourly is not None:
        note = "hourly only"
    else:
        note = "not available"
    return annual, hourly, note


def pay_shape(annual: int | None, hourly: float | None, note: str) -> dict[str, Any]:
    """Which pay figures the page gives, said in columns rather than a note:
    pay_period (annual, hourly, both, or None), pay_top_coded (the figure is
    a floor: "equal to or greater than") and pay_missing (why there is none)."""
    period = {(True, True): "annual and hourly", (True, False): "annual", (False, True): "hourly"}.get(
        (annual is not None, hourly is not None)
    )
    return {
        "pay_period": period,
        "pay_top_coded": int(note == "equal to or greater than") if period else None,
        "pay_missing": None if period else "blank pay cell",
    }


def top_codes(text: str) -> dict[str, float]:
    """The wage top code as this page states it ("equal to or greater than
    $239,200 per year or $115.00 per hour"), else TOP_CODE."""
    codes = dict(TOP_CODE)
    yearly = re.search(r"equal to or greater than \$([\d,]+) per year", text)
    hourly = re.search(r"equal to or greater than (?:\$[\d,]+ per year or )?\$([\d,]+\.\d\d) per hour", text)
    if yearly:
        codes["annual"] = float(yearly.group(1).replace(",", ""))
    if hourly:
        codes["hourly"] = float(hourly.group(1).replace(",", ""))
    return codes


def parse_pay_tab(tab: Tag | None, top: Mapping[str, float] = TOP_CODE) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The Pay tab (a parsed node): each 10th and 90th percentile wage
    sentence (one per detailed occupation the page covers), annual or hourly
    and for the month the median before it gives ("May 2024"; a page whose
    wage data were last updated earlier says so), with the 90th percentile
    flagged where it is the top code (``top``); and the median pay by
    industry where there is such a table."""
    text = _text(tab)
    ranges: list[dict[str, Any]] = []
    money = r"\$(\d[\d,]*(?:\.\d\d)?)"
    for spread in re.finditer(
        rf"lowest 10 percent earned less than {money}, and the highest 10 percent earned more than {money}", text
    ):
        median = list(
            re.finditer(
                r"median (annual|hourly) wage for (.+?) was \$[\d,]+(?:\.\d\d)? in ([A-Z][a-z]+ \d{4})", text[: spread.start()]
            )
        )
        period = median[-1].group(1) if median else "annual"
        p90 = _money(spread.group(2), period == "hourly")
        ranges.append(
            {
                "row": len(ranges),
                "occupation": median[-1].group(2) if median else None,
                "period": period,
                "p10": _money(spread.group(1), period == "hourly"),
                "p90": p90,
                "as_of": median[-1].group(3) if median else None,
                "p90_top_coded": int(p90 is not None and p90 >= top[period]),
            }
        )
    industries: list[dict[str, Any]] = []
    for intro, industry, figure in intro_tables(tab, "top industries"):
        hourly = "hourly wage" in intro
        industries.append(
            {
                "row": len(industries),
                "occupation": _phrase(intro, r"wages? for (.+?) in the top industries"),
                "industry": industry,
                "period": "hourly" if hourly else "annual",
                "median_pay": _money(figure.removesuffix("or more"), hourly),
                "top_coded": int(figure.endswith("or more")),
            }
        )
    return ranges, industries


def parse_employers(tab: Tag | None) -> list[dict[str, Any]]:
    """The largest-employers tables of Work Environment, as rows: the share is
    a percent on every row (BLS prints the % sign on the first only)."""
    rows: list[dict[str, Any]] = []
    for intro, industry, share in intro_tables(tab, "largest employers"):
        rows.append(
            {
                "row": len(rows),
                "occupation": _phrase(intro, r"largest employers of (.+?) (?:were|was)\b"),
                "industry": industry,
                "share_pct": _int(share.rstrip("%")),
            }
        )
    return rows


def intro_tables(tab: Tag | None, phrase: str) -> Iterator[tuple[str, str, str]]:
    """(intro, first cell, second cell) for each two-cell row of the tab's
    tables whose introducing paragraph contains ``phrase`` ("largest
    employers", "top industries"): BLS names its tables only in that line."""
    for table in tab.find_all("table", class_="ooh-tab-table") if tab is not None else []:
        intro = _text(table.find_previous("p"))
        if phrase not in intro:
            continue
        for tr in table.find_all("tr"):
            cells = [_text(td) for td in tr.find_all("td")]
            if len(cells) == 2 and cells[0]:
                yield intro, cells[0], cells[1]


def _phrase(intro: str, pattern: str) -> str | None:
    match = re.search(pattern, intro)
    return match.group(1) if match else None


def _money(text: str, hourly: bool) -> float | None:
    """'$66,030' -> 66030; '23.33' with hourly -> 23.33."""
    cleaned = text.replace("$", "").replace(",", "").strip()
    try:
        return float(cleaned) if hourly else int(float(cleaned))
    except ValueError:
        return None


def text_links(articles: Mapping[str, Tag | None], slug: str) -> list[dict[str, str]]:
    """Links from an occupation's text ({column: article node}) to other OOH
    occupations, in page order."""
    links: dict[tuple[str, str], dict[str, str]] = {}
    for section, article in articles.items():
        for a in article.find_all("a", href=True) if article is not None else []:
            target = occupation_path(_attr(a, "href"))
            # Category home pages ("/ooh/healthcare/home.htm") are not occupations.
            if target is None or target[1] in (slug, "home"):
                continue
            # The text as it reads: BLS underlines part of a word in a span ("n<span>atural ...</span>s").
            text = " ".join(a.get_text().split())
            kept = links.setdefault((section, target[1]), {"section": section, "target_slug": target[1], "text": text})
            # Some pages put an empty link just before the one with words ("<a> </a><a>carpenters</a>"): the words count.
            if not kept["text"]:
                kept["text"] = text
    return list(links.values())


def parse_outlook(text: str) -> tuple[int | None, str | None]:
    """'5% (Faster than average)' -> (5, 'Faster than average')."""
    match = re.match(r"\s*(-?\d+)%\s*\((.+)\)\s*$", text)
    if not match:
        return None, text.strip() or None
    return int(match.group(1)), match.group(2).strip()


def parse_quick_facts(table: Tag) -> tuple[dict[str, Any], dict[str, int | None]]:
    """Quick Facts rows -> the occupation's headline columns plus edition years."""
    facts: dict[str, Any] = {}
    years: dict[str, int | None] = {}
    for row in table.tbody.find_all("tr") if table.tbody else []:
        th, cell = row.find("th"), row.find("td")
        if th is None or cell is None:
            continue
        label = _text(th)
        value = _text(cell)
        if "Median Pay" in label:
            facts["median_pay_annual"], facts["median_pay_hourly"], facts["pay_note"] = parse_pay(value)
            facts.update(pay_shape(facts["median_pay_annual"], facts["median_pay_hourly"], facts["pay_note"]))
        elif "Entry-Level Education" in label:
            facts["entry_education"] = value or None
        elif "Work Experience" in label:
            facts["work_experience"] = value or None
        elif "On-the-job Training" in label:
            facts["training"] = value or None
        elif label.startswith("Number of Jobs"):
            facts["jobs"] = _int(value)
            year = re.search(r"(\d{4})", label)
            years["base_year"] = int(year.group(1)) if year else None
        elif label.startswith("Job Outlook"):
            facts["outlook_pct"], facts["outlook_desc"] = parse_outlook(value)
            span = re.search(r"(\d{4})\s*[–-]\s*(\d{2,4})", label)
            if span:
                start, end = span.groups()
                years["projection_year"] = int(end) if len(end) == 4 else int(start[:2] + end)
        elif label.startswith("Employment Change"):
            facts["employment_change"] = _int(value)
    return facts, years


def parse_projections(table: Tag) -> list[dict[str, Any]]:
    """Every row of the projections table, in page order."""
    rows: list[dict[str, Any]] = []
    for tr in table.tbody.find_all("tr") if table.tbody else []:
        title_cell = tr.find("th")
        cells = {_attr(td, "data-label").split(",")[0].split(":")[0].strip().lower(): td for td in tr.find_all("td")}
        if title_cell is None or "soc code" not in cells:
            continue
        nested = title_cell.find(class_=re.compile(r"^sub\d$"))
        level = int(nested["class"][0][3:]) if nested else 0
        soc = _text(cells["soc code"])
        pct = numeric = None
        for td in tr.find_all("td"):
            label = _attr(td, "data-label")
            if "(percent)" in label:
                pct = _int(_text(td))
            elif "(numeric)" in label:
                numeric = _int(_text(td))
        rows.append(
            {
                "row": len(rows),
                "soc_code": soc if re.fullmatch(r"\d\d-\d{4}", soc) else None,
                "title": _text(title_cell),
                "level": level,
                "employment_base": _int(_text(cells.get("employment"))),
                "employment_projected": _int(_text(cells.get("projected employment"))),
                "change_pct": pct,
                "change_numeric": numeric,
            }
        )
    return rows


# Parts of a tab that are page furniture rather than the text BLS wrote.
SKIP_CLASSES = {"ooh_right_img", "youtube-player", "noprint", "tab-footer", "ooh-chart", "image-caption"}


def clean_text(node: Tag) -> str | None:
    """An article's prose as plain text: one block per paragraph, '- ' for list
    items, cells joined by ' | ' for tables. Headings, images, charts, videos
    and the Quick Facts table are left out."""
    blocks: list[tuple[str, bool]] = []  # (text, is_line): list items and table rows are lines
    inline: list[str] = []
    bullet = False  # a list item has started and its text has not been written yet

    def flush(is_line: bool = False) -> None:
        nonlocal bullet
        text = " ".join("".join(inline).split())
        inline.clear()
        if not text:
            return
        if bullet:  # the first text of a list item, even inside a <p> of its own
            text, is_line, bullet = "- " + text, True, False
        blocks.append((text, is_line))

    def walk(el: Tag) -> None:
        nonlocal bullet
        for child in el.children:
            if isinstance(child, NavigableString):
                if type(child) is NavigableString:  # skip comments, CDATA and the like
                    inline.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            classes = set(child.get("class") or ())
            if name in ("script", "style", "h2", "img", "nav", "noscript") or classes & SKIP_CLASSES:
                continue
            if name == "table":
                flush()
                if child.get("id") in ("quickfacts", "outlook-table"):
                    continue
                caption = child.find("caption")
                if caption is not None and _text(caption):
                    blocks.append((_text(caption), False))  # "Table 3 shows..." needs its title
                for tr in child.find_all("tr"):
                    cells = [_text(c) for c in tr.find_all(["td", "th"])]
                    cells = [c for c in cells if c]
                    if cells:
                        blocks.append((" | ".join(cells), True))
                continue
            if name == "a" and _attr(child, "href").startswith("https://www.youtube.com/"):
                continue
            if name == "li":
                flush()
                bullet = True
                walk(child)
                flush(is_line=True)
                bullet = False
            elif name in ("p", "div", "h3", "h4", "h5", "ul", "ol", "article", "section", "dl", "dd", "dt", "blockquote"):
                flush()
                walk(child)
                flush()
            elif name == "br":
                inline.append(" ")
            else:
                walk(child)

    walk(node)
    flush()
    out = []
    for i, (text, is_line) in enumerate(blocks):
        if i:
            out.append("\n" if is_line and blocks[i - 1][1] else "\n\n")
        out.append(text)
    return "".join(out) or None


def parse_occupation(html: str, path: str) -> dict[str, Any]:
    """One occupation page -> a dict of everything we keep from it.

    Keys: ``occupation`` (the row for the occupations table), ``projections``,
    ``similar`` (slugs), ``years`` (the edition's base and projection year),
    ``employers``, ``industry_pay``, ``pay_ranges`` and ``text_links`` (rows
    for their tables).
    Values are stored as BLS gives them: None where the page has none.
    """
    check_page(html, path)
    target = occupation_path(path)
    if target is None:
        raise PageError(f"{path} is not where an OOH occupation page is (/ooh/<category>/<slug>.htm)")
    category, slug = target
    date = re.search(r'<meta name="date" content="([^"]+)"', html)
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    title = " ".join(unescape(re.sub(r"<[^>]+>", " ", h1.group(1))).split()) if h1 else ""
    # The last OOH breadcrumb before the title is the category's display name.
    crumbs = re.findall(r">([^<>]+)</a>", _slice(html, 'id="ooh-breadcrumbs"', "<h1"))

    # One tree per page, of the tabs we read (Summary to Job Outlook), with
    # the bar charts cut out: they are much of the markup and say nothing
    # the Quick Facts do not.
    read = _slice(html, 'id="tab-1"', 'id="tab-7"') or _slice(html, 'id="tab-2"', 'id="tab-7"')
    main = _soup(CHARTS.sub("", read))
    occupation: dict[str, Any] = {
        "slug": slug,
        "title": title,
        "category": category,
        "category_name": " ".join(crumbs[-1].split()) if len(crumbs) > 1 else None,
        "url": "https://www.bls.gov" + path,
        "median_pay_annual": None,
        "median_pay_hourly": None,
        "pay_note": "not available",
        "pay_period": None,
        "pay_top_coded": None,
        "pay_missing": "no pay table",
        "entry_education": None,
        "work_experience": None,
        "training": None,
        "jobs": None,
        "projected_jobs": None,
        "outlook_pct": None,
        "outlook_desc": None,
        "employment_change": None,
        "openings": None,
        "pay_p10_annual": None,
        "pay_p90_annual": None,
        "pay_p10_hourly": None,
        "pay_p90_hourly": None,
        "pay_p90_top_coded": None,
        "page_date": date.group(1) if date else None,
    }
    # Each tab once: searching the tree for one is most of what a find costs.
    tabs = {_attr(div, "id"): div for div in main.find_all("div", id=TAB_ID)}
    articles: dict[str, Tag | None] = {}
    for tab_id, column in TAB_SECTIONS.items():
        tab = tabs.get(tab_id)
        article = articles[column] = tab.find("article") if tab is not None else None
        occupation[column] = clean_text(article) if article is not None else None
    years: dict[str, int | None] = {}
    quick_facts = (tabs.get("tab-1") or main).find("table", id="quickfacts")
    if quick_facts is not None:
        facts, years = parse_quick_facts(quick_facts)
        occupation.update(facts)

    ranges, industries = parse_pay_tab(tabs.get("tab-5"), top_codes(html))
    # The occupation's own pay range, where the page gives one; a page that
    # covers several detailed occupations gives one each (all in pay_ranges).
    if len(ranges) == 1:
        occupation[f"pay_p10_{ranges[0]['period']}"] = ranges[0]["p10"]
        occupation[f"pay_p90_{ranges[0]['period']}"] = ranges[0]["p90"]
        occupation["pay_p90_top_coded"] = ranges[0]["p90_top_coded"]
    employers = parse_employers(tabs.get("tab-3"))
    links = text_links(articles, slug)

    outlook_tab = tabs.get("tab-6")
    openings = re.search(r"\babout ([\d,]+) openings\b", _text(outlook_tab), re.I)
    occupation["openings"] = _int(openings.group(1)) if openings else None
    outlook_table = outlook_tab.find("table", id="outlook-table") if outlook_tab is not None else None
    projections = parse_projections(outlook_table) if outlook_table is not None else []
    if projections:
        occupation["projected_jobs"] = projections[0]["employment_projected"]

    # A row's first link is its occupation (the picture, then the title, link
    # there; the job duties may link elsewhere). A regex over the table alone
    # spares building a tree for the DataTables markup around it.
    similar = []
    table = _slice(html, 'id="similar-occupations"', "</table>")
    for row in table.split("<tr")[1:]:
        first = re.search(r'href="([^"]+)"', row)
        target = occupation_path(first.group(1)) if first else None
        if target and target[1] != slug and target[1] not in similar:
            similar.append(target[1])

    record = {
        "occupation": occupation,
        "projections": projections,
        "similar": similar,
        "years": years,
        "employers": employers,
        "industry_pay": industries,
        "pay_ranges": ranges,
        "text_links": links,
    }
    validate(record)
    return record


# What every OOH occupation page has, Military Careers included (it alone has
# no Quick Facts); a page without one of these is not one to keep.
REQUIRED = ("title", "category_name", "what_they_do", "work_environment", "how_to_become_one")
QUICK_FACTS = ("entry_education", "jobs", "outlook_desc")
# Bounds no real figure comes near (the largest occupation has under 7
# million jobs); a number past them is a broken page, not news.
LIMITS = {
    "jobs": (0, 50_000_000),
    "projected_jobs": (0, 50_000_000),
    "employment_change": (-50_000_000, 50_000_000),
    "median_pay_annual": (1_000, 10_000_000),
    "median_pay_hourly": (1, 5_000),
    "outlook_pct": (-100, 1_000),
    "openings": (0, 10_000_000),
    "pay_p10_annual": (1_000, 10_000_000),
    "pay_p90_annual": (1_000, 10_000_000),
    "pay_p10_hourly": (1, 5_000),
    "pay_p90_hourly": (1, 5_000),
}


def validate(record: dict[str, Any]) -> None:
    """Raise PageError unless the parsed page has what every OOH page has, with
    numbers and edition years that can be true."""
    occupation = record["occupation"]
    missing = [name for name in REQUIRED if not occupation.get(name)]
    if occupation.get("summary") is not None or record["years"]:
        missing += [name for name in QUICK_FACTS if occupation.get(name) is None]
    if missing:
        raise PageError(f"the page lacks what every OOH page has: {', '.join(missing)}")
    for name, (low, high) in LIMITS.items():
        value = occupation.get(name)
        if value is not None and not low <= value <= high:
            raise PageError(f"{name} is {value:,}, outside anything the OOH publishes ({low:,} to {high:,})")
    for row in record["projections"]:
        for name in ("employment_base", "employment_projected", "change_numeric"):
            value = row[name]
            if value is not None and abs(value) > 50_000_000:
                raise PageError(f"projections row {row['row']}: {name} is {value:,}, beyond any real occupation")
    years = record["years"]
    if occupation.get("jobs") is not None:
        base, end = years.get("base_year"), years.get("projection_year")
        if base is None or end is None:
            raise PageError("the Quick Facts do not say which years the figures are for")
        if not (1990 <= base <= 2100 and 5 <= end - base <= 15):
            raise PageError(f"the Quick Facts give an edition of {base}-{end}, which cannot be right")
