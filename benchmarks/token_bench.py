"""What a full scoring run sends and what it would cost, from data.db alone
(no API, nothing written).

Prints, for a criterion, the median and largest request (rubric plus
occupation, at about four characters a token) and the estimated cost of a
run over every occupation on each model in score/prices.toml, at list price
and with the batch discount. The estimate counts the expected reply length
(score.planning.EXPECTED_OUTPUT_TOKENS per occupation, more at task level), not
thinking.

    python benchmarks/token_bench.py [--criterion ai_exposure] [--level occupation --level task]
"""

import statistics
import sys
from pathlib import Path

import click
import sqlite_utils

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from score import criteria, planning, prices  # noqa: E402


def plan_for(db, criterion, model, level):
    kwargs = {"force": True}
    if level != "occupation":  # older checkouts, the baseline, have no levels
        kwargs["level"] = level
    return planning.plan(db, criterion, model, prices.price(model), **kwargs)


@click.command()
@click.option("--criterion", "name", default="ai_exposure", show_default=True)
@click.option("--level", "levels", multiple=True, default=("occupation",), show_default=True)
@click.option("--db", "db_path", default=str(ROOT / "data.db"), show_default="data.db")
def main(name, levels, db_path):
    db = sqlite_utils.Database(db_path)
    criterion = criteria.load(name)
    models = list(prices.table()["models"])
    for level in levels:
        the_plan = plan_for(db, criterion, models[0], level)
        sizes = [the_plan.estimate_input_tokens(job) for job in the_plan.jobs]
        click.echo(
            f"{name}, {level} level: {len(sizes)} requests; input tokens per request: "
            f"median {statistics.median(sizes):,.0f}, 90th percentile {statistics.quantiles(sizes, n=10)[-1]:,.0f}, "
            f"largest {max(sizes):,}"
        )
        for model in models:
            the_plan = plan_for(db, criterion, model, level)
            usage, cost = the_plan.expected_cost()
            _, batch_cost = the_plan.expected_cost(batch=True)
            click.echo(
                f"  {model:<20} {usage['input_tokens']:>9,} in {usage['output_tokens']:>8,} out   "
                f"${cost:8.2f}   batch ${batch_cost:8.2f}"
            )


if __name__ == "__main__":
    main()
