"""The scraper's tables in ``data.db``: schema and idempotent writes.

Every write is an upsert or a replace-by-key inside one transaction per page,
so running the scraper twice gives the same database and an interrupted run
leaves every page either fully written or untouched.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlite_utils

from pipeline.db import connect, ensure_schema

SCHEMA = """
CREATE TABLE IF NOT EXISTS occupations (
    slug TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    category_name TEXT,
    url TEXT NOT NULL,
    median_pay_annual INTEGER,
    median_pay_hourly REAL,
    pay_note TEXT,
    entry_education TEXT,
    work_experience TEXT,
    training TEXT,
    jobs INTEGER,
    projected_jobs INTEGER,
    outlook_pct INTEGER,
    outlook_desc TEXT,
    employment_change INTEGER,
    page_date TEXT,
    summary TEXT,
    what_they_do TEXT,
    work_environment TEXT,
    how_to_become_one TEXT,
    aliases TEXT,
    pay_period TEXT,
    pay_top_coded INTEGER,
    pay_missing TEXT,
    openings INTEGER,
    pay_p10_annual INTEGER,
    pay_p90_annual INTEGER,
    pay_p10_hourly REAL,
    pay_p90_hourly REAL,
    pay_p90_top_coded INTEGER
);
CREATE TABLE IF NOT EXISTS projections (
    slug TEXT NOT NULL REFERENCES occupations(slug),
    row INTEGER NOT NULL,
    soc_code TEXT,
    title TEXT NOT NULL,
    level INTEGER NOT NULL,
    employment_base INTEGER,
    employment_projected INTEGER,
    change_pct INTEGER,
    change_numeric INTEGER,
    PRIMARY KEY (slug, row)
);
CREATE TABLE IF NOT EXISTS similar_occupations (
    slug TEXT NOT NULL REFERENCES occupations(slug),
    similar_slug TEXT NOT NULL,
    PRIMARY KEY (slug, similar_slug)
);
CREATE TABLE IF NOT EXISTS aliases (
    alias TEXT NOT NULL,
    slug TEXT NOT NULL REFERENCES occupations(slug),
    PRIMARY KEY (alias, slug)
);
CREATE TABLE IF NOT EXISTS employers (
    slug TEXT NOT NULL REFERENCES occupations(slug),
    row INTEGER NOT NULL,
    occupation TEXT,
    industry TEXT NOT NULL,
    share_pct INTEGER,
    PRIMARY KEY (slug, row)
);
CREATE TABLE IF NOT EXISTS industry_pay (
    slug TEXT NOT NULL REFERENCES occupations(slug),
    row INTEGER NOT NULL,
    occupation TEXT,
    industry TEXT NOT NULL,
    period TEXT NOT NULL,
    median_pay REAL,
    top_coded INTEGER NOT NULL,
    PRIMARY KEY (slug, row)
);
CREATE TABLE IF NOT EXISTS pay_ranges (
    slug TEXT NOT NULL REFERENCES occupations(slug),
    row INTEGER NOT NULL,
    occupation TEXT,
    period TEXT NOT NULL,
    p10 REAL,
    p90 REAL,
    as_of TEXT,
    p90_top_coded INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (slug, row)
);
CREATE TABLE IF NOT EXISTS text_links (
    slug TEXT NOT NULL REFERENCES occupations(slug),
    section TEXT NOT NULL,
    target_slug TEXT NOT NULL,
    text TEXT,
    PRIMARY KEY (slug, section, target_slug)
);
CREATE TABLE IF NOT EXISTS edition (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    base_year INTEGER NOT NULL,
    projection_year INTEGER NOT NULL,
    source TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pages (
    slug TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    parser_version INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS projections_soc_code ON projections(soc_code);
CREATE INDEX IF NOT EXISTS similar_occupations_similar_slug ON similar_occupations(similar_slug);
CREATE INDEX IF NOT EXISTS aliases_slug ON aliases(slug);
CREATE INDEX IF NOT EXISTS text_links_target_slug ON text_links(target_slug);
"""

# Tables that hang off one page: replaced whole each time the page is parsed.
PAGE_TABLES = {"projections": "projections", "employers": "employers", "industry_pay": "industry_pay", "pay_ranges": "pay_ranges"}

SOURCE = "U.S. Bureau of Labor Statistics, Occupational Outlook Handbook"


class EditionMismatch(ValueError):
    pass


# Searched with Porter stemming, so "nurse" finds "Registered Nurses" and
# "programmer" finds the alias "Computer Programmer" and the software
# developers, whose duties mention programmers.
FTS_COLUMNS = ["title", "aliases", "summary", "what_they_do"]


def open_db(path: str | Path) -> sqlite_utils.Database:
    # Waits for a lock as every stage does (pipeline.db.connect), not SQLite's default 5 s.
    db = sqlite_utils.Database(connect(path))
    ensure_schema(db, SCHEMA)
    fts = db["occupations_fts"]
    if not fts.exists() or [c for c in fts.columns_dict if c != "rank"] != FTS_COLUMNS:
        db.table("occupations").enable_fts(FTS_COLUMNS, tokenize="porter", create_triggers=True, replace=True)
    return db


@contextlib.contextmanager
def bulk(db: sqlite_utils.Database) -> Iterator[None]:
    """Many pages written as one transaction, with the full-text index
    rebuilt once at the end rather than by its triggers row by row: the same
    rows and the same index, for a fraction of the time. Each page is still
    written whole or not at all (save_page's own block becomes a savepoint)."""
    triggers = [
        (name, sql)
        for name, sql in db.execute(
            "select name, sql from sqlite_master where type = 'trigger' and tbl_name = 'occupations' and name like 'occupations_a_'"
        )
    ]
    with db.atomic():
        for name, _ in triggers:
            db.execute(f"DROP TRIGGER [{name}]")
        yield
        if triggers:
            db.execute("INSERT INTO occupations_fts (occupations_fts) VALUES ('rebuild')")
        for _, sql in triggers:
            db.execute(sql)


def compact(db: sqlite_utils.Database) -> None:
    """After pages are written: the full-text index merged into one segment
    (written page by page or rebuilt, the OOH's index takes 2.3 MB of
    data.db in many segments, 0.7 MB in one) and the free pages dropped, so
    the committed file stays small."""
    db.execute("INSERT INTO occupations_fts (occupations_fts) VALUES ('optimize')")
    db.vacuum()


def page_is_current(db: sqlite_utils.Database, slug: str, sha: str, parser_version: int) -> bool:
    """True when this exact page was already parsed by this parser version."""
    row = db.execute("select sha256, parser_version from pages where slug = ?", [slug]).fetchone()
    return row == (sha, parser_version)


def save_index(db: sqlite_utils.Database, aliases: list[tuple[str, str]]) -> None:
    """Replace the alias list with the index's, and refresh each occupation's
    ``aliases`` column (the derived text that full-text search reads)."""
    stored = [tuple(r) for r in db.execute("select alias, slug from aliases order by alias, slug")]
    if stored == sorted(aliases):
        return  # unchanged: write nothing, so an unchanged scrape leaves data.db byte for byte as it was
    by_slug: dict[str, list[str]] = {}
    for alias, slug in aliases:
        by_slug.setdefault(slug, []).append(alias)
    with db.atomic():
        db.execute("delete from aliases")
        db.conn.executemany("insert into aliases (alias, slug) values (?, ?)", aliases)
        for slug, names in by_slug.items():
            db.execute(
                "update occupations set aliases = ? where slug = ? and aliases is not ?",
                ["\n".join(sorted(names)), slug, "\n".join(sorted(names))],
            )


class WouldLoseData(ValueError):
    """A page or index that says less than what data.db already holds from it."""


# An index that drops more than this share of the stored occupations or
# aliases is a broken or partial index, not a new edition.
INDEX_SHRINK_LIMIT = 0.1


def check_index(db: sqlite_utils.Database, occupations: Sequence[Mapping[str, str]], aliases: Sequence[tuple[str, str]]) -> None:
    """Raise WouldLoseData if this A-Z index would drop much of what is stored."""
    stored = {r[0] for r in db.execute("select slug from pages")}
    stored_aliases = db.execute("select count(*) from aliases").fetchone()[0]
    missing = stored - {o["slug"] for o in occupations}
    if len(missing) > INDEX_SHRINK_LIMIT * len(stored):
        raise WouldLoseData(
            f"the A-Z index lists {len(occupations)} occupations but data.db holds {len(stored)}, "
            f"{len(missing)} of them not in the index; kept the stored index (scrape into a new --db if the OOH really shrank)"
        )
    if len(aliases) < (1 - INDEX_SHRINK_LIMIT) * stored_aliases:
        raise WouldLoseData(
            f"the A-Z index has {len(aliases)} aliases where data.db holds {stored_aliases}; kept the stored index"
        )


def check_page(db: sqlite_utils.Database, parsed: Mapping[str, Any]) -> None:
    """Raise WouldLoseData if a field data.db has for this occupation would
    become empty, or its projections or similar occupations would vanish."""
    slug = parsed["occupation"]["slug"]
    row = db.execute("select * from occupations where slug = ?", [slug]).fetchone()
    if row is None:
        return
    stored = dict(zip([d[0] for d in db.execute("select * from occupations limit 0").description], row))
    lost = [name for name, value in parsed["occupation"].items() if value is None and stored.get(name) is not None]
    for table, key in (("projections", "projections"), ("similar_occupations", "similar")):
        if not parsed[key] and db.execute(f"select 1 from {table} where slug = ? limit 1", [slug]).fetchone():
            lost.append(table)
    if lost:
        raise WouldLoseData(f"the page no longer gives {', '.join(lost)}, which data.db has; kept the stored page")


def aliases_for(db: sqlite_utils.Database, slug: str) -> str | None:
    names = [r[0] for r in db.execute("select alias from aliases where slug = ? order by alias", [slug])]
    return "\n".join(names) or None


def save_page(db: sqlite_utils.Database, parsed: Mapping[str, Any], *, sha: str, size: int, parser_version: int) -> None:
    """Write one parsed page and everything that hangs off it, atomically."""
    occupation = dict(parsed["occupation"])
    slug = occupation["slug"]
    occupation["aliases"] = aliases_for(db, slug)
    years = parsed["years"]
    with db.atomic():
        if years:
            edition = db.execute("select base_year, projection_year from edition").fetchone()
            got = (years["base_year"], years["projection_year"])
            if edition is None:
                db.table("edition").insert({"id": 1, **years, "source": SOURCE})
            elif edition != got:
                raise EditionMismatch(
                    f"{slug}: page is for {got[0]}-{got[1]} but data.db holds the {edition[0]}-{edition[1]} edition; "
                    "scrape into a new --db for a new edition"
                )
        upsert(db, "occupations", occupation)
        children = {table: parsed.get(key, []) for table, key in PAGE_TABLES.items()}
        children["text_links"] = parsed.get("text_links", [])
        children["similar_occupations"] = [{"similar_slug": other} for other in parsed["similar"]]
        for table, records in children.items():
            replace_rows(db, table, slug, records)
        upsert(
            db, "pages", {"slug": slug, "url": occupation["url"], "sha256": sha, "bytes": size, "parser_version": parser_version}
        )


def upsert(db: sqlite_utils.Database, table: str, record: Mapping[str, Any]) -> None:
    """Insert or update one row by its slug (plain SQL, as replace_rows)."""
    names = ", ".join(f"[{c}]" for c in record)
    updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in record if c != "slug")
    db.execute(
        f"insert into [{table}] ({names}) values ({', '.join('?' for _ in record)}) on conflict(slug) do update set {updates}",
        list(record.values()),
    )


def replace_rows(db: sqlite_utils.Database, table: str, slug: str, records: Sequence[Mapping[str, Any]]) -> None:
    """A page's rows in one of the tables that hang off it, replaced whole.
    Plain executemany: sqlite-utils' insert_all looks the table up on every
    call, which was a fifth of a full parse."""
    db.execute(f"delete from [{table}] where slug = ?", [slug])
    if records:
        columns = ["slug", *records[0]]
        marks = ", ".join("?" for _ in columns)
        names = ", ".join(f"[{c}]" for c in columns)
        db.conn.executemany(f"insert into [{table}] ({names}) values ({marks})", [[slug, *r.values()] for r in records])
