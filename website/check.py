"""A smoke check of a built site."""

from __future__ import annotations

from pathlib import Path


def check(out: str | Path, base_path: str = "/") -> list[str]:
    """Smoke-check a built site: the main pages are there, every internal link
    and asset resolves, and no page loads anything from another host.
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

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            values = dict(attrs)
            for key in ("href", "src"):
                url = values.get(key)
                if url:
                    self.found.append((tag, url))

    for page in sorted(out.rglob("*.html")):
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
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
    return problems
