"""The GitHub workflows: valid against the workflow schema (offline), calling
the README's commands, and the refresh workflow's steps run here end to end
with a local OOH copy and the fake Messages API in place of the real ones."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils
import yaml
from conftest import ROOT, need_bls_copy, project_copy
from fake_anthropic import FakeAnthropic
from servers import Server

WORKFLOWS = ROOT / ".github" / "workflows"


def workflow(name):
    return yaml.safe_load((WORKFLOWS / name).read_text())


def readme_commands():
    text = (ROOT / "README.md").read_text()
    quick = text[text.index("## Quick start") : text.index("## The pipeline")]
    return [line.strip() for line in quick.splitlines() if line.startswith("    ")]


def test_workflows_are_valid_against_the_github_schema():
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert len(files) == 3
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", *files],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflows_call_the_readme_commands():
    serve, test = readme_commands()
    assert serve == "pip install -e . && npm ci && python build.py --serve"
    ci_steps = [s.get("run") for s in workflow("ci.yml")["jobs"]["test"]["steps"]]
    assert test in ci_steps
    ci_script = (ROOT / ".ci" / "run").read_text()
    assert test in ci_script
    install = serve.rsplit(" && ", 1)[0]
    for name in ("pages.yml", "refresh.yml"):
        jobs = workflow(name)["jobs"]
        steps = next(iter(jobs.values()))["steps"]
        runs = [s.get("run", "") for s in steps]
        assert install in runs, name
        assert any("build.py" in r and "--check" in r for r in runs), f"{name} deploys without a smoke check"
        uses = [s.get("uses", "") for s in steps] + [s.get("uses", "") for s in jobs["deploy"]["steps"]]
        assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
        assert any(u.startswith("actions/deploy-pages@") for u in uses)
    triggers = workflow("refresh.yml")[True]  # YAML reads the key `on` as True
    assert "schedule" in triggers and "workflow_dispatch" in triggers
    assert set(triggers["workflow_dispatch"]["inputs"]) == {"criterion", "model", "level", "batch"}


# What GitHub puts in the expressions the workflows use, for a fork named worklens.
GITHUB_CONTEXT = {"github.event.repository.name": "worklens"}


def run_steps(job, cwd, env, skip=("Install",), secrets=None, github=None):
    """Run a job's `run:` steps as GitHub would (bash -e -o pipefail),
    skipping `uses:` steps and the install step (this environment has the
    packages already). Step `env:` is applied with ``${{ secrets.X }}`` taken
    from ``secrets``; `if:` conditions on env values and `!cancelled()` are
    evaluated; the step summary and outputs go to files under ``github``."""
    outputs = []
    secrets = secrets or {}
    github = github or cwd.parent / "github"
    github.mkdir(exist_ok=True)
    base = {**env, "GITHUB_STEP_SUMMARY": str(github / "summary.md"), "GITHUB_OUTPUT": str(github / "output")}
    # A step's `python` is the one running the tests, as the install step makes it on GitHub, whether or not
    # its virtual environment is activated here.
    base["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), base.get("PATH", os.defpath)])
    for step in job["steps"]:
        if "run" not in step or step.get("name") in skip:
            continue
        condition = step.get("if", "")
        match = re.fullmatch(r"env\.(\w+) == '(\w+)'", condition)
        if match and base.get(match.group(1)) != match.group(2):
            continue
        assert not condition or match or condition == "${{ !cancelled() }}", f"the test cannot evaluate `if: {condition}`"
        step_env = dict(base)
        for name, value in step.get("env", {}).items():
            secret = re.fullmatch(r"\$\{\{ (secrets|vars)\.(\w+) \}\}", value)
            context = re.fullmatch(r"\$\{\{ (github\.[\w.]+) \}\}", value)
            if context:
                assert context.group(1) in GITHUB_CONTEXT, f"the test cannot evaluate {value}"
                step_env[name] = GITHUB_CONTEXT[context.group(1)]
            else:
                step_env[name] = secrets.get(secret.group(2), "") if secret else value  # an unset variable is ""
        result = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", step["run"]],
            cwd=cwd,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        outputs.append((step.get("name"), result))
        if result.returncode != 0 and not step.get("continue-on-error"):
            raise AssertionError(f"step {step.get('name')!r} failed:\n{result.stdout}\n{result.stderr}")
    return outputs


def step_output(github, name):
    lines = (github / "output").read_text().splitlines() if (github / "output").exists() else []
    return dict(line.split("=", 1) for line in lines).get(name)


def test_workflows_declare_least_privilege_and_pin_every_action():
    for path in sorted(WORKFLOWS.glob("*.yml")):
        flow = yaml.safe_load(path.read_text())
        assert flow.get("permissions") == {}, f"{path.name}: the top level grants nothing"
        for name, job in flow["jobs"].items():
            assert "permissions" in job, f"{path.name}: job {name} declares its permissions"
            for step in job.get("steps", []):
                if "uses" in step:
                    assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), (
                        f"{path.name}: {step['uses']} is not pinned"
                    )
    refresh = workflow("refresh.yml")["jobs"]
    assert refresh["refresh"]["permissions"] == {"contents": "write"}
    assert refresh["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    # The API key reaches only the steps that score, never the scrape, the build or the job as a whole.
    assert "ANTHROPIC_API_KEY" not in refresh["refresh"]["env"]
    with_key = [s["name"] for s in refresh["refresh"]["steps"] if "ANTHROPIC_API_KEY" in s.get("env", {})]
    assert with_key == ["Send the batch", "Score what is stale"]
    assert refresh["refresh"]["env"]["MAX_COST"] == "${{ vars.MAX_COST }}"


@pytest.fixture
def fork(tmp_path):
    """A clone of the project with a bare 'origin' to push to."""
    work = project_copy(tmp_path / "work")

    def git(*args, cwd=work):
        return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "start")
    subprocess.run(["git", "init", "-q", "--bare", str(tmp_path / "origin.git")], check=True)
    git("remote", "add", "origin", str(tmp_path / "origin.git"))
    git("push", "-q", "origin", "main")
    git("branch", "--set-upstream-to=origin/main")
    return work


def refresh_env(job, **values):
    env = {**os.environ, **values}
    declared = set(job["env"])
    assert declared == set(values), "the test must set exactly the variables the workflow sets"
    return env


def loopback_env(job, ooh, fake=None, **values):
    """The refresh job's environment as a test sets it, with loopback stand-ins
    for bls.gov and the Messages API (no need to be polite to ourselves); the
    API key is given to the steps that ask for it, as a secret."""
    defaults = {
        "MAX_COST": "",
        "OOH_USER_AGENT": "worklens-tests (loopback only)",
        "REPOSITORY": "worklens",
        "SITE_URL": "",
        "LEVEL": "occupation",
    }
    env = refresh_env(job, **{**defaults, **values})
    env.update(OOH_BASE_URL=ooh.url, OOH_DELAY="0")
    if fake is not None:
        env["ANTHROPIC_BASE_URL"] = fake.url
    env.pop("CI", None)
    env.pop("ANTHROPIC_API_KEY", None)
    return env


def warm_cache(fork, bls_scrape):
    """The fork's cache/ as the run's one scrape of the OOH copy left it: the
    workflow's scrape still asks for every page over HTTP, conditionally."""
    shutil.copytree(bls_scrape.cache, fork / "cache")


