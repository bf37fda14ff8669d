"""The ``python -m compare`` command: options in, refresh.run(), a summary out."""

import sqlite3

import click

from pipeline.cli import db_option
from pipeline.db import NotReady, open_db
from pipeline.lock import Busy, writer

from . import refresh
from .measures import SameName


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@db_option("The database the earlier stages wrote.")
def cli(db_path: str) -> None:
    """Say how every score, measure and run agrees with every other.

    Reads the current and complete runs of every criterion (python -m score)
    and the published measures and task labels (python -m measures), and
    writes score_percentiles (each current score as a percentile),
    measure_agreement (rank correlation of every pair of measures and
    criteria, plain and weighted by jobs, with 95% bootstrap intervals),
    task_agreement (task-level runs against people's and GPT-4's labels) and
    run_agreement (every pair of complete runs). Run it after any stage
    before it; a table whose rows did not change is not written.

    Example:

        python -m compare
    """
    try:
        with writer(db_path, "python -m compare", log=lambda message: click.echo(message, err=True)):
            db = open_db(db_path)
            changed = refresh.run(db)
    except (Busy, NotReady, SameName) as exc:
        raise click.ClickException(str(exc)) from None
    except (sqlite3.OperationalError, KeyError) as exc:
        # Another stage's table as an older version made it: that stage brings
        # it up to date (only the stage that owns a table writes it).
        raise click.ClickException(
            f"{db_path} holds a table of an older version ({type(exc).__name__}: {exc}): "
            "run the stage that writes it (python -m score, measures or space) again, then python -m compare"
        ) from None
    except sqlite3.Error as exc:
        raise click.ClickException(f"{db_path} cannot be used: {exc}") from None
    written = [table for table, did in changed.items() if did]
    click.echo(f"updated {', '.join(written)}" if written else "nothing changed")
    for a, b, n, rho, low, high in db.execute(
        "select a, b, n, spearman, spearman_low, spearman_high from measure_agreement where a_kind = 'criterion' order by spearman desc"
    ):
        # A side whose values are all equal has no ranks to correlate: no rho, no interval.
        said = "n/a" if rho is None else f"{rho:.2f}" + ("" if low is None else f" (95% {low:.2f} to {high:.2f})")
        click.echo(f"{a} ~ {b}: Spearman {said} over {n} occupations")
