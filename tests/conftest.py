"""What the tests share: where things are, the servers and databases they run
against, and the commands as a user types them.

The suite runs in parallel (pytest-xdist, set in pyproject.toml): a fixture of
session scope is made once per worker, except what once_per_run makes once for
the whole run and every worker reads (the scrape of the local OOH copy, the
site built from the committed data.db). The tests of a module that share a
fixture of module scope run on one worker (see pytest_collection_modifyitems)."""

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import databases
import pytest
import sqlite_utils
from click.testing import CliRunner
from servers import Server

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The faithful local copy of the OOH that sits beside the project (see README).
BLS_COPY = Path(os.environ.get("OOH_LOCAL_COPY", ROOT.parent / "shared" / "bls-ooh"))
# The published datasets the measures stage reads (see its README).
SHARED_REFERENCE = ROOT.parent / "shared" / "reference"
# What tests pass to score run, so that only the test of back-off waits for it in real time.
QUICK_RETRY = ("--retry-wait", "0.01")


def need_bls_copy():
    if not (BLS_COPY / "ooh" / "a-z-index.htm").is_file():
        pytest.skip(f"the local copy of the OOH is not at {BLS_COPY} (set OOH_LOCAL_COPY to its folder)")
    return BLS_COPY


def need_reference(name="README.md"):
    """A file of the published reference data beside the project, or a skip saying where it should be."""
    path = SHARED_REFERENCE / name
    if not path.exists():
        pytest.skip(f"the published reference data is not at {path}")
    return path


# Running in parallel ------------------------------------------------------------


# The modules whose tests take longest (a workflow or a fork end to end, the
# labour space, the whole OOH): they start first, so that no worker is left
# running one of them alone at the end. The rest keep their order.
SLOWEST_FIRST = ("test_workflows", "test_fork", "test_space", "test_bls_copy", "test_docs", "test_types")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Keep together, on one worker, the tests of a module that share a
    fixture of module scope (a built site, a Datasette, a scored database),
    so that it is made once. The others go wherever a worker is free, the
    slowest first. A worker starts its own Chromium for the browser tests it
    is given (fixture ``browser``)."""

    def rank(item):
        name = item.module.__name__ if hasattr(item, "module") else ""
        return SLOWEST_FIRST.index(name) if name in SLOWEST_FIRST else len(SLOWEST_FIRST)

    items.sort(key=rank)  # stable: each module's tests stay in order, and together
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is not None and any(d.scope == "module" for defs in info.name2fixturedefs.values() for d in defs):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


def run_dir(tmp_path_factory):
    """A folder for this run of the suite that every worker shares."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def once_per_run(tmp_path_factory, name, make):
    """The folder ``name`` of this run, made by ``make(folder)`` the first
    time any worker asks for it; the others wait for that worker, then read
    what it made. Nothing may write to it after."""
    import fcntl

    folder = run_dir(tmp_path_factory) / name
    done = folder / ".made"
    with open(run_dir(tmp_path_factory) / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.is_file():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            done.touch()
    return folder


# Servers ---------------------------------------------------------------------


@pytest.fixture
def fixture_site():
    """Our own small OOH fixture pages, served over real HTTP on loopback."""
    server = Server(FIXTURES / "ooh")
    yield server
    server.close()


@pytest.fixture(scope="session")
def bls_site():
    """The full local copy of the OOH, served over real HTTP on loopback."""
    server = Server(need_bls_copy())
    yield server
    server.close()


@dataclass(frozen=True)
class Scrape:
    """One scrape of the whole local OOH copy: read it, never write to it."""

    db: Path
    cache: Path
    exit_code: int
    output: str


def scrape_over_loopback(pages, db, cache):
    """python -m scrape, in process, over the OOH pages in the folder
    ``pages`` served on loopback; its click result."""
    from scrape.cli import main

    server = Server(pages)
    try:
        return CliRunner().invoke(main, ["--base-url", server.url, "--db", str(db), "--cache", str(cache), "--delay", "0"])
    finally:
        server.close()


@pytest.fixture(scope="session")
def bls_scrape(tmp_path_factory):
    """``python -m scrape`` over real HTTP against all 342 pages of the local
    OOH copy, once for the whole run: the first worker to ask scrapes, the
    others wait for it and read what it wrote."""
    copy = need_bls_copy()

    def make(folder):
        done = scrape_over_loopback(copy, folder / "data.db", folder / "cache")
        (folder / "result.txt").write_text(f"{done.exit_code}\n{done.output}")

    folder = once_per_run(tmp_path_factory, "bls-scrape", make)
    code, output = (folder / "result.txt").read_text().split("\n", 1)
    return Scrape(folder / "data.db", folder / "cache", int(code), output)


@pytest.fixture(scope="session")
def committed_site(tmp_path_factory):
    """``python build.py`` on the committed data.db, with no other option,
    once for the whole run: the folder of the site, to serve or read, never
    to write to."""

    def make(folder):
        import build

        result = CliRunner().invoke(build.main, ["--db", str(ROOT / "data.db"), "--out", str(folder / "_site")])
        assert result.exit_code == 0, result.output

    return once_per_run(tmp_path_factory, "committed-site", make) / "_site"


@pytest.fixture(scope="session")
def site(committed_site):
    """The site built once for the whole run from the committed data.db,
    served on loopback: its address (the browser tests' pages)."""
    server = Server(committed_site)
    yield server.url
    server.close()


@pytest.fixture
def fake():
    """The fake Messages API on loopback (tests/fake_anthropic.py)."""
    from fake_anthropic import FakeAnthropic

    server = FakeAnthropic()
    yield server
    server.close()


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# A browser -------------------------------------------------------------------


def chromium_path():
    """Debian's Chromium, installed here on first use where the machine allows."""
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if path:
        return path
    if os.name == "posix" and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env, stdout=subprocess.DEVNULL)
        path = shutil.which("chromium")
    if not path:
        pytest.skip("Debian's chromium is not installed and cannot be installed here: run apt-get install chromium")
    return path


