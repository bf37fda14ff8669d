"""Planning a run: which occupations need a call, what each call says, and
what the calls should cost. Reads data.db, writes nothing.

A plan is every occupation with a job count (or the ones named), minus those
already scored under the same configuration and text and those waiting in a
batch of the same configuration.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from . import prompt, store, tasks
from .criteria import Criterion
from .prices import Price
from .tasks import OnetTask, Task

# Replies are a score and one to three sentences; thinking, where a model
# does it, comes on top. At task level each task adds its id and score.
# Used only for estimates.
EXPECTED_OUTPUT_TOKENS = 200
TOKENS_PER_TASK = 7
LEVELS = ("occupation", "task")


@dataclass(frozen=True)
class Settings:
    """What the user asked of the run, beyond criterion, model and price."""

    level: str = "occupation"
    sample: int = 1
    only: frozenset[str] = frozenset()
    limit: int | None = None
    force: bool = False
    max_input_tokens: int = 1000
    max_tokens: int = 2048
    effort: str | None = None
    max_tasks: int = tasks.DEFAULT_MAX_TASKS

    @property
    def task_level(self) -> bool:
        return self.level == "task"


@dataclass
class Job:
    slug: str
    text: str
    input_hash: str
    tasks: tuple[Task, ...] = ()  # at task level, (task_id, task_type, text) for each task sent

    @property
    def task_ids(self) -> list[int]:
        return [t[0] for t in self.tasks]

    def sent(self) -> tuple[str, str, list[int] | None]:
        """(slug, input hash, task ids or None): what a batch records of it."""
        return self.slug, self.input_hash, self.task_ids if self.tasks else None


@dataclass
class Plan:
    criterion: Criterion
    model: str
    price: Price
    prompt_hash: str
    config: str
    settings: Settings
    jobs: list[Job]
    skipped: int = 0
    waiting: int = 0  # in a batch already sent, paid for and not collected yet
    no_tasks: list[str] = field(default_factory=list)  # at task level, occupations O*NET gives no task
    onet: Mapping[str, list[OnetTask]] = field(default_factory=dict)  # at task level, every occupation's tasks
    task_types: Mapping[int, str | None] = field(default_factory=dict)  # at task level, {task_id: task_type}

    @property
    def level(self) -> str:
        return self.settings.level

    @property
    def sample(self) -> int:
        return self.settings.sample

    @property
    def task_level(self) -> bool:
        return self.settings.task_level

    def request(self, job: Job) -> dict[str, Any]:
        """The Messages API request for one job, with the reply's schema as
        structured output (see backend.shape for servers without it)."""
        return prompt.request(
            self.criterion,
            self.model,
            job.text,
            max_tokens=self.settings.max_tokens,
            cache_min_tokens=self.price.cache_min_tokens,
            effort=self.settings.effort,
            task_ids=job.task_ids if self.task_level else None,
        )

    def estimate_input_tokens(self, job: Job) -> int:
        return prompt.estimate_tokens(prompt.system_prompt(self.criterion, self.level)) + prompt.estimate_tokens(job.text)

    def expected_output_tokens(self, job: Job) -> int:
        return EXPECTED_OUTPUT_TOKENS + TOKENS_PER_TASK * len(job.tasks)

    def expected_cost(self, batch: bool = False) -> tuple[dict[str, int], float]:
        """What the planned calls should cost, for --dry-run: priced call by
        call, as prices can depend on a request's length."""
        calls = [
            {"input_tokens": self.estimate_input_tokens(j), "output_tokens": self.expected_output_tokens(j)} for j in self.jobs
        ]
        usage = {key: sum(c[key] for c in calls) for key in ("input_tokens", "output_tokens")}
        return usage, sum(self.price.cost(c, batch=batch) for c in calls)

    def worst_cost(self, job: Job, batch: bool = False) -> float:
        """The most one call can cost: a pessimistic token count (a third more
        than the estimate) and a reply as long as max_tokens allows."""
        usage = {
            "input_tokens": self.estimate_input_tokens(job) * 4 // 3,
            "output_tokens": self.settings.max_tokens,
        }
        return self.price.cost(usage, batch=batch)

    def job_for(self, db: sqlite_utils.Database, slug: str, input_hash: str | None = None) -> Job | None:
        """The job for an occupation that was in a batch (and so not in this
        run's plan), if its text is still what was sent (``input_hash``; any
        text when None)."""
        values = db.execute("select * from occupations where slug = ?", [slug]).fetchone()
        if values is None:
            return None
        row = dict(zip([d[0] for d in db.execute("select * from occupations limit 0").description], values))
        job = make_job(row, self.settings, self.onet)
        return job if job is not None and input_hash in (None, job.input_hash) else None

    def plan_again(self, db: sqlite_utils.Database, sent: Mapping[str, object]) -> None:
        """The occupations of a batch record that never reached the API, left
        out of the plan as waiting in it, are planned after all (those still
        stale)."""
        done, in_batch = settled(db, self.config, self.settings.force)
        planned = {job.slug for job in self.jobs}
        only, limit = self.settings.only, self.settings.limit
        for slug in sorted(sent):
            if limit is not None and len(self.jobs) >= limit:
                break
            skip = slug in planned or slug in in_batch or bool(only and slug not in only)
            job = None if skip else self.job_for(db, slug)
            if job is not None and done.get(slug) != job.input_hash:
                self.jobs.append(job)
                self.waiting = max(self.waiting - 1, 0)

    def drop_done(self, db: sqlite_utils.Database) -> None:
        """The plan was made before the writer lock was taken: a scorer that
        finished in between may have scored some of it."""
        done, in_batch = settled(db, self.config, self.settings.force)
        self.jobs = [j for j in self.jobs if j.slug not in in_batch and done.get(j.slug) != j.input_hash]


