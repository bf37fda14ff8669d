"""Benchmark the build: a full build with nothing kept from before, a
rebuild with nothing changed, and a rebuild after one occupation's title
changed (its page and preview made anew, the map drawn again, the other
previews reused). Each from a copy of the committed data.db.

    python benchmarks/build_bench.py [--runs 5]

Targets (issue 29): a full build at most 3 s on two cores, a rebuild with
nothing changed at most 1 s.
"""

import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from website.write import build  # noqa: E402


def timed(action):
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


@click.command()
@click.option("--runs", default=5, show_default=True, help="Builds of each kind to take the median of.")
def main(runs):
    quiet = lambda line: None  # noqa: E731
    full, same, changed = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(shutil.copy(ROOT / "data.db", Path(tmp) / "data.db"))
        out = Path(tmp) / "_site"
        for run in range(runs):
            for folder in (out, out.with_name("_site.cache")):
                shutil.rmtree(folder, ignore_errors=True)
            full.append(timed(lambda: build(db, out, log=quiet)))
            same.append(timed(lambda: build(db, out, log=quiet)))
            with sqlite3.connect(db) as conn:
                conn.execute("update occupations set title = ? where slug = 'actors'", (f"Actors {run}",))
            changed.append(timed(lambda: build(db, out, log=quiet)))
    for name, times, target in (
        ("full build, nothing kept", full, "<= 3 s"),
        ("rebuild, nothing changed", same, "<= 1 s"),
        ("rebuild, one title changed", changed, "no target"),
    ):
        click.echo(f"{name:<28} median {statistics.median(times):6.3f} s over {runs} (min {min(times):.3f}, target {target})")


if __name__ == "__main__":
    main()
