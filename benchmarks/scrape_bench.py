"""Benchmark the scraper on the local copy of the OOH (all 342 pages).

Prints: the time of a first scrape over loopback HTTP, the time and peak
memory of a full parse of every cached page into a new database (and of the
parser alone, in process), and the time of a no-op re-run (conditional GETs
all answered 304).

Baseline, measured by hand (2026-11-25, this machine): karpathy/jobs's
make_csv.py (html.parser, Quick Facts and the first projections row, one CSV)
took 9.2 s over the same 342 pages. The full parse (python -m scrape
--offline: pages parsed in parallel where more than one CPU is free, written
in one transaction, the full-text index rebuilt once) is aimed at a quarter
of that. Its CPU time (user and system, its parsing processes included) and
the machine's load average are printed beside it: on a machine shared with
other work the wall-clock time says as much about the others as about it.

    python benchmarks/scrape_bench.py [--copy ../shared/bls-ooh]
"""

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from servers import Server  # noqa: E402

from scrape import crawl  # noqa: E402

BASELINE = 9.2  # seconds: make_csv.py over the same pages, measured by hand (see above)


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command):
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise click.ClickException(f"{' '.join(command)} failed: {result.stderr.strip()}")
    return elapsed, result.stdout.strip()


@click.command()
@click.option(
    "--copy",
    "copy_dir",
    default=str(ROOT.parent / "shared" / "bls-ooh"),
    show_default=True,
    type=click.Path(exists=True, file_okay=False),
)
def main(copy_dir):
    server = Server(copy_dir)
    with tempfile.TemporaryDirectory() as tmp:
        base = [sys.executable, "-m", "scrape", "--cache", f"{tmp}/cache", "--delay", "0", "--base-url", server.url]

        # The full parse runs first, alone, so the children's peak RSS is its own.
        first, _ = timed(base + ["--db", f"{tmp}/first.db"])
        load = os.getloadavg()[0]
        cpu_before = children_cpu()
        parse_time, summary = timed(base + ["--db", f"{tmp}/parse.db", "--offline"])
        parse_cpu = children_cpu() - cpu_before
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        noop_time, noop_summary = timed(base + ["--db", f"{tmp}/first.db"])
        size_mib = Path(f"{tmp}/first.db").stat().st_size / 2**20
        pages = [
            (p.read_text(), "/" + str(p.relative_to(tmp + "/cache"))) for p in sorted(Path(tmp, "cache", "ooh").rglob("*.htm"))
        ]
    server.close()

    # The parser alone, in this process: what BeautifulSoup costs, apart from
    # starting Python, the A-Z index and writing data.db.
    from scrape import parse

    pages = [(html, path) for html, path in pages if parse.occupation_path(path) and not path.endswith("/a-z-index.htm")]
    started = time.perf_counter()
    for html, path in pages:
        parse.parse_occupation(html, path)
    parse_only = time.perf_counter() - started

    click.echo(f"first scrape over loopback HTTP:    {first:6.2f} s")
    click.echo(
        f"full parse of 342 cached pages:     {parse_time:6.2f} s   = {parse_time / BASELINE:.2f} of the baseline's {BASELINE} s "
        f"(target <= 0.25)  peak RSS {peak_mib:.0f} MiB"
    )
    click.echo(f"  CPU time {parse_cpu:.2f} s over {crawl.workers()} CPU(s); load average {load:.1f} before it")
    click.echo(f"  {summary}")
    click.echo(f"  of which parsing the {len(pages)} pages:  {parse_only:6.2f} s")
    click.echo(f"no-op re-run (all 304 Not Modified): {noop_time:6.2f} s   (target < 3 s)")
    click.echo(f"  {noop_summary}")
    click.echo(f"data.db size:                       {size_mib:6.2f} MiB")


if __name__ == "__main__":
    main()
