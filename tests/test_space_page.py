"""The labor space page tells what the map shows before how it was made:
pairs close in the work but apart in BLS's groups, with the work activities
they share; pairs alike in title but apart in the work, with each side's
most characteristic activities; then the method and its recall, counted on
the held-out half. Expected values are read from the committed data.db."""

import html
import json
import re
import sqlite3

from conftest import ROOT


def text_of(page):
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def shown_backend():
    with sqlite3.connect(ROOT / "data.db") as conn:
        return conn.execute("select backend, mix from space_methods where shown = 1").fetchone()


def test_the_pairs_come_first_each_with_the_work_that_explains_it(committed_site):
    page = (committed_site / "space.html").read_text()
    text = text_of(page)
    backend, _ = shown_backend()
    with sqlite3.connect(ROOT / "data.db") as conn:
        titles = dict(conn.execute("select slug, title from occupations"))
        pairs = conn.execute(
            "select kind, slug, other_slug from space_pairs where backend = ? order by kind, rank", [backend]
        ).fetchall()
        shared = {
            (a, b): {
                " ".join(activity.split()).rstrip(".")
                for (activity,) in conn.execute(
                    "select w.activity from occupation_activities x join occupation_activities y on x.dwa_id = y.dwa_id "
                    "join work_activities w on w.dwa_id = x.dwa_id where x.slug = ? and y.slug = ?",
                    [a, b],
                )
            }
            for _, a, b in pairs
        }
        kinds = {
            (a, b): {
                " ".join(kind.split()).rstrip(".")
                for (kind,) in conn.execute(
                    "select wx.iwa_title from occupation_activities x join work_activities wx on wx.dwa_id = x.dwa_id "
                    "join work_activities wy on wy.iwa_id = wx.iwa_id join occupation_activities y on y.dwa_id = wy.dwa_id "
                    "where x.slug = ? and y.slug = ?",
                    [a, b],
                )
            }
            for _, a, b in pairs
        }
        own = {
            slug: {
                " ".join(a.split()).rstrip(".")
                for (a,) in conn.execute(
                    "select w.activity from occupation_activities o join work_activities w on w.dwa_id = o.dwa_id where o.slug = ?",
                    [slug],
                )
            }
            for _, a, b in pairs
            for slug in (a, b)
        }
    assert pairs
    items = re.findall(r"<li>(.*?)</li>", page[page.index('class="space-pairs"') :], re.S)
    for (kind, a, b), item in zip(pairs, items):
        said = text_of(item)
        assert titles[a] in said and titles[b] in said, (kind, a, b)
        quoted = set(re.findall(r"“([^”]+)”", said))
        assert quoted, (a, b)
        if kind == "close work, different groups":
            # What they share, and only that: activities, or where none is both's, kinds of work.
            assert quoted <= shared[(a, b)] or (not shared[(a, b)] and quoted <= kinds[(a, b)]), (a, b, quoted)
        else:
            # Each side's own activities.
            assert quoted <= own[a] | own[b], (a, b, quoted)
    # What the map shows comes before how it is made, and before any table.
    assert text.index("Close in the work, apart in BLS's groups") < text.index("Alike in name, apart in the work")
    assert text.index("Alike in name, apart in the work") < text.index("How it is made") < text.index("Recall at 5")


def test_the_method_in_plain_words_with_its_weights_and_the_held_out_recall(committed_site):
    text = text_of((committed_site / "space.html").read_text())
    backend, mix = shown_backend()
    for part, weight in json.loads(mix).items():
        assert f"{part} {weight:g}" in text
    assert "chosen on the links between occupations of one half" in text and "counted on the other half" in text
    assert "O*NET builds its related lists partly from the same tasks and work activities" in text
    with sqlite3.connect(ROOT / "data.db") as conn:
        for truth, k, recall in conn.execute(
            "select truth, k, recall from space_evaluation where backend = ? and method = 'nearest in the space'", [backend]
        ):
            row = re.search(
                rf"Against {re.escape(truth)} .*?{re.escape(backend)} \(shown\) nearest in the space ([\d.]+) ([\d.]+)", text
            )
            assert row, truth
            assert row.group(1 if k == 5 else 2) == f"{recall:.3f}"
        (links,) = conn.execute("select links from space_evaluation where backend = ? limit 1", [backend]).fetchone()
    assert f"Over {links:,} links of the held-out half" in text
