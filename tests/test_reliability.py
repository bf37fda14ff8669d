"""Reliability, third round (issue 23): every command that writes data.db is
safe beside a paying scorer. One writer at a time, whatever the stage; a
reader never makes a scorer lose a reply; a batch killed while it was being
sent is never paid for again and is adopted by its own model's run; runs on
different scales or levels are never mixed; Ctrl-C while the SDK loads is
one line. Real SQLite files, real processes and signals, the real SDK
against the fake Messages API."""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from conftest import ROOT, agree, count_rows, only, rows, saved, score, score_command, wait_until

from compare.cli import cli as compare_cli
from score import criteria, prices
from scrape.cli import main as scrape_cli
from space.cli import cli as space_cli

SOME = ["actuaries", "dentists", "roofers", "registered-nurses", "software-developers"]
OTHER_MODEL = next(m for m in ("claude-haiku-5-5", "claude-sonnet-5-5") if m != prices.default_model())


def start(fake, db_path, *args):
    """``score run --criterion ai_exposure ARGS`` in a process of its own, to hold the database, interrupt or kill."""
    return subprocess.Popen(
        score_command(db_path, *args),
        cwd=ROOT,
        env={**os.environ, **fake.env()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def hold_lock(db_path, command, seconds):
    """Another writer holding data.db's writer lock for ``seconds``, in a process of its own."""
    code = (
        "import sys, time\n"
        "from pipeline.lock import writer\n"
        "with writer(sys.argv[1], sys.argv[2]):\n"
        "    print('held', flush=True)\n"
        "    time.sleep(float(sys.argv[3]))\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(db_path), command, str(seconds)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "held"
    return process


def one_line(result):
    """What a command said, as one line (stdout and stderr together)."""
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


# 1. One writer at a time ------------------------------------------------------


def test_no_command_writes_beside_a_scorer_and_none_crashes_it(fake, db_path, tmp_path):
    fake.state.delay = 0.3
    scorer = start(fake, db_path, "--concurrency", "1")
    wait_until(lambda: saved(db_path) >= 1)
    busy = f"Error: another scorer is running on {db_path}; wait for it to finish (or stop it), then run again"
    scores = tmp_path / "scores.csv"
    scores.write_text("slug,score\nroofers,1\ndentists,2\n")
    in_process = {
        "score import": score(None, db_path, "import", str(scores), "--criterion", "ai_exposure", "--source", "Someone"),
        "score use": score(None, db_path, "use", "1"),
        "score consensus": score(None, db_path, "consensus", "--criterion", "ai_exposure"),
        "compare": CliRunner().invoke(compare_cli, ["--db", str(db_path)]),
        "space": CliRunner().invoke(space_cli, ["--db", str(db_path)]),
        "scrape": CliRunner().invoke(
            scrape_cli, ["--db", str(db_path), "--offline", "--cache", str(tmp_path / "cache"), "--only", "roofers"]
        ),
    }
    for command, result in in_process.items():
        assert (result.exit_code, one_line(result)) == (1, busy), command
    measures = subprocess.run(
        [sys.executable, "-m", "measures", "--db", str(db_path)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert (measures.returncode, measures.stdout + measures.stderr.strip()) == (1, busy)
    # None of them wrote: one run, no agreement, no new layout.
    assert [r["id"] for r in rows(db_path, "select id from runs order by id")] == [1]
    assert count_rows(db_path, "score_percentiles") == 0
    holder = json.loads(db_path.with_name("data.db.lock").read_text())  # the lock beside the database names its holder
    assert holder == {"pid": scorer.pid, "command": "python -m score run", "scorer": True}
    scorer.send_signal(signal.SIGINT)
    _, err = scorer.communicate(timeout=30)
    assert scorer.returncode == 130, err
    assert "locked" not in err and "Traceback" not in err
    assert saved(db_path) == len(fake.state.requests)  # every reply paid for is saved
    assert not os.path.exists(f"{db_path}.lock")  # let go and removed


def test_a_writer_waits_for_a_short_writer_then_goes_on(sample_path):
    db_path = sample_path
    other = hold_lock(db_path, "python -m compare", 1.5)
    began = time.monotonic()
    result = CliRunner().invoke(compare_cli, ["--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert time.monotonic() - began >= 1
    assert result.stderr.strip() == f"waiting up to 30 s for python -m compare (pid {other.pid}) to finish writing {db_path}"
    other.wait(timeout=10)


def test_a_writer_waits_only_so_long(db_path):
    other = hold_lock(db_path, "python -m measures", 30)
    try:
        began = time.monotonic()
        result = score(None, db_path, "use", "1", env={"WORKLENS_WRITE_WAIT": "0.5"})
        assert time.monotonic() - began < 10
        assert result.exit_code == 1
        assert result.output.strip().splitlines() == [
            f"waiting up to 0.5 s for python -m measures (pid {other.pid}) to finish writing {db_path}",
            f"Error: python -m measures (pid {other.pid}) is still writing {db_path} after 0.5 s; run again when it has finished",
        ]
        refused = score(None, db_path, "use", "1", env={"WORKLENS_WRITE_WAIT": "soon"})
        assert one_line(refused) == "Error: WORKLENS_WRITE_WAIT must be a number of seconds, 0 or more (it is 'soon')"
    finally:
        other.kill()
        other.wait()


def test_a_writer_killed_outright_leaves_nothing_in_the_way(sample_path):
    db_path = sample_path
    other = hold_lock(db_path, "python -m space", 30)
    other.kill()
    other.wait()
    assert os.path.exists(f"{db_path}.lock")  # left behind, unlocked
    result = CliRunner().invoke(compare_cli, ["--db", str(db_path)])
    assert result.exit_code == 0 and "waiting" not in result.output, result.output
    assert not os.path.exists(f"{db_path}.lock")


def test_a_reader_holding_the_database_does_not_cost_a_scorer_a_reply(fake, db_path):
    fake.state.delay = 0.2
    scorer = start(fake, db_path, *only(*SOME), "--concurrency", "1")
    wait_until(lambda: saved(db_path) >= 1)
    # A reader (a build, a Datasette query) keeps a read transaction open for
    # longer than SQLite's default 5 s wait: the scorer's next save waits for it.
    reader = sqlite3.connect(db_path, isolation_level=None)
    reader.execute("begin")
    assert reader.execute("select count(*) from occupations").fetchone()[0] > 300
    time.sleep(6.5)
    assert reader.execute("select count(*) from scores").fetchone()[0] >= 1  # reading goes on meanwhile
    reader.execute("commit")
    reader.close()
    out, err = scorer.communicate(timeout=60)
    assert scorer.returncode == 0, err
    assert "run 1 complete: 5 scored" in out and "locked" not in err
    assert saved(db_path) == 5 == len(fake.state.requests)


# 2. Batches -------------------------------------------------------------------


def kill_while_sending(fake, db_path, *args):
    """A --batch run killed after the API made its batch, before it heard back."""
    made = fake.state.batch_creations
    fake.state.batch_faults.append("slow")  # the batch is made; the reply is late
    process = start(fake, db_path, *only(*SOME), "--batch", "--poll-interval", "0", *args)
    wait_until(lambda: fake.state.batch_creations == made + 1)
    process.kill()
    process.wait()


def test_a_plain_run_never_scores_what_waits_in_a_batch_being_sent(fake, db_path):
    fake.state.polls_until_ended = 0
    kill_while_sending(fake, db_path)
    assert rows(db_path, "select status from batches") == [{"status": "submitting"}]
    plain = score(fake, db_path, "run", "--criterion", "ai_exposure", *only(*SOME))
    assert plain.exit_code == 0, plain.output
    assert "5 more wait in a batch already sent: add --batch to collect it" in plain.stdout
    assert fake.state.requests == [] and saved(db_path) == 0
    collected = score(fake, db_path, "run", "--criterion", "ai_exposure", *only(*SOME), "--batch", "--poll-interval", "0")
    assert collected.exit_code == 0, collected.output
    assert fake.state.batch_creations == 1 and saved(db_path) == 5


def test_batches_killed_while_being_sent_are_each_adopted_by_their_own_model(fake, db_path):
    fake.state.polls_until_ended = 0
    models = [prices.default_model(), OTHER_MODEL]
    for model in models:  # two batches of the same size, made seconds apart
        kill_while_sending(fake, db_path, "--model", model)
    for model in models:
        result = score(
            fake, db_path, "run", "--criterion", "ai_exposure", *only(*SOME), "--batch", "--poll-interval", "0", "--model", model
        )
        assert result.exit_code == 0, result.output
        assert "found batch" in result.stderr
    assert fake.state.batch_creations == 2  # neither paid for twice
    adopted = rows(db_path, "select b.id, r.model from batches b join runs r on r.id = b.run_id order by b.id")
    assert [a["model"] for a in adopted] == models
    for a in adopted:  # each batch was sent for the model whose run took it
        assert {r["params"]["model"] for r in fake.state.batches[a["id"]]["requests"]} == {a["model"]}
    # Every score is filed under the model that made it, at that model's price.
    for model in models:
        filed = rows(db_path, "select s.slug, s.cost_usd from scores s join runs r on r.id = s.run_id where r.model = ?", [model])
        assert sorted(f["slug"] for f in filed) == sorted(SOME)
    cheap, dear = (rows(db_path, "select sum(cost_usd) as c from runs where model = ?", [m])[0]["c"] for m in models)
    assert cheap != dear


def test_batch_request_ids_fit_the_api(fake, db_path):
    from score import store

    longest = rows(db_path, "select slug from occupations order by length(slug) desc limit 1")[0]["slug"]
    assert len(longest) > 64  # too long to be a request id itself
    made = store.custom_id("config", 1, "2026-01-01T00:00:00+00:00", longest)
    assert len(made) <= 64 and made.startswith(longest[:40]) and made.replace("-", "").isalnum()
    assert made != store.custom_id("another config", 1, "2026-01-01T00:00:00+00:00", longest)
    # The fake API refuses an id the real one would (1 to 64 letters, digits, - or _): a batch with that occupation goes through.
    result = score(
        fake, db_path, "run", "--criterion", "ai_exposure", *only(longest, "roofers"), "--batch", "--poll-interval", "0"
    )
    assert result.exit_code == 0, result.output
    assert sorted(r["slug"] for r in rows(db_path, "select slug from scores")) == sorted([longest, "roofers"])


# 3. Scales and levels ---------------------------------------------------------


def narrowed(tmp_path):
    """A criteria folder whose ai_exposure runs 0 to 5 (its first three tiers), and the folder as it was."""
    wide, narrow = tmp_path / "wide", tmp_path / "narrow"
    wide.mkdir()
    narrow.mkdir()
    shutil.copy(criteria.DEFAULT_DIR / "ai_exposure.md", wide)
    text = (wide / "ai_exposure.md").read_text()
    _, header, rubric = text.split("+++\n", 2)
    header = header.replace("max = 10\n", "max = 5\n", 1)
    header = header[: header.index('[[tiers]]\nname = "high"')]
    (narrow / "ai_exposure.md").write_text(f"+++\n{header}+++\n{rubric}")
    assert criteria.load("ai_exposure", narrow).max == 5
    return wide, narrow


def test_a_narrowed_scale_crashes_no_command(fake, sample_path, tmp_path):
    db_path = sample_path
    wide, narrow = narrowed(tmp_path)
    two = ["--model", prices.default_model(), "--model", OTHER_MODEL]
    assert score(fake, db_path, "run", "--criterion", "ai_exposure", *two, "--criteria-dir", str(wide)).exit_code == 0
    rerun = score(fake, db_path, "run", "--criterion", "ai_exposure", "--model", OTHER_MODEL, "--criteria-dir", str(narrow))
    assert rerun.exit_code == 0 and "run 3 complete" in rerun.output, rerun.output
    used = score(None, db_path, "use", "1")
    assert used.exit_code == 0 and used.stdout.strip() == "run 1 is now the current ai_exposure run"
    made = score(
        None, db_path, "consensus", "--criterion", "ai_exposure", "--run", "1", "--run", "2", "--criteria-dir", str(narrow)
    )
    assert made.exit_code == 0 and made.output.strip() == "run 4: the median of runs 1, 2", made.output
    # The median of two runs on 0 to 10 is on 0 to 10, whatever the file says now.
    assert json.loads(rows(db_path, "select scale from runs where id = 4")[0]["scale"])["max"] == 10
    compared = CliRunner().invoke(compare_cli, ["--db", str(db_path)])
    assert compared.exit_code == 0, compared.output
    pairs = rows(db_path, "select run_a, run_b, kappa from run_agreement")
    assert [(p["run_a"], p["run_b"]) for p in pairs] == [(1, 2)]  # run 3 is on another scale
    assert pairs[0]["kappa"] is not None


def test_consensus_never_mixes_scales_or_levels(fake, sample_path, tmp_path):
    db_path = sample_path
    wide, narrow = narrowed(tmp_path)
    assert score(fake, db_path, "run", "--criterion", "ai_exposure", "--criteria-dir", str(wide)).exit_code == 0
    for level in ("occupation", "task"):
        ran = score(fake, db_path, "run", "--criterion", "ai_exposure", "--criteria-dir", str(narrow), "--level", level)
        assert ran.exit_code == 0, ran.output
    mixed = score(
        None, db_path, "consensus", "--criterion", "ai_exposure", "--run", "1", "--run", "2", "--criteria-dir", str(narrow)
    )
    assert (mixed.exit_code, one_line(mixed)) == (
        1,
        "Error: a median would mix scales (run 1 on a scale of 0 to 10; run 2 on a scale of 0 to 5): "
        "choose runs on one scale with --run",
    )
    levels = score(
        None, db_path, "consensus", "--criterion", "ai_exposure", "--run", "2", "--run", "3", "--criteria-dir", str(narrow)
    )
    assert (levels.exit_code, one_line(levels)) == (
        1,
        "Error: a median would mix levels (run 2 at occupation level; run 3 at task level): choose runs of one level with --run",
    )
    everything = score(None, db_path, "consensus", "--criterion", "ai_exposure", "--criteria-dir", str(narrow))
    assert everything.exit_code == 1 and "a median would mix scales" in everything.output
    assert [r["id"] for r in rows(db_path, "select id from runs order by id")] == [1, 2, 3]  # no consensus stored


def test_compare_survives_runs_whose_scores_are_all_equal(sample_path, tmp_path):
    db_path = sample_path
    slugs = [r["slug"] for r in rows(db_path, "select slug from occupations where jobs is not null")]
    for source in ("Everyone five", "Everyone five again"):
        csv = tmp_path / f"{source}.csv"
        csv.write_text("slug,score\n" + "".join(f"{s},5\n" for s in slugs))
        assert score(None, db_path, "import", str(csv), "--criterion", "ai_exposure", "--source", source).exit_code == 0
    result = agree(db_path)
    assert "ai_exposure ~ " in result.output and "Spearman n/a over" in result.output
    pair = rows(db_path, "select * from run_agreement")
    assert [(p["spearman"], p["within_one"], p["kappa"]) for p in pair] == [(None, 1.0, None)]
    assert {p["percentile"] for p in rows(db_path, "select percentile from score_percentiles")} == {50.0}


# 4. Ctrl-C while the SDK loads --------------------------------------------------


@pytest.mark.parametrize("after", [0.3, 0.6, 0.9])
def test_ctrl_c_while_the_sdk_loads_is_one_line(db_path, after):
    process = subprocess.Popen(
        [sys.executable, "-m", "score", "run", "--criterion", "ai_exposure", "--dry-run", "--db", str(db_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(after)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert (process.returncode, err.strip(), out) == (130, "interrupted", "")
