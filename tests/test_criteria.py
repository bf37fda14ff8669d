"""Criterion files are strictly validated: every mistake names its file and field."""

import pytest
from click.testing import CliRunner

from score import criteria
from score.cli import cli

GOOD = """+++
name = "offshoring"
title = "Offshoring risk"
description = "How easily the work could be done from another country."
unit = "score, 0-4"
colors = "blues"

[scale]
min = 0
max = 4

[[tiers]]
name = "low"
min = 0
max = 1

[[tiers]]
name = "high"
min = 2
max = 4
examples = "call-centre work"
+++
Rate how much of the work could be done remotely from abroad.
"""


def write(tmp_path, text, name="offshoring"):
    path = tmp_path / f"{name}.md"
    path.write_text(text)
    return path


def test_project_criteria_are_valid():
    found = {c.name: c for c in criteria.load_all()}
    assert {"ai_exposure", "humanoid_robotics"} <= set(found)
    ai = found["ai_exposure"]
    assert (ai.min, ai.max) == (0, 10)
    assert [(t.name, t.min, t.max) for t in ai.tiers] == [
        ("minimal", 0, 1),
        ("low", 2, 3),
        ("moderate", 4, 5),
        ("high", 6, 7),
        ("very high", 8, 9),
        ("maximum", 10, 10),
    ]
    assert ai.tier_of(7) == "high" and ai.tier_of(10) == "maximum"


def test_a_good_file_loads(tmp_path):
    c = criteria.parse(GOOD, write(tmp_path, GOOD))
    assert c.name == "offshoring" and c.tiers[1].examples == "call-centre work"
    assert c.rubric == "Rate how much of the work could be done remotely from abroad."


@pytest.mark.parametrize(
    "change,message",
    [
        (('colors = "blues"', 'colors = "blues"\nshade = 3'), "unknown field 'shade'"),
        (('title = "Offshoring risk"\n', ""), "missing field 'title'"),
        (("max = 4\n\n[[tiers]]", "max = 4\nstep = 1\n\n[[tiers]]"), "[scale]: unknown field 'step'"),
        (("min = 2\nmax = 4", "min = 3\nmax = 4"), "tier 2 (high) starts at 3, expected 2"),
        (("min = 2\nmax = 4", "min = 1\nmax = 4"), "tier 2 (high) starts at 1, expected 2"),
        (("min = 2\nmax = 4\nexamples", "min = 2\nmax = 3\nexamples"), "the tiers end at 3, but the scale goes to 4"),
        (('name = "high"', 'name = "high"\ncolour = "red"'), "tier 2: unknown field 'colour'"),
        (('colors = "blues"', 'colors = "rainbow"'), "field 'colors' must be one of"),
        (('name = "offshoring"', 'name = "offshore"'), "field 'name' is 'offshore' but the file is named offshoring.md"),
        (("[scale]\nmin = 0", '[scale]\nmin = "zero"'), "[scale]: field 'min' must be int"),
        (
            ("+++\nRate how much of the work could be done remotely from abroad.\n", "+++\n\n"),
            "the rubric (the text after the header) is empty",
        ),
        (('title = "Offshoring risk"', 'title = "Offshoring risk'), "header is not valid TOML"),
    ],
)
def test_mistakes_name_the_file_and_field(tmp_path, change, message):
    old, new = change
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(criteria.CriterionError) as info:
        criteria.parse(path.read_text(), path)
    assert str(info.value).startswith(str(path))
    assert message in str(info.value)


def test_the_criteria_command_checks_every_file(tmp_path):
    write(tmp_path, GOOD)
    result = CliRunner().invoke(cli, ["criteria", "--criteria-dir", str(tmp_path)])
    assert result.exit_code == 0
    assert result.output == "offshoring: Offshoring risk (0-4; low 0-1, high 2-4)\n"
    write(tmp_path, GOOD.replace("max = 4\n\n", "max = 5\n\n", 1), name="broken")
    result = CliRunner().invoke(cli, ["criteria", "--criteria-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: {tmp_path / 'broken.md'}: field 'name' is 'offshoring' but the file is named broken.md"
    ]


def test_an_unknown_criterion_lists_the_known_ones(tmp_path):
    write(tmp_path, GOOD)
    with pytest.raises(criteria.CriterionError, match=r"no criterion named 'robots' .* \(known: offshoring\)"):
        criteria.load("robots", tmp_path)


def test_every_tier_example_is_a_name_the_site_knows():
    """A rubric's examples anchor its scale for a model and for a reader: each
    is an occupation on the map by a name the search knows (its title, a BLS
    alias or an O*NET title), never one the Handbook does not have."""
    import re
    import sqlite3

    from conftest import ROOT

    with sqlite3.connect(ROOT / "data.db") as db:
        names = {
            r[0]
            for q in ("title from occupations", "alias from aliases", "title from occupation_titles")
            for r in db.execute(f"select {q}")
        }
    singular = lambda name: re.sub(r"s$", "", name.strip().lower())  # noqa: E731
    known = {singular(n) for n in names}
    unknown = [
        (c.name, t.name, e.strip())
        for c in criteria.load_all()
        for t in c.tiers
        for e in (t.examples or "").split(",")
        if e.strip() and singular(e) not in known
    ]
    assert unknown == []
