"""One writer at a time for data.db, whatever the stage.

Every command that writes data.db (``python -m scrape``, ``measures``,
``score run``, ``import``, ``use``, ``consensus``, ``space``, ``compare``)
holds the writer lock while it works. A scorer holds it for as long as it
pays for calls: any other writer refuses at once, with one line, rather than
wait for hours or make it lose a reply to SQLite's "database is locked". Any
other writer holds it for seconds: a second one waits for it, saying so in
one line, for at most ``WAIT`` seconds (or ``$WORKLENS_WRITE_WAIT``), then
goes on, or refuses with one line. Readers (build.py, Datasette) take no
part: SQLite lets them read meanwhile.

The lock is the kernel's (flock) on a small file beside the database,
``data.db.lock``, which names its holder and is removed when it is released.
The kernel lets go of it when the holder dies, however it dies; a file left
by a killed holder is simply taken over. It is never the database file
itself: closing a second descriptor of the database would drop the locks
SQLite holds on it.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: no lock; one writer at a time is up to the user
    LOCKS = False
else:
    LOCKS = True

WAIT_VARIABLE = "WORKLENS_WRITE_WAIT"
WAIT = 30.0  # seconds a writer waits for another (not a scorer) to finish
POLL = 0.1


class Busy(RuntimeError):
    """Another command is writing the database: the one line to show."""


# The locks this thread holds, so that a command holding the lock can call
# code that takes it again (score run, then each run it makes).
_held = threading.local()


def lock_path(db_path: str | Path) -> Path:
    path = Path(db_path)
    return path.with_name(path.name + ".lock")


def wait_seconds() -> float:
    """How long a writer waits for another: ``$WORKLENS_WRITE_WAIT`` or WAIT."""
    value = os.environ.get(WAIT_VARIABLE)
    if value is None or not value.strip():
        return WAIT
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise Busy(f"{WAIT_VARIABLE} must be a number of seconds, 0 or more (it is {value!r})")
    return seconds


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def writer(
    db_path: str | Path,
    command: str,
    *,
    scorer: bool = False,
    wait: float | None = None,
    log: Callable[[str], object] = _say,
) -> Iterator[None]:
    """Hold the writer lock of ``db_path`` for the block. ``command`` names
    this writer to the others (``python -m compare``); ``scorer`` says it may
    hold the lock for hours, so the others do not wait for it. Raises Busy,
    with the one line to show, when the lock cannot be had; a thread that
    holds it already simply goes on."""
    path = lock_path(db_path)
    held: set[str] = _held.__dict__.setdefault("paths", set())
    key = os.path.realpath(path)
    if not LOCKS or key in held:
        yield
        return
    descriptor = _acquire(path, db_path, command, scorer, wait_seconds() if wait is None else wait, log)
    if descriptor is None:  # no file can be made there: the command fails on its own, with its own message
        yield
        return
    held.add(key)
    try:
        yield
    finally:
        held.discard(key)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        os.close(descriptor)  # the lock goes with the last descriptor


def _acquire(
    path: Path, db_path: str | Path, command: str, scorer: bool, wait: float, log: Callable[[str], object]
) -> int | None:
    deadline: float | None = None
    said = False
    while True:
        try:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(descriptor)
            os.close(descriptor)
            if holder.get("scorer"):
                raise Busy(
                    f"another scorer is running on {db_path}; wait for it to finish (or stop it), then run again"
                ) from None
            who = _name(holder)
            now = time.monotonic()
            deadline = now + wait if deadline is None else deadline
            if now >= deadline:
                raise Busy(
                    f"{who} is still writing {db_path}"
                    + (f" after {wait:g} s" if wait else "")
                    + "; run again when it has finished"
                ) from None
            if not said:
                log(f"waiting up to {wait:g} s for {who} to finish writing {db_path}")
                said = True
            time.sleep(POLL)
            continue
        # The holder before us may have removed the file as it let go: the
        # lock is only ours if it is on the file the path names now.
        try:
            current = os.path.samestat(os.fstat(descriptor), os.stat(path))
        except FileNotFoundError:
            current = False
        if not current:
            os.close(descriptor)
            continue
        record = {"pid": os.getpid(), "command": command, "scorer": scorer}
        os.ftruncate(descriptor, 0)
        os.write(descriptor, (json.dumps(record) + "\n").encode())
        return descriptor


def _holder(descriptor: int) -> dict[str, Any]:
    """What the holder wrote about itself (nothing yet, if it has only just taken the lock)."""
    try:
        data = os.pread(descriptor, 4096, 0)
        found = json.loads(data.decode())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _name(holder: dict[str, Any]) -> str:
    command, pid = holder.get("command"), holder.get("pid")
    if not isinstance(command, str) or not command:
        return "another command"
    return f"{command} (pid {pid})" if isinstance(pid, int) else command
