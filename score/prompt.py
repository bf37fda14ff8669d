"""What the model is sent: the rubric as system prompt, the occupation as the
user message, and the JSON schema its answer must follow.

Only clean text from data.db goes in, never raw HTML. The hashes computed here
are what makes a score stale: a different prompt (rubric, schema, wording) or a
different occupation text means the score is redone.
"""

import hashlib
import json
import re

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


def estimate_tokens(text):
    return len(text) // CHARS_PER_TOKEN + 1


def schema(criterion):
    return {
        "type": "object",
        "properties": {
            "score": {"type": "integer", "enum": list(range(criterion.min, criterion.max + 1))},
            "rationale": {"type": "string"},
        },
        "required": ["score", "rationale"],
        "additionalProperties": False,
    }


def system_prompt(criterion):
    return (
        "You score occupations described in the US Bureau of Labor Statistics Occupational Outlook "
        f"Handbook on one criterion: {criterion.title}, an integer from {criterion.min} to {criterion.max}.\n\n"
        f"<rubric>\n{criterion.rubric}\n</rubric>\n\n"
        'The user sends one occupation\'s description. Answer in JSON with two fields: "score", an '
        f'integer from {criterion.min} to {criterion.max}, and "rationale", one to three sentences.'
    )


def prompt_hash(criterion, effort=None):
    """Identifies everything about the request except the model and the occupation."""
    fields = {"system": system_prompt(criterion), "schema": schema(criterion)}
    if effort:
        fields["effort"] = effort
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def _cut(text, chars):
    """At most ``chars`` characters of text, ending at a paragraph or word."""
    if len(text) <= chars:
        return text
    if chars < 200:  # a stub of a section says nothing
        return ""
    cut = text[:chars]
    end = max(cut.rfind("\n\n"), 0) or cut.rfind(" ")
    return cut[: max(end, 0)].rstrip() + " […]"


def shares(sizes, budget):
    """Characters each section may keep: a section shorter than an equal
    share keeps all of itself and leaves the rest to the longer ones, so a
    long list of specialties cannot crowd out the work environment."""
    out, left = {}, max(budget, 0)
    for i, (key, size) in enumerate(sorted(sizes.items(), key=lambda item: item[1])):
        out[key] = min(size, left // (len(sizes) - i))
        left -= out[key]
    return out


def plain(text):
    """A section without the lines that say nothing about the work."""
    text = LEAD_INS.sub("", TABLE_ROW.sub("", text or ""))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def occupation_text(row, max_tokens=1000):
    """The user message for one occupation (a dict of its data.db columns)."""
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
    head = f"Occupation: {row['title']}\n" + "".join(f"{k}: {v}\n" for k, v in facts if v)
    bodies = {key: plain(row.get(key)) for key, _ in SECTIONS}
    budget = max_tokens * CHARS_PER_TOKEN - len(head) - 200
    for key, chars in shares({k: len(b) for k, b in bodies.items()}, budget).items():
        bodies[key] = _cut(bodies[key], chars)
    parts = [head]
    for key, heading in SECTIONS:
        if bodies[key]:
            parts.append(f"\n## {heading}\n\n{bodies[key]}\n")
    return "".join(parts)


def input_hash(text):
    return hashlib.sha256(text.encode()).hexdigest()


def request(criterion, model, text, *, max_tokens, cache_min_tokens, effort=None):
    """Keyword arguments for ``client.messages.create`` (and batch params)."""
    system = {"type": "text", "text": system_prompt(criterion)}
    if estimate_tokens(system["text"]) >= cache_min_tokens:
        system["cache_control"] = {"type": "ephemeral"}
    output = {"format": {"type": "json_schema", "schema": schema(criterion)}}
    if effort:
        output["effort"] = effort  # less thinking, fewer output tokens, on models that think
    return {
        "model": model,
        "max_tokens": max_tokens,
        "system": [system],
        "messages": [{"role": "user", "content": text}],
        "output_config": output,
    }
