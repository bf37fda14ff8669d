"""Carry each published measure, the O*NET tasks and O*NET's related
occupations from the reference folder to OOH occupations, through the SOC
codes each page lists in ``projections`` and the crosswalks; never imputed.
Everything is read and checked before anything is written."""

from __future__ import annotations

import hashlib
import json
import re
import statistics
from collections.abc import Callable, Collection, Container, Iterable, Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

import sqlite_utils

from pipeline.db import Row, replace_table
from pipeline.ranks import percentiles
from pipeline.soc import MAIN, Page, main_codes, pages, parts, reach

from . import fetch, store
from .definitions import KEY_PATTERNS, MEASURES_FILE, Definitions, Measure, MeasureError, load_definitions
from .read import FileRecord, Reference

DEFAULT_REFERENCE = Path(__file__).resolve().parent.parent.parent / "shared" / "reference"
MISSING = ("", "NA", "N/A", "NaN", "nan", "NULL")
TIERS = ("Primary-Short", "Primary-Long", "Supplemental")
LABELS = ("E0", "E1", "E2")
CONSENSUS_MIN = 3  # measures an occupation needs before it has a consensus
# A measure speaks for an occupation in its consensus only where it reaches
# at least this share of the occupation's jobs: Claude use reaching 8% of
# assemblers' jobs through one of their codes says little of the other 92%.
MAIN_SHARE = 0.5

CROSSWALK_2010 = "crosswalks/onet_soc_2010_to_2019.csv"
CROSSWALK_ISCO = "crosswalks/bls_isco08_to_soc2010.csv"
ONET_TASKS = "onet-29.1/task_statements.txt"
ONET_OCCUPATIONS = "onet-29.1/occupation_data.txt"
ONET_RELATED = "onet-29.1/related_occupations.txt"
ONET_ALTERNATE_TITLES = "onet-29.1/alternate_titles.txt"
ONET_REPORTED_TITLES = "onet-29.1/sample_of_reported_titles.txt"
ONET_TASK_ACTIVITIES = "onet-29.1/tasks_to_dwas.txt"
ONET_ACTIVITIES = "onet-29.1/dwa_reference.txt"
ONET_ACTIVITY_GROUPS = "onet-29.1/iwa_reference.txt"
ONET_TECHNOLOGY = "onet-29.1/technology_skills.txt"
TASK_LABELS = "gpts-are-gpts/full_labelset.tsv"
# What a title of an occupation is, in the order a title found twice keeps the first:
# an O*NET occupation's own title, a title workers reported, an alternate title, its short form ("CPA").
TITLE_KINDS = ("onet", "reported", "alternate", "short")
NO_SHORT_TITLE = "n/a"
DWA_ID = re.compile(r"^4\.A\.\d\.[a-z]\.\d+\.I\d+\.D\d+$")  # a Detailed Work Activity: 4.A.2.a.4.I09.D03
IWA_ID = re.compile(r"^4\.A\.\d\.[a-z]\.\d+\.I\d+$")  # an Intermediate Work Activity: 4.A.2.a.4.I09
ELEMENT_ID = re.compile(r"^4\.A\.\d\.[a-z]\.\d+$")  # a Generalized Work Activity: 4.A.2.a.4
COMMODITY = re.compile(r"^\d{8}$")  # a UNSPSC commodity code
CROSSWALK_NEM = "crosswalks/bls_onet_soc_to_nem_ooh_2023.csv"

# The join rules are pipeline/soc.py's, the one SOC join every stage uses:
# applied the same way to every measure, to the tasks and their work
# activities, the titles, the technology and O*NET's related occupations.


# Reading the reference folder ------------------------------------------------


