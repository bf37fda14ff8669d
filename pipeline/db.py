"""data.db as every stage opens it: one migration rule for every table, and
whole-table writes that leave the file untouched when nothing changed."""

from __future__ import annotations

import os
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

# How long a statement waits for another connection's lock before SQLite says
# "database is locked". A writer waits for readers to finish their read (a
# build reads for a few seconds) and a reader for a writer's commit; 5 s,
# Python's default, is shorter than a build's read, and a scorer that gives
# up loses a reply it has paid for.
BUSY_TIMEOUT = 60.0


def connect(path: str | Path, *, write: bool = True) -> sqlite3.Connection:
    """A connection to ``path`` with BUSY_TIMEOUT; ``write=False`` opens it
    read-only."""
    if write:
        return sqlite3.connect(str(path), timeout=BUSY_TIMEOUT)
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT)


def now() -> str:
    """The time a stage records, in UTC to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def ensure_schema(db: sqlite_utils.Database, schema: str) -> list[str]:
    """Make every table, index and view of ``schema`` (a script of ``CREATE
    ... IF NOT EXISTS`` statements) exist in ``db``, and add to a table made
    by an older version any column the schema has and it lacks. The schema is
    the one description of a stage's tables: a column is added to it, never
    to a list of migrations beside it. Returns the columns added
    (``table.column``). The columns are added before the indexes and views
    are made, which may name them. A table the schema now keeps in its key's
    order (WITHOUT ROWID) is made anew that way, its rows copied."""
    db.executescript(_tables_only(schema))
    # SQLite reads the schema for us: each column's type, NOT NULL and default.
    model = sqlite3.connect(":memory:")
    try:
        model.executescript(_tables_only(schema))
        tables = [r[0] for r in model.execute("select name from sqlite_master where type = 'table'")]
        added = []
        for table in tables:
            if without_rowid(model, table) and not without_rowid(db.conn, table):
                added += [f"{table}.{c}" for c in _remake(db, model, table)]
            have = {r[1] for r in db.execute(f"PRAGMA table_info([{table}])")}
            for _, name, kind, not_null, default, _ in model.execute(f"PRAGMA table_info([{table}])"):
                if name in have:
                    continue
                definition = f"[{name}] {kind}"
                if default is not None:
                    definition += f" DEFAULT {default}"
                if not_null and default is not None:
                    definition += " NOT NULL"
                db.execute(f"ALTER TABLE [{table}] ADD COLUMN {definition}")
                added.append(f"{table}.{name}")
    finally:
        model.close()
    db.executescript(schema)
    return added


def without_rowid(conn: sqlite3.Connection, table: str) -> bool:
    """Whether ``table`` is kept in its primary key's order, with no rowid."""
    row = conn.execute("select sql from sqlite_master where type = 'table' and name = ?", [table]).fetchone()
    return bool(row and re.search(r"\)\s*WITHOUT\s+ROWID\s*$", row[0], re.IGNORECASE))


def _remake(db: sqlite_utils.Database, model: sqlite3.Connection, table: str) -> list[str]:
    """``table`` made anew as ``model`` has it, its rows and the columns both
    have copied, in one transaction (SQLite's own recipe: make the new table,
    copy, drop the old, rename; no other table's reference to it changes).
    Its indexes are made again by the schema's script. Returns the columns
    the old table lacked."""
    (sql,) = model.execute("select sql from sqlite_master where type = 'table' and name = ?", [table]).fetchone()
    temporary = f"{table}__remade"
    create = re.sub(
        r"^CREATE TABLE\s+(IF NOT EXISTS\s+)?(\[[^\]]*\]|\"[^\"]*\"|\S+)", f"CREATE TABLE [{temporary}]", sql, flags=re.I
    )
    have = {r[1] for r in db.execute(f"PRAGMA table_info([{table}])")}
    wanted = [r[1] for r in model.execute(f"PRAGMA table_info([{table}])")]
    columns = ", ".join(f"[{c}]" for c in wanted if c in have)
    with db.atomic():
        db.execute(f"DROP TABLE IF EXISTS [{temporary}]")
        db.execute(create)
        db.execute(f"INSERT INTO [{temporary}] ({columns}) SELECT {columns} FROM [{table}]")
        db.execute(f"DROP TABLE [{table}]")
        db.execute(f"ALTER TABLE [{temporary}] RENAME TO [{table}]")
    return [c for c in wanted if c not in have]


