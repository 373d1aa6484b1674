"""The arrays a request needs: built by a worker, stored as one row per movie (`movie_rows`), and read back by a
request as the small index over the rows it needs (`index_from_rows`)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain

import numpy as np
import scipy.sparse as sp

from recommendations.engine import ann, collaborative, content, npz, priors, text
from recommendations.engine.content import rows_in

FORMAT = 2  # 2: adds `transitions`


MATRICES = ("content", "cooc", "transitions", "genres", "people")


@dataclass
class EngineIndex:
    tmdb_ids: np.ndarray  # int64[n], row i is this movie
    content: sp.csr_matrix  # n x n, top-K content cosine per row
    cooc: sp.csr_matrix  # n x n, top-K co-occurrence similarity per row
    transitions: sp.csr_matrix  # n x n, top-K P(column watched soon after row) per row
    prior: np.ndarray  # float32[n] in [0, 1]
    genres: sp.csr_matrix  # n x G, 1 where the movie has the genre
    genre_ids: np.ndarray  # int64[G], TMDb genre ids of the columns
    people: sp.csr_matrix  # n x P, 1 where the person directs or is top-billed
    people_names: list[str]  # P names
    director: np.ndarray  # int32[n], column in `people` of the director, -1 when unknown
    adult: np.ndarray  # bool[n]
    version: str = ""
    catalog_version: str = ""
    meta: dict = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.tmdb_ids)

    @cached_property
    def position(self) -> dict[int, int]:
        return {int(t): i for i, t in enumerate(self.tmdb_ids)}

    @cached_property
    def genre_column(self) -> dict[int, int]:
        return {int(g): i for i, g in enumerate(self.genre_ids)}

    @cached_property
    def _person_keys(self) -> dict[str, list[int]]:
        """Name key -> the people columns with that name (two spellings of one name share a key)."""
        keys: dict[str, list[int]] = {}
        for i, name in enumerate(self.people_names):
            keys.setdefault(text.name_key(name), []).append(i)
        return keys

    def person_columns(self, names: Iterable[str]) -> np.ndarray:
        """The people columns of these names, ignoring case and accents ("alfonso cuaron" finds Cuarón)."""
        keys = self._person_keys
        cols = {c for name in names for c in keys.get(text.name_key(name), ())}
        return np.array(sorted(cols), dtype=np.int64)

    @cached_property
    def by_prior(self) -> np.ndarray:
        """Row indices, best prior first (the popularity fallback order)."""
        return np.argsort(-self.prior, kind="stable")

    def positions(self, tmdb_ids) -> np.ndarray:
        pos = self.position
        return np.array([pos[int(t)] for t in tmdb_ids if int(t) in pos], dtype=np.int64)

    # -- serialisation: one compressed npz, no pickle ---------------------------------------------------

    def to_bytes(self) -> bytes:
        arrays: dict[str, np.ndarray] = {
            "tmdb_ids": self.tmdb_ids,
            "prior": self.prior,
            "genre_ids": self.genre_ids,
            "director": self.director,
            "adult": self.adult,
        }
        for name in MATRICES:
            matrix: sp.csr_matrix = getattr(self, name)
            arrays[f"{name}_data"] = matrix.data.astype(np.float32)
            arrays[f"{name}_indices"] = matrix.indices
            arrays[f"{name}_indptr"] = matrix.indptr
            arrays[f"{name}_shape"] = np.array(matrix.shape, dtype=np.int64)
        meta = {**self.meta, "format": FORMAT, "people_names": self.people_names}
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        return npz.to_bytes(arrays)

    @classmethod
    def from_bytes(cls, payload: bytes, *, version: str = "", catalog_version: str = "") -> EngineIndex:
        with npz.load(payload) as arrays:
            meta = json.loads(arrays["meta"].tobytes().decode())

            def csr(name: str) -> sp.csr_matrix:
                if f"{name}_data" not in arrays:  # a matrix added by a later format: empty until the next build
                    n = len(arrays["tmdb_ids"])
                    return sp.csr_matrix((n, n), dtype=np.float32)
                return sp.csr_matrix(
                    (arrays[f"{name}_data"], arrays[f"{name}_indices"], arrays[f"{name}_indptr"]),
                    shape=tuple(arrays[f"{name}_shape"]),
                )

            return cls(
                tmdb_ids=arrays["tmdb_ids"],
                content=csr("content"),
                cooc=csr("cooc"),
                transitions=csr("transitions"),
                prior=arrays["prior"],
                genres=csr("genres"),
                genre_ids=arrays["genre_ids"],
                people=csr("people"),
                people_names=meta.pop("people_names"),
                director=arrays["director"],
                adult=arrays["adult"].astype(bool),
                version=version,
                catalog_version=catalog_version,
                meta=meta,
            )


def payload_meta(payload: bytes) -> dict:
    """The meta of a stored index (format, k, ...) without loading its arrays."""
    with npz.load(payload) as arrays:
        meta = json.loads(arrays["meta"].tobytes().decode())
    meta.pop("people_names", None)
    return meta


@dataclass
class CatalogArrays:
    """The catalog as the index builder reads it: one entry per movie, in row order."""

    tmdb_ids: np.ndarray
    docs: Sequence[content.MovieDoc]
    popularity: np.ndarray
    vote_average: np.ndarray
    vote_count: np.ndarray
    adult: np.ndarray


def _incidence(
    rows_tokens: Sequence[Sequence],
    vocabulary: list | None = None,
    *,
    at: np.ndarray | None = None,
    n: int | None = None,
) -> tuple[sp.csr_matrix, list]:
    """Rows x tokens, 1 where the row has the token; row r of `rows_tokens` is row `at[r]` of the n-row result
    when given (the other rows empty)."""
    vocab: dict = {}
    if vocabulary is not None:
        vocab = {v: i for i, v in enumerate(vocabulary)}
    rows, cols = [], []
    for r, tokens in enumerate(rows_tokens):
        for token in dict.fromkeys(tokens):
            if token not in vocab:
                vocab[token] = len(vocab)
            rows.append(r)
            cols.append(vocab[token])
    rows_arr = np.asarray(rows, dtype=np.int64)
    if at is not None:
        rows_arr = np.asarray(at, dtype=np.int64)[rows_arr]
    shape = (len(rows_tokens) if n is None else n, max(len(vocab), 1))
    matrix = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows_arr, cols)), shape=shape)
    return matrix, list(vocab)


def build_index(
    catalog: CatalogArrays,
    *,
    positives: sp.csr_matrix | None = None,
    events: collaborative.Events | None = None,
    previous: EngineIndex | None = None,
    changed_tmdb_ids: Iterable[int] = (),
    k: int = 50,
    cooc_k: int = 50,
    transitions_k: int = 100,
    chunk: int = 512,
    features: sp.csr_matrix | None = None,
    exact_max: int | None = None,
) -> EngineIndex:
    """Everything a request needs: content neighbours, co-occurrence and transition neighbours, priors,
    incidences. `features`: the catalog's content features when the caller has them (content.fit_features,
    or content.ContentFeatures.rows_for in an incremental build), else fitted here.

    `positives` is users x movies (row order of `catalog`) with positive weights, `events` every user's
    interactions in time order; None for no users yet.

    With `previous` (this catalog's index a little while ago), an incremental build: only the content
    neighbours of new movies and of `changed_tmdb_ids` are recomputed (and merged into the other movies'
    lists); every other movie keeps its list from `previous`, re-mapped to the new row order, with the movies
    that left the catalog dropped. Drift: the kept lists hold similarities under the previous TF-IDF weights,
    and a kept list that loses a neighbour to an edit or a removal stays one shorter; a full build resets
    both. Cost: |changed| x n instead of n x n for the neighbours. Everything else (co-occurrence,
    transitions, priors, incidences, flags) is rebuilt either way: seconds at 100k movies.

    A full build of more than `exact_max` movies finds the content neighbours with the approximate search
    (`ann`: candidates re-ranked by their exact cosine) instead of the exact n x n one; None: always exact.
    The meta's "neighbours" says which search built the lists ("exact" or "ann"; an incremental build keeps
    the previous build's word, as it keeps its lists, and recomputes its changed movies exactly).
    """
    if features is None:
        features = content.build_features(catalog.docs)
    n = len(catalog.tmdb_ids)
    if previous is None:
        search = "ann" if exact_max is not None and n > exact_max else "exact"
        if search == "ann":
            neighbours = ann.approximate_top_k_neighbours(features, k)
        else:
            neighbours = content.top_k_neighbours(features, k, chunk=chunk)
    else:
        search = previous.meta.get("neighbours", "exact")
        neighbours = _refreshed_neighbours(previous, catalog.tmdb_ids, features, changed_tmdb_ids, k=k, chunk=chunk)
    if positives is not None and positives.nnz:
        cooc = collaborative.cooccurrence_neighbours(positives, cooc_k)
    else:
        cooc = sp.csr_matrix((n, n), dtype=np.float32)
    if events is not None:
        transitions = collaborative.transition_neighbours(
            events.users, events.items, events.order, n_items=n, k=transitions_k
        )
    else:
        transitions = sp.csr_matrix((n, n), dtype=np.float32)
    genres, genre_ids = _incidence([list(d.genres) for d in catalog.docs])
    people_rows = [content.director_names(d) + [c for c in list(d.cast)[: content.TOP_CAST] if c] for d in catalog.docs]
    people, names = _incidence(people_rows)
    column = {name: i for i, name in enumerate(names)}
    director = np.array([column.get((content.director_names(d) or [""])[0], -1) for d in catalog.docs], dtype=np.int32)
    return EngineIndex(
        tmdb_ids=np.asarray(catalog.tmdb_ids, dtype=np.int64),
        content=neighbours,
        cooc=cooc,
        transitions=transitions,
        prior=priors.prior(catalog.popularity, catalog.vote_average, catalog.vote_count),
        genres=genres,
        genre_ids=np.asarray(genre_ids, dtype=np.int64),
        people=people,
        people_names=[str(x) for x in names],
        director=director,
        adult=np.asarray(catalog.adult, dtype=bool),
        meta={
            "k": k,
            "cooc_k": cooc_k,
            "transitions_k": transitions_k,
            "n_features": int(features.shape[1]),
            "neighbours": search,
        },
    )


def genre_picks(catalog: CatalogArrays, *, limit: int) -> dict[tuple[int, bool], tuple[list[int], list[float]]]:
    """Each genre's best movies by priors.genre_pick_score (ties by TMDb id), at most `limit`: keyed
    (TMDb genre id, whether adult titles are included), as (TMDb ids, scores) best first."""
    tmdb_ids = np.asarray(catalog.tmdb_ids, dtype=np.int64)
    adult = np.asarray(catalog.adult, dtype=bool)
    scores = priors.genre_pick_score(catalog.popularity, catalog.vote_average, catalog.vote_count)
    incidence, genre_ids = _incidence([list(d.genres) for d in catalog.docs])
    by_genre = incidence.tocsc()
    picks: dict[tuple[int, bool], tuple[list[int], list[float]]] = {}
    for column, genre in enumerate(genre_ids):
        members = by_genre.indices[by_genre.indptr[column] : by_genre.indptr[column + 1]]
        for with_adult in (False, True):
            rows = members if with_adult else members[~adult[members]]
            best = rows[np.lexsort((tmdb_ids[rows], -scores[rows]))[:limit]]
            picks[(int(genre), with_adult)] = (tmdb_ids[best].tolist(), scores[best].tolist())
    return picks


def _refreshed_neighbours(
    previous: EngineIndex, tmdb_ids, features: sp.csr_matrix, changed_tmdb_ids: Iterable[int], *, k: int, chunk: int
) -> sp.csr_matrix:
    """The previous index's neighbour lists in the new row order, with new and changed movies recomputed."""
    if previous.meta.get("k") != k:
        raise ValueError(f"The previous index keeps {previous.meta.get('k')} neighbours per movie, not {k}.")
    tmdb_ids = np.asarray(tmdb_ids, dtype=np.int64)
    n = len(tmdb_ids)
    old_row = rows_in(previous.tmdb_ids, tmdb_ids)
    refresh = np.flatnonzero((old_row < 0) | np.isin(tmdb_ids, np.asarray(list(changed_tmdb_ids), dtype=np.int64)))
    new_row = np.full(previous.size, -1, dtype=np.int64)
    new_row[old_row[old_row >= 0]] = np.flatnonzero(old_row >= 0)
    old = previous.content.tocoo()
    keep = (new_row[old.row] >= 0) & (new_row[old.col] >= 0)  # both movies still in the catalog
    carried = sp.csr_matrix(
        (old.data[keep], (new_row[old.row[keep]], new_row[old.col[keep]])), shape=(n, n), dtype=np.float32
    )
    return content.refresh_neighbours(features, carried, refresh, k, chunk=chunk) if len(refresh) else carried


# -- per-movie rows: how the index is stored, and the small index a request builds from the rows it reads --------


@dataclass
class MovieRow:
    """One movie's part of an index: what a request reads about it, and nothing about any other movie but ids.

    Each list is (TMDb ids, scores), best first as stored; `people` are the director(s) and top-billed cast,
    `director` the first director's name ("" when unknown).
    """

    tmdb_id: int
    prior: float
    adult: bool
    genres: list[int] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    director: str = ""
    content: tuple[list[int], list[float]] = ((), ())  # type: ignore[assignment]
    cooc: tuple[list[int], list[float]] = ((), ())  # type: ignore[assignment]
    transitions: tuple[list[int], list[float]] = ((), ())  # type: ignore[assignment]


def _row_list(matrix: sp.csr_matrix, row: int, tmdb_ids: np.ndarray) -> tuple[list[int], list[float]]:
    lo, hi = matrix.indptr[row], matrix.indptr[row + 1]
    order = np.argsort(-matrix.data[lo:hi], kind="stable")
    cols = matrix.indices[lo:hi][order]
    return tmdb_ids[cols].tolist(), [round(float(v), 6) for v in matrix.data[lo:hi][order]]


def movie_rows(index: EngineIndex, rows: Iterable[int] | None = None) -> Iterable[MovieRow]:
    """The index as one row per movie (the build writes these); only `rows` (positions) when given."""
    tmdb_ids = np.asarray(index.tmdb_ids, dtype=np.int64)
    for i in range(index.size) if rows is None else (int(r) for r in rows):
        people = index.people.indices[index.people.indptr[i] : index.people.indptr[i + 1]]
        genres = index.genres.indices[index.genres.indptr[i] : index.genres.indptr[i + 1]]
        director = int(index.director[i])
        yield MovieRow(
            tmdb_id=int(tmdb_ids[i]),
            prior=float(index.prior[i]),
            adult=bool(index.adult[i]),
            genres=[int(index.genre_ids[g]) for g in genres],
            people=[index.people_names[p] for p in people],
            director=index.people_names[director] if director >= 0 else "",
            content=_row_list(index.content, i, tmdb_ids),
            cooc=_row_list(index.cooc, i, tmdb_ids),
            transitions=_row_list(index.transitions, i, tmdb_ids),
        )


@dataclass
class RowChanges:
    """How a new index differs from an older one of the same catalog, row by row (positions in each)."""

    changed: np.ndarray  # rows of the new index whose stored row differs (new movies included)
    added: np.ndarray  # rows of the new index that the old one lacks
    removed: np.ndarray  # rows of the old index that the new one lacks
    changed_old: np.ndarray  # for each of `changed` that is not added, its row in the old index
    same_new: np.ndarray  # the rows found unchanged, in the new index
    same_old: np.ndarray  # and in the old one
    # The old index's lists with their columns renumbered to the new rows (a movie gone: column new.size).
    old_lists: dict[str, sp.csr_matrix] = field(default_factory=dict)


def row_changes(old: EngineIndex, new: EngineIndex, *, prior_tolerance: float) -> RowChanges:
    """The rows whose stored form (`movie_rows`) would differ, found with array operations over both indexes
    (no per-movie Python): priors beyond `prior_tolerance`, flags, genres, people, director, and each list's
    ids and scores (to within 1e-5: stored scores are rounded to 6 decimals)."""
    at_old = rows_in(old.tmdb_ids, new.tmdb_ids)  # each new row's old row, -1 for a new movie
    common = at_old >= 0
    both_new, both_old = np.flatnonzero(common), at_old[common]
    removed = np.setdiff1d(np.arange(old.size), both_old)
    differs = np.zeros(len(both_new), dtype=bool)
    differs |= np.abs(new.prior[both_new] - old.prior[both_old]) >= prior_tolerance
    differs |= new.adult[both_new] != old.adult[both_old]
    differs |= _names(new.people_names, new.director)[both_new] != _names(old.people_names, old.director)[both_old]
    differs |= _rows_differ(_keyed(new.genres, new.genre_ids), _keyed(old.genres, old.genre_ids), both_new, both_old)
    names = {name: i for i, name in enumerate(new.people_names)}
    old_people = [names.setdefault(name, len(names)) for name in old.people_names]  # old columns, new numbering
    differs |= _rows_differ(new.people, _recolumned(old.people, np.asarray(old_people, np.int64)), both_new, both_old)
    # A list's columns are movies: the old ones renumbered to the new rows, a movie gone to a column of its own.
    at_new = rows_in(new.tmdb_ids, old.tmdb_ids)
    old_movies = np.where(at_new >= 0, at_new, new.size)
    old_lists = {name: _recolumned(getattr(old, name), old_movies) for name in ("content", "cooc", "transitions")}
    for name, moved in old_lists.items():
        differs |= _rows_differ(getattr(new, name), moved, both_new, both_old, tolerance=1e-5)
    added = np.flatnonzero(~common)
    changed = np.sort(np.concatenate([both_new[differs], added]))
    return RowChanges(
        changed=changed,
        added=added,
        removed=removed,
        changed_old=both_old[differs],
        same_new=both_new[~differs],
        same_old=both_old[~differs],
        old_lists=old_lists,
    )


def as_stored(old: EngineIndex, new: EngineIndex, changes: RowChanges) -> EngineIndex:
    """`new` as the rows now stored read: the rows `row_changes` found unchanged keep their old prior and list
    scores (within its tolerances of the new ones), so that a later comparison is with what is stored and
    small moves cannot add up unwritten."""
    prior = new.prior.copy()
    prior[changes.same_new] = old.prior[changes.same_old]
    pick = np.arange(new.size)
    pick[changes.same_new] = new.size + changes.same_old

    def merged(name: str) -> sp.csr_matrix:
        moved = changes.old_lists[name]  # an unchanged row names no movie that left
        moved = sp.csr_matrix((moved.data, moved.indices, moved.indptr), shape=(old.size, new.size + 1))
        current = getattr(new, name).tocsr()
        fresh = sp.csr_matrix((current.data, current.indices, current.indptr), shape=(new.size, new.size + 1))
        return sp.vstack([fresh, moved], format="csr")[pick][:, : new.size].tocsr()

    lists = {name: merged(name) for name in ("content", "cooc", "transitions")}
    return dataclasses.replace(new, prior=prior, **lists)


def _names(names: list[str], director: np.ndarray) -> np.ndarray:
    labels = np.asarray([*names, ""], dtype=object)
    return labels[np.where(director >= 0, director, len(names))]


def _keyed(matrix: sp.csr_matrix, keys: np.ndarray) -> sp.csr_matrix:
    """An incidence matrix with its columns renumbered to their keys (TMDb genre ids)."""
    return _recolumned(matrix, np.asarray(keys, dtype=np.int64))


def _recolumned(matrix: sp.csr_matrix, column: np.ndarray) -> sp.csr_matrix:
    matrix = matrix.tocsr()
    width = int(column.max()) + 1 if len(column) else 1
    moved = sp.csr_matrix((matrix.data, column[matrix.indices], matrix.indptr), shape=(matrix.shape[0], width))
    moved.sum_duplicates()
    return moved


def _rows_differ(
    new: sp.csr_matrix, old: sp.csr_matrix, rows_new: np.ndarray, rows_old: np.ndarray, *, tolerance: float = 0.0
) -> np.ndarray:
    """For each pair (rows_new[i], rows_old[i]): whether the two rows name other columns, or a value differs by
    more than `tolerance`."""
    if not len(rows_new):
        return np.zeros(0, dtype=bool)
    width = max(new.shape[1], old.shape[1])

    def rows(matrix: sp.csr_matrix, at: np.ndarray) -> sp.csr_matrix:
        part = matrix[at]
        return sp.csr_matrix((part.data, part.indices, part.indptr), shape=(len(at), width))

    a, b = rows(new, rows_new), rows(old, rows_old)
    pattern_a, pattern_b = a.copy(), b.copy()
    pattern_a.data[:] = 1
    pattern_b.data[:] = 1

    def nonzero_rows(diff: sp.csr_matrix, above: float) -> np.ndarray:
        diff = diff.tocsr()
        diff.data = (np.abs(diff.data) > above).astype(np.int8)
        diff.eliminate_zeros()
        return np.diff(diff.indptr) > 0

    return nonzero_rows(pattern_a - pattern_b, 0.0) | nonzero_rows(a - b, tolerance)


def index_from_rows(
    rows: Sequence[MovieRow],
    *,
    scoring: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    version: str = "",
    catalog_version: str = "",
    meta=None,
) -> EngineIndex:
    """An EngineIndex over exactly these movies: the ranking functions run on it unchanged.

    `rows` are the movies read whole (or with what the request needs of them); `scoring`, when given, is
    (tmdb_ids, priors, adult flags) of further movies known only by what scoring reads: no lists, genres or
    people (a request reads thousands of those as three arrays, not as rows). The two must not overlap.

    List entries pointing at a movie outside these movies are dropped, so a request that reads the rows of the
    user's movies and of every movie they point at (plus the candidates it wants) scores those candidates as
    the whole catalog's index would: each component's top is among them, and the prior is absolute.
    """
    if scoring is None:
        scoring = (np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, bool))
    extra_ids, extra_prior, extra_adult = scoring
    all_ids = np.concatenate([np.array([r.tmdb_id for r in rows], dtype=np.int64), np.asarray(extra_ids, np.int64)])
    order = np.argsort(all_ids, kind="stable")
    tmdb_ids = all_ids[order]
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    at = position[: len(rows)]  # each of `rows`' position in the index
    n = len(tmdb_ids)
    prior = np.concatenate([np.array([r.prior for r in rows], np.float32), np.asarray(extra_prior, np.float32)])
    adult = np.concatenate([np.array([r.adult for r in rows], bool), np.asarray(extra_adult, bool)])

    def matrix(name: str) -> sp.csr_matrix:
        listed = [(at[i], pair) for i, row in enumerate(rows) if len((pair := getattr(row, name))[0])]
        if not listed:
            return sp.csr_matrix((n, n), dtype=np.float32)
        lengths = np.array([len(ids) for _i, (ids, _s) in listed], dtype=np.int64)
        total = int(lengths.sum())
        r = np.repeat(np.array([i for i, _pair in listed], dtype=np.int64), lengths)
        ids = np.fromiter(chain.from_iterable(ids for _i, (ids, _s) in listed), dtype=np.int64, count=total)
        values = np.fromiter(chain.from_iterable(s for _i, (_ids, s) in listed), dtype=np.float32, count=total)
        c = rows_in(tmdb_ids, ids)
        keep = c >= 0  # a neighbour outside these rows
        result = sp.csr_matrix((values[keep], (r[keep], c[keep])), shape=(n, n), dtype=np.float32)
        result.sort_indices()
        return result

    genres, genre_ids = _incidence([r.genres for r in rows], at=at, n=n)
    # Directors first: each has a column (the per-director cap reads it) even where `people` were not read.
    directors = list(dict.fromkeys(r.director for r in rows if r.director))
    people, names = _incidence([r.people for r in rows], directors, at=at, n=n)
    column = {name: i for i, name in enumerate(names)}
    director = np.full(n, -1, dtype=np.int32)
    for i, row in enumerate(rows):
        if row.director:
            director[at[i]] = column.get(row.director, -1)
    return EngineIndex(
        tmdb_ids=tmdb_ids,
        content=matrix("content"),
        cooc=matrix("cooc"),
        transitions=matrix("transitions"),
        prior=prior[order],
        genres=genres,
        genre_ids=np.asarray(genre_ids, dtype=np.int64),
        people=people,
        people_names=[str(x) for x in names],
        director=director,
        adult=adult[order],
        version=version,
        catalog_version=catalog_version,
        meta=dict(meta or {}),
    )
