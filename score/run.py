"""One scoring run: decide what is missing or stale, then score it, one call
per occupation (concurrently) or as one Message Batch, saving every score as
soon as it arrives."""

import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from . import llm, prompt, store

# Replies are a score and one to three sentences; thinking, where a model
# does it, comes on top. Used only for estimates.
EXPECTED_OUTPUT_TOKENS = 200


@dataclass
class Job:
    slug: str
    text: str
    input_hash: str


@dataclass
class Plan:
    criterion: object
    model: str
    price: object
    prompt_hash: str
    config: str
    jobs: list
    skipped: int
    params: dict = field(default_factory=dict)

    def request(self, job):
        return prompt.request(
            self.criterion, self.model, job.text, max_tokens=self.params["max_tokens"],
            cache_min_tokens=self.price.cache_min_tokens, effort=self.params.get("effort"),
        )

    def estimate_input_tokens(self, job):
        return prompt.estimate_tokens(prompt.system_prompt(self.criterion)) + prompt.estimate_tokens(job.text)

    def expected_cost(self, batch=False):
        """What the planned calls should cost, for --dry-run."""
        usage = {
            "input_tokens": sum(self.estimate_input_tokens(j) for j in self.jobs),
            "output_tokens": EXPECTED_OUTPUT_TOKENS * len(self.jobs),
        }
        return usage, self.price.cost(usage, batch=batch)

    def worst_cost(self, job, batch=False):
        """The most one call can cost: a pessimistic token count (a third more
        than the estimate) and a reply as long as max_tokens allows."""
        usage = {
            "input_tokens": self.estimate_input_tokens(job) * 4 // 3,
            "output_tokens": self.params["max_tokens"],
        }
        return self.price.cost(usage, batch=batch)


def plan(db, criterion, model, price, *, only=(), limit=None, force=False, max_input_tokens=3000, max_tokens=2048, effort=None):
    """What this run has to score: every occupation with a job count (or the
    ones named), minus those already scored under the same config and text."""
    prompt_hash = prompt.prompt_hash(criterion, effort)
    config = store.config_hash(criterion.name, "model", model, prompt_hash)
    rows = list(db.query("select * from occupations where jobs is not null order by slug"))
    if only:
        known = {r["slug"] for r in rows}
        unknown = sorted(set(only) - known)
        if unknown:
            raise ValueError(f"not in data.db (or no job count): {', '.join(unknown)}")
        rows = [r for r in rows if r["slug"] in set(only)]
    done = {} if force else store.fresh_scores(db, config)
    jobs, skipped = [], 0
    for row in rows:
        text = prompt.occupation_text(row, max_input_tokens)
        digest = prompt.input_hash(text)
        if done.get(row["slug"]) == digest:
            skipped += 1
            continue
        jobs.append(Job(row["slug"], text, digest))
    if limit is not None:
        jobs = jobs[:limit]
    return Plan(criterion, model, price, prompt_hash, config, jobs, skipped, {"max_tokens": max_tokens, "effort": effort})


def score_one(client, the_plan, job, *, throttle, budget, attempts=2, log=None):
    """Score one occupation: a call, and one more if the reply is invalid.

    Returns (score, rationale, usage, cost, error, reply); error is None on
    success. Raises llm.OverBudget when even the first call does not fit.
    """
    usage, cost = {}, 0.0
    params = the_plan.request(job)
    reply = None
    for attempt in range(attempts):
        reserve = the_plan.worst_cost(job)
        if not budget.reserve(reserve):
            if attempt == 0:
                raise llm.OverBudget()
            return None, None, usage, cost, "invalid reply, and no budget left to retry", reply
        spent = 0.0
        try:
            message = llm.call(client, params, throttle=throttle, log=log)
            call_usage = llm.usage_dict(message.usage)
            spent = the_plan.price.cost(call_usage)
            llm.add_usage(usage, call_usage)
            cost += spent
            score, rationale = llm.check_reply(message, the_plan.criterion)
            return score, rationale, usage, cost, None, None
        except llm.InvalidReply as exc:
            reply = exc.reply
            error = f"invalid reply: {exc}"
            if log:
                log(f"{job.slug}: {error}" + ("; retrying once" if attempt + 1 < attempts else ""))
        except llm.RetryableFailure as exc:
            return None, None, usage, cost, str(exc), None
        finally:
            budget.settle(reserve, spent)
    return None, None, usage, cost, error, reply


@dataclass
class Outcome:
    scored: int = 0
    failed: int = 0
    status: str = "complete"
    problems: list = field(default_factory=list)


