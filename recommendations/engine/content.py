"""Content model: per-field TF-IDF with field weights, and exact top-K cosine neighbours, chunked.

Each field is vectorised on its own (so a rare keyword is not drowned by a long overview), L2-normalised,
multiplied by its weight and stacked; rows are normalised again, so the cosine of two movies is the
weighted agreement of their fields. The neighbour search is exact: the few very common columns (genres,
frequent words) go into a small dense block multiplied with BLAS, the long tail into a sparse product; one
chunk of rows at a time, so memory is chunk x n floats, not n x n.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from recommendations.engine import npz
from recommendations.engine.collaborative import sparse_top_k_rows

FIELD_WEIGHTS: dict[str, float] = {
    "title": 1.0,
    "overview": 0.8,
    "genres": 0.6,
    "keywords": 0.4,
    # Same director is a strong, human-readable signal: above genres, so a director's other films outrank
    # films that merely share the genres (weights scale the vectors, so a field adds weight^2 * its cosine).
    "director": 0.8,
    "cast": 0.3,
    # One franchise (TMDb's collection) is the strongest sign of "more like this": above a shared director,
    # genres and a keyword together (sequels often share little text).
    "collection": 1.2,
}
# Cast names that count. The demo catalog lists cast alphabetically (not by billing), so a short cut would
# keep arbitrary names; 40 covers the whole list for 95% of its films. TMDb rows store top-billed names only.
TOP_CAST = 40


@dataclass
class MovieDoc:
    """What the content model reads of a movie. `director` is the directors' names (a list, or one comma
    string as older callers give it); `collection` the id of its collection (franchise), if any."""

    title: str = ""
    overview: str = ""
    genres: Sequence[int] = ()
    keywords: Sequence[str] = ()
    director: str | Sequence[str] = ""
    cast: Sequence[str] = field(default_factory=tuple)
    collection: int | None = None


def split_names(value: str) -> list[str]:
    """ "A, B" (co-directors in one field) -> ["A", "B"]."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def director_names(doc: MovieDoc) -> list[str]:
    if isinstance(doc.director, str):
        return split_names(doc.director)
    return [name for name in doc.director if name]


def _tokens(values) -> list[str]:
    return [str(v).strip().lower() for v in values if str(v).strip()]


def _identity(tokens):
    return tokens


def _field_data(name: str, docs: Sequence[MovieDoc]) -> list:
    """What the field's vectorizer reads of each doc: text for title and overview, token lists otherwise."""
    if name == "title":
        return [d.title or "" for d in docs]
    if name == "overview":
        return [d.overview or "" for d in docs]
    if name == "genres":
        return [[f"g{g}" for g in d.genres] for d in docs]
    if name == "keywords":
        return [_tokens(d.keywords) for d in docs]
    if name == "director":
        return [_tokens(director_names(d)) for d in docs]
    if name == "collection":
        return [[f"c{d.collection}"] if d.collection is not None else [] for d in docs]
    return [_tokens(list(d.cast)[:TOP_CAST]) for d in docs]


# Fields whose term counts are damped (1 + log tf): free text, where a repeated word says less each time.
SUBLINEAR = ("title", "overview")


def _vectorizer(name: str, n: int, *, vocabulary: list[str] | None = None):
    """The field's TF-IDF vectorizer (to fit), or with a fixed `vocabulary` its counting half (to transform with
    a fitted FieldModel): the same tokens either way."""
    # scikit-learn is imported here, not at module level: only index builds need it, and importing it costs
    # every process (web workers, manage.py commands) about a second at start-up.
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    if name == "title":
        options = {"ngram_range": (1, 2), "stop_words": "english"}
    elif name == "overview":
        options = {"stop_words": "english"}
        if vocabulary is None:
            options.update(max_df=0.5, min_df=2 if n > 50 else 1)
    else:
        options = {"analyzer": _identity}
    if vocabulary is not None:
        return CountVectorizer(vocabulary=vocabulary, dtype=np.float32, **options)
    return TfidfVectorizer(sublinear_tf=name in SUBLINEAR, dtype=np.float32, **options)


