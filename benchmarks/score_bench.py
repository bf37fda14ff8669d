"""Benchmark the scorer against the fake Messages API answering each call
after a fixed delay (1 s by default), on a copy of data.db.

Prints the wall time to score every occupation at each concurrency, and the
median input tokens per occupation (as the fake server counts them: about
four characters a token, rubric included). ``--kind`` makes the fake one of
the local servers (tests/fake_anthropic.py, KINDS): the run then probes it,
sends the schema as it can, and reads free-text answers.

    python benchmarks/score_bench.py [--delay 1] [--concurrency 1 --concurrency 16] [--kind ollama]
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click
import sqlite_utils

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from fake_anthropic import KINDS, FakeAnthropic  # noqa: E402


@click.command()
@click.option("--delay", default=1.0, show_default=True, help="Seconds the fake API takes to answer each call.")
@click.option("--concurrency", "levels", multiple=True, type=int, default=(1, 16), show_default=True)
@click.option("--criterion", default="ai_exposure", show_default=True)
@click.option("--kind", type=click.Choice(sorted(KINDS)), default="claude", show_default=True, help="The server the fake is.")
def main(delay, levels, criterion, kind):
    fake = FakeAnthropic(delay=delay, kind=kind)
    env = {name: value for name, value in {**os.environ, **fake.env()}.items() if value is not None}
    model = "claude-haiku-5-5" if kind == "claude" else "qwen3:8b"
    with tempfile.TemporaryDirectory() as tmp:
        for level in levels:
            db_path = Path(tmp) / f"c{level}.db"
            shutil.copy(ROOT / "data.db", db_path)
            command = [
                sys.executable,
                "-m",
                "score",
                "run",
                "--criterion",
                criterion,
                "--db",
                str(db_path),
                "--concurrency",
                str(level),
                "--model",
                model,
            ]
            started = time.perf_counter()
            result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
            elapsed = time.perf_counter() - started
            if result.returncode != 0:
                raise click.ClickException(result.stdout + result.stderr)
            tokens = [
                r[0]
                for r in sqlite_utils.Database(db_path).execute(
                    "select input_tokens from scores where run_id = (select max(id) from runs where kind = 'model')"
                )
            ]
            click.echo(
                f"concurrency {level:>2}: {len(tokens)} occupations in {elapsed:6.1f} s  "
                f"({'target < 40 s' if level == 16 else 'no target'})  [{result.stdout.strip()}]"
            )
        click.echo(
            f"median input tokens per occupation: {statistics.median(tokens):,.0f} (min {min(tokens):,}, max {max(tokens):,})"
        )
    fake.close()


if __name__ == "__main__":
    main()
