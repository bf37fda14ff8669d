"""The library every stage shares about data.db: one migration rule for every
table, whole-table writes by column name that leave the file as it was when
nothing changed, and the one SOC join."""

import hashlib
import sqlite3

import pytest
import sqlite_utils

from compare import store as compare_store
from measures import store as measures_store
from pipeline import soc
from pipeline.db import ensure_schema, named, replace_table, schema_columns
from pipeline.ranks import percentiles
from score import store as score_store
from scrape import store as scrape_store
from space import embed

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    model TEXT,
    level TEXT NOT NULL DEFAULT 'occupation',
    sample INTEGER NOT NULL DEFAULT 1,
    label TEXT
);
CREATE INDEX IF NOT EXISTS runs_model ON runs(model);
CREATE INDEX IF NOT EXISTS runs_label ON runs(label);
CREATE VIEW IF NOT EXISTS models AS SELECT DISTINCT model FROM runs;
"""
STAGES = {
    "scrape": scrape_store.SCHEMA,
    "measures": measures_store.SCHEMA,
    "score": score_store.SCHEMA,
    "space": embed.SCHEMA,
    "compare": compare_store.SCHEMA,
}


def test_an_older_table_gains_the_columns_its_schema_has_since(tmp_path):
    db = sqlite_utils.Database(tmp_path / "data.db")
    db.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, model TEXT)")
    db.execute("INSERT INTO runs VALUES (1, 'claude-haiku-5-5')")
    # runs_label is on a column the older table lacks: it is made once the column is there.
    assert ensure_schema(db, SCHEMA) == ["runs.level", "runs.sample", "runs.label"]
    assert list(db.query("select * from runs")) == [
        {"id": 1, "model": "claude-haiku-5-5", "level": "occupation", "sample": 1, "label": None}
    ]
    columns = {c.name: c for c in db["runs"].columns}
    assert columns["sample"].type == "INTEGER" and columns["level"].type == "TEXT"
    assert db["models"].exists() and {"runs_model", "runs_label"} <= {i.name for i in db["runs"].indexes}
    # Made again, nothing is added: the schema is the one description of the table.
    assert ensure_schema(db, SCHEMA) == []
    fresh = sqlite_utils.Database(memory=True)
    assert ensure_schema(fresh, SCHEMA) == []
    assert [c.name for c in fresh["runs"].columns] == [c.name for c in db["runs"].columns]


def test_a_table_is_written_only_when_its_rows_change(tmp_path):
    path = tmp_path / "data.db"
    db = sqlite_utils.Database(path)
    db.execute("CREATE TABLE t (a TEXT, b REAL)")
    assert replace_table(db, "t", [{"a": "x", "b": 1.0}, {"a": "y", "b": 2.0}]) is True
    db.conn.commit()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    assert replace_table(db, "t", [{"b": 1.0, "a": "x"}, {"b": 2.0, "a": "y"}]) is False
    db.conn.commit()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert replace_table(db, "t", [{"a": "y", "b": 2.0}]) is True
    assert [tuple(r) for r in db.execute("select * from t")] == [("y", 2.0)]
    assert replace_table(db, "t", []) is True and db["t"].count == 0


def test_a_table_the_schema_keeps_in_key_order_is_remade_so_with_its_rows(tmp_path):
    """A table an older version made with rowids is remade WITHOUT ROWID, its
    rows and index kept, other tables' references to it untouched; then the
    same rows in any order are the same table, and nothing is written."""
    path = tmp_path / "data.db"
    db = sqlite_utils.Database(path)
    db.execute("CREATE TABLE names (slug TEXT NOT NULL, title TEXT NOT NULL, PRIMARY KEY (slug, title))")
    db.execute("CREATE TABLE uses (slug TEXT, title TEXT, FOREIGN KEY (slug, title) REFERENCES names(slug, title))")
    rows = [("nurses", "RN"), ("lawyers", "Attorney"), ("nurses", "Nurse")]
    db.conn.executemany("INSERT INTO names VALUES (?, ?)", rows)
    db.conn.commit()
    schema = (
        "-- A comment before the table is no part of it.\n"
        "CREATE TABLE IF NOT EXISTS names (slug TEXT NOT NULL, title TEXT NOT NULL, kind TEXT NOT NULL DEFAULT 'alternate', "
        "PRIMARY KEY (slug, title)) WITHOUT ROWID;\n"
        "CREATE INDEX IF NOT EXISTS names_title ON names(title);"
    )
    assert ensure_schema(db, schema) == ["names.kind"]
    assert "WITHOUT ROWID" in db["names"].schema
    assert [i.name for i in db["names"].indexes if not i.name.startswith("sqlite_autoindex")] == ["names_title"]
    assert sorted(db.execute("select slug, title from names").fetchall()) == sorted(rows)
    assert "REFERENCES names(slug, title)" in db["uses"].schema and not db["names__remade"].exists()
    assert ensure_schema(db, schema) == []
    db.conn.commit()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    written = [{"slug": s, "title": t, "kind": "alternate"} for s, t in reversed(rows)]
    assert replace_table(db, "names", written) is False
    db.conn.commit()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert replace_table(db, "names", written[1:]) is True and db["names"].count == 2


def test_a_write_names_columns_the_table_has_and_the_same_on_every_row():
    db = sqlite_utils.Database(memory=True)
    db.execute("CREATE TABLE t (a TEXT, b REAL)")
    with pytest.raises(ValueError, match="t has no column c"):
        replace_table(db, "t", [{"a": "x", "c": 1}])
    with pytest.raises(ValueError, match="names the same columns"):
        replace_table(db, "t", [{"a": "x", "b": 1.0}, {"a": "y"}])
    with pytest.raises(ValueError, match="3 values for 2 columns"):
        named(["a", "b"], [("x", 1.0, "z")])
    assert db["t"].count == 0


def older(schema, table, missing, types):
    """A database where ``table`` was made by an older version, without the
    column ``missing`` (and without constraints), then brought up to date."""
    db = sqlite_utils.Database(memory=True)
    kept = [c for c in schema_columns(schema)[table] if c != missing]
    db.execute(f"CREATE TABLE [{table}] ({', '.join(f'[{c}] {types[c]}' for c in kept)})")
    assert f"{table}.{missing}" in ensure_schema(db, schema)
    return db


def a_value(kind, i):
    """A value of a column's type, different for every column."""
    return {"INTEGER": i + 1, "REAL": i + 0.5, "BLOB": bytes([i])}.get(kind, f"value {i}")


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_schema_gives_the_same_columns_fresh_and_migrated(stage):
    """For every table of every stage, a column added since by the migration
    (which appends it) receives the value written for it, as in a fresh
    data.db: writes go by column name, never by place."""
    schema = STAGES[stage]
    fresh = sqlite_utils.Database(memory=True)
    ensure_schema(fresh, schema)
    fresh.execute("PRAGMA foreign_keys = OFF")
    for table, columns in schema_columns(schema).items():
        types = {c.name: c.type for c in fresh[table].columns}
        row = {c: a_value(types[c], i) for i, c in enumerate(columns)}
        for missing in columns[:-1]:  # the last column is appended in its own place anyway
            db = older(schema, table, missing, types)
            assert sorted(c.name for c in db[table].columns) == sorted(columns), table
            db.execute("PRAGMA foreign_keys = OFF")
            assert replace_table(db, table, [row])
            replace_table(fresh, table, [row])
            select = f"select {', '.join(f'[{c}]' for c in columns)} from [{table}]"
            assert db.execute(select).fetchall() == fresh.execute(select).fetchall() == [tuple(row.values())], (table, missing)


