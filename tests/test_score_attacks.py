"""The scorer under attack: Ctrl-C, SIGKILL, a second scorer, batches lost,
cut short or sent twice, a bad key, an API that cannot be reached, criterion
files that would crash or exhaust memory, and databases it must not write.
Every test here reproduces a way a run used to lose work or pay twice."""

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
import sqlite_utils
from click.testing import CliRunner
from conftest import ROOT, free_port, only, rows, saved, score, score_command, wait_until
from fake_anthropic import API_KEY as FAKE_KEY

from score import prices
from score.cli import cli

SOME = ["actuaries", "dentists", "roofers", "registered-nurses", "software-developers"]


def start(fake, db_path, *args, env=None):
    """A scorer in a process of its own, to interrupt, kill or hold the database."""
    environment = {**os.environ, **fake.env(), **(env or {})}
    return subprocess.Popen(
        score_command(db_path, *args), cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(fake, db_path, *args):
    """The run a user starts next, in this process: ``python -m score run --criterion ai_exposure ARGS``."""
    return score(fake, db_path, "run", "--criterion", "ai_exposure", *args)


def test_ctrl_c_saves_every_reply_already_paid_for(fake, db_path):
    fake.state.delay = 0.4
    process = start(fake, db_path, "--concurrency", "8")
    wait_until(lambda: saved(db_path) >= 8)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert "saving the" in err and "Traceback" not in err
    # Every request the API answered is a saved score: none was thrown away.
    answered = len(fake.state.requests)
    assert saved(db_path) == answered, err
    assert rows(db_path, "select status from runs")[0]["status"] == "interrupted"
    fake.state.delay = 0
    fake.state.requests.clear()
    assert finish(fake, db_path).exit_code == 0
    assert len(fake.state.requests) == 341 - answered  # nothing asked twice


def test_ctrl_c_during_a_back_off_stops_at_once(fake, db_path):
    fake.state.fault(*["529-long"] * 20)
    process = start(fake, db_path, *only("roofers", "dentists"), "--concurrency", "2")
    wait_until(lambda: len(fake.state.requests) >= 2)
    time.sleep(0.3)
    asked = len(fake.state.requests)
    stopped = time.monotonic()
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=30)
    # Retry-After said 30 s; the stop does not wait it out, nor retry after.
    assert time.monotonic() - stopped < 10
    assert process.returncode == 130
    time.sleep(1)
    assert len(fake.state.requests) == asked


def test_a_killed_run_is_closed_by_the_next(fake, db_path):
    fake.state.delay = 0.3
    process = start(fake, db_path, "--concurrency", "2")
    wait_until(lambda: saved(db_path) >= 2)
    process.kill()
    process.wait()
    assert rows(db_path, "select status from runs")[0]["status"] == "running"
    fake.state.delay = 0
    result = finish(fake, db_path, *only(*SOME))
    assert "run 1 was killed midway" in result.stderr
    assert [r["status"] for r in rows(db_path, "select status from runs order by id")] == ["killed", "complete"]


def test_a_second_scorer_on_the_same_database_stops_at_once(fake, db_path):
    fake.state.delay = 0.3
    first = start(fake, db_path, "--concurrency", "1")
    wait_until(lambda: saved(db_path) >= 1)
    other = next(m for m in prices.table()["models"] if m != prices.default_model())
    second = finish(fake, db_path, "--concurrency", "8", "--model", other)
    assert second.exit_code == 1
    assert (
        second.stderr.strip()
        == f"Error: another scorer is running on {db_path}; wait for it to finish (or stop it), then run again"
    )
    assert {r["model"] for r in fake.state.requests} == {prices.default_model()}  # the second asked nothing
    first.send_signal(signal.SIGINT)
    first.communicate(timeout=30)
    assert len(rows(db_path, "select * from runs")) == 1


def test_killed_while_sending_a_batch_finds_it_again(fake, db_path):
    fake.state.batch_faults.append("slow")  # the batch is made; the reply is late
    fake.state.polls_until_ended = 0
    process = start(fake, db_path, *only(*SOME), "--batch", "--poll-interval", "0")
    wait_until(lambda: fake.state.batch_creations == 1)
    assert rows(db_path, "select status from batches") == [{"status": "submitting"}]
    process.kill()
    process.wait()
    result = finish(fake, db_path, *only(*SOME), "--batch", "--poll-interval", "0")
    assert result.exit_code == 0, result.output
    assert "found batch msgbatch_fake_0001" in result.stderr
    assert fake.state.batch_creations == 1  # not paid for twice
    assert fake.state.results_downloads == 1  # read once to recognise it, and those results saved
    assert saved(db_path) == 5


