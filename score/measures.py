"""Published measures of AI exposure, carried to OOH occupations and compared
with our own scores.

Reads the datasets that ``measures.toml`` describes from a reference folder
(``../shared/reference`` by default): occupation-level measures keyed by SOC
2018, SOC 2010, O*NET-SOC or ISCO-08 codes, O*NET 29.1 tasks with the
GPTs-are-GPTs task labels, O*NET related occupations, and the crosswalks.
Each reaches an OOH occupation through the SOC codes its page lists in
``projections``. Writes, only where something changed:

- ``measures``: one row per measure, with its citation and coverage
- ``measure_values``: a measure's value and percentile for each occupation it reaches
- ``measure_consensus``: per occupation, where the measures place it, and how far apart
- ``tasks``: each occupation's O*NET tasks, with GPT-4's and people's exposure labels
- ``onet_related``: O*NET's expert related-occupation pairs, as OOH pairs
- ``measure_agreement``: rank correlation of every pair of measures and criteria

    python -m score measures [--reference DIR]
"""

import csv
import hashlib
import math
import re
import statistics
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

MEASURES_FILE = Path(__file__).resolve().parent / "measures.toml"
DEFAULT_REFERENCE = Path(__file__).resolve().parent.parent.parent / "shared" / "reference"
NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
KEY_PATTERNS = {
    "soc2018": re.compile(r"^\d{2}-\d{4}$"),
    "soc2010": re.compile(r"^\d{2}-\d{4}$"),
    "onet": re.compile(r"^\d{2}-\d{4}\.\d{2}$"),
    "isco08": re.compile(r"^\d{3,4}$"),
}
METHODS = ("rubric LLM", "human annotators", "usage logs", "ability mapping")
MISSING = ("", "NA", "N/A", "NaN", "nan", "NULL")
TIERS = ("Primary-Short", "Primary-Long", "Supplemental")
LABELS = ("E0", "E1", "E2")
BOOTSTRAP = 1000
CONSENSUS_MIN = 3  # measures an occupation needs before it has a consensus

CROSSWALK_2010 = "crosswalks/onet_soc_2010_to_2019.csv"
CROSSWALK_ISCO = "crosswalks/bls_isco08_to_soc2010.csv"
ONET_TASKS = "onet-29.1/task_statements.txt"
ONET_OCCUPATIONS = "onet-29.1/occupation_data.txt"
ONET_RELATED = "onet-29.1/related_occupations.txt"
TASK_LABELS = "gpts-are-gpts/full_labelset.tsv"
CROSSWALK_NEM = "crosswalks/bls_onet_soc_to_nem_ooh_2023.csv"


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


def definitions(path=MEASURES_FILE):
    """Every measure in ``measures.toml``, strictly checked."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MeasureError(f"{Path(path).name}: {exc}") from None
    wanted = {f.name: f.type for f in fields(Measure) if f.name != "name"}
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
                            unknown and f"unknown {', '.join(sorted(unknown))}",
                            missing and f"missing {', '.join(sorted(missing))}",
                        ],
                    )
                )
            )
        values = {}
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


# Reading the reference folder ------------------------------------------------


def read_table(reference, name):
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


def column(rows, name, file):
    if rows and name not in rows[0]:
        raise MeasureError(f"{file}: no column {name!r} (columns: {', '.join(k for k in rows[0] if k)})")
    return name


def raw_values(measure, reference):
    """{code: value} as the file gives it, each value checked against the range."""
    rows = read_table(reference, measure.file)
    if not rows:
        raise MeasureError(f"{measure.file}: no rows")
    key, value = column(rows, measure.key, measure.file), column(rows, measure.value, measure.file)
    pattern = KEY_PATTERNS[measure.key_kind]
    out = {}
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


def soc2010_links(reference):
    """{SOC 2018 code: {SOC 2010 code: links}}: the O*NET taxonomy crosswalk
    reduced to six-digit codes, counting the O*NET-SOC links between them."""
    links = {}
    for row in read_table(reference, CROSSWALK_2010):
        old, new = row["O*NET-SOC 2010 Code"][:7], row["O*NET-SOC 2019 Code"][:7]
        links.setdefault(new, {}).setdefault(old, 0)
        links[new][old] += 1
    return links


def isco_links(reference):
    """{SOC 2010 code: [(ISCO-08 code, partial)]} from the BLS crosswalk."""
    links = {}
    for row in read_table(reference, CROSSWALK_ISCO):
        links.setdefault(row["2010 SOC Code"].strip(), []).append(
            (row["ISCO-08 Code"].strip().zfill(4), bool(row["part"].strip()))
        )
    return links


def to_soc2018(measure, values, reference):
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
        by_soc = {}
        for code, v in values.items():
            by_soc.setdefault(code[:7], {})[code] = v
        return {soc: (codes.get(soc + ".00", statistics.fmean(codes.values())), False) for soc, codes in by_soc.items()}
    if kind == "isco08":
        soc2010 = {}
        for soc, isco in isco_links(reference).items():
            found = [(values[code], partial) for code, partial in isco if code in values]
            if found:
                soc2010[soc] = (statistics.fmean(v for v, _ in found), any(p for _, p in found))
    else:
        soc2010 = {code: (v, False) for code, v in values.items()}
    out = {}
    for new, olds in soc2010_links(reference).items():
        found = [(soc2010[old], n) for old, n in olds.items() if old in soc2010]
        if found:
            weight = sum(n for _, n in found)
            out[new] = (sum(v * n for (v, _), n in found) / weight, any(p for (_, p), _ in found))
    return out


# Reaching OOH occupations ------------------------------------------------------


def occupation_codes(db):
    """{slug: (leaves, total employment)}: the SOC codes of each occupation that
    have no more detailed code below them on its page, with their base-year
    employment, and the page's total employment (its level-0 rows)."""
    by_slug = {}
    for row in db.query("select slug, row, soc_code, level, employment_base from projections order by slug, row"):
        by_slug.setdefault(row["slug"], []).append(row)
    out = {}
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


