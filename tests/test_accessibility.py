"""The site as a visitor and an accessibility audit meet it (issue 24), at
1280, 390 and 320 px: axe-core (pinned in package-lock.json, read from
node_modules, never a CDN) with no serious or critical violation on any kind
of page; every tile label at 4.5:1; legends whose labels never overlap;
controls on a phone's first screen, each above what it changes; search that
ranks whole words first; figures that say what they are of; the table; the
keyboard; and the page without its script. Screenshots go to
tests/screenshots/."""

import re
from contextlib import contextmanager

import pytest
from conftest import ROOT
from databases import site_counts

SHOTS = ROOT / "tests" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {1280: 800, 390: 844, 320: 700}
# Every kind of page: the map on a few layers and in its other views, and each page the build writes.
PAGES = {
    "home": "/",
    "home-pay": "/?layer=pay",
    "home-measure": "/?layer=eloundou_gpt4",
    "home-scatter": "/?view=scatter&layer=outlook",
    "home-space": "/?view=space",
    "home-search": "/?q=nurse&layer=pay",
    "occupation": "/occupations/registered-nurses.html",
    "criterion": "/criteria/ai_exposure.html",
    "evidence": "/evidence.html",
    "space": "/space.html",
    "table": "/table.html",
    "about": "/about.html",
}
# WCAG's relative luminance and contrast, in the page.
CONTRAST = """
const lum = c => { const [r, g, b] = c.match(/[\\d.]+/g).map(Number).map(v => (v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
const contrast = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
"""


@contextmanager
def visit(browser, site, path, width, script=True):
    """The page at ``path`` in a phone or computer window ``width`` wide, its
    browser context closed when the block ends."""
    context = browser.new_context(
        viewport={"width": width, "height": SIZES[width]},
        is_mobile=width < 600,
        has_touch=width < 600,
        java_script_enabled=script,
    )
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    try:
        page.goto(site + path)
        if script and (path == "/" or path.startswith("/?")):
            page.wait_for_function("document.documentElement.dataset.details === 'loaded'")
        yield page
    finally:
        context.close()


def shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def axe(page):
    """axe-core's serious and critical violations on the page: {rule: [targets]}."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("axe.run(document, {resultTypes: ['violations']})")["violations"]
    return {v["id"]: [n["target"] for n in v["nodes"]][:5] for v in found if v["impact"] in ("serious", "critical")}


def layers(page):
    """Every layer the map offers: BLS's three, each criterion, each measure and their disagreement."""
    found = page.eval_on_selector_all("#layer-select option", "os => os.map(o => o.value)")
    assert len(found) >= 14 and {"outlook", "pay", "education", "ai_exposure", "disagreement"} <= set(found), found
    return found


def set_layer(page, layer):
    page.select_option("#layer-select", layer)


# 1. The audit --------------------------------------------------------------------


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_nothing_serious_on_any_page(browser, site, name, width):
    with visit(browser, site, PAGES[name], width) as page:
        problems = axe(page)
        assert problems == {}, problems
        assert page.problems == []


def test_axe_is_the_pinned_package_not_a_download():
    lock = (ROOT / "package-lock.json").read_text()
    assert '"node_modules/axe-core"' in lock and '"resolved"' not in lock
    assert AXE.is_file(), "run npm ci"


# 2. Tiles, focus, legends, citations -------------------------------------------------


@pytest.mark.parametrize("width", [1280, 390, 320])
def test_every_tile_label_on_every_layer_reads_at_4_5_to_1_and_no_value_is_cut(browser, site, width):
    with visit(browser, site, "/", width) as page:
        for layer in layers(page):
            set_layer(page, layer)
            bad = page.evaluate(
                CONTRAST
                + """[...document.querySelectorAll('.tile')].flatMap(t => {
                const back = getComputedStyle(t).backgroundColor;
                return [...t.querySelectorAll('span')].filter(s => s.textContent.trim()).map(s => {
                  const ratio = contrast(getComputedStyle(s).color, back);
                  const cut = s.classList.contains('value') && s.scrollWidth > s.clientWidth + 0.5;
                  return (ratio < 4.5 || cut) && [t.dataset.slug, s.textContent, back, ratio.toFixed(2), cut];
                }).filter(Boolean); })"""
            )
            assert bad == [], (layer, bad[:5])
            # No value ends in an ellipsis: one that does not fit is left out whole.
            values = page.eval_on_selector_all(".tile .value", "vs => vs.map(v => v.textContent)")
            assert not any("…" in v for v in values), layer


