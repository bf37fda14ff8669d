"""The server a run talks to, and what it can do.

Claude's API, and the local servers that speak its Messages API (Ollama,
llama.cpp's llama-server, vLLM, LM Studio), differ in what matters here:
whether they honour ``output_config`` (structured output), a forced
``tool_choice``, ``count_tokens`` and Message Batches. Rather than trust a
server's name or version, a run asks it once (``probe``): a token count, a
request that only a server honouring ``output_config`` answers with the
probe's JSON, the same with one forced tool, and a look at the batches list.
The run records what it found (runs.capabilities) and shapes every request
by the strongest means found (``shape``): the schema as ``output_config``,
else as the input schema of one forced tool, else as JSON asked for in the
text. Every reply is checked against the schema whatever the means
(llm.check_reply).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

import anthropic
from anthropic.types import Message

from . import llm

ANTHROPIC_API = "https://api.anthropic.com"
STRUCTURED = ("output_config", "tool", "text")
TOOL = "answer"  # the one tool of the "tool" means; its input is the answer
# The probe asks for something else than what a constrained reply holds, so
# a server that drops the constraint gives itself away: it says hello.
PROBE_ASK = "Reply with the word hello."
PROBE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"probe": {"type": "integer", "enum": [7]}},
    "required": ["probe"],
    "additionalProperties": False,
}
# Room for a model that thinks before it answers: a probe cut off while
# thinking would take a server's structured output for missing.
PROBE_MAX_TOKENS = 1024
# The most the probe can cost: two messages, each under this many tokens in
# (its system prompt, question and schema or tool take about 100) and at
# most PROBE_MAX_TOKENS out. A budget below it is refused before the probe.
PROBE_INPUT_TOKENS = 400
PROBE_WORST = {"input_tokens": 2 * PROBE_INPUT_TOKENS, "output_tokens": 2 * PROBE_MAX_TOKENS}
# HTTP statuses by which a server says it has no such endpoint or feature.
ABSENT = {400, 404, 405, 422, 501}
# One local machine: most local servers answer one or two requests at a time.
LOCAL_CONCURRENCY = 2
REMOTE_CONCURRENCY = 8


@dataclass(frozen=True)
class Server:
    """A server and what its probe found."""

    url: str
    local: bool
    structured: str = "output_config"  # one of STRUCTURED
    count_tokens: bool = True
    batches: bool = True

    def capabilities(self, probe: Mapping[str, int] | None = None, cost: float = 0.0) -> str:
        """What runs.capabilities records (JSON): what the server was found
        to do, and what the probe took (``probe``, its usage; ``cost``, in
        dollars: both are in the run's totals, not in any score's)."""
        found: dict[str, Any] = asdict(self)
        del found["url"]
        found["probe"] = {**(probe or {}), "cost_usd": cost}
        return json.dumps(found, sort_keys=True)

    def describe(self) -> str:
        """One line on what the probe found, for the user."""
        means = {
            "output_config": "structured output",
            "tool": "one forced tool",
            "text": "JSON asked for in the text",
        }[self.structured]
        lacks = [name for name, has in (("count_tokens", self.count_tokens), ("Message Batches", self.batches)) if not has]
        return (
            f"{self.url}{' (this machine or the local network)' if self.local else ''}: the answer's schema sent as {means}"
            + (f"; no {' and no '.join(lacks)}" if lacks else "")
        )

    def shape(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """A request made for structured output (prompt.request), reshaped
        for this server's strongest means of it."""
        return shape(params, self.structured)


def base_url(given: str | None, client: anthropic.Anthropic | None = None) -> str:
    """The server's address as runs.server records it: without a user name,
    password, query or trailing slash (an address may carry credentials)."""
    url = given or (str(client.base_url) if client is not None else ANTHROPIC_API)
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}".rstrip("/")


def is_local(url: str) -> bool:
    """Whether ``url`` is this machine or the local network: loopback,
    private or link-local addresses, localhost, names under .local or
    .localhost. Names are not looked up."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if host == "localhost" or host.endswith((".localhost", ".local")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def shape(params: Mapping[str, Any], structured: str) -> dict[str, Any]:
    """``params`` (with ``output_config.format``) for ``structured``: as it
    is; the schema as the input of one tool the reply must call; or the
    schema in the system prompt, the reply's text holding the JSON."""
    if structured not in STRUCTURED:
        raise ValueError(f"structured must be one of {', '.join(STRUCTURED)}")
    if structured == "output_config":
        return dict(params)
    out = dict(params)
    config = dict(out.pop("output_config", {}))
    schema = config.pop("format")["schema"]
    if config:  # effort stays: a server that does not know it ignores it
        out["output_config"] = config
    if structured == "tool":
        out["tools"] = [{"name": TOOL, "description": "Record the answer.", "input_schema": schema}]
        out["tool_choice"] = {"type": "tool", "name": TOOL}
    else:
        ask = "Reply with one JSON object and nothing else, valid against this JSON schema:\n" + json.dumps(
            schema, sort_keys=True
        )
        out["system"] = [*out["system"], {"type": "text", "text": ask}]
    return out


