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
    """The overlap share, occupation by occupation: each holds the share of a
    place in a tenth that the rule gives it (ties at the edge share the places
    left), and the overlap is the sum of the products over k."""
    n, k = len(a), max(1, round(len(a) / 10))

    def place(x, j):
        beyond = sum((v > x[j]) if top else (v < x[j]) for v in x)
        tied = sum(v == x[j] for v in x)
        return min(1, max(0, (k - beyond) / tied))

    return sum(place(a, j) * place(b, j) for j in range(n)) / k


def by_chance(a, b, top, trials=3000, seed=7):
    """The same share as the mean over ties broken at random: exactly k
    occupations in each tenth, every time."""
    rng = np.random.default_rng(seed)
    n, k = len(a), max(1, round(len(a) / 10))
    sign = -1 if top else 1
    total = 0
    for _ in range(trials):
        one = set(np.lexsort((rng.random(n), sign * a))[:k])
        other = set(np.lexsort((rng.random(n), sign * b))[:k])
        total += len(one & other) / k
    return total / trials


def test_the_overlap_is_the_share_of_one_tenth_in_the_other():
    rng = np.random.default_rng(4)
    a = rng.normal(size=80)
    b = a + rng.normal(scale=1.5, size=80)
    got = tenth_overlap(a, b, seed=1)
    assert got[0] == pytest.approx(by_hand(a, b, True), abs=1e-9)
    assert got[3] == pytest.approx(by_hand(a, b, False), abs=1e-9)
    assert got[1] <= got[0] <= got[2] and got[4] <= got[3] <= got[5]
    same = tenth_overlap(a, a, seed=1)
    assert (same[0], same[3]) == (1.0, 1.0) and tenth_overlap(a, -a, seed=1) == (0.0,) * 6
    assert tenth_overlap(np.ones(20), a[:20], seed=1) == (None,) * 6  # no order, no tenth


def test_a_tenth_is_a_tenth_when_many_tie():
    """30 zeros among 80 (k = 8): they share the bottom tenth's 8 places, so
    the overlap is what breaking the tie at random gives on average, not the
    share of a 'tenth' of 30 (issue 30: 82% printed where true tenths give 21%)."""
    rng = np.random.default_rng(4)
    z = np.r_[np.zeros(30), rng.normal(size=50) + 5]
    b = rng.normal(size=80)
    got = tenth_overlap(z, b, seed=1)
    assert got[3] == pytest.approx(by_hand(z, b, False), abs=1e-9)
    assert got[3] == pytest.approx(by_chance(z, b, False), abs=0.01)
    # Counting every tied zero as in the tenth gave the share of b's bottom eight among 30 zeros.
    whole = len(set(np.argsort(b)[:8]) & set(range(30))) / 8
    assert got[3] < whole
    # Two sources tied the same way agree as much as chance lets the tie agree: 8/30 of each place.
    assert tenth_overlap(z, z, seed=1)[3] == pytest.approx(8 / 30, abs=1e-9)


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