def test_named_rows_follow_the_schema_order():
    columns = schema_columns(SCHEMA)
    assert columns == {"runs": ["id", "model", "level", "sample", "label"]}
    assert named(columns["runs"], [(1, "m", "task", 2, None)]) == [
        {"id": 1, "model": "m", "level": "task", "sample": 2, "label": None}
    ]


def test_percentiles_share_ties_and_span_0_to_100():
    assert percentiles({"a": 1, "b": 2, "c": 2, "d": 5}) == {"a": 0.0, "b": 50.0, "c": 50.0, "d": 100.0}
    assert percentiles({"only": 3}) == {"only": 50.0}
    assert percentiles({}) == {}


# The one SOC join -----------------------------------------------------------------


def page(*rows, total=None):
    return soc.Page(tuple(rows), total)


def test_the_most_detailed_reached_codes_count_and_a_broad_code_stands_in_for_unreached_ones():
    values = {"17-3010": (0.9, False), "17-3011": (0.2, False), "15-1252": (0.6, False)}
    # A broad row and its detailed rows: the detailed one the source has counts, not the broad one too.
    broad = page(("17-3010", 0, 100), ("17-3011", 1, 60), ("17-3012", 1, 40), total=100)
    assert [p.code for p in soc.parts(broad, values, {})] == ["17-3011"]
    assert soc.reach(broad, values, {}).value == pytest.approx(0.2)
    # None of its detailed rows reached: the broad code the source has stands in for them.
    values.pop("17-3011")
    found = soc.reach(broad, values, {})
    assert (found.value, found.codes, found.join, found.share) == (0.9, ("17-3010",), "detailed", 1.0)
    # Weighted by employment; unknown employment: every part counts the same, and no share.
    two = page((None, 0, 300), ("15-1252", 1, 200), ("17-3010", 1, 100), total=300)
    assert soc.reach(two, values, {}).value == pytest.approx((0.6 * 200 + 0.9 * 100) / 300)
    unknown = page(("15-1252", 0, None), ("17-3010", 0, 100))
    assert soc.reach(unknown, values, {}).value == pytest.approx(0.75) and soc.reach(unknown, values, {}).share is None
    assert soc.reach(page(("99-9999", 0, 5)), values, {}) is None


