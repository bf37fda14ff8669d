"""Token prices from ``prices.toml``, and what a call costs."""

import tomllib
from dataclasses import dataclass
from pathlib import Path

PRICES_FILE = Path(__file__).resolve().parent / "prices.toml"


class UnknownModel(ValueError):
    pass


@dataclass(frozen=True)
class Price:
    model: str
    input: float
    output: float
    cache_write: float
    cache_read: float
    cache_min_tokens: int
    batch_discount: float

    def cost(self, usage, batch=False):
        """Dollars for one call's usage: a dict of the API's usage counts."""
        dollars = (
            usage.get("input_tokens", 0) * self.input
            + usage.get("output_tokens", 0) * self.output
            + usage.get("cache_creation_input_tokens", 0) * self.cache_write
            + usage.get("cache_read_input_tokens", 0) * self.cache_read
        ) / 1_000_000
        return dollars * (self.batch_discount if batch else 1.0)


def table(path=PRICES_FILE):
    return tomllib.loads(Path(path).read_text())


def price(model, path=PRICES_FILE):
    data = table(path)
    entry = data["models"].get(model)
    if entry is None:
        raise UnknownModel(f"no price for model {model!r} in {Path(path).name} (known: {', '.join(data['models'])})")
    return Price(
        model=model,
        input=entry["input"],
        output=entry["output"],
        cache_write=entry["cache_write"],
        cache_read=entry["cache_read"],
        cache_min_tokens=entry["cache_min_tokens"],
        batch_discount=data["batch_discount"],
    )


def default_model(path=PRICES_FILE):
    return table(path)["default"]