# Flags for a headless Chromium on a machine with no network but loopback.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    playwright_api = pytest.importorskip("playwright.sync_api")
    # Installed, where it must be, by one worker for all.
    once_per_run(tmp_path_factory, "chromium", lambda folder: chromium_path())
    executable = chromium_path()
    with playwright_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


# Databases ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory):
    """The small databases of databases.py, made once per worker."""
    folder = tmp_path_factory.mktemp("databases")
    return {
        "unscored": databases.unscored(ROOT / "data.db", folder / "unscored.db"),
        "sample": databases.sample(ROOT / "data.db", folder / "sample.db"),
        "scored_sample": databases.scored_sample(ROOT / "data.db", folder / "scored_sample.db"),
    }


@pytest.fixture
def db_path(tmp_path, database_templates):
    """A copy of the committed data.db without any scores yet."""
    return Path(shutil.copy(database_templates["unscored"], tmp_path / "data.db"))


@pytest.fixture
def sample_path(tmp_path, database_templates):
    """``db_path`` with twenty occupations (databases.SAMPLE), for tests of
    what a stage does with every occupation it has."""
    return Path(shutil.copy(database_templates["sample"], tmp_path / "data.db"))


@pytest.fixture
def small_copy(tmp_path, database_templates):
    """A copy of the committed data.db, scores and all, with only the twenty
    occupations of databases.SAMPLE: for tests of what the build makes of
    what data.db says, at a fraction of a full build's time."""
    return Path(shutil.copy(database_templates["scored_sample"], tmp_path / "data.db"))


@pytest.fixture
def committed_copy(tmp_path):
    """A copy of the committed data.db, scores and all."""
    return Path(shutil.copy(ROOT / "data.db", tmp_path / "data.db"))


def rows(db_path, sql, params=()):
    return list(sqlite_utils.Database(db_path).query(sql, params))


def count_rows(db_path, table):
    """Rows in a table of a database another process may still be creating; 0 until it exists."""
    import sqlite3

    if not db_path.exists():
        return 0
    try:
        with sqlite3.connect(db_path) as conn:
            return conn.execute(f"select count(*) from [{table}]").fetchone()[0]
    except sqlite3.Error:
        return 0


def saved(db_path):
    """Scores saved so far, while a scorer may still be running."""
    return count_rows(db_path, "scores")


def wait_until(condition, seconds=30):
    """Poll ``condition`` until it is true or ``seconds`` pass (for killing a run midway)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.05)


# The commands, as a user runs them ----------------------------------------------


def only(*slugs):
    return [arg for slug in slugs for arg in ("--only", slug)]


def score(fake, db_path, *args, env=None):
    """``python -m score ARGS --db DB`` in this process, with the fake API's
    address and key when ``fake`` is given; ``score run`` waits
    QUICK_RETRY before a retry unless the test says otherwise."""
    from score.cli import cli

    environment = fake.env() if fake else {}
    environment.update(env or {})
    if args[0] == "run" and "--retry-wait" not in args:
        args = (*args, *QUICK_RETRY)
    return CliRunner(env=environment).invoke(cli, [*args, "--db", str(db_path)])


def score_command(db_path, *args):
    """``python -m score run --criterion ai_exposure ARGS``, for a process of its own to interrupt or kill."""
    return [sys.executable, "-m", "score", "run", "--criterion", "ai_exposure", "--db", str(db_path), *QUICK_RETRY, *args]


def agree(db_path):
    """``python -m compare``, as a user runs it after scoring."""
    from compare.cli import cli

    result = CliRunner().invoke(cli, ["--db", str(db_path)])
    assert result.exit_code == 0, result.output
    return result


def project_copy(destination):
    """The project's tracked files copied to ``destination``, with the
    installed node_modules linked in, as a fork would have them."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for name in filter(None, files.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    if (ROOT / "node_modules").is_dir():
        (destination / "node_modules").symlink_to(ROOT / "node_modules")
    return destination
