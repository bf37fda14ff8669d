"""python -m measures --fetch: each reference file fetched from where
measures.toml says it is published (here a server on loopback, never the real
network), at a full commit, checked against its pinned SHA-256, into a local
cache; a sheet of a published workbook exported to CSV and checked the same
way; nothing fetched when data.db already holds a load of exactly those
files; every download under a deadline, redirects checked before they are
followed; and the refresh workflow reloads the measures this way."""

import hashlib
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import unquote, urlsplit

import openpyxl
import pytest
import sqlite_utils
import yaml
from click.testing import CliRunner
from conftest import SHARED_REFERENCE, need_reference
from servers import Server

from measures import definitions as measure_definitions
from measures import store
from measures.cli import cli
from pipeline.db import schema_columns, without_rowid
from scrape import store as scrape_store

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = Path(__file__).resolve().parent / "fixtures" / "reference"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
PUBLISHED = f"/test/reference/raw/{COMMIT}"  # where the fixture files are published on the loopback server
READ = [
    "measures/soc2018.csv",
    "measures/onet.csv",
    "measures/soc2010.csv",
    "measures/isco.csv",
    "crosswalks/onet_soc_2010_to_2019.csv",
    "crosswalks/bls_isco08_to_soc2010.csv",
    "crosswalks/bls_onet_soc_to_nem_ooh_2023.csv",
    "onet-29.1/task_statements.txt",
    "onet-29.1/occupation_data.txt",
    "onet-29.1/related_occupations.txt",
    "onet-29.1/alternate_titles.txt",
    "onet-29.1/sample_of_reported_titles.txt",
    "onet-29.1/tasks_to_dwas.txt",
    "onet-29.1/dwa_reference.txt",
    "onet-29.1/iwa_reference.txt",
    "onet-29.1/technology_skills.txt",
    "gpts-are-gpts/full_labelset.tsv",
]
# The fixture SOC 2018 measure as a workbook: a title row, then the header on row 2.
WORKBOOK = "Fixture Scores.xlsx"


@pytest.fixture
def published(tmp_path):
    """The fixture reference folder served on loopback at PUBLISHED, as a
    publisher's repository at a commit: (folder, server)."""
    site = tmp_path / "site"
    folder = site / PUBLISHED.lstrip("/")
    shutil.copytree(REFERENCE, folder)
    server = Server(site)
    yield folder, server
    server.close()


def requested(server):
    return sorted(unquote(path).removeprefix(PUBLISHED + "/") for path, _ in server.requests)


def fixture_workbook(path):
    """The fixture SOC 2018 measure as a published workbook might hold it,
    and the CSV the export rule makes of it (written here by hand)."""
    rows = [line.split(",") for line in (REFERENCE / "measures" / "soc2018.csv").read_text().splitlines()]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Scores"
    sheet.append(["Scores by SOC code, 2024"])
    sheet.append(rows[0])
    for code, title, score in rows[1:]:
        sheet.append([code, title, None if score == "NA" else float(score)])
    sheet.append([])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return "".join(f"{code},{title},{'' if score == 'NA' else score}\r\n" for code, title, score in rows).encode()


def definitions(tmp_path, base, workbook=None):
    """The fixture measures.toml, with a [files] table pinning every file it
    reads at ``base``; with ``workbook`` (its export's bytes), the SOC 2018
    measure as the export of WORKBOOK, published beside the others."""
    text = (REFERENCE / "measures.toml").read_text()
    for name in READ:
        if workbook is not None and name == "measures/soc2018.csv":
            book = tmp_path / "site" / PUBLISHED.lstrip("/") / WORKBOOK
            text += (
                f'\n[files."{name}"]\nworkbook = "{base}/{WORKBOOK.replace(" ", "%20")}"\n'
                f'workbook_sha256 = "{hashlib.sha256(book.read_bytes()).hexdigest()}"\n'
                f'sheet = "Scores"\nheader_row = 2\nsha256 = "{hashlib.sha256(workbook).hexdigest()}"\n'
            )
            continue
        sha = hashlib.sha256((REFERENCE / name).read_bytes()).hexdigest()
        text += f'\n[files."{name}"]\nurl = "{base}/{name}"\nsha256 = "{sha}"\n'
    path = tmp_path / "measures.toml"
    path.write_text(text)
    return path