def repair(params: Mapping[str, Any], reply: str, reason: str) -> dict[str, Any]:
    """The one request that may follow an invalid reply: the conversation
    with that reply and what is wrong with it."""
    if not reply.strip():
        return dict(params)
    said = f"That reply cannot be used: {reason}. Answer again, with only the answer in the form asked for."
    return {
        **params,
        "messages": [*params["messages"], {"role": "assistant", "content": reply}, {"role": "user", "content": said}],
    }


def probe(
    client: anthropic.Anthropic,
    model: str,
    url: str,
    *,
    throttle: llm.Throttle,
    log: Callable[[str], object] | None = None,
    usage: dict[str, int] | None = None,
) -> Server:
    """What the server at ``url`` can do for ``model``, found by at most two
    short messages and two free requests. Raises llm.Fatal, before any
    occupation is asked, when the key is refused, the model is unknown, the
    server cannot be reached or does not answer as the Messages API does.
    ``usage`` gathers the probe's tokens (the run pays for them)."""
    counted = _counts_tokens(client, model, throttle=throttle, log=log)
    structured = "text"
    for means in ("output_config", "tool"):
        message = _ask(client, model, means, throttle=throttle, log=log)
        if message is None:
            continue
        if usage is not None:
            llm.add_usage(usage, llm.usage_dict(message.usage))
        if _constrained(message, means):
            structured = means
            break
    return Server(url, is_local(url), structured, counted, _lists_batches(client, throttle=throttle, log=log))


def _counts_tokens(
    client: anthropic.Anthropic, model: str, *, throttle: llm.Throttle, log: Callable[[str], object] | None
) -> bool:
    """One free request before any paid one, so that a refused key or an
    unreachable server is one line, not a retry per occupation."""
    try:
        llm.retrying(
            lambda: client.messages.count_tokens(model=model, messages=[{"role": "user", "content": "ping"}]),
            throttle=throttle,
            retries=2,
            log=log,
            what=" to a token count",
        )
    except llm.RetryableFailure as exc:
        raise llm.Fatal(f"the API could not be reached: {exc}") from None
    except llm.Fatal as exc:
        if exc.status in (401, 403):
            raise llm.Fatal(f"the API refused ANTHROPIC_API_KEY ({exc}); nothing was spent", exc.status) from None
        if exc.status in ABSENT:  # no count_tokens (or no such model: the next request says which)
            return False
        raise
    return True


def _ask(
    client: anthropic.Anthropic, model: str, means: str, *, throttle: llm.Throttle, log: Callable[[str], object] | None
) -> Message | None:
    """The probe's message by ``means``, or None when the server refuses the
    request's shape (400, 422: it knows no such field)."""
    params = shape(
        {
            "model": model,
            "max_tokens": PROBE_MAX_TOKENS,
            "system": [{"type": "text", "text": "You are being tested."}],
            "messages": [{"role": "user", "content": PROBE_ASK}],
            "output_config": {"format": {"type": "json_schema", "schema": PROBE_SCHEMA}},
        },
        means,
    )
    try:
        return llm.checked(
            llm.retrying(lambda: client.messages.create(**params), throttle=throttle, retries=2, log=log, what=" to the probe")
        )
    except llm.InvalidReply as exc:
        raise llm.Fatal(f"the server does not answer as the Messages API does ({exc.reply[:200]})") from None
    except llm.RetryableFailure as exc:
        raise llm.Fatal(f"the server could not be reached: {exc}") from None
    except llm.Fatal as exc:
        if exc.status in (401, 403):
            raise llm.Fatal(f"the server refused ANTHROPIC_API_KEY ({exc}); nothing was spent", exc.status) from None
        if exc.status == 404:
            raise llm.Fatal(
                f"the server does not know model {model!r}, or has no Messages API at this address ({exc})", 404
            ) from None
        if exc.status in (400, 422):
            return None
        raise


def _constrained(message: Message, means: str) -> bool:
    """Whether the probe's reply is the probe's JSON, as only a server that
    honours ``means`` gives it."""
    if means == "tool":
        calls = [b for b in message.content if b.type == "tool_use" and b.name == TOOL]
        return len(calls) == 1 and calls[0].input == {"probe": 7}
    try:
        return bool(json.loads(llm.reply_text(message)) == {"probe": 7})
    except ValueError:
        return False


def _lists_batches(client: anthropic.Anthropic, *, throttle: llm.Throttle, log: Callable[[str], object] | None) -> bool:
    try:
        llm.retrying(
            lambda: client.messages.batches.list(limit=1), throttle=throttle, retries=2, log=log, what=" listing batches"
        )
    except (llm.Fatal, llm.RetryableFailure):
        return False
    return True
