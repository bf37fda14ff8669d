"""The labour space on the real data.db: vectors for every occupation, stable
neighbours, an evaluation that beats both baselines, recomputed only when a
text changes."""

import numpy as np
import pytest
import sqlite_utils
from click.testing import CliRunner
from conftest import ROOT

from space import embed
from space.cli import cli


def test_committed_space_covers_every_occupation():
    db = sqlite_utils.Database(ROOT / "data.db")
    occupations = db["occupations"].count
    for backend, dims in (("tfidf-svd-128", 128), ("all-MiniLM-L6-v2", 384)):
        rows = list(db.query("select dims, length(vector) as size from embeddings where backend = ?", [backend]))
        assert len(rows) == occupations, backend
        assert {(r["dims"], r["size"]) for r in rows} == {(dims, dims * 4)}
        assert db.execute("select count(*) from space_layout where backend = ?", [backend]).fetchone()[0] == occupations
        assert (
            db.execute("select count(*) from nearest_occupations where backend = ?", [backend]).fetchone()[0] == occupations * 10
        )
    # Vectors are unit length, as the cosine neighbours assume.
    vectors = embed.vectors_for(db, "tfidf-svd-128", [r[0] for r in db.execute("select slug from occupations order by slug")])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)


def test_every_method_beats_both_baselines():
    db = sqlite_utils.Database(ROOT / "data.db")
    recall = {(r["backend"], r["method"], r["k"]): r["recall"] for r in db.query("select * from space_evaluation")}
    for backend in ("tfidf-svd-128", "all-MiniLM-L6-v2"):
        for k in (5, 10):
            ours = recall[(backend, "nearest by description", k)]
            assert ours > recall[(backend, "same BLS category", k)] > recall[(backend, "random", k)]
    assert recall[("tfidf-svd-128", "random", 10)] == pytest.approx(10 / 341, abs=1e-4)


def test_embedding_again_gives_the_same_neighbours(committed_copy):
    db = sqlite_utils.Database(committed_copy)
    before = list(
        db.query("select slug, rank, other_slug from nearest_occupations where backend = 'tfidf-svd-128' order by 1, 2")
    )
    result = CliRunner().invoke(cli, ["--backend", "tfidf", "--force", "--db", str(committed_copy)])
    assert result.exit_code == 0, result.output
    assert "tfidf-svd-128: 342 occupations embedded" in result.output
    assert "nearest by description   @5: 0.409  @10: 0.601" in result.output
    after = list(db.query("select slug, rank, other_slug from nearest_occupations where backend = 'tfidf-svd-128' order by 1, 2"))
    assert after == before


def test_nothing_is_recomputed_until_a_text_changes(committed_copy):
    before = committed_copy.read_bytes()
    unchanged = CliRunner().invoke(cli, ["--db", str(committed_copy)])
    assert "342 occupations unchanged, vectors kept" in unchanged.output
    assert committed_copy.read_bytes() == before
    db = sqlite_utils.Database(committed_copy)
    db.execute("update occupations set what_they_do = 'They tend bees and harvest honey.' where slug = 'actuaries'")
    db.conn.commit()
    changed = CliRunner().invoke(cli, ["--db", str(committed_copy)])
    assert "342 occupations embedded" in changed.output
    hashes = dict(db.execute("select slug, input_hash from embeddings where backend = 'tfidf-svd-128'").fetchall())
    assert hashes["actuaries"] == embed.text_hash(embed.document(db["occupations"].get("actuaries")))


def test_the_evaluation_counts_exactly():
    slugs = ["a", "b", "c", "d"]
    order = np.array([[1, 2, 3], [0, 2, 3], [3, 0, 1], [2, 0, 1]])
    links = [("a", "b"), ("a", "d"), ("c", "d")]
    categories = {"a": 1, "b": 1, "c": 2, "d": 2}
    evaluations, total = embed.evaluate(slugs, order, links, categories)
    recall = {e.method: e.recall for e in evaluations}
    assert total == 3
    # With 4 occupations every other one is among the "5" nearest: recall is 1 for every ranking.
    assert recall["nearest by description"][3] == recall["random"][3] == recall["same BLS category"][3] == 1.0


def test_the_neural_backend_runs_offline_where_installed(committed_copy):
    pytest.importorskip("sentence_transformers", reason="the neural backend is an optional extra (pip install -e '.[neural]')")
    result = CliRunner(env={"HF_HUB_OFFLINE": "1"}).invoke(cli, ["--backend", "minilm", "--force", "--db", str(committed_copy)])
    assert result.exit_code == 0, result.output
    assert "all-MiniLM-L6-v2: 342 occupations embedded" in result.output