def test_refresh_workflow_end_to_end(fork, tmp_path, bls_scrape):
    warm_cache(fork, bls_scrape)
    ooh = Server(need_bls_copy())
    fake = FakeAnthropic(polls_until_ended=2)  # still running when --no-wait looks
    job = workflow("refresh.yml")["jobs"]["refresh"]
    env = loopback_env(job, ooh, fake, CRITERION="humanoid_robotics", MODEL="claude-haiku-5-5", BATCH="true", LEVEL="task")
    try:
        outputs = dict(
            run_steps(job, fork, env, secrets={"ANTHROPIC_API_KEY": fake.env()["ANTHROPIC_API_KEY"]}, github=tmp_path / "github")
        )
    finally:
        ooh.close()
        fake.close()
    assert "342 pages" in outputs["Scrape the OOH"].stdout
    assert "submitted batch" in outputs["Send the batch"].stderr
    assert "resuming batch" in outputs["Score what is stale"].stderr
    db = sqlite_utils.Database(fork / "data.db")
    assert db.execute("select count(*) from current_scores where criterion = 'humanoid_robotics'").fetchone()[0] == 341
    assert db.execute("select count(distinct slug) from task_scores").fetchone()[0] == 341  # scored at task level
    log = subprocess.run(["git", "log", "--format=%s", "origin/main"], cwd=fork, capture_output=True, text=True).stdout
    # The batch id was pushed before the wait for results began.
    assert log.splitlines()[:2] == ["Score humanoid_robotics where stale", "Record the humanoid_robotics batch sent for scoring"]
    assert step_output(tmp_path / "github", "exit") == "0"
    assert (fork / "_site" / "criteria" / "humanoid_robotics.html").is_file()
    assert 'href="/worklens/about.html"' in (fork / "_site" / "index.html").read_text()


