"""--offline reparses the cache as a batch: pages parsed in parallel where
more than one CPU is free, written in one transaction with the full-text
index rebuilt once, and the rows the same as a page at a time."""

import sqlite3
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from conftest import scrape_over_loopback

from scrape import crawl, store
from scrape.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def cached(tmp_path):
    """The fixture pages scraped once over loopback, a page at a time: the cache and the database."""
    result = scrape_over_loopback(FIXTURES / "ooh", tmp_path / "online.db", tmp_path / "cache")
    assert result.exit_code == 0, result.output
    return tmp_path


def rows(path):
    """Every table but the full-text index's own, row by row, and what a search finds."""
    db = sqlite_utils.Database(path)
    tables = {
        t: [tuple(r) for r in db.execute(f"select * from [{t}] order by rowid")]
        for t in db.table_names()
        if not t.startswith("occupations_fts")
    }
    tables["search"] = [
        tuple(r) for r in db.execute("select rowid from occupations_fts where occupations_fts match 'nurse OR actor'")
    ]
    return tables


def test_offline_reparse_is_one_transaction_with_the_same_rows(cached, monkeypatch):
    monkeypatch.setattr(crawl, "PAGES_PER_WORKER", 2)  # seven pages: parse them in two processes all the same
    monkeypatch.setattr(crawl, "workers", lambda: 2)
    statements: list[str] = []
    opened = store.open_db

    def traced(path):
        db = opened(path)
        db.conn.set_trace_callback(statements.append)
        return db

    monkeypatch.setattr(store, "open_db", traced)
    result = CliRunner().invoke(
        main, ["--db", str(cached / "offline.db"), "--cache", str(cached / "cache"), "--offline", "--refresh"]
    )
    assert result.exit_code == 0, result.output
    assert "7 pages: 0 fetched, 7 unchanged, 0 rejected, 0 failed; 7 parsed" in result.output
    page_writes = [s for s in statements if s.startswith("insert into [occupations]")]
    # Every page is written before the index is merged and the file compacted (store.compact).
    written = statements[: statements.index("INSERT INTO occupations_fts (occupations_fts) VALUES ('optimize')")]
    commits = [s for s in written if s.strip().upper() == "COMMIT"]
    assert len(page_writes) == 7 and len(commits) <= 2, commits  # the index (aliases) and then every page at once
    # No trigger keeps the index row by row: it is rebuilt once.
    assert any("'rebuild'" in s for s in statements) and not any(s.startswith("-- TRIGGER") for s in statements)
    assert rows(cached / "offline.db") == rows(cached / "online.db")
    with sqlite3.connect(cached / "offline.db") as conn:
        conn.execute("insert into occupations_fts (occupations_fts) values ('integrity-check')")
        # The rebuilt index is merged into one segment (a few pages make one anyway; the OOH's 342 made many,
        # so the merge is asked for): merging it again finds nothing to shrink.
        assert [s for s in statements if "'optimize'" in s or "'rebuild'" in s][-1:] == [
            "INSERT INTO occupations_fts (occupations_fts) VALUES ('optimize')"
        ]
        size = "select sum(length(block)) from occupations_fts_data"
        (before,) = conn.execute(size).fetchone()
        conn.execute("insert into occupations_fts (occupations_fts) values ('optimize')")
        assert conn.execute(size).fetchone()[0] == before
        names = {r[0] for r in conn.execute("select name from sqlite_master where type = 'trigger'")}
    assert {"occupations_ai", "occupations_ad", "occupations_au"} <= names  # the triggers are back for later writes


def test_a_page_rejected_in_the_batch_is_rejected_alone(cached):
    page = next((cached / "cache" / "ooh").rglob("actors.htm"))
    page.write_text(page.read_text().replace('id="tab-2"', 'id="tab-x"'))
    result = CliRunner().invoke(
        main, ["--db", str(cached / "online.db"), "--cache", str(cached / "cache"), "--offline", "--refresh"]
    )
    assert "6 parsed" in result.output and "rejected /ooh/entertainment-and-sports/actors.htm" in result.output
    db = sqlite_utils.Database(cached / "online.db")
    assert db["occupations"].get("actors")["what_they_do"]  # the stored page is kept
