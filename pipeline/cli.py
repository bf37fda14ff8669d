"""What every stage's command shares: how it is told which database to use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def db_option(help: str = "The database written by python -m scrape.") -> Callable[[F], F]:
    """``--db PATH`` (data.db by default), passed to the command as ``db_path``."""
    return click.option("--db", "db_path", default="data.db", show_default=True, type=click.Path(dir_okay=False), help=help)
