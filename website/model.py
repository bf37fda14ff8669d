"""The site's model: what ``load`` reads from data.db, as typed records.

Every page, the previews and the downloads render from one ``Site``. Joins
are by name (a slug, a criterion's or a measure's name), never by position.
Rows the pages show as they are stored (a run's history, an agreement table,
a projection) stay ``Row``: a mapping of column to value, whose values the
templates print and the Python never computes with.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from .words import IMPORTED, Imported

Value = str | int | float | None
Row = dict[str, Value]


def number(value: Value) -> float | None:
    """A stored value as a number, or None where it is none (text is none)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


@dataclass
class Occupation:
    """One Handbook page, as the scraper stored it; a figure no occupation can
    have is None (see ``sound``). A column a database scraped before the
    parser read it lacks is None too."""

    slug: str
    title: str
    category: str
    category_name: str | None = None
    url: str | None = None
    median_pay_annual: int | None = None
    median_pay_hourly: float | None = None
    pay_note: str | None = None
    entry_education: str | None = None
    work_experience: str | None = None
    training: str | None = None
    jobs: int | None = None
    projected_jobs: int | None = None
    outlook_pct: int | None = None
    outlook_desc: str | None = None
    employment_change: int | None = None
    page_date: str | None = None
    summary: str | None = None
    what_they_do: str | None = None
    work_environment: str | None = None
    how_to_become_one: str | None = None
    aliases: str | None = None
    pay_period: str | None = None
    pay_top_coded: int | None = None
    pay_missing: str | None = None
    openings: int | None = None
    pay_p10_annual: int | None = None
    pay_p90_annual: int | None = None
    pay_p10_hourly: float | None = None
    pay_p90_hourly: float | None = None
    pay_p90_top_coded: int | None = None

    @property
    def group(self) -> str:
        """The BLS group it is listed under, by name where the page gives one."""
        return self.category_name or self.category


OCCUPATION_COLUMNS = tuple(f.name for f in fields(Occupation))


@dataclass
class Edition:
    base_year: int
    projection_year: int


@dataclass
class Prompt:
    """The exact prompt a model run was made with, as ``python -m score`` kept it."""

    system: str
    schema: str
    effort: str | None


@dataclass
class Run:
    """A criterion's current run, with what all runs of its configuration add
    (the first start, the last finish, the whole cost)."""

    id: int
    kind: str  # "model", "import" or "consensus"
    model: str | None
    source: str | None
    started: str
    finished: str | None
    cost_usd: float
    batch: bool
    prompt_hash: str
    level: str  # "occupation" or "task"
    label: str | None
    source_url: str | None  # only ever an https:// address
    prompt: Prompt | None
    server: str | None = None  # the server a model run's model was reached through; None for an import

    @property
    def imported(self) -> Imported | None:
        """For an import from a source the site knows (words.IMPORTED), what a
        visitor is told of it; else None."""
        return IMPORTED.get(self.source_url or "") if self.kind == "import" else None

    @property
    def maker(self) -> str:
        """Who made its scores, in a word or two: the model; the project an
        import came from, in the plain words the site uses for it, else its
        source; or the consensus's source."""
        known = self.imported
        return known.who if known else self.model or self.source or ""


@dataclass
class Score:
    """One occupation's current score on a criterion (the current_scores view)."""

    slug: str
    score: float
    rationale: str | None
    run_id: int
    kind: str
    model: str | None
    source: str | None
    scored_at: str | None


@dataclass
class Tier:
    name: str
    min: int
    max: int
    examples: str | None = None


@dataclass
class Member:
    """A complete run that the runs' agreement compares."""

    id: int
    label: str | None


@dataclass
class TaskAgreement:
    """A configuration's newest task-level run against people's and GPT-4's labels."""

    run: str | None
    run_id: int
    rows: list[Row]


@dataclass
class Criterion:
    """A criterion with a current run: its scale (as the run was made on it),
    its scores by slug, and what its runs add to its pages."""

    name: str
    title: str
    description: str
    unit: str
    min: int
    max: int
    colors: str
    tiers: list[Tier]
    rubric: str
    run: Run
    scores: dict[str, Score]
    percentiles: dict[str, float] = field(default_factory=dict)
    history: list[Row] = field(default_factory=list)  # every run, newest first
    prompts: dict[str, Prompt] = field(default_factory=dict)  # the history's model runs' prompts, by hash
    tasks: dict[str, list[Row]] = field(default_factory=dict)  # the current run's task scores, by slug
    task_agreement: list[TaskAgreement] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    by_run: dict[str, list[float | None]] = field(default_factory=dict)  # slug: each member's score
    run_agreement: list[Row] = field(default_factory=list)


