"""Criterion files: load and strictly validate them.

A criterion file is Markdown with a TOML header between ``+++`` lines::

    +++
    name = "ai_exposure"            # must match the file name
    title = "AI exposure"
    description = "One line for readers."
    unit = "score, 0-10"
    colors = "viridis"
    models = ["claude-haiku-5-5", "claude-sonnet-5-5"]   # optional: who `score run` asks
    [scale]
    min = 0
    max = 10
    [[tiers]]
    name = "minimal"
    min = 0
    max = 1
    examples = "roofers"
    +++
    The rubric, sent to the model as its instructions.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_DIR = Path(__file__).resolve().parent / "criteria"

# Sequential schemes the site knows how to draw; all stay readable for the
# common forms of colour blindness.
COLOR_SCHEMES = (
    "viridis",
    "cividis",
    "magma",
    "inferno",
    "plasma",
    "blues",
    "greens",
    "oranges",
    "purples",
    "reds",
    "ylorrd",
    "ylgnbu",
)

FIELDS = {"name": str, "title": str, "description": str, "unit": str, "colors": str, "scale": dict, "tiers": list}
# models: the Claude models `score run` asks when no --model is given, each its own run.
OPTIONAL = {"models": list}
SCALE_FIELDS = {"min": int, "max": int}
TIER_FIELDS = {"name": str, "min": int, "max": int}
TIER_OPTIONAL = {"examples": str}
NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
# The scale is sent as an enum in every request and drawn as a legend: a
# hundred and one points (0-100) is plenty for a rubric and keeps both small.
MAX_POINTS = 101


class CriterionError(ValueError):
    pass


@dataclass(frozen=True)
class Tier:
    name: str
    min: int
    max: int
    examples: str = ""


@dataclass(frozen=True)
class Criterion:
    name: str
    title: str
    description: str
    unit: str
    colors: str
    min: int
    max: int
    tiers: tuple[Tier, ...]
    rubric: str
    path: str
    models: tuple[str, ...] = ()

    def tier_of(self, score: float) -> str | None:
        for tier in self.tiers:
            if tier.min <= score <= tier.max:
                return tier.name
        return None


def _check_fields(
    where: str, table: Mapping[str, Any], required: Mapping[str, type], optional: Mapping[str, type] | None = None
) -> None:
    optional = optional or {}
    for key in table:
        if key not in required and key not in optional:
            raise CriterionError(f"{where}: unknown field '{key}'")
    for key in required:
        if key not in table:
            raise CriterionError(f"{where}: missing field '{key}'")
    for key, kind in {**required, **optional}.items():
        if key in table and (not isinstance(table[key], kind) or isinstance(table[key], bool)):
            raise CriterionError(f"{where}: field '{key}' must be {kind.__name__}")
        if kind is str and key in table and not table[key].strip():
            raise CriterionError(f"{where}: field '{key}' is empty")


def parse(text: str, path: str | Path) -> Criterion:
    """Parse and validate the text of a criterion file named ``path``."""
    where = str(path)
    match = re.match(r"\A\+\+\+\s*\n(.*?)\n\+\+\+\s*\n(.*)\Z", text, re.S)
    if not match:
        raise CriterionError(f"{where}: no TOML header between '+++' lines at the top")
    try:
        header = tomllib.loads(match.group(1))
    except tomllib.TOMLDecodeError as exc:
        raise CriterionError(f"{where}: header is not valid TOML ({exc})") from None
    rubric = match.group(2).strip()

    _check_fields(where, header, FIELDS, OPTIONAL)
    models = header.get("models", [])
    if not models or not all(isinstance(m, str) and m.strip() for m in models) or len(set(models)) != len(models):
        if "models" in header:
            raise CriterionError(f"{where}: field 'models' must be a list of different model ids")
    name = header["name"]
    if not NAME.match(name):
        raise CriterionError(f"{where}: field 'name' must be lower-case letters, digits and _ (got {name!r})")
    if name != Path(path).stem:
        raise CriterionError(f"{where}: field 'name' is {name!r} but the file is named {Path(path).name}")
    if header["colors"] not in COLOR_SCHEMES:
        raise CriterionError(f"{where}: field 'colors' must be one of {', '.join(COLOR_SCHEMES)}")
    _check_fields(f"{where}: [scale]", header["scale"], SCALE_FIELDS)
    low, high = header["scale"]["min"], header["scale"]["max"]
    if low >= high:
        raise CriterionError(f"{where}: [scale] min must be below max")
    if high - low + 1 > MAX_POINTS:
        raise CriterionError(f"{where}: [scale] {low}-{high}: the scale may have at most {MAX_POINTS} points")
    if not rubric:
        raise CriterionError(f"{where}: the rubric (the text after the header) is empty")

    tiers: list[Tier] = []
    expected = low
    if not header["tiers"]:
        raise CriterionError(f"{where}: field 'tiers' is empty")
    for i, tier in enumerate(header["tiers"], 1):
        if not isinstance(tier, dict):
            raise CriterionError(f"{where}: tier {i} must be a [[tiers]] table")
        _check_fields(f"{where}: tier {i}", tier, TIER_FIELDS, TIER_OPTIONAL)
        if tier["min"] != expected:
            raise CriterionError(
                f"{where}: tier {i} ({tier['name']}) starts at {tier['min']}, expected {expected}: "
                f"tiers must cover the scale {low}-{high} in order, without gaps or overlaps"
            )
        if tier["max"] < tier["min"]:
            raise CriterionError(f"{where}: tier {i} ({tier['name']}) ends before it starts")
        expected = tier["max"] + 1
        tiers.append(Tier(tier["name"], tier["min"], tier["max"], tier.get("examples", "")))
    if expected != high + 1:
        raise CriterionError(f"{where}: the tiers end at {expected - 1}, but the scale goes to {high}")
    if len({t.name for t in tiers}) != len(tiers):
        raise CriterionError(f"{where}: tier names must be unique")

    return Criterion(
        name=name,
        title=header["title"],
        description=header["description"],
        unit=header["unit"],
        colors=header["colors"],
        min=low,
        max=high,
        tiers=tuple(tiers),
        rubric=rubric,
        path=where,
        models=tuple(models),
    )


def read(path: str | Path) -> Criterion:
    try:
        return parse(Path(path).read_bytes().decode("utf-8"), path)
    except UnicodeDecodeError as exc:
        raise CriterionError(f"{path}: the file is not UTF-8 (byte {exc.start}); save it as UTF-8") from None


def load(name: str, directory: str | Path = DEFAULT_DIR) -> Criterion:
    path = Path(directory) / f"{name}.md"
    if not NAME.match(name) or not path.is_file():
        known = ", ".join(c.stem for c in sorted(Path(directory).glob("*.md"))) or "none"
        raise CriterionError(f"no criterion named {name!r} in {directory} (known: {known})")
    return read(path)


def load_all(directory: str | Path = DEFAULT_DIR) -> list[Criterion]:
    return [read(p) for p in sorted(Path(directory).glob("*.md"))]
