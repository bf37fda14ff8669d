"""One scoring run, from start to finish: decide what is missing or stale,
score it with one call per occupation (concurrently) or as one Message Batch,
save every score as soon as it arrives, and say how it ended.

Nothing paid for is paid for twice: a scorer holds the database's writer
lock (pipeline.lock) for the whole run, so no other command writes beside
it; a run killed outright is marked so by the next; replies that arrive
after Ctrl-C are still saved; and a batch is recorded before it is sent,
its requests named so that it is found again by the run of its own model.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, cast

import anthropic
import sqlite_utils
from anthropic.types import Message
from anthropic.types.messages import MessageBatch, MessageBatchIndividualResponse
from anthropic.types.messages.batch_create_params import Request

from pipeline import lock

from . import llm, prompt, store, tasks
from .criteria import Criterion
from .prices import Price
from .tasks import Task

# Replies are a score and one to three sentences; thinking, where a model
# does it, comes on top. At task level each task adds its id and score.
# Used only for estimates.
EXPECTED_OUTPUT_TOKENS = 200
TOKENS_PER_TASK = 7
LEVELS = ("occupation", "task")


@dataclass
class Job:
    slug: str
    text: str
    input_hash: str
    tasks: tuple[Task, ...] = ()  # at task level, (task_id, task_type, text) for each task sent

    @property
    def task_ids(self) -> list[int]:
        return [t[0] for t in self.tasks]


@dataclass
class Plan:
    criterion: Criterion
    model: str
    price: Price
    prompt_hash: str
    config: str
    jobs: list[Job]
    skipped: int
    params: dict[str, Any] = field(default_factory=dict)
    waiting: int = 0  # in a batch already sent, paid for and not collected yet
    level: str = "occupation"
    sample: int = 1
    no_tasks: list[str] = field(default_factory=list)  # at task level, occupations O*NET gives no task

    @property
    def task_level(self) -> bool:
        return self.level == "task"

    def request(self, job: Job) -> dict[str, Any]:
        return prompt.request(
            self.criterion,
            self.model,
            job.text,
            max_tokens=self.params["max_tokens"],
            cache_min_tokens=self.price.cache_min_tokens,
            effort=self.params.get("effort"),
            task_ids=job.task_ids if self.task_level else None,
        )

    def check(self, message: Message, task_ids: Sequence[int] | None) -> tuple[float, str, dict[int, int] | None]:
        """(score, rationale, {task_id: score} or None) from a reply; at task
        level the score is the tasks' weighted mean (score.tasks)."""
        # Only occupation-level batch requests are recorded without task ids.
        if not self.task_level or task_ids is None:
            score, rationale = llm.check_reply(message, self.criterion)
            return score, rationale, None
        scores, rationale = llm.check_reply(message, self.criterion, task_ids)
        return tasks.aggregate(scores, self.params["task_types"]), rationale, scores

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
            "output_tokens": self.params["max_tokens"],
        }
        return self.price.cost(usage, batch=batch)


