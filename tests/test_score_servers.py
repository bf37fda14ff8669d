"""Scoring with any model a forker has: the real anthropic SDK against a fake
of each server that speaks the Messages API, each lacking what its
documentation says it lacks (tests/fake_anthropic.py, KINDS). A run probes
the server once, records what it found, sends the schema by the strongest
means it has, and stores only replies valid against it."""

import json
import re

import pytest
from anthropic.types import Message
from conftest import only, rows, score
from fake_anthropic import FAKE_NOTE, KINDS, FakeAnthropic

from score import backend, llm, prices

SOME = ["actuaries", "dentists", "roofers", "registered-nurses", "software-developers", "cashiers", "economists"]
LOCAL_MODEL = "qwen3:8b"
# The strongest means of structured output each server has, as its documentation says.
EXPECTED = {"claude": "output_config", "ollama": "text", "llamacpp": "tool", "vllm": "output_config", "lmstudio": "text"}


@pytest.fixture(params=sorted(KINDS))
def server(request):
    fake = FakeAnthropic(kind=request.param)
    yield fake
    fake.close()


def model_for(server):
    return prices.default_model() if server.state.kind == "claude" else LOCAL_MODEL


def run(server, db_path, *args, env=None):
    return score(server, db_path, "run", "--criterion", "ai_exposure", "--model", model_for(server), *args, env=env)


def test_a_run_against_each_server_stores_only_valid_scores_and_what_it_found(server, db_path):
    kind = server.state.kind
    result = run(server, db_path, *only(*SOME), "--concurrency", "2")
    assert result.exit_code == 0, result.output
    assert f"run 1 complete: {len(SOME)} scored, 0 failed" in result.stdout

    scores = rows(db_path, "select * from scores order by slug")
    assert [s["slug"] for s in scores] == sorted(SOME)
    assert all(isinstance(s["score"], int) and 0 <= s["score"] <= 10 and FAKE_NOTE in s["rationale"] for s in scores)

    # What the run found is recorded, and matches what the server is.
    recorded = rows(db_path, "select server, capabilities, model from runs")[0]
    assert recorded["server"] == server.url and recorded["model"] == model_for(server)
    found = json.loads(recorded["capabilities"])
    does = KINDS[kind]
    assert found["structured"] == EXPECTED[kind]
    assert (found["count_tokens"], found["batches"], found["local"]) == (does["count_tokens"], does["batches"], True)

    # The probe was made once for the run, not per occupation.
    assert server.state.token_counts == (1 if does["count_tokens"] else 0)
    assert len(server.state.probes) == {"output_config": 1, "tool": 2, "text": 2}[EXPECTED[kind]]
    assert len(server.state.requests) == len(SOME)

    # Every request carried the schema by that means.
    for request in server.state.requests:
        carries = {
            "output_config": "format" in request.get("output_config", {}),
            "tool": request.get("tool_choice") == {"type": "tool", "name": backend.TOOL},
            "text": "valid against this JSON schema" in request["system"][-1]["text"],
        }
        assert [means for means, yes in carries.items() if yes] == [EXPECTED[kind]]

    # Where the answer came as free text, it came in every form: bare, fenced, with words around it.
    texts = [b["text"] for r in server.state.replies for b in r["content"] if b["type"] == "text"]
    if EXPECTED[kind] == "text":
        assert any(t.startswith("```json") for t in texts) and any(t.startswith("Here is") for t in texts)
        assert any(t.startswith("{") for t in texts)

    # A Claude model is priced; a model on a local server is free, and said to be.
    run_row = rows(db_path, "select cost_usd, input_tokens from runs")[0]
    if kind == "claude":
        assert run_row["cost_usd"] > 0
    else:
        assert run_row["cost_usd"] == 0 and run_row["input_tokens"] > 0
        assert "local, no charge" in result.stdout

    # The next run probes again: once per run.
    again = run(server, db_path, *only("chefs-and-head-cooks"))
    assert again.exit_code == 0, again.output
    assert server.state.token_counts == (2 if does["count_tokens"] else 0)


