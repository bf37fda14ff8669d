"""Provenance kept by the score stage: the prompt of every run made here, and
where an imported run's source publishes its method."""

import shutil

import sqlite_utils
from click.testing import CliRunner
from conftest import ROOT

from score.cli import cli


def test_an_import_records_where_its_source_publishes_its_method(tmp_path):
    path = tmp_path / "data.db"
    shutil.copy(ROOT / "data.db", path)
    scores = tmp_path / "scores.csv"
    scores.write_text("slug,score\nroofers,1\nactors,4\n")
    base = ["import", str(scores), "--criterion", "ai_exposure", "--source", "Example Lab, 2026", "--db", str(path)]
    refused = CliRunner().invoke(cli, [*base, "--source-url", "javascript:alert(1)"])
    assert refused.exit_code == 1 and "--source-url must be an https:// address" in refused.output
    first = CliRunner().invoke(cli, base)
    assert first.exit_code == 0, first.output
    db = sqlite_utils.Database(path)
    run = db.execute("select id, source_url from runs where source = 'Example Lab, 2026'").fetchone()
    assert run[1] is None
    # The same file again writes no score, and records the address it lacked.
    again = CliRunner().invoke(cli, [*base, "--source-url", "https://example.org/method"])
    assert again.exit_code == 0 and f"already imported as run {run[0]}" in again.output
    assert db.execute("select source_url from runs where id = ?", [run[0]]).fetchone()[0] == "https://example.org/method"
    assert db.execute("select count(*) from scores where run_id = ?", [run[0]]).fetchone()[0] == 2


def test_the_committed_import_names_its_source_and_method():
    db = sqlite_utils.Database(ROOT / "data.db")
    assert list(db.query("select kind, source, source_url, label from runs where id = 1")) == [
        {
            "kind": "import",
            "source": "karpathy/jobs, Gemini 3 Flash, 2026",
            "source_url": "https://github.com/karpathy/jobs",
            "label": "karpathy/jobs, Gemini 3 Flash, 2026",
        }
    ]


def test_a_model_run_keeps_the_prompt_it_sent(tmp_path, fake, db_path):
    from score import criteria, prompt

    result = CliRunner(env=fake.env()).invoke(
        cli,
        ["run", "--criterion", "ai_exposure", "--model", "claude-haiku-5-5", "--only", "registered-nurses", "--db", str(db_path)],
    )
    assert result.exit_code == 0, result.output
    db = sqlite_utils.Database(db_path)
    run = db.execute("select prompt_hash from runs where kind = 'model'").fetchone()[0]
    criterion = criteria.load("ai_exposure")
    assert run == prompt.prompt_hash(criterion)
    system, schema = db.execute("select system, schema from prompts where prompt_hash = ?", [run]).fetchone()
    # What was kept is what was sent: the system prompt the fake API received.
    assert system == prompt.system_prompt(criterion)
    assert fake.state.requests and fake.state.requests[-1]["system"][0]["text"] == system
    assert '"enum": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]' in schema