def plan(
    db: sqlite_utils.Database,
    criterion: Criterion,
    model: str,
    price: Price,
    *,
    only: Sequence[str] = (),
    limit: int | None = None,
    force: bool = False,
    max_input_tokens: int = 1000,
    max_tokens: int = 2048,
    effort: str | None = None,
    level: str = "occupation",
    sample: int = 1,
    max_tasks: int = tasks.DEFAULT_MAX_TASKS,
) -> Plan:
    """What this run has to score: every occupation with a job count (or the
    ones named), minus those already scored under the same config and text
    and those waiting in a batch of the same config. Reads only.

    ``level="task"`` scores each occupation's O*NET tasks (at most
    ``max_tasks``) in one request; ``sample`` numbers repeated runs of one
    model, each its own config, so the second asks again."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    prompt_hash = prompt.prompt_hash(criterion, effort, level)
    config = store.config_hash(criterion.name, "model", model, prompt_hash, sample)
    by_slug = tasks.load(db) if level == "task" else {}
    rows = list(db.query("select * from occupations where jobs is not null order by slug"))
    if only:
        known = {r["slug"] for r in rows}
        unknown = sorted(set(only) - known)
        if unknown:
            raise ValueError(f"not in data.db (or no job count): {', '.join(unknown)}")
        rows = [r for r in rows if r["slug"] in set(only)]
    done, in_batch = _settled(db, config, force)
    params: dict[str, Any] = {"max_tokens": max_tokens, "effort": effort, "max_input_tokens": max_input_tokens, "force": force}
    params |= {"only": set(only), "limit": limit}
    params |= {"max_tasks": max_tasks, "tasks": by_slug, "task_types": {t[0]: t[1] for ts in by_slug.values() for t in ts}}
    jobs: list[Job] = []
    no_tasks: list[str] = []
    skipped = waiting = 0
    for row in rows:
        job = make_job(row, level, params)
        if job is None:
            no_tasks.append(row["slug"])
        elif row["slug"] in in_batch:
            waiting += 1
        elif done.get(row["slug"]) == job.input_hash:
            skipped += 1
        else:
            jobs.append(job)
    if limit is not None:
        jobs = jobs[:limit]
    return Plan(criterion, model, price, prompt_hash, config, jobs, skipped, params, waiting, level, sample, no_tasks)


def make_job(row: Mapping[str, Any], level: str, params: Mapping[str, Any]) -> Job | None:
    """What is sent for one occupation (a dict of its data.db columns), or
    None at task level when it has no tasks."""
    if level == "task":
        chosen = tasks.select(params["tasks"].get(row["slug"], []), params["max_tasks"])
        if not chosen:
            return None
        text = prompt.task_text(row, chosen)
        return Job(row["slug"], text, prompt.input_hash(text), tuple(chosen))
    text = prompt.occupation_text(row, params["max_input_tokens"])
    return Job(row["slug"], text, prompt.input_hash(text))


@dataclass
class Reply:
    """What scoring one occupation came to: a score, or an error (and the
    reply that caused it), with the tokens and dollars it took either way."""

    score: float | None = None
    rationale: str | None = None
    tasks: dict[int, int] | None = None
    usage: dict[str, int] = field(default_factory=dict)
    cost: float = 0.0
    error: str | None = None
    raw: str | None = None


def score_one(
    client: anthropic.Anthropic,
    the_plan: Plan,
    job: Job,
    *,
    throttle: llm.Throttle,
    budget: llm.Budget,
    attempts: int = 2,
    log: Callable[[str], object] | None = None,
) -> Reply:
    """Score one occupation: a call, and one more if the reply is invalid.
    Raises llm.OverBudget when even the first call does not fit."""
    reply = Reply()
    params = the_plan.request(job)
    for attempt in range(attempts):
        reserve = the_plan.worst_cost(job)
        if not budget.reserve(reserve):
            if attempt == 0:
                raise llm.OverBudget()
            reply.error = "invalid reply, and no budget left to retry"
            return reply
        spent = 0.0
        try:
            message = llm.call(client, params, throttle=throttle, log=log)
            call_usage = llm.usage_dict(message.usage)
            spent = the_plan.price.cost(call_usage)
            llm.add_usage(reply.usage, call_usage)
            reply.cost += spent
            reply.score, reply.rationale, reply.tasks = the_plan.check(message, job.task_ids)
            reply.error = reply.raw = None
            return reply
        except llm.InvalidReply as exc:
            reply.raw = exc.reply
            reply.error = f"invalid reply: {exc}"
            if log:
                log(f"{job.slug}: {reply.error}" + ("; retrying once" if attempt + 1 < attempts else ""))
        except llm.RetryableFailure as exc:
            reply.error = str(exc)
            return reply
        except llm.Stopped:
            if not reply.usage:
                raise
            reply.error = "invalid reply; the run stopped before its retry"  # saved, with what it cost
            return reply
        finally:
            budget.settle(reserve, spent)
    return reply


@dataclass
class Outcome:
    scored: int = 0
    failed: int = 0
    status: str = "complete"
    batch_cost: float = 0.0


def _save(db: sqlite_utils.Database, the_plan: Plan, run_id: int, job: Job, reply: Reply, outcome: Outcome) -> None:
    if reply.score is not None:  # set only on a valid reply, which clears the error
        store.save_score(
            db,
            run_id,
            the_plan.criterion.name,
            job.slug,
            reply.score,
            reply.rationale,
            job.input_hash,
            reply.usage,
            reply.cost,
            tasks=reply.tasks,
        )
        outcome.scored += 1
    elif reply.error is not None:
        store.save_failure(db, run_id, job.slug, reply.error, reply.raw, reply.usage, reply.cost)
        outcome.failed += 1


def run_concurrent(
    db: sqlite_utils.Database,
    client: anthropic.Anthropic,
    the_plan: Plan,
    run_id: int,
    *,
    concurrency: int,
    budget: llm.Budget,
    throttle: llm.Throttle,
    progress: Callable[[str, float], object] | None = None,
    log: Callable[[str], object] | None = None,
) -> Outcome:
    """Score the plan's jobs with ``concurrency`` calls in flight, saving each
    result from this thread as it completes.

    On Ctrl-C no new call starts and no retry waits, but the calls already
    sent are waited for and their replies saved (they are paid for); a second
    Ctrl-C abandons them."""
    outcome = Outcome()
    todo = iter(the_plan.jobs)
    pool = ThreadPoolExecutor(max_workers=concurrency)
    running: dict[Future[Reply], Job] = {}

    def submit() -> None:
        while not throttle.stop.is_set() and len(running) < concurrency:
            job = next(todo, None)
            if job is None:
                return
            running[pool.submit(score_one, client, the_plan, job, throttle=throttle, budget=budget, log=log)] = job

    def collect(future: Future[Reply]) -> None:
        job = running.pop(future)
        try:
            reply = future.result()
        except (llm.Stopped, llm.OverBudget) as exc:
            if isinstance(exc, llm.OverBudget):
                outcome.status = "budget"
            throttle.stop.set()
            return
        _save(db, the_plan, run_id, job, reply, outcome)
        if progress:
            progress(job.slug, budget.spent)

    try:
        submit()
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                collect(future)  # llm.Fatal propagates: the whole run stops
            submit()
    except BaseException:
        throttle.stop.set()
        for future in list(running):
            if future.cancel():
                running.pop(future)
        if running and log:
            log(f"stopping: saving the {len(running)} replies already under way (Ctrl-C again to abandon them)")
        try:
            while running:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    with contextlib.suppress(llm.Fatal):
                        collect(future)
        except KeyboardInterrupt:
            if log:
                log(f"abandoned {len(running)} calls under way; they may be paid for and will be asked again")
        raise
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    if outcome.status == "complete" and outcome.failed:
        outcome.status = "partial"
    return outcome


class _StillProcessing(Exception):
    """A batch that may be the one a killed run sent is still in progress,
    and the run was told not to wait (--no-wait)."""


def _reconcile(
    db: sqlite_utils.Database,
    client: anthropic.Anthropic,
    record: Mapping[str, Any],
    *,
    throttle: llm.Throttle,
    log: Callable[[str], object],
    poll_interval: float,
    wait_for_results: bool,
) -> str | None:
    """A batch recorded as submitting: the run that sent it died before it
    heard back, perhaps after the API had made the batch. A batch on the API
    is this record's only when its results carry exactly the record's request
    ids, which name its configuration (model and sample included); size and
    age only narrow the search. A candidate still in progress is waited for
    (with --no-wait, raises _StillProcessing and leaves the record for the next
    run). If none is ours, the request never arrived and the record is dropped."""
    wanted = store.batch_custom_ids(db, record["id"])
    ids, slugs = set(wanted), set(wanted.values())
    since = datetime.fromisoformat(record["created"]) - timedelta(hours=1)  # the API's clock may differ from ours
    known = {r[0] for r in db.execute("select id from batches")}
    page = llm.retrying(lambda: client.messages.batches.list(limit=100), throttle=throttle, log=log, what=" listing batches")
    candidates = [b for b in page.data if b.id not in known and b.created_at >= since and _size(b) == record["requests"]]
    while candidates:
        in_progress = []
        for batch in candidates:
            if batch.processing_status != "ended":
                in_progress.append(batch.id)
                continue
            found = _result_ids(client, batch.id, throttle=throttle, log=log)
            # A batch sent before requests had ids of their own carries bare slugs.
            if found == ids or found == slugs:
                store.batch_submitted(db, record["id"], batch.id)
                log(f"found batch {batch.id}, sent by a run that was stopped before it could record it")
                return batch.id
        if not in_progress:
            break
        if not wait_for_results:
            what = "a batch that may be" if len(in_progress) == 1 else f"{len(in_progress)} batches that may be"
            log(f"{what} the one a stopped run sent still being processed")
            raise _StillProcessing()
        throttle.sleep(poll_interval)
        candidates = [
            llm.retrying(partial(client.messages.batches.retrieve, i), throttle=throttle, log=log, what=f" checking batch {i}")
            for i in in_progress
        ]
    store.forget_batch(db, record["id"])
    log("a batch recorded as being sent never reached the API; its occupations are planned again")
    return None


def _size(batch: MessageBatch) -> int:
    counts = batch.request_counts
    return counts.processing + counts.succeeded + counts.errored + counts.canceled + counts.expired


def _result_ids(client: anthropic.Anthropic, batch_id: str, *, throttle: llm.Throttle, log: Callable[[str], object]) -> set[str]:
    """The request ids in an ended batch's results (reading them costs nothing)."""
    results = iter(
        llm.retrying(
            partial(client.messages.batches.results, batch_id), throttle=throttle, log=log, what=f" reading batch {batch_id}"
        )
    )
    found: set[str] = set()
    while True:
        try:
            found.add(next(results).custom_id)
        except StopIteration:
            return found
        except Exception as exc:  # the SDK's HTTP library raises its own kinds mid-stream
            raise llm.Fatal(f"the results of batch {batch_id} were cut short ({exc}); run again") from None


