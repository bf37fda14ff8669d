"""python -m measures --fetch: each reference file fetched from where
measures.toml says it is published (here a server on loopback, never the real
network), checked against its pinned SHA-256, into a local cache; nothing
fetched when data.db already holds a load of exactly those files; and the
refresh workflow reloads the measures this way."""

import hashlib
import shutil
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlite_utils
import yaml
from click.testing import CliRunner

from measures.cli import cli
from scrape import store as scrape_store

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = Path(__file__).resolve().parent / "fixtures" / "reference"
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
    "gpts-are-gpts/full_labelset.tsv",
]


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.paths.append(self.path)
        super().do_GET()


@pytest.fixture
def published(tmp_path):
    """A copy of the fixture reference folder served on loopback: (folder, base URL, requested paths)."""
    folder = tmp_path / "published"
    shutil.copytree(REFERENCE, folder)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(folder)))
    server.paths = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}", server.paths
    server.shutdown()
    server.server_close()


def definitions(tmp_path, base, made_from=()):
    """The fixture measures.toml, with a [files] table pinning every file it reads at ``base``."""
    text = (REFERENCE / "measures.toml").read_text()
    for name in READ:
        sha = hashlib.sha256((REFERENCE / name).read_bytes()).hexdigest()
        where = 'made_from = "a sheet of a workbook"' if name in made_from else f'url = "{base}/{name}"'
        text += f'\n[files."{name}"]\n{where}\nsha256 = "{sha}"\n'
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


def test_fetch_checks_each_file_and_fetches_nothing_twice(tmp_path, published):
    folder, base, paths = published
    defs = definitions(tmp_path, base)
    database(tmp_path / "data.db")
    result = fetch(tmp_path, defs)
    assert result.exit_code == 0, result.output
    assert sorted(p.lstrip("/") for p in paths) == sorted(READ)
    for name in READ:
        assert (tmp_path / "cache" / name).read_bytes() == (REFERENCE / name).read_bytes()
    value = (
        sqlite_utils.Database(tmp_path / "data.db")
        .execute("select value from measure_values where measure = 'fixture_soc' and slug = 'developers'")
        .fetchone()
    )
    assert value == (pytest.approx((0.8 * 200 + 0.5 * 100) / 300),)
    # Loaded already from exactly these files and these SOC codes: not one request.
    paths.clear()
    result = fetch(tmp_path, defs)
    assert result.exit_code == 0 and "nothing changed" in result.output and paths == []
    # The SOC codes changed: the cache has every file, so still not one request, and the load follows.
    db = sqlite_utils.Database(tmp_path / "data.db")
    db.execute("update projections set employment_base = 150 where soc_code = '15-1253'")
    db.conn.commit()
    result = fetch(tmp_path, defs)
    assert result.exit_code == 0 and "updated measure_values" in result.output and paths == []


def test_a_file_that_is_not_the_pinned_one_is_refused(tmp_path, published):
    folder, base, _ = published
    defs = definitions(tmp_path, base)
    database(tmp_path / "data.db")
    path = folder / "measures" / "soc2018.csv"
    path.write_text(path.read_text().replace("0.8", "0.9"))
    before = hashlib.sha256((tmp_path / "data.db").read_bytes()).hexdigest()
    result = fetch(tmp_path, defs)
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) <= 2, result.output
    assert "soc2018.csv" in result.output and "not the" in result.output and "measures.toml pins" in result.output
    assert not (tmp_path / "cache" / "measures" / "soc2018.csv").exists()
    assert hashlib.sha256((tmp_path / "data.db").read_bytes()).hexdigest() == before


def test_a_file_made_from_another_comes_from_a_mirror(tmp_path, published):
    _, base, paths = published
    defs = definitions(tmp_path, "https://example.invalid/never", made_from=READ)
    database(tmp_path / "data.db")
    result = fetch(tmp_path, defs)
    assert result.exit_code == 1 and "is made from a sheet of a workbook" in result.output and "--mirror" in result.output
    assert paths == []
    result = fetch(tmp_path, defs, "--mirror", base)
    assert result.exit_code == 0, result.output
    assert sorted(p.lstrip("/") for p in paths) == sorted(READ)


def test_a_server_that_is_down_is_one_line(tmp_path):
    defs = definitions(tmp_path, "http://127.0.0.1:9")
    database(tmp_path / "data.db")
    result = fetch(tmp_path, defs)
    assert result.exit_code == 1 and "could not be fetched" in result.output and "Traceback" not in result.output


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
