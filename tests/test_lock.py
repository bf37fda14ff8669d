"""Reliability, fourth round (issue 31): the writer lock. It is a plain file
beside the database file itself, never followed through a link; it is tied
to the database file, whatever name it is reached by; a command that cannot
take it refuses with one line; and no process of a killed command keeps it.
Real SQLite files, real processes, real links, folders and FIFOs."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, rows, wait_until

from compare.cli import cli as compare_cli
from pipeline.lock import writer

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the writer lock is the kernel's (flock): POSIX only")


def hold(db_path, command, scorer=False):
    """A writer holding the lock of ``db_path`` in a process of its own, until killed."""
    code = (
        "import sys, time\n"
        "from pipeline.lock import writer\n"
        "with writer(sys.argv[1], sys.argv[2], scorer=sys.argv[3] == 'scorer'):\n"
        "    print('held', flush=True)\n"
        "    time.sleep(60)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(db_path), command, "scorer" if scorer else "-"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "held"
    return process


def compare(db_path, wait="0.3"):
    """``python -m compare``, a writer, as a user runs it."""
    return CliRunner(env={"WORKLENS_WRITE_WAIT": wait}).invoke(compare_cli, ["--db", str(db_path)])


def one_line(result):
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


def refused(db_path, lock, why):
    return f"Error: cannot lock {db_path} for writing: {Path(os.path.realpath(lock.parent)) / lock.name} {why}; remove it and run again"


# The lock file: never followed, never anything but a plain file -------------------


@pytest.mark.parametrize("target", ["the database", "another file", "nothing"])
def test_a_symbolic_link_at_the_lock_is_never_followed(sample_path, tmp_path, target):
    db_path = sample_path
    other = tmp_path / "notes.txt"
    other.write_text("someone's notes\n")
    lock = tmp_path / "data.db.lock"
    pointed = {"the database": db_path, "another file": other, "nothing": tmp_path / "made-by-no-one"}[target]
    lock.symlink_to(pointed)
    before = db_path.read_bytes()
    result = compare(db_path)
    assert (result.exit_code, one_line(result)) == (1, refused(db_path, lock, "is a symbolic link, which is never followed"))
    assert db_path.read_bytes() == before
    assert other.read_text() == "someone's notes\n"
    assert not (tmp_path / "made-by-no-one").exists()
    assert lock.is_symlink()  # left for its owner to look at


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_lock_that_is_not_a_plain_file_refuses_with_one_line(sample_path, tmp_path, kind):
    db_path = sample_path
    lock = tmp_path / "data.db.lock"
    if kind == "folder":
        lock.mkdir()
        why = "is a folder"
    else:
        os.mkfifo(lock)
        why = "is not a plain file"
    percentiles = rows(db_path, "select count(*) as n from score_percentiles")
    result = compare(db_path)
    assert (result.exit_code, one_line(result)) == (1, refused(db_path, lock, why))
    assert rows(db_path, "select count(*) as n from score_percentiles") == percentiles  # nothing written unlocked


def test_a_read_only_lock_file_does_not_let_two_writers_in(sample_path, tmp_path):
    db_path = sample_path
    lock = tmp_path / "data.db.lock"
    lock.write_text("")
    lock.chmod(0o444)
    try:
        opened = os.open(lock, os.O_RDWR)
    except PermissionError:
        # As anyone but root: the lock cannot be taken, and the command refuses rather than go on unlocked.
        result = compare(db_path)
        assert (result.exit_code, one_line(result)) == (
            1,
            f"Error: cannot lock {db_path} for writing: {Path(os.path.realpath(lock.parent)) / lock.name} cannot be opened (Permission denied)",
        )
        return
    os.close(opened)  # root may open it all the same: then it locks as any lock file does
    other = hold(db_path, "python -m space")
    try:
        result = compare(db_path)
        assert result.exit_code == 1 and f"python -m space (pid {other.pid}) is still writing" in result.output
    finally:
        other.kill()
        other.wait()


# Tied to the database file, whatever its name ------------------------------------


@pytest.mark.parametrize("link", ["symbolic", "hard"])
def test_the_database_by_another_name_is_still_locked(sample_path, tmp_path, link):
    db_path = sample_path
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    alias = elsewhere / "same.db"
    if link == "symbolic":
        alias.symlink_to(db_path)
    else:
        os.link(db_path, alias)
    scorer = hold(db_path, "python -m score run", scorer=True)
    try:
        result = compare(alias)
        assert result.exit_code == 1, result.output
        if link == "symbolic":  # the lock file beside the database names the scorer: refused at once
            assert one_line(result) == (
                f"Error: another scorer is running on {alias}; wait for it to finish (or stop it), then run again"
            )
        else:  # the database file itself is locked; its other name's lock file is not this one's
            assert result.output.strip().splitlines()[-1] == (
                "Error: another command (through another name of the same database) is still writing "
                f"{alias} after 0.3 s; run again when it has finished"
            )
        assert not (elsewhere / "same.db.lock").exists() or link == "hard"
    finally:
        scorer.kill()
        scorer.wait()
    assert compare(alias).exit_code == 0  # and free again once the holder is gone


def test_a_holder_takes_its_own_lock_again_by_another_name(sample_path, tmp_path):
    db_path = sample_path
    alias = tmp_path / "alias.db"
    os.link(db_path, alias)
    with writer(db_path, "a test"), writer(alias, "a test, again"):
        pass
    with writer(alias, "a test, after"):  # let go as it was taken
        pass


# No process of a killed command keeps it ------------------------------------------


def children(pid):
    """The processes ``pid`` started, still running (a zombie has let go of everything)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            state, parent = stat.rsplit(")", 1)[1].split()[:2]
            if int(parent) == pid and state != "Z":
                found.append(int(entry.name))
    return found


def alive(pid):
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="the scrape parses in a pool only with two CPUs or more")
def test_a_scrape_killed_midway_leaves_no_worker_and_no_lock(bls_scrape, tmp_path):
    assert bls_scrape.exit_code == 0, bls_scrape.output
    db_path = Path(shutil.copy(bls_scrape.db, tmp_path / "data.db"))
    process = subprocess.Popen(
        [sys.executable, "-m", "scrape", "--offline", "--refresh", "--db", str(db_path), "--cache", str(bls_scrape.cache)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers = []
    try:
        wait_until(lambda: len(children(process.pid)) >= 2, seconds=60)
        workers = children(process.pid)
        assert len(workers) >= 2
        time.sleep(0.5)  # parsing
        process.send_signal(signal.SIGKILL)
        process.wait()
        with writer(db_path, "a test", wait=0):  # at once: the workers hold no lock, even while they live
            pass
        wait_until(lambda: not any(alive(w) for w in workers), seconds=10)
        assert not any(alive(w) for w in workers)
    finally:
        process.kill()
        for w in [w for w in workers if alive(w)]:
            os.kill(w, signal.SIGKILL)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts this process's descriptors in /proc")
def test_a_process_that_locks_many_databases_keeps_few_open(tmp_path):
    from pipeline import lock

    def databases_open():
        return sum(1 for fd in Path("/proc/self/fd").iterdir() if os.path.realpath(fd).startswith(str(tmp_path)))

    for i in range(lock.KEEP_OPEN * 2):
        path = tmp_path / f"{i}.db"
        path.write_bytes(b"")
        with writer(path, "a test"):
            pass
    assert databases_open() <= lock.KEEP_OPEN