def _submit(
    db: sqlite_utils.Database,
    client: anthropic.Anthropic,
    the_plan: Plan,
    run_id: int,
    *,
    budget: llm.Budget,
    throttle: llm.Throttle,
    log: Callable[[str], object],
) -> tuple[str | None, float, bool]:
    jobs: list[Job] = []
    reserved = 0.0
    for job in the_plan.jobs:
        worst = the_plan.worst_cost(job, batch=True)
        if not budget.reserve(worst):
            break
        reserved += worst
        jobs.append(job)
    if not jobs:
        return None, 0.0, False
    local_id = store.batch_submitting(db, run_id, the_plan.config, jobs)
    id_of = {slug: custom_id for custom_id, slug in store.batch_custom_ids(db, local_id).items()}
    # prompt.request builds its params as a plain dict, the shape the SDK's TypedDict describes.
    requests = cast(list[Request], [{"custom_id": id_of[job.slug], "params": the_plan.request(job)} for job in jobs])
    try:
        batch = llm.retrying(
            lambda: client.messages.batches.create(requests=requests), throttle=throttle, log=log, what=" sending the batch"
        )
    except (llm.Fatal, llm.RetryableFailure):
        store.forget_batch(db, local_id)  # the API said no: nothing was sent
        raise
    store.batch_submitted(db, local_id, batch.id)
    log(f"submitted batch {batch.id} with {len(jobs)} requests")
    return batch.id, reserved, len(jobs) < len(the_plan.jobs)