def raw_values(measure: Measure, reference: Reference) -> dict[str, float]:
    """{code: value} as the file gives it, each value checked against the range."""
    pattern = KEY_PATTERNS[measure.key_kind]
    out: dict[str, float] = {}
    for line, row in reference.rows(measure.file, [measure.key, measure.value], key=[measure.key]):
        code, text = row[measure.key].strip(), row[measure.value].strip()
        if not pattern.match(code):
            raise MeasureError(f"{measure.file}: line {line}: {code[:40]!r} is not a {measure.key_kind} code")
        if measure.key_kind == "isco08":
            code = code.zfill(4)
        if text in MISSING:
            continue
        try:
            number = float(text)
        except ValueError:
            raise MeasureError(f"{measure.file}: line {line} ({code}): {text[:40]!r} is not a number") from None
        if not measure.min <= number <= measure.max:  # also false for NaN and for infinities
            raise MeasureError(f"{measure.file}: line {line} ({code}): {text} is outside {measure.min:g} to {measure.max:g}")
        if code in out and out[code] != number:
            raise MeasureError(f"{measure.file}: line {line}: {code} has two different values")
        out[code] = number
    return out


def code_column(reference: Reference, name: str, line: int, text: str, kind: str, column: str) -> str:
    """``text`` stripped, or a one-line error where it is not a code of ``kind``."""
    code = text.strip()
    if not KEY_PATTERNS[kind].match(code):
        raise MeasureError(f"{name}: line {line}: {column} {code[:40]!r} is not a{'n' if kind[0] in 'aeio' else ''} {kind} code")
    return code


def task_id(name: str, line: int, text: str) -> int:
    """An O*NET task id: an integer, written "12" or "12.0"."""
    try:
        number = float(text)
    except ValueError:
        number = float("nan")
    if not number.is_integer() or not 0 < number < 2**31:
        raise MeasureError(f"{name}: line {line}: task id {text.strip()[:40]!r} is not a whole number")
    return int(number)


def soc2010_links(reference: Reference) -> dict[str, list[tuple[str, bool]]]:
    """{SOC 2018 code: [(SOC 2010 code, main)]}: one item per row of the O*NET
    taxonomy crosswalk, reduced to six-digit codes; main where the row links
    two main O*NET codes (.00 to .00)."""
    columns = ["O*NET-SOC 2010 Code", "O*NET-SOC 2019 Code"]
    links: dict[str, list[tuple[str, bool]]] = {}
    for line, row in reference.rows(CROSSWALK_2010, columns):
        old, new = (code_column(reference, CROSSWALK_2010, line, row[c], "onet", c) for c in columns)
        links.setdefault(new[:7], []).append((old[:7], old.endswith(MAIN) and new.endswith(MAIN)))
    return links


def isco_links(reference: Reference) -> dict[str, list[tuple[str, bool]]]:
    """{SOC 2010 code: [(ISCO-08 code, partial)]} from the BLS crosswalk."""
    links: dict[str, list[tuple[str, bool]]] = {}
    for line, row in reference.rows(CROSSWALK_ISCO, ["ISCO-08 Code", "part", "2010 SOC Code"]):
        isco = code_column(reference, CROSSWALK_ISCO, line, row["ISCO-08 Code"], "isco08", "ISCO-08 Code").zfill(4)
        soc = code_column(reference, CROSSWALK_ISCO, line, row["2010 SOC Code"], "soc2010", "2010 SOC Code")
        links.setdefault(soc, []).append((isco, bool(row["part"].strip())))
    return links


def to_soc2018(measure: Measure, values: dict[str, float], reference: Reference) -> dict[str, tuple[float, bool]]:
    """{SOC 2018 code: (value, partial)} from the file's own codes.

    O*NET-SOC codes take the main O*NET code rule (main_codes). SOC 2010
    codes reach 2018 weighted by their O*NET links, through the rows that
    rule keeps (the .00-to-.00 rows where the source has their 2010 code).
    ISCO-08 codes reach SOC 2010 with equal weight for every
    linked code, and the result is marked partial where any link is a
    partial match."""
    kind = measure.key_kind
    if kind == "soc2018":
        return {code: (v, False) for code, v in values.items()}
    if kind == "onet":
        by_soc: dict[str, dict[str, float]] = {}
        for code, v in values.items():
            by_soc.setdefault(code[:7], {})[code] = v
        return {soc: (statistics.fmean(codes[c] for c in main_codes(codes)), False) for soc, codes in by_soc.items()}
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
    for new, rows in soc2010_links(reference).items():
        # Rule 2: the .00-to-.00 rows where the source has their 2010 code,
        # else every row it has; a 2010 code counts once for each row kept.
        valued = [(old, main) for old, main in rows if old in soc2010]
        kept = [old for old, main in valued if main] or [old for old, _ in valued]
        if kept:
            out[new] = (statistics.fmean(soc2010[old][0] for old in kept), any(soc2010[old][1] for old in kept))
    return out


