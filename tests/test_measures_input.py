"""python -m measures refuses, with one line and before it writes anything,
every input that is not what it should be: a file shorter than the one
loaded before (the manifest), one that is not a regular file or not text,
definitions with numbers no measure can have, a measure named like a
criterion, and crosswalk or O*NET files with wrong headers, short rows or
task ids that are not whole numbers. Files are read as streams."""

import hashlib
import os
import shutil
import tracemalloc
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from databases import pages_only

from measures import load
from measures.cli import cli

REFERENCE = Path(__file__).resolve().parent / "fixtures" / "reference"
PAGES = {
    "executives": [("11-1011", 0, 100)],
    "developers": [(None, 0, 300), ("15-1252", 1, 200), ("15-1253", 1, 100)],
    "drafters": [("17-3010", 0, 50)],
    "assistants": [("25-9045", 0, 80)],
}


def make_db(path):
    return pages_only(path, PAGES)


@pytest.fixture
def setup(tmp_path):
    """(reference folder copy, definitions copy, loaded database path)."""
    reference = tmp_path / "reference"
    shutil.copytree(REFERENCE, reference)
    definitions = tmp_path / "measures.toml"
    shutil.copy(REFERENCE / "measures.toml", definitions)
    db = make_db(tmp_path / "data.db")
    load.run(db, reference, definitions)
    db.conn.close()
    return reference, definitions, tmp_path / "data.db"


def measures(reference, definitions, db_path):
    return CliRunner().invoke(cli, ["--reference", str(reference), "--definitions", str(definitions), "--db", str(db_path)])


def digest(db_path):
    return hashlib.sha256(Path(db_path).read_bytes()).hexdigest()


def refused(result, message):
    assert result.exit_code == 1, result.output
    assert message in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output, result.output


def cut(path, keep_lines):
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:keep_lines]))


def test_the_manifest_records_every_file_read(setup):
    reference, definitions, db_path = setup
    files = {r["file"]: r for r in sqlite_utils.Database(db_path).query("select * from measure_files")}
    task_file = reference / "onet-29.1" / "task_statements.txt"
    row = files["onet-29.1/task_statements.txt"]
    assert row["sha256"] == hashlib.sha256(task_file.read_bytes()).hexdigest()
    assert row["bytes"] == task_file.stat().st_size and row["rows"] == 9 and row["ends_with_newline"] == 1
    assert {"measures/soc2018.csv", "crosswalks/onet_soc_2010_to_2019.csv", "gpts-are-gpts/full_labelset.tsv"} <= set(files)


def test_a_truncated_measure_file_is_refused(setup):
    reference, definitions, db_path = setup
    before = digest(db_path)
    cut(reference / "measures" / "soc2018.csv", 5)
    refused(
        measures(reference, definitions, db_path), "measures/soc2018.csv has 4 distinct keys where the file loaded before had 13"
    )
    assert digest(db_path) == before


def test_a_truncated_task_file_is_refused_and_no_task_is_dropped(setup):
    reference, definitions, db_path = setup
    before = digest(db_path)
    cut(reference / "onet-29.1" / "task_statements.txt", 4)
    refused(
        measures(reference, definitions, db_path),
        "onet-29.1/task_statements.txt has 3 distinct keys where the file loaded before had 9",
    )
    assert digest(db_path) == before


