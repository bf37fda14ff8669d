"""Carry each published measure, the O*NET tasks and O*NET's related
occupations from the reference folder to OOH occupations, through the SOC
codes each page lists in ``projections`` and the crosswalks; never imputed.
Everything is read and checked before anything is written."""

from __future__ import annotations

import csv
import statistics
from collections.abc import Callable, Collection, Container, Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

import sqlite_utils

from pipeline.db import replace_table
from pipeline.ranks import percentiles

from . import store
from .definitions import KEY_PATTERNS, MEASURES_FILE, Measure, MeasureError, definitions

DEFAULT_REFERENCE = Path(__file__).resolve().parent.parent.parent / "shared" / "reference"
MISSING = ("", "NA", "N/A", "NaN", "nan", "NULL")
TIERS = ("Primary-Short", "Primary-Long", "Supplemental")
LABELS = ("E0", "E1", "E2")
CONSENSUS_MIN = 3  # measures an occupation needs before it has a consensus

CROSSWALK_2010 = "crosswalks/onet_soc_2010_to_2019.csv"
CROSSWALK_ISCO = "crosswalks/bls_isco08_to_soc2010.csv"
ONET_TASKS = "onet-29.1/task_statements.txt"
ONET_OCCUPATIONS = "onet-29.1/occupation_data.txt"
ONET_RELATED = "onet-29.1/related_occupations.txt"
TASK_LABELS = "gpts-are-gpts/full_labelset.tsv"
CROSSWALK_NEM = "crosswalks/bls_onet_soc_to_nem_ooh_2023.csv"

# {slug: (leaves, total employment)}: see occupation_codes.
Codes = dict[str, tuple[list[tuple[str, int | None]], int | None]]
# measure, slug, value, percentile, SOC codes, employment share, join, partial: a row of measure_values.
ValueRow = tuple[str, str, float, float, str, float | None, str, int]
# slug, O*NET-SOC code, task id, O*NET title, task, task type, people's label, GPT-4's label: a row of tasks.
TaskRow = tuple[str, str, int, str | None, str, str | None, str | None, str | None]


# Reading the reference folder ------------------------------------------------


def read_table(reference: str | Path, name: str) -> list[dict[str, str]]:
    """Rows of a CSV, or of a tab-separated file (.tsv, .txt), as dicts."""
    path = Path(reference) / name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise MeasureError(f"{name} is not in {reference}: give the reference folder with --reference") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MeasureError(f"{name}: cannot be read ({exc})") from None
    delimiter = "," if path.suffix.lower() == ".csv" else "\t"
    return list(csv.DictReader(text.splitlines(), delimiter=delimiter))


def column(rows: list[dict[str, str]], name: str, file: str) -> str:
    if rows and name not in rows[0]:
        raise MeasureError(f"{file}: no column {name!r} (columns: {', '.join(k for k in rows[0] if k)})")
    return name


def raw_values(measure: Measure, reference: str | Path) -> dict[str, float]:
    """{code: value} as the file gives it, each value checked against the range."""
    rows = read_table(reference, measure.file)
    if not rows:
        raise MeasureError(f"{measure.file}: no rows")
    key, value = column(rows, measure.key, measure.file), column(rows, measure.value, measure.file)
    pattern = KEY_PATTERNS[measure.key_kind]
    out: dict[str, float] = {}
    for line, row in enumerate(rows, 2):
        code, text = (row.get(key) or "").strip(), (row.get(value) or "").strip()
        if not pattern.match(code):
            raise MeasureError(f"{measure.file}: line {line}: {code!r} is not a {measure.key_kind} code")
        if measure.key_kind == "isco08":
            code = code.zfill(4)
        if text in MISSING:
            continue
        try:
            number = float(text)
        except ValueError:
            raise MeasureError(f"{measure.file}: line {line} ({code}): {text!r} is not a number") from None
        if not measure.min <= number <= measure.max:  # also false for NaN
            raise MeasureError(f"{measure.file}: line {line} ({code}): {text} is outside {measure.min:g} to {measure.max:g}")
        if code in out and out[code] != number:
            raise MeasureError(f"{measure.file}: line {line}: {code} has two different values")
        out[code] = number
    return out


