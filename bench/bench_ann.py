"""Approximate content neighbours (recommendations/engine/ann.py) on synthetic catalogs, one process per size.

Per size: the time of build_features, of the SVD, of the ANN search (HNSW build + query + exact re-rank), the
process's peak RSS after each step, and the quality of the ANN lists against the exact search on a sample of
1,000 movies: recall@k, and the mean cosine of the ANN lists over the exact lists' (the stored scores are
exact cosines, so a missed neighbour costs only the gap to its replacement).
Up to 200k movies the exact search runs in full (its time is the comparison; past that only on the sample),
and the lists without the rare-column candidates (SVD + HNSW alone) are scored too, on the same vectors.

The catalog: zipf words for overviews (as bench_index_rows.py), titles, 1-3 of 19 genres, zipf keywords,
directors and cast, and one movie in ten in a three-film franchise.

Usage: python bench/bench_ann.py [N ...]   (default 100000); writes bench/results/ann.json.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "ann.json"
K, SAMPLE = 50, 1_000
EXACT_MAX = 200_000  # up to this size the exact search runs in full (minutes); past it on the sample only


def rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 0)


def synthetic_docs(n: int, seed: int = 11) -> list:
    from recommendations.engine.content import MovieDoc

    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(20_000)]
    overview = rng.zipf(1.3, size=(n, 25)) % len(words)
    keywords = rng.zipf(1.5, size=(n, 6)) % 30_000
    people = rng.zipf(1.4, size=(n, 12)) % max(1_000, n // 2)
    return [
        MovieDoc(
            title=" ".join(words[w] for w in rng.integers(0, 5_000, size=rng.integers(1, 4))),
            overview=" ".join(words[w] for w in overview[i, : rng.integers(10, 25)]),
            genres=[int(g) + 1 for g in rng.choice(19, size=rng.integers(1, 4), replace=False)],
            keywords=[f"k{w}" for w in keywords[i, : rng.integers(0, 7)]],
            director=f"d{people[i, 0] // 3}",
            cast=[f"p{p}" for p in people[i, 1 : rng.integers(2, 12)]],
            collection=i // 3 if rng.random() < 0.1 else None,
        )
        for i in range(n)
    ]


def quality(approximate, exact, sample: np.ndarray) -> dict:
    found = total = 0
    approx_sum = exact_sum = 0.0
    for row in sample:
        truth = exact.indices[exact.indptr[row] : exact.indptr[row + 1]]
        got = approximate.indices[approximate.indptr[row] : approximate.indptr[row + 1]]
        found += len(np.intersect1d(truth, got))
        total += len(truth)
        exact_sum += float(exact.data[exact.indptr[row] : exact.indptr[row + 1]].sum())
        approx_sum += float(approximate.data[approximate.indptr[row] : approximate.indptr[row + 1]].sum())
    return {"recall_at_k": round(found / max(total, 1), 4), "mean_cosine_ratio": round(approx_sum / exact_sum, 4)}


def child(n: int) -> dict:
    from recommendations.engine import ann, content

    docs = synthetic_docs(n)
    figures: dict = {"movies": n, "k": K, "dims": ann.DIMS, "candidates_per_source": 4 * K, "rare_df": ann.RARE_DF}
    started = time.perf_counter()
    features = content.build_features(docs)
    del docs
    figures |= {"features_s": round(time.perf_counter() - started, 1), "n_features": int(features.shape[1])}
    figures["nnz_per_movie"] = round(features.nnz / n, 1)
    figures["rss_after_features_mb"] = rss_mb()
    started = time.perf_counter()
    vectors = ann.reduced_vectors(features, ann.DIMS)
    figures |= {"svd_s": round(time.perf_counter() - started, 1), "rss_after_svd_mb": rss_mb()}
    started = time.perf_counter()
    neighbours = ann.approximate_top_k_neighbours(features, K, vectors=vectors)
    figures |= {"ann_search_s": round(time.perf_counter() - started, 1), "peak_rss_mb": rss_mb()}
    sample = np.sort(np.random.default_rng(5).choice(n, size=min(SAMPLE, n), replace=False))
    started = time.perf_counter()
    if n <= EXACT_MAX:  # the whole exact search, for its time; scored on the same sample
        exact = content.top_k_neighbours(features, K)
        figures["exact_search_s"] = round(time.perf_counter() - started, 1)
    else:
        exact = content.top_k_neighbours(features, K, rows=sample)
        figures["exact_sample_s"] = round(time.perf_counter() - started, 1)
    figures["quality"] = quality(neighbours, exact, sample)
    if n <= EXACT_MAX:  # the lists without the rare columns, for comparison (costs another search)
        started = time.perf_counter()
        hnsw_only = ann.approximate_top_k_neighbours(features, K, vectors=vectors, rare_df=0)
        figures["hnsw_only_search_s"] = round(time.perf_counter() - started, 1)
        figures["hnsw_only_quality"] = quality(hnsw_only, exact, sample)
    return figures


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(int(sys.argv[2]))))
        return 0
    sizes = [int(a) for a in sys.argv[1:]] or [100_000]
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for n in sizes:
        out = subprocess.run([sys.executable, __file__, "--child", str(n)], capture_output=True, text=True, cwd=ROOT)
        if out.returncode != 0:
            sys.stderr.write(out.stderr)
            return out.returncode
        results[str(n)] = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{n}: {json.dumps(results[str(n)])}", flush=True)
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