def test_a_reply_invalid_twice_is_a_failure_never_a_score(server, db_path):
    server.state.fault("out_of_range", "out_of_range")
    result = run(server, db_path, *only("roofers", "dentists"), "--concurrency", "1")
    assert result.exit_code == 3, result.output
    assert "1 scored, 1 failed" in result.stdout
    failure = rows(db_path, "select * from score_failures")[0]
    assert failure["error"] == "invalid reply: score 15 is outside 0-10"
    assert failure["reply"] and "15" in failure["reply"]  # the reply kept, for a reader to see
    assert failure["slug"] not in {s["slug"] for s in rows(db_path, "select slug from scores")}
    # The second request was a repair: the invalid reply, and what is wrong with it.
    repair = server.state.requests[1]["messages"]
    assert [m["role"] for m in repair] == ["user", "assistant", "user"]
    assert "score 15 is outside 0-10" in repair[2]["content"]


def test_a_reply_repaired_once_is_a_score(server, db_path):
    server.state.fault("malformed")
    result = run(server, db_path, *only("roofers"))
    assert result.exit_code == 0, result.output
    assert "roofers: invalid reply: reply is not JSON; retrying once" in result.stderr
    assert len(server.state.requests) == 2 and len(rows(db_path, "select * from scores")) == 1


def test_a_batch_asked_of_a_server_without_batches_is_sent_call_by_call(db_path):
    fake = FakeAnthropic(kind="vllm")
    try:
        result = run(fake, db_path, *only(*SOME[:3]), "--batch", "--poll-interval", "0")
    finally:
        fake.close()
    assert result.exit_code == 0, result.output
    assert f"{fake.url} has no Message Batches: the calls are sent one by one instead" in result.stderr
    assert rows(db_path, "select batch, scored from runs") == [{"batch": 0, "scored": 3}]
    assert fake.state.batch_creations == 0 and len(fake.state.requests) == 3


def test_tokens_a_server_does_not_count_are_estimated_and_said_to_be(db_path):
    fake = FakeAnthropic(kind="ollama")
    fake.state.fault("no_usage")
    try:
        result = run(fake, db_path, *only("roofers", "dentists"), "--concurrency", "1")
    finally:
        fake.close()
    assert result.exit_code == 0, result.output
    assert "(estimated: the server did not count them)" in result.stdout
    recorded = rows(db_path, "select tokens_estimated, input_tokens from runs")[0]
    assert recorded["tokens_estimated"] == 1 and recorded["input_tokens"] > 0
    estimated = rows(db_path, "select input_tokens from scores where input_tokens > 0")
    assert len(estimated) == 2  # the score without the server's count has our estimate
    listed = score(None, db_path, "runs").output
    assert re.search(r" ~\s*[\d,]+ tokens .* on " + re.escape(fake.url), listed)
    assert "~ = some of the run's token counts are estimates: its server gave none" in listed


def test_base_url_wins_over_the_environment_and_a_local_server_needs_no_key(db_path):
    fake = FakeAnthropic(kind="llamacpp")
    try:
        nowhere = {"ANTHROPIC_BASE_URL": "http://127.0.0.1:9", "ANTHROPIC_API_KEY": None}
        result = score(
            None,
            db_path,
            "run",
            "--criterion",
            "ai_exposure",
            "--model",
            LOCAL_MODEL,
            "--base-url",
            fake.url,
            *only("roofers"),
            env=nowhere,
        )
    finally:
        fake.close()
    assert result.exit_code == 0, result.output
    assert rows(db_path, "select server from runs") == [{"server": fake.url}]


def test_llama_cpp_with_a_model_that_calls_no_tools_is_read_from_its_free_text(db_path):
    """A chat template without tool calls: llama-server answers even a
    required tool in free text, and the probe finds so."""
    fake = FakeAnthropic(kind="llamacpp")
    fake.state.does = {**fake.state.does, "tool_choice": "ignored"}
    try:
        result = run(fake, db_path, *only(*SOME))
    finally:
        fake.close()
    assert result.exit_code == 0, result.output
    assert json.loads(rows(db_path, "select capabilities from runs")[0]["capabilities"])["structured"] == "text"
    texts = [b["text"] for r in fake.state.replies for b in r["content"]]
    assert any(t.startswith("```json") for t in texts) and any(t.startswith("Here is") for t in texts)
    assert len(rows(db_path, "select * from scores")) == len(SOME)


