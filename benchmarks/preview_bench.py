"""How long a link preview's lettering takes as the text grows: a name of
one long word, and one of many words, at 1,000 to 1,000,000 characters,
wrapped as an occupation's preview wraps its title (three lines of 600
pixels). The time should not grow with the text: only the start of it is
ever measured.

    python benchmarks/preview_bench.py [--repeat 5]
"""

import sys
import time
from pathlib import Path

import click
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from website.preview import wrap  # noqa: E402


@click.command()
@click.option("--repeat", default=5, show_default=True, help="Runs of each text; the fastest is printed.")
def main(repeat):
    draw = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    for kind, make in (("one word", lambda n: "x" * n), ("many words", lambda n: ("word " * n)[:n])):
        for length in (1_000, 3_000, 10_000, 100_000, 1_000_000):
            text = make(length)
            best = min(timed(draw, text) for _ in range(repeat))
            print(f"{kind:>10}, {length:>9,} characters: {best * 1000:8.2f} ms")


def timed(draw, text):
    began = time.perf_counter()
    wrap(draw, text, 44, 600, 3)
    return time.perf_counter() - began


if __name__ == "__main__":
    main()
