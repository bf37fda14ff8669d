"""Stage 2: score every occupation in data.db on a criterion.

A criterion is one file in ``score/criteria/``: a small TOML header (scale,
tiers, colours) and a rubric. ``python -m score run`` asks a Claude model for
a score and a short rationale per occupation, through the real ``anthropic``
SDK; ``python -m score import`` brings in published scores with their source.
Every score is kept with its run (model or source, prompt hash, tokens, cost).
Run ``python -m score --help``.
"""
