"""Benchmark the static site: build time, what the home page loads before the
treemap is drawn (raw and gzipped), and navigation-to-drawn time in headless
Chromium.

    python benchmarks/site_bench.py [--runs 5]
"""

import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from conftest import CHROMIUM_ARGS, chromium_path  # noqa: E402
from servers import Server  # noqa: E402

import build  # noqa: E402

# What index.html loads before it draws; data/details.json comes after.
FIRST_LOAD = ["index.html", "assets/site.css", *[f"assets/{m}.min.js" for m in build.D3_MODULES], "assets/treemap.js"]


@click.command()
@click.option("--runs", default=5, show_default=True, help="Builds and page loads to take the median of.")
def main(runs):
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "_site"
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            build.build(ROOT / "data.db", out)
            times.append(time.perf_counter() - started)
        click.echo(f"build: median {statistics.median(times):.3f} s over {runs} builds (target < 1 s)")

        raw = gz = 0
        for name in FIRST_LOAD:
            data = (out / name).read_bytes()
            raw += len(data)
            gz += len(gzip.compress(data, 9))
            click.echo(f"  {name:<32} {len(data):>8,} B  {len(gzip.compress(data, 9)):>7,} B gzipped")
        click.echo(f"before the treemap is drawn: {raw / 1024:.1f} KB raw, {gz / 1024:.1f} KB gzipped (target <= 80 KB gzipped)")
        after = (out / "data" / "details.json").read_bytes()
        click.echo(
            f"loaded after drawing: data/details.json {len(after) / 1024:.1f} KB raw, {len(gzip.compress(after, 9)) / 1024:.1f} KB gzipped"
        )

        server = Server(out)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            drawn = []
            for _ in range(runs):
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(server.url + "/")
                page.wait_for_function("document.documentElement.dataset.drawn")
                # performance.now() counts from the start of navigation.
                drawn.append(int(page.evaluate("document.documentElement.dataset.drawn")))
                page.close()
            browser.close()
        server.close()
        click.echo(f"navigation to drawn treemap: median {statistics.median(drawn)} ms over {runs} loads (target < 500 ms)")


if __name__ == "__main__":
    main()
