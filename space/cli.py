"""The ``python -m space`` command: options in, embed.run(), a summary out."""

import json

import click

from pipeline.cli import db_option
from pipeline.db import NotReady, open_db
from pipeline.lock import Busy, writer


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--backend",
    type=click.Choice(["work", "tfidf", "minilm"]),
    default="work",
    show_default=True,
    help="work: the words of each description and of its O*NET tasks, the O*NET work activities those tasks carry, "
    "and the words of the occupation's other names (O*NET's alternate and reported titles), "
    "mixed with weights chosen on half the occupations (scikit-learn). tfidf: the description's words alone (TF-IDF and SVD). "
    "minilm: all-MiniLM-L6-v2 reading the description, offline (torch and sentence-transformers).",
)
@click.option("--force", is_flag=True, help="Compute again even if no occupation text changed.")
@db_option()
def cli(backend: str, force: bool, db_path: str) -> None:
    """Place every occupation in a shared space by what its work is.

    Stores one vector per occupation, its ten nearest occupations, a 2-D map
    for the site, and how well the neighbours agree with BLS's own Similar
    Occupations and with O*NET's related occupations (loaded by python -m
    measures): recall at 5 and 10, next to a random and a same-category
    baseline, which it prints. Every recall is counted over the same half of
    the occupations (those whose slug's SHA-256 is odd); the work backend
    chooses how to mix its parts on the links between occupations of the
    other half only. For the map the
    site shows, it also stores pairs that tell what the map reveals. Nothing
    is recomputed while no input changed.

    Example:

        python -m space --backend work
    """
    # Imported here: scikit-learn takes a second to load, and --help should not wait for it.
    from . import embed

    try:
        with writer(db_path, "python -m space", log=lambda message: click.echo(message, err=True)):
            db = open_db(db_path)
            name, changed, results = embed.run(db, backend, force=force)
    except (Busy, NotReady, embed.BackendMissing) as exc:
        raise click.ClickException(str(exc)) from None
    count = db.execute("select count(*) from embeddings where backend = ?", [name]).fetchone()[0]
    click.echo(f"{name}: {count} occupations {'embedded' if changed else 'unchanged, vectors kept'}")
    mix = db.execute("select mix from space_methods where backend = ?", [name]).fetchone()
    if mix and mix[0]:
        click.echo("mix, chosen on the tuning half: " + ", ".join(f"{part} x{w:g}" for part, w in json.loads(mix[0]).items()))
    for truth, evaluations, links in results:
        click.echo(f"recall of the {links:,} {truth} links of the held-out half among each occupation's nearest:")
        for e in evaluations:
            click.echo(f"  {e.method:<24} " + "  ".join(f"@{k}: {r:.3f}" for k, r in e.recall.items()))