def run_batch(
    db: sqlite_utils.Database,
    client: anthropic.Anthropic,
    the_plan: Plan,
    run_id: int,
    *,
    budget: llm.Budget,
    throttle: llm.Throttle,
    poll_interval: float = 30.0,
    wait_for_results: bool = True,
    log: Callable[[str], object] = print,
) -> Outcome:
    """Score the plan as a Message Batch (half price), or go on with the one
    this config already has under way. The batch is recorded before it is
    sent and its id as soon as it is known, so no interruption pays for a
    second one; results are saved one by one, each marked collected."""
    outcome = Outcome()
    pending = store.pending_batches(db, the_plan.config)
    batch_id: str | None = None
    reserved = 0.0
    for record in pending:
        if record["status"] == "submitting":
            sent = store.batch_requests(db, record["id"])
            try:
                batch_id = _reconcile(
                    db,
                    client,
                    record,
                    throttle=throttle,
                    log=log,
                    poll_interval=poll_interval,
                    wait_for_results=wait_for_results,
                )
            except _StillProcessing:
                outcome.status = "submitted"
                return outcome
            if batch_id is None:
                _plan_again(db, the_plan, sent)
        else:
            batch_id = record["id"]
        if batch_id:
            log(f"resuming batch {batch_id}")
            break
    if batch_id is None:
        batch_id, reserved, short = _submit(db, client, the_plan, run_id, budget=budget, throttle=throttle, log=log)
        if batch_id is None:
            outcome.status = "budget" if the_plan.jobs else "complete"
            return outcome
        if short:
            outcome.status = "budget"

    while True:
        try:
            batch = llm.retrying(
                lambda: client.messages.batches.retrieve(batch_id), throttle=throttle, log=log, what=f" checking batch {batch_id}"
            )
        except llm.Fatal as exc:
            if exc.status != 404:
                raise
            store.set_batch_status(db, batch_id, "lost")
            log(f"batch {batch_id} is not known to the API any more; its occupations will be planned again")
            outcome.status = "partial"
            return outcome
        if batch.processing_status == "ended":
            break
        if not wait_for_results:
            outcome.status = "submitted"
            return outcome
        throttle.sleep(poll_interval)

    requested = store.batch_requests(db, batch_id)
    slug_of = store.batch_custom_ids(db, batch_id)
    jobs_by_slug = {job.slug: job for job in the_plan.jobs}
    retry: list[str] = []
    results = iter(
        llm.retrying(
            lambda: client.messages.batches.results(batch_id),
            throttle=throttle,
            log=log,
            what=f" fetching the results of {batch_id}",
        )
    )
    while True:
        try:
            result = next(results)
        except StopIteration:
            break
        except Exception as exc:  # the SDK's HTTP library raises its own kinds mid-stream
            raise llm.Fatal(f"the results of batch {batch_id} were cut short ({exc}); run again to collect the rest") from None
        _collect(db, the_plan, batch_id, run_id, result, requested, slug_of, outcome, retry, log)
    store.set_batch_status(db, batch_id, "collected")
    budget.settle(reserved, outcome.batch_cost)

    # Invalid batch replies get their one retry as ordinary calls.
    for slug in retry:
        job = jobs_by_slug.get(slug) or _job_for(db, the_plan, slug, requested[slug][0])
        if job is None:
            store.save_failure(
                db, run_id, slug, "invalid reply; the occupation changed before it could be retried", None, {}, 0.0
            )
            outcome.failed += 1
            continue
        try:
            reply = score_one(client, the_plan, job, throttle=throttle, budget=budget, attempts=1, log=log)
        except llm.OverBudget:
            outcome.status = "budget"
            break
        _save(db, the_plan, run_id, job, reply, outcome)
    if outcome.status == "complete" and outcome.failed:
        outcome.status = "partial"
    return outcome


