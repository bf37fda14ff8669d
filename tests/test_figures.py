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
