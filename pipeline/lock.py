"""One writer at a time for data.db, whatever the stage.

Every command that writes data.db (``python -m scrape``, ``measures``,
``score run``, ``import``, ``use``, ``consensus``, ``space``, ``compare``)
holds the writer lock while it works. A scorer holds it for as long as it
pays for calls: any other writer refuses at once, with one line, rather than
wait for hours or make it lose a reply to SQLite's "database is locked". Any
other writer holds it for seconds: a second one waits for it, saying so in
one line, for at most ``WAIT`` seconds (or ``$WORKLENS_WRITE_WAIT``), then
goes on, or refuses with one line. Readers (build.py, Datasette) take no
part: SQLite lets them read meanwhile. A writer that cannot take the lock
refuses, with one line; it never goes on unlocked.

The lock is the kernel's (flock), taken twice, so that every name of the
database leads to it:

- on a small file beside the database (beside the file itself, wherever a
  symbolic link to it points), ``data.db.lock``, which names its holder and
  is removed when it is released. It must be a plain file: it is never
  followed through a symbolic link, so nothing else is ever written over;
- on the database file itself, through a descriptor this process opens once
  and keeps open (closing any descriptor of the database would drop the
  locks SQLite holds on it; flock's lock is apart from SQLite's). Two hard
  links to one database are one file: they share this lock.

The kernel lets go of both when the holder dies, however it dies; a file left
by a killed holder is simply taken over. A process forked by the holder (a
pool of parsers) closes its copies at once, so it never keeps the lock after
its parent is gone.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import stat
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
    """Another command is writing the database, or the lock cannot be had: the one line to show."""


# The databases this thread holds the lock of (device, inode or the lock
# file's path), so that a command holding the lock can call code that takes
# it again (score run, then each run it makes).
_held = threading.local()
# Every descriptor that holds a lock, and the descriptor of each database
# opened to lock it (kept open: see the module's docstring), by process.
_guard = threading.Lock()
_locking: set[int] = set()
_databases: dict[tuple[int, int], int] = {}  # oldest used first
_flocked: set[tuple[int, int]] = set()  # the databases this process holds the lock of now
# Databases whose descriptor stays open: a command locks one, a test process
# hundreds. Past this, the one used longest ago and not locked now is
# closed (its writes long done, SQLite holds no lock on it).
KEEP_OPEN = 32


def lock_path(db_path: str | Path) -> Path:
    """The lock file: beside the database file itself, whatever link names it."""
    path = Path(os.path.realpath(db_path))
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


def _forget_in_child() -> None:
    """In a process forked by a holder: close its copies of the locking
    descriptors, which would otherwise hold the lock for as long as it lives."""
    for descriptor in (*_locking, *_databases.values()):
        with contextlib.suppress(OSError):
            os.close(descriptor)
    _locking.clear()
    _databases.clear()
    _flocked.clear()
    _held.__dict__.clear()


if LOCKS:
    os.register_at_fork(after_in_child=_forget_in_child)


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
    if not LOCKS:
        yield
        return
    held: set[object] = _held.__dict__.setdefault("keys", set())
    path = lock_path(db_path)
    database = _database(db_path)
    keys: set[object] = {str(path)} | ({database[0]} if database else set())
    if keys & held:
        yield
        return
    # A first scrape into a new folder: the folder is made for the lock file
    # (as the scrape would make it), and removed again if nothing was put in it.
    made = [folder for folder in path.parents if not folder.exists()]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Busy(f"cannot lock {db_path} for writing: its folder cannot be made ({exc.strerror})") from None
    try:
        descriptor = _acquire(path, db_path, database, command, scorer, wait_seconds() if wait is None else wait, log)
        held.update(keys)
        try:
            yield
        finally:
            held.difference_update(keys)
            _release(path, descriptor, database)
    finally:
        for folder in made:
            with contextlib.suppress(OSError):
                folder.rmdir()


def _database(db_path: str | Path) -> tuple[tuple[int, int], int] | None:
    """The database file's identity and this process's descriptor of it,
    opened once; None while there is no database there yet (a first scrape),
    or where it is no file SQLite could write (the command then fails on its own)."""
    try:
        found = os.stat(db_path)
    except OSError:
        return None
    identity = (found.st_dev, found.st_ino)
    with _guard:
        if identity not in _databases:
            if not stat.S_ISREG(found.st_mode):
                return None
            try:
                descriptor = os.open(db_path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
            except OSError:
                return None
            if not os.path.samestat(os.fstat(descriptor), found):
                os.close(descriptor)
                return None
            for old in [key for key in _databases if key not in _flocked][: max(len(_databases) + 1 - KEEP_OPEN, 0)]:
                os.close(_databases.pop(old))
            _databases[identity] = descriptor
        _databases[identity] = _databases.pop(identity)  # the most recently used, last
        return identity, _databases[identity]


def _open_lock_file(path: Path, db_path: str | Path) -> int:
    """The lock file, made if it is not there; Busy if it is anything but a plain file."""
    refused = f"cannot lock {db_path} for writing: {path}"
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Busy(f"{refused} is a symbolic link, which is never followed; remove it and run again") from None
        if exc.errno == errno.EISDIR:
            raise Busy(f"{refused} is a folder; remove it and run again") from None
        raise Busy(f"{refused} cannot be opened ({exc.strerror})") from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise Busy(f"{refused} is not a plain file; remove it and run again")
    return descriptor


def _acquire(
    path: Path,
    db_path: str | Path,
    database: tuple[tuple[int, int], int] | None,
    command: str,
    scorer: bool,
    wait: float,
    log: Callable[[str], object],
) -> int:
    deadline: float | None = None
    said = False
    while True:
        descriptor = _open_lock_file(path, db_path)
        holder: dict[str, Any] | None = None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(descriptor)
            os.close(descriptor)
        else:
            # The holder before us may have removed the file as it let go: the
            # lock is only ours if it is on the file the path names now.
            try:
                current = os.path.samestat(os.fstat(descriptor), os.stat(path, follow_symlinks=False))
            except FileNotFoundError:
                current = False
            if not current:
                os.close(descriptor)
                continue
            if database is not None:
                try:
                    fcntl.flock(database[1], fcntl.LOCK_EX | fcntl.LOCK_NB)
                    with _guard:
                        _flocked.add(database[0])
                except BlockingIOError:
                    # Held through another name of the same file (a hard link), whose lock file we cannot read.
                    holder = {"command": "another command (through another name of the same database)"}
                    os.close(descriptor)
        if holder is None:
            break
        if holder.get("scorer"):
            raise Busy(f"another scorer is running on {db_path}; wait for it to finish (or stop it), then run again")
        who = _name(holder)
        now = time.monotonic()
        deadline = now + wait if deadline is None else deadline
        if now >= deadline:
            raise Busy(
                f"{who} is still writing {db_path}" + (f" after {wait:g} s" if wait else "") + "; run again when it has finished"
            )
        if not said:
            log(f"waiting up to {wait:g} s for {who} to finish writing {db_path}")
            said = True
        time.sleep(POLL)
    with _guard:
        _locking.add(descriptor)
    record = {"pid": os.getpid(), "command": command, "scorer": scorer}
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, (json.dumps(record) + "\n").encode(), 0)
    return descriptor


def _release(path: Path, descriptor: int, database: tuple[tuple[int, int], int] | None) -> None:
    if database is not None:
        with _guard:
            _flocked.discard(database[0])
        fcntl.flock(database[1], fcntl.LOCK_UN)  # unlocked; closed only much later (see KEEP_OPEN)
    with contextlib.suppress(OSError):
        if os.path.samestat(os.fstat(descriptor), os.stat(path, follow_symlinks=False)):
            os.unlink(path)
    with _guard:
        _locking.discard(descriptor)
    os.close(descriptor)  # the lock goes with the last descriptor


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
