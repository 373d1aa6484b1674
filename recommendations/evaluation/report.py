"""The markdown table and the PNG chart of an evaluation run."""

from __future__ import annotations

from pathlib import Path

COLUMNS = [
    ("recall@10", "Recall@10"),
    ("recall@20", "Recall@20"),
    ("ndcg@10", "NDCG@10"),
    ("coverage", "Coverage"),
    ("popular_share", "Popular share"),
]


def markdown(run: dict) -> str:
    results = run["results"]
    popularity = results["popularity"]["ndcg@10"]
    lines = [
        "| recommender | " + " | ".join(title for _key, title in COLUMNS) + " | NDCG@10 vs popularity |",
        "|---|" + "---:|" * (len(COLUMNS) + 1),
    ]
    for name, metrics in results.items():
        cells = " | ".join(f"{metrics[key]:.4f}" for key, _title in COLUMNS)
        ratio = metrics["ndcg@10"] / popularity if popularity else float("nan")
        lines.append(f"| {name} | {cells} | {ratio:.2f}x |")
    d = run["dataset"]
    params = run["params"]
    blend = params.blend
    lines += [
        "",
        f"MovieLens ml-latest-small: {d['ratings']:,} ratings of {d['movies']:,} movies with a TMDb id by "
        f"{d['users']} users; train {d['train']:,}, test {d['test']:,} (each user's last 20% by time); "
        f"{results['popularity']['users']} users with a relevant (>= 4.0) test rating; seed {run['seed']}.",
        f"Content features: {d['content']}.",
        f"Engine blend chosen on the validation split (last 20% of each user's training ratings): "
        f"content {blend.content}, collaborative {blend.collaborative}, sequential {blend.sequential}, "
        f"preferences {blend.preferences}, "
        f"popularity {blend.popularity}, diversity {blend.diversity}, max {blend.max_per_director} per director, "
        f"neutral rating {params.neutral_rating}, half-life {params.half_life_days:g} days. "
        f"EASE lambda {run['ease_lambda']:g} chosen on the same validation split.",
        "Recall@K: relevant test movies in the top K over all relevant test movies of the user. Coverage: share "
        "of the catalog in anyone's top 10. Popular share: share of top-10 slots taken by the 2% most-rated "
        "movies of the training split.",
    ]
    return "\n".join(lines) + "\n"


def chart(run: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    results = run["results"]
    names = list(results)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [3, 2]})
    for ax, keys in ((axes[0], COLUMNS[:3]), (axes[1], COLUMNS[3:])):
        width = 0.8 / len(names)
        x = np.arange(len(keys))
        for i, name in enumerate(names):
            values = [results[name][key] for key, _t in keys]
            bars = ax.bar(x + i * width - 0.4 + width / 2, values, width, label=name)
            ax.bar_label(bars, fmt="%.3f", fontsize=7)
        ax.set_xticks(x, [title for _k, title in keys])
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_title("Accuracy (higher is better)")
    axes[1].set_title("Catalog coverage and popular share")
    axes[0].legend(fontsize=8)
    fig.suptitle(f"MovieLens ml-latest-small, temporal 80/20 split, seed {run['seed']}")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