# Reaching OOH occupations ------------------------------------------------------


def nem_links(reference: Reference) -> dict[str, list[str]]:
    """{NEM code: [SOC codes]} for the codes BLS's projections use that stand
    for several SOC codes (25-9045 for 25-9042, 25-9043 and 25-9049), from
    the BLS O*NET-SOC to National Employment Matrix crosswalk."""
    links: dict[str, set[str]] = {}
    for line, row in reference.rows(CROSSWALK_NEM, ["O*NET-SOC Code", "NEM Code"]):
        onet = code_column(reference, CROSSWALK_NEM, line, row["O*NET-SOC Code"], "onet", "O*NET-SOC Code")
        nem = code_column(reference, CROSSWALK_NEM, line, row["NEM Code"], "soc2018", "NEM Code")
        links.setdefault(nem, set()).add(onet[:7])
    return {nem: sorted(codes) for nem, codes in links.items() if codes != {nem}}


def measure_rows(
    measure: Measure,
    reference: Reference,
    codes: Mapping[str, Page],
    jobs: Mapping[str, int | None],
    nem: Mapping[str, Sequence[str]],
) -> tuple[Row, list[Row]]:
    """(the measure's row, its rows of measure_values) for the occupations it reaches."""
    soc_values = to_soc2018(measure, raw_values(measure, reference), reference)
    reached = {slug: found for slug, page in codes.items() if (found := reach(page, soc_values, nem))}
    # Ranked as stored, to six decimals, so values that print the same tie.
    pct = percentiles({s: round(r.value, 6) for s, r in reached.items()})
    values: list[Row] = [
        {
            "measure": measure.name,
            "slug": slug,
            "value": round(r.value, 6),
            "percentile": pct[slug],
            "soc_codes": " ".join(r.codes),
            "employment_share": None if r.share is None else round(r.share, 4),
            "join_kind": r.join,
            "partial": int(r.partial),
        }
        for slug, r in sorted(reached.items())
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


def onet_titles(reference: Reference) -> dict[str, str]:
    """{O*NET-SOC code: title} of every O*NET 29.1 occupation."""
    out = {}
    for line, row in reference.rows(ONET_OCCUPATIONS, ["O*NET-SOC Code", "Title"]):
        out[code_column(reference, ONET_OCCUPATIONS, line, row["O*NET-SOC Code"], "onet", "O*NET-SOC Code")] = row["Title"]
    return out


def task_labels(reference: Reference) -> dict[tuple[str, int], tuple[str | None, str | None]]:
    """{(O*NET-SOC code, task id): (people's label, GPT-4's label)} from GPTs-are-GPTs."""
    labels: dict[tuple[str, int], tuple[str | None, str | None]] = {}
    columns = ["O*NET-SOC Code", "Task ID", "human_exposure_agg", "gpt4_exposure"]
    for line, r in reference.rows(TASK_LABELS, columns):
        onet = code_column(reference, TASK_LABELS, line, r["O*NET-SOC Code"], "onet", "O*NET-SOC Code")
        human, gpt4 = r["human_exposure_agg"], r["gpt4_exposure"]
        labels[(onet, task_id(TASK_LABELS, line, r["Task ID"]))] = (
            human if human in LABELS else None,
            gpt4 if gpt4 in LABELS else None,
        )
    return labels


def onet_task_rows(reference: Reference, codes: Mapping[str, Page], nem: Mapping[str, Sequence[str]]) -> list[Row]:
    """Each occupation's O*NET 29.1 tasks with the GPTs-are-GPTs labels: for
    each of its SOC codes, the tasks of the O*NET codes the main O*NET code
    rule keeps (main_codes), as for the O*NET-SOC measures."""
    titles = onet_titles(reference)
    labels = task_labels(reference)
    by_soc: dict[str, dict[str, list[tuple[int, str, str | None]]]] = {}
    for line, r in reference.rows(ONET_TASKS, ["O*NET-SOC Code", "Task ID", "Task", "Task Type"]):
        onet = code_column(reference, ONET_TASKS, line, r["O*NET-SOC Code"], "onet", "O*NET-SOC Code")
        task = " ".join(r["Task"].split())
        if not task:
            raise MeasureError(f"{ONET_TASKS}: line {line}: the task has no text")
        by_soc.setdefault(onet[:7], {}).setdefault(onet, []).append(
            (task_id(ONET_TASKS, line, r["Task ID"]), task, r["Task Type"] or None)
        )
    out: list[tuple[str, str, int, str | None, str, str | None, str | None, str | None]] = []
    for slug, page in sorted(codes.items()):
        seen = set()
        for part in parts(page, by_soc, nem):
            for soc in part.codes:
                for onet in main_codes(by_soc[soc]):
                    for number, task, kind in by_soc[soc][onet]:
                        if (onet, number) in seen:
                            continue
                        seen.add((onet, number))
                        human, gpt4 = labels.get((onet, number), (None, None))
                        out.append((slug, onet, number, titles.get(onet), task, kind, human, gpt4))
    columns = ("slug", "onet_soc_code", "task_id", "onet_title", "task", "task_type", "human_label", "gpt4_label")
    return [dict(zip(columns, row)) for row in sorted(out)]


def slugs_by_soc(codes: Mapping[str, Page], universe: Collection[str], nem: Mapping[str, Sequence[str]]) -> dict[str, set[str]]:
    """{SOC code of a source: the occupations it reaches}, by rule 1."""
    out: dict[str, set[str]] = {}
    for slug, page in codes.items():
        for part in parts(page, universe, nem):
            for soc in part.codes:
                out.setdefault(soc, set()).add(slug)
    return out


def related_rows(
    reference: Reference, codes: Mapping[str, Page], nem: Mapping[str, Sequence[str]], titles: Collection[str]
) -> list[Row]:
    """O*NET's related-occupation pairs between two different OOH
    occupations, each pair at its closest tier."""
    slugs_for = slugs_by_soc(codes, {code[:7] for code in titles}, nem)
    best: dict[tuple[str, str], str] = {}
    columns = ["O*NET-SOC Code", "Related O*NET-SOC Code", "Relatedness Tier"]
    for line, r in reference.rows(ONET_RELATED, columns):
        one, other = (code_column(reference, ONET_RELATED, line, r[c], "onet", c) for c in columns[:2])
        tier = r["Relatedness Tier"]
        if tier not in TIERS:
            continue
        for a in slugs_for.get(one[:7], ()):
            for b in slugs_for.get(other[:7], ()):
                if a != b and ((a, b) not in best or TIERS.index(tier) < TIERS.index(best[(a, b)])):
                    best[(a, b)] = tier
    return [{"slug": a, "related_slug": b, "tier": tier} for (a, b), tier in sorted(best.items())]


def spread_rows(values: Sequence[Row], included: Container[str]) -> list[Row]:
    """Per occupation, the median, lowest and highest percentile among the
    consensus measures that reach at least MAIN_SHARE of its jobs, and the
    spread between the two extremes."""
    by_slug: dict[str, list[float]] = {}
    for row in values:
        share = row["employment_share"]
        if row["measure"] in included and (share is None or share >= MAIN_SHARE):
            by_slug.setdefault(row["slug"], []).append(row["percentile"])
    return [
        {
            "slug": slug,
            "measures": len(p),
            "median": statistics.median(p),
            "low": min(p),
            "high": max(p),
            "spread": max(p) - min(p),
        }
        for slug, p in sorted(by_slug.items())
        if len(p) >= CONSENSUS_MIN
    ]


# The work itself: activities, titles, technology -----------------------------------


def text_column(name: str, line: int, text: str, column: str) -> str:
    """``text`` with its whitespace made single, or a one-line error where it is empty."""
    found = " ".join(text.split())
    if not found:
        raise MeasureError(f"{name}: line {line}: {column} is empty")
    return found


def pattern_column(name: str, line: int, text: str, pattern: re.Pattern[str], column: str) -> str:
    code = text.strip()
    if not pattern.match(code):
        raise MeasureError(f"{name}: line {line}: {column} {code[:40]!r} is not an O*NET {column}")
    return code


def activity_rows(reference: Reference) -> list[Row]:
    """Every O*NET Detailed Work Activity with the Intermediate Work Activity
    it belongs to: the table work_activities."""
    groups = {}
    for line, r in reference.rows(ONET_ACTIVITY_GROUPS, ["IWA ID", "IWA Title"]):
        groups[pattern_column(ONET_ACTIVITY_GROUPS, line, r["IWA ID"], IWA_ID, "IWA ID")] = text_column(
            ONET_ACTIVITY_GROUPS, line, r["IWA Title"], "IWA Title"
        )
    out = {}
    for line, r in reference.rows(ONET_ACTIVITIES, ["Element ID", "IWA ID", "DWA ID", "DWA Title"]):
        dwa = pattern_column(ONET_ACTIVITIES, line, r["DWA ID"], DWA_ID, "DWA ID")
        iwa = pattern_column(ONET_ACTIVITIES, line, r["IWA ID"], IWA_ID, "IWA ID")
        if iwa not in groups:
            raise MeasureError(f"{ONET_ACTIVITIES}: line {line}: {dwa} belongs to {iwa}, which {ONET_ACTIVITY_GROUPS} lacks")
        out[dwa] = {
            "dwa_id": dwa,
            "activity": text_column(ONET_ACTIVITIES, line, r["DWA Title"], "DWA Title"),
            "iwa_id": iwa,
            "iwa_title": groups[iwa],
            "element_id": pattern_column(ONET_ACTIVITIES, line, r["Element ID"], ELEMENT_ID, "Element ID"),
        }
    return [out[d] for d in sorted(out)]


def task_activity_rows(reference: Reference, tasks: Sequence[Row], activities: Collection[str]) -> list[Row]:
    """The work activities of each occupation's tasks (the tasks table's
    rows, so the same O*NET code rule): the table task_activities."""
    links: dict[tuple[str, int], set[str]] = {}
    for line, r in reference.rows(ONET_TASK_ACTIVITIES, ["O*NET-SOC Code", "Task ID", "DWA ID"]):
        onet = code_column(reference, ONET_TASK_ACTIVITIES, line, r["O*NET-SOC Code"], "onet", "O*NET-SOC Code")
        dwa = pattern_column(ONET_TASK_ACTIVITIES, line, r["DWA ID"], DWA_ID, "DWA ID")
        if dwa not in activities:
            raise MeasureError(f"{ONET_TASK_ACTIVITIES}: line {line}: {dwa} is not in {ONET_ACTIVITIES}")
        links.setdefault((onet, task_id(ONET_TASK_ACTIVITIES, line, r["Task ID"])), set()).add(dwa)
    return [
        {"slug": t["slug"], "onet_soc_code": t["onet_soc_code"], "task_id": t["task_id"], "dwa_id": dwa}
        for t in tasks
        for dwa in sorted(links.get((t["onet_soc_code"], t["task_id"]), ()))
    ]


def occupation_activity_rows(tasks: Sequence[Row], task_activities: Sequence[Row]) -> list[Row]:
    """Per occupation, each work activity its tasks carry, with how many of
    its tasks carry it and what share of its tasks that is: the table
    occupation_activities, most carried first."""
    counts: dict[str, int] = {}
    for t in tasks:
        counts[t["slug"]] = counts.get(t["slug"], 0) + 1
    carried: dict[tuple[str, str], int] = {}
    for link in task_activities:
        key = (link["slug"], link["dwa_id"])
        carried[key] = carried.get(key, 0) + 1
    return [
        {"slug": slug, "dwa_id": dwa, "tasks": n, "share": round(n / counts[slug], 4)}
        for (slug, dwa), n in sorted(carried.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1]))
    ]