def soc2010_links(reference: str | Path) -> dict[str, dict[str, int]]:
    """{SOC 2018 code: {SOC 2010 code: links}}: the O*NET taxonomy crosswalk
    reduced to six-digit codes, counting the O*NET-SOC links between them."""
    links: dict[str, dict[str, int]] = {}
    for row in read_table(reference, CROSSWALK_2010):
        old, new = row["O*NET-SOC 2010 Code"][:7], row["O*NET-SOC 2019 Code"][:7]
        links.setdefault(new, {}).setdefault(old, 0)
        links[new][old] += 1
    return links


def isco_links(reference: str | Path) -> dict[str, list[tuple[str, bool]]]:
    """{SOC 2010 code: [(ISCO-08 code, partial)]} from the BLS crosswalk."""
    links: dict[str, list[tuple[str, bool]]] = {}
    for row in read_table(reference, CROSSWALK_ISCO):
        links.setdefault(row["2010 SOC Code"].strip(), []).append(
            (row["ISCO-08 Code"].strip().zfill(4), bool(row["part"].strip()))
        )
    return links


def to_soc2018(measure: Measure, values: dict[str, float], reference: str | Path) -> dict[str, tuple[float, bool]]:
    """{SOC 2018 code: (value, partial)} from the file's own codes.

    O*NET-SOC codes take their ``.00`` code where it has a value, else the
    mean of the detailed O*NET codes under the SOC code. SOC 2010 codes reach
    2018 weighted by their O*NET links. ISCO-08 codes reach SOC 2010 with
    equal weight for every linked code, and the result is marked partial
    where any link is a partial match."""
    kind = measure.key_kind
    if kind == "soc2018":
        return {code: (v, False) for code, v in values.items()}
    if kind == "onet":
        by_soc: dict[str, dict[str, float]] = {}
        for code, v in values.items():
            by_soc.setdefault(code[:7], {})[code] = v
        return {soc: (codes.get(soc + ".00", statistics.fmean(codes.values())), False) for soc, codes in by_soc.items()}
    soc2010: dict[str, tuple[float, bool]]
    if kind == "isco08":
        soc2010 = {}
        for soc, isco in isco_links(reference).items():
            matched = [(values[code], partial) for code, partial in isco if code in values]
            if matched:
                soc2010[soc] = (statistics.fmean(v for v, _ in matched), any(p for _, p in matched))
    else:
        soc2010 = {code: (v, False) for code, v in values.items()}
    out: dict[str, tuple[float, bool]] = {}
    for new, olds in soc2010_links(reference).items():
        found = [(soc2010[old], n) for old, n in olds.items() if old in soc2010]
        if found:
            weight = sum(n for _, n in found)
            out[new] = (sum(v * n for (v, _), n in found) / weight, any(p for (_, p), _ in found))
    return out


# Reaching OOH occupations ------------------------------------------------------


def occupation_codes(db: sqlite_utils.Database) -> Codes:
    """{slug: (leaves, total employment)}: the SOC codes of each occupation that
    have no more detailed code below them on its page, with their base-year
    employment, and the page's total employment (its level-0 rows)."""
    by_slug: dict[str, list[dict[str, Any]]] = {}
    for row in db.query("select slug, row, soc_code, level, employment_base from projections order by slug, row"):
        by_slug.setdefault(row["slug"], []).append(row)
    out: Codes = {}
    for slug, rows in by_slug.items():
        leaves = []
        for i, row in enumerate(rows):
            if not row["soc_code"]:
                continue
            below = []
            for later in rows[i + 1 :]:
                if later["level"] <= row["level"]:
                    break
                below.append(later)
            if not any(b["soc_code"] for b in below):
                leaves.append((row["soc_code"], row["employment_base"]))
        totals = [r["employment_base"] for r in rows if r["level"] == 0]
        out[slug] = (leaves, sum(totals) if totals and None not in totals else None)
    return out


def nem_links(reference: str | Path) -> dict[str, list[str]]:
    """{NEM code: [SOC codes]} for the codes BLS's projections use that stand
    for several SOC codes (25-9045 for 25-9042, 25-9043 and 25-9049), from
    the BLS O*NET-SOC to National Employment Matrix crosswalk."""
    links: dict[str, set[str]] = {}
    for row in read_table(reference, CROSSWALK_NEM):
        links.setdefault(row["NEM Code"].strip(), set()).add(row["O*NET-SOC Code"][:7])
    return {nem: sorted(codes) for nem, codes in links.items() if codes != {nem}}


