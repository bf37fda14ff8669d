"""Scoring a plan as one Message Batch (half price, results within a day).

A batch is recorded before it is sent and its id as soon as it is known, so
no interruption pays for a second one: a run killed while sending finds its
batch again by the request ids it carries (store.custom_id). Results are
downloaded once and saved one by one, each marked collected, so a download
cut short and started again stores nothing twice. Invalid replies get their
one repair as ordinary calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, cast

from anthropic.types.messages import MessageBatch, MessageBatchIndividualResponse
from anthropic.types.messages.batch_create_params import Request

from . import llm, store
from .planning import Job
from .send import Context, Outcome, score_one
from .send import save as save_reply


@dataclass(frozen=True)
class Waiting:
    """How a batch run waits: seconds between checks, and whether it waits
    at all (--no-wait sends, or collects what has ended, and returns)."""

    poll_interval: float = 30.0
    wait_for_results: bool = True


class _StillProcessing(Exception):
    """A batch that may be the one a killed run sent is still in progress,
    and the run was told not to wait (--no-wait)."""


@dataclass
class _Found:
    """A batch a killed run sent, found on the API, with the results read to
    recognise it (kept, so that they are not downloaded a second time)."""

    batch_id: str
    results: list[MessageBatchIndividualResponse]


def run_batch(ctx: Context, waiting: Waiting) -> Outcome:
    """Score the plan as a Message Batch, or go on with the one this
    configuration already has under way."""
    outcome = Outcome()
    batch_id: str | None = None
    results: list[MessageBatchIndividualResponse] | None = None
    reserved = 0.0
    for record in store.pending_batches(ctx.db, ctx.plan.config):
        if record["status"] == "submitting":
            sent = store.batch_requests(ctx.db, record["id"])
            try:
                found = _reconcile(ctx, record, waiting)
            except _StillProcessing:
                outcome.status = "submitted"
                return outcome
            if found is None:
                ctx.plan.plan_again(ctx.db, sent)
            else:
                batch_id, results = found.batch_id, found.results
        else:
            batch_id = record["id"]
        if batch_id:
            ctx.log(f"resuming batch {batch_id}")
            break
    if batch_id is None:
        batch_id, reserved, short = _submit(ctx)
        if batch_id is None:
            outcome.status = "budget" if ctx.plan.jobs else "complete"
            return outcome
        if short:
            outcome.status = "budget"
    if results is None:
        if not _ended(ctx, batch_id, waiting, outcome):
            return outcome
    requested = store.batch_requests(ctx.db, batch_id)
    slug_of = store.batch_custom_ids(ctx.db, batch_id)
    retry: list[tuple[str, llm.InvalidReply]] = []
    for result in _read(ctx, batch_id, results):
        _collect(ctx, batch_id, result, requested, slug_of, outcome, retry)
    store.set_batch_status(ctx.db, batch_id, "collected")
    ctx.budget.settle(reserved, outcome.batch_cost)

    # Invalid batch replies get their one repair as ordinary calls.
    jobs_by_slug = {job.slug: job for job in ctx.plan.jobs}
    for slug, invalid in retry:
        job = jobs_by_slug.get(slug) or ctx.plan.job_for(ctx.db, slug, requested[slug][0])
        if job is None:
            store.save_failure(
                ctx.db, ctx.run_id, slug, "invalid reply; the occupation changed before it could be retried", None, {}, 0.0
            )
            outcome.failed += 1
            continue
        cut = str(invalid).startswith("reply cut off")  # asked again as it was, not repaired
        try:
            reply = score_one(ctx, job, attempts=1, repairing=None if cut else invalid)
        except llm.OverBudget:
            outcome.status = "budget"
            break
        save_reply(ctx, job, reply, outcome)
    if outcome.status == "complete" and outcome.failed:
        outcome.status = "partial"
    return outcome


def _ended(ctx: Context, batch_id: str, waiting: Waiting, outcome: Outcome) -> bool:
    """Wait for the batch to end; False (and the outcome says why) when the
    run returns without its results."""
    while True:
        try:
            batch = llm.retrying(
                lambda: ctx.client.messages.batches.retrieve(batch_id),
                throttle=ctx.throttle,
                log=ctx.log,
                what=f" checking batch {batch_id}",
            )
        except llm.Fatal as exc:
            if exc.status != 404:
                raise
            store.set_batch_status(ctx.db, batch_id, "lost")
            ctx.log(f"batch {batch_id} is not known to the API any more; its occupations will be planned again")
            outcome.status = "partial"
            return False
        if batch.processing_status == "ended":
            return True
        if not waiting.wait_for_results:
            outcome.status = "submitted"
            return False
        ctx.throttle.sleep(waiting.poll_interval)


def _read(
    ctx: Context, batch_id: str, results: Iterable[MessageBatchIndividualResponse] | None = None
) -> Iterator[MessageBatchIndividualResponse]:
    """The batch's results: ``results`` when already read, else downloaded
    (reading them costs nothing); a download cut short is llm.Fatal."""
    if results is None:
        results = llm.retrying(
            partial(ctx.client.messages.batches.results, batch_id),
            throttle=ctx.throttle,
            log=ctx.log,
            what=f" fetching the results of {batch_id}",
        )
    stream = iter(results)
    while True:
        try:
            result = next(stream)
        except StopIteration:
            return
        except Exception as exc:  # the SDK's HTTP library raises its own kinds mid-stream
            raise llm.Fatal(f"the results of batch {batch_id} were cut short ({exc}); run again to collect the rest") from None
        yield result


def _reconcile(ctx: Context, record: Mapping[str, Any], waiting: Waiting) -> _Found | None:
    """A batch recorded as submitting: the run that sent it died before it
    heard back, perhaps after the API had made the batch. A batch on the API
    is this record's only when its results carry exactly the record's request
    ids, which name its configuration (model and sample included); size and
    age only narrow the search. A candidate still in progress is waited for
    (with --no-wait, raises _StillProcessing and leaves the record for the next
    run). If none is ours, the request never arrived and the record is dropped."""
    wanted = store.batch_custom_ids(ctx.db, record["id"])
    ids, slugs = set(wanted), set(wanted.values())
    since = datetime.fromisoformat(record["created"]) - timedelta(hours=1)  # the API's clock may differ from ours
    known = {r[0] for r in ctx.db.execute("select id from batches")}
    page = llm.retrying(
        lambda: ctx.client.messages.batches.list(limit=100), throttle=ctx.throttle, log=ctx.log, what=" listing batches"
    )
    candidates = [b for b in page.data if b.id not in known and b.created_at >= since and _size(b) == record["requests"]]
    while candidates:
        in_progress = []
        for batch in candidates:
            if batch.processing_status != "ended":
                in_progress.append(batch.id)
                continue
            results = list(_read(ctx, batch.id))
            found = {r.custom_id for r in results}
            # A batch sent before requests had ids of their own carries bare slugs.
            if found == ids or found == slugs:
                store.batch_submitted(ctx.db, record["id"], batch.id)
                ctx.log(f"found batch {batch.id}, sent by a run that was stopped before it could record it")
                return _Found(batch.id, results)
        if not in_progress:
            break
        if not waiting.wait_for_results:
            what = "a batch that may be" if len(in_progress) == 1 else f"{len(in_progress)} batches that may be"
            ctx.log(f"{what} the one a stopped run sent still being processed")
            raise _StillProcessing()
        ctx.throttle.sleep(waiting.poll_interval)
        candidates = [
            llm.retrying(
                partial(ctx.client.messages.batches.retrieve, i), throttle=ctx.throttle, log=ctx.log, what=f" checking batch {i}"
            )
            for i in in_progress
        ]
    store.forget_batch(ctx.db, record["id"])
    ctx.log("a batch recorded as being sent never reached the API; its occupations are planned again")
    return None


def _size(batch: MessageBatch) -> int:
    counts = batch.request_counts
    return counts.processing + counts.succeeded + counts.errored + counts.canceled + counts.expired


def _submit(ctx: Context) -> tuple[str | None, float, bool]:
    """Send the plan's jobs that fit the budget as one batch: (its id, what
    was reserved for it, whether some were left out). Nothing fits: (None, 0, False)."""
    jobs: list[Job] = []
    reserved = 0.0
    for job in ctx.plan.jobs:
        worst = ctx.plan.worst_cost(job, batch=True)
        if not ctx.budget.reserve(worst):
            break
        reserved += worst
        jobs.append(job)
    if not jobs:
        return None, 0.0, False
    local_id = store.batch_submitting(ctx.db, ctx.run_id, ctx.plan.config, [job.sent() for job in jobs])
    id_of = {slug: custom_id for custom_id, slug in store.batch_custom_ids(ctx.db, local_id).items()}
    # The request is built as a plain dict, the shape the SDK's TypedDict describes.
    requests = cast(list[Request], [{"custom_id": id_of[job.slug], "params": ctx.request(job)} for job in jobs])
    try:
        batch = llm.retrying(
            lambda: ctx.client.messages.batches.create(requests=requests),
            throttle=ctx.throttle,
            log=ctx.log,
            what=" sending the batch",
        )
    except (llm.Fatal, llm.RetryableFailure):
        store.forget_batch(ctx.db, local_id)  # the API said no: nothing was sent
        raise
    store.batch_submitted(ctx.db, local_id, batch.id)
    ctx.log(f"submitted batch {batch.id} with {len(jobs)} requests")
    return batch.id, reserved, len(jobs) < len(ctx.plan.jobs)


def _collect(
    ctx: Context,
    batch_id: str,
    result: MessageBatchIndividualResponse,
    requested: Mapping[str, tuple[str, bool, list[int] | None]],
    slug_of: Mapping[str, str],
    outcome: Outcome,
    retry: list[tuple[str, llm.InvalidReply]],
) -> None:
    """Save one batch result, unless an earlier, interrupted download did.
    ``slug_of`` reads its request id ({custom_id: slug}); a batch sent before
    requests had ids of their own used the slugs themselves."""
    slug, name = slug_of.get(result.custom_id, result.custom_id), ctx.plan.criterion.name
    if slug not in requested or requested[slug][1]:
        return
    if result.result.type != "succeeded":
        store.save_batch_result(ctx.db, batch_id, ctx.run_id, name, slug, error=f"batch request {result.result.type}")
        outcome.failed += 1
        return
    message = result.result.message
    usage = llm.usage_dict(message.usage)
    cost = ctx.plan.price.cost(usage, batch=True)
    outcome.batch_cost += cost
    try:
        score, rationale, task_scores = ctx.check(message, requested[slug][2])
    except llm.InvalidReply as exc:
        store.save_batch_result(ctx.db, batch_id, ctx.run_id, name, slug, usage=usage, cost=cost)
        ctx.log(f"{slug}: invalid reply: {exc}; retrying once")
        retry.append((slug, exc))
        return
    store.save_batch_result(
        ctx.db,
        batch_id,
        ctx.run_id,
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