def _tables_only(schema: str) -> str:
    """The CREATE TABLE statements of ``schema``, without what refers to
    tables of other stages (views, indexes, foreign keys are kept: SQLite
    does not check them when a table is made). A comment line before a
    statement is not part of it: a table after one is a table all the same."""
    lines = "\n".join(line for line in schema.splitlines() if not line.lstrip().startswith("--"))
    statements = [s.strip() for s in lines.split(";") if s.strip()]
    return ";\n".join(s for s in statements if s.upper().startswith("CREATE TABLE")) + ";"


# A row as every stage writes it: column name to value. Never a tuple whose
# places stand for columns: a table made by an older version gains its new
# columns at the end (ensure_schema), so places differ between databases.
Row = Mapping[str, Any]


def schema_columns(schema: str) -> dict[str, list[str]]:
    """{table: its columns, in the order ``schema`` declares them}: for a
    stage whose row builders list values in that order, to name them."""
    model = sqlite3.connect(":memory:")
    try:
        model.executescript(_tables_only(schema))
        tables = [r[0] for r in model.execute("select name from sqlite_master where type = 'table'")]
        return {table: [r[1] for r in model.execute(f"PRAGMA table_info([{table}])")] for table in tables}
    finally:
        model.close()


def named(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    """``rows`` of values in the order of ``columns``, as mappings."""
    out = []
    for row in rows:
        if len(row) != len(columns):
            raise ValueError(f"a row of {len(row)} values for {len(columns)} columns ({', '.join(columns)})")
        out.append(dict(zip(columns, row)))
    return out


def replace_table(db: sqlite_utils.Database, table: str, rows: Iterable[Row]) -> bool:
    """Make ``table`` hold exactly ``rows`` (in order), each a mapping of
    column to value, written by column name; write nothing when it already
    does, so a rerun that changes nothing leaves data.db byte for byte (a
    WITHOUT ROWID table holds its rows in its key's order, so there the
    order ``rows`` come in does not count).
    Every row names the same columns; a column no row names is left at its
    default and not compared. Returns True when it wrote."""
    found = list(rows)
    have = [r[1] for r in db.execute(f"PRAGMA table_info([{table}])")]
    if not have:
        raise ValueError(f"data.db has no table {table}")
    columns = list(found[0]) if found else have
    unknown = [c for c in columns if c not in have]
    if unknown:
        raise ValueError(f"{table} has no column {unknown[0]}")
    wanted = set(columns)
    values = []
    for row in found:
        if set(row) != wanted:
            raise ValueError(f"every row written to {table} names the same columns ({', '.join(columns)})")
        values.append(tuple(row[c] for c in columns))
    names = ", ".join(f"[{c}]" for c in columns)
    if without_rowid(db.conn, table):
        # Kept in its key's order, whatever order the rows come in: the same rows are the same table.
        if Counter(tuple(r) for r in db.execute(f"select {names} from [{table}]")) == Counter(values):
            return False
    elif [tuple(r) for r in db.execute(f"select {names} from [{table}] order by rowid")] == values:
        return False
    db.execute(f"delete from [{table}]")
    if values:
        db.conn.executemany(f"insert into [{table}] ({names}) values ({', '.join('?' * len(columns))})", values)
    return True


class NotReady(RuntimeError):
    """data.db is missing, is not a database, or lacks the scraper's tables."""


def open_db(path: str | Path, *, write: bool = True) -> sqlite_utils.Database:
    """data.db as a stage after the scraper opens it, checked; ``write=False``
    opens it read-only (a database on a read-only mount, or a copy not to
    touch)."""
    if not os.path.exists(path):
        raise NotReady(f"{path} does not exist: run python -m scrape first")
    db = sqlite_utils.Database(connect(path, write=write))
    try:
        if not db["occupations"].exists():
            raise NotReady(f"{path} has no occupations table: run python -m scrape first")
    except sqlite3.Error as exc:
        raise NotReady(f"{path} cannot be used: {exc}") from None
    return db
