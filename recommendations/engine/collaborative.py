"""Item-to-item co-occurrence across our users: shrunk cosine over positive interactions, top-K per item."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

# Co-counts below this many users are shrunk towards zero (a pair seen by 2 users is weak evidence).
SHRINK = 10.0
# A user's most recent positives that enter the co-occurrence count (bounds the cost of heavy users).
MAX_ITEMS_PER_USER = 500


def user_item_matrix(
    users: np.ndarray, items: np.ndarray, values: np.ndarray, *, n_users: int, n_items: int
) -> sp.csr_matrix:
    """users x items CSR from triplets (duplicates summed)."""
    matrix = sp.csr_matrix(
        (np.asarray(values, dtype=np.float32), (np.asarray(users), np.asarray(items))),
        shape=(n_users, n_items),
        dtype=np.float32,
    )
    matrix.sum_duplicates()
    return matrix


def sparse_top_k_rows(matrix: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Keep each row's k largest entries (CSR in, CSR out)."""
    matrix = matrix.tocsr()
    lengths = np.diff(matrix.indptr)
    if k <= 0 or not len(lengths):
        return sp.csr_matrix(matrix.shape, dtype=matrix.dtype)
    keep = np.ones(matrix.nnz, dtype=bool)
    for row in np.nonzero(lengths > k)[0]:
        lo, hi = matrix.indptr[row], matrix.indptr[row + 1]
        drop = np.argpartition(-matrix.data[lo:hi], k)[k:]
        keep[lo + drop] = False
    rows = np.repeat(np.arange(matrix.shape[0]), lengths)[keep]
    result = sp.csr_matrix((matrix.data[keep], (rows, matrix.indices[keep])), shape=matrix.shape, dtype=matrix.dtype)
    result.sort_indices()
    return result


def cooccurrence_neighbours(
    positives: sp.csr_matrix, k: int, *, shrink: float = SHRINK, alpha: float = 0.5
) -> sp.csr_matrix:
    """Item x item top-K similarity from a users x items matrix of positive weights (ItemKNN).

    sim(i, j) = co(i, j) / (n_i^alpha * n_j^(1 - alpha)) * co(i, j) / (co(i, j) + shrink): asymmetric
    cosine (alpha 0.5 is the plain cosine) with a shrink term for pairs few users share.
    """
    binary = positives.copy().tocsr()
    binary.data = np.ones_like(binary.data, dtype=np.float32)
    binary.eliminate_zeros()
    n_items = binary.shape[1]
    if binary.nnz == 0:
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    co = (binary.T @ binary).tocsr().astype(np.float32)
    co.setdiag(0)
    co.eliminate_zeros()
    counts = np.asarray(binary.sum(axis=0)).ravel().astype(np.float32)
    coo = co.tocoo()
    denom = np.power(counts[coo.row], alpha) * np.power(counts[coo.col], 1 - alpha)
    values = coo.data / np.maximum(denom, 1e-9) * (coo.data / (coo.data + shrink))
    sims = sp.csr_matrix((values.astype(np.float32), (coo.row, coo.col)), shape=co.shape)
    return sparse_top_k_rows(sims, k)
