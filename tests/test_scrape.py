"""The whole scraper, over real HTTP on loopback, against our fixture pages:
repeat runs, --only, --from-dir, and every fault the issue lists."""

import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time

import pytest
import sqlite_utils
from click.testing import CliRunner
from conftest import FIXTURES, ROOT, count_rows, wait_until
from servers import Server

from scrape.cli import main

NURSES = "/ooh/healthcare/registered-nurses.htm"
SLUGS = 7


def scrape(tmp_path, *args):
    result = CliRunner().invoke(
        main, ["--db", str(tmp_path / "data.db"), "--cache", str(tmp_path / "cache"), "--delay", "0", *args]
    )
    return result


def scrape_command(tmp_path, server, *args):
    """``python -m scrape`` against a loopback server, for a real process to interrupt or limit."""
    return [
        sys.executable,
        "-m",
        "scrape",
        "--base-url",
        server.url,
        "--delay",
        "0",
        *args,
        "--db",
        str(tmp_path / "data.db"),
        "--cache",
        str(tmp_path / "cache"),
    ]


def table_contents(db_path):
    db = sqlite_utils.Database(db_path)
    return {
        name: [tuple(r) for r in db.execute(f"select * from [{name}] order by 1, 2")]
        for name in ("occupations", "projections", "similar_occupations", "aliases", "edition", "pages")
    }


def test_scrape_fixture_site(fixture_site, tmp_path):
    result = scrape(tmp_path, "--base-url", fixture_site.url)
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == (
        f"{SLUGS} pages: {SLUGS} fetched, 0 unchanged, 0 rejected, 0 failed; {SLUGS} parsed, 0 already up to date"
    )
    db = sqlite_utils.Database(tmp_path / "data.db")
    assert db["occupations"].count == SLUGS
    nurses = db["occupations"].get("registered-nurses")
    assert nurses["jobs"] == 3391000
    assert nurses["aliases"] == "Nurse\nRN"
    assert db.execute("select sum(jobs), count(jobs) from occupations").fetchone() == (
        3391000 + 839000 + 57000 + 1094500 + 21900 + 52000,
        6,
    )
    assert db["edition"].get(1)["base_year"] == 2024
    assert db.execute("select count(*) from projections where soc_code is null").fetchone()[0] == 3
    # Full-text search with stemming: "nurses" in a title, "performer" only as an alias.
    assert [r["slug"] for r in db["occupations"].search("nurse")][0] == "registered-nurses"
    assert [r["slug"] for r in db["occupations"].search("performers")] == ["actors"]
    # Raw pages live in the cache, not the database.
    assert (tmp_path / "cache" / "ooh" / "healthcare" / "registered-nurses.htm").is_file()
    assert "html" not in " ".join(db["occupations"].columns_dict)


def test_second_run_is_a_no_op_with_the_same_database(fixture_site, tmp_path):
    assert scrape(tmp_path, "--base-url", fixture_site.url).exit_code == 0
    before = table_contents(tmp_path / "data.db")
    fixture_site.requests.clear()
    result = scrape(tmp_path, "--base-url", fixture_site.url)
    assert result.exit_code == 0
    assert f"0 fetched, {SLUGS} unchanged" in result.output
    assert f"0 parsed, {SLUGS} already up to date" in result.output
    # Every page was asked for conditionally and answered 304.
    page_requests = [headers for path, headers in fixture_site.requests if path != "/ooh/a-z-index.htm"]
    assert len(page_requests) == SLUGS
    assert all("If-Modified-Since" in headers for headers in page_requests)
    assert table_contents(tmp_path / "data.db") == before
    # Nothing was written at all, so a scheduled refresh has nothing to commit.
    unchanged = (tmp_path / "data.db").read_bytes()
    scrape(tmp_path, "--base-url", fixture_site.url)
    assert (tmp_path / "data.db").read_bytes() == unchanged