def test_refresh_without_a_key_says_so_and_commits_nothing(fork, bls_scrape):
    warm_cache(fork, bls_scrape)
    ooh = Server(need_bls_copy())
    job = workflow("refresh.yml")["jobs"]["refresh"]
    env = loopback_env(job, ooh, CRITERION="ai_exposure", MODEL="", BATCH="true")
    try:
        outputs = dict(run_steps(job, fork, env))
    finally:
        ooh.close()
    assert "ANTHROPIC_API_KEY is not set" in outputs["Score what is stale"].stdout
    assert "data.db is unchanged" in outputs["Commit the scores"].stdout
    log = subprocess.run(["git", "log", "--oneline", "origin/main"], cwd=fork, capture_output=True, text=True).stdout
    assert len(log.splitlines()) == 1


def test_refresh_refused_by_bls_and_partly_failing_still_publishes_what_it_paid_for(fork, tmp_path):
    """bls.gov answers 403 (as it does to many cloud runners) and two
    occupations' replies are invalid twice: the stored data is scored, the
    339 scores that arrived are committed, the summary names the two that
    failed, and the exit code says "partial"."""
    ooh = Server(need_bls_copy())
    ooh.fault("/ooh/a-z-index.htm", {"status": 403, "body": "Access Denied"})
    fake = FakeAnthropic(polls_until_ended=2)  # still running when --no-wait looks
    # Two batch results are invalid, then so are their retries; each result and each call takes one from the queue.
    fake.state.fault("malformed", "malformed", *[None] * 339, "malformed", "malformed")
    job = workflow("refresh.yml")["jobs"]["refresh"]
    env = loopback_env(job, ooh, fake, CRITERION="humanoid_robotics", MODEL="claude-haiku-5-5", BATCH="true", MAX_COST="5")
    github = tmp_path / "github"
    try:
        outputs = dict(run_steps(job, fork, env, secrets={"ANTHROPIC_API_KEY": fake.env()["ANTHROPIC_API_KEY"]}, github=github))
    finally:
        ooh.close()
        fake.close()
    assert "HTTP 403" in outputs["Scrape the OOH"].stderr and outputs["Scrape the OOH"].returncode == 0
    assert outputs["Score what is stale"].returncode == 0
    assert step_output(github, "exit") == "3", outputs["Send the batch"].stderr + outputs["Score what is stale"].stderr
    summary = (github / "summary.md").read_text()
    assert "### Scrape: exit 1" in summary and "### Scoring humanoid_robotics: exit 3" in summary
    assert summary.count("failed ") == 2 and "invalid reply: reply is not JSON" in summary
    db = sqlite_utils.Database(fork / "data.db")
    assert (
        db.execute(
            "select count(*) from scores s join runs r on r.id = s.run_id where r.criterion = 'humanoid_robotics'"
        ).fetchone()[0]
        == 339
    )
    pushed = subprocess.run(["git", "show", "origin/main:data.db"], cwd=fork, capture_output=True).stdout
    assert pushed == (fork / "data.db").read_bytes()
    assert (fork / "_site" / "criteria" / "humanoid_robotics.html").is_file()
    assert max(r["max_cost_usd"] or 0 for r in db["runs"].rows) == 5


def test_pages_workflow_builds_what_it_deploys(fork):
    job = workflow("pages.yml")["jobs"]["build"]
    env = dict(os.environ)
    steps = [s for s in job["steps"] if "run" in s]
    assert re.search(r"REPOSITORY: \$\{\{ github\.event\.repository\.name \}\}", (WORKFLOWS / "pages.yml").read_text())
    outputs = dict(run_steps({"steps": steps}, fork, env))
    assert "nothing loads from another host" in outputs["Build and smoke-check the site"].stdout
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert (fork / upload["with"]["path"] / "index.html").is_file()