@dataclass
class FieldModel:
    """One field as fitted by a full build: its vocabulary (column order), idf and weight."""

    name: str
    weight: float
    vocabulary: list[str]
    idf: np.ndarray


@dataclass
class FeatureModel:
    """What `fit_features` learned: enough to turn new or edited movies into rows of the same matrix (same
    columns, same idf) without refitting the catalog. A word the fit never saw does not count until the next
    full build."""

    fields: list[FieldModel]

    def transform(self, docs: Sequence[MovieDoc]) -> sp.csr_matrix:
        from sklearn.preprocessing import normalize

        if not len(docs):
            return sp.csr_matrix((0, max(sum(len(f.vocabulary) for f in self.fields), 1)), dtype=np.float32)
        blocks = []
        for f in self.fields:
            counts = _vectorizer(f.name, len(docs), vocabulary=f.vocabulary).transform(_field_data(f.name, docs))
            counts = counts.tocsr().astype(np.float32)
            if f.name in SUBLINEAR:
                counts.data = 1.0 + np.log(counts.data)
            tfidf = normalize(counts @ sp.diags(f.idf.astype(np.float32)), norm="l2", axis=1, copy=False)
            blocks.append(tfidf.tocsr() * np.float32(f.weight))
        return _stacked(blocks, len(docs))

    # -- serialisation: arrays for an npz, no pickle --------------------------------------------------------

    def arrays(self) -> dict[str, np.ndarray]:
        out = {"fields": np.frombuffer(json.dumps([[f.name, f.weight] for f in self.fields]).encode(), np.uint8)}
        for f in self.fields:
            out[f"{f.name}_terms"] = np.frombuffer("\x00".join(f.vocabulary).encode(), np.uint8)
            out[f"{f.name}_idf"] = f.idf.astype(np.float32)
        return out

    @classmethod
    def from_arrays(cls, arrays) -> FeatureModel:
        fields = []
        for name, weight in json.loads(arrays["fields"].tobytes().decode()):
            terms = arrays[f"{name}_terms"].tobytes().decode()
            fields.append(FieldModel(name, weight, terms.split("\x00") if terms else [], arrays[f"{name}_idf"]))
        return cls(fields)


def fit_features(
    docs: Sequence[MovieDoc], weights: dict[str, float] | None = None
) -> tuple[sp.csr_matrix, FeatureModel]:
    """The weighted, row-normalised TF-IDF matrix (n_movies x n_features, float32 CSR), and its model."""
    weights = weights or FIELD_WEIGHTS
    blocks, fields = [], []
    for name, weight in weights.items():
        if weight <= 0:
            continue
        vectorizer = _vectorizer(name, len(docs))
        try:
            matrix = vectorizer.fit_transform(_field_data(name, docs)).tocsr()
        except ValueError:  # empty vocabulary: no movie has this field
            continue
        if matrix.nnz:
            blocks.append(matrix * np.float32(weight))
            vocabulary = [str(t) for t in vectorizer.get_feature_names_out()]
            fields.append(FieldModel(name, float(weight), vocabulary, vectorizer.idf_.astype(np.float32)))
    return _stacked(blocks, len(docs)), FeatureModel(fields)


def build_features(docs: Sequence[MovieDoc], weights: dict[str, float] | None = None) -> sp.csr_matrix:
    """The weighted, row-normalised TF-IDF matrix (n_movies x n_features), float32 CSR."""
    return fit_features(docs, weights)[0]


def _stacked(blocks: list[sp.csr_matrix], n: int) -> sp.csr_matrix:
    if not blocks:
        return sp.csr_matrix((n, 1), dtype=np.float32)
    from sklearn.preprocessing import normalize

    return normalize(sp.hstack(blocks, format="csr", dtype=np.float32), norm="l2", axis=1, copy=False)