def test_only_refreshes_the_named_pages(fixture_site, tmp_path):
    assert scrape(tmp_path, "--base-url", fixture_site.url).exit_code == 0
    fixture_site.requests.clear()
    result = scrape(tmp_path, "--base-url", fixture_site.url, "--only", "actors", "--refresh")
    assert result.exit_code == 0, result.output
    # Downloaded again and reparsed, though its content had not changed.
    assert "1 page: 0 fetched, 1 unchanged" in result.output and "1 parsed" in result.output
    assert [p for p, _ in fixture_site.requests] == ["/ooh/a-z-index.htm", "/ooh/entertainment-and-sports/actors.htm"]
    assert sqlite_utils.Database(tmp_path / "data.db")["occupations"].count == SLUGS


def test_only_with_an_unknown_slug_is_a_clear_error(fixture_site, tmp_path):
    result = scrape(tmp_path, "--base-url", fixture_site.url, "--only", "astronauts")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: the A-Z index could not be used: not in the A-Z index: astronauts"


def test_from_dir_reads_saved_pages_without_any_server(tmp_path):
    result = scrape(tmp_path, "--base-url", "http://127.0.0.1:9", "--from-dir", str(FIXTURES / "ooh"))
    assert result.exit_code == 0, result.output
    assert f"{SLUGS} imported" in result.output
    assert sqlite_utils.Database(tmp_path / "data.db")["occupations"].count == SLUGS


def test_from_dir_flat_folder_of_saved_pages(tmp_path):
    saved = tmp_path / "saved"
    saved.mkdir()
    for page in (FIXTURES / "ooh").rglob("*.htm"):
        shutil.copy(page, saved / page.name)
    result = scrape(tmp_path, "--from-dir", str(saved))
    assert result.exit_code == 0, result.output
    assert sqlite_utils.Database(tmp_path / "data.db")["occupations"].count == SLUGS


def test_403_is_one_clear_line_and_stores_nothing(fixture_site, tmp_path):
    fixture_site.fault("/ooh/a-z-index.htm", {"status": 403, "body": "Access Denied"})
    result = scrape(tmp_path, "--base-url", fixture_site.url)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "HTTP 403" in lines[0] and "--user-agent" in lines[0] and "--from-dir" in lines[0]
    assert not (tmp_path / "data.db").exists()


def test_403_midway_keeps_what_was_stored(fixture_site, tmp_path):
    assert scrape(tmp_path, "--base-url", fixture_site.url).exit_code == 0
    before = table_contents(tmp_path / "data.db")
    fixture_site.fault("/ooh/arts-and-design/craft-and-fine-artists.htm", {"status": 403})
    result = scrape(tmp_path, "--base-url", fixture_site.url, "--refresh")
    assert result.exit_code == 1
    assert "HTTP 403" in result.output
    assert table_contents(tmp_path / "data.db") == before


def test_user_agent_from_option_and_environment(fixture_site, tmp_path):
    scrape(tmp_path, "--base-url", fixture_site.url, "--only", "actors", "--user-agent", "test-bot (me@example.org)")
    assert {h["User-Agent"] for _, h in fixture_site.requests} == {"test-bot (me@example.org)"}
    fixture_site.requests.clear()
    CliRunner(env={"OOH_USER_AGENT": "env-bot (you@example.org)"}).invoke(
        main, ["--base-url", fixture_site.url, "--db", str(tmp_path / "d.db"), "--cache", str(tmp_path / "c"), "--delay", "0"]
    )
    assert {h["User-Agent"] for _, h in fixture_site.requests} == {"env-bot (you@example.org)"}


def test_429_with_retry_after_is_honoured(fixture_site, tmp_path):
    fixture_site.fault(NURSES, {"status": 429, "headers": {"Retry-After": "1"}})
    started = time.monotonic()
    result = scrape(tmp_path, "--base-url", fixture_site.url, "--only", "registered-nurses")
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started >= 1
    assert "HTTP 429" in result.output and "retrying in 1s" in result.output
    assert [p for p, _ in fixture_site.requests].count(NURSES) == 2


