"""The pure engine functions, on arrays (no database)."""

from __future__ import annotations

import dataclasses
import io

import numpy as np
import scipy.sparse as sp

from recommendations.engine import collaborative, content, personalized, priors, taste
from recommendations.engine.index import CatalogArrays, EngineIndex, as_stored, build_index, movie_rows, row_changes


def random_features(n=300, d=80, seed=0):
    rng = np.random.default_rng(seed)
    dense = rng.random((n, d)) * (rng.random((n, d)) < 0.08)
    dense[:, :3] = rng.random((n, 3))  # a few columns every row has, like genres
    return sp.csr_matrix(dense / np.linalg.norm(dense, axis=1, keepdims=True), dtype=np.float32)


def test_top_k_neighbours_is_exact_and_excludes_self():
    features = random_features()
    brute = (features @ features.T).toarray()
    np.fill_diagonal(brute, -1)

    result = content.top_k_neighbours(features, 10, chunk=64, dense_columns=3)

    for row in range(features.shape[0]):
        cols = result.indices[result.indptr[row] : result.indptr[row + 1]]
        assert row not in cols
        assert set(cols) == set(np.argsort(-brute[row])[:10])


def test_top_k_neighbours_for_some_rows_only():
    features = random_features()
    full = content.top_k_neighbours(features, 5)
    partial = content.top_k_neighbours(features, 5, rows=np.array([3, 7]))

    assert (partial[[3, 7]] != full[[3, 7]]).nnz == 0
    assert partial[0].nnz == 0


def test_field_weights_make_a_sequel_and_a_same_director_film_the_nearest():
    docs = [
        content.MovieDoc(title="The Matrix", genres=[878, 28], director="Lana Wachowski"),
        content.MovieDoc(title="The Matrix Reloaded", genres=[878, 28], director="Lana Wachowski"),
        content.MovieDoc(title="Speed Racer", genres=[10751], director="Lana Wachowski"),
        content.MovieDoc(title="Alien", genres=[878, 28], director="Ridley Scott"),
        content.MovieDoc(title="Heat", genres=[28, 80], director="Michael Mann"),
    ]
    neighbours = content.top_k_neighbours(content.build_features(docs), 4)
    row = neighbours[0].toarray().ravel()

    assert list(np.argsort(-row)[:2]) == [1, 2]


def test_co_directors_count_as_the_same_director():
    assert content.split_names("Lana Wachowski, Lilly Wachowski") == ["Lana Wachowski", "Lilly Wachowski"]


def test_cooccurrence_links_items_liked_by_the_same_users():
    users = np.array([0, 0, 1, 1, 2, 2, 2])
    items = np.array([0, 1, 0, 1, 0, 1, 2])
    matrix = collaborative.user_item_matrix(users, items, np.ones(7), n_users=3, n_items=4)

    sims = collaborative.cooccurrence_neighbours(matrix, 2, shrink=0)

    assert sims[0, 1] > sims[0, 2] > 0
    assert sims[0, 0] == 0 and sims[3].nnz == 0


def test_transitions_are_directed_within_the_window_and_row_normalised():
    # User 0 watched 0, 1, 2, 3 in that order (given shuffled); user 1 watched 0 then 2, and 0 again later.
    users = np.array([0, 0, 0, 0, 1, 1, 1])
    items = np.array([2, 0, 3, 1, 0, 2, 0])
    stamps = np.array([30, 10, 40, 20, 10, 20, 30])

    sims = collaborative.transition_neighbours(users, items, stamps, n_items=5, k=10, window=2)

    # From 0: user 0 went on to 1 and 2 (window 2), user 1 to 2; so 2 is twice as likely as 1.
    assert sims[0, 2] == 2 * sims[0, 1] and np.isclose(sims[0].sum(), 1.0)
    assert sims[0, 3] == 0  # three steps later: outside the window
    assert sims[2, 0] == 0  # user 1's second touch of 0 does not count: directed, first touch only
    assert sims[1, 0] == 0 and sims[4].nnz == 0


def test_transitions_keep_the_top_k_per_row():
    users = np.zeros(6, dtype=int)
    sims = collaborative.transition_neighbours(users, np.arange(6), np.arange(6), n_items=6, k=2, window=5)

    assert sims[0].nnz == 2


def test_an_index_stored_before_transitions_existed_still_loads():
    index = small_index()
    with np.load(io.BytesIO(index.to_bytes())) as npz:
        arrays = {name: npz[name] for name in npz.files if not name.startswith("transitions_")}
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)

    old = EngineIndex.from_bytes(buffer.getvalue())

    assert old.transitions.shape == (12, 12) and old.transitions.nnz == 0
    assert (
        len(
            personalized.rank(
                old, personalized.Taste(np.array([0]), np.array([1.0]), recent=np.array([0])), limit=5
            ).rows
        )
        == 5
    )


