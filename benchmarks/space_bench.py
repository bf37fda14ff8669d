"""Benchmark the labour space: for each backend installed here, the time to
embed all occupations and the recall of BLS's Similar Occupations among the
nearest neighbours on the held-out half, next to the random and
same-category baselines; and the work backend's recall on the tuning half
its mix was chosen on.

    python benchmarks/space_bench.py
"""

import shutil
import sys
import tempfile
import time
from pathlib import Path

import click
import sqlite_utils

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from space import embed  # noqa: E402


@click.command()
def main():
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "data.db"
        shutil.copy(ROOT / "data.db", db_path)
        db = sqlite_utils.Database(db_path)
        baselines = {}
        click.echo(f"{'method':<42} {'recall@5':>9} {'recall@10':>10} {'time':>8}")
        for backend in embed.BACKENDS:
            started = time.perf_counter()
            try:
                name, _, results = embed.run(db, backend, force=True)
            except embed.BackendMissing as exc:
                click.echo(f"{backend:<42} not installed here ({exc})")
                continue
            elapsed = time.perf_counter() - started
            for truth, evaluations, links in results:
                ours = next(e for e in evaluations if e.method == embed.NEAREST)
                click.echo(f"{name + ' vs ' + truth:<42} {ours.recall[5]:>9.3f} {ours.recall[10]:>10.3f} {elapsed:>7.1f}s")
                baselines.setdefault(truth, ([e for e in evaluations if e.method != embed.NEAREST], links))
        # The mix is chosen on the tuning half's links: its recall there is an
        # upper reading, the held-out one above the honest one.
        corpus, _ = embed.corpus_of(db, reads_work=True)
        parts = embed.work_parts(corpus)
        mix = embed.choose_mix(parts, corpus)
        tuned = embed.tuning_recall(parts, corpus, mix)
        click.echo(f"{'work-tfidf on the tuning half it chose on':<42} {'':>9} {tuned:>10.3f}")
        click.echo(f"  (mix: {', '.join(f'{p} x{w:g}' for p, w in mix.items())})")
        for truth, (found, links) in baselines.items():
            for e in found:
                click.echo(f"{'baseline: ' + e.method + ' vs ' + truth:<42} {e.recall[5]:>9.3f} {e.recall[10]:>10.3f}")
            click.echo(f"  ({links:,} {truth} links between {db['occupations'].count} occupations)")


if __name__ == "__main__":
    main()