def test_500_then_success(fixture_site, tmp_path):
    fixture_site.fault(NURSES, {"status": 500})
    result = scrape(tmp_path, "--base-url", fixture_site.url, "--only", "registered-nurses")
    assert result.exit_code == 0, result.output
    assert "1 fetched" in result.output
    assert sqlite_utils.Database(tmp_path / "data.db")["occupations"].get("registered-nurses")["jobs"] == 3391000


def test_persistent_500_fails_that_page_only(fixture_site, tmp_path):
    fixture_site.fault(NURSES, *[{"status": 503}] * 3)
    result = scrape(tmp_path, "--base-url", fixture_site.url, "--retries", "2")
    assert result.exit_code == 1
    assert f"failed {NURSES}: HTTP 503" in result.output
    assert "1 failed" in result.output
    assert sqlite_utils.Database(tmp_path / "data.db")["occupations"].count == SLUGS - 1


def test_timeout_fails_cleanly(fixture_site, tmp_path):
    fixture_site.fault(NURSES, {"sleep": 2, "status": 200, "body": "late"})
    result = scrape(tmp_path, "--base-url", fixture_site.url, "--only", "registered-nurses", "--timeout", "0.3", "--retries", "0")
    assert result.exit_code == 1
    assert f"failed {NURSES}: timed out" in result.output