def _collect(
    db: sqlite_utils.Database,
    the_plan: Plan,
    batch_id: str,
    run_id: int,
    result: MessageBatchIndividualResponse,
    requested: Mapping[str, tuple[str, bool, list[int] | None]],
    slug_of: Mapping[str, str],
    outcome: Outcome,
    retry: list[str],
    log: Callable[[str], object],
) -> None:
    """Save one batch result, unless an earlier, interrupted download did.
    ``slug_of`` reads its request id ({custom_id: slug}); a batch sent before
    requests had ids of their own used the slugs themselves."""
    slug, name = slug_of.get(result.custom_id, result.custom_id), the_plan.criterion.name
    if slug not in requested or requested[slug][1]:
        return
    if result.result.type != "succeeded":
        store.save_batch_result(db, batch_id, run_id, name, slug, error=f"batch request {result.result.type}")
        outcome.failed += 1
        return
    message = result.result.message
    usage = llm.usage_dict(message.usage)
    cost = the_plan.price.cost(usage, batch=True)
    outcome.batch_cost += cost
    try:
        score, rationale, task_scores = the_plan.check(message, requested[slug][2])
    except llm.InvalidReply as exc:
        store.save_batch_result(db, batch_id, run_id, name, slug, usage=usage, cost=cost)
        log(f"{slug}: invalid reply: {exc}; retrying once")
        retry.append(slug)
        return
    store.save_batch_result(
        db,
        batch_id,
        run_id,
        name,
        slug,
        score=score,
        rationale=rationale,
        input_hash=requested[slug][0],
        usage=usage,
        cost=cost,
        tasks=task_scores,
    )
    outcome.scored += 1