def plan(
    db: sqlite_utils.Database,
    criterion: Criterion,
    model: str,
    price: Price,
    settings: Settings | None = None,
    **options: Any,
) -> Plan:
    """What a run of ``model`` has to score (``settings``, or the same as
    keyword arguments: ``only``, ``limit``, ``level``, ...). ``level="task"``
    scores each occupation's O*NET tasks (at most ``max_tasks``) in one
    request; ``sample`` numbers repeated runs of one model, each its own
    configuration, so the second asks again. Reads only."""
    if settings is None:
        settings = Settings(**{**options, "only": frozenset(options.get("only", ()))})
    if settings.level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    prompt_hash = prompt.prompt_hash(criterion, settings.effort, settings.level)
    config = store.config_hash(criterion.name, "model", model, prompt_hash, settings.sample)
    onet = tasks.load(db) if settings.task_level else {}
    rows = list(db.query("select * from occupations where jobs is not null order by slug"))
    if settings.only:
        unknown = sorted(settings.only - {r["slug"] for r in rows})
        if unknown:
            raise ValueError(f"not in data.db (or no job count): {', '.join(unknown)}")
        rows = [r for r in rows if r["slug"] in settings.only]
    done, in_batch = settled(db, config, settings.force)
    types = {t[0]: t[1] for ts in onet.values() for t in ts}
    the_plan = Plan(criterion, model, price, prompt_hash, config, settings, [], onet=onet, task_types=types)
    for row in rows:
        job = make_job(row, settings, onet)
        if job is None:
            the_plan.no_tasks.append(row["slug"])
        elif row["slug"] in in_batch:
            the_plan.waiting += 1
        elif done.get(row["slug"]) == job.input_hash:
            the_plan.skipped += 1
        else:
            the_plan.jobs.append(job)
    if settings.limit is not None:
        the_plan.jobs = the_plan.jobs[: settings.limit]
    return the_plan


def make_job(row: Mapping[str, Any], settings: Settings, onet: Mapping[str, Sequence[OnetTask]]) -> Job | None:
    """What is sent for one occupation (a dict of its data.db columns), or
    None at task level when it has no tasks."""
    if settings.task_level:
        chosen = tasks.select(onet.get(row["slug"], []), settings.max_tasks)
        if not chosen:
            return None
        text = prompt.task_text(row, chosen)
        return Job(row["slug"], text, prompt.input_hash(text), tuple(chosen))
    text = prompt.occupation_text(row, settings.max_input_tokens)
    return Job(row["slug"], text, prompt.input_hash(text))


def settled(db: sqlite_utils.Database, config: str, force: bool = False) -> tuple[dict[str, str], set[str]]:
    """What needs no call: {slug: input hash} already scored under this config
    (nothing, with --force) and the slugs waiting in a sent batch."""
    ready = store.has_tables(db)
    done = {} if force or not ready else store.fresh_scores(db, config)
    return done, store.pending_slugs(db, config) if ready else set()