def test_the_focus_ring_stands_out_from_every_tile(browser, site):
    with visit(browser, site, "/?layer=pay", 1280) as page:
        page.locator("#views button[aria-selected=true]").focus()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.classList.contains('tile')")
        ring = page.evaluate(
            "(() => { const s = getComputedStyle(document.activeElement); return [s.outlineColor, s.outlineWidth, s.boxShadow]; })()"
        )
        assert ring[0] == "rgb(0, 0, 0)" and ring[1] == "3px" and "rgb(255, 255, 255)" in ring[2]
        # Black or white: on every tile's color one of the two rings has 3:1 at least.
        for layer in layers(page):
            set_layer(page, layer)
            worst = page.evaluate(
                CONTRAST
                + """Math.min(...[...document.querySelectorAll('.tile')].map(t => {
                const back = getComputedStyle(t).backgroundColor;
                return Math.max(contrast('rgb(0, 0, 0)', back), contrast('rgb(255, 255, 255)', back)); }))"""
            )
            assert worst >= 3, layer
        shot(page, "a11y-focus-ring.png")


@pytest.mark.parametrize("width", [1280, 390, 320])
def test_legend_labels_never_overlap(browser, site, width):
    with visit(browser, site, "/", width) as page:
        for layer in layers(page):
            set_layer(page, layer)
            boxes = page.eval_on_selector_all(
                "#legend .tick",
                "ts => ts.map(t => { const b = t.getBoundingClientRect(); return [b.left, b.right, t.textContent]; })",
            )
            boxes.sort()
            for (_, right, a), (left, _, b) in zip(boxes, boxes[1:]):
                assert right + 2 <= left, (layer, a, b)
            assert all(0 <= left and right <= width for left, right, _ in boxes), layer
            assert page.evaluate("document.documentElement.scrollWidth") <= width, layer
        if width == 320:
            set_layer(page, "disagreement")
            shot(page, "a11y-legend-320.png")


def test_citations_are_well_formed(browser, site):
    with visit(browser, site, "/?layer=eloundou_gpt4", 1280) as page:
        options = page.eval_on_selector_all("#layer-select option, #scatter-y option", "os => os.map(o => o.textContent)")
        texts = options + [page.inner_text("#headline"), page.inner_text("#legend"), page.inner_text("main")]
        assert not any(",," in t or ", ," in t for t in texts)
        cited = [o for o in options if o.endswith(")") and re.search(r"\d{4}\)$", o)]
        assert len(cited) >= 9 * 2
        assert all(re.search(r"\((\w[\w-]*( et al\.| and \w[\w-]*)?), \d{4}\)$", o) for o in cited), cited
        assert "GPT-4 β (Eloundou et al., 2024)" in options


# 3. Phones: the first screen ------------------------------------------------------


@pytest.mark.parametrize("width", [1280, 390, 320])
def test_the_map_and_compact_controls_share_the_first_screen(browser, site, width):
    with visit(browser, site, "/", width) as page:
        height = SIZES[width]
        controls = ["#layer-select", "#size-by", "#search", "#views"]
        if width >= 700:
            controls.append("#layer-buttons")
        map_top = page.locator("#treemap").bounding_box()["y"]
        for selector in controls:
            box = page.locator(selector).bounding_box()
            assert box and box["y"] + box["height"] <= min(height, map_top), (selector, box)
        assert map_top + 150 < height, map_top
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"a11y-first-screen-{width}.png")


@pytest.mark.parametrize("width", [1280, 390, 320])
def test_each_control_changes_what_is_in_view_below_it(browser, site, width):
    with visit(browser, site, "/", width) as page:
        height = SIZES[width]
        in_view = "s => { const b = document.querySelector(s).getBoundingClientRect(); return b.height > 0 && b.top < innerHeight && b.bottom > 0; }"
        set_layer(page, "pay")
        assert page.evaluate(in_view, "#treemap") and page.evaluate(in_view, "#legend")
        assert page.inner_text(".legend-title").startswith("Median pay")
        for view, chart in (("scatter", "#scatter-plot"), ("space", "#space-plot"), ("treemap", "#treemap")):
            page.click(f"#view-{view}")
            assert page.evaluate(in_view, chart), view
            assert page.locator(chart).bounding_box()["y"] > page.locator("#views").bounding_box()["y"]
        # Search results open under the search box, above the fold.
        page.fill("#search", "nurse")
        page.locator("#search-results li").first.wait_for()  # the names load when search is first used
        box = page.locator("#search-results").bounding_box()
        assert box["y"] + box["height"] <= height
        assert box["y"] >= page.locator("#search").bounding_box()["y"]
        shot(page, f"a11y-search-{width}.png")


