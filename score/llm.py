"""Calling the Messages API: shared back-off, a budget, and strict checks on
every reply. Only the ``anthropic`` SDK talks to the network."""

import json
import threading
import time

import anthropic

RETRY_STATUSES = {429, 500, 502, 503, 504, 529}


class InvalidReply(ValueError):
    def __init__(self, reason, reply):
        super().__init__(reason)
        self.reply = reply


class Fatal(RuntimeError):
    """The whole run must stop: bad key, unknown model, a malformed request."""


class OverBudget(RuntimeError):
    pass


class Throttle:
    """When one worker is told to slow down (429, 529), every worker waits."""

    def __init__(self):
        self._lock = threading.Lock()
        self._until = 0.0

    def hold(self, seconds):
        with self._lock:
            self._until = max(self._until, time.monotonic() + seconds)

    def wait(self):
        while True:
            with self._lock:
                remaining = self._until - time.monotonic()
            if remaining <= 0:
                return
            time.sleep(min(remaining, 1.0))


class Budget:
    """Spending so far plus what calls under way could still cost. A call is
    only made when its worst case fits, so a run stops before the budget is
    exceeded rather than after."""

    def __init__(self, limit, spent=0.0):
        self.limit = limit
        self.spent = spent
        self.reserved = 0.0
        self._lock = threading.Lock()

    def reserve(self, amount):
        with self._lock:
            if self.limit is not None and self.spent + self.reserved + amount > self.limit:
                return False
            self.reserved += amount
            return True

    def settle(self, reserved, actual):
        with self._lock:
            self.reserved -= reserved
            self.spent += actual


def usage_dict(usage):
    if usage is None:
        return {}
    return {
        key: getattr(usage, key, 0) or 0
        for key in ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    }


def add_usage(total, more):
    for key, value in more.items():
        total[key] = total.get(key, 0) + value
    return total


def reply_text(message):
    """The text of the reply; thinking blocks, if any, are skipped."""
    return "".join(block.text for block in message.content if getattr(block, "type", None) == "text")


def check_reply(message, criterion):
    """(score, rationale) from a reply, or InvalidReply saying what is wrong."""
    text = reply_text(message)
    if message.stop_reason == "max_tokens":
        raise InvalidReply("reply cut off at max_tokens", text)
    if message.stop_reason == "refusal":
        raise InvalidReply("the model refused", text)
    try:
        data = json.loads(text)
    except ValueError:
        raise InvalidReply("reply is not JSON", text) from None
    if not isinstance(data, dict) or set(data) != {"score", "rationale"}:
        raise InvalidReply("reply does not have exactly the fields score and rationale", text)
    score, rationale = data["score"], data["rationale"]
    if not isinstance(score, int) or isinstance(score, bool):
        raise InvalidReply("score is not an integer", text)
    if not criterion.min <= score <= criterion.max:
        raise InvalidReply(f"score {score} is outside {criterion.min}-{criterion.max}", text)
    if not isinstance(rationale, str) or not rationale.strip():
        raise InvalidReply("rationale is empty", text)
    if len(rationale) > 2000:
        raise InvalidReply("rationale is longer than 2,000 characters", text)
    return score, " ".join(rationale.split())


def call(client, params, *, throttle, retries=5, log=None):
    """messages.create with back-off on 429, 529, 5xx, timeouts and dropped
    connections, honouring Retry-After. Raises Fatal for errors no retry fixes."""
    for attempt in range(retries + 1):
        throttle.wait()
        wait = min(2.0**attempt, 60.0)
        try:
            return client.messages.create(**params)
        except anthropic.APIStatusError as exc:
            status = exc.status_code
            if status not in RETRY_STATUSES:
                raise Fatal(f"the API answered HTTP {status}: {_error_message(exc)}") from None
            wait = _retry_after(exc.response, wait)
            problem = f"HTTP {status}"
            if status in (429, 529):
                throttle.hold(wait)
        except anthropic.APITimeoutError:
            problem = "timed out"
        except anthropic.APIConnectionError:
            problem = "connection failed"
        if attempt == retries:
            raise RetryableFailure(f"{problem} after {retries + 1} attempts")
        if log:
            log(f"{problem}; retrying in {wait:g}s")
        time.sleep(wait)


class RetryableFailure(RuntimeError):
    """Retries ran out for this occupation; the run goes on with the others."""


def _retry_after(response, default):
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return min(float(value), 300.0) if value is not None else default
    except ValueError:
        return default


def _error_message(exc):
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    return error.get("message") or str(exc)
