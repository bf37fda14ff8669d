"""Polite HTTP for bls.gov, and the local cache of raw pages.

Reads pages over HTTP (or from a folder of pages saved by hand) and keeps
each one as a file under the cache folder, with a small JSON sidecar holding
its ETag and Last-Modified for the next conditional GET. Raw pages never go
into ``data.db``; the cache stays outside git.
"""

import email.utils
import hashlib
import json
import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

DEFAULT_BASE_URL = "https://www.bls.gov"
# bls.gov asks automated clients to identify themselves; a fork should put its
# own contact details here or in OOH_USER_AGENT.
DEFAULT_USER_AGENT = "worklens-scraper/0.1 (open-data treemap of the BLS Occupational Outlook Handbook)"
RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER = 300  # seconds; a longer wait than this is not worth holding a run for


class Refused(Exception):
    """The server refuses this client (HTTP 403): every other page will be refused too."""


class FetchError(Exception):
    """A page could not be fetched, after retries where retrying made sense."""


def map_url(href, base_url):
    """Map an absolute bls.gov link or a root-relative one onto ``base_url``."""
    parts = urlsplit(href)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return base_url.rstrip("/") + path


def make_session(user_agent):
    session = requests.Session()
    session.headers["User-Agent"] = user_agent
    session.headers["Accept"] = "text/html,application/xhtml+xml"
    return session


def retry_after(response, default):
    """Seconds to wait as the server asks (a number or an HTTP date), capped."""
    value = response.headers.get("Retry-After")
    if value:
        if value.strip().isdigit():
            return min(int(value), MAX_RETRY_AFTER)
        when = email.utils.parsedate_to_datetime(value)
        if when is not None:
            return max(0.0, min(when.timestamp() - time.time(), MAX_RETRY_AFTER))
    return default


def get(session, url, *, headers=None, timeout=30.0, retries=3, backoff=1.0, sleep=time.sleep, log=None):
    """GET with retries on 429, 5xx, timeouts and dropped connections.

    Returns the final ``requests.Response`` (200 or 304); raises Refused on 403
    and FetchError on anything else.
    """
    for attempt in range(retries + 1):
        wait = backoff * 2**attempt
        try:
            response = session.get(url, headers=headers or {}, timeout=timeout)
        except (requests.Timeout, requests.ConnectionError) as exc:
            problem = "timed out" if isinstance(exc, requests.Timeout) else "connection failed"
        else:
            if response.status_code in (200, 304):
                return response
            if response.status_code == 403:
                raise Refused(url)
            if response.status_code not in RETRY_STATUSES:
                raise FetchError(f"HTTP {response.status_code} for {url}")
            problem = f"HTTP {response.status_code}"
            wait = retry_after(response, wait)
        if attempt == retries:
            raise FetchError(f"{problem} for {url} after {retries + 1} attempts")
        if log:
            log(f"{problem} for {url}; retrying in {wait:g}s")
        sleep(wait)


# --- cache -------------------------------------------------------------------


def cache_path(cache_dir, path):
    """Where the page at URL path ``/ooh/x/y.htm`` lives in the cache."""
    return Path(cache_dir) / path.lstrip("/")


def read_cached(cache_dir, path):
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


def write_cached(cache_dir, path, html, meta):
    """Write a page and its sidecar atomically, so an interrupted write never
    leaves a half page behind to be mistaken for a good one."""
    file = cache_path(cache_dir, path)
    file.parent.mkdir(parents=True, exist_ok=True)
    for target, data in ((file, html.encode("utf-8")), (file.with_suffix(".json"), json.dumps(meta, sort_keys=True).encode())):
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)


def sha256(html):
    return hashlib.sha256(html.encode("utf-8")).hexdigest()


def conditional_headers(meta):
    headers = {}
    if meta.get("etag"):
        headers["If-None-Match"] = meta["etag"]
    if meta.get("last_modified"):
        headers["If-Modified-Since"] = meta["last_modified"]
    return headers


def find_saved(from_dir, path):
    """A page saved by hand: the bls.gov layout (``ooh/<category>/<slug>.htm``),
    the category folder alone, or a flat folder of ``<slug>.htm`` / ``.html``."""
    root = Path(from_dir)
    rel = Path(path.lstrip("/"))
    for candidate in (root / rel, root / Path(*rel.parts[1:]), root / rel.name, root / (rel.stem + ".html")):
        if candidate.is_file():
            return candidate
    return None
