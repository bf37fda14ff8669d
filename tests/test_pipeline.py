"""The library every stage shares about data.db: one migration rule for every
table, and whole-table writes that leave the file as it was when nothing changed."""

import hashlib

import sqlite_utils

from pipeline.db import ensure_schema, replace_table
from pipeline.ranks import percentiles

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    model TEXT,
    level TEXT NOT NULL DEFAULT 'occupation',
    sample INTEGER NOT NULL DEFAULT 1,
    label TEXT
);
CREATE INDEX IF NOT EXISTS runs_model ON runs(model);
CREATE VIEW IF NOT EXISTS models AS SELECT DISTINCT model FROM runs;
"""


def test_an_older_table_gains_the_columns_its_schema_has_since(tmp_path):
    db = sqlite_utils.Database(tmp_path / "data.db")
    db.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, model TEXT)")
    db.execute("INSERT INTO runs VALUES (1, 'claude-haiku-5-5')")
    assert ensure_schema(db, SCHEMA) == ["runs.level", "runs.sample", "runs.label"]
    assert list(db.query("select * from runs")) == [
        {"id": 1, "model": "claude-haiku-5-5", "level": "occupation", "sample": 1, "label": None}
    ]
    columns = {c.name: c for c in db["runs"].columns}
    assert columns["sample"].type == "INTEGER" and columns["level"].type == "TEXT"
    assert db["models"].exists() and "runs_model" in {i.name for i in db["runs"].indexes}
    # Made again, nothing is added: the schema is the one description of the table.
    assert ensure_schema(db, SCHEMA) == []
    fresh = sqlite_utils.Database(memory=True)
    assert ensure_schema(fresh, SCHEMA) == []
    assert [c.name for c in fresh["runs"].columns] == [c.name for c in db["runs"].columns]


def test_a_table_is_written_only_when_its_rows_change(tmp_path):
    path = tmp_path / "data.db"
    db = sqlite_utils.Database(path)
    db.execute("CREATE TABLE t (a TEXT, b REAL)")
    assert replace_table(db, "t", [("x", 1.0), ("y", 2.0)]) is True
    db.conn.commit()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    assert replace_table(db, "t", [["x", 1.0], ["y", 2.0]]) is False
    db.conn.commit()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert replace_table(db, "t", [("y", 2.0)]) is True
    assert [tuple(r) for r in db.execute("select * from t")] == [("y", 2.0)]
    assert replace_table(db, "t", []) is True and db["t"].count == 0


def test_percentiles_share_ties_and_span_0_to_100():
    assert percentiles({"a": 1, "b": 2, "c": 2, "d": 5}) == {"a": 0.0, "b": 50.0, "c": 50.0, "d": 100.0}
    assert percentiles({"only": 3}) == {"only": 50.0}
    assert percentiles({}) == {}