def test_weighted_rating_pulls_few_votes_to_the_mean():
    wr = priors.weighted_rating(np.array([9.0, 9.0, 5.0]), np.array([5, 5000, 5000]))

    assert wr[1] > wr[0] > wr[2]


def test_signal_weights():
    assert taste.signal_weight("rated", 5.0) > taste.signal_weight("rated", 4.0) > 0
    assert taste.signal_weight("rated", 1.0) < 0
    assert taste.signal_weight("disliked") < 0 < taste.signal_weight("watchlist") < taste.signal_weight("liked")
    assert taste.recency(taste.HALF_LIFE_DAYS) == 0.5


def small_index() -> EngineIndex:
    docs = [
        content.MovieDoc(title=f"Film {i}", genres=[i % 3], director=f"D{i % 4}", cast=[f"A{i}"]) for i in range(12)
    ]
    return build_index(
        CatalogArrays(
            tmdb_ids=np.arange(100, 112),
            docs=docs,
            popularity=np.arange(12, dtype=float),
            vote_average=np.full(12, 7.0),
            vote_count=np.full(12, 100.0),
            adult=np.array([False] * 11 + [True]),
        ),
        positives=collaborative.user_item_matrix([0, 0], [0, 1], [1, 1], n_users=1, n_items=12),
        events=collaborative.Events(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), np.array([1, 2, 1, 2])),
        k=5,
    )


def test_index_round_trips_through_bytes():
    index = small_index()

    again = EngineIndex.from_bytes(index.to_bytes(), version="v")

    assert (again.content != index.content).nnz == 0
    assert (again.cooc != index.cooc).nnz == 0
    assert (again.transitions != index.transitions).nnz == 0 and again.transitions[0, 1] > 0
    assert again.people_names == index.people_names
    assert np.array_equal(again.prior, index.prior) and np.array_equal(again.adult, index.adult)


def test_rank_never_serves_excluded_or_disallowed_rows_and_fills_the_list():
    index = small_index()
    profile = personalized.Taste(items=np.array([0, 5]), weights=np.array([1.0, -1.0]), exclude=np.array([0, 5, 6]))

    ranked = personalized.rank(index, profile, limit=20, allowed=~index.adult)

    assert len(ranked.rows) == 8  # 12 - 3 excluded - 1 adult
    assert not {0, 5, 6, 11} & set(ranked.rows.tolist())
    assert len(ranked.reasons) == len(ranked.rows)


def test_rank_caps_films_per_director():
    index = small_index()
    ranked = personalized.rank(index, personalized.Taste(np.zeros(0, int), np.zeros(0)), limit=6)

    directors = index.director[ranked.rows].tolist()
    assert max(directors.count(d) for d in set(directors)) <= 2


def test_refresh_neighbours_matches_a_full_build_for_the_changed_rows_and_their_new_neighbours():
    features = random_features(seed=1)
    before = content.top_k_neighbours(features, 10)
    edited = features.tolil()
    edited[5] = features[9]  # movie 5 now looks exactly like movie 9
    edited = edited.tocsr()

    refreshed = content.refresh_neighbours(edited, before, np.array([5]), 10)
    full = content.top_k_neighbours(edited, 10)

    assert set(refreshed[5].indices) == set(full[5].indices)
    assert 5 in refreshed[9].indices  # the edit reached movie 9's list
    assert refreshed[9].nnz <= 10


def catalog_of(tmdb_ids, docs) -> CatalogArrays:
    n = len(docs)
    return CatalogArrays(
        tmdb_ids=np.array(tmdb_ids),
        docs=docs,
        popularity=np.arange(n, dtype=float),
        vote_average=np.full(n, 7.0),
        vote_count=np.full(n, 100.0),
        adult=np.zeros(n, dtype=bool),
    )


def test_an_incremental_build_recomputes_changed_rows_keeps_the_others_and_drops_removed_movies():
    rng = np.random.default_rng(2)

    def doc():
        words = " ".join(f"w{w}" for w in rng.integers(0, 30, 4))
        return content.MovieDoc(title=words, genres=[int(rng.integers(0, 3))], director=f"D{rng.integers(0, 5)}")

    docs = [doc() for _ in range(40)]
    previous = build_index(catalog_of(range(100, 140), docs), k=5)
    # 105 leaves the catalog, 110 is edited, 900 is new; the row order shifts.
    kept = [(t, d) for t, d in zip(range(100, 140), docs, strict=True) if t != 105]
    kept[9] = (110, doc())
    ids = [t for t, _ in kept] + [900]
    catalog = catalog_of(ids, [d for _, d in kept] + [doc()])

    refreshed = build_index(catalog, previous=previous, changed_tmdb_ids=[110], k=5)
    full = build_index(catalog, k=5)

    def neighbours(index, tmdb_id):
        row = index.content[index.position[tmdb_id]]
        return set(index.tmdb_ids[row.indices].tolist())

    assert neighbours(refreshed, 110) == neighbours(full, 110)
    assert neighbours(refreshed, 900) == neighbours(full, 900)
    assert 105 not in refreshed.position and 105 not in refreshed.tmdb_ids[refreshed.content.indices]
    others = [t for t in ids if t not in (110, 900)]
    untouched = [t for t in others if not {105, 110, 900} & (neighbours(previous, t) | neighbours(refreshed, t))]
    assert untouched and all(neighbours(refreshed, t) == neighbours(previous, t) for t in untouched)
    assert refreshed.size == 40 and refreshed.cooc.shape == (40, 40) and refreshed.genres.shape[0] == 40