def detailed_codes(code: str, universe: Collection[str], nem: Mapping[str, Sequence[str]]) -> tuple[list[str], str | None]:
    """(codes in ``universe`` that stand for ``code``, how): the code itself;
    else the SOC codes BLS's crosswalk gives for a matrix code; else, for a
    broad or minor group (17-3010, 39-2000), the detailed codes that share
    its digits up to its trailing zeros."""
    if code in universe and not code.endswith("0"):
        return [code], "detailed"
    found = [c for c in nem.get(code, ()) if c in universe]
    if found:
        return found, "nem"
    if code.endswith("0"):
        prefix = code.rstrip("0")
        return sorted(c for c in universe if c.startswith(prefix) and not c.endswith("0")), "broad"
    return [], None


def reach(
    leaves: Sequence[tuple[str, int | None]],
    total: int | None,
    soc_values: Mapping[str, tuple[float, bool]],
    nem: Mapping[str, Sequence[str]],
) -> tuple[float, list[str], float | None, str, bool] | None:
    """The occupation's value from its SOC codes' values, weighted by their
    base-year employment; None when no code has a value. Returns (value,
    codes used, share of employment covered, join, partial), where join is
    the widest step taken: detailed, nem or broad."""
    parts = []
    for code, employment in leaves:
        codes, how = detailed_codes(code, soc_values, nem)
        if codes and how is not None:
            parts.append(
                (statistics.fmean(soc_values[c][0] for c in codes), employment, codes, any(soc_values[c][1] for c in codes), how)
            )
    if not parts:
        return None
    # A part whose employment is unknown cannot be weighted: then each part counts the same.
    weights = [p[1] for p in parts if p[1] is not None]
    share: float | None
    if len(weights) < len(parts) or not sum(weights):
        value = statistics.fmean(p[0] for p in parts)
        share = None
    else:
        value = sum(p[0] * w for p, w in zip(parts, weights)) / sum(weights)
        share = min(1.0, sum(weights) / total) if total else None
    codes = sorted({c for p in parts for c in p[2]})
    join = max((p[4] for p in parts), key=("detailed", "nem", "broad").index)
    return value, codes, share, join, any(p[3] for p in parts)


def measure_rows(
    measure: Measure, reference: str | Path, codes: Codes, jobs: Mapping[str, int | None], nem: Mapping[str, Sequence[str]]
) -> tuple[dict[str, Any], list[ValueRow]]:
    """(the measure's row, its value rows) for the occupations it reaches."""
    soc_values = to_soc2018(measure, raw_values(measure, reference), reference)
    reached: dict[str, tuple[float, list[str], float | None, str, bool]] = {}
    for slug, (leaves, total) in codes.items():
        found = reach(leaves, total, soc_values, nem)
        if found:
            reached[slug] = found
    pct = percentiles({s: r[0] for s, r in reached.items()})
    values: list[ValueRow] = [
        (
            measure.name,
            slug,
            round(value, 6),
            pct[slug],
            " ".join(used),
            None if share is None else round(share, 4),
            join,
            int(partial),
        )
        for slug, (value, used, share, join, partial) in sorted(reached.items())
    ]
    covered = sum(jobs.get(s) or 0 for s in reached)
    row: dict[str, Any] = {f.name: getattr(measure, f.name) for f in fields(Measure)}
    row["consensus"] = int(measure.consensus)
    row |= {
        "occupations": len(reached),
        "jobs": covered,
        "jobs_share": round(covered / (sum(v or 0 for v in jobs.values()) or 1), 4),
    }
    return row, values


def onet_task_rows(reference: str | Path, codes: Codes, nem: Mapping[str, Sequence[str]]) -> list[TaskRow]:
    """Each occupation's O*NET 29.1 tasks with the GPTs-are-GPTs labels."""
    titles = {r["O*NET-SOC Code"]: r["Title"] for r in read_table(reference, ONET_OCCUPATIONS)}
    labels: dict[tuple[str, int], tuple[str | None, str | None]] = {}
    for r in read_table(reference, TASK_LABELS):
        try:
            key = (r["O*NET-SOC Code"], int(float(r["Task ID"])))
        except (KeyError, ValueError):
            continue
        human, gpt4 = r.get("human_exposure_agg"), r.get("gpt4_exposure")
        labels[key] = (human if human in LABELS else None, gpt4 if gpt4 in LABELS else None)
    by_soc: dict[str, list[dict[str, str]]] = {}
    for r in read_table(reference, ONET_TASKS):
        by_soc.setdefault(r["O*NET-SOC Code"][:7], []).append(r)
    out: list[TaskRow] = []
    for slug, (leaves, _) in sorted(codes.items()):
        seen = set()
        for code, _ in leaves:
            for soc in detailed_codes(code, by_soc, nem)[0]:
                for r in by_soc[soc]:
                    onet, task_id = r["O*NET-SOC Code"], int(r["Task ID"])
                    if (onet, task_id) in seen:
                        continue
                    seen.add((onet, task_id))
                    human, gpt4 = labels.get((onet, task_id), (None, None))
                    out.append(
                        (slug, onet, task_id, titles.get(onet), " ".join(r["Task"].split()), r["Task Type"] or None, human, gpt4)
                    )
    return sorted(out)


