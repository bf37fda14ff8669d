"""One scrape: the A-Z index, then every occupation page, into ``data.db``.

Each page goes fetch -> check -> cache -> parse -> one transaction, so a run
stopped anywhere resumes where it stopped: cached pages come back as 304 Not
Modified and pages already parsed by this parser are skipped.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from . import fetch, parse, store

# What a page check returns: the parsed index or page.
Checked = TypeVar("Checked")

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
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        noun = "page" if self.pages == 1 else "pages"
        parts = [f"{self.pages} {noun}: {self.fetched} fetched, {self.unchanged} unchanged"]
        if self.imported:
            parts.append(f"{self.imported} imported")
        parts += [f"{self.rejected} rejected", f"{self.failed} failed"]
        return ", ".join(parts) + f"; {self.parsed} parsed, {self.up_to_date} already up to date"

    def done(self, how: str, outcome: str) -> None:
        """A page came ``how`` (fetched, unchanged, imported) and was ``outcome`` (parsed or up_to_date)."""
        setattr(self, how, getattr(self, how) + 1)
        setattr(self, outcome, getattr(self, outcome) + 1)

    def problem(self, kind: str, path: str, exc: Exception) -> None:
        """A page was ``kind`` (rejected or failed): counted, and said once the run ends."""
        setattr(self, kind, getattr(self, kind) + 1)
        self.problems.append(f"{kind} {path}: {exc}")


class Source:
    """Where pages come from: HTTP with a cache, or a folder of saved pages.

    A small class because it carries the session, the delay clock and the
    options that every request needs.
    """

    def __init__(
        self,
        base_url: str,
        cache_dir: str | Path,
        *,
        user_agent: str,
        delay: float,
        timeout: float,
        retries: int,
        refresh: bool,
        from_dir: str | Path | None,
        log: Callable[[str], object],
        offline: bool = False,
    ) -> None:
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
        self._last_request: float | None = None

    def _pause(self) -> None:
        if self._last_request is not None and self.delay:
            remaining = self._last_request + self.delay - time.monotonic()
            if remaining > 0:
                time.sleep(remaining)
        self._last_request = time.monotonic()

    def get(self, path: str, check: Callable[[str], Checked]) -> tuple[str, str, Checked | None]:
        """Return ``(html, how, checked)``: how is fetched, unchanged or
        imported; checked is what ``check(html)`` returned for a page new to
        the cache, None for one served from it (not checked again here).

        ``check(html)`` raises parse.PageError for a page that must not be
        kept; the cached copy is then left as it was.
        """
        cached, meta = fetch.read_cached(self.cache_dir, path)
        if self.offline:
            if cached is None:
                raise fetch.FetchError(f"{path} is not in the cache folder {self.cache_dir}")
            return cached, "unchanged", None
        if self.from_dir:
            saved = fetch.find_saved(self.from_dir, path)
            if saved is None:
                if cached is not None:
                    return cached, "unchanged", None
                raise fetch.FetchError(f"{path} is not in {self.from_dir}")
            html = fetch.decode(saved.read_bytes())
            checked = check(html)
            if html == cached:
                return html, "unchanged", checked
            fetch.write_cached(self.cache_dir, path, html, {"source": "saved page"})
            return html, "imported", checked

        url = fetch.map_url(path, self.base_url)
        conditional = not self.refresh and cached is not None
        self._pause()
        response = fetch.get(
            self.session,
            url,
            headers=fetch.conditional_headers(meta) if conditional else {},
            timeout=self.timeout,
            retries=self.retries,
            backoff=max(self.delay, 1.0),
            log=self.log,
        )
        if response.status == 304:
            if not conditional or cached is None:
                raise fetch.FetchError(f"{url} answered 304 Not Modified to a request that was not conditional")
            return cached, "unchanged", None
        html = fetch.decode(response.body, response.headers.get("Content-Type"))
        checked = check(html)
        meta = {"url": url, "etag": response.headers.get("ETag"), "last_modified": response.headers.get("Last-Modified")}
        fetch.write_cached(self.cache_dir, path, html, meta)  # new validators even when the body is the same
        return html, "unchanged" if html == cached else "fetched", checked


def crawl(
    db_path: str | Path,
    source: Source,
    *,
    only: Sequence[str] = (),
    progress: Callable[[list[dict[str, str]]], Iterable[dict[str, str]]] | None = None,
    log: Callable[[str], object] = print,
) -> Summary:
    """Scrape into ``db_path``. Returns a Summary; raises fetch.Refused on 403,
    parse.PageError, store.WouldLoseData or fetch.FetchError when the index
    itself is unusable.

    Every page is parsed and checked before anything is written, its cached
    copy included: a page that is not a complete OOH page, or that would
    leave data.db knowing less than it does, is rejected and the run goes on.
    """
    # A 403 on the very first request leaves no empty database behind.
    stored = store.open_db(db_path) if os.path.exists(db_path) else None

    def check_index(html: str) -> tuple[list[dict[str, str]], list[tuple[str, str]]]:
        occupations, aliases = parse.parse_index(html)
        if stored is not None:
            store.check_index(stored, occupations, aliases)
        return occupations, aliases

    index_html, _, checked = source.get(INDEX_PATH, check_index)
    occupations, aliases = checked or check_index(index_html)
    listed = {o["slug"] for o in occupations}
    if only:
        known = {o["slug"] for o in occupations}
        unknown = sorted(set(only) - known)
        if unknown:
            raise parse.PageError(f"not in the A-Z index: {', '.join(unknown)}")
        occupations = [o for o in occupations if o["slug"] in set(only)]

    db = stored or store.open_db(db_path)
    store.save_index(db, aliases)
    summary = Summary(pages=len(occupations))
    if source.offline:
        reparse(db, source, occupations, listed, summary, progress)
        for problem in summary.problems:
            log(problem)
        return summary
    for occupation in progress(occupations) if progress else occupations:
        slug, path = occupation["slug"], occupation["path"]

        def check(html: str, path: str = path) -> dict[str, Any]:
            try:
                parsed = parse.parse_occupation(html, path)
                # Only links to pages the index lists are links to occupations.
                parsed["text_links"] = [link for link in parsed["text_links"] if link["target_slug"] in listed]
            except parse.PageError:
                raise
            except (AttributeError, IndexError, KeyError, TypeError, ValueError) as exc:
                # Markup no OOH page has tripped the parser: this page is
                # rejected, the others go on.
                raise parse.PageError(f"could not be parsed ({type(exc).__name__}: {exc})") from None
            store.check_page(db, parsed)
            return parsed

        try:
            html, how, parsed = source.get(path, check)
            sha = fetch.sha256(html)
            if not source.refresh and store.page_is_current(db, slug, sha, parse.PARSER_VERSION):
                summary.done(how, "up_to_date")
                continue
            store.save_page(
                db, parsed or check(html), sha=sha, size=len(html.encode("utf-8")), parser_version=parse.PARSER_VERSION
            )
        except (parse.PageError, store.WouldLoseData, store.EditionMismatch) as exc:
            summary.problem("rejected", path, exc)
            continue
        except fetch.FetchError as exc:
            summary.problem("failed", path, exc)
            continue
        summary.done(how, "parsed")
    if summary.parsed:
        store.compact(db)
    for problem in summary.problems:
        log(problem)
    return summary


# Reparsing the cache (--offline) -------------------------------------------------


def parse_page(item: tuple[str, str]) -> dict[str, Any] | str:
    """One cached page parsed, or why it cannot be (a process pool's task)."""
    html, path = item
    try:
        return parse.parse_occupation(html, path)
    except parse.PageError as exc:
        return str(exc)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError) as exc:
        # Markup no OOH page has tripped the parser: this page is rejected, the others go on.
        return f"could not be parsed ({type(exc).__name__}: {exc})"


