"""Task-level scoring, several models and samples, and how runs agree: the
real CLI and the real SDK against the fake Messages API, on a copy of data.db."""

import json
import re
import shutil
from html import unescape
from types import SimpleNamespace

import numpy as np
import pytest
import sqlite_utils
from click.testing import CliRunner
from conftest import agree, only, rows, score

from compare import ranks
from compare import refresh as compare_refresh
from score import criteria, llm, prompt, store, tasks
from score.cli import cli

SOME = ["actuaries", "roofers", "registered-nurses", "postsecondary-teachers"]


def scorable(db_path):
    """The occupations a run must cover to be complete: those with a job count."""
    return rows(db_path, "select count(*) as n from occupations where jobs is not null")[0]["n"]


# Choosing tasks and adding them up ------------------------------------------


def test_tasks_sent_are_distinct_core_first_and_every_specialty_in_turn():
    rows_ = [
        (1, "Supplemental", "File reports.", "A"),
        (2, "Core", "Teach classes.", "A"),
        (3, "Core", "Grade papers.", "A"),
        (4, "Core", "teach  classes.", "B"),  # the same statement under another O*NET code
        (5, "Core", "Run labs.", "B"),
        (6, None, "Attend meetings.", "B"),
    ]
    chosen = tasks.select(rows_, max_tasks=10)
    assert [t[0] for t in chosen] == [2, 5, 3, 1, 6]
    assert [t[0] for t in tasks.select(rows_, max_tasks=2)] == [2, 5]


def test_the_occupation_score_is_the_weighted_mean_within_its_tasks_range():
    types = {1: "Core", 2: "Supplemental", 3: None}
    assert tasks.aggregate({1: 10, 2: 0}, types) == pytest.approx(6.7)  # Core counts double: 20 / 3
    assert tasks.aggregate({2: 4, 3: 8}, types) == 6.0  # untyped weighs as Supplemental
    rng = np.random.default_rng(1)
    for _ in range(200):
        ids = list(range(1, int(rng.integers(2, 40))))
        given = {t: int(rng.integers(0, 11)) for t in ids}
        kinds = {t: rng.choice(["Core", "Supplemental", None]) for t in ids}
        assert min(given.values()) <= tasks.aggregate(given, kinds) <= max(given.values())


def reply(payload, stop="end_turn"):
    return SimpleNamespace(content=[SimpleNamespace(type="text", text=json.dumps(payload))], stop_reason=stop)


def test_a_reply_must_score_exactly_the_tasks_sent():
    criterion = criteria.load("ai_exposure")
    good = {"tasks": {"t1": 3, "t2": 9}, "rationale": "Because."}
    assert llm.check_reply(reply(good), criterion, [1, 2]) == ({1: 3, 2: 9}, "Because.")
    for bad, reason in (
        ({"tasks": {"t1": 3}, "rationale": "x"}, "scores 1 tasks, not exactly the 2 sent"),
        ({"tasks": {"t1": 3, "t2": 4, "t3": 5}, "rationale": "x"}, "scores 3 tasks"),
        ({"tasks": {"t1": 3, "t2": 11}, "rationale": "x"}, "outside 0-10"),
        ({"tasks": {"t1": 3, "t2": "9"}, "rationale": "x"}, "not an integer"),
        ({"score": 3, "rationale": "x"}, "exactly the fields tasks and rationale"),
    ):
        with pytest.raises(llm.InvalidReply, match=reason):
            llm.check_reply(reply(bad), criterion, [1, 2])


def test_the_schema_names_every_task_with_the_scale_as_its_enum():
    criterion = criteria.load("ai_exposure")
    schema = prompt.schema(criterion, [7, 8])
    inner = schema["properties"]["tasks"]
    assert inner["required"] == ["t7", "t8"] and inner["additionalProperties"] is False
    assert inner["properties"]["t7"]["enum"] == list(range(0, 11))
    # The prompt hash does not depend on which tasks: those belong to the occupation's input.
    assert prompt.prompt_hash(criterion, level="task") != prompt.prompt_hash(criterion)


# A task-level run ------------------------------------------------------------


