"""The ``python -m measures`` command: options in, load.run(), a summary out."""

import click

from pipeline.cli import db_option
from pipeline.db import NotReady, open_db
from pipeline.lock import Busy, writer

from . import fetch as fetching
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
@db_option()
@click.option(
    "--fetch",
    is_flag=True,
    help="Read the files from their publishers, at the full commits and SHA-256 that measures.toml pins "
    "(a sheet of a published workbook is exported to CSV and checked too), fetched into --cache where it "
    "lacks them (not from --reference). Fetches nothing when data.db already holds a load of those files "
    "from the same SOC codes and jobs.",
)
@click.option(
    "--cache",
    "cache_dir",
    type=click.Path(file_okay=False),
    default=str(fetching.DEFAULT_CACHE),
    show_default=True,
    help="With --fetch: the folder the files are fetched into and read from.",
)
@click.option(
    "--mirror",
    metavar="URL",
    help="With --fetch: fetch every file from URL/<its path> instead, a copy of the reference folder served over https.",
)
@click.option(
    "--base-url",
    metavar="URL",
    envvar="WORKLENS_MEASURES_BASE_URL",
    show_envvar=True,
    help="With --fetch: fetch each published address from URL in place of its https://host, keeping its path "
    "(a server laid out like the publishers', such as a test's on loopback).",
)
@click.option(
    "--deadline",
    type=click.FloatRange(min=0, min_open=True),
    default=fetching.DEADLINE,
    show_default=True,
    metavar="SECONDS",
    help="With --fetch: the most one download may take, however slowly its bytes arrive.",
)
@click.option(
    "--accept-shorter",
    is_flag=True,
    help="Load a file with fewer keys (codes, tasks, titles) than the one loaded before (otherwise refused as "
    "truncated); a file cut inside a row or a value is refused all the same.",
)
def cli(
    reference: str,
    definitions_file: str,
    db_path: str,
    fetch: bool,
    cache_dir: str,
    mirror: str | None,
    base_url: str | None,
    deadline: float,
    accept_shorter: bool,
) -> None:
    """Load published measures of AI exposure, and O*NET's tasks, work activities, titles, technology and related occupations.

    Reads each measure in measures/measures.toml from the reference folder and
    carries it to OOH occupations through the SOC codes on each page (weighted
    by base-year employment; a broad code takes its own value where the
    measure has one, else its detailed codes; O*NET's .00 code where the
    measure has it; SOC 2010 and ISCO-08 through the crosswalks), never
    imputing one it does not reach.
    Also loads each occupation's O*NET tasks with GPT-4's and people's
    exposure labels (task-level scoring reads them), the work activities of
    those tasks, the names people use for the occupation (O*NET's, alternate,
    short and reported titles), the technology it uses, and O*NET's related
    occupations (the labour space is checked against them). Writes tables
    measures, measure_values, measure_consensus, tasks, work_activities,
    task_activities, occupation_activities, occupation_titles,
    occupation_technology, onet_related and measure_files.
    Running it again with the same files writes nothing; python -m compare
    then says how the measures and our scores agree.

    Every file is checked whole before anything is written, and recorded
    (bytes, rows, distinct keys, SHA-256) in the table measure_files; a file
    with fewer keys than the one loaded before is refused unless
    --accept-shorter, and one that now ends mid-line (cut inside a row or a
    value) is refused always.

    Examples:

        python -m measures --reference ../shared/reference

        python -m measures --fetch
    """
    try:
        with writer(db_path, "python -m measures", log=lambda message: click.echo(message, err=True)):
            db = open_db(db_path)
            if fetch:
                changed = load.run_fetched(
                    db,
                    definitions_file,
                    cache_dir,
                    mirror=mirror,
                    base_url=base_url,
                    deadline=deadline,
                    log=click.echo,
                    accept_shorter=accept_shorter,
                )
            else:
                changed = load.run(db, reference, definitions_file, log=click.echo, accept_shorter=accept_shorter)
    except (Busy, NotReady, MeasureError) as exc:
        raise click.ClickException(str(exc)) from None
    written = [table for table, did in changed.items() if did]
    click.echo(f"updated {', '.join(written)}" if written else "nothing changed")
