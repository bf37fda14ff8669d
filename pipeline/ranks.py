"""Percentiles: how the site and the comparison put scales side by side."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

# The keys come back as they went in (slugs, mostly), so callers can sort them.
K = TypeVar("K", bound=Hashable)


def percentiles(values: Mapping[K, float]) -> dict[K, float]:
    """{key: percentile 0-100} among the keys given, ties sharing their mean rank."""
    ordered = sorted(values.items(), key=lambda kv: kv[1])
    out: dict[K, float] = {}
    n, i = len(ordered), 0
    while i < n:
        j = i
        while j + 1 < n and ordered[j + 1][1] == ordered[i][1]:
            j += 1
        rank = (i + j) / 2
        for k in range(i, j + 1):
            out[ordered[k][0]] = round(100 * rank / (n - 1), 2) if n > 1 else 50.0
        i = j + 1
    return out
