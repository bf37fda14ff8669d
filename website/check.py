"""A smoke check of a built site."""

from __future__ import annotations

import json
from pathlib import Path


def not_json(text: str) -> str | None:
    """Why ``text`` is not strict JSON (Python writes Infinity and NaN, which
    JSON has not and a browser's JSON.parse refuses), or None."""

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    try:
        json.loads(text, parse_constant=refuse)
    except ValueError as exc:
        return str(exc)
    return None


def check(out: str | Path, base_path: str = "/") -> list[str]:
    """Smoke-check a built site: the main pages are there, every internal link
    and asset resolves, no page loads anything from another host, and every
    JSON file, and the JSON in every page, parses as a browser parses it.
    Returns a list of problems, empty when all is well."""
    from html.parser import HTMLParser
    from urllib.parse import urlsplit

    out = Path(out)
    problems = [
        f"missing {name}" for name in ("index.html", "about.html", "table.html", "data/data.db") if not (out / name).is_file()
    ]
    if not any((out / "occupations").glob("*.html")):
        problems.append("no occupation pages")

    class Links(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.found: list[tuple[str, str]] = []
            self.json: list[str] = []  # the text of each <script type="application/json">
            self.in_json = False

        def handle_data(self, data: str) -> None:
            if self.in_json:
                self.json[-1] += data

        def handle_endtag(self, tag: str) -> None:
            self.in_json = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            values = dict(attrs)
            if tag == "script" and values.get("type") == "application/json":
                self.in_json = True
                self.json.append("")
            for key in ("href", "src"):
                url = values.get(key)
                if url:
                    self.found.append((tag, url))

    for page in sorted(out.rglob("*.html")):
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for text in parser.json:
            problem = not_json(text)
            if problem:
                problems.append(f"{page.relative_to(out)} holds data that is not JSON: {problem}")
        for tag, url in parser.found:
            parts = urlsplit(url)
            if parts.scheme == "data" or url.startswith("#"):
                continue
            if parts.netloc:
                if tag != "a":
                    problems.append(f"{page.relative_to(out)} loads {url} from another host")
                continue
            if not parts.path.startswith(base_path):
                problems.append(f"{page.relative_to(out)} links to {url}, outside {base_path}")
                continue
            target = out / parts.path[len(base_path) :]
            if parts.path.endswith("/"):
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{page.relative_to(out)} links to {url}, which does not exist")
    for name in sorted(out.rglob("*.json")):
        try:
            problem = not_json(name.read_text(encoding="utf-8"))
        except UnicodeDecodeError as exc:
            problem = str(exc)
        if problem:
            problems.append(f"{name.relative_to(out)} is not JSON: {problem}")
    return problems
