"""What the model is sent: the rubric as system prompt, the occupation as the
user message, and the JSON schema its answer must follow.

Only clean text from data.db goes in, never raw HTML. The hashes computed here
are what makes a score stale: a different prompt (rubric, schema, wording) or a
different occupation text means the score is redone.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from . import tasks
from .criteria import Criterion

# A rough, model-independent estimate used for budgets and dry runs; runs
# record the real counts the API returns.
CHARS_PER_TOKEN = 4

# What the work is and where it is done. "How to become one" (schooling,
# licences, qualities) says nothing about the tasks and was half of every
# request; pay and outlook come as facts in the head.
SECTIONS = (
    ("what_they_do", "What they do"),
    ("work_environment", "Work environment"),
)
# Lines and sentences that say nothing about the work: the employers table
# ("Hospitals; state, local, and private | 59%") and the sentences leading
# into it repeat the job count and the employers the site shows elsewhere.
TABLE_ROW = re.compile(r"^[^\n]*\|[^\n]*$\n?", re.M)
LEAD_INS = re.compile(
    r"[^.\n]*\bheld (?:about |more than |fewer than |less than )?[\d,.]+(?: million| thousand)? jobs in \d{4}\.\s*"
    r"|The largest employers of [^:\n]*were as follows:\s*"
)


def estimate_tokens(text: str) -> int:
    return len(text) // CHARS_PER_TOKEN + 1


def schema(criterion: Criterion, task_ids: Sequence[int] | None = None) -> dict[str, Any]:
    """The reply's JSON schema. At task level it names every task sent, each
    with the criterion's scale as its enum, so a valid reply has exactly one
    score per task, no more, no fewer."""
    scale = {"type": "integer", "enum": list(range(criterion.min, criterion.max + 1))}
    first: tuple[str, dict[str, Any]]
    if task_ids is None:
        first = ("score", scale)
    else:
        first = (
            "tasks",
            {
                "type": "object",
                "properties": {tasks.key(t): scale for t in task_ids},
                "required": [tasks.key(t) for t in task_ids],
                "additionalProperties": False,
            },
        )
    return {
        "type": "object",
        "properties": {first[0]: first[1], "rationale": {"type": "string"}},
        "required": [first[0], "rationale"],
        "additionalProperties": False,
    }


def system_prompt(criterion: Criterion, level: str = "occupation") -> str:
    scale = f"an integer from {criterion.min} to {criterion.max}"
    head = (
        "You score occupations described in the US Bureau of Labor Statistics Occupational Outlook "
        f"Handbook on one criterion: {criterion.title}, {scale}.\n\n"
        f"<rubric>\n{criterion.rubric}\n</rubric>\n\n"
    )
    if level == "task":
        return head + (
            "The user sends one occupation and a list of its tasks from O*NET, each with an id such as t12345. "
            "Apply the rubric to each task on its own, as if the task were the whole of a job (where the rubric "
            "speaks of the occupation as a whole, read it as the task). Answer in JSON with "
            f'two fields: "tasks", an object giving each task id {scale}, and "rationale", one to three '
            "sentences on which tasks score highest and lowest and why."
        )
    return head + (
        'The user sends one occupation\'s description. Answer in JSON with two fields: "score", '
        f'{scale}, and "rationale", one to three sentences.'
    )


def prompt_hash(criterion: Criterion, effort: str | None = None, level: str = "occupation") -> str:
    """Identifies everything about the request except the model and the
    occupation (at task level, the tasks sent are part of the occupation)."""
    fields: dict[str, Any] = {
        "system": system_prompt(criterion, level),
        "schema": schema(criterion, None if level == "occupation" else [0]),
    }
    if effort:
        fields["effort"] = effort
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def _cut(text: str, chars: int) -> str:
    """At most ``chars`` characters of text, ending at a paragraph or word."""
    if len(text) <= chars:
        return text
    if chars < 200:  # a stub of a section says nothing
        return ""
    cut = text[:chars]
    end = max(cut.rfind("\n\n"), 0) or cut.rfind(" ")
    return cut[: max(end, 0)].rstrip() + " […]"


def shares(sizes: Mapping[str, int], budget: int) -> dict[str, int]:
    """Characters each section may keep: a section shorter than an equal
    share keeps all of itself and leaves the rest to the longer ones, so a
    long list of specialties cannot crowd out the work environment."""
    out: dict[str, int] = {}
    left = max(budget, 0)
    for i, (key, size) in enumerate(sorted(sizes.items(), key=lambda item: item[1])):
        out[key] = min(size, left // (len(sizes) - i))
        left -= out[key]
    return out


def plain(text: str | None) -> str:
    """A section without the lines that say nothing about the work."""
    text = LEAD_INS.sub("", TABLE_ROW.sub("", text or ""))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _head(row: Mapping[str, Any]) -> str:
    facts = [
        (
            "Median pay",
            f"${row['median_pay_annual']:,} a year"
            if row.get("median_pay_annual")
            else (f"${row['median_pay_hourly']:.2f} an hour" if row.get("median_pay_hourly") else None),
        ),
        ("Typical entry-level education", row.get("entry_education")),
        ("Number of jobs", f"{row['jobs']:,}" if row.get("jobs") else None),
    ]
    return f"Occupation: {row['title']}\n" + "".join(f"{k}: {v}\n" for k, v in facts if v)


def occupation_text(row: Mapping[str, Any], max_tokens: int = 1000) -> str:
    """The user message for one occupation (a dict of its data.db columns)."""
    head = _head(row)
    bodies = {key: plain(row.get(key)) for key, _ in SECTIONS}
    budget = max_tokens * CHARS_PER_TOKEN - len(head) - 200
    for key, chars in shares({k: len(b) for k, b in bodies.items()}, budget).items():
        bodies[key] = _cut(bodies[key], chars)
    parts = [head]
    for key, heading in SECTIONS:
        if bodies[key]:
            parts.append(f"\n## {heading}\n\n{bodies[key]}\n")
    return "".join(parts)


def task_text(row: Mapping[str, Any], chosen: Iterable[tasks.Task]) -> str:
    """The user message at task level: the occupation's facts, BLS's one-line
    description of it, and its tasks, [(task_id, task_type, text)]."""
    described = plain(row.get("what_they_do")).split("\n\n")[0]
    lines = "".join(f"{tasks.key(t)}: {text}\n" for t, _, text in chosen)
    return f"{_head(row)}\n{described}\n\n## Tasks\n\n{lines}"


def input_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def request(
    criterion: Criterion,
    model: str,
    text: str,
    *,
    max_tokens: int,
    cache_min_tokens: int,
    effort: str | None = None,
    task_ids: Sequence[int] | None = None,
) -> dict[str, Any]:
    """Keyword arguments for ``client.messages.create`` (and batch params);
    ``task_ids`` makes it a task-level request."""
    system: dict[str, Any] = {"type": "text", "text": system_prompt(criterion, "occupation" if task_ids is None else "task")}
    if estimate_tokens(system["text"]) >= cache_min_tokens:
        system["cache_control"] = {"type": "ephemeral"}
    output: dict[str, Any] = {"format": {"type": "json_schema", "schema": schema(criterion, task_ids)}}
    if effort:
        output["effort"] = effort  # less thinking, fewer output tokens, on models that think
    return {
        "model": model,
        "max_tokens": max_tokens,
        "system": [system],
        "messages": [{"role": "user", "content": text}],
        "output_config": output,
    }