def database(path):
    db = sqlite_utils.Database(path)
    db.executescript(scrape_store.SCHEMA)
    db["occupations"].insert({"slug": "developers", "title": "d", "category": "t", "url": "https://www.bls.gov/x", "jobs": 300})
    for i, (soc, level, jobs) in enumerate([(None, 0, 300), ("15-1252", 1, 200), ("15-1253", 1, 100)]):
        db["projections"].insert(
            {"slug": "developers", "row": i, "soc_code": soc, "title": "t", "level": level, "employment_base": jobs}
        )
    db.conn.close()
    return path


def fetch(tmp_path, defs, *args):
    return CliRunner().invoke(
        cli, ["--fetch", "--cache", str(tmp_path / "cache"), "--definitions", str(defs), "--db", str(tmp_path / "data.db"), *args]
    )


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_fetch_checks_each_file_and_fetches_nothing_twice(tmp_path, published):
    _, server = published
    defs = definitions(tmp_path, server.url + PUBLISHED)
    database(tmp_path / "data.db")
    result = fetch(tmp_path, defs)
    assert result.exit_code == 0, result.output
    assert requested(server) == sorted(READ)
    for name in READ:
        assert (tmp_path / "cache" / name).read_bytes() == (REFERENCE / name).read_bytes()
    value = (
        sqlite_utils.Database(tmp_path / "data.db")
        .execute("select value from measure_values where measure = 'fixture_soc' and slug = 'developers'")
        .fetchone()
    )
    assert value == (pytest.approx((0.8 * 200 + 0.5 * 100) / 300),)
    # Loaded already from exactly these files and these SOC codes: not one request.
    server.requests.clear()
    result = fetch(tmp_path, defs)
    assert result.exit_code == 0 and "nothing changed" in result.output and server.requests == []
    # The SOC codes changed: the cache has every file, so still not one request, and the load follows.
    db = sqlite_utils.Database(tmp_path / "data.db")
    db.execute("update projections set employment_base = 150 where soc_code = '15-1253'")
    db.conn.commit()
    result = fetch(tmp_path, defs)
    assert result.exit_code == 0 and "updated measure_values" in result.output and server.requests == []


def test_a_file_that_is_not_the_pinned_one_is_refused(tmp_path, published):
    folder, server = published
    defs = definitions(tmp_path, server.url + PUBLISHED)
    database(tmp_path / "data.db")
    path = folder / "measures" / "soc2018.csv"
    path.write_text(path.read_text().replace("0.8", "0.9"))
    before = digest(tmp_path / "data.db")
    result = fetch(tmp_path, defs)
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) <= 2, result.output
    assert "soc2018.csv" in result.output and "not the" in result.output and "measures.toml pins" in result.output
    assert not (tmp_path / "cache" / "measures" / "soc2018.csv").exists()
    assert digest(tmp_path / "data.db") == before


def test_a_sheet_of_a_published_workbook_is_exported_and_checked(tmp_path, published):
    folder, server = published
    export = fixture_workbook(folder / WORKBOOK)
    defs = definitions(tmp_path, server.url + PUBLISHED, workbook=export)
    database(tmp_path / "data.db")
    result = fetch(tmp_path, defs)
    assert result.exit_code == 0, result.output
    assert requested(server) == sorted([WORKBOOK] + [n for n in READ if n != "measures/soc2018.csv"])
    assert (tmp_path / "cache" / "measures" / "soc2018.csv").read_bytes() == export
    assert (tmp_path / "cache" / "workbooks" / WORKBOOK).read_bytes() == (folder / WORKBOOK).read_bytes()
    got = dict(
        sqlite_utils.Database(tmp_path / "data.db").execute(
            "select slug, value from measure_values where measure = 'fixture_soc'"
        )
    )
    assert got == {"developers": pytest.approx((0.8 * 200 + 0.5 * 100) / 300)}
    # The export is made again from the cached workbook, which is not fetched again.
    (tmp_path / "cache" / "measures" / "soc2018.csv").write_bytes(b"SOC Code,title,score\n")
    server.requests.clear()
    sqlite_utils.Database(tmp_path / "data.db").execute("delete from measure_files").connection.commit()
    assert fetch(tmp_path, defs).exit_code == 0 and server.requests == []
    assert (tmp_path / "cache" / "measures" / "soc2018.csv").read_bytes() == export