def test_task_level_run_stores_a_score_for_every_task_sent(fake, db_path):
    result = score(fake, db_path, "run", "--criterion", "ai_exposure", "--level", "task", *only(*SOME))
    assert result.exit_code == 0, result.output
    run = rows(db_path, "select * from runs")[0]
    assert run["level"] == "task" and run["scored"] == 4
    db = sqlite_utils.Database(db_path)
    by_slug = tasks.load(db)
    for request in fake.state.requests:
        schema = request["output_config"]["format"]["schema"]
        named = schema["properties"]["tasks"]["required"]
        sent = re.findall(r"^(t\d+): ", request["messages"][0]["content"], re.M)
        assert named == sent and 0 < len(sent) <= tasks.DEFAULT_MAX_TASKS
    for slug in SOME:
        stored = dict(db.execute("select task_id, score from task_scores where slug = ?", [slug]).fetchall())
        expected = tasks.select(by_slug[slug])
        assert sorted(stored) == sorted(t[0] for t in expected)
        occupation = db.execute("select score from scores where slug = ?", [slug]).fetchone()[0]
        assert occupation == tasks.aggregate(stored, {t[0]: t[1] for t in expected})
        assert min(stored.values()) <= occupation <= max(stored.values())
    # Postsecondary teachers span 34 O*NET occupations and 839 tasks: 40 are sent.
    assert len(expected) == 40 and len(by_slug["postsecondary-teachers"]) > 800


def test_a_changed_task_makes_only_its_occupation_stale(fake, db_path):
    assert score(fake, db_path, "run", "--criterion", "ai_exposure", "--level", "task", *only(*SOME)).exit_code == 0
    fake.state.requests.clear()
    again = score(fake, db_path, "run", "--criterion", "ai_exposure", "--level", "task", *only(*SOME))
    assert "nothing to score: all 4 occupations" in again.output and fake.state.requests == []
    db = sqlite_utils.Database(db_path)
    first = tasks.select(tasks.load(db)["roofers"])[0][0]
    db.execute("update tasks set task = task || ' (revised)' where slug = 'roofers' and task_id = ?", [first])
    db.conn.commit()
    result = score(fake, db_path, "run", "--criterion", "ai_exposure", "--level", "task", *only(*SOME))
    assert result.exit_code == 0 and "1 scored" in result.output and "3 already scored" in result.output
    assert len(fake.state.requests) == 1 and "(revised)" in fake.state.requests[0]["messages"][0]["content"]
    # The occupation level is another configuration: none of it is fresh.
    assert "4 calls" in score(fake, db_path, "run", "--criterion", "ai_exposure", *only(*SOME), "--dry-run").output


def test_an_invalid_task_reply_is_retried_once(fake, db_path):
    fake.state.fault("out_of_range")
    result = score(fake, db_path, "run", "--criterion", "ai_exposure", "--level", "task", *only("roofers"), "--concurrency", "1")
    assert result.exit_code == 0, result.output
    assert "invalid reply: score 15 is outside 0-10; retrying once" in result.output
    assert rows(db_path, "select count(*) as n from task_scores")[0]["n"] == len(
        fake.state.requests[0]["output_config"]["format"]["schema"]["properties"]["tasks"]["required"]
    )


def test_a_reply_missing_a_task_is_never_a_score(fake, db_path):
    fake.state.fault("missing", "missing")
    result = score(fake, db_path, "run", "--criterion", "ai_exposure", "--level", "task", *only("roofers"), "--concurrency", "1")
    assert result.exit_code == 1, result.output
    sent = len(tasks.select(tasks.load(sqlite_utils.Database(db_path))["roofers"]))
    assert f"failed roofers: invalid reply: reply scores {sent - 1} tasks, not exactly the {sent} sent" in result.output
    assert rows(db_path, "select count(*) as n from task_scores")[0]["n"] == 0
    assert rows(db_path, "select count(*) as n from scores")[0]["n"] == 0
    failure = rows(db_path, "select * from score_failures")[0]
    assert failure["slug"] == "roofers" and json.loads(failure["reply"])["tasks"]  # the reply is kept to look at


def test_a_tampered_task_id_is_not_sent(fake, db_path):
    db = sqlite_utils.Database(db_path)
    db.execute(
        "update tasks set task_id = 'x\"; drop' where slug = 'roofers' and rowid = (select min(rowid) from tasks where slug = 'roofers')"
    )
    db.conn.commit()
    assert score(fake, db_path, "run", "--criterion", "ai_exposure", "--level", "task", *only("roofers")).exit_code == 0
    names = fake.state.requests[0]["output_config"]["format"]["schema"]["properties"]["tasks"]["required"]
    assert all(re.fullmatch(r"t\d+", n) for n in names)


