"""Write the generated parts of the docs, or check they are current.

    python docs/generate.py          # rewrite them
    python docs/generate.py --check  # exit 1 if any is out of date (CI runs this via the tests)

Generated: the data dictionary (from metadata.yml), the command reference
(from each command's --help) and the cost table in adding-a-criterion.md
(from score/prices.toml and the occupations in data.db).
"""

import re
import sys
from pathlib import Path

import click
import sqlite_utils
import yaml
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
sys.path.insert(0, str(ROOT))

import build  # noqa: E402
from compare import cli as compare_cli  # noqa: E402
from measures import cli as measures_cli  # noqa: E402
from score import cli as score_cli  # noqa: E402
from score import criteria, planning, prices  # noqa: E402
from scrape import cli as scrape_cli  # noqa: E402
from space import cli as space_cli  # noqa: E402

# In the order the stages run.
COMMANDS = [
    ("python -m scrape", scrape_cli.main, []),
    ("python -m measures", measures_cli.cli, []),
    ("python -m score", score_cli.cli, []),
    *[(f"python -m score {name}", score_cli.cli, [name]) for name in sorted(score_cli.cli.commands)],
    ("python -m space", space_cli.cli, []),
    ("python -m compare", compare_cli.cli, []),
    ("python build.py", build.main, []),
]


def help_text(command, args, title):
    # click names the program after the script; name it as the reader types it.
    prog = title.rsplit(" ", len(args))[0] if args else title
    result = CliRunner().invoke(command, [*args, "--help"], terminal_width=100, prog_name=prog)
    return result.output


def cli_reference():
    parts = [
        "# Command reference\n\nGenerated from each command's `--help` by `docs/generate.py`; a test fails when it drifts.\n"
    ]
    for title, command, args in COMMANDS:
        text = help_text(command, args, title)
        parts.append(f"## `{title}`\n\n```\n{text.rstrip()}\n```\n")
    return "\n".join(parts)


def data_dictionary():
    meta = yaml.safe_load((ROOT / "metadata.yml").read_text())
    database = meta["databases"]["data"]
    out = [
        "# Data dictionary\n",
        "Generated from `metadata.yml` (what Datasette shows) by `docs/generate.py`.\n",
        f"Source: {meta['source']} ({meta['source_url']}). Licence: {meta['license']}.\n",
    ]
    for name, table in database["tables"].items():
        out.append(f"## `{name}`\n\n{' '.join(table['description'].split())}\n")
        out.append("| column | meaning |\n| --- | --- |")
        for column, text in table.get("columns", {}).items():
            out.append(f"| `{column}` | {' '.join(str(text).split())} |")
        out.append("")
    out.append("## Canned queries\n")
    for name, query in database.get("queries", {}).items():
        out.append(f"- `{name}`: **{query['title']}**. {query['description']}")
    return "\n".join(out) + "\n"


def cost_table():
    table = prices.table()
    db = sqlite_utils.Database(ROOT / "data.db")
    criterion = criteria.load("ai_exposure")
    lines = [
        "| model | calls | input tokens | output tokens | standard | with --batch |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label in ("cheapest", "best"):
        model = table[label]
        plan = planning.plan(db, criterion, model, prices.price(model), force=True)
        usage, cost = plan.expected_cost()
        _, batch = plan.expected_cost(batch=True)
        lines.append(
            f"| {model} ({label}) | {len(plan.jobs)} | {usage['input_tokens']:,} | {usage['output_tokens']:,} | ${cost:.2f} | ${batch:.2f} |"
        )
    return "\n".join(lines)


def replace_section(text, name, body):
    pattern = re.compile(rf"(<!-- generated: {name} -->\n).*?(<!-- end generated -->)", re.S)
    if not pattern.search(text):
        raise click.ClickException(f"no generated section {name!r}")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)


def outputs():
    adding = DOCS / "adding-a-criterion.md"
    return {
        DOCS / "cli-reference.md": cli_reference(),
        DOCS / "data-dictionary.md": data_dictionary(),
        adding: replace_section(adding.read_text(), "costs", cost_table()),
    }


@click.command()
@click.option("--check", is_flag=True, help="Only check; exit 1 naming any file that is out of date.")
def main(check):
    """Regenerate the generated docs."""
    stale = []
    for path, text in outputs().items():
        if path.exists() and path.read_text() == text:
            continue
        stale.append(path.relative_to(ROOT))
        if not check:
            path.write_text(text)
    if check and stale:
        raise click.ClickException(f"out of date: {', '.join(map(str, stale))}; run python docs/generate.py")
    click.echo("docs are current" if check else f"wrote {len(stale)} files")


if __name__ == "__main__":
    main()