def test_a_tampered_workbook_or_export_is_refused_and_nothing_stored_is_replaced(tmp_path, published):
    folder, server = published
    export = fixture_workbook(folder / WORKBOOK)
    defs = definitions(tmp_path, server.url + PUBLISHED, workbook=export)
    database(tmp_path / "data.db")
    assert fetch(tmp_path, defs).exit_code == 0
    cached = {p: p.read_bytes() for p in (tmp_path / "cache").rglob("*") if p.is_file()}
    db = sqlite_utils.Database(tmp_path / "data.db")
    db.execute("update projections set employment_base = 150 where soc_code = '15-1253'")  # so that a load would write
    db.conn.commit()
    db.conn.close()
    before = digest(tmp_path / "data.db")
    (tmp_path / "cache" / "measures" / "soc2018.csv").unlink()  # so that the export is made again
    (tmp_path / "cache" / "workbooks" / WORKBOOK).unlink()  # and the workbook fetched again
    del cached[tmp_path / "cache" / "measures" / "soc2018.csv"], cached[tmp_path / "cache" / "workbooks" / WORKBOOK]
    # The publisher's workbook changed: its bytes are not the pinned ones.
    book = openpyxl.load_workbook(folder / WORKBOOK)
    book["Scores"]["C4"] = 0.05
    book.save(folder / WORKBOOK)
    result = fetch(tmp_path, defs)
    assert result.exit_code == 1 and f"{WORKBOOK}: " in result.output and "measures.toml pins: refused" in result.output, (
        result.output
    )
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) <= 2
    assert {p: p.read_bytes() for p in (tmp_path / "cache").rglob("*") if p.is_file()} == cached
    assert digest(tmp_path / "data.db") == before
    # The same changed workbook, pinned as it now is: its export is not the pinned export.
    text = defs.read_text()
    pinned = hashlib.sha256((folder / WORKBOOK).read_bytes()).hexdigest()
    defs.write_text(
        text.replace(
            next(line for line in text.splitlines() if line.startswith("workbook_sha256")), f'workbook_sha256 = "{pinned}"'
        )
    )
    result = fetch(tmp_path, defs)
    assert result.exit_code == 1 and "measures/soc2018.csv: the export of" in result.output, result.output
    assert "measures.toml pins: refused" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "cache" / "measures" / "soc2018.csv").exists()
    assert digest(tmp_path / "data.db") == before


def test_a_mirror_serves_every_file_by_its_path(tmp_path, published):
    folder, server = published
    export = fixture_workbook(folder / WORKBOOK)
    defs = definitions(tmp_path, "https://example.invalid/never/raw/" + COMMIT, workbook=export)
    (folder / "measures" / "soc2018.csv").write_bytes(export)  # a mirror holds the reference folder: the export itself
    database(tmp_path / "data.db")
    result = fetch(tmp_path, defs, "--mirror", server.url + PUBLISHED)
    assert result.exit_code == 0, result.output
    assert requested(server) == sorted(READ)


def test_published_addresses_name_full_commits(tmp_path):
    files = measure_definitions.load_definitions().files
    assert files and all(measure_definitions.FULL_COMMIT.search(f.url or f.workbook or "") for f in files)
    text = '[files."a/b.csv"]\nurl = "https://github.com/o/r/raw/84c4ebac/b.csv"\nsha256 = "' + "0" * 64 + '"\n'
    (tmp_path / "measures.toml").write_text(text)
    with pytest.raises(measure_definitions.MeasureError, match="must name a full commit"):
        measure_definitions.load_definitions(tmp_path / "measures.toml")


def test_a_server_that_is_down_is_one_line(tmp_path):
    defs = definitions(tmp_path, f"http://127.0.0.1:9{PUBLISHED}")
    database(tmp_path / "data.db")
    result = fetch(tmp_path, defs)
    assert result.exit_code == 1 and "could not be fetched" in result.output and "Traceback" not in result.output


# Attacks on the download --------------------------------------------------------


def test_a_server_that_drips_is_given_up_at_the_deadline(tmp_path, published):
    import time

    _, server = published
    defs = definitions(tmp_path, server.url + PUBLISHED)
    database(tmp_path / "data.db")
    before = digest(tmp_path / "data.db")
    server.fault(f"{PUBLISHED}/measures/soc2018.csv", {"drip": b"1", "count": 60, "interval": 0.1})
    started = time.monotonic()
    result = fetch(tmp_path, defs, "--deadline", "1")
    assert result.exit_code == 1 and "took more than 1 s" in result.output, result.output
    assert time.monotonic() - started < 5 and "Traceback" not in result.output
    assert not (tmp_path / "cache" / "measures" / "soc2018.csv").exists() and digest(tmp_path / "data.db") == before