def run_concurrent(db, client, the_plan, run_id, *, concurrency, budget, progress=None, log=None):
    """Score the plan's jobs with ``concurrency`` calls in flight, saving each
    result from this thread as it completes. Ctrl-C keeps every saved score."""
    throttle = llm.Throttle()
    outcome = Outcome()
    todo = iter(the_plan.jobs)
    stop = False
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        running = {}

        def submit():
            nonlocal stop
            while not stop and len(running) < concurrency:
                job = next(todo, None)
                if job is None:
                    return
                running[pool.submit(score_one, client, the_plan, job, throttle=throttle, budget=budget, log=log)] = job

        try:
            submit()
            while running:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    job = running.pop(future)
                    try:
                        score, rationale, usage, cost, error, reply = future.result()
                    except llm.OverBudget:
                        stop = True
                        outcome.status = "budget"
                        continue
                    except llm.Fatal:
                        stop = True
                        raise
                    if error is None:
                        store.save_score(db, run_id, the_plan.criterion.name, job.slug, score, rationale, job.input_hash, usage, cost)
                        outcome.scored += 1
                    else:
                        store.save_failure(db, run_id, job.slug, error, reply, usage, cost)
                        outcome.failed += 1
                        outcome.problems.append(f"{job.slug}: {error}")
                    if progress:
                        progress(job.slug, budget.spent)
                submit()
        except BaseException:
            stop = True
            for future in running:
                future.cancel()
            raise
    if outcome.status == "complete" and outcome.failed:
        outcome.status = "partial"
    return outcome


def run_batch(db, client, the_plan, run_id, *, budget, poll_interval=30.0, log=print):
    """Score the plan as one Message Batch (half price). The batch id is saved
    before waiting, so an interrupted run resumes polling the same batch rather
    than paying for a second one."""
    outcome = Outcome()
    pending = db.execute(
        "select id from batches where config = ? and status != 'collected' order by created desc limit 1", [the_plan.config]
    ).fetchone()
    reserved = 0.0
    if pending:
        batch_id = pending[0]
        log(f"resuming batch {batch_id}")
    else:
        jobs = []
        for job in the_plan.jobs:
            worst = the_plan.worst_cost(job, batch=True)
            if not budget.reserve(worst):
                outcome.status = "budget"
                break
            reserved += worst
            jobs.append(job)
        if not jobs:
            return outcome
        requests = [{"custom_id": job.slug, "params": the_plan.request(job)} for job in jobs]
        batch = client.messages.batches.create(requests=requests)
        batch_id = batch.id
        with db.atomic():
            db["batches"].insert({"id": batch_id, "run_id": run_id, "config": the_plan.config, "created": store.now(),
                                  "status": "submitted", "requests": len(jobs)})
            db["batch_requests"].insert_all({"batch_id": batch_id, "slug": j.slug, "input_hash": j.input_hash} for j in jobs)
        log(f"submitted batch {batch_id} with {len(jobs)} requests")

    while True:
        batch = client.messages.batches.retrieve(batch_id)
        if batch.processing_status == "ended":
            break
        time.sleep(poll_interval)

    hashes = dict(db.execute("select slug, input_hash from batch_requests where batch_id = ?", [batch_id]).fetchall())
    jobs_by_slug = {job.slug: job for job in the_plan.jobs}
    retry = []
    batch_cost = 0.0
    for result in client.messages.batches.results(batch_id):
        slug = result.custom_id
        kind = result.result.type
        if kind != "succeeded":
            store.save_failure(db, run_id, slug, f"batch request {kind}", None, {}, 0.0)
            outcome.failed += 1
            continue
        message = result.result.message
        usage = llm.usage_dict(message.usage)
        cost = the_plan.price.cost(usage, batch=True)
        batch_cost += cost
        try:
            score, rationale = llm.check_reply(message, the_plan.criterion)
        except llm.InvalidReply as exc:
            store.add_usage(db, run_id, usage, cost)
            log(f"{slug}: invalid reply: {exc}; retrying once")
            retry.append(slug)
            continue
        store.save_score(db, run_id, the_plan.criterion.name, slug, score, rationale, hashes[slug], usage, cost)
        outcome.scored += 1
    with db.atomic():
        db.execute("update batches set status = 'collected' where id = ?", [batch_id])
    budget.settle(reserved, batch_cost)

    # Invalid batch replies get their one retry as ordinary calls.
    throttle = llm.Throttle()
    for slug in retry:
        job = jobs_by_slug.get(slug)
        if job is None:
            store.save_failure(db, run_id, slug, "invalid reply; the occupation changed before it could be retried", None, {}, 0.0)
            outcome.failed += 1
            continue
        try:
            score, rationale, usage, cost, error, reply = score_one(
                client, the_plan, job, throttle=throttle, budget=budget, attempts=1, log=log
            )
        except llm.OverBudget:
            outcome.status = "budget"
            break
        if error is None:
            store.save_score(db, run_id, the_plan.criterion.name, slug, score, rationale, job.input_hash, usage, cost)
            outcome.scored += 1
        else:
            store.save_failure(db, run_id, slug, error, reply, usage, cost)
            outcome.failed += 1
    if outcome.status == "complete" and outcome.failed:
        outcome.status = "partial"
    return outcome