def test_row_changes_finds_exactly_the_rows_whose_stored_form_differs():
    """The array comparison agrees with comparing every stored row field by field."""
    rng = np.random.default_rng(4)

    def doc():
        words = " ".join(f"w{w}" for w in rng.integers(0, 30, 4))
        return content.MovieDoc(
            title=words,
            genres=[int(rng.integers(0, 3))],
            director=f"D{rng.integers(0, 5)}",
            cast=[f"A{rng.integers(9)}"],
        )

    docs = [doc() for _ in range(40)]
    old = build_index(catalog_of(range(100, 140), docs), k=5)
    kept = [(t, d) for t, d in zip(range(100, 140), docs, strict=True) if t != 105]  # 105 leaves
    kept[9] = (110, doc())  # 110 is edited
    kept[20] = (121, dataclasses.replace(kept[20][1], genres=[7]))  # 121 changes genre only
    kept[30] = (131, dataclasses.replace(kept[30][1], cast=["Someone Else"]))  # 131 changes cast only
    catalog = catalog_of([t for t, _ in kept] + [900], [d for _, d in kept] + [doc()])  # 900 is new
    new = build_index(catalog, previous=old, changed_tmdb_ids=[110, 121, 131], k=5)

    changes = row_changes(old, new, prior_tolerance=1e-3)

    before = {r.tmdb_id: r for r in movie_rows(old)}

    def same(a, b) -> bool:
        lists = all(
            list(getattr(a, n)[0]) == list(getattr(b, n)[0]) and np.allclose(getattr(a, n)[1], getattr(b, n)[1])
            for n in ("content", "cooc", "transitions")
        )
        flags = (a.adult, sorted(a.genres), sorted(a.people), a.director) == (
            b.adult,
            sorted(b.genres),
            sorted(b.people),
            b.director,
        )
        return lists and flags and abs(a.prior - b.prior) < 1e-3

    expected = {r.tmdb_id for r in movie_rows(new) if r.tmdb_id not in before or not same(before[r.tmdb_id], r)}
    assert set(new.tmdb_ids[changes.changed].tolist()) == expected
    assert {110, 121, 131, 900} <= expected and len(expected) < new.size
    assert new.tmdb_ids[changes.added].tolist() == [900]
    assert old.tmdb_ids[changes.removed].tolist() == [105]


def test_row_changes_sees_a_change_of_people_genres_director_or_prior_alone():
    old = small_index()
    people, genres = old.people.tolil(), old.genres.tolil()
    people[3, :] = 0  # movie 103 loses its people (lists unchanged)
    genres[4, :] = 0
    genres[4, old.genre_column[2]] = 1  # 104: genre 2 instead of 1
    director, prior = old.director.copy(), old.prior.copy()
    director[5] = director[6]  # 105 another director
    prior[7] += 0.01  # 107's prior moves, 108's by less than the tolerance
    prior[8] += 0.0001
    new = dataclasses.replace(
        old, people=people.tocsr(), genres=genres.tocsr(), director=director, prior=prior.astype(np.float32)
    )

    changes = row_changes(old, new, prior_tolerance=1e-3)

    assert new.tmdb_ids[changes.changed].tolist() == [103, 104, 105, 107]
    assert not len(changes.added) and not len(changes.removed)


def test_small_moves_below_the_tolerance_add_up_against_what_is_stored():
    old = small_index()
    step = dataclasses.replace(old, prior=(old.prior + 0.0006).astype(np.float32))

    first = row_changes(old, step, prior_tolerance=1e-3)
    stored = as_stored(old, step, first)
    second = row_changes(
        stored, dataclasses.replace(old, prior=(old.prior + 0.0012).astype(np.float32)), prior_tolerance=1e-3
    )

    assert not len(first.changed) and np.array_equal(stored.prior, old.prior)
    assert (stored.content != old.content).nnz == 0
    assert len(second.changed) == old.size  # 0.0012 from what is stored: every row is rewritten


# --- saved preferences ----------------------------------------------------------------------------------

