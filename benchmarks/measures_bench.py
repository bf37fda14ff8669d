"""Benchmark python -m measures: the time to load every published
measure, the tasks, their work activities, the titles, the technology and the
related occupations into a copy of data.db, a no-op rerun, the export of the
published workbooks that --fetch makes, and the agreement (bootstrap
intervals) alone.

    python benchmarks/measures_bench.py [--reference DIR]
"""

import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import click
import sqlite_utils

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from compare.measures import agreement_rows  # noqa: E402
from compare.ranks import BOOTSTRAP  # noqa: E402
from measures import load as measures  # noqa: E402
from measures import store, workbooks  # noqa: E402
from measures.definitions import load_definitions  # noqa: E402
from measures.fetch import workbook_name  # noqa: E402
from pipeline.db import schema_columns  # noqa: E402


@click.command()
@click.option(
    "--reference", type=click.Path(file_okay=False), default=str(measures.DEFAULT_REFERENCE), show_default="../shared/reference"
)
@click.option("--repeat", default=3, show_default=True, help="Runs of each step.")
def main(reference, repeat):
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeat):
            db_path = Path(tmp) / f"data{i}.db"
            shutil.copy(ROOT / "data.db", db_path)
            db = sqlite_utils.Database(db_path)
            # What the measures stage writes, as its schema names it, and the agreement compare works out from it.
            for table in [*schema_columns(store.SCHEMA), "measure_agreement"]:
                db.execute(f"delete from [{table}]")
            db.conn.commit()
            started = time.perf_counter()
            measures.run(db, reference)
            full = time.perf_counter() - started
            started = time.perf_counter()
            changed = measures.run(db, reference)
            noop = time.perf_counter() - started
            started = time.perf_counter()
            pairs = agreement_rows(db)
            agreement = time.perf_counter() - started
            books = [f for f in load_definitions().files if f.workbook]
            started = time.perf_counter()
            for f in books:
                workbooks.export(Path(reference) / "workbooks" / workbook_name(f), f.sheet, f.header_row, f.columns)
            export = time.perf_counter() - started
            click.echo(
                f"run {i + 1}: full load {full:.2f} s, no-op rerun {noop:.2f} s (wrote {sum(changed.values())} tables), "
                f"export of {len(books)} workbooks {export:.2f} s, "
                f"agreement alone {agreement:.2f} s for {len(pairs)} pairs x {BOOTSTRAP} resamples"
            )
    click.echo(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
