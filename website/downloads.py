"""The downloads: every occupation with its current scores (CSV and JSON),
and every published measure's values with their citations (CSV)."""

from __future__ import annotations

import csv
import io
import json

from .answer import made_by_short
from .layers import NO_ONE_PATH, NO_ONE_PATH_WORDS, Layer
from .model import Site, Value


def spreadsheet_safe(value: Value) -> Value:
    """A text cell a spreadsheet would run as a formula gets a leading
    apostrophe (the usual CSV-injection defence); numbers pass as they are."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def downloads(site: Site, layers: list[Layer]) -> tuple[str, str]:
    """CSV and JSON of every occupation with its current scores, and a column
    for each layer of the map whose figure they lack (its ``column``)."""
    columns = [
        "slug",
        "title",
        "category",
        "category_name",
        "url",
        "jobs",
        "projected_jobs",
        "employment_change",
        "outlook_pct",
        "outlook_desc",
        "openings",
        "median_pay_annual",
        "median_pay_hourly",
        "pay_period",
        "pay_top_coded",
        "pay_missing",
        "pay_p10_annual",
        "pay_p90_annual",
        "pay_p10_hourly",
        "pay_p90_hourly",
        "pay_p90_top_coded",
        "entry_education",
        "work_experience",
        "training",
        "page_date",
    ]
    records = []
    for o in site.occupations:
        record: dict[str, Value] = {k: getattr(o, k) for k in columns}
        # When the figures are from, as the pages say it: the edition's May, or a range's own older month.
        record["median_pay_as_of"] = f"May {site.edition.base_year}" if o.median_pay_annual or o.median_pay_hourly else None
        # Only where the download gives the range: one stated for the whole occupation.
        ranged = any(record[k] is not None for k in ("pay_p10_annual", "pay_p10_hourly", "pay_p90_annual", "pay_p90_hourly"))
        months = dict.fromkeys(r["as_of"] for r in site.pay_ranges.get(o.slug, []) if r.get("as_of"))
        record["pay_range_as_of"] = ("; ".join(str(m) for m in months) or None) if ranged else None
        # BLS's placeholder for "no one typical path", in the words the pages use.
        for k in ("entry_education", "work_experience", "training"):
            if record[k] == NO_ONE_PATH:
                record[k] = NO_ONE_PATH_WORDS
        for c in site.criteria:
            score = c.scores.get(o.slug)
            record[c.name] = score.score if score else None
            record[f"{c.name}_rationale"] = score.rationale if score else None
            record[f"{c.name}_made_by"] = made_by_short(c.run) if score else None
        for layer in layers:
            if layer.column and layer.value and layer.column not in record:
                record[layer.column] = layer.value(o)
        records.append(record)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(records[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: spreadsheet_safe(v) for k, v in r.items()} for r in records)
    return buffer.getvalue(), json.dumps(records, ensure_ascii=False, indent=1, sort_keys=False) + "\n"


def measure_download(site: Site) -> str | None:
    """Every published measure's value for every occupation it reaches, each
    row carrying its citation and licence, so the credit travels with it."""
    if not site.evidence:
        return None
    titles = {o.slug: o.title for o in site.occupations}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "measure",
            "measure_title",
            "slug",
            "title",
            "value",
            "percentile",
            "soc_codes",
            "employment_share",
            "partial_crosswalk_match",
            "citation",
            "licence",
            "source_url",
        ]
    )
    for m in site.evidence.measures:
        for slug, v in m.values.items():
            writer.writerow(
                [
                    spreadsheet_safe(x)
                    for x in (
                        m.name,
                        m.title,
                        slug,
                        titles.get(slug),
                        v.value,
                        v.percentile,
                        v.soc_codes,
                        v.employment_share,
                        v.partial,
                        m.citation,
                        m.licence,
                        m.source_url,
                    )
                ]
            )
    return buffer.getvalue()