def title_rows(
    reference: Reference, codes: Mapping[str, Page], nem: Mapping[str, Sequence[str]], titles: Mapping[str, str]
) -> list[Row]:
    """The names of each occupation: the titles of the O*NET occupations
    under the SOC codes it reaches, their alternate titles (and short forms)
    and the titles workers reported, each title once per occupation (the
    first kind in TITLE_KINDS, then the first O*NET code, keeps it). Every
    O*NET code under a SOC code counts, not only its main one: a specialty's
    names (Acute Care Nurses) are names of the occupation too."""
    found: list[tuple[str, str, str]] = [(onet, "onet", title) for onet, title in titles.items()]
    for line, r in reference.rows(ONET_ALTERNATE_TITLES, ["O*NET-SOC Code", "Alternate Title", "Short Title"]):
        onet = code_column(reference, ONET_ALTERNATE_TITLES, line, r["O*NET-SOC Code"], "onet", "O*NET-SOC Code")
        found.append((onet, "alternate", text_column(ONET_ALTERNATE_TITLES, line, r["Alternate Title"], "Alternate Title")))
        short = " ".join(r["Short Title"].split())
        if short and short != NO_SHORT_TITLE:
            found.append((onet, "short", short))
    for line, r in reference.rows(ONET_REPORTED_TITLES, ["O*NET-SOC Code", "Reported Job Title"]):
        onet = code_column(reference, ONET_REPORTED_TITLES, line, r["O*NET-SOC Code"], "onet", "O*NET-SOC Code")
        found.append((onet, "reported", text_column(ONET_REPORTED_TITLES, line, r["Reported Job Title"], "Reported Job Title")))
    by_soc: dict[str, list[tuple[str, str, str]]] = {}
    for onet, kind, title in found:
        by_soc.setdefault(onet[:7], []).append((onet, kind, title))
    out: list[Row] = []
    for slug, socs in sorted(slugs_of(codes, by_soc, nem).items()):
        named = sorted((TITLE_KINDS.index(kind), onet, title) for soc in socs for onet, kind, title in by_soc[soc])
        seen = set()
        for rank, onet, title in named:
            if title.casefold() in seen:
                continue
            seen.add(title.casefold())
            out.append({"slug": slug, "title": title, "kind": TITLE_KINDS[rank], "onet_soc_code": onet})
    return out


