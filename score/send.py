"""Sending a run's calls one by one, several in flight, and saving each
reply as it comes: a score, or a failure with the reply that caused it.

An invalid reply gets one repair request (the reply and what is wrong with
it); a reply still invalid is saved as a failure, never as a score. Replies
that arrive after Ctrl-C are still saved: they are paid for.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import anthropic
import sqlite_utils
from anthropic.types import Message

from . import llm, prompt, store, tasks
from .backend import Server, repair
from .planning import Job, Plan


@dataclass
class Context:
    """What every part of one run shares: where it saves, whom it asks and
    how, what it may spend, and how it tells the user."""

    db: sqlite_utils.Database
    client: anthropic.Anthropic
    plan: Plan
    server: Server
    run_id: int
    budget: llm.Budget
    throttle: llm.Throttle
    log: Callable[[str], object] = print
    progress: Callable[[str, float], object] | None = None

    def check(self, message: Message, task_ids: Sequence[int] | None) -> tuple[float, str, dict[int, int] | None]:
        """(score, rationale, {task_id: score} or None) from a reply; at task
        level the score is the tasks' weighted mean (score.tasks)."""
        # Only occupation-level batch requests are recorded without task ids.
        if not self.plan.task_level or task_ids is None:
            score, rationale = llm.check_reply(message, self.plan.criterion)
            return score, rationale, None
        scores, rationale = llm.check_reply(message, self.plan.criterion, task_ids)
        return tasks.aggregate(scores, self.plan.task_types), rationale, scores

    def request(self, job: Job) -> dict[str, Any]:
        """The request for ``job`` as this server takes it."""
        return self.server.shape(self.plan.request(job))


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
    estimated: bool = False  # the server said nothing of the tokens: usage is our estimate


@dataclass
class Outcome:
    scored: int = 0
    failed: int = 0
    status: str = "complete"
    batch_cost: float = 0.0
    estimated: bool = False


def usage_of(message: Message, params: dict[str, Any]) -> tuple[dict[str, int], bool]:
    """The tokens of one call as the server counted them, or, where it gave
    none, estimated from the text sent and received (and True)."""
    usage = llm.usage_dict(getattr(message, "usage", None))
    if usage.get("input_tokens") or usage.get("output_tokens"):
        return usage, False
    sent = "".join(b.get("text", "") for b in params.get("system", [])) + "".join(
        m["content"] if isinstance(m["content"], str) else "" for m in params["messages"]
    )
    return {"input_tokens": prompt.estimate_tokens(sent), "output_tokens": prompt.estimate_tokens(llm.reply_text(message))}, True


def score_one(ctx: Context, job: Job, *, attempts: int = 2, repairing: llm.InvalidReply | None = None) -> Reply:
    """Score one occupation: a call, and one repair request if the reply is
    invalid. ``repairing``, an invalid reply already received (from a
    batch), makes the one call its repair. Raises llm.OverBudget when even
    the first call does not fit."""
    reply = Reply()
    first = ctx.request(job)
    params = repair(first, repairing.reply, str(repairing)) if repairing else first
    for attempt in range(attempts):
        reserve = ctx.plan.worst_cost(job)
        if not ctx.budget.reserve(reserve):
            if attempt == 0:
                raise llm.OverBudget()
            reply.error = "invalid reply, and no budget left to retry"
            return reply
        spent = 0.0
        message: Message | None = None
        try:
            message = llm.call(ctx.client, params, throttle=ctx.throttle, log=ctx.log)
            call_usage, estimated = usage_of(message, params)
            reply.estimated |= estimated
            spent = ctx.plan.price.cost(call_usage)
            llm.add_usage(reply.usage, call_usage)
            reply.cost += spent
            reply.score, reply.rationale, reply.tasks = ctx.check(message, job.task_ids)
            reply.error = reply.raw = None
            return reply
        except llm.InvalidReply as exc:
            reply.raw = exc.reply
            reply.error = f"invalid reply: {exc}"
            ctx.log(f"{job.slug}: {reply.error}" + ("; retrying once" if attempt + 1 < attempts else ""))
            cut = message is not None and message.stop_reason == "max_tokens"  # asked again as it was: a repair would be longer
            params = first if cut or message is None else repair(first, exc.reply, str(exc))
        except llm.RetryableFailure as exc:
            reply.error = str(exc)
            return reply
        except llm.Stopped:
            if not reply.usage:
                raise
            reply.error = "invalid reply; the run stopped before its retry"  # saved, with what it cost
            return reply
        finally:
            ctx.budget.settle(reserve, spent)
    return reply


def save(ctx: Context, job: Job, reply: Reply, outcome: Outcome) -> None:
    outcome.estimated |= reply.estimated
    if reply.score is not None:  # set only on a valid reply, which clears the error
        store.save_score(
            ctx.db,
            ctx.run_id,
            ctx.plan.criterion.name,
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
        store.save_failure(ctx.db, ctx.run_id, job.slug, reply.error, reply.raw, reply.usage, reply.cost)
        outcome.failed += 1


def run_concurrent(ctx: Context, concurrency: int) -> Outcome:
    """Score the plan's jobs with ``concurrency`` calls in flight, saving each
    result from this thread as it completes.

    On Ctrl-C no new call starts and no retry waits, but the calls already
    sent are waited for and their replies saved (they are paid for); a second
    Ctrl-C abandons them."""
    outcome = Outcome()
    todo = iter(ctx.plan.jobs)
    pool = ThreadPoolExecutor(max_workers=concurrency)
    running: dict[Future[Reply], Job] = {}

    def submit() -> None:
        while not ctx.throttle.stop.is_set() and len(running) < concurrency:
            job = next(todo, None)
            if job is None:
                return
            running[pool.submit(score_one, ctx, job)] = job

    def collect(future: Future[Reply]) -> None:
        job = running.pop(future)
        try:
            reply = future.result()
        except (llm.Stopped, llm.OverBudget) as exc:
            if isinstance(exc, llm.OverBudget):
                outcome.status = "budget"
            ctx.throttle.stop.set()
            return
        save(ctx, job, reply, outcome)
        if ctx.progress:
            ctx.progress(job.slug, ctx.budget.spent)

    try:
        submit()
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                collect(future)  # llm.Fatal propagates: the whole run stops
            submit()
    except BaseException:
        ctx.throttle.stop.set()
        for future in list(running):
            if future.cancel():
                running.pop(future)
        if running:
            ctx.log(f"stopping: saving the {len(running)} replies already under way (Ctrl-C again to abandon them)")
        try:
            while running:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    with contextlib.suppress(llm.Fatal):
                        collect(future)
        except KeyboardInterrupt:
            ctx.log(f"abandoned {len(running)} calls under way; they may be paid for and will be asked again")
        raise
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    if outcome.status == "complete" and outcome.failed:
        outcome.status = "partial"
    return outcome
