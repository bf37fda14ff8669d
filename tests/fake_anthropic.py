"""A fake Anthropic Messages API on loopback, for tests and benchmarks.

It speaks enough of the API for the real ``anthropic`` SDK: messages,
messages/count_tokens and message batches with their results. Replies are
deterministic functions of the request, and say plainly that they are test
replies, so nothing it produces can pass for a real model's judgement.

It can also be one of the local servers that speak the Messages API, each
lacking what its documentation says it lacks (KINDS): Ollama, llama.cpp's
llama-server, vLLM, LM Studio. Where a server drops the request's structured
output or ignores its forced tool, the fake model answers as a model does
when only the prompt asks for JSON: in free text, as bare JSON, in a code
fence, or with words around it.

Faults can be queued: 429 with Retry-After, 529, 500, a slow reply, a reply
that is not JSON, a score out of range, an answer missing, a reply cut at
max_tokens, a reply without token counts; and for batch requests, a 529, a
batch made but answered late, results cut short. A server's capability
probe (a request saying PROBE_ASK) is recorded apart and never faulted.

    python tests/fake_anthropic.py --port 8766 [--delay 1.0] [--kind ollama]
"""

import hashlib
import itertools
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler

from servers import LoopbackServer

API_KEY = "test-key-not-a-secret"
FAKE_NOTE = "Deterministic reply from the test server, not a model's judgement."
# What score's probe asks (score/backend.py): a request saying it is a probe.
PROBE_ASK = "Reply with the word hello."

# What each server does with the parts of the Messages API in which they
# differ, as each project documents it:
#   key: whether a wrong API key is refused (the local servers, run without
#     one, take any);
#   output_config: "honoured" (the reply is JSON valid against its schema) or
#     "dropped" (silently ignored);
#   tool_choice: "refused" (newer Claude models refuse forced tool use),
#     "honoured", "required" (llama.cpp: a forced named tool becomes a
#     generic "required": some tool must be called) or "ignored";
#   count_tokens, batches: whether the endpoints exist (else 404).
KINDS = {
    "claude": {"key": True, "output_config": "honoured", "tool_choice": "refused", "count_tokens": True, "batches": True},
    "ollama": {"key": False, "output_config": "dropped", "tool_choice": "ignored", "count_tokens": False, "batches": False},
    "llamacpp": {"key": False, "output_config": "dropped", "tool_choice": "required", "count_tokens": True, "batches": False},
    "vllm": {"key": False, "output_config": "honoured", "tool_choice": "honoured", "count_tokens": True, "batches": False},
    "lmstudio": {"key": False, "output_config": "dropped", "tool_choice": "ignored", "count_tokens": False, "batches": False},
}


def tokens(text):
    return len(text) // 4 + 1


class State:
    def __init__(self, delay=0.0, polls_until_ended=2, kind="claude"):
        self.lock = threading.Lock()
        self.kind = kind
        self.does = KINDS[kind]
        self.delay = delay
        self.polls_until_ended = polls_until_ended
        self.retry_after = "1"  # the Retry-After of a 429 or 529 fault; None sends none
        self.faults = []  # consumed one per /v1/messages call, in order
        self.requests = []  # every /v1/messages body, but the probe's
        self.probes = []  # the probe's /v1/messages bodies
        self.replies = []  # every message sent back, but the probe's
        self.models = None  # the models it serves (None: any name)
        self.probe_faults = []  # consumed one per probe message: "other_api"
        self.token_counts = 0  # count_tokens requests answered
        self.free_texts = itertools.count()  # free-text replies written, for their form
        self.results_downloads = 0  # batch results downloaded
        self.batches = {}
        self.batch_creations = 0
        self.batch_faults = []  # consumed one per batch request (create, retrieve, results): "529", "slow", "cut"
        self.cached_prefixes = set()
        self.ids = itertools.count(1)

    def fault(self, *kinds):
        with self.lock:
            self.faults.extend(kinds)

    def next_fault(self):
        with self.lock:
            return self.faults.pop(0) if self.faults else None

    def next_batch_fault(self):
        with self.lock:
            return self.batch_faults.pop(0) if self.batch_faults else None