@dataclass
class MeasureValue:
    value: float
    percentile: float
    soc_codes: str
    employment_share: float | None
    partial: int
    join_kind: str


@dataclass
class Measure:
    """A published measure of exposure to AI, with its value for each occupation it reaches."""

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
    consensus: int
    file: str
    key: str
    key_kind: str
    value: str
    about: str
    caveats: str
    occupations: int
    jobs: int
    jobs_share: float
    values: dict[str, MeasureValue] = field(default_factory=dict)


@dataclass
class Consensus:
    """Where the main published measures place an occupation (percentiles)."""

    measures: int
    median: float
    low: float
    high: float
    spread: float


@dataclass
class Task:
    slug: str
    onet_soc_code: str
    task_id: int
    onet_title: str | None
    task: str
    task_type: str | None
    human_label: str | None
    gpt4_label: str | None


@dataclass
class Evidence:
    measures: list[Measure]
    consensus: dict[str, Consensus]
    agreement: list[Row]  # every pair of measures and criteria (measure_agreement)
    tasks: dict[str, list[Task]]


@dataclass
class SpacePair:
    """Two occupations the labour space shows something with: close in the
    work but in different BLS groups, or alike in title but far apart in the work."""

    kind: str  # "close work, different groups" or "same title, different work"
    slug: str
    other_slug: str
    similarity: float


@dataclass
class Space:
    """The labour space's shown backend: where each occupation sits, its nearest, how it was checked."""

    backend: str
    method: str
    layout: dict[str, tuple[float, float]]
    nearest: dict[str, list[str]]
    evaluation: list[Row]
    mix: dict[str, float] = field(default_factory=dict)  # each part's weight, chosen on the tuning half
    pairs: list[SpacePair] = field(default_factory=list)


@dataclass
class Work:
    """What O*NET says each occupation's work is: its Detailed Work Activities,
    each with how many of its tasks carry it, and which activities each task carries."""

    activities: dict[str, str]  # dwa_id: the activity in words
    kinds: dict[str, str]  # dwa_id: the kind of work it is, in words (O*NET's Intermediate Work Activity)
    by_occupation: dict[str, dict[str, int]] = field(default_factory=dict)  # slug: {dwa_id: how many of its tasks carry it}
    by_task: dict[str, dict[tuple[str, int], list[str]]] = field(default_factory=dict)  # slug: {(O*NET code, task id): dwa_ids}


# Each kind of name an occupation is known by, in the order search prefers
# them among equals: the Handbook's title, BLS's aliases, O*NET's own title,
# titles workers reported, short and alternate titles.
TITLE_KINDS = ("bls", "alias", "onet", "reported", "short", "alternate")


@dataclass
class Title:
    """A name a visitor may know an occupation by: its Handbook title, a BLS
    alias, or an O*NET title (its own, reported by workers, alternate or short)."""

    name: str
    slug: str
    kind: str  # one of TITLE_KINDS


@dataclass
class Site:
    """Everything the site shows, read in one transaction."""

    occupations: list[Occupation]
    criteria: list[Criterion]
    edition: Edition
    projections: dict[str, list[Row]]
    similar: dict[str, list[str]]
    related: dict[str, list[str]]  # O*NET's Primary related occupations
    aliases: list[tuple[str, str]]  # (other name, slug)
    employers: dict[str, list[Row]]
    industry_pay: dict[str, list[Row]]
    pay_ranges: dict[str, list[Row]]
    text_links: dict[str, list[Row]]
    space: Space | None
    evidence: Evidence | None
    warnings: list[str] = field(default_factory=list)
    work: Work | None = None
    titles: list[Title] = field(default_factory=list)  # every other name, for search

    @property
    def on_map(self) -> list[Occupation]:
        """The occupations with a job count: the treemap's area is their jobs."""
        return [o for o in self.occupations if o.jobs is not None]