def _job_for(db: sqlite_utils.Database, the_plan: Plan, slug: str, input_hash: str | None = None) -> Job | None:
    """The job for an occupation that was in a batch (and so not in this
    run's plan), if its text is still what was sent (``input_hash``; any
    text when None)."""
    values = db.execute("select * from occupations where slug = ?", [slug]).fetchone()
    if values is None:
        return None
    row = dict(zip([d[0] for d in db.execute("select * from occupations limit 0").description], values))
    job = make_job(row, the_plan.level, the_plan.params)
    return job if job is not None and input_hash in (None, job.input_hash) else None


def _plan_again(db: sqlite_utils.Database, the_plan: Plan, sent: Mapping[str, object]) -> None:
    """The occupations of a batch record that never reached the API, left out
    of the plan as waiting in it, are planned after all (those still stale)."""
    done, in_batch = _settled(db, the_plan.config, the_plan.params["force"])
    planned = {job.slug for job in the_plan.jobs}
    only, limit = the_plan.params.get("only"), the_plan.params.get("limit")
    for slug in sorted(sent):
        if limit is not None and len(the_plan.jobs) >= limit:
            break
        skip = slug in planned or slug in in_batch or bool(only and slug not in only)
        job = None if skip else _job_for(db, the_plan, slug)
        if job is not None and done.get(slug) != job.input_hash:
            the_plan.jobs.append(job)
            the_plan.waiting = max(the_plan.waiting - 1, 0)


# --- a whole run -----------------------------------------------------------------


# Another command is writing the database (pipeline.lock): a second scorer
# stops at once instead of paying for the same occupations.
Busy = lock.Busy


def one_scorer(db_path: str | Path) -> contextlib.AbstractContextManager[None]:
    """The database's writer lock, held as a scorer for the whole run: any
    other writer stops at once rather than wait hours for it, and none can
    hold a write transaction while replies are being saved."""
    return lock.writer(db_path, "python -m score run", scorer=True)


@dataclass
class Result:
    """How a run ended, read back from its row in ``runs``."""

    run_id: int | None
    status: str
    scored: int = 0
    failed: int = 0
    skipped: int = 0
    waiting: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (slug, error) for each occupation not scored

    @property
    def exit_code(self) -> int:
        """0: all done (or a batch sent and waiting); 3: some scores saved,
        not all; 1: nothing saved and something left; 130: interrupted."""
        if self.status in ("complete", "submitted"):
            return 0
        if self.status == "interrupted":
            return 130
        return 3 if self.scored else 1

    def line(self) -> str:
        who = f"run {self.run_id} {self.status}" if self.run_id else self.status
        text = (
            f"{who}: {self.scored} scored, {self.failed} failed, {self.skipped} already scored; "
            f"{self.input_tokens:,} input and {self.output_tokens:,} output tokens, ${self.cost_usd:.4f}"
        )
        if self.waiting:
            text += f"; {self.waiting} waiting in a batch already sent"
        return text


