"""What ``measures.toml`` may say, strictly checked: one table per measure,
every field required, nothing unknown."""

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_type_hints

MEASURES_FILE = Path(__file__).resolve().parent / "measures.toml"
NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
KEY_PATTERNS = {
    "soc2018": re.compile(r"^\d{2}-\d{4}$"),
    "soc2010": re.compile(r"^\d{2}-\d{4}$"),
    "onet": re.compile(r"^\d{2}-\d{4}\.\d{2}$"),
    "isco08": re.compile(r"^\d{3,4}$"),
}
METHODS = ("rubric LLM", "human annotators", "usage logs", "ability mapping")


class MeasureError(ValueError):
    pass


@dataclass(frozen=True)
class Measure:
    name: str
    title: str
    short: str
    authors: str
    year: int
    citation: str
    licence: str
    source_url: str
    method: str
    unit: str
    min: float
    max: float
    direction: str
    level: str
    consensus: bool
    file: str
    key: str
    key_kind: str
    value: str
    about: str
    caveats: str


def definitions(path: str | Path = MEASURES_FILE) -> list[Measure]:
    """Every measure in ``measures.toml``, strictly checked."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MeasureError(f"{Path(path).name}: {exc}") from None
    # Each field's class, for isinstance() below (get_type_hints, unlike a
    # dataclass field's .type, is a class even were annotations postponed).
    wanted = {name: kind for name, kind in get_type_hints(Measure).items() if name != "name"}
    out = []
    for name, table in raw.items():
        where = f"{Path(path).name} [{name}]"
        if not NAME.match(name):
            raise MeasureError(f"{where}: a name is 2-40 lower-case letters, digits and _")
        if not isinstance(table, dict):
            raise MeasureError(f"{where}: expected a table")
        unknown, missing = set(table) - set(wanted), set(wanted) - set(table)
        if unknown or missing:
            raise MeasureError(
                f"{where}: "
                + "; ".join(
                    filter(
                        None,
                        [
                            f"unknown {', '.join(sorted(unknown))}" if unknown else None,
                            f"missing {', '.join(sorted(missing))}" if missing else None,
                        ],
                    )
                )
            )
        values: dict[str, Any] = {}
        for key, kind in wanted.items():
            value = table[key]
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise MeasureError(f"{where}: {key} must be a {kind.__name__}")
            values[key] = " ".join(value.split()) if key in ("about", "caveats", "citation") else value
        if values["key_kind"] not in KEY_PATTERNS:
            raise MeasureError(f"{where}: key_kind must be one of {', '.join(KEY_PATTERNS)}")
        if values["method"] not in METHODS:
            raise MeasureError(f"{where}: method must be one of {', '.join(METHODS)}")
        if not values["min"] < values["max"]:
            raise MeasureError(f"{where}: min must be below max")
        if not values["source_url"].startswith("https://"):
            raise MeasureError(f"{where}: source_url must be an https:// address")
        out.append(Measure(name=name, **values))
    return out