def test_task_level_batch_keeps_the_task_ids_it_sent(fake, db_path):
    result = score(
        fake, db_path, "run", "--criterion", "ai_exposure", "--level", "task", *only(*SOME), "--batch", "--poll-interval", "0"
    )
    assert result.exit_code == 0, result.output
    sent = {r["slug"]: json.loads(r["task_ids"]) for r in rows(db_path, "select slug, task_ids from batch_requests")}
    stored = {}
    for r in rows(db_path, "select slug, task_id from task_scores"):
        stored.setdefault(r["slug"], []).append(r["task_id"])
    assert {s: sorted(v) for s, v in sent.items()} == {s: sorted(v) for s, v in stored.items()} and len(sent) == 4


def test_no_tasks_table_is_one_line(fake, db_path):
    db = sqlite_utils.Database(db_path)
    db["tasks"].drop()
    result = score(fake, db_path, "run", "--criterion", "ai_exposure", "--level", "task", "--dry-run")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: data.db has no tasks table: run python -m measures first (it loads the O*NET tasks)"


# Several models and samples ---------------------------------------------------


def test_each_model_and_sample_is_its_own_run(fake, db_path):
    models = ["--model", "claude-haiku-5-5", "--model", "claude-sonnet-5-5", "--samples", "2"]
    dry = score(fake, db_path, "run", "--criterion", "ai_exposure", *only(*SOME), *models, "--dry-run")
    assert dry.output.count("4 calls to") == 4 and "4 runs, estimated cost" in dry.output
    result = score(fake, db_path, "run", "--criterion", "ai_exposure", *only(*SOME), *models)
    assert result.exit_code == 0, result.output
    made = rows(db_path, "select model, sample, config, scored from runs order by id")
    assert [(r["model"], r["sample"]) for r in made] == [
        ("claude-haiku-5-5", 1),
        ("claude-haiku-5-5", 2),
        ("claude-sonnet-5-5", 1),
        ("claude-sonnet-5-5", 2),
    ]
    assert len({r["config"] for r in made}) == 4 and all(r["scored"] == 4 for r in made)
    assert len({r["model"] for r in fake.state.requests}) == 2 and len(fake.state.requests) == 16
    again = score(fake, db_path, "run", "--criterion", "ai_exposure", *only(*SOME), *models)
    assert again.exit_code == 0 and again.output.count("nothing to score") == 4


def test_the_criterion_file_can_name_its_models(fake, db_path, tmp_path):
    text = criteria.load("ai_exposure").path
    source = open(text, encoding="utf-8").read()
    folder = tmp_path / "criteria"
    folder.mkdir()
    (folder / "ai_exposure.md").write_text(
        source.replace('colors = "ylorrd"', 'colors = "ylorrd"\nmodels = ["claude-haiku-5-5", "claude-opus-5-5"]')
    )
    result = score(fake, db_path, "run", "--criterion", "ai_exposure", *only("roofers"), "--criteria-dir", str(folder))
    assert result.exit_code == 0, result.output
    assert [r["model"] for r in rows(db_path, "select model from runs order by id")] == ["claude-haiku-5-5", "claude-opus-5-5"]
    (folder / "ai_exposure.md").write_text(source.replace('colors = "ylorrd"', 'colors = "ylorrd"\nmodels = "claude-haiku-5-5"'))
    bad = CliRunner().invoke(cli, ["criteria", "--criteria-dir", str(folder)])
    assert bad.exit_code == 1 and "field 'models' must be list" in bad.output


# Agreement --------------------------------------------------------------------


def test_weighted_kappa():
    assert ranks.quadratic_kappa([0, 5, 10], [0, 5, 10], 0, 10) == 1.0
    # Worked by hand: two raters on 0-2, observed [[1,1,0],[0,1,0],[0,0,1]].
    assert ranks.quadratic_kappa([0, 0, 1, 2], [0, 1, 1, 2], 0, 2) == pytest.approx(0.8)
    assert ranks.quadratic_kappa([3, 3, 3], [1, 2, 3], 0, 10) == 0.0
    assert ranks.quadratic_kappa([3, 3, 3], [3, 3, 3], 0, 10) is None


def fill_task_run(db, criterion, score_of_label):
    """A task-level run whose every labelled task scores by its human label."""
    run_id, _ = store.start_run(db, criterion=criterion, kind="model", model="claude-haiku-5-5", prompt_hash="x", level="task")
    with db.atomic():
        db.execute(
            "insert into task_scores (run_id, slug, task_id, score) select ?, slug, task_id, "
            "case human_label when 'E0' then ? when 'E2' then ? else ? end from tasks where human_label is not null",
            [run_id, *score_of_label],
        )
        db.execute(
            "insert into scores (run_id, slug, criterion, score) select distinct ?, slug, ?, 5 from tasks where human_label is not null",
            [run_id, criterion.name],
        )
    store.finish_run(db, run_id, "complete", make_current=False)
    return run_id


