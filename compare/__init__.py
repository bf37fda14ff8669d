"""Stage 5: how every source of a number agrees with every other.

Reads what the earlier stages wrote (current and complete runs and their
scores from ``score``, published measures and task labels from
``measures``) and writes, only where something changed:

- ``score_percentiles``: each criterion's current scores as percentiles, so
  a score and a published measure can be read on one scale
- ``measure_agreement``: rank correlation of every pair of measures and criteria
- ``task_agreement``: every task-level run against people's and GPT-4's task labels
- ``run_agreement``: every pair of complete runs of a criterion

    python -m compare
"""