WESTERN, WAR, HISTORY, COMEDY = 37, 10752, 36, 35


def western_index() -> EngineIndex:
    """30 popular, well-rated comedies; 16 westerns that are neither, six by Sergio Leone; one war and history
    western, starring Alfonso Cuarón."""
    docs = [content.MovieDoc(title=f"Comedy {i}", genres=[COMEDY], director=f"C{i}") for i in range(30)]
    docs += [
        content.MovieDoc(title=f"Western {i}", genres=[WESTERN], director="Sergio Leone" if i < 6 else f"W{i}")
        for i in range(16)
    ]
    docs.append(content.MovieDoc(title="The Fort", genres=[WESTERN, WAR, HISTORY], cast=["Alfonso Cuarón"]))
    n = len(docs)
    return build_index(
        CatalogArrays(
            tmdb_ids=np.arange(1000, 1000 + n),
            docs=docs,
            popularity=np.array([100.0] * 30 + [5.0] * 17),
            vote_average=np.array([8.0] * 30 + [6.0] * 17),
            vote_count=np.array([1000.0] * 30 + [100.0] * 17),
            adult=np.zeros(n, dtype=bool),
        ),
        k=5,
    )


def saved(index: EngineIndex, *, genres=(), people=(), history=0) -> personalized.Taste:
    return personalized.Taste(
        np.zeros(0, dtype=np.int64),
        np.zeros(0, dtype=np.float32),
        genres=np.array([index.genre_column[g] for g in genres], dtype=np.int64),
        people=index.person_columns(people),
        history=history,
    )


def test_every_saved_genre_outranks_popularity_on_a_cold_start():
    # Western is one of three saved genres and the westerns are the least popular films: as a small additive
    # term (a third of 0.15 for a film with one of the three genres) it drowned in popularity, and the top
    # ten held one western, the one with all three genres.
    index = western_index()

    ranked = personalized.rank(index, saved(index, genres=[WESTERN, WAR, HISTORY]), limit=10)

    assert index.genres[ranked.rows][:, index.genre_column[WESTERN]].sum() == 10
    assert ranked.reasons[1][0] == personalized.GENRE


def test_a_saved_director_is_not_held_to_two_films():
    index = western_index()

    ranked = personalized.rank(index, saved(index, people=["Sergio Leone"]), limit=6)

    assert [index.people_names[d] for d in index.director[ranked.rows]] == ["Sergio Leone"] * 6


def test_a_saved_name_ignores_case_and_accents():
    index = western_index()

    assert len(index.person_columns(["alfonso cuaron"])) == 1
    assert np.array_equal(index.person_columns(["ALFONSO CUARÓN"]), index.person_columns(["Alfonso Cuarón"]))
    assert len(index.person_columns(["Alfonso"])) == 0


def test_the_preference_weight_shrinks_as_the_history_grows():
    blend = personalized.Blend()
    weights = [blend.weights(history=h) for h in (0, 3, 20, 10_000)]

    assert [round(w[personalized.PREFERENCES], 3) for w in weights] == [1.0, 0.575, 0.261, 0.15]
    others = [{k: v for k, v in w.items() if k != personalized.PREFERENCES} for w in weights]
    assert others == [others[0]] * 4


def test_rank_and_blended_scores_weigh_the_components_alike():
    index = western_index()
    profile = saved(index, genres=[WESTERN], people=["Sergio Leone"], history=4)
    profile.items, profile.weights = np.array([0, 31]), np.array([1.0, 1.0], dtype=np.float32)

    ranked = personalized.rank(index, profile, limit=10)

    assert np.allclose(ranked.scores, personalized.blended_scores(index, profile)[ranked.rows])


def test_the_fitted_feature_model_makes_the_fitted_rows_again_after_a_round_trip():
    """An incremental build makes rows for edited movies with the full build's model: for an unedited movie
    they are exactly the rows the fit gave (same columns, idf, damping and weights)."""
    rng = np.random.default_rng(3)
    docs = [
        content.MovieDoc(
            title=" ".join(f"w{w}" for w in rng.integers(0, 50, 3)),
            overview=" ".join(f"o{w}" for w in rng.integers(0, 300, 20)) + " o1 o1",
            genres=[int(rng.integers(0, 5))],
            keywords=[f"k{rng.integers(20)}"],
            director=f"D{rng.integers(9)}",
            cast=[f"A{rng.integers(30)}", f"B{rng.integers(30)}"],
            collection=int(rng.integers(10)) if rng.random() < 0.3 else None,
        )
        for _ in range(300)
    ]
    matrix, model = content.fit_features(docs)
    again = content.FeatureModel.from_arrays(model.arrays())

    assert abs(again.transform(docs) - matrix).max() < 1e-6
    assert again.transform([]).shape == (0, matrix.shape[1])