def test_a_batch_record_that_never_reached_the_api_is_dropped(fake, db_path):
    # As left by a run killed after recording the batch, before sending it.
    db = sqlite_utils.Database(db_path)
    from score import store

    store.ensure(db)
    db["criteria"].insert(
        {
            "name": "ai_exposure",
            "title": "t",
            "description": "d",
            "unit": "u",
            "min": 0,
            "max": 10,
            "colors": "viridis",
            "tiers": "[]",
            "rubric": "r",
        }
    )
    db.execute(
        "insert into runs (id, criterion, kind, prompt_hash, config, started, status) values (1, 'ai_exposure', 'model', 'x', 'x', '2026-01-01', 'killed')"
    )
    db.conn.commit()
    fake.state.polls_until_ended = 0
    plan = score(None, db_path, "run", "--criterion", "ai_exposure", *only(*SOME), "--batch", "--dry-run")
    assert plan.exit_code == 0, plan.output
    from score import criteria, planning, prices

    the_plan = planning.plan(
        db, criteria.load("ai_exposure"), prices.default_model(), prices.price(prices.default_model()), only=SOME
    )
    store.batch_submitting(db, 1, the_plan.config, [job.sent() for job in the_plan.jobs])
    result = finish(fake, db_path, *only(*SOME), "--batch", "--poll-interval", "0")
    assert result.exit_code == 0, result.output
    assert "never reached the API" in result.stderr
    assert fake.state.batch_creations == 1 and saved(db_path) == 5


def test_no_ordinary_run_pays_for_what_waits_in_a_batch(fake, db_path):
    fake.state.polls_until_ended = 10**6
    sent = finish(fake, db_path, *only(*SOME), "--batch", "--no-wait")
    assert sent.exit_code == 0, sent.stderr
    assert "run 1 submitted" in sent.stdout
    result = finish(fake, db_path, *only(*SOME))
    assert result.exit_code == 0
    assert "5 more wait in a batch already sent" in result.stdout
    assert fake.state.requests == []
    fake.state.polls_until_ended = 0
    assert finish(fake, db_path, *only(*SOME), "--batch", "--poll-interval", "0").exit_code == 0
    assert saved(db_path) == 5 and fake.state.batch_creations == 1


def test_a_results_download_cut_short_is_collected_once(fake, db_path):
    fake.state.polls_until_ended = 0
    # Sent, checked, checked again by the SDK for the results' address, then the results drop after two.
    fake.state.batch_faults.extend([None, None, None, "cut"])
    first = finish(fake, db_path, *only(*SOME), "--batch", "--poll-interval", "0")
    assert first.exit_code == 3, first.stderr  # partial: some saved
    assert "were cut short" in first.stderr.strip().splitlines()[-1]
    assert 0 < saved(db_path) < 5
    second = finish(fake, db_path, *only(*SOME), "--batch", "--poll-interval", "0")
    assert second.exit_code == 0, second.stderr
    assert saved(db_path) == 5
    assert rows(db_path, "select count(*) as n from scores")[0]["n"] == 5
    spent = rows(db_path, "select sum(cost_usd) as c from runs")[0]["c"]
    probes = sum(json.loads(r["capabilities"])["probe"]["cost_usd"] for r in rows(db_path, "select capabilities from runs"))
    assert spent == pytest.approx(rows(db_path, "select sum(cost_usd) as c from scores")[0]["c"] + probes)


def test_a_529_while_polling_is_retried(fake, db_path):
    fake.state.polls_until_ended = 1
    fake.state.batch_faults.extend([None, "529", "529"])
    result = finish(fake, db_path, *only(*SOME), "--batch", "--poll-interval", "0")
    assert result.exit_code == 0, result.output
    assert "HTTP 529 checking batch msgbatch_fake_0001; retrying" in result.stderr
    assert saved(db_path) == 5


def test_a_batch_the_api_forgot_is_marked_lost_and_planned_again(fake, db_path):
    fake.state.polls_until_ended = 10**6
    assert finish(fake, db_path, *only(*SOME), "--batch", "--no-wait").exit_code == 0
    fake.state.batches.clear()
    lost = finish(fake, db_path, *only(*SOME), "--batch", "--poll-interval", "0")
    assert lost.exit_code == 1
    assert "msgbatch_fake_0001 is not known to the API any more" in lost.stderr
    assert rows(db_path, "select status from batches") == [{"status": "lost"}]
    fake.state.polls_until_ended = 0
    again = finish(fake, db_path, *only(*SOME), "--batch", "--poll-interval", "0")
    assert again.exit_code == 0, again.stderr
    assert fake.state.batch_creations == 2 and saved(db_path) == 5