def test_task_level_through_a_forced_tool(db_path):
    fake = FakeAnthropic(kind="llamacpp")
    try:
        result = run(fake, db_path, *only("roofers", "dentists"), "--level", "task", "--max-tasks", "5")
    finally:
        fake.close()
    assert result.exit_code == 0, result.output
    tool = fake.state.requests[0]["tools"][0]["input_schema"]
    assert len(tool["properties"]["tasks"]["required"]) == 5
    assert rows(db_path, "select count(*) as n from task_scores")[0]["n"] == 10


def test_a_server_that_does_not_know_the_model_is_one_line(db_path):
    fake = FakeAnthropic(kind="ollama")
    fake.state.models = {"llama3.2"}
    try:
        result = run(fake, db_path, *only("roofers"))
    finally:
        fake.close()
    assert result.exit_code == 1
    assert (
        result.output.strip()
        .splitlines()[-1]
        .startswith(f"Error: the server does not know model '{LOCAL_MODEL}', or has no Messages API at this address")
    )
    assert rows(db_path, "select * from runs") == [] and fake.state.requests == []


def test_a_reply_in_another_apis_format_is_a_failure_and_a_probe_one_is_one_line(db_path):
    fake = FakeAnthropic(kind="vllm")
    fake.state.fault("other_api", "other_api")
    try:
        result = run(fake, db_path, *only("roofers", "dentists"), "--concurrency", "1")
        assert result.exit_code == 3, result.output
        failure = rows(db_path, "select * from score_failures")[0]
        assert failure["error"] == "invalid reply: the server's reply is not a Messages API message"
        assert "chat.completion" in failure["reply"]
        assert len(rows(db_path, "select * from scores")) == 1

        fake.state.probe_faults.append("other_api")
        refused = run(fake, db_path, *only("actuaries"))
    finally:
        fake.close()
    assert refused.exit_code == 1
    assert refused.output.strip().splitlines()[-1].startswith("Error: the server does not answer as the Messages API does (")
    assert "Traceback" not in refused.output
    assert len(rows(db_path, "select * from runs")) == 1  # refused before a run was started


def message(*content, stop="end_turn"):
    return Message.model_validate(
        {
            "id": "m",
            "type": "message",
            "role": "assistant",
            "model": "m",
            "content": list(content),
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {"input_tokens": 1, "output_tokens": 1},
        }
    )


def text(value):
    return {"type": "text", "text": value}


ANSWER = {"score": 4, "rationale": "Because."}


@pytest.mark.parametrize(
    "reply",
    [
        text(json.dumps(ANSWER)),
        text(f"```json\n{json.dumps(ANSWER, indent=2)}\n```"),
        text(f"Sure. Here it is:\n{json.dumps(ANSWER)}\nAnything else?"),
        text(f'<think>Maybe {{"score": 9, "rationale": "no"}}? No.</think>\n{json.dumps(ANSWER)}'),
        {"type": "tool_use", "id": "t", "name": backend.TOOL, "input": ANSWER},
    ],
)
def test_an_answer_is_read_bare_fenced_among_words_or_from_a_tool(reply):
    assert llm.answer_of(message(reply))[0] == ANSWER


@pytest.mark.parametrize(
    "reply, reason",
    [
        (text("I would say four."), "reply is not JSON"),
        (text(f"{json.dumps(ANSWER)} or maybe {json.dumps({'score': 5, 'rationale': 'B.'})}"), "reply holds 2 JSON objects"),
        (text("[4]"), "reply does not have exactly the fields score and rationale"),
    ],
)
def test_an_answer_that_is_not_one_object_is_never_guessed(reply, reason):
    from score import criteria

    with pytest.raises(llm.InvalidReply, match=reason):
        llm.check_reply(message(reply), criteria.load("ai_exposure"))


@pytest.mark.parametrize(
    "url, local",
    [
        ("http://localhost:11434", True),
        ("http://127.0.0.1:8080/", True),
        ("http://[::1]:8000", True),
        ("http://192.168.1.20:1234", True),
        ("http://gpu-box.local:8000", True),
        ("https://api.anthropic.com", False),
        ("https://vllm.example.org", False),
        ("http://8.8.8.8:8000", False),
    ],
)
def test_what_counts_as_a_local_server(url, local):
    assert backend.is_local(url) is local


def test_the_recorded_address_carries_no_credentials():
    assert backend.base_url("http://user:secret@127.0.0.1:8080/v1/?key=abc") == "http://127.0.0.1:8080/v1"