# 4. Search -----------------------------------------------------------------------


@pytest.mark.parametrize("width", [1280, 390, 320])
def test_search_ranks_whole_words_and_everyday_names_first(browser, site, width):
    with visit(browser, site, "/", width) as page:

        def results(query):
            page.fill("#search", query)
            # The names load when search is first used; the status says the query once they have.
            page.wait_for_function("q => document.querySelector('#search-status').textContent.includes(q)", arg=f"“{query}”")
            return page.locator("#search-results li").all_inner_texts(), page.inner_text("#search-status")

        found, status = results("RN")
        assert found[0] == "RN → Registered Nurses"  # the name that matched, and where it leads
        assert re.fullmatch(r"\d+ occupations? match(es)? “RN”(; the first 8 are listed)?\. Enter opens the first\.", status)
        found, _ = results("doctor")
        assert found[0].endswith("Physicians and Surgeons")
        found, _ = results("nurse")
        assert found[0] == "Registered Nurses"  # a title before another name that says "nurse"
        found, _ = results("programmer")
        assert found[0] == "Computer Programmers"
        found, status = results("ai")
        count = int(status.split()[0])
        assert count < 60, status  # no fragments of two letters ("detail", "maintenance")
        matched = page.evaluate("document.querySelectorAll('.tile.match').length")
        assert matched == count
        _, status = results("zzqx")
        assert status == "No occupation matches “zzqx”"
        _, status = results("teacher")
        assert re.fullmatch(r"\d+ occupations match “teacher”; the first 8 are listed\. Enter opens the first\.", status)
        # Enter opens the first.
        found, _ = results("lyft driver")
        assert found[0] == "Lyft Driver → Taxi Drivers, Shuttle Drivers, and Chauffeurs"
        page.press("#search", "Enter")
        assert "selected=taxi-drivers-and-chauffeurs" in page.url


def test_what_a_visitor_types_before_the_script_runs_is_kept_and_searched(browser, site):
    """A phone runs the map's script only after the first paint: a name typed
    into the box before then is neither wiped nor ignored."""
    context = browser.new_context(viewport={"width": 390, "height": SIZES[390]}, is_mobile=True, has_touch=True)
    # The box gets its words as the page is parsed, before any of the page's own scripts runs.
    context.add_init_script(
        "new MutationObserver((_, watch) => { const box = document.getElementById('search');"
        " if (box) { box.value = 'realtor'; watch.disconnect(); } }).observe(document, {childList: true, subtree: true});"
    )
    page = context.new_page()
    try:
        page.goto(site + "/")
        page.wait_for_function("document.documentElement.dataset.details === 'loaded'")
        page.wait_for_function("document.querySelector('#search-status').textContent.includes('“realtor”')")
        assert page.input_value("#search") == "realtor"
        assert page.locator("#search-results li").first.inner_text().startswith("Realtor →")
    finally:
        context.close()


# 5. Figures under the map -----------------------------------------------------------


@pytest.mark.parametrize("width", [1280, 390])
def test_the_figures_say_what_they_are_of_and_nothing_always_true(browser, site, width):
    with visit(browser, site, "/", width) as page:
        for layer in layers(page):
            set_layer(page, layer)
            page.wait_for_function("document.querySelector('#stats .figures')")
            text = page.inner_text("#stats")
            assert "0.0%" not in text and "See How to Become One" not in text, layer
            # Every figure has its words; every chart its caption or label.
            pairs = page.eval_on_selector_all(
                "#stats .figures div", "ds => ds.map(d => [d.querySelector('dt').textContent, d.querySelector('dd').textContent])"
            )
            assert pairs and all(len(words) > 8 and value.strip() for words, value in pairs), (layer, pairs)
            assert page.evaluate("[...document.querySelectorAll('#stats svg')].every(s => s.getAttribute('aria-label'))")
            if layer == "eloundou_gpt4":
                # A percentile layer's average is 50 by construction: it is not shown.
                assert not any(re.fullmatch(r"(50(\.0)?|50th)", value) for _, value in pairs)
        for selector in ("#legend", "#tooltip"):
            assert "See How to Become One" not in page.inner_text(selector) if page.locator(selector).is_visible() else True
        assert page.get_attribute("#stats", "aria-live") is None
        if width == 1280:
            set_layer(page, "ai_exposure")
            page.locator("#stats").scroll_into_view_if_needed()
            shot(page, "a11y-figures-1280.png")


