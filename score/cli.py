"""The ``python -m score`` commands: options in, a plain function, a summary out."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import signal
import sqlite3
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import anthropic
import click
import sqlite_utils

from pipeline import lock
from pipeline.cli import db_option
from pipeline.db import NotReady
from pipeline.db import open_db as open_database

from . import backend, batches, consensus, criteria, importer, llm, planning, prices, run, store, tasks

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar  # what click.progressbar returns; click names it nowhere public


criteria_dir_option = click.option(
    "--criteria-dir",
    default=str(criteria.DEFAULT_DIR),
    show_default="score/criteria",
    type=click.Path(file_okay=False),
    help="Folder of criterion files.",
)


def open_db(path: str, write: bool = True, *, current_runs: bool = True) -> sqlite_utils.Database:
    """data.db, checked (store.check: ``current_runs=False`` lets a criterion's
    current run be wrong, for the command that sets it), with the scorer's
    tables brought up to date; ``write=False`` opens it read-only, for
    commands that only look."""
    try:
        db = open_database(path, write=write)
        store.check(db, current_runs=current_runs)
        if write:
            store.ensure(db)
    except NotReady as exc:
        raise click.ClickException(str(exc)) from None
    except store.Damaged as exc:
        raise click.ClickException(f"{path} cannot be used: {exc}") from None
    except sqlite3.Error as exc:
        raise click.ClickException(f"{path} cannot be used: {exc}") from None
    return db


@contextlib.contextmanager
def writing(db_path: str, command: str, *, scorer: bool = False) -> Iterator[None]:
    """Hold data.db's writer lock (pipeline.lock) for the block: another
    command writing it is waited for, or this one stops with one line."""
    try:
        with lock.writer(db_path, command, scorer=scorer, log=lambda message: click.echo(message, err=True)):
            yield
    except lock.Busy as exc:
        raise click.ClickException(str(exc)) from None


AGREEMENT_HINT = "run python -m compare to update how runs, scores and published measures agree"


def load_criterion(name: str, directory: str | Path) -> criteria.Criterion:
    try:
        return criteria.load(name, directory)
    except criteria.CriterionError as exc:
        raise click.ClickException(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Score occupations in data.db on a criterion, with provenance for every score.

    A criterion is a file in score/criteria/ (a TOML header and a rubric).
    `run` asks a model (Claude, or one on a server of your own); `import`
    brings in published scores; `runs` lists what has been done; `use` picks
    the run the site shows.

    Example:

        python -m score run --criterion ai_exposure --dry-run
    """


@cli.command("criteria")
@criteria_dir_option
def criteria_command(criteria_dir: str) -> None:
    """Check every criterion file and list them.

    Exits 1 naming the file and field of the first problem found.
    """
    try:
        found = criteria.load_all(criteria_dir)
    except criteria.CriterionError as exc:
        raise click.ClickException(str(exc)) from None
    for c in found:
        tiers = ", ".join(f"{t.name} {t.min}-{t.max}" for t in c.tiers)
        click.echo(f"{c.name}: {c.title} ({c.min}-{c.max}; {tiers})")