def test_a_file_padded_back_with_repeats_of_its_rows_is_refused(setup):
    """Half a file, padded to its old row count with repeats of its own
    rows: as many rows as before, fewer codes. Loaded only when told."""
    reference, definitions, db_path = setup
    before = digest(db_path)
    path = reference / "measures" / "soc2018.csv"
    header, *rows = path.read_bytes().splitlines(keepends=True)
    half = rows[: len(rows) // 2]
    path.write_bytes(header + b"".join((half * 3)[: len(rows)]))
    refused(
        measures(reference, definitions, db_path),
        f"measures/soc2018.csv has {len(half)} distinct keys where the file loaded before had {len(rows)}",
    )
    assert digest(db_path) == before
    result = CliRunner().invoke(
        cli, ["--reference", str(reference), "--definitions", str(definitions), "--db", str(db_path), "--accept-shorter"]
    )
    assert result.exit_code == 0, result.output
    assert sqlite_utils.Database(db_path)["measure_files"].get("measures/soc2018.csv")["keys"] == len(half)


def test_accept_shorter_never_loads_a_file_cut_inside_a_value(setup):
    """A value cut short on the last line (0.0595 read as 0.0, as when a
    download breaks off): refused even with --accept-shorter, which is for
    files with fewer codes, not for cut ones."""
    reference, definitions, db_path = setup
    before = digest(db_path)
    path = reference / "measures" / "soc2018.csv"
    path.write_bytes(path.read_bytes().rstrip(b"\n")[:-1])  # 0.1 -> 0. on the last line, and no newline
    result = CliRunner().invoke(
        cli, ["--reference", str(reference), "--definitions", str(definitions), "--db", str(db_path), "--accept-shorter"]
    )
    refused(result, "measures/soc2018.csv ends mid-line")
    assert digest(db_path) == before


def test_a_value_cut_mid_number_on_the_last_line_is_refused(setup):
    reference, definitions, db_path = setup
    before = digest(db_path)
    path = reference / "measures" / "soc2018.csv"
    path.write_bytes(path.read_bytes().rstrip(b"\n")[:-1])  # 0.1 -> 0. on the last line, and no newline
    refused(measures(reference, definitions, db_path), "measures/soc2018.csv ends mid-line")
    assert digest(db_path) == before


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_a_symlink_to_dev_zero_is_refused(setup):
    reference, definitions, db_path = setup
    before = digest(db_path)
    path = reference / "measures" / "soc2018.csv"
    path.unlink()
    path.symlink_to("/dev/zero")
    refused(measures(reference, definitions, db_path), "measures/soc2018.csv is not a regular file")
    assert digest(db_path) == before


def test_200_mb_of_nul_bytes_and_a_small_nul_file_are_refused(setup):
    reference, definitions, db_path = setup
    before = digest(db_path)
    path = reference / "measures" / "soc2018.csv"
    with open(path, "wb") as handle:
        handle.truncate(200 * 2**20)  # sparse: 200 MB of NUL bytes, made at once
    refused(measures(reference, definitions, db_path), "more than a reference file can be")
    path.write_bytes(b"SOC Code,title,score\n11-1011,Chief\0Executives,0.2\n")
    refused(measures(reference, definitions, db_path), "measures/soc2018.csv holds NUL bytes")
    assert digest(db_path) == before


def test_a_large_file_is_read_as_a_stream(setup):
    reference, definitions, _ = setup
    path = reference / "measures" / "soc2018.csv"
    path.write_bytes(path.read_bytes() + b"11-1011,Chief Executives,0.2\n" * 60_000)  # about 1.8 MB
    measure = next(m for m in load.load_definitions(definitions).measures if m.name == "fixture_soc")
    tracemalloc.start()
    try:
        values = load.raw_values(measure, load.Reference(reference))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert values["11-1011"] == 0.2 and peak < 2**19, peak


@pytest.mark.parametrize(
    "change, message",
    [
        (("min = 0\nmax = 1\n", "min = 0\nmax = inf\n"), "min and max must be finite numbers"),
        (("year = 2024\n", "year = 100000000000000000000\n"), "year must be between 1900 and 2100"),
        (("year = 2024\n", "year = -9223372036854775809\n"), "year must be between 1900 and 2100"),
    ],
)
def test_definitions_with_impossible_numbers_are_refused(setup, change, message):
    reference, definitions, db_path = setup
    before = digest(db_path)
    definitions.write_text(definitions.read_text().replace(*change, 1))
    refused(measures(reference, definitions, db_path), message)
    assert digest(db_path) == before


def test_a_measure_named_like_a_criterion_is_refused_before_any_write(setup):
    reference, definitions, db_path = setup
    db = sqlite_utils.Database(db_path)
    db.execute("create table criteria (name text primary key)")
    db.execute("insert into criteria values ('fixture_soc')")
    db.conn.commit()
    db.conn.close()
    before = digest(db_path)
    (reference / "measures" / "soc2018.csv").write_text(
        (reference / "measures" / "soc2018.csv").read_text().replace("0.8", "0.7") + "99-9999,New,0.5\n"
    )
    refused(measures(reference, definitions, db_path), "measure fixture_soc has the name of a criterion")
    assert digest(db_path) == before


@pytest.mark.parametrize(
    "name, text, message",
    [
        (
            "crosswalks/onet_soc_2010_to_2019.csv",
            "O*NET-SOC 2010,O*NET-SOC 2010 Title,O*NET-SOC 2019 Code,O*NET-SOC 2019 Title\n",
            "no column 'O*NET-SOC 2010 Code'",
        ),
        ("crosswalks/onet_soc_2010_to_2019.csv", None, "line 3 has 3 fields where the header has 4"),
        ("crosswalks/bls_isco08_to_soc2010.csv", None, "line 3 has 3 fields where the header has 6"),
        ("crosswalks/bls_onet_soc_to_nem_ooh_2023.csv", None, "line 3 has 3 fields where the header has 10"),
        ("onet-29.1/task_statements.txt", "O*NET-SOC Code\tTask\tTask Type\n", "no column 'Task ID'"),
        ("onet-29.1/task_statements.txt", None, "line 3 has 3 fields where the header has 7"),
        ("onet-29.1/occupation_data.txt", None, "line 3 has 3 fields where the header has 3"),
        ("onet-29.1/related_occupations.txt", "Code\tRelated\n", "no column 'O*NET-SOC Code'"),
        ("gpts-are-gpts/full_labelset.tsv", None, "line 3 has 3 fields where the header has 8"),
    ],
)
def test_broken_crosswalk_and_onet_files_say_so_in_one_line(setup, name, text, message):
    reference, definitions, db_path = setup
    before = digest(db_path)
    path = reference / name
    if text is None:  # keep the header and first row, then a short row
        lines = path.read_text().splitlines(keepends=True)
        sep = "\t" if name.endswith((".txt", ".tsv")) else ","
        path.write_text("".join(lines[:2]) + sep.join(["a", "b", "c"]) + "\n" + "".join(lines[2:]))
    else:
        path.write_text(text + "".join(path.read_text().splitlines(keepends=True)[1:]))
    result = measures(reference, definitions, db_path)
    if "has 3 fields where the header has 3" in message:  # a row of the right length, but no O*NET code
        refused(result, "onet-29.1/occupation_data.txt: line 3: O*NET-SOC Code 'a' is not an onet code")
    else:
        refused(result, message)
    assert digest(db_path) == before


def test_a_task_id_that_is_not_a_whole_number_is_refused(setup):
    reference, definitions, db_path = setup
    before = digest(db_path)
    path = reference / "onet-29.1" / "task_statements.txt"
    path.write_text(path.read_text().replace("15-1252.00\t2\t", "15-1252.00\tx2\t"))
    refused(
        measures(reference, definitions, db_path), "onet-29.1/task_statements.txt: line 3: task id 'x2' is not a whole number"
    )
    labels = reference / "gpts-are-gpts" / "full_labelset.tsv"
    path.write_text((REFERENCE / "onet-29.1" / "task_statements.txt").read_text())
    labels.write_text(labels.read_text().replace("\t2.0\t", "\t2.5\t"))
    refused(
        measures(reference, definitions, db_path), "gpts-are-gpts/full_labelset.tsv: line 2: task id '2.5' is not a whole number"
    )
    assert digest(db_path) == before


@pytest.mark.parametrize(
    "name, change, message",
    [
        ("onet-29.1/tasks_to_dwas.txt", ("4.A.3.b.1.I01.D02", "=HYPERLINK(1)"), "DWA ID '=HYPERLINK(1)' is not an O*NET DWA ID"),
        (
            "onet-29.1/tasks_to_dwas.txt",
            ("4.A.3.b.1.I01.D02", "4.A.3.b.1.I01.D99"),
            "4.A.3.b.1.I01.D99 is not in onet-29.1/dwa_reference.txt",
        ),
        ("onet-29.1/dwa_reference.txt", ("\t4.A.4.a.1.I01\t", "\t4.A.4.a.1.I07\t"), "which onet-29.1/iwa_reference.txt lacks"),
        ("onet-29.1/technology_skills.txt", ("\tY\tY", "\tyes\tY"), "Hot Technology and In Demand are Y or N"),
        ("onet-29.1/technology_skills.txt", ("43232405", "4323240"), "Commodity Code '4323240' is not an O*NET Commodity Code"),
        ("onet-29.1/alternate_titles.txt", ("Agency Owner", " "), "line 3: Alternate Title is empty"),
        ("onet-29.1/sample_of_reported_titles.txt", ("Reported Job Title", "Title"), "no column 'Reported Job Title'"),
    ],
)
def test_broken_onet_work_files_are_refused_in_one_line(setup, name, change, message):
    reference, definitions, db_path = setup
    before = digest(db_path)
    path = reference / name
    text = path.read_bytes().decode()
    assert change[0] in text
    path.write_bytes(text.replace(*change, 1).encode())
    refused(measures(reference, definitions, db_path), message)
    assert digest(db_path) == before