def top_k_neighbours(
    features: sp.csr_matrix, k: int, *, chunk: int = 512, dense_columns: int = 256, rows: np.ndarray | None = None
) -> sp.csr_matrix:
    """Each row's k most similar other rows (cosine > 0), as an n x n CSR matrix, exact.

    `rows` limits the work to those rows (an incremental rebuild); the other rows come back empty.
    """
    features = features.tocsr().astype(np.float32)
    n = features.shape[0]
    k = max(0, min(k, n - 1))
    if n == 0 or k == 0:
        return sp.csr_matrix((n, n), dtype=np.float32)
    todo = np.arange(n) if rows is None else np.asarray(rows, dtype=np.int64)
    parts = [_top_k(idx, block, k) for idx, block in _similarity_blocks(features, todo, chunk, dense_columns)]
    return _csr(parts, n)


# The largest block of similarities computed at once (float32): 128 MB.
BLOCK_FLOATS = 32 * 1024 * 1024


def _similarity_blocks(features: sp.csr_matrix, todo: np.ndarray, chunk: int, dense_columns: int):
    """(rows, their cosine with every row) for `todo`, `chunk` rows at a time (fewer when a block would pass
    BLOCK_FLOATS: 512 rows x 1M movies would be 2 GB); a row's cosine with itself is -1."""
    n = features.shape[0]
    chunk = max(1, min(chunk, BLOCK_FLOATS // max(n, 1)))
    doc_freq = np.diff(features.tocsc().indptr)
    order = np.argsort(-doc_freq, kind="stable")
    frequent = order[: min(dense_columns, len(order))]
    frequent = frequent[doc_freq[frequent] > max(32, n // 100)]
    rare = np.setdiff1d(np.arange(features.shape[1]), frequent)
    dense = features[:, frequent].toarray() if len(frequent) else None
    sparse_part = features[:, rare].tocsr()
    sparse_t = sparse_part.T.tocsr()
    for start in range(0, len(todo), chunk):
        idx = todo[start : start + chunk]
        block = dense[idx] @ dense.T if dense is not None else np.zeros((len(idx), n), dtype=np.float32)
        product = (sparse_part[idx] @ sparse_t).tocoo()
        block[product.row, product.col] += product.data
        block[np.arange(len(idx)), idx] = -1.0  # never the movie itself
        yield idx, block


def _top_k(idx: np.ndarray, block: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, column, cosine) of each block row's k best columns with a positive cosine."""
    top = np.argpartition(-block, k - 1, axis=1)[:, :k]
    sims = np.take_along_axis(block, top, axis=1)
    keep = sims > 1e-6
    r = np.repeat(idx, k).reshape(len(idx), k)
    return r[keep], top[keep], sims[keep]


def _csr(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], n: int) -> sp.csr_matrix:
    parts = [(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)), *parts]
    result = sp.csr_matrix(
        (
            np.concatenate([p[2] for p in parts]),
            (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])),
        ),
        shape=(n, n),
        dtype=np.float32,
    )
    result.sort_indices()
    return result


def refresh_neighbours(
    features: sp.csr_matrix,
    neighbours: sp.csr_matrix,
    rows: np.ndarray,
    k: int,
    *,
    chunk: int = 512,
    dense_columns: int = 256,
) -> sp.csr_matrix:
    """Incremental rebuild: recompute the neighbour lists of `rows` (new or edited movies, features already
    updated) and merge their new similarities into every other movie's list, without the full n x n pass.

    One pass over `rows` x n gives both: each changed row's own top k, and the changed movies that now beat
    another movie's k-th neighbour (only those enter its list, so the merge stays small). Cost: |rows| x n
    instead of n x n. Approximation: another movie that loses a neighbour to an edit keeps a list one shorter
    until the next full build (its (k+1)-th neighbour was never stored).
    """
    features = features.tocsr().astype(np.float32)
    n = features.shape[0]
    k = max(0, min(k, n - 1))
    rows = np.unique(np.asarray(rows, dtype=np.int64))
    neighbours = neighbours.tocsr()
    if n == 0 or k == 0 or not len(rows):
        return neighbours
    changed = np.zeros(n, dtype=bool)
    changed[rows] = True
    # What a changed movie must beat to enter another movie's list: that list's k-th similarity when it is full.
    lengths = np.diff(neighbours.indptr)
    floor = np.full(n, 1e-6, dtype=np.float32)
    listed = lengths > 0
    if neighbours.nnz:
        lowest = np.minimum.reduceat(neighbours.data, neighbours.indptr[:-1][listed])
        full = lengths[listed] >= k
        floor[np.flatnonzero(listed)[full]] = lowest[full]
    old = neighbours.tocoo()
    keep = ~changed[old.row] & ~changed[old.col]
    parts = [(old.row[keep], old.col[keep], old.data[keep])]
    for idx, block in _similarity_blocks(features, rows, chunk, dense_columns):
        parts.append(_top_k(idx, block, k))
        r, c = np.nonzero(block > floor)
        entering = ~changed[c]
        parts.append((c[entering], idx[r[entering]], block[r[entering], c[entering]]))
    return sparse_top_k_rows(_csr(parts, n), k)


