"""The scorer end to end: the real anthropic SDK against the fake Messages API
on loopback, on a copy of the real data.db."""

import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import time

import pytest
import sqlite_utils
from click.testing import CliRunner
from conftest import ROOT, count_rows, need_reference, only, rows, saved, score, score_command, wait_until

from score import criteria, prices, prompt
from score.cli import cli

SOME = ["actuaries", "dentists", "roofers", "registered-nurses", "software-developers"]


def test_run_scores_and_records_provenance(fake, db_path):
    result = score(fake, db_path, "run", "--criterion", "ai_exposure", *only(*SOME))
    assert result.exit_code == 0, result.output
    assert "run 1 complete: 5 scored, 0 failed" in result.output
    run = rows(db_path, "select * from runs")[0]
    assert (run["criterion"], run["kind"], run["model"], run["status"]) == (
        "ai_exposure",
        "model",
        prices.default_model(),
        "complete",
    )
    assert run["input_tokens"] > 0 and run["output_tokens"] > 0
    price = prices.price(run["model"])
    assert run["cost_usd"] == pytest.approx(
        price.cost({"input_tokens": run["input_tokens"], "output_tokens": run["output_tokens"]})
    )
    scores = rows(db_path, "select * from scores order by slug")
    assert [s["slug"] for s in scores] == sorted(SOME)
    assert all(0 <= s["score"] <= 10 and s["rationale"] and s["input_hash"] for s in scores)
    assert rows(db_path, "select current_run from criteria where name = 'ai_exposure'")[0]["current_run"] == 1
    assert len(rows(db_path, "select * from current_scores")) == 5

    # What was sent: structured output with the scale as an enum, clean text,
    # no sampling parameters and no forced tool use.
    request = fake.state.requests[0]
    assert request["output_config"]["format"]["schema"]["properties"]["score"]["enum"] == list(range(11))
    assert not {"temperature", "top_p", "top_k", "tool_choice", "tools"} & set(request)
    assert request["messages"][0]["content"].startswith("Occupation: ")
    assert "<p>" not in request["messages"][0]["content"] and "<rubric>" in request["system"][0]["text"]


def test_missing_key_is_a_one_line_error_before_any_work(db_path):
    result = CliRunner(env={"ANTHROPIC_API_KEY": None}).invoke(cli, ["run", "--criterion", "ai_exposure", "--db", str(db_path)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: ANTHROPIC_API_KEY is not set: export your Anthropic API key, or add --dry-run to see the cost without calling the API"
    ]
    assert rows(db_path, "select * from runs") == []


def test_key_is_never_printed_or_stored(fake, db_path):
    # A model without a price, on a server that is not local, is refused before anything is asked.
    elsewhere = {"ANTHROPIC_BASE_URL": "https://api.anthropic.com"}
    result = score(
        fake, db_path, "run", "--criterion", "ai_exposure", *only("roofers"), "--model", "claude-no-such-model", env=elsewhere
    )
    assert result.exit_code == 1 and "no price for model" in result.output
    result = score(fake, db_path, "run", "--criterion", "ai_exposure", *only("roofers"))
    key = fake.env()["ANTHROPIC_API_KEY"]
    assert result.exit_code == 0 and key not in result.output
    assert key.encode() not in db_path.read_bytes()
    wrong = "sk-ant-wrong-and-secret"
    result = score(fake, db_path, "run", "--criterion", "ai_exposure", *only("dentists"), env={"ANTHROPIC_API_KEY": wrong})
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        "Error: the API refused ANTHROPIC_API_KEY (the API answered HTTP 401 to a token count: invalid API key); nothing was spent"
    )
    assert len(rows(db_path, "select * from runs")) == 1  # checked before a run was started
    assert wrong not in result.output and wrong.encode() not in db_path.read_bytes()


