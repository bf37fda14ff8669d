"""Calling the Messages API: shared back-off, a budget, and strict checks on
every reply. Only the ``anthropic`` SDK talks to the network."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, overload

import anthropic
from anthropic.types import Message, Usage

from . import tasks
from .criteria import Criterion

T = TypeVar("T")

RETRY_STATUSES = {429, 500, 502, 503, 504, 529}
THINKING = re.compile(r"<think>.*?</think>", re.S)


class InvalidReply(ValueError):
    def __init__(self, reason: str, reply: str) -> None:
        super().__init__(reason)
        self.reply = reply


class Fatal(RuntimeError):
    """The whole run must stop: bad key, unknown model, a malformed request,
    an API that cannot be reached."""

    # The run it stopped, once one was started (run.execute sets it).
    run_id: int | None = None

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Stopped(RuntimeError):
    """The run is stopping (Ctrl-C): no new call, no more waiting."""


class OverBudget(RuntimeError):
    pass


class Throttle:
    """What the workers of one run share: when one is told to slow down (429,
    529) every worker waits; a stop (Ctrl-C) ends every wait and every retry
    at once; and after ``max_connection_failures`` calls in a row could not
    reach the API, the run stops instead of retrying every occupation.
    ``first_wait`` is the pause before a first retry, doubled for each
    retry after it (a server's Retry-After wins)."""

    def __init__(self, max_connection_failures: int = 5, first_wait: float = 1.0) -> None:
        self._lock = threading.Lock()
        self.first_wait = first_wait
        self._until = 0.0
        self.stop = threading.Event()
        self.max_connection_failures = max_connection_failures
        self._failures = 0

    def hold(self, seconds: float) -> None:
        with self._lock:
            self._until = max(self._until, time.monotonic() + seconds)

    def sleep(self, seconds: float) -> None:
        if self.stop.wait(seconds):
            raise Stopped()

    def wait(self) -> None:
        while True:
            if self.stop.is_set():
                raise Stopped()
            with self._lock:
                remaining = self._until - time.monotonic()
            if remaining <= 0:
                return
            self.sleep(min(remaining, 1.0))

    def reached(self) -> None:
        with self._lock:
            self._failures = 0

    def unreachable(self, problem: str) -> None:
        with self._lock:
            self._failures += 1
            if self._failures >= self.max_connection_failures:
                raise Fatal(
                    f"the API could not be reached {self._failures} times in a row ({problem}); "
                    "check the network and ANTHROPIC_BASE_URL, then run again"
                )


class Budget:
    """Spending so far plus what calls under way could still cost. A call is
    only made when its worst case fits, so a run stops before the budget is
    exceeded rather than after."""

    def __init__(self, limit: float | None, spent: float = 0.0) -> None:
        self.limit = limit
        self.spent = spent
        self.reserved = 0.0
        self._lock = threading.Lock()

    def reserve(self, amount: float) -> bool:
        with self._lock:
            if self.limit is not None and self.spent + self.reserved + amount > self.limit:
                return False
            self.reserved += amount
            return True

    def settle(self, reserved: float, actual: float) -> None:
        with self._lock:
            self.reserved -= reserved
            self.spent += actual


def usage_dict(usage: Usage | None) -> dict[str, int]:
    if usage is None:
        return {}
    return {
        key: getattr(usage, key, 0) or 0
        for key in ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    }


def add_usage(total: dict[str, int], more: Mapping[str, int]) -> dict[str, int]:
    for key, value in more.items():
        total[key] = total.get(key, 0) + value
    return total


def reply_text(message: Message) -> str:
    """The text of the reply; thinking blocks, if any, are skipped."""
    return "".join(block.text for block in message.content if block.type == "text")


def answer_of(message: Message) -> tuple[object, str]:
    """(the answer, the reply as text): the input of the reply's one tool
    call, or else the one JSON object its text holds, alone, in a code
    fence or with words around it (servers without structured output answer
    so). Raises InvalidReply when there is no such answer or more than one."""
    calls = [block for block in message.content if block.type == "tool_use"]
    text = reply_text(message)
    if len(calls) > 1:
        raise InvalidReply(f"reply calls {len(calls)} tools, not one", text)
    if calls:
        return calls[0].input, json.dumps(calls[0].input)
    try:
        return json.loads(text), text
    except ValueError:
        pass
    # Some servers leave a model's thinking in the text, drafts of the answer included.
    found = json_objects(THINKING.sub("", text))
    if not found:
        raise InvalidReply("reply is not JSON", text)
    if len(found) > 1:
        raise InvalidReply(f"reply holds {len(found)} JSON objects; which is the answer is not clear", text)
    return found[0], text


def json_objects(text: str) -> list[dict[str, Any]]:
    """Every JSON object in ``text`` that is not inside another."""
    decoder = json.JSONDecoder()
    found: list[dict[str, Any]] = []
    at = text.find("{")
    while at != -1:
        try:
            value, end = decoder.raw_decode(text, at)
        except ValueError:
            at = text.find("{", at + 1)
            continue
        if isinstance(value, dict):
            found.append(value)
        at = text.find("{", end)
    return found


@overload
def check_reply(message: Message, criterion: Criterion, task_ids: None = None) -> tuple[int, str]: ...
@overload
def check_reply(message: Message, criterion: Criterion, task_ids: Sequence[int]) -> tuple[dict[int, int], str]: ...
def check_reply(
    message: Message, criterion: Criterion, task_ids: Sequence[int] | None = None
) -> tuple[int | dict[int, int], str]:
    """(score, rationale) from a reply, or ({task_id: score}, rationale) at
    task level, or InvalidReply saying what is wrong."""
    text = reply_text(message)
    if message.stop_reason == "max_tokens":
        raise InvalidReply("reply cut off at max_tokens", text)
    if message.stop_reason == "refusal":
        raise InvalidReply("the model refused", text)
    data, text = answer_of(message)
    field = "score" if task_ids is None else "tasks"
    value: int | dict[int, int]
    if not isinstance(data, dict) or set(data) != {field, "rationale"}:
        raise InvalidReply(f"reply does not have exactly the fields {field} and rationale", text)
    if task_ids is None:
        value = _score(data["score"], criterion, text)
    else:
        names = {tasks.key(t): t for t in task_ids}
        given = data["tasks"]
        if not isinstance(given, dict) or set(given) != set(names):
            count = len(given) if isinstance(given, dict) else 0
            raise InvalidReply(f"reply scores {count} tasks, not exactly the {len(names)} sent", text)
        value = {names[k]: _score(v, criterion, text) for k, v in given.items()}
    rationale = data["rationale"]
    if not isinstance(rationale, str) or not rationale.strip():
        raise InvalidReply("rationale is empty", text)
    if len(rationale) > 2000:
        raise InvalidReply("rationale is longer than 2,000 characters", text)
    return value, " ".join(rationale.split())


def _score(score: object, criterion: Criterion, text: str) -> int:
    if not isinstance(score, int) or isinstance(score, bool):
        raise InvalidReply("score is not an integer", text)
    if not criterion.min <= score <= criterion.max:
        raise InvalidReply(f"score {score} is outside {criterion.min}-{criterion.max}", text)
    return score


def call(
    client: anthropic.Anthropic,
    params: Mapping[str, Any],
    *,
    throttle: Throttle,
    retries: int = 5,
    log: Callable[[str], object] | None = None,
) -> Message:
    """messages.create with the shared back-off; InvalidReply when what came
    back is not a message."""
    return checked(retrying(lambda: client.messages.create(**params), throttle=throttle, retries=retries, log=log))


def checked(message: Message) -> Message:
    """``message``, if it has the shape of one: the SDK reads whatever JSON a
    server sends into a Message without checking it (a server answering in
    another API's format gives one with no content)."""
    content = getattr(message, "content", None)
    if not isinstance(content, list) or not all(isinstance(getattr(b, "type", None), str) for b in content):
        raise InvalidReply("the server's reply is not a Messages API message", str(message.to_dict())[:2000])
    return message


def retrying(
    request: Callable[[], T], *, throttle: Throttle, retries: int = 5, log: Callable[[str], object] | None = None, what: str = ""
) -> T:
    """Make one API request with back-off on 429, 529, 5xx, timeouts and
    dropped connections, honouring Retry-After. Raises Fatal for errors no
    retry fixes (its ``status`` says which), RetryableFailure when retries run
    out, and Stopped as soon as the run is told to stop."""
    for attempt in range(retries + 1):
        throttle.wait()
        wait = min(throttle.first_wait * 2.0**attempt, 60.0)
        try:
            result = request()
        except anthropic.APIStatusError as exc:
            throttle.reached()
            status = exc.status_code
            if status not in RETRY_STATUSES:
                raise Fatal(f"the API answered HTTP {status}{what}: {_error_message(exc)}", status) from None
            wait = _retry_after(exc.response.headers, wait)
            problem = f"HTTP {status}"
            if status in (429, 529):
                throttle.hold(wait)
        except anthropic.APITimeoutError:
            problem = "timed out"
            throttle.unreachable(problem)
        except anthropic.APIConnectionError as exc:
            problem = f"connection failed: {exc.__cause__ or exc}"
            throttle.unreachable(problem)
        else:
            throttle.reached()
            return result
        if attempt == retries:
            raise RetryableFailure(f"{problem}{what} after {retries + 1} attempts")
        if log:
            log(f"{problem}{what}; retrying in {wait:g}s")
        throttle.sleep(wait)
    # Only a negative ``retries`` gets here: the last attempt returns or raises.
    raise ValueError(f"retries must be 0 or more, not {retries}")


class RetryableFailure(RuntimeError):
    """Retries ran out for this occupation; the run goes on with the others."""


def _retry_after(headers: Mapping[str, str], default: float) -> float:
    value = headers.get("retry-after")
    if value is None:
        return default
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return default
    return min(seconds, 300.0) if seconds >= 0 else default


def _error_message(exc: anthropic.APIStatusError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error")
    if not isinstance(error, dict):
        error = {}
    return error.get("message") or str(exc)