def test_score_import_and_the_measures_join_agree_at_the_edges(tmp_path):
    """score import's by_soc is the measures join, rounded as scores are."""
    from score.importer import by_soc

    db = sqlite_utils.Database(tmp_path / "data.db")
    db.executescript(scrape_store.SCHEMA)
    rows = {
        "drafters": [("17-3010", 0, 100), ("17-3011", 1, 60), ("17-3012", 1, 40)],  # only the broad code scored
        "developers": [(None, 0, 300), ("15-1252", 1, 200), ("15-1253", 1, 100)],
        "unknown-jobs": [("11-1011", 0, None)],  # employment unknown: still reached
        "aides": [("31-1120", 0, 10)],  # a broad code scored through its detailed code
    }
    for slug, page_rows in rows.items():
        db["occupations"].insert({"slug": slug, "title": slug, "category": "t", "url": f"https://www.bls.gov/{slug}"})
        for i, (code, level, jobs) in enumerate(page_rows):
            db["projections"].insert(
                {"slug": slug, "row": i, "soc_code": code, "title": "t", "level": level, "employment_base": jobs}
            )
    scores = {"17-3010": (4, None), "15-1252": (8, None), "15-1253": (5, None), "11-1011": (3, None), "31-1122": (6, None)}
    got = by_soc(db, scores)
    values = {code: (float(v), False) for code, (v, _) in scores.items()}
    expected = {slug: (round(r.value, 2), None) for slug, p in soc.pages(db).items() if (r := soc.reach(p, values, {}))}
    assert got == expected
    assert got == {"drafters": (4.0, None), "developers": (7.0, None), "unknown-jobs": (3.0, None), "aides": (6.0, None)}


def test_an_index_on_a_column_an_older_table_lacks_is_made_after_it(tmp_path):
    db = sqlite3.connect(tmp_path / "x.db")
    db.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, model TEXT)")
    db.commit()
    assert ensure_schema(sqlite_utils.Database(db), SCHEMA)[-1] == "runs.label"
