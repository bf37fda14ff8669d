"""Figures computed once, at full precision: ties that are ties, no rounding
before a page rounds for display (issue 30)."""

from pipeline.ranks import percentiles


def test_values_equal_but_for_float_noise_share_their_rank():
    # 0.1 + 0.2 is 0.30000000000000004: a weighted mean can land on either.
    got = percentiles({"noisy": 0.1 + 0.2, "exact": 0.3, "low": 0.1})
    assert got["noisy"] == got["exact"] == 75.0 and got["low"] == 0.0
    # A difference a source can state (six decimals) still orders them.
    got = percentiles({"a": 0.300001, "b": 0.3, "c": 0.1})
    assert got["a"] > got["b"] > got["c"]


def test_percentiles_are_kept_at_full_precision():
    got = percentiles({str(i): float(i) for i in range(7)})
    assert got["1"] == 100 / 6 and got["1"] != round(100 / 6, 2)


def test_a_measure_reaching_a_sliver_of_the_jobs_is_not_a_main_measure():
    from measures.load import MAIN_SHARE, spread_rows

    def row(measure, percentile, share):
        return {"measure": measure, "slug": "assemblers", "percentile": percentile, "employment_share": share}

    values = [row("a", 10.0, 1.0), row("b", 20.0, None), row("c", 30.0, MAIN_SHARE), row("claude", 95.0, 0.08)]
    (spread,) = spread_rows(values, {"a", "b", "c", "claude"})
    assert spread["measures"] == 3 and spread["high"] == 30.0 and spread["median"] == 20.0
    # Not rounded: a page rounds once.
    (spread,) = spread_rows([row("a", 1 / 3, 1.0), row("b", 2 / 3, 1.0), row("c", 1.0, 1.0)], {"a", "b", "c"})
    assert spread["spread"] == 1 - 1 / 3


def test_the_committed_consensus_keeps_to_the_rule():
    import sqlite_utils
    from conftest import ROOT

    from measures.load import MAIN_SHARE

    db = sqlite_utils.Database(ROOT / "data.db")
    counted = dict(
        db.execute(
            "select v.slug, count(*) from measure_values v join measures m on m.name = v.measure "
            "where m.consensus and (v.employment_share is null or v.employment_share >= ?) group by v.slug",
            [MAIN_SHARE],
        ).fetchall()
    )
    for slug, measures in db.execute("select slug, measures from measure_consensus"):
        assert measures == counted[slug], slug