def nem_links(reference):
    """{NEM code: [SOC codes]} for the codes BLS's projections use that stand
    for several SOC codes (25-9045 for 25-9042, 25-9043 and 25-9049), from
    the BLS O*NET-SOC to National Employment Matrix crosswalk."""
    links = {}
    for row in read_table(reference, CROSSWALK_NEM):
        links.setdefault(row["NEM Code"].strip(), set()).add(row["O*NET-SOC Code"][:7])
    return {nem: sorted(codes) for nem, codes in links.items() if codes != {nem}}


def detailed_codes(code, universe, nem):
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


def reach(leaves, total, soc_values, nem):
    """The occupation's value from its SOC codes' values, weighted by their
    base-year employment; None when no code has a value. Returns (value,
    codes used, share of employment covered, join, partial), where join is
    the widest step taken: detailed, nem or broad."""
    parts = []
    for code, employment in leaves:
        codes, how = detailed_codes(code, soc_values, nem)
        if codes:
            parts.append(
                (statistics.fmean(soc_values[c][0] for c in codes), employment, codes, any(soc_values[c][1] for c in codes), how)
            )
    if not parts:
        return None
    employment = [p[1] for p in parts]
    if None in employment or not sum(employment):
        value = statistics.fmean(p[0] for p in parts)
        share = None
    else:
        value = sum(p[0] * p[1] for p in parts) / sum(employment)
        share = min(1.0, sum(employment) / total) if total else None
    codes = sorted({c for p in parts for c in p[2]})
    join = max((p[4] for p in parts), key=("detailed", "nem", "broad").index)
    return value, codes, share, join, any(p[3] for p in parts)


def percentiles(values):
    """{key: percentile 0-100} among the keys given, ties sharing their mean rank."""
    ordered = sorted(values.items(), key=lambda kv: kv[1])
    n, out, i = len(ordered), {}, 0
    while i < n:
        j = i
        while j + 1 < n and ordered[j + 1][1] == ordered[i][1]:
            j += 1
        rank = (i + j) / 2
        for k in range(i, j + 1):
            out[ordered[k][0]] = round(100 * rank / (n - 1), 2) if n > 1 else 50.0
        i = j + 1
    return out


