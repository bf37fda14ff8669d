"""Stage 6, the site: data.db -> a fully static site in _site/.

The command over the ``website`` package, which holds the site's logic and
imports no other stage: it reads data.db alone.

    python build.py [--db data.db] [--out _site] [--base-path /repo-name/] [--serve [PORT]]
"""

from pathlib import Path

import click

from website import BuildError
from website.check import check
from website.serve import serve
from website.write import build


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
# Plain text, checked by the build, so that each mistake is one line rather than click's usage message.
@click.option("--db", "db_path", default="data.db", show_default=True, metavar="FILE", help="Database to read.")
@click.option(
    "--out",
    default="_site",
    show_default=True,
    metavar="DIRECTORY",
    help="Folder to write the site to: replaced if an earlier build made it, refused if it holds anything else.",
)
@click.option(
    "--base-path", default="/", show_default=True, help="Path the site is served under, e.g. /repo-name/ on GitHub Pages."
)
@click.option(
    "--site-url",
    envvar="SITE_URL",
    help="The site's public https:// address (env SITE_URL), so link previews find its preview image; unset, the image's address is relative.",
)
@click.option("--check", "smoke", is_flag=True, help="After building, check every page, link and asset; exit 1 on any problem.")
@click.option(
    "--serve",
    "port",
    is_flag=False,
    flag_value=8000,
    default=None,
    type=int,
    metavar="[PORT]",
    help="After building, serve the site on 127.0.0.1 (port 8000 if none given).",
)
def main(db_path: str, out: str, base_path: str, site_url: str | None, smoke: bool, port: int | None) -> None:
    """Build the static treemap site from data.db.

    Every criterion with a current run in data.db becomes a layer, a stats
    panel and a page; nothing in the code names them. The output needs no
    server and loads nothing from any other host.

    Example:

        python build.py --base-path /worklens/ --serve
    """
    if port is not None and not 1 <= port <= 65535:
        raise BuildError(f"--serve takes a port from 1 to 65535 (got {port})")
    try:
        count = build(db_path, out, base_path, site_url, log=lambda line: click.echo(line, err=True))
    except OSError as exc:
        raise BuildError(
            f"could not write the site to {out}: {exc.strerror or exc}" + (f" ({exc.filename})" if exc.filename else "")
        ) from None
    click.echo(f"built {count} files in {out}")
    if smoke:
        problems = check(out, base_path)
        for problem in problems:
            click.echo(problem, err=True)
        if problems:
            raise BuildError(f"the site in {out} failed its check: {len(problems)} problems")
        click.echo(f"checked {out}: every page, link and asset resolves; nothing loads from another host")
    if port is not None:
        serve(Path(out), base_path, port)


if __name__ == "__main__":
    main()