def instance(schema, seed, note, out_of_range=None):
    """A value valid against ``schema`` (the subset structured outputs use:
    objects, enums, integers, numbers, strings, booleans, arrays), each part
    a deterministic function of ``seed`` and its path. ``out_of_range``, a
    one-item list, makes the first integer enum met break its enum instead."""

    def pick(path, count):
        return int(hashlib.sha256(f"{seed}/{path}".encode()).hexdigest()[:8], 16) % count

    def make(node, path):
        if "enum" in node:
            values = node["enum"]
            if out_of_range and isinstance(values[0], int):
                out_of_range.pop()
                return max(values) + 5
            return values[pick(path, len(values))]
        kind = node.get("type")
        if kind == "object":
            return {name: make(sub, f"{path}/{name}") for name, sub in node.get("properties", {}).items()}
        if kind == "array":
            return [make(node.get("items", {}), f"{path}/{i}") for i in range(max(node.get("minItems", 1), 1))]
        if kind == "integer":
            low, high = node.get("minimum", 0), node.get("maximum", 10)
            return low + pick(path, high - low + 1)
        if kind == "number":
            return node.get("minimum", 0) + pick(path, 1000) / 1000
        if kind == "boolean":
            return bool(pick(path, 2))
        return note

    return make(schema, "")


def is_probe(body):
    return any(m.get("content") == PROBE_ASK for m in body.get("messages", []))


def text_of(content):
    return content if isinstance(content, str) else "".join(b.get("text", "") for b in content if isinstance(b, dict))


def schema_in(system):
    """The JSON schema a system prompt spells out, if it does."""
    at = system.find("JSON schema:")
    if at == -1:
        return None
    try:
        return json.JSONDecoder().raw_decode(system[system.index("{", at) :])[0]
    except ValueError:
        return None


def free_text(answer, turn):
    """An answer as a model writes it when only the prompt asks for JSON: bare,
    fenced or among words, each in turn, so that any three replies hold all
    three whatever the prompt says."""
    style = turn % 3
    if style == 1:
        return f"```json\n{json.dumps(answer, indent=2)}\n```"
    if style == 2:
        return f"Here is my assessment of this occupation.\n\n{json.dumps(answer)}\n\nI hope this helps."
    return json.dumps(answer)


