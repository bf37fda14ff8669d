"""Prices: genai-prices first, prices.toml for what it lacks."""

import pytest

from score import prices


def test_every_listed_model_has_a_price():
    for model in prices.models():
        price = prices.price(model)
        assert price.source.startswith("genai-prices") and price.rates is None
        assert price.cost({"input_tokens": 1000, "output_tokens": 100}) > 0


def test_genai_prices_gives_batch_and_cache_prices():
    price = prices.price("claude-sonnet-5-5")
    call = {"input_tokens": 1000, "output_tokens": 200}
    assert price.cost(call, batch=True) == pytest.approx(price.cost(call) / 2)
    # The API counts cached tokens apart from input_tokens; they are paid on top, at their own rate.
    read = price.cost({"input_tokens": 1000, "cache_read_input_tokens": 1000}) - price.cost({"input_tokens": 1000})
    write = price.cost({"input_tokens": 1000, "cache_creation_input_tokens": 1000}) - price.cost({"input_tokens": 1000})
    assert 0 < read < price.cost({"input_tokens": 1000}) < write


def test_a_model_genai_prices_lacks_is_priced_from_the_file(tmp_path):
    path = tmp_path / "prices.toml"
    path.write_text(
        'default = "claude-new"\nbatch_discount = 0.5\n'
        "[models.claude-new]\ncache_min_tokens = 2048\ninput = 3.0\noutput = 15.0\ncache_write = 3.75\ncache_read = 0.3\n"
    )
    price = prices.price("claude-new", path)
    assert price.source == "prices.toml" and price.cache_min_tokens == 2048
    usage = {"input_tokens": 1_000_000, "output_tokens": 1_000_000, "cache_read_input_tokens": 1_000_000}
    assert price.cost(usage) == pytest.approx(18.3)
    assert price.cost(usage, batch=True) == pytest.approx(9.15)


def test_an_unpriced_or_half_priced_model_is_refused(tmp_path):
    with pytest.raises(prices.UnknownModel, match="genai-prices .* does not know it"):
        prices.price("claude-imaginary-9")
    path = tmp_path / "prices.toml"
    path.write_text('default = "x"\n[models.claude-new]\ninput = 3.0\n')
    with pytest.raises(prices.UnknownModel, match="must give all of input, output, cache_write, cache_read"):
        prices.price("claude-new", path)


def test_a_dated_model_id_takes_its_models_price():
    assert prices.price("claude-sonnet-5-5-20261001").cost({"input_tokens": 1000}) == prices.price("claude-sonnet-5-5").cost(
        {"input_tokens": 1000}
    )
