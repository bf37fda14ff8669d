"""Benchmark the scraper on the local copy of the OOH (all 342 pages).

Prints: the time of a first scrape over loopback HTTP, the time and peak
memory of a full parse of every cached page into a new database (and of the
parser alone, in process), and the time of a no-op re-run (conditional GETs
all answered 304).

Baseline: karpathy/jobs's make_csv.py (html.parser, Quick Facts and the
first projections row, one CSV) over the same 342 pages. Give --baseline a
checkout of karpathy/jobs and the benchmark lays the cached pages out as that
script expects and times it in turn with the full parse (A B A B ...), so the
ratio holds when the machine's speed drifts; without it, the figure below is
used, measured that way by hand. The full parse (python -m scrape --offline:
pages parsed in parallel where more than one CPU is free, written in one
transaction, the full-text index rebuilt once) is aimed at a quarter of the
baseline. Its CPU time (user and system, its parsing processes included) and
the machine's load average are printed beside it: on a machine shared with
other work the wall-clock time says as much about the others as about it.

    python benchmarks/scrape_bench.py [--copy ../shared/bls-ooh] [--baseline ../jobs] [--pairs 3]
"""

import json
import os
import resource
import statistics
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

from scrape import crawl, parse  # noqa: E402

# seconds: make_csv.py's median over five runs paired with the parse's, on a
# quiet two-CPU machine (farm-bench, 2026-11-30; the parse's median was 3.03 s,
# 0.22 of it pair by pair). An earlier single timing said 9.2 s.
BASELINE = 13.7


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command, cwd=ROOT):
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise click.ClickException(f"{' '.join(command)} failed: {result.stderr.strip()}")
    return elapsed, result.stdout.strip()


def lay_out_for_baseline(cache: Path, into: Path) -> Path:
    """The cached pages as make_csv.py reads them: html/SLUG.html, and an
    occupations.json giving each page's slug, category and path."""
    (into / "html").mkdir(parents=True)
    occupations = []
    for page in sorted((cache / "ooh").rglob("*.htm")):
        path = "/" + str(page.relative_to(cache))
        if not parse.occupation_path(path) or page.name == "a-z-index.htm":
            continue
        (into / "html" / f"{page.stem}.html").write_bytes(page.read_bytes())
        occupations.append({"title": page.stem, "category": page.parent.name, "slug": page.stem, "url": path})
    (into / "occupations.json").write_text(json.dumps(occupations))
    return into


@click.command()
@click.option(
    "--copy",
    "copy_dir",
    default=str(ROOT.parent / "shared" / "bls-ooh"),
    show_default=True,
    type=click.Path(exists=True, file_okay=False),
)
@click.option(
    "--baseline",
    "baseline_dir",
    type=click.Path(exists=True, file_okay=False),
    help="A checkout of karpathy/jobs: its make_csv.py is timed in turn with the full parse.",
)
@click.option("--pairs", default=3, show_default=True, type=click.IntRange(1, 20), help="Runs of each, in turn, with --baseline.")
def main(copy_dir, baseline_dir, pairs):
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
        baseline = None
        if baseline_dir:
            script = Path(baseline_dir, "make_csv.py")
            if not script.is_file():
                raise click.ClickException(f"{script} not found: --baseline takes a checkout of karpathy/jobs")
            layout = lay_out_for_baseline(Path(tmp, "cache"), Path(tmp, "baseline"))
            ours, theirs = [], []
            for i in range(pairs):
                ours.append(timed(base + ["--db", f"{tmp}/pair{i}.db", "--offline"])[0])
                theirs.append(timed([sys.executable, str(script.resolve())], cwd=layout)[0])
            baseline = (
                statistics.median(ours),
                statistics.median(theirs),
                statistics.median(a / b for a, b in zip(ours, theirs)),
            )
    server.close()

    # The parser alone, in this process: what BeautifulSoup costs, apart from
    # starting Python, the A-Z index and writing data.db.
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
    if baseline:
        ours, theirs, ratio = baseline
        click.echo(
            f"  in turn with make_csv.py, {pairs} of each: {ours:.2f} s against {theirs:.2f} s (medians), "
            f"{ratio:.2f} of it pair by pair (target <= 0.25)"
        )
    click.echo(f"  CPU time {parse_cpu:.2f} s over {crawl.workers()} CPU(s); load average {load:.1f} before it")
    click.echo(f"  {summary}")
    click.echo(f"  of which parsing the {len(pages)} pages:  {parse_only:6.2f} s")
    click.echo(f"no-op re-run (all 304 Not Modified): {noop_time:6.2f} s   (target < 3 s)")
    click.echo(f"  {noop_summary}")
    click.echo(f"data.db size:                       {size_mib:6.2f} MiB")


if __name__ == "__main__":
    main()