def related_rows(reference: str | Path, codes: Codes, nem: Mapping[str, Sequence[str]]) -> list[tuple[str, str, str]]:
    """O*NET's related-occupation pairs between two different OOH
    occupations, each pair at its closest tier."""
    slugs_for: dict[str, set[str]] = {}
    universe = {r["O*NET-SOC Code"][:7] for r in read_table(reference, ONET_OCCUPATIONS)}
    for slug, (leaves, _) in codes.items():
        for code, _ in leaves:
            for soc in detailed_codes(code, universe, nem)[0]:
                slugs_for.setdefault(soc, set()).add(slug)
    best: dict[tuple[str, str], str] = {}
    for r in read_table(reference, ONET_RELATED):
        tier = r["Relatedness Tier"]
        if tier not in TIERS:
            continue
        for a in slugs_for.get(r["O*NET-SOC Code"][:7], ()):
            for b in slugs_for.get(r["Related O*NET-SOC Code"][:7], ()):
                if a != b and ((a, b) not in best or TIERS.index(tier) < TIERS.index(best[(a, b)])):
                    best[(a, b)] = tier
    return sorted((a, b, tier) for (a, b), tier in best.items())


def spread_rows(values: Sequence[ValueRow], included: Container[str]) -> list[tuple[str, int, float, float, float, float]]:
    """Per occupation, the median, lowest and highest percentile among the
    consensus measures, and the spread between the two extremes."""
    by_slug: dict[str, list[float]] = {}
    for measure, slug, _, pct, *_ in values:
        if measure in included:
            by_slug.setdefault(slug, []).append(pct)
    return [
        (slug, len(p), round(statistics.median(p), 2), min(p), max(p), round(max(p) - min(p), 2))
        for slug, p in sorted(by_slug.items())
        if len(p) >= CONSENSUS_MIN
    ]


def run(
    db: sqlite_utils.Database,
    reference: str | Path = DEFAULT_REFERENCE,
    definitions_file: str | Path = MEASURES_FILE,
    log: Callable[[str], object] = lambda message: None,
) -> dict[str, bool]:
    """Load every measure, the tasks and the related occupations from
    ``reference`` into data.db. Returns {table: changed?}. Everything is read
    and checked before anything is written, so a bad file changes nothing."""
    reference = Path(reference)
    if not reference.is_dir():
        raise MeasureError(f"the reference folder {reference} does not exist: give it with --reference")
    found = definitions(definitions_file)
    codes = occupation_codes(db)
    nem = nem_links(reference)
    jobs = dict(db.execute("select slug, jobs from occupations").fetchall())
    measure_table: list[tuple[Any, ...]] = []
    values: list[ValueRow] = []
    for measure in found:
        row, rows = measure_rows(measure, reference, codes, jobs, nem)
        measure_table.append(tuple(row.values()))
        values += rows
        log(f"{measure.name}: {row['occupations']} occupations, {row['jobs_share']:.1%} of jobs")
    tasks = onet_task_rows(reference, codes, nem)
    log(f"tasks: {len(tasks):,} O*NET tasks of {len({t[0] for t in tasks})} occupations")
    related = related_rows(reference, codes, nem)
    log(f"related occupations: {len(related):,} O*NET pairs between OOH occupations")
    spread = spread_rows(values, {m.name for m in found if m.consensus})
    store.ensure(db)
    changed = {}
    tables: dict[str, Sequence[Sequence[Any]]] = {
        "measures": measure_table,
        "measure_values": values,
        "measure_consensus": spread,
        "tasks": tasks,
        "onet_related": related,
    }
    with db.atomic():
        for table, found_rows in tables.items():
            changed[table] = replace_table(db, table, found_rows)
        changed["occupation_measures"] = store.refresh_view(db)
    if any(changed.values()):
        db.vacuum()
    return changed
