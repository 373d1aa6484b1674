"""Approximate content neighbours: close to the exact search, with exact scores, chosen above a catalog size."""

from __future__ import annotations

import numpy as np
import pytest

from recommendations import services
from recommendations.engine import ann, content
from recommendations.engine.index import CatalogArrays, build_index
from recommendations.models import RecommendationIndex

K = 20


def synthetic_docs(n: int, seed: int = 3) -> list[content.MovieDoc]:
    """Zipf words, genres, keywords, directors and cast, as bench/bench_ann.py's catalogs (smaller)."""
    rng = np.random.default_rng(seed)
    overview = rng.zipf(1.3, size=(n, 20)) % 4_000
    keywords = rng.zipf(1.5, size=(n, 5)) % 3_000
    people = rng.zipf(1.4, size=(n, 8)) % 1_500
    return [
        content.MovieDoc(
            title=" ".join(f"t{w}" for w in rng.integers(0, 2_000, size=rng.integers(1, 4))),
            overview=" ".join(f"w{w}" for w in overview[i, : rng.integers(8, 20)]),
            genres=[int(g) + 1 for g in rng.choice(19, size=rng.integers(1, 4), replace=False)],
            keywords=[f"k{w}" for w in keywords[i, : rng.integers(0, 5)]],
            director=f"d{people[i, 0] // 3}",
            cast=[f"p{p}" for p in people[i, 1 : rng.integers(2, 8)]],
            collection=i // 3 if rng.random() < 0.1 else None,
        )
        for i in range(n)
    ]


@pytest.fixture(scope="module")
def searched():
    features = content.build_features(synthetic_docs(3_000))
    return features, ann.approximate_top_k_neighbours(features, K), content.top_k_neighbours(features, K)


def lists(matrix, row):
    lo, hi = matrix.indptr[row], matrix.indptr[row + 1]
    return matrix.indices[lo:hi], matrix.data[lo:hi]


def test_recall_against_the_exact_search(searched):
    _features, approximate, exact = searched

    found = sum(len(np.intersect1d(lists(approximate, r)[0], lists(exact, r)[0])) for r in range(exact.shape[0]))

    assert found / exact.nnz >= 0.95


def test_scores_are_the_exact_cosines_and_never_the_movie_itself(searched):
    features, approximate, _exact = searched
    cosine = (features @ features.T).tocsr()

    for row in range(0, approximate.shape[0], 7):
        cols, scores = lists(approximate, row)
        assert row not in cols
        assert len(cols) == K  # every movie here shares a genre with hundreds of others
        np.testing.assert_allclose(scores, cosine[row, cols].toarray().ravel(), rtol=1e-4, atol=1e-6)
        assert (scores > 0).all()


def test_output_has_the_exact_search_shape(searched):
    _features, approximate, exact = searched

    assert approximate.shape == exact.shape and approximate.dtype == np.float32
    assert approximate.has_sorted_indices


def test_a_catalog_smaller_than_the_candidates_gets_the_exact_lists():
    features = content.build_features(synthetic_docs(60, seed=8))

    approximate = ann.approximate_top_k_neighbours(features, 10)  # 40 candidates per source

    exact = content.top_k_neighbours(features, 10)
    for row in range(60):
        assert set(lists(approximate, row)[0]) == set(lists(exact, row)[0])


def catalog_arrays(n: int) -> CatalogArrays:
    return CatalogArrays(
        tmdb_ids=np.arange(1, n + 1, dtype=np.int64),
        docs=synthetic_docs(n, seed=5),
        popularity=np.ones(n),
        vote_average=np.full(n, 7.0),
        vote_count=np.full(n, 100.0),
        adult=np.zeros(n, dtype=bool),
    )


def test_build_index_searches_approximately_above_the_threshold():
    catalog = catalog_arrays(400)

    assert build_index(catalog, k=10, exact_max=400).meta["neighbours"] == "exact"
    assert build_index(catalog, k=10, exact_max=399).meta["neighbours"] == "ann"
    assert build_index(catalog, k=10).meta["neighbours"] == "exact"  # no threshold: always exact


def test_an_incremental_build_keeps_the_word_of_the_build_it_carries():
    catalog = catalog_arrays(400)
    previous = build_index(catalog, k=10, exact_max=100)

    refreshed = build_index(catalog, k=10, previous=previous, changed_tmdb_ids=[1, 2], exact_max=100)

    assert refreshed.meta["neighbours"] == "ann"


@pytest.mark.django_db
def test_a_build_past_the_setting_records_the_approximate_search(catalog, settings, api_client):
    settings.RECOMMENDATIONS_EXACT_NEIGHBOURS_MAX = 2

    row = services.recommendation_index_build()

    assert row.meta["neighbours"] == "ann"
    assert RecommendationIndex.objects.get(current=True).meta["neighbours"] == "ann"
    # A catalog this small: every movie is a candidate, so The Matrix's sequels still come first.
    response = api_client.get("/api/movies/603/similar/")
    assert [m["tmdb_id"] for m in response.json()["results"][:2]] in ([604, 605], [605, 604])


@pytest.mark.django_db
def test_below_the_setting_the_build_is_exact(catalog):
    assert services.recommendation_index_build().meta["neighbours"] == "exact"