def test_a_redirect_to_an_address_it_refuses_is_never_asked(tmp_path, published):
    folder, server = published
    elsewhere = Server(folder)  # reached as http://0.0.0.0:PORT, which is no loopback address it may fetch
    try:
        port = elsewhere.httpd.server_address[1]
        defs = definitions(tmp_path, server.url + PUBLISHED)
        database(tmp_path / "data.db")
        server.fault(
            f"{PUBLISHED}/measures/soc2018.csv",
            {"status": 302, "headers": {"Location": f"http://0.0.0.0:{port}/measures/soc2018.csv"}},
        )
        result = fetch(tmp_path, defs)
        assert elsewhere.requests == [], "the redirect was followed before it was refused"
        assert result.exit_code == 1 and "redirects to http://0.0.0.0" in result.output and "not followed" in result.output
    finally:
        elsewhere.close()


def test_a_directory_planted_in_the_cache_is_one_line(tmp_path, published):
    _, server = published
    defs = definitions(tmp_path, server.url + PUBLISHED)
    database(tmp_path / "data.db")
    (tmp_path / "cache" / "measures" / "soc2018.csv").mkdir(parents=True)
    result = fetch(tmp_path, defs)
    assert result.exit_code == 1 and "in the cache is not a file: remove it" in result.output, result.output
    assert "Traceback" not in result.output and server.requests == []


# The real published files -------------------------------------------------------


def publishers(folder, files):
    """``folder`` laid out like the publishers' servers: each pinned file (or
    workbook) at its published address's path, from the shared reference folder."""
    for file in files:
        address = file.url or file.workbook
        source = SHARED_REFERENCE / (file.path if file.url else "workbooks/" + unquote(address.rsplit("/", 1)[-1]))
        target = folder / unquote(urlsplit(address).path).lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(source)
    return folder


# Every table the measures stage writes, as its schema names them.
MEASURE_TABLES = tuple(schema_columns(store.SCHEMA))


def test_fetching_from_the_publishers_reproduces_the_committed_measures(tmp_path):
    """measures --fetch, from a loopback server laid out like the publishers'
    (workbooks included, exported here), writes data.db's measure tables exactly."""
    need_reference("workbooks")
    server = Server(publishers(tmp_path / "publishers", measure_definitions.load_definitions().files))
    try:
        shutil.copy(ROOT / "data.db", tmp_path / "data.db")
        with sqlite3.connect(tmp_path / "data.db") as conn:
            for table in MEASURE_TABLES:
                conn.execute(f"delete from [{table}]")
        result = CliRunner().invoke(
            cli, ["--fetch", "--cache", str(tmp_path / "cache"), "--db", str(tmp_path / "data.db"), "--base-url", server.url]
        )
        assert result.exit_code == 0, result.output
        assert len(server.requests) == len(measure_definitions.load_definitions().files)
    finally:
        server.close()
    with sqlite3.connect(tmp_path / "data.db") as fetched, sqlite3.connect(ROOT / "data.db") as committed:
        for table in MEASURE_TABLES:
            # A table kept in its key's order (WITHOUT ROWID) has that order only.
            query = f"select * from [{table}]" + ("" if without_rowid(committed, table) else " order by rowid")
            assert fetched.execute(query).fetchall() == committed.execute(query).fetchall(), table


def test_the_committed_database_needs_nothing_fetched(tmp_path):
    """The refresh's reload: for the committed data.db, loaded from the pinned files, not one request."""
    shutil.copy(ROOT / "data.db", tmp_path / "data.db")
    result = CliRunner().invoke(cli, ["--fetch", "--cache", str(tmp_path / "cache"), "--db", str(tmp_path / "data.db")])
    assert result.exit_code == 0, result.output
    assert "nothing changed" in result.output and not (tmp_path / "cache").exists()


def test_the_refresh_workflow_reloads_the_measures_after_the_scrape():
    steps = yaml.safe_load((ROOT / ".github" / "workflows" / "refresh.yml").read_text())["jobs"]["refresh"]["steps"]
    names = [s.get("name") for s in steps]
    reload = steps[names.index("Reload the published measures")]
    assert "python -m measures --fetch" in reload["run"]
    assert names.index("Scrape the OOH") < names.index("Reload the published measures") < names.index("Commit the scraped data")
