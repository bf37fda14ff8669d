import os
from pathlib import Path

import pytest
from servers import Server

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The faithful local copy of the OOH that sits beside the project (see README).
BLS_COPY = Path(os.environ.get("OOH_LOCAL_COPY", ROOT.parent / "shared" / "bls-ooh"))


def need_bls_copy():
    if not (BLS_COPY / "ooh" / "a-z-index.htm").is_file():
        pytest.skip(f"the local copy of the OOH is not at {BLS_COPY} (set OOH_LOCAL_COPY to its folder)")
    return BLS_COPY


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


def chromium_path():
    """Debian's Chromium, installed here on first use where the machine allows."""
    import shutil
    import subprocess

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
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    executable = chromium_path()
    with playwright_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def project_copy(destination):
    """The project's tracked files copied to ``destination``, with the
    installed node_modules linked in, as a fork would have them."""
    import shutil
    import subprocess

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


def wait_until(condition, seconds=30):
    """Poll ``condition`` until it is true or ``seconds`` pass (for killing a run midway)."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.05)


@pytest.fixture
def fake():
    """The fake Messages API on loopback (tests/fake_anthropic.py)."""
    from fake_anthropic import FakeAnthropic

    server = FakeAnthropic()
    yield server
    server.close()


@pytest.fixture
def db_path(tmp_path):
    """A copy of the committed data.db without any scores yet."""
    import shutil

    import sqlite_utils

    path = tmp_path / "data.db"
    shutil.copy(ROOT / "data.db", path)
    db = sqlite_utils.Database(path)
    for table in (
        "task_agreement",
        "run_agreement",
        "task_scores",
        "scores",
        "score_failures",
        "batch_requests",
        "batches",
        "runs",
        "criteria",
    ):
        if db[table].exists():
            db.execute(f"delete from [{table}]")
    db.conn.commit()
    return path
