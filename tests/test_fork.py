"""The fork path from docs/adding-a-criterion.md, followed literally: copy the
project, add the example criterion file, score it against the fake Messages
API, build, and find the new layer on the home page and occupation pages."""

import html
import json
import os
import re
import subprocess
import sys

from conftest import ROOT, project_copy
from fake_anthropic import FAKE_NOTE, FakeAnthropic


def example_criterion():
    doc = (ROOT / "docs" / "adding-a-criterion.md").read_text()
    found = re.search(r"<!-- example: (\S+) -->\n```markdown\n(.*?)```", doc, re.S)
    return found.group(1), found.group(2)


def test_a_fork_adds_a_criterion_and_gets_a_layer(tmp_path):
    fork = project_copy(tmp_path / "fork")
    path, text = example_criterion()
    (fork / path).write_text(text)
    fake = FakeAnthropic()
    env = {**os.environ, **fake.env()}

    def run(*args):
        return subprocess.run([sys.executable, *args], cwd=fork, env=env, capture_output=True, text=True, timeout=300)

    try:
        listed = run("-m", "score", "criteria")
        assert listed.returncode == 0 and "offshoring: Offshoring risk (0-10; none 0-2, some 3-6, most 7-10)" in listed.stdout
        dry = run("-m", "score", "run", "--criterion", "offshoring", "--dry-run")
        assert dry.returncode == 0 and dry.stdout.startswith("341 calls")
        scored = run("-m", "score", "run", "--criterion", "offshoring", "--model", "claude-haiku-5-5", "--max-cost", "1")
        assert scored.returncode == 0, scored.stdout + scored.stderr
        assert "341 scored, 0 failed" in scored.stdout
    finally:
        fake.close()
    built = run("build.py")
    assert built.returncode == 0, built.stderr

    home = (fork / "_site" / "index.html").read_text()
    data = json.loads(re.search(r'<script id="data" type="application/json">(.*?)</script>', home, re.S).group(1))
    layers = {layer["id"]: layer for layer in data["layers"] if layer["group"] == "criteria"}
    assert set(layers) == {"ai_exposure", "offshoring"}
    assert layers["offshoring"]["title"] == "Offshoring risk" and layers["offshoring"]["scheme"] == "ylgnbu"
    assert all(row[data["fields"].index("offshoring")] is not None for row in data["occupations"])
    page = html.unescape((fork / "_site" / "occupations" / "registered-nurses.html").read_text())
    assert "Offshoring risk" in page and FAKE_NOTE in page and "Scored by claude-haiku-5-5" in page
    assert (fork / "_site" / "criteria" / "offshoring.html").is_file()
    # The project's own tree is untouched.
    assert not (ROOT / path).exists()
