"""measure_agreement says, beside Spearman, how far two sources agree on the
most and the least exposed tenth of occupations, with a bootstrap interval."""

from pathlib import Path

import numpy as np
import pytest
import sqlite_utils

from compare import refresh
from compare.measures import tenth_overlap
from measures import load
from scrape import store as scrape_store

REFERENCE = Path(__file__).resolve().parent / "fixtures" / "reference"


def by_hand(a, b, top):
    """The overlap share, counted occupation by occupation."""
    n, k = len(a), max(1, round(len(a) / 10))

    def tenth(x):
        return {j for j in range(n) if sum((v > x[j]) if top else (v < x[j]) for v in x) < k}

    one, other = tenth(a), tenth(b)
    return len(one & other) / min(len(one), len(other))


def test_the_overlap_is_the_share_of_one_tenth_in_the_other():
    rng = np.random.default_rng(4)
    a = rng.normal(size=80)
    b = a + rng.normal(scale=1.5, size=80)
    got = tenth_overlap(a, b, seed=1)
    assert got[0] == pytest.approx(by_hand(a, b, True), abs=1e-3)
    assert got[3] == pytest.approx(by_hand(a, b, False), abs=1e-3)
    assert got[1] <= got[0] <= got[2] and got[4] <= got[3] <= got[5]
    # Ties at the boundary count whole: 30 zeros are all in the bottom tenth of 80 (k = 8).
    z = np.r_[np.zeros(30), rng.normal(size=50) + 5]
    assert tenth_overlap(z, b, seed=1)[3] == pytest.approx(by_hand(z, b, False), abs=1e-3)
    assert tenth_overlap(a, a, seed=1) == (1.0,) * 6 and tenth_overlap(a, -a, seed=1) == (0.0,) * 6
    assert tenth_overlap(np.ones(20), a[:20], seed=1) == (None,) * 6  # no order, no tenth


def test_compare_writes_the_overlaps_beside_spearman(tmp_path):
    db = sqlite_utils.Database(tmp_path / "data.db")
    db.executescript(scrape_store.SCHEMA)
    for i in range(30):
        slug, soc = f"occupation-{i}", "11-1011" if i % 3 == 0 else "15-1252" if i % 3 == 1 else "15-1253"
        db["occupations"].insert({"slug": slug, "title": slug, "category": "t", "url": "https://www.bls.gov/x", "jobs": 10 + i})
        db["projections"].insert({"slug": slug, "row": 0, "soc_code": soc, "title": soc, "level": 0, "employment_base": 10 + i})
    load.run(db, REFERENCE, REFERENCE / "measures.toml")
    refresh.run(db)
    row = next(db.query("select * from measure_agreement where a = 'fixture_soc' and b = 'fixture_onet'"))
    for side in ("top", "bottom"):
        low, share, high = row[f"{side}_overlap_low"], row[f"{side}_overlap"], row[f"{side}_overlap_high"]
        assert 0 <= low <= share <= high <= 1
