"""Import published scores (CSV or JSON) as a run with its source named.

Rows are keyed by OOH slug, or by SOC code; SOC scores are averaged into each
occupation weighted by the employment of its SOC codes in ``projections``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlite_utils

from pipeline import soc

from . import store
from .criteria import Criterion


class ImportError_(ValueError):
    pass


def read_rows(path: str | Path) -> tuple[list[dict[str, Any]], str]:
    path = Path(path)
    data = path.read_bytes()
    if path.suffix.lower() == ".json":
        rows = json.loads(data)
        if isinstance(rows, dict):
            rows = [{"key": k, "score": v} if not isinstance(v, dict) else {"key": k, **v} for k, v in rows.items()]
        if not isinstance(rows, list):
            raise ImportError_(f"{path.name}: expected a JSON list of objects")
        for line, row in enumerate(rows, 1):
            if not isinstance(row, dict):
                raise ImportError_(f"{path.name}: item {line} is {json.dumps(row)[:40]}, not an object with a key and a score")
    elif path.suffix.lower() in (".csv", ".tsv"):
        rows = list(
            csv.DictReader(data.decode("utf-8-sig").splitlines(), delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
        )
    else:
        raise ImportError_(f"{path.name}: not a .csv, .tsv or .json file")
    return rows, hashlib.sha256(data).hexdigest()


def _value(row: Mapping[str, Any], names: Sequence[str], path: str, line: int) -> Any:
    for name in names:
        if name in row and row[name] not in (None, ""):
            return row[name]
    raise ImportError_(f"{path}: row {line} has no {' or '.join(names)} column")


def parse_scores(
    rows: Iterable[Mapping[str, Any]], criterion: Criterion, key: str, path: str
) -> dict[str, tuple[float, str | None]]:
    """{key value: (score, rationale)} with every score checked against the scale."""
    keys = {"slug": ("slug", "key"), "soc": ("soc_code", "soc", "key")}[key]
    out: dict[str, tuple[float, str | None]] = {}
    for line, row in enumerate(rows, 2):
        value = str(_value(row, keys, path, line)).strip()
        raw = _value(row, ("score", criterion.name), path, line)
        # JSON's true is a Python bool, which float() reads as 1: it is no score.
        if isinstance(raw, bool):
            raise ImportError_(f"{path}: row {line} ({value}): score {json.dumps(raw)} is not a number")
        try:
            score = float(raw)
        except (TypeError, ValueError):
            raise ImportError_(f"{path}: row {line} ({value}): score {raw!r} is not a number") from None
        if not criterion.min <= score <= criterion.max:
            raise ImportError_(f"{path}: row {line} ({value}): score {raw} is outside {criterion.min}-{criterion.max}")
        if value in out:
            raise ImportError_(f"{path}: row {line}: {value} appears twice")
        rationale = row.get("rationale") or None
        out[value] = (int(score) if score.is_integer() else score, rationale)
    return out


def by_soc(db: sqlite_utils.Database, scores: Mapping[str, tuple[float, str | None]]) -> dict[str, tuple[float, None]]:
    """SOC-level scores carried to occupations by the one SOC join every
    stage uses (pipeline/soc.py): weighted by employment, the most detailed
    codes that have scores counting, never a code and its own detailed codes
    both."""
    values = {code: (float(score), False) for code, (score, _) in scores.items()}
    result: dict[str, tuple[float, None]] = {}
    for slug, page in soc.pages(db).items():
        found = soc.reach(page, values, {})
        if found is not None:
            result[slug] = (round(found.value, 2), None)
    return result


def import_scores(
    db: sqlite_utils.Database,
    path: str | Path,
    criterion: Criterion,
    *,
    source: str,
    key: str = "slug",
    source_url: str | None = None,
    replace_source_url: bool = False,
) -> tuple[int, int, list[str]]:
    """Returns (run_id, imported, unmatched SOC codes). When this exact file
    was already imported for this criterion and source, no score is written
    and the earlier run's id comes back with imported = 0: a ``source_url``
    it did not have is recorded, and one that differs from the one it has is
    refused (ImportError_) unless ``replace_source_url``."""
    if source_url is not None and not re.fullmatch(r"https://[^\s\"'<>]+", source_url):
        raise ImportError_(f"--source-url must be an https:// address (got {source_url!r})")
    rows, file_hash = read_rows(path)
    scores = parse_scores(rows, criterion, key, Path(path).name)
    config = store.config_hash(criterion.name, "import", source, file_hash)
    existing = db.execute("select id, source_url from runs where config = ? and status = 'complete'", [config]).fetchone()
    if existing:
        if source_url and existing[1] != source_url:
            if existing[1] is not None and not replace_source_url:
                raise ImportError_(
                    f"run {existing[0]} already links to {existing[1]}; add --replace-source-url to link it to {source_url} instead"
                )
            store.set_source_url(db, existing[0], source_url)
        return existing[0], 0, []
    known = {r[0] for r in db.execute("select slug from occupations")}
    matched: Mapping[str, tuple[float, str | None]]
    if key == "slug":
        unmatched = sorted(set(scores) - known)
        if unmatched:
            raise ImportError_(
                f"{Path(path).name}: {len(unmatched)} slugs are not in data.db: {', '.join(unmatched[:5])}"
                + (" ..." if len(unmatched) > 5 else "")
            )
        matched = scores
    else:
        matched = by_soc(db, scores)
        used = {r[0] for r in db.execute("select distinct soc_code from projections where soc_code is not null")}
        unmatched = sorted(set(scores) - used)
    run_id, _ = store.start_run(db, criterion=criterion, kind="import", source=source, prompt_hash=file_hash)
    if source_url:
        store.set_source_url(db, run_id, source_url)
    store.save_imported(db, run_id, criterion.name, matched)
    store.finish_run(db, run_id, "complete", scored=len(matched))
    return run_id, len(matched), unmatched if key == "soc" else []
