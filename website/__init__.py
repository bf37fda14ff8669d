"""Stage 6: data.db -> a fully static site.

Reads what the stages before it wrote to data.db and nothing else (it
imports no stage): the occupations, every criterion's current run and
scores, the published measures, the agreement tables and the labour space.
Renders the Jinja templates in ``site_templates/`` with the data the pages
need embedded as JSON, writes in the D3 module pinned by
``package-lock.json``, and writes downloads. The same database gives
byte-identical output. ``build.py`` at the top of the repository is its
command.
"""

from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "site_templates"


class BuildError(click.ClickException):
    pass
