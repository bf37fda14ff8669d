"""One scoring run, from start to finish: take the database, find what the
server can do (backend.probe), start a run, score the plan (send, or
batches), finish the run whatever happens, and say how it ended.

Nothing paid for is paid for twice: a scorer holds the database's writer
lock (pipeline.lock) for the whole run, so no other command writes beside
it; a run killed outright is marked so by the next; replies that arrive
after Ctrl-C are still saved; and a batch is recorded before it is sent.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import anthropic
import sqlite_utils

from pipeline import lock

from . import backend, batches, llm, prompt, send, store
from .planning import Plan

# Another command is writing the database (pipeline.lock): a second scorer
# stops at once instead of paying for the same occupations.
Busy = lock.Busy


@dataclass(frozen=True)
class Options:
    """How a run goes about it (what it scores is its Plan)."""

    batch: bool = False
    waiting: batches.Waiting = batches.Waiting()
    concurrency: int | None = None  # None: backend.LOCAL_CONCURRENCY on a local server, else REMOTE_CONCURRENCY
    max_cost: float | None = None
    retry_wait: float = 1.0
    server: str | None = None  # the base URL given (--base-url, ANTHROPIC_BASE_URL), for the record


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
    free: bool = False  # a model on a local server: no charge
    estimated: bool = False  # some token counts are our estimates: the server gave none

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
        tokens = f"{self.input_tokens:,} input and {self.output_tokens:,} output tokens"
        if self.estimated:
            tokens += " (estimated: the server did not count them)"
        text = (
            f"{who}: {self.scored} scored, {self.failed} failed, {self.skipped} already scored; "
            f"{tokens}, {'local, no charge' if self.free else f'${self.cost_usd:.4f}'}"
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
    options: Options = Options(),
    log: Callable[[str], object] = print,
    progress: Callable[[str, float], object] | None = None,
) -> Result:
    """A whole run: take the database, close runs that died, probe the
    server, start a run, score, finish it whatever happens, and return its
    Result.

    Raises Busy when another scorer holds the database and llm.Fatal when the
    server refuses the run (the run is then finished as failed first)."""
    with one_scorer(db_path):
        for stale in store.close_stale_runs(db):
            log(
                f"run {stale['id']} was killed midway ({stale['scored']} scores saved); "
                "replies that were under way when it died were paid for and are asked again"
            )
        store.save_criterion(db, the_plan.criterion)
        the_plan.drop_done(db)
        throttle = llm.Throttle(first_wait=options.retry_wait)
        if not the_plan.jobs and not (options.batch and store.pending_batches(db, the_plan.config)):
            return Result(None, "complete", skipped=the_plan.skipped, waiting=the_plan.waiting)
        probed: dict[str, int] = {}
        url = backend.base_url(options.server, client)
        probe_cost = the_plan.price.cost(backend.PROBE_WORST)
        if options.max_cost is not None and probe_cost > options.max_cost:
            raise llm.Fatal(
                f"the budget of ${options.max_cost:.4f} is less than the first two short requests, which find what the "
                f"server can do, may cost (up to ${probe_cost:.4f}); nothing was sent"
            )
        server = backend.probe(client, the_plan.model, url, throttle=throttle, log=log, usage=probed)
        log(server.describe())
        batch = options.batch and server.batches
        if options.batch and not batch:
            log(f"{url} has no Message Batches: the calls are sent one by one instead")
        store.save_prompt(
            db,
            the_plan.prompt_hash,
            prompt.system_prompt(the_plan.criterion, the_plan.level),
            prompt.schema(the_plan.criterion, None if the_plan.level == "occupation" else [0]),
            the_plan.settings.effort,
        )
        run_id, _ = store.start_run(
            db,
            criterion=the_plan.criterion,
            kind="model",
            model=the_plan.model,
            prompt_hash=the_plan.prompt_hash,
            batch=batch,
            max_cost=options.max_cost,
            level=the_plan.level,
            sample=the_plan.sample,
            server=url,
            capabilities=server.capabilities(probed, the_plan.price.cost(probed)),
        )
        with db.atomic():  # the probe is part of the run, and paid for by it
            store.add_usage(db, run_id, probed, the_plan.price.cost(probed))
        budget = llm.Budget(options.max_cost, the_plan.price.cost(probed))
        ctx = send.Context(db, client, the_plan, server, run_id, budget, throttle, log, progress)
        status, estimated = "interrupted", False
        try:
            if batch:
                outcome = batches.run_batch(ctx, options.waiting)
            else:
                concurrency = options.concurrency or (backend.LOCAL_CONCURRENCY if server.local else backend.REMOTE_CONCURRENCY)
                outcome = send.run_concurrent(ctx, concurrency)
            status, estimated = outcome.status, outcome.estimated
        except llm.Fatal as exc:
            status = "failed"
            exc.run_id = run_id  # scores saved before it may make it a partial run
            raise
        finally:
            store.finish_run(db, run_id, status, skipped=the_plan.skipped, tokens_estimated=estimated)
        return result_of(db, run_id, waiting=the_plan.waiting, free=the_plan.price.local)


def result_of(db: sqlite_utils.Database, run_id: int, waiting: int = 0, free: bool = False) -> Result:
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
        free=free,
        estimated=bool(row["tokens_estimated"]),
    )


def make_client(api_key: str | None, timeout: float, base_url: str | None = None) -> anthropic.Anthropic:
    """The SDK client, at ``base_url`` (None: the SDK reads
    ANTHROPIC_BASE_URL itself, else Anthropic's API). Retries are ours."""
    import anthropic

    return anthropic.Anthropic(api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout)


def clean_key(value: str | None) -> str | None:
    """The API key as pasted, or None: surrounding whitespace (a trailing
    newline from a secrets file) is dropped; anything else odd is refused."""
    key = (value or "").strip()
    if not key:
        return None
    if any(c.isspace() or not c.isprintable() for c in key):
        raise ValueError("ANTHROPIC_API_KEY contains spaces or control characters; paste the key again")
    return key
