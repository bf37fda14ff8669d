"""The code is linted and formatted by ruff (its settings are in pyproject.toml),
the pages' scripts by Biome (biome.json); the test command runs this, so CI
does too. Fix with: ruff check --fix . && ruff format . && npx biome check --write"""

import subprocess
import sys

import pytest
from conftest import ROOT


@pytest.mark.parametrize("args", [["check", "."], ["format", "--check", "."]], ids=["lint", "format"])
def test_ruff_finds_nothing(args):
    result = subprocess.run([sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_biome_finds_nothing_in_the_pages_scripts():
    # The pages' ES modules and the build's Node.js script, linted and formatted by Biome
    # (pinned in package-lock.json; settings in biome.json). Fix with: npx biome check --write
    biome = ROOT / "node_modules" / ".bin" / "biome"
    if not biome.is_file():
        pytest.skip("Biome is not installed: run npm ci")
    result = subprocess.run([str(biome), "ci", "--colors=off"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    # Every module of site_templates/js/, website/predraw.mjs and biome.json itself: none left out by its settings.
    scripts = list((ROOT / "site_templates" / "js").glob("*.mjs")) + list((ROOT / "website").glob("*.mjs"))
    assert f"Checked {len(scripts) + 1} files" in result.stdout + result.stderr