def test_a_key_with_a_trailing_newline_works_and_a_mangled_one_is_refused(fake, db_path):
    key = fake.env()["ANTHROPIC_API_KEY"]
    assert (
        score(
            fake, db_path, "run", "--criterion", "ai_exposure", *only("roofers"), env={"ANTHROPIC_API_KEY": key + "\n"}
        ).exit_code
        == 0
    )
    result = score(
        fake, db_path, "run", "--criterion", "ai_exposure", *only("dentists"), env={"ANTHROPIC_API_KEY": key[:5] + " " + key[5:]}
    )
    assert result.exit_code == 1
    assert result.output.strip() == "Error: ANTHROPIC_API_KEY contains spaces or control characters; paste the key again"


def test_an_unreachable_api_is_one_line_before_any_run(db_path):
    started = time.monotonic()
    result = score(
        None,
        db_path,
        "run",
        "--criterion",
        "ai_exposure",
        *only(*SOME),
        env={"ANTHROPIC_API_KEY": "k", "ANTHROPIC_BASE_URL": "http://127.0.0.1:9"},
    )
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].startswith("Error: the API could not be reached")
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < 60
    assert rows(db_path, "select * from runs") == []


def test_an_api_that_goes_away_midway_stops_the_run(db_path):
    port = free_port()
    api = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fake_anthropic.py"), "--port", str(port), "--delay", "0.2"],
        stdout=subprocess.PIPE,
        text=True,
    )
    api.stdout.readline()  # listening
    env = {**os.environ, "ANTHROPIC_API_KEY": FAKE_KEY, "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{port}"}
    process = subprocess.Popen(score_command(db_path, "--concurrency", "4"), cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    wait_until(lambda: saved(db_path) >= 4)
    api.kill()
    api.wait()
    _, err = process.communicate(timeout=120)
    assert process.returncode == 3
    assert re.search(r"could not be reached \d+ times in a row", err)
    assert rows(db_path, "select status from runs")[0]["status"] == "failed"


def test_a_complete_model_run_replaces_an_import_of_every_page(fake, db_path, tmp_path):
    everything = tmp_path / "all.csv"
    slugs = [r["slug"] for r in rows(db_path, "select slug from occupations")]
    assert len(slugs) == 342  # Military Careers too, which has no job count to score
    everything.write_text("slug,score\n" + "".join(f"{s},5\n" for s in slugs))
    assert score(None, db_path, "import", str(everything), "--criterion", "ai_exposure", "--source", "a test file").exit_code == 0
    result = score(fake, db_path, "run", "--criterion", "ai_exposure")
    assert result.exit_code == 0, result.output
    assert rows(db_path, "select current_run from criteria")[0]["current_run"] == 2


def test_runs_and_dry_run_write_nothing(db_path, tmp_path):
    fresh = tmp_path / "scraped.db"
    db = sqlite_utils.Database(fresh)
    source = sqlite_utils.Database(db_path)
    db["occupations"].insert_all(source.query("select * from occupations"), pk="slug")
    before = fresh.read_bytes()
    assert score(None, fresh, "runs").output.strip() == "no runs yet"
    result = score(None, fresh, "run", "--criterion", "ai_exposure", "--dry-run", env={"ANTHROPIC_API_KEY": None})
    assert result.exit_code == 0, result.output
    assert result.output.startswith("341 calls")
    assert fresh.read_bytes() == before


@pytest.mark.parametrize(
    "header, message",
    [
        ("max = 100000000", "the scale may have at most 101 points"),
        (None, "is not UTF-8"),
    ],
)
def test_criterion_files_that_would_crash_are_one_line(tmp_path, db_path, header, message):
    folder = tmp_path / "criteria"
    folder.mkdir()
    text = (ROOT / "score" / "criteria" / "ai_exposure.md").read_text()
    if header:
        text = text.replace("max = 10\n", header + "\n", 1).replace("max = 10\n", "max = 100000000\n")
        (folder / "ai_exposure.md").write_text(text)
    else:
        (folder / "ai_exposure.md").write_bytes(
            text.replace("+++\n", "+++\nCaf\u00e9 workers score low.\n", 2)
            .replace("+++\nCaf\u00e9 workers score low.\n", "+++\n", 1)
            .encode("latin-1", "replace")
        )
    result = CliRunner().invoke(cli, ["criteria", "--criteria-dir", str(folder)])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1 and message in result.output


# Files and databases that are not what the scorer wrote (issue 31) --------------


def test_an_import_of_a_json_list_of_numbers_is_one_line(db_path, tmp_path):
    numbers = tmp_path / "scores.json"
    numbers.write_text("[1, 2, 3]")
    result = score(None, db_path, "import", str(numbers), "--criterion", "ai_exposure", "--source", "a test")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: scores.json: item 1 is 1, not an object with a key and a score"
    assert rows(db_path, "select * from runs") == []


@pytest.mark.parametrize("value", ["true", "false"])
def test_a_json_true_is_not_a_score(db_path, tmp_path, value):
    scores = tmp_path / "scores.json"
    scores.write_text(f'{{"roofers": {value}, "actuaries": 4}}')
    result = score(None, db_path, "import", str(scores), "--criterion", "ai_exposure", "--source", "a test")
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: scores.json: row 2 (roofers): score {value} is not a number"
    assert rows(db_path, "select * from scores") == []


def test_an_import_does_not_silently_replace_a_recorded_source_url(db_path, tmp_path):
    scores = tmp_path / "scores.csv"
    scores.write_text("slug,score\nroofers,1\nactors,4\n")
    base = ["import", str(scores), "--criterion", "ai_exposure", "--source", "Example Lab, 2026"]
    assert score(None, db_path, *base, "--source-url", "https://example.org/first").exit_code == 0
    again = score(None, db_path, *base, "--source-url", "https://example.org/second")
    assert again.exit_code == 1
    assert again.output.strip() == (
        "Error: run 1 already links to https://example.org/first; add --replace-source-url to link it to https://example.org/second instead"
    )
    assert rows(db_path, "select source_url from runs") == [{"source_url": "https://example.org/first"}]
    replaced = score(None, db_path, *base, "--source-url", "https://example.org/second", "--replace-source-url")
    assert replaced.exit_code == 0 and "already imported as run 1" in replaced.output
    assert rows(db_path, "select source_url from runs") == [{"source_url": "https://example.org/second"}]


def tamper(path, sql):
    import sqlite3

    with sqlite3.connect(path) as conn:
        conn.execute(sql)
    conn.close()


@pytest.mark.parametrize(
    "sql, said",
    [
        ("update runs set label = cast(x'ff41' as text)", "runs.label holds text that is not UTF-8"),
        ("update prompts set system = cast(x'c328' as text)", "prompts.system holds text that is not UTF-8"),
        ("update runs set cost_usd = 'lots'", "runs.cost_usd holds 'lots' (row 1), not a number"),
        ("update criteria set current_run = 999", "the current run of ai_exposure is 999, not one of its runs"),
    ],
)
@pytest.mark.parametrize("command", ["runs", "use", "run", "import", "consensus"])
def test_a_tampered_database_is_one_line(fake, db_path, tmp_path, sql, said, command):
    reference = tmp_path / "scores.csv"
    reference.write_text("slug,score\nroofers,1\nactors,4\n")
    assert score(fake, db_path, "run", "--criterion", "ai_exposure", *only("roofers")).exit_code == 0
    tamper(db_path, sql)
    before = db_path.read_bytes()
    args = {
        "runs": ["runs"],
        "use": ["use", "1"],
        "run": ["run", "--criterion", "ai_exposure", *only("dentists")],
        "import": ["import", str(reference), "--criterion", "ai_exposure", "--source", "a test"],
        "consensus": ["consensus", "--criterion", "ai_exposure"],
    }[command]
    result = score(fake, db_path, *args)
    if command == "use" and "current run" in said:  # score use is how a wrong current run is set right
        assert result.exit_code == 0, result.output
        assert rows(db_path, "select current_run from criteria") == [{"current_run": 1}]
        return
    assert result.exit_code == 1, result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert result.output.startswith(f"Error: {db_path} cannot be used: {said}")
    assert db_path.read_bytes() == before  # nothing written


def test_runs_reads_a_database_of_an_older_schema(fake, db_path):
    assert score(fake, db_path, "run", "--criterion", "ai_exposure", *only("roofers")).exit_code == 0
    for column in ("label", "level", "sample", "source_url", "scale"):
        tamper(db_path, f"alter table runs drop column {column}")
    before = db_path.read_bytes()
    result = score(None, db_path, "runs")
    assert result.exit_code == 0, result.output
    assert re.match(rf"\*\s+1\s+ai_exposure\s+model\s+{re.escape(prices.default_model())}\s", result.output)
    assert db_path.read_bytes() == before  # read-only: brought up to date by the next command that writes
