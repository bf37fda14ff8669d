"""One scrape: the A-Z index, then every occupation page, into ``data.db``.

Each page goes fetch -> check -> cache -> parse -> one transaction, so a run
stopped anywhere resumes where it stopped: cached pages come back as 304 Not
Modified and pages already parsed by this parser are skipped.
"""

import time
from dataclasses import dataclass, field

from . import fetch, parse, store

INDEX_PATH = "/ooh/a-z-index.htm"


@dataclass
class Summary:
    pages: int = 0
    fetched: int = 0
    unchanged: int = 0
    imported: int = 0
    rejected: int = 0
    failed: int = 0
    parsed: int = 0
    up_to_date: int = 0
    problems: list = field(default_factory=list)

    def line(self):
        noun = "page" if self.pages == 1 else "pages"
        parts = [f"{self.pages} {noun}: {self.fetched} fetched, {self.unchanged} unchanged"]
        if self.imported:
            parts.append(f"{self.imported} imported")
        parts += [f"{self.rejected} rejected", f"{self.failed} failed"]
        return ", ".join(parts) + f"; {self.parsed} parsed, {self.up_to_date} already up to date"


class Source:
    """Where pages come from: HTTP with a cache, or a folder of saved pages.

    A small class because it carries the session, the delay clock and the
    options that every request needs.
    """

    def __init__(self, base_url, cache_dir, *, user_agent, delay, timeout, retries, refresh, from_dir, log, offline=False):
        self.base_url = base_url
        self.cache_dir = cache_dir
        self.session = fetch.make_session(user_agent)
        self.delay = delay
        self.timeout = timeout
        self.retries = retries
        self.refresh = refresh
        self.from_dir = from_dir
        self.offline = offline
        self.log = log
        self._last_request = None

    def _pause(self):
        if self._last_request is not None and self.delay:
            remaining = self._last_request + self.delay - time.monotonic()
            if remaining > 0:
                time.sleep(remaining)
        self._last_request = time.monotonic()

    def get(self, path, check):
        """Return ``(html, how)`` where how is fetched, unchanged or imported.

        ``check(html)`` raises parse.PageError for a page that must not be
        kept; the cached copy is then left as it was.
        """
        cached, meta = fetch.read_cached(self.cache_dir, path)
        if self.offline:
            if cached is None:
                raise fetch.FetchError(f"{path} is not in the cache folder {self.cache_dir}")
            return cached, "unchanged"
        if self.from_dir:
            saved = fetch.find_saved(self.from_dir, path)
            if saved is None:
                if cached is not None:
                    return cached, "unchanged"
                raise fetch.FetchError(f"{path} is not in {self.from_dir}")
            html = saved.read_bytes().decode("utf-8", errors="replace")
            check(html)
            if html == cached:
                return cached, "unchanged"
            fetch.write_cached(self.cache_dir, path, html, {"source": "saved page"})
            return html, "imported"

        url = fetch.map_url(path, self.base_url)
        headers = {} if self.refresh or cached is None else fetch.conditional_headers(meta)
        self._pause()
        response = fetch.get(
            self.session,
            url,
            headers=headers,
            timeout=self.timeout,
            retries=self.retries,
            backoff=max(self.delay, 1.0),
            log=self.log,
        )
        if response.status_code == 304:
            return cached, "unchanged"
        response.encoding = "utf-8"
        html = response.text
        check(html)
        meta = {"url": url, "etag": response.headers.get("ETag"), "last_modified": response.headers.get("Last-Modified")}
        fetch.write_cached(self.cache_dir, path, html, meta)  # new validators even when the body is the same
        return html, "unchanged" if html == cached else "fetched"


def crawl(db_path, source, *, only=(), progress=None, log=print):
    """Scrape into ``db_path``. Returns a Summary; raises fetch.Refused on 403
    and parse.PageError or fetch.FetchError when the index itself is unusable."""
    index_html, _ = source.get(INDEX_PATH, parse.check_index)
    occupations, aliases = parse.parse_index(index_html)
    if only:
        known = {o["slug"] for o in occupations}
        unknown = sorted(set(only) - known)
        if unknown:
            raise parse.PageError(f"not in the A-Z index: {', '.join(unknown)}")
        occupations = [o for o in occupations if o["slug"] in set(only)]

    db = store.open_db(db_path)
    store.save_index(db, aliases)
    summary = Summary(pages=len(occupations))
    for occupation in progress(occupations) if progress else occupations:
        slug, path = occupation["slug"], occupation["path"]
        try:
            html, how = source.get(path, lambda text, path=path: parse.check_page(text, path))
        except parse.PageError as exc:
            summary.rejected += 1
            summary.problems.append(f"rejected {path}: {exc}")
            continue
        except fetch.FetchError as exc:
            summary.failed += 1
            summary.problems.append(f"failed {path}: {exc}")
            continue
        setattr(summary, how, getattr(summary, how) + 1)

        sha = fetch.sha256(html)
        if not source.refresh and store.page_is_current(db, slug, sha, parse.PARSER_VERSION):
            summary.up_to_date += 1
            continue
        try:
            parsed = parse.parse_occupation(html, path)
            store.save_page(db, parsed, sha=sha, size=len(html.encode("utf-8")), parser_version=parse.PARSER_VERSION)
        except (parse.PageError, store.EditionMismatch) as exc:
            summary.rejected += 1
            summary.problems.append(f"rejected {path}: {exc}")
            continue
        summary.parsed += 1
    if summary.parsed:
        db.vacuum()  # FTS updates leave free pages behind; the committed file should stay small
    for problem in summary.problems:
        log(problem)
    return summary