def test_truncated_page_never_replaces_a_good_copy(fixture_site, tmp_path):
    assert scrape(tmp_path, "--base-url", fixture_site.url).exit_code == 0
    cached = tmp_path / "cache" / "ooh" / "healthcare" / "registered-nurses.htm"
    good = cached.read_text()
    before = table_contents(tmp_path / "data.db")
    fixture_site.fault(NURSES, {"status": 200, "body": good[: len(good) // 2]})
    result = scrape(tmp_path, "--base-url", fixture_site.url, "--refresh")
    assert result.exit_code == 1
    assert f"rejected {NURSES}: the page is cut short" in result.output
    assert cached.read_text() == good
    assert table_contents(tmp_path / "data.db") == before


def test_non_ooh_page_is_rejected(fixture_site, tmp_path):
    fixture_site.fault(NURSES, {"status": 200, "body": "<html><head><title>Error</title></head><body>Sorry</body></html>"})
    fixture_site.fault(
        "/ooh/entertainment-and-sports/actors.htm",
        {"status": 200, "body": (FIXTURES / "ooh" / NURSES.lstrip("/")).read_text()},
    )
    result = scrape(tmp_path, "--base-url", fixture_site.url)
    assert result.exit_code == 1
    assert f"rejected {NURSES}: not an OOH occupation page" in result.output
    assert "rejected /ooh/entertainment-and-sports/actors.htm: wrong page" in result.output
    assert "2 rejected" in result.output
    assert not (tmp_path / "cache" / NURSES.lstrip("/")).exists()


def test_interrupted_run_resumes_where_it_stopped(fixture_site, tmp_path):
    """Kill a real scrape midway with Ctrl-C, then run again."""
    # Each page takes a while, so the interrupt lands in the middle of the run.
    for path in fixture_site_paths():
        fixture_site.fault(path, {"sleep": 0.4})
    command = scrape_command(tmp_path, fixture_site)
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_until(lambda: count_rows(tmp_path / "data.db", "occupations") >= 1)
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=10)
    assert process.returncode != 0
    done = sqlite_utils.Database(tmp_path / "data.db")["occupations"].count
    assert 0 < done < SLUGS

    fixture_site.httpd.faults.clear()
    fixture_site.requests.clear()
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert finished.returncode == 0, finished.stderr
    assert f"{SLUGS - done} parsed, {done} already up to date" in finished.stdout
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    assert scrape(fresh, "--base-url", fixture_site.url).exit_code == 0
    assert table_contents(tmp_path / "data.db") == table_contents(fresh / "data.db")


def fixture_site_paths():
    return sorted(
        "/" + str(p.relative_to(FIXTURES / "ooh")) for p in (FIXTURES / "ooh" / "ooh").rglob("*.htm") if p.name != "a-z-index.htm"
    )


def test_offline_reparses_from_the_cache_without_the_network(fixture_site, tmp_path):
    assert scrape(tmp_path, "--base-url", fixture_site.url).exit_code == 0
    before = table_contents(tmp_path / "data.db")
    (tmp_path / "data.db").unlink()
    result = scrape(tmp_path, "--base-url", "http://127.0.0.1:9", "--offline")
    assert result.exit_code == 0, result.output
    assert f"{SLUGS} parsed" in result.output
    assert table_contents(tmp_path / "data.db") == before
    result = scrape(tmp_path, "--offline", "--refresh", "--only", "actors")
    assert "1 parsed, 0 already up to date" in result.output


def test_offline_with_an_empty_cache_says_so(tmp_path):
    result = scrape(tmp_path, "--offline")
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: the A-Z index could not be used: /ooh/a-z-index.htm is not in the cache folder {tmp_path / 'cache'}"
    )


def test_a_new_parser_version_reparses_cached_pages(fixture_site, tmp_path, monkeypatch):
    from scrape import parse

    assert scrape(tmp_path, "--base-url", fixture_site.url).exit_code == 0
    monkeypatch.setattr(parse, "PARSER_VERSION", parse.PARSER_VERSION + 1)
    result = scrape(tmp_path, "--base-url", fixture_site.url)
    assert f"0 fetched, {SLUGS} unchanged" in result.output and f"{SLUGS} parsed" in result.output


# --- attacks: pages, indexes and servers that lie -----------------------------

MAINTENANCE = (
    '<html><head><link rel="canonical" href="https://www.bls.gov/ooh/healthcare/registered-nurses.htm"></head>'
    '<body><h1>Down</h1><div id="tab-1"></div><div id="tab-2"></div></body></html>'
)


def nurses_page():
    return (FIXTURES / "ooh" / NURSES.lstrip("/")).read_text()


def scraped(tmp_path, fixture_site):
    """A complete scrape, then the cached nurses page and every table."""
    assert scrape(tmp_path, "--base-url", fixture_site.url).exit_code == 0
    cached = tmp_path / "cache" / NURSES.lstrip("/")
    return cached, cached.read_bytes(), table_contents(tmp_path / "data.db")


def test_a_maintenance_page_never_replaces_good_data(fixture_site, tmp_path):
    assert len(MAINTENANCE) < 200
    cached, good, before = scraped(tmp_path, fixture_site)
    fixture_site.fault(NURSES, {"status": 200, "body": MAINTENANCE})
    result = scrape(tmp_path, "--base-url", fixture_site.url, "--refresh")
    assert result.exit_code == 1
    assert f"rejected {NURSES}: the page lacks what every OOH page has: category_name, what_they_do" in result.output
    assert f"{SLUGS - 1} parsed" in result.output and "1 rejected" in result.output
    assert cached.read_bytes() == good
    assert table_contents(tmp_path / "data.db") == before
    # Into a new database too: there is nothing stored to compare with, and it is still refused.
    fixture_site.fault(NURSES, {"status": 200, "body": MAINTENANCE})
    fresh = tmp_path / "fresh"
    result = scrape(fresh, "--base-url", fixture_site.url)
    assert "rejected" in result.output and not (fresh / "cache" / NURSES.lstrip("/")).exists()


def test_a_page_that_would_lose_stored_fields_is_rejected(fixture_site, tmp_path):
    cached, good, before = scraped(tmp_path, fixture_site)
    # Well-formed, every tab there, but the pay row is gone from the Quick Facts.
    page = re.sub(r"<tr><th id=\"quickfacts-1-0\">.*?</td></tr>", "", nurses_page(), flags=re.S)
    fixture_site.fault(NURSES, {"status": 200, "body": page})
    result = scrape(tmp_path, "--base-url", fixture_site.url, "--only", "registered-nurses", "--refresh")
    assert result.exit_code == 1
    assert (
        "no longer gives median_pay_annual, median_pay_hourly, pay_period, pay_top_coded, which data.db has; kept the stored page"
        in result.output
    )
    assert cached.read_bytes() == good and table_contents(tmp_path / "data.db") == before


def test_a_structurally_broken_page_is_rejected(fixture_site, tmp_path):
    page = nurses_page()
    broken = page[: page.index('<div id="tab-2"')] + '<div id="tab-2"><div><p>' + "</html>"
    fixture_site.fault(NURSES, {"status": 200, "body": broken})
    result = scrape(tmp_path, "--base-url", fixture_site.url)
    assert result.exit_code == 1
    assert f"rejected {NURSES}: the page lacks what every OOH page has" in result.output
    assert (
        sqlite_utils.Database(tmp_path / "data.db")
        .execute("select count(*) from occupations where what_they_do is null")
        .fetchone()[0]
        == 0
    )


@pytest.mark.parametrize(
    "label, value, message",
    [
        ("    Number of Jobs, 2024", "    99,999,999,999,999,999,999", "jobs is 99,999,999,999,999,999,999, outside"),
        ("    Number of Jobs, 20X4", "    3,391,000", "do not say which years"),
    ],
)
def test_absurd_numbers_and_years_are_rejected_not_a_traceback(fixture_site, tmp_path, label, value, message):
    page = nurses_page().replace(
        '<th id="quickfacts-5-0"><a href="#TB_inline">    Number of Jobs, 2024</a></th><td>    3,391,000</td>',
        f'<th id="quickfacts-5-0"><a href="#TB_inline">{label}</a></th><td>{value}</td>',
    )
    assert page != nurses_page()
    fixture_site.fault(NURSES, {"status": 200, "body": page})
    result = scrape(tmp_path, "--base-url", fixture_site.url)
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    assert message in result.output and f"{SLUGS - 1} parsed" in result.output


def test_a_short_index_never_replaces_the_stored_one(fixture_site, tmp_path):
    scraped(tmp_path, fixture_site)
    index = tmp_path / "cache" / "ooh" / "a-z-index.htm"
    good = index.read_bytes()
    aliases = table_contents(tmp_path / "data.db")["aliases"]
    # Well formed, but listing three occupations and one alias.
    keep = (">Registered nurses</a></li>", ">Physicians and surgeons</a></li>", ">Military careers</a></li>", ">RN</a>")
    three = "\n".join(
        line for line in good.decode().splitlines() if not line.startswith("    <li>") or any(k in line for k in keep)
    )
    fixture_site.fault("/ooh/a-z-index.htm", {"status": 200, "body": three})
    result = scrape(tmp_path, "--base-url", fixture_site.url, "--refresh")
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: the A-Z index could not be used: the A-Z index lists 3 occupations")
    assert index.read_bytes() == good
    assert table_contents(tmp_path / "data.db")["aliases"] == aliases


def test_redirects_are_followed_within_the_site_only(fixture_site, tmp_path):
    other = Server(FIXTURES / "ooh")
    try:
        fixture_site.fault(NURSES, {"status": 301, "headers": {"Location": other.url + NURSES}})
        fixture_site.fault(
            "/ooh/entertainment-and-sports/actors.htm",
            {"status": 302, "headers": {"Location": "/ooh/entertainment-and-sports/actors.htm?moved"}},
        )
        result = scrape(tmp_path, "--base-url", fixture_site.url)
    finally:
        other.close()
    assert result.exit_code == 1
    assert f"failed {NURSES}: {fixture_site.url}{NURSES} redirects to another site" in result.output
    assert not other.requests
    assert "/ooh/entertainment-and-sports/actors.htm?moved" in [p for p, _ in fixture_site.requests]
    assert sqlite_utils.Database(tmp_path / "data.db")["occupations"].get("actors")["jobs"]


def test_a_bad_retry_after_falls_back_to_the_usual_back_off(fixture_site, tmp_path):
    fixture_site.fault(NURSES, {"status": 503, "headers": {"Retry-After": "soon, maybe"}})
    result = scrape(tmp_path, "--base-url", fixture_site.url, "--only", "registered-nurses")
    assert result.exit_code == 0, result.output
    assert "HTTP 503" in result.output and "retrying in 1s" in result.output


def test_a_body_cut_short_is_retried_then_fails_that_page(fixture_site, tmp_path):
    page = nurses_page()
    fixture_site.fault(NURSES, *[{"status": 200, "body": page[:500], "length": len(page.encode())}] * 2)
    result = scrape(tmp_path, "--base-url", fixture_site.url, "--retries", "1")
    assert result.exit_code == 1
    assert f"failed {NURSES}: connection failed or the body was cut short" in result.output
    assert not (tmp_path / "cache" / NURSES.lstrip("/")).exists()


def test_an_unsolicited_304_fails_that_page(fixture_site, tmp_path):
    fixture_site.fault(NURSES, {"status": 304})
    result = scrape(tmp_path, "--base-url", fixture_site.url)
    assert result.exit_code == 1
    assert "answered 304 Not Modified to a request that was not conditional" in result.output
    assert f"{SLUGS - 1} parsed" in result.output


def test_a_latin_1_page_is_read_by_its_charset(fixture_site, tmp_path):
    page = nurses_page().replace(
        "Registered nurses (RNs) provide and coordinate patient care.",
        "Registered nurses (RNs) provide patient care, caf\u00e9 or no caf\u00e9.",
    )
    fixture_site.fault(
        NURSES,
        {"status": 200, "body": page, "encoding": "cp1252", "headers": {"Content-Type": "text/html; charset=windows-1252"}},
    )
    result = scrape(tmp_path, "--base-url", fixture_site.url)
    assert result.exit_code == 0, result.output
    text = sqlite_utils.Database(tmp_path / "data.db")["occupations"].get("registered-nurses")["what_they_do"]
    assert "caf\u00e9 or no caf\u00e9" in text


def test_a_huge_page_is_not_read_whole(fixture_site, tmp_path):
    # 60 MB in 1 MB chunks, with no Content-Length to warn of it.
    fixture_site.fault(NURSES, {"drip": b"<p>" + b"x" * (1024 * 1024 - 3), "count": 60})
    result = scrape(tmp_path, "--base-url", fixture_site.url)
    assert result.exit_code == 1
    assert f"failed {NURSES}: {fixture_site.url}{NURSES} is over the 8,388,608-byte limit" in result.output


def test_a_slow_drip_server_times_out(fixture_site, tmp_path):
    fixture_site.fault(NURSES, {"drip": b"<p>", "count": 100, "interval": 0.1})
    started = time.monotonic()
    result = scrape(tmp_path, "--base-url", fixture_site.url, "--only", "registered-nurses", "--timeout", "1", "--retries", "0")
    assert time.monotonic() - started < 5
    assert result.exit_code == 1
    assert f"failed {NURSES}: timed out" in result.output


def test_a_full_disk_is_one_line_and_keeps_the_database(fixture_site, tmp_path):
    scraped(tmp_path, fixture_site)
    before = table_contents(tmp_path / "data.db")
    # A file-size limit makes every write past 64 KB fail as a full disk would.
    limit = lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))  # noqa: E731
    command = scrape_command(tmp_path, fixture_site, "--refresh")
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, preexec_fn=limit)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("Error: could not write")
    assert "Traceback" not in result.stderr
    assert table_contents(tmp_path / "data.db") == before


def test_a_read_only_database_is_one_line(fixture_site, tmp_path):
    scraped(tmp_path, fixture_site)
    (tmp_path / "data.db").chmod(0o444)
    try:
        result = scrape(tmp_path, "--base-url", fixture_site.url, "--refresh")
    finally:
        (tmp_path / "data.db").chmod(0o644)
    if os.geteuid() == 0:
        pytest.skip("root writes to read-only files")
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith(f"Error: could not write {tmp_path / 'data.db'}")
