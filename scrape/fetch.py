"""Polite HTTP for bls.gov, and the local cache of raw pages.

Reads pages over HTTP (or from a folder of pages saved by hand) and keeps
each one as a file under the cache folder, with a small JSON sidecar holding
its ETag and Last-Modified for the next conditional GET. Raw pages never go
into ``data.db``; the cache stays outside git.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

DEFAULT_BASE_URL = "https://www.bls.gov"
# bls.gov asks automated clients to identify themselves; a fork should put its
# own contact details here or in OOH_USER_AGENT.
DEFAULT_USER_AGENT = "worklens-scraper/0.1 (open-data treemap of the BLS Occupational Outlook Handbook)"
RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER = 300  # seconds; a longer wait than this is not worth holding a run for
MAX_REDIRECTS = 5
# The A-Z index is 1.7 MB and an occupation page about 130 KB; a response
# far larger than either is not an OOH page, and is not read whole.
MAX_BYTES = 8 * 1024 * 1024


class Refused(Exception):
    """The server refuses this client (HTTP 403): every other page will be refused too."""


class FetchError(Exception):
    """A page could not be fetched, after retries where retrying made sense."""


def map_url(href: str, base_url: str) -> str:
    """Map an absolute bls.gov link or a root-relative one onto ``base_url``."""
    parts = urlsplit(href)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return base_url.rstrip("/") + path


def make_session(user_agent: str) -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = user_agent
    session.headers["Accept"] = "text/html,application/xhtml+xml"
    return session


def retry_after(response: Reply, default: float) -> float:
    """Seconds to wait as the server asks (a number or an HTTP date), capped.
    A value that is neither, or in the past, means the default back-off."""
    value = (response.headers.get("Retry-After") or "").strip()
    if value.isdigit():
        return min(int(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return default
    if when.tzinfo is None:
        return default
    return max(0.0, min(when.timestamp() - time.time(), MAX_RETRY_AFTER))


def _same_site(url: str, other: str) -> bool:
    a, b = urlsplit(url), urlsplit(other)
    return (a.scheme, a.netloc.lower()) == (b.scheme, b.netloc.lower())


def _open(session: requests.Session, url: str, headers: Mapping[str, str], timeout: float, max_bytes: int) -> Reply:
    """One GET: redirects followed only within the site, the body read under
    a size cap and a deadline for the whole response (a server that drips a
    byte a second never trips a per-read timeout)."""
    deadline = time.monotonic() + timeout
    for _ in range(MAX_REDIRECTS + 1):
        response = session.get(url, headers=headers, timeout=timeout, stream=True, allow_redirects=False)
        if not response.is_redirect:
            break
        target = urljoin(url, response.headers["Location"])
        response.close()
        if not _same_site(url, target):
            raise FetchError(f"{url} redirects to another site ({target}); not followed")
        url = target
    else:
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        response.close()
        raise FetchError(f"{url} is {int(declared):,} bytes, over the {max_bytes:,}-byte limit for one page")
    body = bytearray()
    try:
        # read1 returns whatever has arrived, so the deadline is checked
        # between drips rather than after a 64 KB read that never fills.
        while chunk := response.raw.read1(64 * 1024, decode_content=True):
            body += chunk
            if len(body) > max_bytes:
                raise FetchError(f"{url} is over the {max_bytes:,}-byte limit for one page")
            if time.monotonic() > deadline:
                raise requests.Timeout(f"the whole response took more than {timeout:g}s")
    except urllib3.exceptions.ReadTimeoutError:
        raise requests.Timeout(f"no data for {timeout:g}s") from None
    except urllib3.exceptions.HTTPError as exc:
        raise requests.ConnectionError(str(exc)) from None
    finally:
        response.close()
    return Reply(response.status_code, response.headers, bytes(body))


@dataclass
class Reply:
    status: int
    headers: Mapping[str, str]  # requests' case-insensitive headers
    body: bytes


def decode(data: bytes, content_type: str | None = "") -> str:
    """Page bytes as text: UTF-8 as bls.gov serves it, else the charset the
    response or the page declares (a mirror may serve latin-1); never a
    traceback, whatever the bytes."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    found = re.search(r"charset=[\"']?([\w-]+)", content_type or "")
    declared = found.group(1) if found else None
    if declared is None:
        meta = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", data[:4096], re.I)
        declared = meta.group(1).decode("ascii") if meta else None
    try:
        return data.decode(declared or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        return data.decode("utf-8", errors="replace")


def get(
    session: requests.Session,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 1.0,
    max_bytes: int = MAX_BYTES,
    sleep: Callable[[float], object] = time.sleep,
    log: Callable[[str], object] | None = None,
) -> Reply:
    """GET with retries on 429, 5xx, timeouts, dropped connections and bodies
    cut short.

    Returns a Reply (status 200 or 304, headers, body); raises Refused on 403
    and FetchError on anything else.
    """
    for attempt in range(retries + 1):
        wait = backoff * 2**attempt
        try:
            response = _open(session, url, headers or {}, timeout, max_bytes)
        except requests.Timeout:
            problem = "timed out"
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            problem = "connection failed or the body was cut short"
        except requests.RequestException as exc:
            raise FetchError(f"{url}: {exc}") from None
        else:
            if response.status in (200, 304):
                return response
            if response.status == 403:
                raise Refused(url)
            if response.status not in RETRY_STATUSES:
                raise FetchError(f"HTTP {response.status} for {url}")
            problem = f"HTTP {response.status}"
            wait = retry_after(response, wait)
        if attempt == retries:
            raise FetchError(f"{problem} for {url} after {retries + 1} attempts")
        if log:
            log(f"{problem} for {url}; retrying in {wait:g}s")
        sleep(wait)
    # Only a negative ``retries`` gets here: the last attempt returns or raises.
    raise ValueError(f"retries must be 0 or more, not {retries}")


# --- cache -------------------------------------------------------------------


def cache_path(cache_dir: str | Path, path: str) -> Path:
    """Where the page at URL path ``/ooh/x/y.htm`` lives in the cache."""
    return Path(cache_dir) / path.lstrip("/")


def read_cached(cache_dir: str | Path, path: str) -> tuple[str | None, dict[str, Any]]:
    """(html, meta) from the cache, or (None, {}) when the page is not there."""
    file = cache_path(cache_dir, path)
    try:
        html = file.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None, {}
    try:
        meta = json.loads(file.with_suffix(".json").read_text())
    except (FileNotFoundError, ValueError):
        meta = {}
    return html, meta


def write_cached(cache_dir: str | Path, path: str, html: str, meta: Mapping[str, Any]) -> None:
    """Write a page and its sidecar atomically, so an interrupted write never
    leaves a half page behind to be mistaken for a good one."""
    file = cache_path(cache_dir, path)
    file.parent.mkdir(parents=True, exist_ok=True)
    for target, data in ((file, html.encode("utf-8")), (file.with_suffix(".json"), json.dumps(meta, sort_keys=True).encode())):
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)


def sha256(html: str) -> str:
    return hashlib.sha256(html.encode("utf-8")).hexdigest()


def conditional_headers(meta: Mapping[str, Any]) -> dict[str, str]:
    headers = {}
    if meta.get("etag"):
        headers["If-None-Match"] = meta["etag"]
    if meta.get("last_modified"):
        headers["If-Modified-Since"] = meta["last_modified"]
    return headers


def find_saved(from_dir: str | Path, path: str) -> Path | None:
    """A page saved by hand: the bls.gov layout (``ooh/<category>/<slug>.htm``),
    the category folder alone, or a flat folder of ``<slug>.htm`` / ``.html``."""
    root = Path(from_dir)
    rel = Path(path.lstrip("/"))
    for candidate in (root / rel, root / Path(*rel.parts[1:]), root / rel.name, root / (rel.stem + ".html")):
        if candidate.is_file():
            return candidate
    return None