def measure_rows(measure, reference, codes, jobs, nem):
    """(the measure's row, its value rows) for the occupations it reaches."""
    soc_values = to_soc2018(measure, raw_values(measure, reference), reference)
    reached = {}
    for slug, (leaves, total) in codes.items():
        found = reach(leaves, total, soc_values, nem)
        if found:
            reached[slug] = found
    pct = percentiles({s: r[0] for s, r in reached.items()})
    values = [
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
    row = {f.name: getattr(measure, f.name) for f in fields(Measure)}
    row["consensus"] = int(measure.consensus)
    row |= {
        "occupations": len(reached),
        "jobs": covered,
        "jobs_share": round(covered / (sum(v or 0 for v in jobs.values()) or 1), 4),
    }
    return row, values


def task_rows(reference, codes, nem):
    """Each occupation's O*NET 29.1 tasks with the GPTs-are-GPTs labels."""
    titles = {r["O*NET-SOC Code"]: r["Title"] for r in read_table(reference, ONET_OCCUPATIONS)}
    labels = {}
    for r in read_table(reference, TASK_LABELS):
        try:
            key = (r["O*NET-SOC Code"], int(float(r["Task ID"])))
        except (KeyError, ValueError):
            continue
        human, gpt4 = r.get("human_exposure_agg"), r.get("gpt4_exposure")
        labels[key] = (human if human in LABELS else None, gpt4 if gpt4 in LABELS else None)
    by_soc = {}
    for r in read_table(reference, ONET_TASKS):
        by_soc.setdefault(r["O*NET-SOC Code"][:7], []).append(r)
    out = []
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


def related_rows(reference, codes, nem):
    """O*NET's related-occupation pairs between two different OOH
    occupations, each pair at its closest tier."""
    slugs_for = {}
    universe = {r["O*NET-SOC Code"][:7] for r in read_table(reference, ONET_OCCUPATIONS)}
    for slug, (leaves, _) in codes.items():
        for code, _ in leaves:
            for soc in detailed_codes(code, universe, nem)[0]:
                slugs_for.setdefault(soc, set()).add(slug)
    best = {}
    for r in read_table(reference, ONET_RELATED):
        tier = r["Relatedness Tier"]
        if tier not in TIERS:
            continue
        for a in slugs_for.get(r["O*NET-SOC Code"][:7], ()):
            for b in slugs_for.get(r["Related O*NET-SOC Code"][:7], ()):
                if a != b and ((a, b) not in best or TIERS.index(tier) < TIERS.index(best[(a, b)])):
                    best[(a, b)] = tier
    return sorted((a, b, tier) for (a, b), tier in best.items())


def consensus_rows(values, included):
    """Per occupation, the median, lowest and highest percentile among the
    consensus measures, and the spread between the two extremes."""
    by_slug = {}
    for measure, slug, _, pct, *_ in values:
        if measure in included:
            by_slug.setdefault(slug, []).append(pct)
    return [
        (slug, len(p), round(statistics.median(p), 2), min(p), max(p), round(max(p) - min(p), 2))
        for slug, p in sorted(by_slug.items())
        if len(p) >= CONSENSUS_MIN
    ]


# Agreement -------------------------------------------------------------------


def weighted_ranks(x, w):
    """Ranks along the last axis as the midpoint of each value's share of the
    total weight, ties sharing theirs: with weights of 1 these are the usual
    average ranks (less a half), and with job counts a job-weighted rank
    correlation counts every job, not every occupation."""
    import numpy as np

    order = np.argsort(x, axis=-1, kind="stable")
    xs, ws = np.take_along_axis(x, order, -1), np.take_along_axis(w, order, -1)
    cum = np.cumsum(ws, axis=-1)
    same_as_next = xs[..., 1:] == xs[..., :-1]
    starts = np.concatenate([np.ones(xs.shape[:-1] + (1,), bool), ~same_as_next], -1)
    ends = np.concatenate([~same_as_next, np.ones(xs.shape[:-1] + (1,), bool)], -1)
    # Weight below each tie group, and up to its end: cumulative weights only
    # grow, so a running max from the left and a running min from the right find them.
    below = np.maximum.accumulate(np.where(starts, cum - ws, -np.inf), axis=-1)
    upto = np.flip(np.minimum.accumulate(np.flip(np.where(ends, cum, np.inf), -1), axis=-1), -1)
    ranks = np.empty_like(cum)
    np.put_along_axis(ranks, order, (below + upto) / 2, -1)
    return ranks


def spearman(a, b, w=None):
    """Spearman's rank correlation along the last axis (weighted by ``w``):
    the weighted Pearson correlation of the weighted ranks. NaN where a side
    is constant."""
    import numpy as np

    w = np.ones_like(a, dtype=float) if w is None else np.asarray(w, dtype=float)
    ra, rb = weighted_ranks(a, w), weighted_ranks(b, w)
    total = w.sum(-1, keepdims=True)
    da = ra - (ra * w).sum(-1, keepdims=True) / total
    db = rb - (rb * w).sum(-1, keepdims=True) / total
    cov = (w * da * db).sum(-1)
    var = (w * da * da).sum(-1) * (w * db * db).sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.where(var > 0, cov / np.sqrt(np.where(var > 0, var, 1)), np.nan)
    return float(rho) if rho.ndim == 0 else rho


def agreement(a, b, w, seed):
    """(rho, low, high, weighted rho, low, high): Spearman's rank correlation,
    plain and job-weighted, each with a 95% bootstrap interval over
    occupations (percentile method, resampling with a fixed seed)."""
    import numpy as np

    # Only the order matters: as small integers the resamples sort by radix, many times faster.
    a, b = (
        np.unique(x, return_inverse=True)[1].astype(np.int16 if len(x) <= np.iinfo(np.int16).max else np.int64) for x in (a, b)
    )
    rng = np.random.default_rng(seed)
    i = rng.integers(0, len(a), (BOOTSTRAP, len(a)))
    out = []
    for weights in (np.ones(len(a)), w):
        rho = spearman(a, b, weights)
        sample = spearman(a[i], b[i], weights[i])
        sample = sample[~np.isnan(sample)]
        low, high = np.percentile(sample, [2.5, 97.5]) if len(sample) else (float("nan"),) * 2
        out += [rho, float(low), float(high)]
    return tuple(None if math.isnan(v) else round(v, 3) for v in out)


def agreement_items(db):
    """[(name, kind, {slug: value})]: every criterion's current scores, then
    every measure, in the order of the measures table."""
    items = []
    if db["criteria"].exists() and db["current_scores"].exists():
        for (name,) in db.execute("select name from criteria where current_run is not null order by name").fetchall():
            scores = dict(db.execute("select slug, score from current_scores where criterion = ?", [name]).fetchall())
            items.append((name, "criterion", scores))
    if db["measures"].exists():
        for (name,) in db.execute("select name from measures order by rowid").fetchall():
            values = dict(db.execute("select slug, value from measure_values where measure = ?", [name]).fetchall())
            items.append((name, "measure", values))
    return items


def agreement_rows(db):
    import numpy as np

    jobs = {s: j for s, j in db.execute("select slug, jobs from occupations") if j}
    items = agreement_items(db)
    names = [n for n, _, _ in items]
    if len(names) != len(set(names)):
        raise MeasureError("a measure has the same name as a criterion: rename one in measures.toml")
    rows = []
    for i, (a, a_kind, av) in enumerate(items):
        for b, b_kind, bv in items[i + 1 :]:
            common = sorted(s for s in set(av) & set(bv) if s in jobs)
            if len(common) < 3:
                continue
            seed = int(hashlib.sha256(f"{a}\0{b}".encode()).hexdigest()[:8], 16)
            stats = agreement(
                np.array([float(av[s]) for s in common]),
                np.array([float(bv[s]) for s in common]),
                np.array([float(jobs[s]) for s in common]),
                seed,
            )
            rows.append((a, b, a_kind, b_kind, len(common), *stats))
    return rows


# Writing ---------------------------------------------------------------------

SCHEMA = """
CREATE TABLE IF NOT EXISTS measures (
    name TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    short TEXT NOT NULL,
    authors TEXT NOT NULL,
    year INTEGER NOT NULL,
    citation TEXT NOT NULL,
    licence TEXT NOT NULL,
    source_url TEXT NOT NULL,
    method TEXT NOT NULL,
    unit TEXT NOT NULL,
    min REAL NOT NULL,
    max REAL NOT NULL,
    direction TEXT NOT NULL,
    level TEXT NOT NULL,
    consensus INTEGER NOT NULL,
    file TEXT NOT NULL,
    key TEXT NOT NULL,
    key_kind TEXT NOT NULL,
    value TEXT NOT NULL,
    about TEXT NOT NULL,
    caveats TEXT NOT NULL,
    occupations INTEGER NOT NULL,
    jobs INTEGER NOT NULL,
    jobs_share REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS measure_values (
    measure TEXT NOT NULL REFERENCES measures(name),
    slug TEXT NOT NULL REFERENCES occupations(slug),
    value REAL NOT NULL,
    percentile REAL NOT NULL,
    soc_codes TEXT NOT NULL,
    employment_share REAL,
    join_kind TEXT NOT NULL,
    partial INTEGER NOT NULL,
    PRIMARY KEY (measure, slug)
);
CREATE TABLE IF NOT EXISTS measure_consensus (
    slug TEXT PRIMARY KEY REFERENCES occupations(slug),
    measures INTEGER NOT NULL,
    median REAL NOT NULL,
    low REAL NOT NULL,
    high REAL NOT NULL,
    spread REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
    slug TEXT NOT NULL REFERENCES occupations(slug),
    onet_soc_code TEXT NOT NULL,
    task_id INTEGER NOT NULL,
    onet_title TEXT,
    task TEXT NOT NULL,
    task_type TEXT,
    human_label TEXT,
    gpt4_label TEXT,
    PRIMARY KEY (slug, onet_soc_code, task_id)
);
CREATE TABLE IF NOT EXISTS onet_related (
    slug TEXT NOT NULL REFERENCES occupations(slug),
    related_slug TEXT NOT NULL REFERENCES occupations(slug),
    tier TEXT NOT NULL,
    PRIMARY KEY (slug, related_slug)
);
CREATE TABLE IF NOT EXISTS measure_agreement (
    a TEXT NOT NULL,
    b TEXT NOT NULL,
    a_kind TEXT NOT NULL,
    b_kind TEXT NOT NULL,
    n INTEGER NOT NULL,
    spearman REAL,
    spearman_low REAL,
    spearman_high REAL,
    weighted REAL,
    weighted_low REAL,
    weighted_high REAL,
    PRIMARY KEY (a, b)
);
CREATE INDEX IF NOT EXISTS measure_values_slug ON measure_values(slug);
"""


def replace_rows(db, table, rows):
    """Make ``table`` hold exactly ``rows``; write nothing when it already
    does, so a run that changes nothing leaves data.db byte for byte."""
    rows = [tuple(r) for r in rows]
    stored = [tuple(r) for r in db.execute(f"select * from [{table}] order by rowid")]
    if stored == rows:
        return False
    width = len(rows[0]) if rows else 0
    db.execute(f"delete from [{table}]")
    if rows:
        db.conn.executemany(f"insert into [{table}] values ({', '.join('?' * width)})", rows)
    return True


def refresh_view(db):
    """``occupation_measures``: each occupation with every measure's
    percentile side by side, rebuilt when the measures change."""
    names = [r[0] for r in db.execute("select name from measures order by rowid")]
    columns = "".join(
        f",\n    (select percentile from measure_values v where v.slug = o.slug and v.measure = '{n}') as [{n}]" for n in names
    )
    view = (
        "CREATE VIEW occupation_measures AS\nSELECT o.slug, o.title, o.category_name, o.jobs, "
        "c.median as consensus_median, c.low as consensus_low, c.high as consensus_high, c.spread as consensus_spread"
        f"{columns}\nFROM occupations o LEFT JOIN measure_consensus c ON c.slug = o.slug"
    )
    existing = db.execute("select sql from sqlite_master where name = 'occupation_measures'").fetchone()
    if existing is None or existing[0] != view:
        db.execute("DROP VIEW IF EXISTS occupation_measures")
        db.execute(view)
        return True
    return False


def refresh_agreement(db):
    """Recompute ``measure_agreement`` from what data.db holds now (after a
    criterion's current run changes, for instance). Returns True if it changed."""
    if not db["measures"].exists():
        return False
    rows = agreement_rows(db)
    with db.atomic():
        return replace_rows(db, "measure_agreement", rows)


def run(db, reference=DEFAULT_REFERENCE, definitions_file=MEASURES_FILE, log=lambda message: None):
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
    measure_table, values = [], []
    for measure in found:
        row, rows = measure_rows(measure, reference, codes, jobs, nem)
        measure_table.append(tuple(row.values()))
        values += rows
        log(f"{measure.name}: {row['occupations']} occupations, {row['jobs_share']:.1%} of jobs")
    tasks = task_rows(reference, codes, nem)
    log(f"tasks: {len(tasks):,} O*NET tasks of {len({t[0] for t in tasks})} occupations")
    related = related_rows(reference, codes, nem)
    log(f"related occupations: {len(related):,} O*NET pairs between OOH occupations")
    consensus = consensus_rows(values, {m.name for m in found if m.consensus})
    db.executescript(SCHEMA)
    changed = {}
    with db.atomic():
        for table, rows in (
            ("measures", measure_table),
            ("measure_values", values),
            ("measure_consensus", consensus),
            ("tasks", tasks),
            ("onet_related", related),
        ):
            changed[table] = replace_rows(db, table, rows)
        changed["occupation_measures"] = refresh_view(db)
    changed["measure_agreement"] = refresh_agreement(db)
    if any(changed.values()):
        db.vacuum()
    return changed