def test_dry_run_spends_nothing(fake, db_path):
    result = score(
        fake,
        db_path,
        "run",
        "--criterion",
        "ai_exposure",
        "--dry-run",
        "--model",
        "claude-haiku-5-5",
        env={"ANTHROPIC_API_KEY": None},
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("341 calls to claude-haiku-5-5 for ai_exposure (0 already scored, skipped)")
    tokens = re.search(
        r"about ([\d,]+) input, median [\d,]+ a call, and ([\d,]+) output tokens; estimated cost \$([\d.]+)", result.output
    )
    # Priced call by call: at these lengths every token costs the short-prompt rate.
    price = prices.price("claude-haiku-5-5")
    expected = (
        price.cost({"input_tokens": 1000}) * int(tokens[1].replace(",", "")) / 1000
        + price.cost({"output_tokens": 1000}) * int(tokens[2].replace(",", "")) / 1000
    )
    assert float(tokens[3]) == pytest.approx(expected, abs=1e-4)
    assert fake.state.requests == [] and rows(db_path, "select * from runs") == []


def test_rerun_scores_only_what_is_stale(fake, db_path):
    assert score(fake, db_path, "run", "--criterion", "ai_exposure", *only(*SOME)).exit_code == 0
    fake.state.requests.clear()
    result = score(fake, db_path, "run", "--criterion", "ai_exposure", *only(*SOME))
    assert result.exit_code == 0
    assert "nothing to score" in result.output and fake.state.requests == []

    # A changed OOH page makes that occupation's score stale, and only that one.
    db = sqlite_utils.Database(db_path)
    db.execute("update occupations set what_they_do = what_they_do || ' They also test.' where slug = 'dentists'")
    db.conn.commit()
    result = score(fake, db_path, "run", "--criterion", "ai_exposure", *only(*SOME))
    assert "1 scored, 0 failed, 4 already scored" in result.output
    assert [r["messages"][0]["content"].splitlines()[0] for r in fake.state.requests] == ["Occupation: Dentists"]
    assert len(rows(db_path, "select * from current_scores")) == 5

    # --force scores everything again.
    fake.state.requests.clear()
    assert "5 scored" in score(fake, db_path, "run", "--criterion", "ai_exposure", *only(*SOME), "--force").output


def test_a_changed_rubric_rescores(fake, db_path, tmp_path):
    criteria = tmp_path / "criteria"
    shutil.copytree(ROOT / "score" / "criteria", criteria)
    assert (
        score(fake, db_path, "run", "--criterion", "ai_exposure", *only(*SOME[:3]), "--criteria-dir", str(criteria)).exit_code
        == 0
    )
    rubric = criteria / "ai_exposure.md"
    rubric.write_text(rubric.read_text() + "\nWeigh the most time-consuming tasks most.\n")
    fake.state.requests.clear()
    result = score(fake, db_path, "run", "--criterion", "ai_exposure", *only(*SOME[:3]), "--criteria-dir", str(criteria))
    assert "3 scored, 0 failed, 0 already scored" in result.output
    hashes = {r["prompt_hash"] for r in rows(db_path, "select prompt_hash from runs")}
    assert len(hashes) == 2
    assert "Weigh the most time-consuming" in rows(db_path, "select rubric from criteria")[0]["rubric"]


@pytest.mark.parametrize(
    "fault, retry_after, retry_wait, said",
    [
        # The server's Retry-After wins over --retry-wait: the one test that waits for a retry in real time.
        ("429", "1", "0.01", "HTTP 429; retrying in 1s"),
        # Without one, the first retry waits --retry-wait, 1 s unless it is given.
        ("529", None, "0.01", "HTTP 529; retrying in 0.01s"),
        ("500", None, "0.01", "HTTP 500; retrying in 0.01s"),
    ],
)
def test_rate_limits_and_server_errors_are_retried(fake, db_path, fault, retry_after, retry_wait, said):
    fake.state.retry_after = retry_after
    fake.state.fault(fault)
    started = time.monotonic()
    result = score(
        fake, db_path, "run", "--criterion", "ai_exposure", *only("roofers"), "--concurrency", "1", "--retry-wait", retry_wait
    )
    assert result.exit_code == 0, result.output
    assert said in result.output
    assert len(fake.state.requests) == 2 and len(rows(db_path, "select * from scores")) == 1
    if retry_after:
        assert time.monotonic() - started >= float(retry_after)
    assert {p.name: p.default for p in cli.commands["run"].params}["retry_wait"] == 1.0


def test_slow_reply_past_the_timeout_is_retried(fake, db_path):
    fake.state.fault("slow")
    result = score(fake, db_path, "run", "--criterion", "ai_exposure", *only("roofers"), "--timeout", "0.5")
    assert result.exit_code == 0, result.output
    assert "timed out; retrying" in result.output


@pytest.mark.parametrize("fault", ["malformed", "out_of_range", "max_tokens"])
def test_an_invalid_reply_is_retried_once(fake, db_path, fault):
    fake.state.fault(fault)
    result = score(fake, db_path, "run", "--criterion", "ai_exposure", *only("roofers"))
    assert result.exit_code == 0, result.output
    assert "retrying once" in result.output
    assert len(fake.state.requests) == 2 and len(rows(db_path, "select * from scores")) == 1


@pytest.mark.parametrize(
    "fault,reason",
    [
        ("malformed", "reply is not JSON"),
        ("out_of_range", "score 15 is outside 0-10"),
        ("max_tokens", "reply cut off at max_tokens"),
    ],
)
def test_an_invalid_reply_twice_is_a_failure_never_a_score(fake, db_path, fault, reason):
    fake.state.fault(fault, fault)
    result = score(fake, db_path, "run", "--criterion", "ai_exposure", *only("roofers", "dentists"), "--concurrency", "1")
    assert result.exit_code == 3  # partial: some saved, some not
    assert "1 scored, 1 failed" in result.output
    failure = rows(db_path, "select * from score_failures")[0]
    assert failure["error"] == f"invalid reply: {reason}"
    assert failure["slug"] not in {s["slug"] for s in rows(db_path, "select slug from scores")}
    assert rows(db_path, "select status from runs")[0]["status"] == "partial"
    # The failed occupation is what the next run picks up.
    fake.state.requests.clear()
    assert (
        "1 scored, 0 failed, 1 already scored"
        in score(fake, db_path, "run", "--criterion", "ai_exposure", *only("roofers", "dentists")).output
    )


def test_budget_stops_before_it_is_exceeded(fake, db_path):
    result = score(fake, db_path, "run", "--criterion", "ai_exposure", "--max-cost", "0.05", "--concurrency", "4")
    assert result.exit_code == 3
    assert "stopped before exceeding the budget of $0.05" in result.output
    run = rows(db_path, "select * from runs")[0]
    assert run["status"] == "budget"
    assert 0 < run["scored"] < 341
    assert run["cost_usd"] <= 0.05


def test_a_budget_too_small_for_the_probe_is_refused_before_anything_is_sent(fake, db_path):
    result = score(fake, db_path, "run", "--criterion", "ai_exposure", "--max-cost", "0.0001")
    assert result.exit_code != 0
    assert "the budget of $0.0001 is less than" in result.output and "nothing was sent" in result.output
    assert fake.state.probes == [] and fake.state.requests == [] and fake.state.token_counts == 0
    assert rows(db_path, "select count(*) as n from runs")[0]["n"] == 0


def test_killed_midway_and_resumed(fake, db_path):
    fake.state.delay = 0.2
    env = {**os.environ, **fake.env()}
    process = subprocess.Popen(
        score_command(db_path), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    wait_until(lambda: saved(db_path) >= 6)
    process.send_signal(signal.SIGINT)
    output = process.communicate(timeout=30)[0]
    assert process.returncode != 0
    done = saved(db_path)
    assert 6 <= done < 341, output
    run = rows(db_path, "select * from runs")[0]
    assert run["status"] == "interrupted" and run["scored"] == done

    fake.state.delay = 0
    fake.state.requests.clear()
    finished = score(fake, db_path, "run", "--criterion", "ai_exposure")  # the same command again
    assert finished.exit_code == 0, finished.output
    assert f"{341 - done} scored, 0 failed, {done} already scored" in finished.stdout
    assert len(fake.state.requests) == 341 - done
    assert len(rows(db_path, "select distinct slug from scores")) == 341


def test_batch_mode_scores_at_half_price(fake, db_path):
    result = score(fake, db_path, "run", "--criterion", "ai_exposure", *only(*SOME), "--batch", "--poll-interval", "0")
    assert result.exit_code == 0, result.output
    assert "submitted batch msgbatch_fake_0001 with 5 requests" in result.output
    assert fake.state.requests == []  # nothing went through the ordinary endpoint
    run = rows(db_path, "select * from runs")[0]
    assert run["batch"] == 1 and run["scored"] == 5
    price = prices.price(run["model"])
    # The probe, before the batch, is an ordinary call at the full price.
    probe = json.loads(run["capabilities"])["probe"]
    assert probe["cost_usd"] == pytest.approx(price.cost(probe)) and probe["input_tokens"] > 0
    batched = {key: run[key] - probe[key] for key in ("input_tokens", "output_tokens")}
    assert run["cost_usd"] - probe["cost_usd"] == pytest.approx(price.cost(batched) / 2)
    assert rows(db_path, "select status from batches") == [{"status": "collected"}]


def test_batch_interrupted_while_polling_resumes_the_same_batch(fake, db_path):
    fake.state.polls_until_ended = 10**6
    args = ("--batch", "--poll-interval", "0.05", *only(*SOME))
    env = {**os.environ, **fake.env()}
    process = subprocess.Popen(
        score_command(db_path, *args), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    wait_until(lambda: count_rows(db_path, "batches") > 0)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=30)
    assert rows(db_path, "select status from batches") == [{"status": "submitted"}]
    assert saved(db_path) == 0

    fake.state.polls_until_ended = 0
    finished = score(fake, db_path, "run", "--criterion", "ai_exposure", *args)  # the same command again
    assert finished.exit_code == 0, finished.output
    assert "resuming batch msgbatch_fake_0001" in finished.stderr
    assert fake.state.batch_creations == 1
    assert saved(db_path) == 5
    assert rows(db_path, "select status from batches") == [{"status": "collected"}]


def test_import_reference_scores_as_the_current_run(db_path):
    reference = need_reference("karpathy-jobs-ai-exposure.csv")
    result = score(
        None, db_path, "import", str(reference), "--criterion", "ai_exposure", "--source", "karpathy/jobs, Gemini 3 Flash, 2026"
    )
    assert result.exit_code == 0, result.output
    assert "imported 342 ai_exposure scores" in result.output and "now the current run" in result.output
    means = rows(
        db_path,
        """
        select avg(score) as plain, sum(score * jobs) * 1.0 / sum(jobs) as weighted
        from current_scores join occupations using (slug) where jobs is not null""",
    )[0]
    assert round(means["plain"], 1) == 5.3 and round(means["weighted"], 1) == 4.9
    again = score(
        None, db_path, "import", str(reference), "--criterion", "ai_exposure", "--source", "karpathy/jobs, Gemini 3 Flash, 2026"
    )
    assert again.output.strip() == "already imported as run 1"


def test_import_by_soc_code_round_trips_the_reference_scores(db_path, tmp_path):
    """Spread the published slug scores onto each occupation's SOC codes, import
    them by SOC, and get the same scores back: exactly where an occupation has
    one SOC code, as an employment-weighted mean where codes are shared."""
    reference = need_reference("karpathy-jobs-ai-exposure.csv")
    import csv

    by_slug = {r["slug"]: int(r["score"]) for r in csv.DictReader(reference.open())}
    soc_rows = rows(db_path, "select slug, soc_code from projections where soc_code is not null")
    shared = {}
    for r in soc_rows:
        shared.setdefault(r["soc_code"], set()).add(r["slug"])
    socs = tmp_path / "soc.csv"
    with socs.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["soc_code", "score"])
        for soc, slugs in sorted(shared.items()):
            if len(slugs) == 1:
                writer.writerow([soc, by_slug[next(iter(slugs))]])
    result = score(
        None,
        db_path,
        "import",
        str(socs),
        "--criterion",
        "ai_exposure",
        "--source",
        "test: reference scores by SOC",
        "--key",
        "soc",
    )
    assert result.exit_code == 0, result.output
    imported = {r["slug"]: r["score"] for r in rows(db_path, "select slug, score from scores")}
    assert len(imported) > 300
    assert all(imported[slug] == by_slug[slug] for slug in imported)


def test_import_rejects_bad_files_with_one_line(db_path, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("slug,score\nroofers,11\n")
    result = score(None, db_path, "import", str(bad), "--criterion", "ai_exposure", "--source", "test")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: bad.csv: row 2 (roofers): score 11 is outside 0-10"
    bad.write_text("slug,score\nastronauts,3\n")
    result = score(None, db_path, "import", str(bad), "--criterion", "ai_exposure", "--source", "test")
    assert result.output.strip() == "Error: bad.csv: 1 slugs are not in data.db: astronauts"
    assert rows(db_path, "select * from runs") == []


def test_a_trial_run_does_not_replace_a_complete_layer(fake, db_path):
    reference = need_reference("karpathy-jobs-ai-exposure.csv")
    score(
        None, db_path, "import", str(reference), "--criterion", "ai_exposure", "--source", "karpathy/jobs, Gemini 3 Flash, 2026"
    )
    assert score(fake, db_path, "run", "--criterion", "ai_exposure", *only(*SOME)).exit_code == 0
    assert rows(db_path, "select current_run from criteria")[0]["current_run"] == 1
    assert len(rows(db_path, "select * from current_scores")) == 342
    listing = score(None, db_path, "runs").output
    assert (
        "*   1  ai_exposure          import    karpathy/jobs" in listing and "    2  ai_exposure          model     " in listing
    )
    assert score(None, db_path, "use", "2").stdout.strip() == "run 2 is now the current ai_exposure run"
    assert len(rows(db_path, "select * from current_scores")) == 5


def test_prompt_text_is_trimmed_to_its_budget():
    row = {
        "title": "Testers",
        "jobs": 1000,
        "what_they_do": "Do things. " * 2000,
        "work_environment": "Work. " * 500,
        "how_to_become_one": "Learn. " * 500,
    }
    text = prompt.occupation_text(row, max_tokens=1000)
    assert prompt.estimate_tokens(text) <= 1000
    assert "## What they do" in text and text.count("[…]") >= 1
    # A long list of duties leaves the work environment its share.
    assert text.count("Work. ") > 200


def test_the_request_carries_the_work_and_not_the_boilerplate(db_path):
    db = sqlite_utils.Database(db_path)
    criterion = criteria.load("ai_exposure")
    nurses = next(db.query("select * from occupations where slug = 'registered-nurses'"))
    text = prompt.occupation_text(nurses)
    assert "Assess patients’ conditions" in text and "Injuries and Illnesses" in text  # duties and environment
    assert "How to become" not in text and "licensed" not in text.lower().split("## work environment")[-1]
    assert " | " not in text and "largest employers" not in text and "held about" not in text
    # The median request, rubric included, is at most 1,500 tokens (it was about 2,400).
    sizes = [
        prompt.estimate_tokens(prompt.system_prompt(criterion)) + prompt.estimate_tokens(prompt.occupation_text(r))
        for r in db.query("select * from occupations where jobs is not null")
    ]
    assert statistics.median(sizes) <= 1500


def test_the_rubric_is_cached_where_the_model_allows_it(fake, db_path):
    # Fable 5.1 caches prompts from 512 tokens, so the rubric qualifies; Haiku 5.5 needs 4,096.
    rubric_tokens = prompt.estimate_tokens(prompt.system_prompt(criteria.load("ai_exposure")))
    assert prices.price("claude-fable-5-1").cache_min_tokens <= rubric_tokens < prices.price("claude-haiku-5-5").cache_min_tokens
    result = score(
        fake, db_path, "run", "--criterion", "ai_exposure", *only(*SOME[:3]), "--model", "claude-fable-5-1", "--concurrency", "1"
    )
    assert result.exit_code == 0, result.output
    assert all("cache_control" in r["system"][0] for r in fake.state.requests)
    run = rows(db_path, "select * from runs")[0]
    assert run["cache_write_tokens"] > 0 and run["cache_read_tokens"] == 2 * run["cache_write_tokens"]
    price = prices.price("claude-fable-5-1")
    assert run["cost_usd"] == pytest.approx(
        price.cost(
            {
                "input_tokens": run["input_tokens"],
                "output_tokens": run["output_tokens"],
                "cache_creation_input_tokens": run["cache_write_tokens"],
                "cache_read_input_tokens": run["cache_read_tokens"],
            }
        )
    )
    fake.state.requests.clear()
    score(fake, db_path, "run", "--criterion", "ai_exposure", *only("roofers"), "--model", "claude-haiku-5-5")
    assert "cache_control" not in fake.state.requests[0]["system"][0]


def test_effort_is_sent_and_makes_its_own_configuration(fake, db_path):
    assert score(fake, db_path, "run", "--criterion", "ai_exposure", *only("roofers")).exit_code == 0
    assert "effort" not in fake.state.requests[-1]["output_config"]
    result = score(fake, db_path, "run", "--criterion", "ai_exposure", *only("roofers"), "--effort", "low")
    assert "1 scored, 0 failed, 0 already scored" in result.output  # a new configuration, so scored again
    assert fake.state.requests[-1]["output_config"]["effort"] == "low"
    assert len({r["prompt_hash"] for r in rows(db_path, "select prompt_hash from runs")}) == 2
