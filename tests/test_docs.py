"""The docs: generated parts current, every command and option they show real,
every link between them resolving."""

import re
import shlex
import subprocess
import sys

import pytest
from conftest import ROOT

import build
from compare import cli as compare_cli
from measures import cli as measures_cli
from score import cli as score_cli
from scrape import cli as scrape_cli
from space import cli as space_cli

# The stages' commands that are one command each, by the module -m runs.
SINGLE = {"scrape": scrape_cli.main, "measures": measures_cli.cli, "space": space_cli.cli, "compare": compare_cli.cli}

DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]


def test_generated_docs_are_current():
    result = subprocess.run([sys.executable, "docs/generate.py", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_command_is_in_the_reference():
    reference = (ROOT / "docs" / "cli-reference.md").read_text()
    assert "## `python build.py`" in reference
    for name in SINGLE:
        assert f"## `python -m {name}`" in reference, name
    for name in score_cli.cli.commands:
        assert f"## `python -m score {name}`" in reference, name


def command_lines():
    for doc in DOCS:
        for line in doc.read_text().splitlines():
            found = re.search(r"(python (?:-m (?:scrape|measures|score|space|compare)|build\.py)\b[^`|]*)", line)
            if found and line.startswith(("    ", "python", "`")):
                yield doc.name, found.group(1).strip()


def resolve(words):
    """The click command a documented command line runs, and its arguments."""
    if words[:2] == ["python", "-m"] and words[2] in SINGLE:
        return SINGLE[words[2]], words[3:]
    if words[:2] == ["python", "build.py"]:
        return build.main, words[2:]
    if words[:3] == ["python", "-m", "score"]:
        rest = words[3:]
        if not rest or rest[0].startswith("-"):
            return score_cli.cli, rest
        return score_cli.cli.commands[rest[0]], rest[1:]
    raise AssertionError(words)


@pytest.mark.parametrize("doc,line", list(command_lines()))
def test_documented_commands_and_options_exist(doc, line):
    words = shlex.split(line.split("&&")[0].split("#")[0].replace("...", "KEY"))
    command, args = resolve(words)
    options = {opt for param in command.params for opt in param.opts + param.secondary_opts} | {"--help", "-h"}
    for word in args:
        if word.startswith("--"):
            assert word.split("=")[0] in options, f"{doc}: {line}: no option {word}"


def test_links_between_docs_resolve():
    for doc in DOCS:
        for target in re.findall(r"\]\(([^)#]+\.md)\)", doc.read_text()):
            assert (doc.parent / target).is_file(), f"{doc.name} links to {target}"
