"""Ranking metrics over top-K lists (binary relevance)."""

from __future__ import annotations

import numpy as np


def recall_at(ranked: np.ndarray, relevant: set[int], k: int) -> float:
    """Relevant items in the top k over all relevant items of the user."""
    if not relevant:
        return 0.0
    return len(set(ranked[:k].tolist()) & relevant) / len(relevant)


def ndcg_at(ranked: np.ndarray, relevant: set[int], k: int) -> float:
    if not relevant:
        return 0.0
    gains = np.array([1.0 if int(i) in relevant else 0.0 for i in ranked[:k]])
    discounts = 1.0 / np.log2(np.arange(2, len(gains) + 2))
    ideal = (1.0 / np.log2(np.arange(2, min(len(relevant), k) + 2))).sum()
    return float((gains * discounts).sum() / ideal)


def summarise(lists: dict[int, np.ndarray], relevant: dict[int, set[int]], *, n_items: int, popular: set[int]):
    users = [u for u in lists if relevant.get(u)]
    top10 = [lists[u][:10] for u in users]
    shown = np.concatenate(top10) if top10 else np.zeros(0, dtype=np.int64)
    return {
        "users": len(users),
        "recall@10": float(np.mean([recall_at(lists[u], relevant[u], 10) for u in users])),
        "recall@20": float(np.mean([recall_at(lists[u], relevant[u], 20) for u in users])),
        "ndcg@10": float(np.mean([ndcg_at(lists[u], relevant[u], 10) for u in users])),
        "coverage": len(set(shown.tolist())) / n_items,
        "popular_share": float(np.mean([int(i) in popular for i in shown])) if len(shown) else 0.0,
    }
