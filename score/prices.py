"""What a call costs: prices from genai-prices (the Pydantic team's database
of model prices, a dependency), with ``prices.toml`` for what it does not
know (the shortest prefix each model caches, and models it lacks).

A price change is then a dependency update; ``prices.toml`` is edited only
to add a model genai-prices does not have yet, or to override one.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import genai_prices

PRICES_FILE = Path(__file__).resolve().parent / "prices.toml"
PROVIDER = "anthropic"
BATCH = {"processing": "batch"}  # genai-prices' context for Message Batches prices
# The API ignores a cache mark on a prefix shorter than the model's minimum,
# so a model prices.toml does not describe gets the common minimum.
DEFAULT_CACHE_MIN_TOKENS = 1024
OVERRIDE_FIELDS = ("input", "output", "cache_write", "cache_read")


class UnknownModel(ValueError):
    pass


@dataclass(frozen=True)
class Price:
    model: str
    cache_min_tokens: int
    source: str  # "genai-prices 0.2.3" or "prices.toml"
    rates: dict[str, float] | None = None  # dollars per million tokens, from prices.toml
    batch_discount: float = 0.5
    batch_listed: bool = False  # genai-prices has this model's batch prices
    local: bool = False  # a model on a local server: nothing to pay

    def cost(self, usage: Mapping[str, int | None], batch: bool = False) -> float:
        """Dollars for one call's usage: a dict of the API's usage counts."""
        if self.local:
            return 0.0
        counts = {k: usage.get(k, 0) or 0 for k in ("input_tokens", "output_tokens")}
        cache_write = usage.get("cache_creation_input_tokens", 0) or 0
        cache_read = usage.get("cache_read_input_tokens", 0) or 0
        if self.rates is not None:
            dollars = (
                counts["input_tokens"] * self.rates["input"]
                + counts["output_tokens"] * self.rates["output"]
                + cache_write * self.rates["cache_write"]
                + cache_read * self.rates["cache_read"]
            ) / 1_000_000
            return dollars * (self.batch_discount if batch else 1.0)
        # genai-prices counts cached tokens as part of the input; the API does not.
        tokens = genai_prices.Usage(
            input_tokens=counts["input_tokens"] + cache_write + cache_read,
            cache_write_tokens=cache_write,
            cache_read_tokens=cache_read,
            output_tokens=counts["output_tokens"],
        )
        if batch and self.batch_listed:
            return float(genai_prices.calc_price(tokens, self.model, provider_id=PROVIDER, price_context=BATCH).total_price)
        dollars = float(genai_prices.calc_price(tokens, self.model, provider_id=PROVIDER).total_price)
        return dollars * (self.batch_discount if batch else 1.0)  # no batch price on record: the API's standard discount


def table(path: str | Path = PRICES_FILE) -> dict[str, Any]:
    return tomllib.loads(Path(path).read_text())


def known_to_genai_prices(model: str) -> bool:
    try:
        found = genai_prices.calc_price(genai_prices.Usage(input_tokens=1), model, provider_id=PROVIDER)
    except LookupError:
        return False
    # It matches loosely (prefixes, dated ids); a price for another model is no price.
    return found.model.id == model or model.startswith(found.model.id)


def batch_listed(model: str) -> bool:
    """Whether genai-prices lists batch prices for the model (they are below its standard ones)."""
    probe = genai_prices.Usage(input_tokens=1_000_000)
    full = genai_prices.calc_price(probe, model, provider_id=PROVIDER).total_price
    return genai_prices.calc_price(probe, model, provider_id=PROVIDER, price_context=BATCH).total_price < full


def price(model: str, path: str | Path = PRICES_FILE) -> Price:
    data = table(path)
    entry = data.get("models", {}).get(model) or {}
    given = [f for f in OVERRIDE_FIELDS if f in entry]
    if given and len(given) != len(OVERRIDE_FIELDS):
        raise UnknownModel(f"{Path(path).name}: [models.{model}] must give all of {', '.join(OVERRIDE_FIELDS)} or none")
    cache_min = entry.get("cache_min_tokens", DEFAULT_CACHE_MIN_TOKENS)
    discount = data.get("batch_discount", 0.5)
    if given:
        rates = {f: float(entry[f]) for f in OVERRIDE_FIELDS}
        return Price(model, cache_min, Path(path).name, rates, discount)
    if known_to_genai_prices(model):
        return Price(model, cache_min, f"genai-prices {version('genai-prices')}", None, discount, batch_listed(model))
    raise UnknownModel(
        f"no price for model {model!r}: genai-prices {version('genai-prices')} does not know it and "
        f"{Path(path).name} does not give one (add [models.{model}] with {', '.join(OVERRIDE_FIELDS)})"
    )


LOCAL = "local, no charge"


def price_for(model: str, local: bool, path: str | Path = PRICES_FILE) -> Price:
    """The price of ``model`` as served from a server that is ``local`` or
    not: the price table's, where it has one (a Claude model reached through
    a local proxy is still paid for), else nothing for a model on this
    machine or the local network; elsewhere a model without a price is
    UnknownModel."""
    try:
        return price(model, path)
    except UnknownModel:
        if not local:
            raise
    return Price(model, DEFAULT_CACHE_MIN_TOKENS, LOCAL, local=True)


def models(path: str | Path = PRICES_FILE) -> list[str]:
    """The models prices.toml names, in its order: the ones estimates are shown for."""
    return list(table(path).get("models", {}))


def default_model(path: str | Path = PRICES_FILE) -> str:
    return table(path)["default"]