def reply_for(body, state, fault=None):
    """The Message the fake model sends back for one request body: an
    instance of the schema the request carries or its prompt spells out,
    in the form the server allows."""
    does = state.does
    system = "".join(block.get("text", "") for block in body.get("system", []) if isinstance(block, dict))
    messages = body["messages"]
    user = text_of(messages[0]["content"])
    conversation = "".join(text_of(m["content"]) for m in messages)
    title = user.splitlines()[0].removeprefix("Occupation: ")
    seed = hashlib.sha256((body["model"] + system + conversation).encode()).hexdigest()  # models differ; samples of one do not
    output_schema = (body.get("output_config") or {}).get("format", {}).get("schema")
    tools = body.get("tools") or []
    choice = (body.get("tool_choice") or {}).get("type")
    forced = None
    if tools and does["tool_choice"] == "honoured" and choice == "tool":
        forced = next(t for t in tools if t["name"] == body["tool_choice"]["name"])
    elif tools and does["tool_choice"] == "required" and choice in ("tool", "any"):
        forced = tools[0]  # some tool must be called, not the one named
    constrained = output_schema if does["output_config"] == "honoured" else None
    schema = constrained or (forced or {}).get("input_schema") or schema_in(system) or output_schema
    if schema is None and tools:
        schema = tools[0]["input_schema"]
    value = instance(schema or {}, seed, f"{FAKE_NOTE} ({title})", [True] if fault == "out_of_range" else None)
    if fault == "missing":  # a reply one answer short: the last property of the first nested object dropped
        inner = next((v for v in value.values() if isinstance(v, dict) and v), None)
        if inner:
            inner.pop(list(inner)[-1])
    stop = "end_turn"
    if is_probe(body) and not (constrained or forced):
        content = [{"type": "text", "text": "Hello!"}]  # as asked: the probe's constraint was dropped
    elif forced and fault not in ("malformed", "max_tokens"):
        content = [{"type": "tool_use", "id": f"toolu_fake_{next(state.ids):06d}", "name": forced["name"], "input": value}]
        stop = "tool_use"
    else:
        text = json.dumps(value) if constrained else free_text(value, next(state.free_texts))
        if fault == "malformed":
            text = "I think the answer is " + json.dumps(value)[:20]
        elif fault == "max_tokens":
            text, stop = text[: len(text) // 2], "max_tokens"
        content = [{"type": "text", "text": text}]
    said = "".join(b.get("text", "") or json.dumps(b.get("input", "")) for b in content)

    cached = [b for b in body.get("system", []) if isinstance(b, dict) and b.get("cache_control")]
    usage = {
        "input_tokens": tokens(conversation),
        "output_tokens": tokens(said),
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }
    if cached and state.kind == "claude":
        key = (body["model"], system)
        with state.lock:
            hit = key in state.cached_prefixes
            state.cached_prefixes.add(key)
        usage["cache_read_input_tokens" if hit else "cache_creation_input_tokens"] = tokens(system)
    else:
        usage["input_tokens"] += tokens(system)
    message = {
        "id": f"msg_fake_{next(state.ids):06d}",
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": usage,
    }
    if fault == "no_usage":
        message["usage"] = {"input_tokens": 0, "output_tokens": 0}
    if fault == "other_api":  # a reply in another API's format, as a proxy in front of the wrong endpoint gives
        return {"id": message["id"], "object": "chat.completion", "choices": [{"message": {"role": "assistant", "content": "4"}}]}
    return message


def check_request(body, kind="claude"):
    """What newer Claude models refuse, refused here too (the other servers
    take what they do not know and ignore it)."""
    if kind != "claude":
        return None if body.get("max_tokens") else "max_tokens is required"
    for name in ("temperature", "top_p", "top_k"):
        if name in body:
            return f"{name} is not supported by this model"
    choice = body.get("tool_choice") or {}
    if choice.get("type") in ("any", "tool"):
        return "forced tool use is not supported by this model"
    if not body.get("output_config", {}).get("format"):
        return "this fake server only answers requests with a structured output format"
    if not body.get("max_tokens"):
        return "max_tokens is required"
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    @property
    def state(self):
        return self.server.state

    def send_json(self, status, payload, headers=None):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("request-id", f"req_fake_{next(self.state.ids):06d}")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, kind, message, headers=None):
        self.send_json(status, {"type": "error", "error": {"type": kind, "message": message}}, headers)

    def authorised(self):
        if not self.state.does["key"]:
            return True
        # The SDK sends the key as x-api-key or as a bearer token, by version.
        given = self.headers.get("x-api-key") or self.headers.get("Authorization", "").removeprefix("Bearer ")
        if given != API_KEY:
            self.error(401, "authentication_error", "invalid API key")
            return False
        return True

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}")

    def do_POST(self):
        if not self.authorised():
            return
        body = self.read_body()
        path = self.path.split("?")[0]
        if path == "/v1/messages":
            self.messages(body)
        elif path == "/v1/messages/count_tokens" and self.state.does["count_tokens"]:
            with self.state.lock:
                self.state.token_counts += 1
            system = "".join(b.get("text", "") for b in body.get("system", []) if isinstance(b, dict))
            user = "".join(m["content"] if isinstance(m["content"], str) else "" for m in body["messages"])
            self.send_json(200, {"input_tokens": tokens(system) + tokens(user)})
        elif path == "/v1/messages/batches" and self.state.does["batches"]:
            self.create_batch(body)
        else:
            self.error(404, "not_found_error", f"no route {path}")

    def messages(self, body):
        probe = is_probe(body)
        with self.state.lock:
            (self.state.probes if probe else self.state.requests).append(body)
        if self.state.models is not None and body.get("model") not in self.state.models:
            return self.error(404, "not_found_error", f"model '{body.get('model')}' not found")
        problem = check_request(body, self.state.kind)
        if problem:
            return self.error(400, "invalid_request_error", problem)
        with self.state.lock:
            fault = (self.state.probe_faults.pop(0) if self.state.probe_faults else None) if probe else None
        fault = fault or (None if probe else self.state.next_fault())
        if self.state.delay:
            time.sleep(self.state.delay)
        retry_after = {"retry-after": self.state.retry_after} if self.state.retry_after is not None else {}
        if fault == "429":
            return self.error(429, "rate_limit_error", "slow down", retry_after)
        if fault == "529":
            return self.error(529, "overloaded_error", "overloaded", retry_after)
        if fault == "529-long":
            return self.error(529, "overloaded_error", "overloaded", {"retry-after": "30"})
        if fault == "500":
            return self.error(500, "api_error", "internal error")
        if fault == "slow":
            time.sleep(3)
        message = reply_for(body, self.state, fault)
        if not probe:
            with self.state.lock:
                self.state.replies.append(message)
        self.send_json(200, message)

    def batch_object(self, batch):
        ended = batch["polls"] >= self.state.polls_until_ended
        host, port = self.server.server_address[:2]
        return {
            "id": batch["id"],
            "type": "message_batch",
            "processing_status": "ended" if ended else "in_progress",
            "request_counts": {
                "processing": 0 if ended else len(batch["requests"]),
                "succeeded": len(batch["requests"]) if ended else 0,
                "errored": 0,
                "canceled": 0,
                "expired": 0,
            },
            "created_at": batch["created"],
            "expires_at": "2099-01-01T00:00:00Z",
            "ended_at": "2026-01-01T00:01:00Z" if ended else None,
            "archived_at": None,
            "cancel_initiated_at": None,
            "results_url": f"http://{host}:{port}/v1/messages/batches/{batch['id']}/results" if ended else None,
        }

    def create_batch(self, body):
        fault = self.state.next_batch_fault()
        if fault == "529":
            return self.error(529, "overloaded_error", "overloaded", {"retry-after": "0"})
        # As the Batches API: each request's custom_id is 1 to 64 letters, digits, - or _, and one of its kind.
        ids = [request.get("custom_id") for request in body["requests"]]
        bad = [i for i in ids if not isinstance(i, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", i)]
        if bad or len(set(ids)) < len(ids):
            problem = f"custom_id {bad[0]!r} does not match ^[a-zA-Z0-9_-]{{1,64}}$" if bad else "custom_id values must be unique"
            return self.error(400, "invalid_request_error", f"requests: {problem}")
        for request in body["requests"]:
            problem = check_request(request["params"], self.state.kind)
            if problem:
                return self.error(400, "invalid_request_error", f"{request['custom_id']}: {problem}")
        with self.state.lock:
            self.state.batch_creations += 1
            batch_id = f"msgbatch_fake_{self.state.batch_creations:04d}"
            created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            batch = {"id": batch_id, "requests": body["requests"], "polls": 0, "created": created}
            self.state.batches[batch_id] = batch
        if fault == "slow":  # made, but the reply comes late: time for the client to be killed
            time.sleep(3)
        self.send_json(200, self.batch_object(batch))

    def do_GET(self):
        if not self.authorised():
            return
        parts = self.path.split("?")[0].strip("/").split("/")
        if parts[:3] == ["v1", "messages", "batches"] and not self.state.does["batches"]:
            return self.error(404, "not_found_error", f"no route {self.path}")
        if parts == ["v1", "messages", "batches"]:
            with self.state.lock:
                listed = [self.batch_object(b) for b in reversed(list(self.state.batches.values()))]
            return self.send_json(
                200,
                {
                    "data": listed,
                    "has_more": False,
                    "first_id": listed[0]["id"] if listed else None,
                    "last_id": listed[-1]["id"] if listed else None,
                },
            )
        if parts[:3] == ["v1", "messages", "batches"] and len(parts) >= 4:
            batch = self.state.batches.get(parts[3])
            if batch is None:
                return self.error(404, "not_found_error", "no such batch")
            fault = self.state.next_batch_fault()
            if fault == "529":
                return self.error(529, "overloaded_error", "overloaded", {"retry-after": "0"})
            if len(parts) == 5 and parts[4] == "results":
                return self.batch_results(batch, cut=fault == "cut")
            with self.state.lock:
                batch["polls"] += 1
            return self.send_json(200, self.batch_object(batch))
        self.error(404, "not_found_error", f"no route {self.path}")

    def batch_results(self, batch, cut=False):
        with self.state.lock:
            self.state.results_downloads += 1
        lines = []
        for request in batch["requests"]:
            fault = self.state.next_fault()
            message = reply_for(
                request["params"], self.state, fault if fault in ("malformed", "out_of_range", "max_tokens") else None
            )
            lines.append(json.dumps({"custom_id": request["custom_id"], "result": {"type": "succeeded", "message": message}}))
        data = ("\n".join(lines) + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/binary")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if cut:  # the first two results, then the connection drops
            self.wfile.write(("\n".join(lines[:2]) + "\n").encode())
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(data)


class FakeAnthropic:
    """The fake API in a thread: ``.url`` for ANTHROPIC_BASE_URL, ``.state``
    to queue faults and read what was asked."""

    def __init__(self, port=0, delay=0.0, polls_until_ended=2, kind="claude"):
        self.httpd = LoopbackServer(("127.0.0.1", port), Handler)
        self.httpd.state = State(delay=delay, polls_until_ended=polls_until_ended, kind=kind)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def state(self):
        return self.httpd.state

    @property
    def url(self):
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def env(self):
        """The environment of a scorer using it (the local servers' need no key)."""
        key = API_KEY if self.state.does["key"] else None
        return {"ANTHROPIC_API_KEY": key, "ANTHROPIC_BASE_URL": self.url}

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Run the fake Messages API on loopback.")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each reply")
    parser.add_argument("--kind", choices=sorted(KINDS), default="claude", help="the server to behave as")
    args = parser.parse_args()
    server = FakeAnthropic(port=args.port, delay=args.delay, kind=args.kind)
    print(f"fake Messages API on {server.url} (key {API_KEY})", flush=True)
    try:
        server.thread.join()
    except KeyboardInterrupt:
        server.close()
