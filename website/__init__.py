"""Stage 6: data.db -> a fully static site.

Reads what the stages before it wrote to data.db and nothing else (it
imports no stage): ``load`` reads the occupations, every criterion's
current run and scores, the published measures, the agreement tables and
the labour space into the typed model (``model.Site``); ``layers`` is the
catalogue of the map's layers; ``site.render`` renders the Jinja templates
in ``site_templates/`` (the data the pages need embedded as JSON) and the
downloads; ``write.build`` draws the map's first view (``predraw``) and the
link previews (``preview``), reusing what is unchanged (``cache``), and
writes the folder. The same database gives byte-identical output.
``build.py`` at the top of the repository is its command.
"""

from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "site_templates"


class BuildError(click.ClickException):
    pass