def test_task_agreement_measures_scores_against_the_labels(sample_path):
    db = sqlite_utils.Database(sample_path)
    store.ensure(db)
    criterion = criteria.load("ai_exposure")
    store.save_criterion(db, criterion)
    follows = fill_task_run(db, criterion, (1, 5, 9))
    against = fill_task_run(db, criterion, (9, 5, 1))
    assert compare_refresh.run(db)["task_agreement"] is True
    got = {(r["run_id"], r["labeller"]): r for r in db.query("select * from task_agreement")}
    human = got[(follows, "human")]
    counts = dict(db.execute("select human_label, count(*) from tasks where human_label is not null group by 1").fetchall())
    assert human["n"] == sum(counts.values()) and human["n_e1"] == counts["E1"]
    assert human["spearman"] == 1.0 and (human["mean_e0"], human["mean_e2"], human["mean_e1"]) == (1, 5, 9)
    assert got[(against, "human")]["spearman"] == -1.0
    assert 0 < got[(follows, "gpt4")]["spearman"] < 1  # GPT-4 and people mostly agree, not always
    assert not any(compare_refresh.run(db).values())  # nothing changed, nothing written


def test_runs_agree_and_a_consensus_is_their_median(fake, sample_path):
    db_path = sample_path
    n = scorable(db_path)
    models = ["--model", "claude-haiku-5-5", "--model", "claude-sonnet-5-5", "--model", "claude-opus-5-5"]
    assert score(fake, db_path, "run", "--criterion", "ai_exposure", *models).exit_code == 0
    agree(db_path)
    pairs = rows(db_path, "select * from run_agreement order by run_a, run_b")
    assert [(p["run_a"], p["run_b"]) for p in pairs] == [(1, 2), (1, 3), (2, 3)]
    a = dict((r["slug"], r["score"]) for r in rows(db_path, "select slug, score from scores where run_id = 1"))
    b = dict((r["slug"], r["score"]) for r in rows(db_path, "select slug, score from scores where run_id = 2"))
    assert pairs[0]["n"] == n and pairs[0]["within_one"] == pytest.approx(sum(abs(a[s] - b[s]) <= 1 for s in a) / len(a))
    listing = score(None, db_path, "runs").output
    assert f"runs 1 and 2 (ai_exposure, {n} occupations): Spearman {pairs[0]['spearman']:.2f}" in listing

    made = score(None, db_path, "consensus", "--criterion", "ai_exposure")
    assert made.exit_code == 0 and made.output.strip() == "run 4: the median of runs 1, 2, 3"
    current = rows(db_path, "select current_run from criteria")[0]["current_run"]
    assert current != 4  # made, not shown until asked
    medians = {r["slug"]: r for r in rows(db_path, "select * from scores where run_id = 4")}
    c = dict((r["slug"], r["score"]) for r in rows(db_path, "select slug, score from scores where run_id = 3"))
    assert all(medians[s]["score"] == sorted([a[s], b[s], c[s]])[1] for s in a)
    assert medians["roofers"]["rationale"].startswith("Median of 3 runs (claude-haiku-5-5: ")
    again = score(None, db_path, "consensus", "--criterion", "ai_exposure", "--use")
    assert again.stdout.strip() == "run 4 is already the median of runs 1, 2, 3 (now the current run)"
    assert rows(db_path, "select current_run from criteria")[0]["current_run"] == 4
    agree(db_path)
    # The consensus is not itself one of the runs it is compared with.
    assert all(4 not in (p["run_a"], p["run_b"]) for p in rows(db_path, "select * from run_agreement"))


def test_a_consensus_needs_two_complete_runs(fake, db_path):
    assert score(fake, db_path, "run", "--criterion", "ai_exposure", *only("roofers")).exit_code == 0
    result = score(None, db_path, "consensus", "--criterion", "ai_exposure")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: ai_exposure needs two or more complete runs for a consensus; it has 0"


