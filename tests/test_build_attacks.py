"""Reliability, fourth round (issue 31): the build attacked. Text of any
length is wrapped and cut in time that does not grow with it; every value is
finite and in range before it is drawn, written or serialised, and --check
parses every JSON file; the output folder is swapped so an interruption
leaves the old site or the new; every mistake in --out, --serve, --db or
--base-path is one line. Real SQLite files, the real build, real Pillow."""

import hashlib
import json
import re
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT
from PIL import Image, ImageDraw, ImageFont

import build
from compare.cli import cli as compare_cli
from website import write
from website.check import check
from website.preview import wrap

# Previews -------------------------------------------------------------------------


class Counting(ImageDraw.ImageDraw):
    """Pillow's own drawing, counting the characters it measures."""

    measured = 0

    def textlength(self, text, *args, **kwargs):
        self.measured += len(text)
        return super().textlength(text, *args, **kwargs)


def measured(text, size=24, width=600, lines=2):
    draw = Counting(Image.new("RGB", (10, 10)))
    return wrap(draw, text, size, width, lines), draw.measured


def test_a_long_text_is_wrapped_and_cut_in_time_that_does_not_grow_with_it():
    # A name with no space at all, and one long word after a short one (cut with an ellipsis).
    for make in (lambda n: "x" * n, lambda n: "ab " + "x" * n + " cd", lambda n: "word " * (n // 5)):
        short, long = measured(make(10_000)), measured(make(1_000_000))
        assert short[0] == long[0]  # only the start is drawn
        assert long[1] == short[1] < 20_000, "measuring grows with the text"


def test_a_word_wider_than_a_line_is_cut_to_fit():
    face = ImageFont.load_default(size=44)
    draw = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    for lines in (1, 3):
        drawn = wrap(draw, "W" * 10_000, 44, 600, lines)
        assert len(drawn) == lines and drawn[-1].endswith("…")
        assert all(draw.textlength(line, font=face) <= 600 for line in drawn)
        assert "".join(drawn).rstrip("…") == "W" * (len("".join(drawn)) - 1)
    assert wrap(draw, "W" * 12, 44, 600, 3) == ["W" * 12]  # a word that fits is left whole


def test_only_what_the_font_draws_is_drawn():
    draw = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    hostile = "Caf\u00e9 \U0001f600 zero\u200bwidth \u202eevil\u202c n\u0303 tab\there \u2014 dash"
    assert wrap(draw, hostile, 24, 600, 2) == ["Cafe zerowidth evil n tab here - dash"]
    # Nothing left to draw is an empty line, not an error.
    assert wrap(draw, "\U0001f600\u200b\u0301", 24, 600, 2) == [""]


def test_pillow_without_freetype_is_one_line(small_copy, tmp_path):
    # Pillow built without FreeType: its FreeType module cannot be imported.
    code = (
        "import sys\n"
        "sys.modules['PIL._imagingft'] = None\n"
        "import build\n"
        "build.main([f'--db={sys.argv[1]}', f'--out={sys.argv[2]}'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(small_copy), str(tmp_path / "site")], cwd=ROOT, capture_output=True, text=True
    )
    assert (done.returncode, done.stderr.strip().splitlines()[-1]) == (
        1,
        "Error: Pillow was installed without FreeType, which the link previews' lettering needs: "
        "install Pillow from its wheel (pip install --force-reinstall pillow)",
    )
    assert not (tmp_path / "site").exists()


# Arguments --------------------------------------------------------------------------


def run_build(db, out, *args):
    return CliRunner().invoke(build.main, ["--db", str(db), "--out", str(out), *args])


def one_line(result):
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


def test_out_db_serve_and_base_path_mistakes_are_one_line_each(small_copy, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    site = tmp_path / "site"
    assert run_build(small_copy, site).exit_code == 0
    before = digest(site)
    link = tmp_path / "link"
    link.symlink_to(site)
    said = {
        ("--out", "/"): "Error: --out / is not a folder the build can replace; name a folder of its own, such as _site",
        ("--out", str(tmp_path)): f"Error: --out {tmp_path} holds the database it is built from; choose another folder",
        ("--out", str(link)): f"Error: {link} is a symbolic link; give the folder itself as --out, or another",
        (
            "--out",
            str(notes / "site"),
        ): f"Error: could not write the site to {notes / 'site'}: Not a directory ({notes}/site.tmp)",
        ("--out", str(notes)): f"Error: {notes} is a file, not a folder; choose another --out",
        (
            "--db",
            str(tmp_path),
        ): f"Error: --db {tmp_path} is a folder; give the database file in it, such as {tmp_path / 'data.db'}",
        ("--serve", "99999"): "Error: --serve takes a port from 1 to 65535 (got 99999)",
        ("--serve", "0"): "Error: --serve takes a port from 1 to 65535 (got 0)",
        ("--base-path", "//evil.example/"): "Error: --base-path must be a path on the site's own host, such as /worklens/: "
        "letters, digits, '.', '_', '~' and '-' between single slashes (got '//evil.example/')",
        ("--base-path", "/a/../"): "Error: --base-path must be a path on the site's own host, such as /worklens/: "
        "letters, digits, '.', '_', '~' and '-' between single slashes (got '/a/../')",
    }
    for (option, value), line in said.items():
        args = {"--db": str(small_copy), "--out": str(site), option: value}
        args = [part for pair in args.items() for part in pair]
        result = CliRunner().invoke(build.main, args)
        assert (result.exit_code, one_line(result)) == (1, line), (option, value)
    assert digest(site) == before and notes.read_text() == "mine"


def writable(folder):
    try:
        (folder / "probe").mkdir()
    except OSError:
        return False
    (folder / "probe").rmdir()
    return True


def test_an_out_folder_that_cannot_be_written_is_one_line(small_copy, tmp_path):
    parent = tmp_path / "read-only"
    parent.mkdir()
    parent.chmod(0o555)
    if writable(parent):  # root writes anywhere: a folder of the kernel's instead, where it refuses
        parent = Path("/sys")
        if not parent.is_dir() or writable(parent):
            pytest.skip("no folder here that this user cannot write")
    result = run_build(small_copy, parent / "site")
    assert result.exit_code == 1
    assert one_line(result).startswith(f"Error: could not write the site to {parent / 'site'}: ")


def test_a_port_in_use_is_one_line(small_copy, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_build(small_copy, tmp_path / "site", "--serve", str(port))
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == f"Error: cannot serve on 127.0.0.1:{port}: Address already in use"


# The database ---------------------------------------------------------------------


def test_a_file_that_is_no_database_is_one_line(small_copy, tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("not a database\n" * 100)
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(small_copy.read_bytes()[: small_copy.stat().st_size // 3])
    for path, problem in ((text, "file is not a database"), (truncated, "database disk image is malformed")):
        result = run_build(path, tmp_path / "site")
        assert (result.exit_code, one_line(result)) == (1, f"Error: {path} cannot be read as a worklens database: {problem}")


def older(path):
    """``path`` as a version before runs had labels, levels, scales or sources' addresses left it."""
    with sqlite3.connect(path) as conn:
        for column in ("label", "source_url", "level", "scale", "sample"):
            conn.execute(f"alter table runs drop column {column}")
    return path


def test_an_older_database_is_refused_with_one_line_by_the_build_and_compare(small_copy, tmp_path):
    path = older(small_copy)
    result = run_build(path, tmp_path / "site")
    assert result.exit_code == 1
    assert one_line(result).startswith(f"Error: {path} holds what this version of the site cannot read (KeyError: ")
    compared = CliRunner().invoke(compare_cli, ["--db", str(path)])
    assert (compared.exit_code, one_line(compared)) == (
        1,
        f"Error: {path} holds a table of an older version (OperationalError: no such column: level): "
        "run the stage that writes it (python -m score, measures or space) again, then python -m compare",
    )


# The output folder swapped -------------------------------------------------------------


def digest(folder):
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def a_site(out, files):
    """A site as the build writes one, ready to swap in: ``files`` (name: text) in its own marked folder."""
    tmp = write.make_room(out)
    for name, text in files.items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_text(text)
    return tmp


class Interrupt:
    """Ctrl-C after ``after`` lines of the build's own code have run (in a
    loop over files, between any two of them)."""

    def __init__(self, after):
        self.left = after

    def __call__(self, frame, event, arg):
        if frame.f_code.co_filename != write.__file__:
            return None
        if event == "line":
            self.left -= 1
            if self.left == 0:
                raise KeyboardInterrupt
        return self


def test_a_build_interrupted_while_swapping_leaves_the_old_site_or_the_new(tmp_path):
    out = tmp_path / "site"
    old = {f"occupations/{i}.html": f"old {i}" for i in range(30)} | {"index.html": "old"}
    new = {f"occupations/{i}.html": f"new {i}" for i in range(40)} | {"index.html": "new"}
    write.swap_in(a_site(out, old), out)
    expected = [digest(out)]
    write.swap_in(a_site(out, new), out)
    expected.append(digest(out))
    moment = 0
    while True:
        moment += 1
        write.swap_in(a_site(out, old), out)  # a clean start from the old site, whatever the last round left
        assert digest(out) == expected[0]
        tmp = a_site(out, new)
        sys.settrace(Interrupt(moment))
        try:
            write.swap_in(tmp, out)
            interrupted = False
        except KeyboardInterrupt:
            interrupted = True
        finally:
            sys.settrace(None)
        assert digest(out) in expected, f"interrupted after {moment} lines: neither site"
        if not interrupted:
            break
    assert moment > 20  # every moment of a swap was tried
    # And the next build clears what the interrupted one left.
    write.swap_in(a_site(out, new), out)
    assert digest(out) == expected[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


# Values checked before they are drawn, written or serialised ---------------------------


def tamper(path, *statements):
    with sqlite3.connect(path) as conn:
        for statement in statements:
            conn.execute(statement)
    return path


def built_text(out):
    """Every page and data file the build wrote (not the database copy, not the pictures)."""
    return {str(p.relative_to(out)): p.read_text() for p in out.rglob("*") if p.suffix in (".html", ".json", ".csv", ".js")}


def built_with(small_copy, tmp_path, *statements):
    tamper(small_copy, *statements)
    result = run_build(small_copy, tmp_path / "site", "--check")
    assert result.exit_code == 0, result.output
    return result.output, built_text(tmp_path / "site")


def test_an_infinite_point_of_the_space_is_set_aside_and_never_written(small_copy, tmp_path):
    said, text = built_with(small_copy, tmp_path, "update space_layout set x = 9e999 where slug = 'actors'")
    assert "set aside the place in the labor space of actors: not a point that can be drawn" in said
    assert not [name for name, t in text.items() if "Infinity" in t or "NaN" in t]
    assert "actors" not in json.loads((tmp_path / "site" / "data" / "details.json").read_text()).get("space", {})


def test_a_percentile_out_of_range_and_an_infinite_measure_are_set_aside(small_copy, tmp_path):
    measure = rows_of(small_copy, "select measure from measure_values where slug = 'actors' limit 1")[0][0]
    said, text = built_with(
        small_copy,
        tmp_path,
        "update score_percentiles set percentile = 1e308 where slug = 'actors'",
        f"update measure_values set value = 9e999 where slug = 'actors' and measure = '{measure}'",
    )
    assert "set aside 1 ai_exposure percentiles outside 0 to 100: actors" in said
    assert f"set aside 1 values of the measure {measure} that are no figure: actors" in said
    assert not [name for name, t in text.items() if re.search(r"\d{40}", t)]  # no 309-digit number
    assert not [name for name, t in text.items() if re.search(r"\binf\b|Infinity", t)]


def test_text_that_is_binary_not_utf8_or_holds_a_nul_is_shown_as_text(small_copy, tmp_path):
    said, text = built_with(
        small_copy,
        tmp_path,
        "update occupations set title = 'Act' || char(0) || 'ors' where slug = 'actors'",
        "update occupations set title = cast(x'526f6f66ff657273' as text) where slug = 'roofers'",
        "update occupations set title = x'4c617779657273' where slug = 'lawyers'",
    )
    assert "set aside 1 pieces of text with control characters (taken out)" in said
    assert "set aside 1 pieces of binary data read as text" in said
    assert not [name for name, t in text.items() if "\0" in t]
    assert "<h1>Actors" in text["occupations/actors.html"]
    assert "<h1>Roof\ufffders" in text["occupations/roofers.html"]
    assert "<h1>Lawyers" in text["occupations/lawyers.html"]


def test_a_criterion_whose_tiers_are_not_json_is_set_aside(small_copy, tmp_path):
    said, text = built_with(small_copy, tmp_path, "update criteria set tiers = '[{'")
    assert "set aside the criterion ai_exposure: it has no tiers" in said
    assert "criteria/ai_exposure.html" not in text


@pytest.mark.parametrize("jobs", ["0", "1e300"])
def test_no_job_count_to_draw_is_one_line(small_copy, tmp_path, jobs):
    tamper(small_copy, f"update occupations set jobs = {jobs}")
    result = run_build(small_copy, tmp_path / "site")
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        f"Error: no occupation in {small_copy} has a count of jobs to size the map by: run python -m scrape again"
    )


def test_a_slug_twice_is_one_line(small_copy, tmp_path):
    tamper(
        small_copy,
        "create table copied as select * from occupations",
        "drop table occupations",  # its full-text index and triggers go with it
        "create table occupations as select * from copied",
        "insert into occupations select * from copied where slug = 'actors'",
    )
    result = run_build(small_copy, tmp_path / "site")
    assert (result.exit_code, one_line(result)) == (
        1,
        "Error: the occupation actors is in the database twice (its table has lost its primary key): scrape into a new database",
    )


def test_the_check_parses_every_json_file_and_the_json_in_every_page(small_copy, tmp_path):
    out = tmp_path / "site"
    assert run_build(small_copy, out).exit_code == 0
    assert check(out) == []
    details = out / "data" / "details.json"
    details.write_text('{"x":Infinity,' + details.read_text()[1:])
    home = out / "index.html"
    home.write_text(home.read_text().replace('type="application/json">{', 'type="application/json">{"y":NaN,', 1))
    assert check(out) == [
        "index.html holds data that is not JSON: NaN is not JSON",
        "data/details.json is not JSON: Infinity is not JSON",
    ]


def rows_of(path, sql):
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()