# 6. The table --------------------------------------------------------------------


@pytest.mark.parametrize("width", [1280, 390, 320])
def test_the_table_shows_hourly_pay_keeps_its_headings_and_filters(browser, site, width):
    with visit(browser, site, "/table.html", width) as page:
        actors = page.locator("tbody tr", has_text="Actors").first.inner_text()
        assert "$23.33 an hour" in actors
        # The first sort by a score puts the highest first.
        page.click("th:has-text('AI exposure') button")
        assert page.get_attribute("th:has-text('AI exposure')", "aria-sort") == "descending"
        # The score's column is found by its heading: it sits beside the name, in view without scrolling sideways.
        column = page.eval_on_selector_all("thead th", "ths => ths.findIndex(th => th.textContent.startsWith('AI exposure'))")
        scores = page.eval_on_selector_all(
            f"tbody tr > :nth-child({column + 1})", "cells => cells.slice(0, 5).map(c => Number(c.textContent))"
        )
        assert scores == sorted(scores, reverse=True) and scores[0] == 10
        # The headings stay in view over the rows.
        wrap = page.locator(".table-wrap")
        wrap.evaluate("w => w.scrollTop = 2000")
        head = page.locator("thead th").first.bounding_box()
        assert abs(head["y"] - wrap.bounding_box()["y"]) < 2
        # The filter is the map's search: everyday names, whole words for a short query.
        shown_rows = "[...document.querySelectorAll('tbody tr')].filter(r => !r.hidden).map(r => r.dataset.slug)"
        page.fill("#filter", "RN")
        page.wait_for_function("document.querySelector('#filter-status').textContent")
        shown = page.evaluate(shown_rows)
        assert "registered-nurses" in shown and "news-analysts-reporters-and-journalists" not in shown
        assert page.locator("tr[data-slug='registered-nurses'] .matched").inner_text() == " (“RN”)"
        page.fill("#filter", "nurse")
        # Its title matches "nurse": the row no longer names another name.
        page.wait_for_function("!document.querySelector(\"tr[data-slug='registered-nurses'] .matched\")")
        shown = page.evaluate(shown_rows)
        assert "registered-nurses" in shown and 3 <= len(shown) <= 40
        status = page.inner_text("#filter-status")
        assert status.startswith(f"{len(shown)} of {site_counts(ROOT / 'data.db')['pages']} occupations shown. Enter opens ")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"a11y-table-{width}.png")
        # A name nothing has in whole is said to match in part; Enter opens the best match's page, as on the map.
        page.fill("#filter", "uber driver")
        page.wait_for_function("document.querySelector('#filter-status').textContent.includes('in part')")
        assert page.inner_text("#filter-status").startswith("No name has every word; ")
        page.fill("#filter", "realtor")
        page.wait_for_function("document.querySelector('#filter-status').textContent.includes('Enter opens')")
        best = page.inner_text("#filter-status").split("Enter opens ")[1].rstrip(".")
        page.press("#filter", "Enter")
        page.wait_for_url("**/occupations/*.html")
        assert page.inner_text("h1") == best
        page.go_back()


# 7. Keyboard and screen readers ---------------------------------------------------


def test_few_tab_stops_before_the_map_and_no_link_among_the_tabs(browser, site):
    with visit(browser, site, "/", 1280) as page:
        page.locator("body").focus()
        stops = 0
        while stops < 20 and not page.evaluate("document.activeElement.classList.contains('tile')"):
            page.keyboard.press("Tab")
            stops += 1
        assert stops <= 14, stops
        assert page.locator("#views a").count() == 0
        assert page.get_attribute("#views", "role") == "tablist"
        # The radio group is one stop: the arrow keys choose within it.
        page.locator("#layer-buttons [aria-checked=true]").focus()
        page.keyboard.press("ArrowLeft")
        assert page.get_attribute("#layer-buttons [tabindex='0']", "data-layer") == "education"
        assert "layer=education" in page.url
        assert page.locator("#layer-buttons [tabindex='0']").count() == 1
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "layer-select"
        # The tab list too.
        page.locator("#view-treemap").focus()
        page.keyboard.press("ArrowRight")
        assert "view=scatter" in page.url and page.locator("#scatter-plot").is_visible()
        assert page.evaluate("document.activeElement.id") == "view-scatter"
        # Live regions: one sentence and the search count, never a table.
        live = page.eval_on_selector_all("[aria-live]", "els => els.map(e => e.id)")
        assert sorted(live) == ["headline", "search-status"]