def rows_in(known: np.ndarray, tmdb_ids: np.ndarray) -> np.ndarray:
    """Each id's row in `known`, -1 when absent."""
    known = np.asarray(known, dtype=np.int64)
    if not len(known):
        return np.full(len(tmdb_ids), -1, dtype=np.int64)
    order = np.argsort(known, kind="stable")
    at = np.minimum(np.searchsorted(known, tmdb_ids, sorter=order), len(known) - 1)
    return np.where(known[order[at]] == tmdb_ids, order[at], -1)


@dataclass
class ContentFeatures:
    """A build's content features as the next incremental build reads them: the matrix (row i is movie
    tmdb_ids[i]) and the model that makes rows for new and edited movies."""

    tmdb_ids: np.ndarray
    matrix: sp.csr_matrix
    model: FeatureModel

    def to_bytes(self) -> bytes:
        matrix = self.matrix.tocsr()
        arrays = {
            "tmdb_ids": np.asarray(self.tmdb_ids, dtype=np.int64),
            "data": matrix.data.astype(np.float32),
            "indices": matrix.indices,
            "indptr": matrix.indptr,
            "shape": np.array(matrix.shape, dtype=np.int64),
            **{f"model_{k}": v for k, v in self.model.arrays().items()},
        }
        return npz.to_bytes(arrays)

    @classmethod
    def from_bytes(cls, payload: bytes) -> ContentFeatures:
        with npz.load(payload) as arrays:
            matrix = sp.csr_matrix((arrays["data"], arrays["indices"], arrays["indptr"]), shape=tuple(arrays["shape"]))
            model = FeatureModel.from_arrays({k[6:]: arrays[k] for k in arrays.files if k.startswith("model_")})
            return cls(arrays["tmdb_ids"], matrix, model)

    def rows_for(self, tmdb_ids: np.ndarray, docs: Sequence[MovieDoc], redo: np.ndarray) -> sp.csr_matrix:
        """The feature matrix of a catalog (`tmdb_ids`, `docs` in its row order): the stored row of each movie
        known here, a fresh row (`model.transform`) for the movies not known and the positions in `redo`."""
        tmdb_ids = np.asarray(tmdb_ids, dtype=np.int64)
        at = rows_in(self.tmdb_ids, tmdb_ids)
        fresh = at < 0
        fresh[np.asarray(redo, dtype=np.int64)] = True
        rows = np.flatnonzero(fresh)
        stored = self.matrix[np.maximum(at, 0)]  # rows not known here are replaced below
        made = self.model.transform([docs[i] for i in rows])
        # Stack stored rows and the fresh ones, then pick each catalog row from one or the other.
        pick = np.arange(len(tmdb_ids))
        pick[rows] = len(tmdb_ids) + np.arange(len(rows))
        width = self.matrix.shape[1]
        made = sp.csr_matrix((made.data, made.indices, made.indptr), shape=(len(rows), width))
        return sp.vstack([stored, made], format="csr")[pick].astype(np.float32)