@cli.command("run")
@click.option("--criterion", "name", required=True, help="Criterion name: a file score/criteria/NAME.md.")
@click.option(
    "--model",
    "models",
    multiple=True,
    help="Model name, as the server knows it; repeat for several models, each its own run "
    "(default: the criterion file's models list, else the default in score/prices.toml).",
)
@click.option(
    "--base-url",
    metavar="URL",
    help="The server to ask, if not Anthropic's API: any that speaks the Messages API, such as Ollama "
    "(http://localhost:11434), llama.cpp's llama-server, vLLM or LM Studio. Default: $ANTHROPIC_BASE_URL, else Anthropic's API.",
)
@click.option(
    "--samples",
    default=1,
    show_default=True,
    type=click.IntRange(1, 20),
    help="Ask each model this many times, each sample its own run (the spread shows how sure a model is).",
)
@click.option(
    "--level",
    type=click.Choice(planning.LEVELS),
    default="occupation",
    show_default=True,
    help="occupation: one score from the OOH description. task: a score for each of the occupation's O*NET tasks "
    "(in one request), the occupation's score their weighted mean (Core tasks count double).",
)
@click.option(
    "--max-tasks",
    default=tasks.DEFAULT_MAX_TASKS,
    show_default=True,
    type=click.IntRange(1, 200),
    help="With --level task: at most this many tasks per occupation (Core first, every O*NET specialty in turn).",
)
@click.option("--only", multiple=True, metavar="SLUG", help="Score only this occupation (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), help="Score at most N occupations.")
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    help=f"Calls in flight at once [default: {backend.REMOTE_CONCURRENCY}; {backend.LOCAL_CONCURRENCY} on a local server].",
)
@click.option(
    "--batch",
    is_flag=True,
    help="Use the Message Batches API: half price, results within 24 hours (a server without it is sent the calls one by one).",
)
@click.option(
    "--no-wait",
    is_flag=True,
    help="With --batch: send the batch (or collect one that has ended) and return; run again later to collect it.",
)
@click.option("--dry-run", is_flag=True, help="Print the number of calls and the estimated cost; call nothing, write nothing.")
@click.option(
    "--max-cost", type=click.FloatRange(min=0), metavar="USD", help="Stop before spending more than this (each run on its own)."
)
@click.option("--force", is_flag=True, help="Score again even where a fresh score exists.")
@click.option(
    "--max-input-tokens",
    default=1000,
    show_default=True,
    type=click.IntRange(min=200),
    help="Trim each occupation's text to about this many tokens (occupation level).",
)
@click.option(
    "--max-tokens",
    default=2048,
    show_default=True,
    type=click.IntRange(min=64),
    help="max_tokens for each reply (thinking included).",
)
@click.option(
    "--effort",
    type=click.Choice(["low", "medium", "high", "xhigh", "max"]),
    help="How hard a thinking model thinks (output_config.effort); unset leaves the model's default. Part of the prompt hash.",
)
@click.option(
    "--timeout", default=120.0, show_default=True, type=click.FloatRange(min=0.1), help="Seconds to wait for one reply."
)
@click.option(
    "--poll-interval", default=30.0, show_default=True, type=click.FloatRange(min=0), help="Seconds between checks on a batch."
)
@click.option(
    "--retry-wait",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0, max=60),
    help="Seconds before retrying a call the API refused for now (429, 5xx, a dropped connection), doubled for each retry after; the server's Retry-After wins.",
)
@db_option()
@criteria_dir_option
def run_command(
    name: str,
    models: tuple[str, ...],
    base_url: str | None,
    samples: int,
    level: str,
    max_tasks: int,
    only: tuple[str, ...],
    limit: int | None,
    concurrency: int | None,
    batch: bool,
    no_wait: bool,
    dry_run: bool,
    max_cost: float | None,
    force: bool,
    max_input_tokens: int,
    max_tokens: int,
    effort: str | None,
    timeout: float,
    poll_interval: float,
    retry_wait: float,
    db_path: str,
    criteria_dir: str,
) -> None:
    """Score occupations on a criterion with one or more models.

    Only what is missing or stale is scored: a score is kept per occupation,
    criterion, model, sample, prompt hash and input-text hash (the task texts
    included, at task level), so a changed rubric or a changed OOH page is
    scored again and nothing else is. Every score is saved as it arrives.
    Ctrl-C stops new calls and saves the replies already under way; a second
    Ctrl-C abandons them. One scorer runs on a database at a time; a batch is
    recorded before it is sent, so no interruption pays for a second one.

    Several --model values, or --samples N, make one run each, one after the
    other; with two or more complete runs the site shows how far they agree.

    Asks Claude through Anthropic's API, or any server that speaks its
    Messages API (--base-url). Each run first probes the server, once: a
    token count (free), one or two short messages, a look for Message
    Batches. The answer's schema is then sent by the strongest means the
    server has (structured output, else one forced tool, else asked for in
    the text), every reply is checked against it, one invalid reply gets one
    repair request, and a reply still invalid is a failure, never a score.
    The run records the server and what it found (runs.server,
    runs.capabilities). A model with no price in the table costs nothing on a
    local server (this machine or the local network) and is refused on any
    other; token counts a server does not give are estimated, and said to be.

    Needs ANTHROPIC_API_KEY (not for --dry-run, nor for a local server that
    takes no key).

    Exits 0 when everything planned was scored (or a batch was sent with
    --no-wait), 3 when some scores were saved and some were not (failures, the
    budget), 1 when none were, 130 on Ctrl-C.

    Examples:

        python -m score run --criterion ai_exposure --model claude-haiku-5-5 --max-cost 1

        python -m score run --criterion ai_exposure --level task --model claude-haiku-5-5 --model claude-sonnet-5-5 --samples 3

        python -m score run --criterion ai_exposure --base-url http://localhost:11434 --model qwen3:8b
    """
    criterion = load_criterion(name, criteria_dir)
    chosen = list(dict.fromkeys(models or criterion.models or [prices.default_model()]))
    server = base_url or os.environ.get("ANTHROPIC_BASE_URL") or None
    local = backend.is_local(server or backend.ANTHROPIC_API)
    try:
        price_of = {model: prices.price_for(model, local) for model in chosen}
        api_key = run.clean_key(os.environ.get("ANTHROPIC_API_KEY"))
    except (prices.UnknownModel, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    if not dry_run and not api_key:
        if not local:
            raise click.ClickException(
                "ANTHROPIC_API_KEY is not set: export your Anthropic API key, or add --dry-run to see the cost without calling the API"
            )
        api_key = "no-key"  # a local server that wants none ignores it; one that wants one refuses it, in one line
    settings = planning.Settings(
        level=level,
        only=frozenset(only),
        limit=limit,
        force=force,
        max_input_tokens=max_input_tokens,
        max_tokens=max_tokens,
        effort=effort,
        max_tasks=max_tasks,
    )
    runs_to_make = [(model, sample) for model in chosen for sample in range(1, samples + 1)]
    if dry_run:
        _dry_run(open_db(db_path, write=False), criterion, runs_to_make, price_of, settings, batch)
        return

    def log(message: str) -> None:
        click.echo(message, err=True)

    options = run.Options(
        batch=batch,
        waiting=batches.Waiting(poll_interval, not no_wait),
        concurrency=concurrency,
        max_cost=max_cost,
        retry_wait=retry_wait,
        server=server,
    )
    # A CI job that runs out of time is sent SIGTERM: stop as for Ctrl-C.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    codes = []
    # One writer at a time: the lock is held from the first write (the
    # scorer's tables brought up to date) to the last run's end.
    with writing(db_path, "python -m score run", scorer=True):
        db = open_db(db_path)
        for model, sample in runs_to_make:
            the_plan = _plan(db, criterion, model, price_of[model], dataclasses.replace(settings, sample=sample))
            if len(runs_to_make) > 1:
                click.echo(f"{model}{f', sample {sample}' if samples > 1 else ''}:")
            codes.append(
                _run_one(db, db_path, the_plan, client=run.make_client(api_key, timeout, server), options=options, log=log)
            )
            if codes[-1] == 130:
                break
    click.echo(AGREEMENT_HINT, err=True)
    sys.exit(combined_exit_code(codes))


def combined_exit_code(codes: Sequence[int]) -> int:
    """One exit code for several runs: 0 when all are done, 130 when one was
    interrupted, 3 when any saved scores, 1 when none did."""
    if all(code == 0 for code in codes):
        return 0
    if 130 in codes:
        return 130
    return 3 if any(code in (0, 3) for code in codes) else 1


def _plan(
    db: sqlite_utils.Database,
    criterion: criteria.Criterion,
    model: str,
    price: prices.Price,
    settings: planning.Settings,
) -> planning.Plan:
    try:
        return planning.plan(db, criterion, model, price, settings)
    except (ValueError, tasks.NoTasks) as exc:
        raise click.ClickException(str(exc)) from None


def _dry_run(
    db: sqlite_utils.Database,
    criterion: criteria.Criterion,
    runs_to_make: Sequence[tuple[str, int]],
    price_of: Mapping[str, prices.Price],
    settings: planning.Settings,
    batch: bool,
) -> None:
    total = 0.0
    for model, sample in runs_to_make:
        the_plan = _plan(db, criterion, model, price_of[model], dataclasses.replace(settings, sample=sample))
        usage, cost = the_plan.expected_cost(batch=batch)
        total += cost
        waiting = f", {the_plan.waiting} waiting in a batch already sent" if the_plan.waiting else ""
        who = f"{model}{f' (sample {sample})' if sample > 1 else ''}"
        at = " at task level" if the_plan.task_level else ""
        sizes = sorted(the_plan.estimate_input_tokens(j) for j in the_plan.jobs)
        median = f", median {sizes[len(sizes) // 2]:,} a call" if sizes else ""
        if the_plan.price.local:
            priced = f"{prices.LOCAL} (a model on this machine or the local network)"
        else:
            priced = (
                f"estimated cost ${cost:.4f}{' with the batch discount' if batch else ''} (thinking tokens, if any, come on top; "
                f"prices from {the_plan.price.source})"
            )
        click.echo(
            f"{len(the_plan.jobs)} calls to {who} for {criterion.name}{at} ({the_plan.skipped} already scored, skipped{waiting}); "
            f"about {usage['input_tokens']:,} input{median}, and {usage['output_tokens']:,} output tokens; {priced}"
        )
        if the_plan.no_tasks:
            click.echo(f"  O*NET gives no tasks for {len(the_plan.no_tasks)}: {', '.join(the_plan.no_tasks)}")
    if len(runs_to_make) > 1:
        click.echo(f"{len(runs_to_make)} runs, estimated cost ${total:.4f} in all")


def _run_one(
    db: sqlite_utils.Database,
    db_path: str,
    the_plan: planning.Plan,
    *,
    client: anthropic.Anthropic,
    options: run.Options,
    log: Callable[[str], object],
) -> int:
    """One run of one model (or sample); returns its exit code."""
    try:
        with _progress(len(the_plan.jobs)) as advance:
            result = run.execute(db, db_path, the_plan, client=client, options=options, log=log, progress=advance)
    except llm.Fatal as exc:
        if exc.run_id is None:
            raise click.ClickException(str(exc)) from None
        result = run.result_of(db, exc.run_id, free=the_plan.price.local)
        click.echo(result.line())
        click.echo(f"Error: {exc}", err=True)
        sys.exit(result.exit_code)
    except run.Busy as exc:
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:
        log("interrupted: every score already received is saved; run the same command again to go on")
        sys.exit(130)
    if the_plan.no_tasks:
        log(f"O*NET gives no tasks for {', '.join(the_plan.no_tasks)}: not scored at task level")
    if result.run_id is None:
        waiting = f" ({result.waiting} more wait in a batch already sent: add --batch to collect it)" if result.waiting else ""
        click.echo(
            f"nothing to score: all {result.skipped} occupations already have a fresh {the_plan.criterion.name} score "
            f"from {the_plan.model}{waiting}"
        )
        return 0
    for slug, error in result.failures:
        log(f"failed {slug}: {error}")
    click.echo(result.line())
    if result.status == "budget":
        click.echo(f"stopped before exceeding the budget of ${options.max_cost:.2f}; run again with a larger --max-cost to go on")
    if result.status == "submitted":
        click.echo("the batch is being processed; run the same command again to collect it")
    return result.exit_code


class _progress:
    """A progress bar with the running cost, on a terminal only."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.bar: ProgressBar[int] | None = None

    def __enter__(self) -> Callable[[str, float], None]:
        if sys.stderr.isatty():
            self.bar = click.progressbar(length=self.total, label="Scoring", file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        return self.advance

    def advance(self, slug: str, spent: float) -> None:
        if self.bar:
            self.bar.label = f"Scoring (${spent:.4f})"
            self.bar.update(1)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None) -> None:
        if self.bar:
            self.bar.__exit__(kind, exc, traceback)


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--criterion", "name", required=True, help="Criterion the scores are for.")
@click.option(
    "--source", required=True, help='Who made the scores, as shown to readers, e.g. "karpathy/jobs, Gemini 3 Flash, 2026".'
)
@click.option(
    "--key",
    type=click.Choice(["slug", "soc"]),
    default="slug",
    show_default=True,
    help="What the rows are keyed by: OOH slug, or SOC code (averaged into occupations by employment).",
)
@click.option(
    "--source-url",
    metavar="URL",
    help="Where the source publishes how it made the scores (https://), linked beside them on the site.",
)
@click.option(
    "--replace-source-url",
    is_flag=True,
    help="Let --source-url replace the address an earlier import of the same file recorded (without it, a different one is refused).",
)
@db_option()
@criteria_dir_option
def import_command(
    file: str,
    name: str,
    source: str,
    key: str,
    source_url: str | None,
    replace_source_url: bool,
    db_path: str,
    criteria_dir: str,
) -> None:
    """Import published scores from a CSV or JSON file as a run.

    The file needs a key column (slug, or soc_code) and a score column (score,
    or the criterion's name); a rationale column is kept if present. Every
    score is checked against the criterion's scale (a JSON true or false is
    not a number). Importing the same file again writes no score: a
    --source-url the run lacked is recorded, and one that differs from the
    address it has is refused unless --replace-source-url is given.

    Example:

        python -m score import scores.csv --criterion ai_exposure --source "Example Lab, 2026" --source-url https://example.org/method
    """
    criterion = load_criterion(name, criteria_dir)
    with writing(db_path, "python -m score import"):
        db = open_db(db_path)
        store.save_criterion(db, criterion)
        try:
            run_id, count, unmatched = importer.import_scores(
                db, file, criterion, source=source, key=key, source_url=source_url, replace_source_url=replace_source_url
            )
        except (importer.ImportError_, ValueError) as exc:
            raise click.ClickException(str(exc)) from None
    if count == 0:
        click.echo(f"already imported as run {run_id}")
        return
    click.echo(AGREEMENT_HINT, err=True)
    current = db.table("criteria").get(criterion.name)["current_run"] == run_id
    click.echo(
        f"run {run_id}: imported {count} {criterion.name} scores from {source}" + (" (now the current run)" if current else "")
    )
    if unmatched:
        click.echo(f"{len(unmatched)} SOC codes match no occupation: {', '.join(unmatched[:10])}", err=True)


@cli.command()
@click.option("--criterion", "name", help="Only runs of this criterion.")
@db_option()
def runs(name: str | None, db_path: str) -> None:
    """List scoring runs: model or source, prompt hash, counts, tokens, cost."""
    db = open_db(db_path, write=False)
    if not store.has_tables(db):
        click.echo("no runs yet")
        return
    current = {r["current_run"] for r in db.query("select current_run from criteria")}
    rows = store.list_runs(db, name)
    if not rows:
        click.echo("no runs yet")
        return
    for r in rows:
        who = r["label"]
        mark = "*" if r["id"] in current else " "
        about = "~" if r["tokens_estimated"] else " "
        elsewhere = f"  on {r['server']}" if r["server"] and r["server"] != backend.ANTHROPIC_API else ""
        click.echo(
            f"{mark}{r['id']:>4}  {r['criterion']:<20} {r['kind']:<9} {who:<40.40} {r['prompt_hash'][:10]}  "
            f"{r['status']:<11} {r['scored']:>4} scored {r['failed']:>3} failed {r['skipped']:>4} skipped "
            f"{about}{r['input_tokens'] + r['output_tokens']:>9,} tokens  ${r['cost_usd']:.4f}  {r['started']}{elsewhere}"
        )
    click.echo("* = current run of its criterion (the one the site shows)")
    if any(r["tokens_estimated"] for r in rows):
        click.echo("~ = some of the run's token counts are estimates: its server gave none")
    ids = {r["id"] for r in rows}
    if db["task_agreement"].exists():
        for a in db.query("select * from task_agreement order by run_id, labeller desc"):
            if a["run_id"] not in ids:
                continue
            rho = (
                "n/a"
                if a["spearman"] is None
                else f"{a['spearman']:.2f} (95% {a['spearman_low']:.2f} to {a['spearman_high']:.2f})"
            )
            means = ", ".join(
                f"{label} {a[f'mean_{label.lower()}']:.1f} (n={a[f'n_{label.lower()}']:,})"
                for label in ("E0", "E2", "E1")
                if a[f"mean_{label.lower()}"] is not None
            )
            who = "people's" if a["labeller"] == "human" else "GPT-4's"
            click.echo(
                f"run {a['run_id']} against {who} GPTs-are-GPTs labels over {a['n']:,} tasks: Spearman {rho}; mean score by label {means}"
            )
    if db["run_agreement"].exists():
        for a in db.query("select * from run_agreement order by criterion, run_a, run_b"):
            if a["run_a"] in ids and a["run_b"] in ids:
                rho = "n/a" if a["spearman"] is None else f"{a['spearman']:.2f}"
                kappa = "n/a" if a["kappa"] is None else f"{a['kappa']:.2f}"
                click.echo(
                    f"runs {a['run_a']} and {a['run_b']} ({a['criterion']}, {a['n']} occupations): Spearman {rho}, "
                    f"{a['within_one']:.0%} within one point, weighted kappa {kappa}"
                )


@cli.command("consensus")
@click.option("--criterion", "name", required=True, help="Criterion name.")
@click.option("--run", "run_ids", multiple=True, type=int, help="Only these complete runs (repeatable; default: all of them).")
@click.option("--use", "make_current", is_flag=True, help="Make the consensus the current run (the layer the site shows).")
@db_option()
@criteria_dir_option
def consensus_command(name: str, run_ids: tuple[int, ...], make_current: bool, db_path: str, criteria_dir: str) -> None:
    """Store the median of a criterion's complete runs as a run of its own.

    A complete run is the newest run of a model, sample or source that covers
    every occupation with a job count. Each occupation's consensus score is
    the median of their scores, its rationale lists them. Nothing is called
    and nothing is paid; the same runs with the same scores make no new run.

    Example:

        python -m score consensus --criterion ai_exposure --use
    """
    criterion = load_criterion(name, criteria_dir)
    with writing(db_path, "python -m score consensus"):
        db = open_db(db_path)
        store.save_criterion(db, criterion)
        try:
            run_id, made = consensus.store_median(db, criterion, set(run_ids))
        except consensus.ConsensusError as exc:
            raise click.ClickException(str(exc)) from None
        if make_current:
            store.set_current(db, run_id)
            click.echo(AGREEMENT_HINT, err=True)
    source = db.table("runs").get(run_id)["source"]
    state = " (now the current run)" if make_current else ""
    click.echo(f"run {run_id}: the {source}{state}" if made else f"run {run_id} is already the {source}{state}")


@cli.command()
@click.argument("run_id", type=int)
@db_option()
def use(run_id: int, db_path: str) -> None:
    """Make RUN_ID the current run of its criterion (the one the site shows)."""
    with writing(db_path, "python -m score use"):
        db = open_db(db_path, current_runs=False)
        try:
            name = store.set_current(db, run_id)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"run {run_id} is now the current {name} run")
    click.echo(AGREEMENT_HINT, err=True)


def main() -> None:
    """``python -m score``: the commands as Click runs them, except that
    Ctrl-C outside a run (a run says itself what it saved) is one line and
    exit 130, as inside one."""
    try:
        code = cli.main(standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (click.Abort, KeyboardInterrupt):
        interrupted()
    except sqlite3.Error as exc:  # data.db damaged in a way store.check does not look for
        click.echo(f"Error: data.db cannot be used: {exc}", err=True)
        sys.exit(1)
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        sys.exit(1)  # the reader of our output went away (| head)
    sys.exit(code if isinstance(code, int) else 0)


def interrupted() -> None:
    """Ctrl-C before or between runs: nothing under way to save."""
    click.echo("interrupted", err=True)
    sys.exit(130)
