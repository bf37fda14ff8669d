"""The build: every page and download, written to a new folder that
replaces the old one only once it is complete."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from markupsafe import Markup

from . import ROOT, TEMPLATES, BuildError
from .answer import Card, answer_card
from .colours import BLUES, HEAT_FLOOR
from .downloads import downloads, measure_download
from .load import SiteData, load
from .pages import LABEL_TEXT, detail_data, evidence_page_data, histogram, home_data, occupation_evidence, similar_occupations
from .predraw import first_view
from .preview import INK, MUTED, home_preview, need_freetype, occupation_preview, small_map
from .render import D3_MODULES, environment, home_assets

# Written into every built site; only a folder holding it is ever replaced.
MARKER = ".worklens-site"


# A site's path on its host: nothing but plain path segments between slashes
# (so never //host/, which a browser reads as another host, nor . or ..).
BASE_PATH = re.compile(r"/(?:(?!\.\.?/)[A-Za-z0-9._~-]+/)*")


def ours_to_replace(folder: Path) -> None:
    """Raise BuildError unless ``folder`` is absent, empty or made by an
    earlier build (it holds the marker file): --out is deleted and rewritten,
    and must never be a repository, a home folder or data.db's own folder."""
    if folder.is_symlink():
        raise BuildError(f"{folder} is a symbolic link; give the folder itself as --out, or another")
    if not folder.exists():
        return
    if not folder.is_dir():
        raise BuildError(f"{folder} is a file, not a folder; choose another --out")
    if any(folder.iterdir()) and not (folder / MARKER).is_file():
        raise BuildError(
            f"{folder} holds files build.py did not make (no {MARKER} in it), so it is not replaced; "
            "choose an empty or new --out folder"
        )


def check_out(out: Path, db_path: str | Path) -> None:
    """Raise BuildError, with one line, for an --out that can never be a site's folder."""
    if out.is_file():
        raise BuildError(f"{out} is a file, not a folder; choose another --out")
    where = out.resolve()
    if where == where.parent or not out.name or out.name in (".", ".."):
        raise BuildError(f"--out {out} is not a folder the build can replace; name a folder of its own, such as _site")
    if Path(db_path).resolve().is_relative_to(where):
        raise BuildError(f"--out {out} holds the database it is built from; choose another folder")


