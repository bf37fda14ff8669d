"""Reliability, fourth round (issue 31): the build attacked. Text of any
length is wrapped and cut in time that does not grow with it; every value is
finite and in range before it is drawn, written or serialised, and --check
parses every JSON file; the output folder is swapped so an interruption
leaves the old site or the new; every mistake in --out, --serve, --db or
--base-path is one line. Real SQLite files, the real build, real Pillow."""

import subprocess
import sys

from conftest import ROOT
from PIL import Image, ImageDraw, ImageFont

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
