"""How the site says a number in words, written once for the pages and,
as a table, for their scripts."""

from __future__ import annotations


def percentile_text(value: float) -> str:
    """63.4 -> "63rd": a percentile as readers say it."""
    n = int(round(value))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# Every whole percentile as readers say it, for the pages' scripts: the rule is written once, above.
ORDINALS = [percentile_text(v) for v in range(101)]
