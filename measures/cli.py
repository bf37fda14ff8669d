"""The ``python -m measures`` command: options in, load.run(), a summary out."""

import click

from pipeline.db import NotReady, open_db

from . import load
from .definitions import MEASURES_FILE, MeasureError


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--reference",
    type=click.Path(file_okay=False),
    default=str(load.DEFAULT_REFERENCE),
    show_default="../shared/reference",
    help="Folder of the published datasets (see its README).",
)
@click.option(
    "--definitions",
    "definitions_file",
    type=click.Path(dir_okay=False),
    default=str(MEASURES_FILE),
    show_default="measures/measures.toml",
    help="The file that describes each measure.",
)
@click.option(
    "--db",
    "db_path",
    default="data.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The database written by python -m scrape.",
)
def cli(reference: str, definitions_file: str, db_path: str) -> None:
    """Load published measures of AI exposure, O*NET tasks and related occupations.

    Reads each measure in measures/measures.toml from the reference folder and
    carries it to OOH occupations through the SOC codes on each page (weighted
    by base-year employment; broad codes take their detailed codes; SOC 2010
    and ISCO-08 through the crosswalks), never imputing one it does not reach.
    Also loads each occupation's O*NET tasks with GPT-4's and people's
    exposure labels (task-level scoring reads them) and O*NET's related
    occupations (the labour space is checked against them). Writes tables
    measures, measure_values, measure_consensus, tasks and onet_related.
    Running it again with the same files writes nothing; python -m compare
    then says how the measures and our scores agree.

    Example:

        python -m measures --reference ../shared/reference
    """
    try:
        db = open_db(db_path)
        changed = load.run(db, reference, definitions_file, log=click.echo)
    except (NotReady, MeasureError) as exc:
        raise click.ClickException(str(exc)) from None
    written = [table for table, did in changed.items() if did]
    click.echo(f"updated {', '.join(written)}" if written else "nothing changed")