def remove_ours(folder: Path) -> None:
    """Delete a folder a build made, its marker last: a removal interrupted
    midway leaves a folder the next build still knows as its own."""
    if not folder.is_dir() or folder.is_symlink():
        return
    for item in folder.iterdir():
        if item.name == MARKER:
            continue
        if item.is_dir() and not item.is_symlink():
            shutil.rmtree(item)
        else:
            item.unlink()
    (folder / MARKER).unlink(missing_ok=True)
    folder.rmdir()


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux's renameat2 with RENAME_EXCHANGE);
    False where the system cannot."""
    if sys.platform != "linux":
        return False
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_cwd, exchange = -100, 2
    if renameat2(at_cwd, os.fsencode(a), at_cwd, os.fsencode(b), exchange) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.EINVAL, errno.ENOSYS, errno.EPERM):  # a file system or kernel without it
        return False
    raise OSError(error, os.strerror(error), str(b))


def work_folders(out: Path) -> tuple[Path, Path]:
    """Where a build writes the new site, and where the old one goes as it is swapped out."""
    return out.with_name(out.name + ".tmp"), out.with_name(out.name + ".old")


def make_room(out: Path) -> Path:
    """Check --out and the work folders beside it, clear what an interrupted
    build left there, and make the folder to write the new site to (marked
    as ours from the start)."""
    tmp, old = work_folders(out)
    for folder in (out, tmp, old):
        ours_to_replace(folder)
    if out.exists() and not any(out.iterdir()):
        out.rmdir()
    remove_ours(tmp)
    remove_ours(old)
    tmp.mkdir(parents=True)
    (tmp / MARKER).write_text("Made by build.py; the next build replaces this whole folder.\n")
    return tmp


def swap_in(tmp: Path, out: Path) -> None:
    """Put the complete new site ``tmp`` at ``out``. Interrupted at any
    point, ``out`` is the old site or the new one (in one step where the
    system can swap two folders; else by two renames, with the old site
    beside it, marked, for the next build to clear)."""
    old = work_folders(out)[1]
    if not out.exists():
        tmp.rename(out)
    elif _exchange(tmp, out):
        remove_ours(tmp)  # the old site, now at tmp
    else:
        out.rename(old)
        tmp.rename(out)
        remove_ours(old)


def build(
    db_path: str | Path, out: str | Path, base_path: str = "/", site_url: str | None = None, log: Callable[[str], object] = print
) -> int:
    """Write the site to ``out``; returns the number of files written.
    ``site_url`` (https://...) makes link previews' image address absolute."""
    if not base_path.startswith("/") or not base_path.endswith("/"):
        raise BuildError(f"--base-path must start and end with '/' (got {base_path!r})")
    if not BASE_PATH.fullmatch(base_path):
        raise BuildError(
            "--base-path must be a path on the site's own host, such as /worklens/: "
            f"letters, digits, '.', '_', '~' and '-' between single slashes (got {base_path!r})"
        )
    site_url = site_url or None  # an unset repository variable arrives as ""
    if site_url is not None and not re.fullmatch(r"https://[^\s\"'<>]+", site_url):
        raise BuildError(f"--site-url must be an https:// address (got {site_url!r})")
    missing = [m for m in D3_MODULES if not (ROOT / "node_modules" / m / "dist" / f"{m}.min.js").is_file()]
    if missing:
        raise BuildError(f"D3 is not installed ({', '.join(missing)} missing): run npm ci first")
    need_freetype()
    if Path(db_path).is_dir():
        raise BuildError(f"--db {db_path} is a folder; give the database file in it, such as {Path(db_path) / 'data.db'}")
    out = Path(out)
    check_out(out, db_path)
    # Marked as ours from the start: a build that fails midway leaves a folder the next one may replace.
    tmp = make_room(out)
    data = read(db_path, tmp / "data" / "data.db")
    for line in data["warnings"]:
        log(line)
    if not any(o["jobs"] for o in data["occupations"]):
        raise BuildError(f"no occupation in {db_path} has a count of jobs to size the map by: run python -m scrape again")
    env = environment(base_path)
    files: dict[str, str] = {}

    env.globals["nav_criteria"] = [{"name": c["name"], "title": c["title"]} for c in data["criteria"]]
    env.globals["edition"] = data["edition"]
    # Link previews need the image's whole address where the site's is known.
    public = site_url.rstrip("/") + "/" if site_url else base_path
    env.globals["preview"] = public + "preview.png"
    env.globals["current_criterion"] = None
    env.globals["has_space"] = bool(data["space"])
    env.globals["has_evidence"] = bool(data["evidence"])
    home = home_data(data)
    by_slug = {o["slug"]: o for o in data["occupations"]}
    home_page = env.get_template("index.html")
    home_context = {"page": "home", "data": home, "total_jobs": sum(o[3] for o in home["occupations"]), "inlined": home_assets()}
    # Twice: empty, for the page's script to draw its first view on, then with what it drew.
    first = first_view(home_page.render(**home_context, first=None))
    files["index.html"] = home_page.render(
        **home_context, first={"map": Markup(first["map"]), "legend": Markup(first["legend"]), "headline": first["headline"]}
    )
    files["table.html"] = env.get_template("table.html").render(
        page="table", occupations=data["occupations"], criteria=data["criteria"], edition=data["edition"]
    )
    files["about.html"] = env.get_template("about.html").render(page="about", criteria=data["criteria"], edition=data["edition"])
    on_map = sum(1 for o in data["occupations"] if o["jobs"] is not None)
    cards = {o["slug"]: [answer_card(data, o, c, by_slug) for c in data["criteria"]] for o in data["occupations"]}
    # The cards in brief, for the map's tooltip: why each occupation has its score on each criterion.
    why = {
        c["name"]: {s: found[i].short[-1] for s, found in cards.items() if found[i].score} for i, c in enumerate(data["criteria"])
    }
    for o in data["occupations"]:
        scores = [(c, c["scores"].get(o["slug"])) for c in data["criteria"]]
        files[f"occupations/{o['slug']}.html"] = env.get_template("occupation.html").render(
            page="occupation",
            preview=f"{public}previews/{o['slug']}.png",
            o=o,
            cards=cards[o["slug"]],
            scores=scores,
            projections=data["projections"].get(o["slug"], []),
            similar=similar_occupations(data, o["slug"], by_slug),
            space=data["space"],
            evidence=occupation_evidence(data, o["slug"], by_slug),
            label_text=LABEL_TEXT,
            employers=data["employers"].get(o["slug"], []),
            industry_pay=data["industry_pay"].get(o["slug"], []),
            pay_ranges=data["pay_ranges"].get(o["slug"], []),
            on_map=on_map,
            pages=len(data["occupations"]),
        )
    if data["evidence"]:
        scatter, matrix = evidence_page_data(data)
        files["evidence.html"] = env.get_template("evidence.html").render(
            page="evidence",
            evidence=data["evidence"],
            scatter=scatter,
            matrix=matrix,
            criteria=data["criteria"],
            blues=BLUES,
            heat_floor=HEAT_FLOOR,
        )
        files["assets/evidence.js"] = (TEMPLATES / "evidence.js").read_text()
        files["data/measures.csv"] = measure_download(data) or ""
    if data["space"]:
        files["space.html"] = env.get_template("space.html").render(page="space", space=data["space"])
    for c in data["criteria"]:
        files[f"criteria/{c['name']}.html"] = env.get_template("criterion.html").render(
            page="criterion",
            c=c,
            histogram=histogram(c),
            total=len(c["scores"]),
            current_criterion=c["name"],
            on_map=on_map,
        )
    csv_text, json_text = downloads(data)
    files["data/occupations.csv"] = csv_text
    files["data/occupations.json"] = json_text
    files["data/details.json"] = json.dumps(
        detail_data(data, why),
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    files["data/metadata.json"] = json.dumps(yaml.safe_load((ROOT / "metadata.yml").read_text()), indent=1, sort_keys=True)
    files["assets/site.css"] = (TEMPLATES / "site.css").read_text()
    files["404.html"] = env.get_template("404.html").render(page="404")

    for name, text in sorted(files.items()):
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    lede = f"worklens · {on_map} occupations, {round(sum(o[3] for o in home['occupations']) / 1e6)} million jobs · BLS Occupational Outlook Handbook"
    (tmp / "preview.png").write_bytes(home_preview(first["tiles"], first["headline"], lede))
    drawn_map = small_map(first["tiles"])
    (tmp / "previews").mkdir()
    for o in data["occupations"]:
        (tmp / "previews" / f"{o['slug']}.png").write_bytes(
            occupation_preview(drawn_map, o["slug"], o["title"], *preview_words(o, cards[o["slug"]], on_map))
        )
    # Swap in the new site only once it is complete: a failed build leaves
    # the previous one as it was.
    written = sum(1 for path in tmp.rglob("*") if path.is_file() and path.name != MARKER)
    swap_in(tmp, out)
    return written


def read(db_path: str | Path, publish_to: Path) -> SiteData:
    """``load``, with what a database that is not one, or not of this
    version, makes it raise said in one line."""
    try:
        return load(db_path, publish_to=publish_to)
    except sqlite3.Error as exc:
        raise BuildError(f"{db_path} cannot be read as a worklens database: {exc}") from None
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        # A table of an older version lacks a column, or a value was changed by hand to one of another kind.
        raise BuildError(
            f"{db_path} holds what this version of the site cannot read ({type(exc).__name__}: {exc}); "
            "if it was made by an older version, run the stages again (python -m scrape, then the others)"
        ) from None


def preview_words(o: dict[str, Any], cards: list[Card], on_map: int) -> tuple[list[tuple[str, int, tuple[int, int, int]]], str]:
    """What an occupation's link preview says: its first card's score, who
    made it and what research says; and where the occupation is on the map."""
    lines: list[tuple[str, int, tuple[int, int, int]]] = []
    for card in cards[:1]:
        lines.append((f"{card.question}: {card.score or 'not scored'}", 40, INK))
        lines.append((card.made_by_short, 24, MUTED))
        lines.append((card.short[0], 30, INK))
    note = (
        f"Where it sits on the map of {on_map} occupations, each sized by its jobs."
        if o["jobs"] is not None
        else "Not on the map: BLS gives no count of its jobs."
    )
    return lines, note