def workers() -> int:
    """Processes to parse with: one per CPU this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# Pages each process should have before parsing in parallel pays for its start.
PAGES_PER_WORKER = 16


# How often a parsing process looks whether the scrape that started it is still there.
ORPHAN_CHECK = 0.2


def _exit_with_parent(parent: int) -> None:
    """Run in each parsing process: end it once the scrape that started it is
    gone. A scrape killed outright cannot stop its pool, and a forked worker
    holds its own copy of the queue it waits on, so it would wait for ever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(ORPHAN_CHECK)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def pool_for(pages: int) -> ProcessPoolExecutor | None:
    """Processes to parse ``pages`` pages in, where more than one CPU is free
    and there are enough pages to share; None to parse them here. Each ends
    by itself if the scrape is killed (and holds no lock meanwhile: see
    pipeline.lock)."""
    count = min(workers(), pages // PAGES_PER_WORKER)
    if count < 2:
        return None
    context = multiprocessing.get_context("fork")
    return ProcessPoolExecutor(count, mp_context=context, initializer=_exit_with_parent, initargs=(os.getpid(),))


def reparse(
    db: sqlite_utils.Database,
    source: Source,
    occupations: Sequence[dict[str, str]],
    listed: set[str],
    summary: Summary,
    progress: Callable[[list[dict[str, str]]], Iterable[dict[str, str]]] | None,
) -> None:
    """The cached pages, with no network: those the current parser has not
    parsed yet (every one with --refresh) are parsed, in parallel where more
    than one CPU is free, then checked and written in page order as one
    transaction, the full-text index rebuilt once. The same rows as a page
    at a time; a page rejected is rejected in the same way."""
    todo: list[tuple[str, str, str, int]] = []  # path, sha, how it came, size in bytes
    results: list[Future[dict[str, Any] | str] | dict[str, Any] | str] = []
    pool = pool_for(len(occupations))
    try:
        # Each page goes to a parsing process as soon as it is read, so reading and parsing overlap.
        for occupation in progress(list(occupations)) if progress else occupations:
            slug, path = occupation["slug"], occupation["path"]
            try:
                html, how, _ = source.get(path, lambda html: None)
            except fetch.FetchError as exc:
                summary.problem("failed", path, exc)
                continue
            sha = fetch.sha256(html)
            if not source.refresh and store.page_is_current(db, slug, sha, parse.PARSER_VERSION):
                summary.done(how, "up_to_date")
                continue
            todo.append((path, sha, how, len(html.encode("utf-8"))))
            results.append(pool.submit(parse_page, (html, path)) if pool else parse_page((html, path)))
        parsed_pages = [r.result() if isinstance(r, Future) else r for r in results]
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)
    with store.bulk(db):
        for (path, sha, how, size), parsed in zip(todo, parsed_pages):
            try:
                if isinstance(parsed, str):
                    raise parse.PageError(parsed)
                # Only links to pages the index lists are links to occupations.
                parsed["text_links"] = [link for link in parsed["text_links"] if link["target_slug"] in listed]
                store.check_page(db, parsed)
                store.save_page(db, parsed, sha=sha, size=size, parser_version=parse.PARSER_VERSION)
            except (parse.PageError, store.WouldLoseData, store.EditionMismatch) as exc:
                summary.problem("rejected", path, exc)
                continue
            summary.done(how, "parsed")
    if summary.parsed:
        store.compact(db)
