"""The ``python -m scrape`` command: options in, crawl(), a summary out."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterable, Iterator

import click

from pipeline.cli import db_option
from pipeline.lock import Busy, writer

from . import crawl as crawl_module
from . import fetch, parse, store


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--base-url",
    envvar="OOH_BASE_URL",
    default=fetch.DEFAULT_BASE_URL,
    show_default=True,
    help="Site to fetch from (env OOH_BASE_URL); a mirror or a local copy served over HTTP works too.",
)
@db_option("SQLite database to write.")
@click.option(
    "--cache",
    "cache_dir",
    default="cache",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for the raw pages (kept out of git and out of data.db).",
)
@click.option(
    "--delay",
    envvar="OOH_DELAY",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds between requests (env OOH_DELAY).",
)
@click.option(
    "--timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds for a whole response, body included; a server that drips its reply is cut off.",
)
@click.option(
    "--retries",
    default=3,
    show_default=True,
    type=click.IntRange(min=0),
    help="Retries after a 429, a 5xx, a timeout or a dropped connection.",
)
@click.option(
    "--only", multiple=True, metavar="SLUG", help="Scrape only this occupation (repeatable), e.g. --only registered-nurses."
)
@click.option("--refresh", is_flag=True, help="Download every page again and reparse it, ignoring the cache.")
@click.option(
    "--offline",
    is_flag=True,
    help="Use only the pages already in the cache; with --refresh, reparse them all (after a parser change).",
)
@click.option(
    "--from-dir",
    type=click.Path(exists=True, file_okay=False),
    help="Read pages saved from a browser instead of fetching: a folder laid out like bls.gov (ooh/<category>/<slug>.htm) or a flat folder of <slug>.htm files.",
)
@click.option(
    "--user-agent",
    envvar="OOH_USER_AGENT",
    default=fetch.DEFAULT_USER_AGENT,
    show_default="a project string; env OOH_USER_AGENT",
    help="User-Agent header. bls.gov wants one with contact details.",
)
def main(
    base_url: str,
    db_path: str,
    cache_dir: str,
    delay: float,
    timeout: float,
    retries: int,
    only: tuple[str, ...],
    refresh: bool,
    offline: bool,
    from_dir: str | None,
    user_agent: str,
) -> None:
    """Scrape the BLS Occupational Outlook Handbook into a SQLite database.

    Fetches the A-Z index, then every occupation page it lists, and writes
    what each says into data.db: occupations (with their full-text index
    occupations_fts), projections, similar_occupations, aliases, employers,
    industry_pay, pay_ranges, text_links, edition, and pages (what was
    parsed, by which parser). Unchanged pages are not
    downloaded again (conditional GET) and pages already parsed are skipped,
    so a second run is quick and an interrupted run picks up where it stopped.

    Nothing is trusted: a page is parsed and checked before it is cached or
    stored. One that lacks what every OOH page has, gives numbers no
    occupation has, or would leave data.db knowing less than it does (a field
    emptied, an index that drops occupations or aliases) is rejected and the
    stored copy kept. Redirects are followed within the site only, and a
    response over 8 MB is not read.

    Exits 1 if any page failed or was rejected (the others are stored), or with
    one line if the index is unusable or data.db or the cache cannot be
    written; 2 on bad options.

    Example, against a local copy of the OOH served on port 8765:

        python -m scrape --base-url http://127.0.0.1:8765 --delay 0
    """

    def log(message: str) -> None:
        click.echo(message, err=True)

    source = crawl_module.Source(
        base_url,
        cache_dir,
        user_agent=user_agent,
        delay=delay,
        timeout=timeout,
        retries=retries,
        refresh=refresh,
        from_dir=from_dir,
        offline=offline,
        log=log,
    )

    def progress(items: list[dict[str, str]]) -> Iterable[dict[str, str]]:
        if not sys.stderr.isatty():
            return items
        return _bar(items)

    try:
        with writer(db_path, "python -m scrape", log=log):
            summary = crawl_module.crawl(db_path, source, only=only, progress=progress, log=log)
    except Busy as exc:
        raise click.ClickException(str(exc)) from None
    except fetch.Refused as exc:
        raise click.ClickException(
            f"the server refused the request with HTTP 403 ({exc}). bls.gov blocks many automated clients: "
            "set a User-Agent with your contact details (--user-agent or OOH_USER_AGENT), "
            "or save the pages from a browser and use --from-dir DIR."
        ) from None
    except (fetch.FetchError, parse.PageError, store.WouldLoseData) as exc:
        raise click.ClickException(f"the A-Z index could not be used: {exc}") from None
    except sqlite3.Error as exc:
        raise click.ClickException(f"could not write {db_path}: {exc}") from None
    except OSError as exc:
        raise click.ClickException(f"could not write the cache or the database: {exc}") from None
    click.echo(summary.line())
    if summary.failed or summary.rejected:
        sys.exit(1)


def _bar(items: list[dict[str, str]]) -> Iterator[dict[str, str]]:
    with click.progressbar(items, label="Scraping", file=sys.stderr, item_show_func=lambda o: o and o["slug"]) as bar:
        yield from bar