def execute(
    db: sqlite_utils.Database,
    db_path: str | Path,
    the_plan: Plan,
    *,
    client: anthropic.Anthropic,
    batch: bool = False,
    wait_for_results: bool = True,
    concurrency: int = 8,
    max_cost: float | None = None,
    poll_interval: float = 30.0,
    retry_wait: float = 1.0,
    log: Callable[[str], object] = print,
    progress: Callable[[str, float], object] | None = None,
) -> Result:
    """A whole run: take the database, close runs that died, start a run,
    score, finish it whatever happens, and return its Result.

    Raises Busy when another scorer holds the database and llm.Fatal when the
    API refuses the run (the run is then finished as failed first)."""
    with one_scorer(db_path):
        for stale in store.close_stale_runs(db):
            log(
                f"run {stale['id']} was killed midway ({stale['scored']} scores saved); "
                "replies that were under way when it died were paid for and are asked again"
            )
        store.save_criterion(db, the_plan.criterion)
        _drop_done_since_planned(db, the_plan)
        throttle = llm.Throttle(first_wait=retry_wait)
        if not the_plan.jobs and not (batch and store.pending_batches(db, the_plan.config)):
            return Result(None, "complete", skipped=the_plan.skipped, waiting=the_plan.waiting)
        llm.check_access(client, the_plan.model, throttle=throttle, log=log)
        effort = the_plan.params.get("effort")
        store.save_prompt(
            db,
            the_plan.prompt_hash,
            prompt.system_prompt(the_plan.criterion, the_plan.level),
            prompt.schema(the_plan.criterion, None if the_plan.level == "occupation" else [0]),
            effort,
        )
        run_id, _ = store.start_run(
            db,
            criterion=the_plan.criterion,
            kind="model",
            model=the_plan.model,
            prompt_hash=the_plan.prompt_hash,
            batch=batch,
            max_cost=max_cost,
            level=the_plan.level,
            sample=the_plan.sample,
        )
        budget = llm.Budget(max_cost)
        status = "interrupted"
        try:
            if batch:
                outcome = run_batch(
                    db,
                    client,
                    the_plan,
                    run_id,
                    budget=budget,
                    throttle=throttle,
                    poll_interval=poll_interval,
                    wait_for_results=wait_for_results,
                    log=log,
                )
            else:
                outcome = run_concurrent(
                    db,
                    client,
                    the_plan,
                    run_id,
                    concurrency=concurrency,
                    budget=budget,
                    throttle=throttle,
                    progress=progress,
                    log=log,
                )
            status = outcome.status
        except llm.Fatal as exc:
            status = "failed"
            exc.run_id = run_id  # scores saved before it may make it a partial run
            raise
        finally:
            store.finish_run(db, run_id, status, skipped=the_plan.skipped)
        return result_of(db, run_id, waiting=the_plan.waiting)


def _settled(db: sqlite_utils.Database, config: str, force: bool = False) -> tuple[dict[str, str], set[str]]:
    """What needs no call: {slug: input hash} already scored under this config
    (nothing, with --force) and the slugs waiting in a sent batch."""
    ready = store.has_tables(db)
    done = {} if force or not ready else store.fresh_scores(db, config)
    return done, store.pending_slugs(db, config) if ready else set()


def _drop_done_since_planned(db: sqlite_utils.Database, the_plan: Plan) -> None:
    """The plan was made before the lock was taken: a scorer that finished in
    between may have scored some of it."""
    done, in_batch = _settled(db, the_plan.config, the_plan.params["force"])
    the_plan.jobs = [j for j in the_plan.jobs if j.slug not in in_batch and done.get(j.slug) != j.input_hash]


def result_of(db: sqlite_utils.Database, run_id: int, waiting: int = 0) -> Result:
    row = db.table("runs").get(run_id)
    failures = db.execute("select slug, error from score_failures where run_id = ? order by slug", [run_id]).fetchall()
    return Result(
        run_id,
        row["status"],
        row["scored"],
        row["failed"],
        row["skipped"],
        waiting,
        row["input_tokens"],
        row["output_tokens"],
        row["cost_usd"],
        failures,
    )


def make_client(api_key: str | None, timeout: float) -> anthropic.Anthropic:
    """The SDK client; it reads ANTHROPIC_BASE_URL itself. Retries are ours."""
    import anthropic

    return anthropic.Anthropic(api_key=api_key, max_retries=0, timeout=timeout)


def clean_key(value: str | None) -> str | None:
    """The API key as pasted, or None: surrounding whitespace (a trailing
    newline from a secrets file) is dropped; anything else odd is refused."""
    key = (value or "").strip()
    if not key:
        return None
    if any(c.isspace() or not c.isprintable() for c in key):
        raise ValueError("ANTHROPIC_API_KEY contains spaces or control characters; paste the key again")
    return key