def slugs_of(codes: Mapping[str, Page], universe: Collection[str], nem: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """{slug: the SOC codes of a source that stand for its page's codes}, by rule 1."""
    out = {}
    for slug, page in codes.items():
        socs = sorted({soc for part in parts(page, universe, nem) for soc in part.codes})
        if socs:
            out[slug] = socs
    return out


def technology_rows(reference: Reference, codes: Mapping[str, Page], nem: Mapping[str, Sequence[str]]) -> list[Row]:
    """The software and technology each occupation uses, through the O*NET
    codes the main O*NET code rule keeps (as for the tasks); an example named
    under several of them once, flagged hot or in demand if any says so."""
    by_soc: dict[str, dict[str, list[tuple[str, str, str, bool, bool]]]] = {}
    columns = ["O*NET-SOC Code", "Example", "Commodity Code", "Commodity Title", "Hot Technology", "In Demand"]
    for line, r in reference.rows(ONET_TECHNOLOGY, columns):
        onet = code_column(reference, ONET_TECHNOLOGY, line, r["O*NET-SOC Code"], "onet", "O*NET-SOC Code")
        flags = [r[c].strip() for c in columns[4:]]
        if any(f not in ("Y", "N") for f in flags):
            raise MeasureError(f"{ONET_TECHNOLOGY}: line {line}: Hot Technology and In Demand are Y or N")
        by_soc.setdefault(onet[:7], {}).setdefault(onet, []).append(
            (
                text_column(ONET_TECHNOLOGY, line, r["Example"], "Example"),
                pattern_column(ONET_TECHNOLOGY, line, r["Commodity Code"], COMMODITY, "Commodity Code"),
                text_column(ONET_TECHNOLOGY, line, r["Commodity Title"], "Commodity Title"),
                flags[0] == "Y",
                flags[1] == "Y",
            )
        )
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for slug, socs in slugs_of(codes, by_soc, nem).items():
        for soc in socs:
            for onet in main_codes(by_soc[soc]):
                for example, commodity, commodity_title, hot, in_demand in by_soc[soc][onet]:
                    row = out.setdefault(
                        (slug, commodity, example),
                        {"slug": slug, "commodity_code": commodity, "commodity_title": commodity_title, "example": example},
                    )
                    row["hot"] = int(hot or bool(row.get("hot")))
                    row["in_demand"] = int(in_demand or bool(row.get("in_demand")))
    return [out[k] for k in sorted(out)]


# The manifest ------------------------------------------------------------------

# The manifest's rows for what data.db and the definitions give the load.
DB_INPUTS = "data.db: projections and jobs"
DEFINITIONS_INPUT = "measures.toml"


def inputs_record(db: sqlite_utils.Database, definitions_file: str | Path) -> list[FileRecord]:
    """Manifest rows for the load's other inputs: the SOC codes, employment
    and jobs it reads from data.db, and the definitions file."""
    digest = hashlib.sha256()
    count = 0
    for row in db.execute("select slug, row, soc_code, level, employment_base from projections order by slug, row"):
        digest.update(json.dumps(row).encode())
        count += 1
    for row in db.execute("select slug, jobs from occupations order by slug"):
        digest.update(json.dumps(row).encode())
        count += 1
    text = Path(definitions_file).read_bytes()
    return [
        FileRecord(DB_INPUTS, digest.hexdigest(), 0, count, True),
        FileRecord(DEFINITIONS_INPUT, hashlib.sha256(text).hexdigest(), len(text), text.count(b"\n"), text.endswith(b"\n")),
    ]


def stored_manifest(db: sqlite_utils.Database) -> dict[str, FileRecord]:
    if not db["measure_files"].exists():
        return {}
    counted = "keys" in db["measure_files"].columns_dict
    return {
        r["file"]: FileRecord(r["file"], r["sha256"], r["bytes"], r["rows"], bool(r["ends_with_newline"]), r.get("keys"))
        for r in db.query(f"select file, sha256, bytes, rows, ends_with_newline{', keys' if counted else ''} from measure_files")
    }


def check_against_manifest(read: Iterable[FileRecord], stored: Mapping[str, FileRecord], *, accept_shorter: bool = False) -> None:
    """Refuse a file with fewer keys (codes, tasks, titles) than the one
    loaded before, unless ``accept_shorter``: a truncated file, or one
    padded back to its length with repeats of its own rows. Refuse, always,
    a file that now ends mid-line where that one ended with a line: a file
    cut inside a row or a value (0.0595 read as 0.0). Raises MeasureError
    naming the first."""
    for record in read:
        before = stored.get(record.file)
        if before is None or before.sha256 == record.sha256:
            continue
        if before.ends_with_newline and not record.ends_with_newline:
            raise MeasureError(
                f"{record.file} ends mid-line where the file loaded before did not: refused as cut short "
                "(a value or a row may be cut; --accept-shorter does not load it)"
            )
        if accept_shorter:
            continue
        if before.keys is not None and record.keys is not None:
            if record.keys < before.keys:
                raise MeasureError(
                    f"{record.file} has {record.keys:,} distinct keys where the file loaded before had {before.keys:,}: "
                    "refused as truncated (--accept-shorter loads it)"
                )
        elif record.rows < before.rows:  # a manifest from before keys were counted
            raise MeasureError(
                f"{record.file} has {record.rows:,} rows where the file loaded before had {before.rows:,}: "
                "refused as truncated (--accept-shorter loads it)"
            )


def up_to_date(db: sqlite_utils.Database, found: Definitions, definitions_file: str | Path) -> bool:
    """True when data.db already holds a load of exactly the files the
    definitions pin, from the same SOC codes, jobs and definitions: a load
    would change nothing, so nothing needs fetching."""
    stored = stored_manifest(db)
    if not stored or not found.files:
        return False
    wanted = {f.path: f.sha256 for f in found.files}
    wanted |= {r.file: r.sha256 for r in inputs_record(db, definitions_file)}
    return {name: r.sha256 for name, r in stored.items()} == wanted


def run(
    db: sqlite_utils.Database,
    reference: str | Path = DEFAULT_REFERENCE,
    definitions_file: str | Path = MEASURES_FILE,
    log: Callable[[str], object] = lambda message: None,
    *,
    accept_shorter: bool = False,
) -> dict[str, bool]:
    """Load every measure, the tasks and the related occupations from
    ``reference`` into data.db. Returns {table: changed?}. Every definition,
    file and clash is read and checked before anything is written, so a bad
    file changes nothing."""
    folder = Path(reference)
    if not folder.is_dir():
        raise MeasureError(f"the reference folder {folder} does not exist: give it with --reference")
    found = load_definitions(definitions_file)
    if db["criteria"].exists():
        clash = sorted({m.name for m in found.measures} & {r[0] for r in db.execute("select name from criteria")})
        if clash:
            raise MeasureError(f"measure {clash[0]} has the name of a criterion: rename one in measures.toml (nothing written)")
    source = Reference(folder)
    codes = pages(db)
    nem = nem_links(source)
    jobs = dict(db.execute("select slug, jobs from occupations").fetchall())
    measure_table: list[Row] = []
    values: list[Row] = []
    notes: list[str] = []  # said once everything is read and checked, so an error is the only line
    for measure in found.measures:
        row, rows = measure_rows(measure, source, codes, jobs, nem)
        measure_table.append(row)
        values += rows
        notes.append(f"{measure.name}: {row['occupations']} occupations, {row['jobs_share']:.1%} of jobs")
    tasks = onet_task_rows(source, codes, nem)
    notes.append(f"tasks: {len(tasks):,} O*NET tasks of {len({t['slug'] for t in tasks})} occupations")
    titles = onet_titles(source)
    related = related_rows(source, codes, nem, titles)
    notes.append(f"related occupations: {len(related):,} O*NET pairs between OOH occupations")
    activities = activity_rows(source)
    task_activities = task_activity_rows(source, tasks, {a["dwa_id"] for a in activities})
    occupation_activities = occupation_activity_rows(tasks, task_activities)
    notes.append(
        f"work activities: {len({a['dwa_id'] for a in occupation_activities}):,} of O*NET's {len(activities):,} "
        f"carried by the tasks of {len({a['slug'] for a in occupation_activities})} occupations"
    )
    names = title_rows(source, codes, nem, titles)
    notes.append(f"titles: {len(names):,} names of {len({n['slug'] for n in names})} occupations")
    technology = technology_rows(source, codes, nem)
    notes.append(f"technology: {len(technology):,} examples used in {len({t['slug'] for t in technology})} occupations")
    spread = spread_rows(values, {m.name for m in found.measures if m.consensus})
    check_against_manifest(source.read.values(), stored_manifest(db), accept_shorter=accept_shorter)
    manifest = sorted([*source.read.values(), *inputs_record(db, definitions_file)], key=lambda r: r.file)
    for note in notes:
        log(note)
    store.ensure(db)
    changed = {}
    tables: dict[str, Sequence[Row]] = {
        "measures": measure_table,
        "measure_values": values,
        "measure_consensus": spread,
        "tasks": tasks,
        "onet_related": related,
        "work_activities": activities,
        "task_activities": task_activities,
        "occupation_activities": occupation_activities,
        "occupation_titles": names,
        "occupation_technology": technology,
        "measure_files": [
            {
                "file": r.file,
                "sha256": r.sha256,
                "bytes": r.bytes,
                "rows": r.rows,
                "ends_with_newline": int(r.ends_with_newline),
                "keys": r.keys,
            }
            for r in manifest
        ],
    }
    with db.atomic():
        for table, found_rows in tables.items():
            changed[table] = replace_table(db, table, found_rows)
        changed["occupation_measures"] = store.refresh_view(db)
    if any(changed.values()):
        db.vacuum()
    return changed


def run_fetched(
    db: sqlite_utils.Database,
    definitions_file: str | Path = MEASURES_FILE,
    cache: str | Path = fetch.DEFAULT_CACHE,
    *,
    mirror: str | None = None,
    base_url: str | None = None,
    deadline: float = fetch.DEADLINE,
    log: Callable[[str], object] = lambda message: None,
    accept_shorter: bool = False,
) -> dict[str, bool]:
    """``run`` from the files measures.toml pins, fetched into ``cache`` where
    it lacks them (fetch.fetch). Nothing is fetched when data.db already holds
    a load of exactly those files from the same SOC codes, jobs and
    definitions: a load would change nothing."""
    found = load_definitions(definitions_file)
    if up_to_date(db, found, definitions_file):
        log("the pinned files are the ones loaded, from the same SOC codes and jobs: nothing to fetch")
        return {}
    folder = fetch.fetch(found.files, cache, mirror=mirror, base_url=base_url, deadline=deadline, log=log)
    return run(db, folder, definitions_file, log, accept_shorter=accept_shorter)