# The site -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def scored(tmp_path_factory, database_templates):
    """The sample database (databases.SAMPLE) scored by the fake API: two
    models at task level and the default model at occupation level, every
    occupation, and compared."""
    from fake_anthropic import FakeAnthropic

    path = tmp_path_factory.mktemp("scored") / "data.db"
    shutil.copy(database_templates["sample"], path)
    fake = FakeAnthropic()
    try:
        both = ["--model", "claude-haiku-5-5", "--model", "claude-sonnet-5-5", "--concurrency", "16"]
        assert score(fake, path, "run", "--criterion", "ai_exposure", "--level", "task", *both).exit_code == 0
        assert score(fake, path, "run", "--criterion", "ai_exposure", "--concurrency", "16").exit_code == 0
        assert score(None, path, "use", "1").exit_code == 0  # the layer: Haiku's task-level run
        agree(path)
    finally:
        fake.close()
    return path


def build_site(db_path, out):
    import build

    result = CliRunner().invoke(build.main, ["--db", str(db_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def text_of(html):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_pages_show_the_tasks_the_agreement_and_every_run(scored, tmp_path):
    db = sqlite_utils.Database(scored)
    out = build_site(scored, tmp_path / "site")
    nurse = (out / "occupations" / "registered-nurses.html").read_text()
    sent = list(
        db.query(
            "select ts.score, t.task from task_scores ts join tasks t on t.slug = ts.slug and t.task_id = ts.task_id "
            "where ts.run_id = 1 and ts.slug = 'registered-nurses'"
        )
    )
    table = nurse[nurse.index('class="data task-table"') :]
    shown = re.findall(r'<span class="bar" style="--w: \d+%">(\d+)</span></td>\s*<td>([^<]+)', table)
    # Every task sent is shown: the main O*NET code's 27 for registered nurses (the cap of 40 is not reached).
    assert len(shown) == len(sent) == 27
    assert [int(s) for s, _ in shown] == sorted((r["score"] for r in sent), reverse=True)  # most exposed first
    assert {unescape(t.strip()) for _, t in shown} == {r["task"] for r in sent}
    # Every complete run's score for this occupation, side by side.
    figure = nurse[nurse.index('class="by-run"') : nurse.index("</figure>", nurse.index('class="by-run"'))]
    for run_id, name in ((1, "claude-haiku-5-5, task level"), (2, "claude-sonnet-5-5, task level"), (3, "claude-sonnet-5-5")):
        value = db.execute("select score from scores where run_id = ? and slug = 'registered-nurses'", [run_id]).fetchone()[0]
        assert re.search(rf'title="run {run_id}">{re.escape(name)}</span>.*?class="dot-value">{value:g}<', figure, re.S)

    page = text_of((out / "criteria" / "ai_exposure.html").read_text())
    human = db.execute("select * from task_agreement where run_id = 1 and labeller = 'human'").fetchone()
    assert "Checked against people's task labels" in page
    assert f"Against people's labels, over {human[2]:,} tasks: rank correlation (Spearman) {human[3]:.2f}" in page
    pair = db["run_agreement"].get(("ai_exposure", 1, 2))
    assert f"claude-haiku-5-5, task level (1) claude-sonnet-5-5, task level (2) {scorable(scored)} {pair['spearman']:.2f}" in page


def test_a_consensus_can_be_the_layer(scored, tmp_path):
    path = tmp_path / "consensus.db"
    shutil.copy(scored, path)
    # Runs made at different levels are never combined: the consensus is of the two task-level runs.
    mixed = score(None, path, "consensus", "--criterion", "ai_exposure")
    assert mixed.exit_code == 1 and "level" in mixed.output
    made = score(None, path, "consensus", "--criterion", "ai_exposure", "--run", "1", "--run", "2", "--use")
    assert made.exit_code == 0 and "now the current run" in made.output
    agree(path)
    out = build_site(path, tmp_path / "site")
    page = text_of((out / "criteria" / "ai_exposure.html").read_text())
    assert "The scores on the map are the median of runs 1, 2: for each occupation, the middle of the runs' scores" in page
    nurse = (out / "occupations" / "registered-nurses.html").read_text()
    assert "task by task" not in nurse  # a consensus has no task scores of its own
    median = (
        sqlite_utils.Database(path)
        .execute("select score from scores where run_id = 4 and slug = 'registered-nurses'")
        .fetchone()[0]
    )
    home = (out / "index.html").read_text()
    data = json.loads(re.search(r'<script id="data" type="application/json">(.*?)</script>', home, re.S).group(1))
    column = data["fields"].index("ai_exposure")  # each criterion's score is a field of the row, named by it
    assert [row for row in data["occupations"] if row[0] == "registered-nurses"][0][column] == median