# 8. Without the script; words -----------------------------------------------------


@pytest.mark.parametrize("width", [1280, 390])
def test_without_the_script_its_controls_are_hidden_and_a_note_says_so(browser, site, width):
    with visit(browser, site, "/", width, script=False) as page:
        for selector in ("#layer-buttons", "#layer-select", "#search", "#views"):
            assert not page.locator(selector).is_visible(), selector
        assert "need the script" in page.inner_text("main")
        if width >= 700:
            assert page.locator(".tile .name").count() > 100  # the map itself needs none
        page.goto(site + "/table.html")
        assert not page.locator("#filter").is_visible()
        assert "Select a column heading" not in page.inner_text("main")
        shot(page, f"a11y-no-script-{width}.png")


def test_us_spelling_and_plain_money(browser, site):
    with visit(browser, site, "/", 1280) as page:
        texts = [page.title(), page.inner_text("body")]
        for path in ("/table.html", "/space.html", "/about.html", "/404.html"):
            page.goto(site + path)
            texts += [page.title(), page.inner_text("body")]
        page.goto(site + "/")
        for layer in layers(page):
            set_layer(page, layer)
            texts += [page.inner_text("#headline"), page.inner_text("#stats"), page.inner_text("#legend")]
        for text in texts:
            assert not re.search(r"\b(labour|colour\w*|favour\w*|neighbour\w*|licence\w*)\b", text, re.I), text[:200]
            assert not re.search(r"\d (trn|bn)\b", text), text[:200]
        assert any("trillion" in t for t in texts)


# 9. Score against pay and the labor space --------------------------------------------


@pytest.mark.parametrize("width", [1280, 390])
def test_score_against_pay_is_colored_by_the_layer_and_offers_every_score(browser, site, width):
    with visit(browser, site, "/?view=scatter&layer=outlook", width) as page:
        options = page.eval_on_selector_all("#scatter-y option", "os => os.map(o => o.value)")
        layers = page.evaluate("JSON.parse(document.getElementById('data').textContent).layers")
        criteria = [layer["id"] for layer in layers if layer["group"] == "criteria"]
        measures = [layer["id"] for layer in layers if layer["group"] == "measures" and layer["id"] != "disagreement"]
        assert options == criteria + measures + ["disagreement"]
        # The nurses' bubble has the nurses' tile's outlook color, as the legend says.
        colour = page.get_attribute("#scatter-plot a[data-slug='registered-nurses'] circle", "fill")
        page.click("#view-treemap")
        assert page.evaluate("document.querySelector('.tile[data-slug=\"registered-nurses\"]').style.background") == colour
        assert page.inner_text(".legend-title").startswith("Job outlook")
        page.click("#view-scatter")
        says = page.inner_text(".scatter-says")
        assert "Up the side: AI exposure" in says and "Color: Job outlook" in says
        page.select_option("#scatter-y", "anthropic_observed")
        assert page.locator("#scatter-plot circle").count() > 250
        assert "Up the side: Observed exposure in Claude usage" in page.inner_text(".scatter-says")
        assert page.inner_text(".legend-title").startswith("Job outlook")  # still the layer's colors
        shot(page, f"a11y-scatter-{width}.png")


@pytest.mark.parametrize("width", [1280, 390, 320])
def test_the_labor_space_link_opens_the_picture_with_its_method_below_and_names_apart(browser, site, width):
    with visit(browser, site, "/about.html", width) as page:
        page.locator("header nav a", has_text="Labor space").click()
        page.wait_for_function("document.documentElement.dataset.details === 'loaded'")
        page.wait_for_selector("#space-plot svg")
        plot = page.locator("#space-plot").bounding_box()
        method = page.locator("#space p.space-about").bounding_box()
        assert method["y"] >= plot["y"] + plot["height"] - 1
        assert page.locator("#space a[href$='space.html']").count() == 1
        labels = page.eval_on_selector_all(
            "#space-plot .region-label",
            "ls => ls.map(l => { const b = l.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; })",
        )
        assert len(labels) >= 5
        for i, a in enumerate(labels):
            for b in labels[i + 1 :]:
                assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
        shot(page, f"a11y-space-{width}.png")
