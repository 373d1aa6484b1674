"""Reads over impressions and outcomes: experiment results with statistics, user and site analytics, online
outcome rates next to the offline evaluation, and the experiment chart.

An impression is one RecommendationLog row: the list served, `movie_ids` in position order. An outcome is a
later favorite, like, watchlist, watched or rating >= 4 of a served movie by the same user within
EXPERIMENTS_ATTRIBUTION_DAYS. Each outcome is credited once, to the latest impression of that user that
showed the movie before it (last touch), at that movie's position. Nothing is written on the request path:
everything here is computed at query time from the logs and the Favorite/Interaction rows, in a fixed number
of queries (no per-row query), then counted in Python/numpy.
"""

from __future__ import annotations

import bisect
import datetime
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.html import escape

from movies.models import Movie
from recommendations.engine import content
from recommendations.experiments import control_name
from recommendations.models import EvaluationRun, Experiment, RecommendationLog
from users.models import Favorite, Interaction, User

Z_95 = 1.959963984540054
RESULTS_KEY = "rec:experiment:v1:results:{id}"
POSITIONS_SHOWN = 20
PERIODS = {"week": TruncWeek, "month": TruncMonth}
# What counts as an outcome among interactions (favorites always count).
OUTCOME_INTERACTIONS = Q(type__in=["liked", "watchlist", "watched"]) | Q(type="rated", rating__gte=Decimal("4"))
# What says "I like this" for taste analytics (favorites always count).
POSITIVE_INTERACTIONS = Q(type="liked") | Q(type="rated", rating__gte=Decimal("4"))


# --- statistics -----------------------------------------------------------------------------------


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a proportion (95% by default); (0, 0) when n is 0."""
    if n <= 0:
        return 0.0, 0.0
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    low = 0.0 if successes <= 0 else max(0.0, centre - half)
    high = 1.0 if successes >= n else min(1.0, centre + half)
    return low, high


def two_proportion_z_test(x1: int, n1: int, x2: int, n2: int) -> tuple[float | None, float | None]:
    """Pooled two-proportion z-test of p2 against p1: (z, two-sided p-value), None when undefined."""
    if n1 <= 0 or n2 <= 0:
        return None, None
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return None, None
    z = (x2 / n2 - x1 / n1) / se
    return z, math.erfc(abs(z) / math.sqrt(2))


# --- attribution ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Impression:
    id: int
    user_id: int | None
    at: datetime.datetime
    movie_ids: list[int]
    group: Any = None  # e.g. the variant, or (kind, algorithm, variant)


@dataclass(slots=True)
class Outcome:
    user_id: int
    tmdb_id: int
    at: datetime.datetime


@dataclass
class Credit:
    """Outcomes credited to one impression: (tmdb_id, position from 1, seconds after the impression)."""

    items: list[tuple[int, int, float]] = field(default_factory=list)


def outcome_events(*, users: QuerySet | Iterable[int] | None, since: datetime.datetime) -> list[Outcome]:
    """Favorites and positive interactions since `since` (two queries), of `users` (ids or a subquery) or all.

    A rating counts from when it was last changed (a 2 raised to 4 becomes an outcome then); the other
    interactions from when they were made.
    """
    favorites = Favorite.objects.filter(created_at__gte=since)
    interactions = Interaction.objects.filter(OUTCOME_INTERACTIONS).filter(
        Q(created_at__gte=since) | Q(updated_at__gte=since)
    )
    if users is not None:
        favorites = favorites.filter(user_id__in=users)
        interactions = interactions.filter(user_id__in=users)
    events = [Outcome(u, t, at) for u, t, at in favorites.values_list("user_id", "movie__tmdb_id", "created_at")]
    for u, t, kind, created, updated in interactions.values_list(
        "user_id", "movie__tmdb_id", "type", "created_at", "updated_at"
    ):
        events.append(Outcome(u, t, updated if kind == "rated" else created))
    return events


def attribute(impressions: list[Impression], events: list[Outcome], *, window: datetime.timedelta) -> dict[int, Credit]:
    """Credit each outcome to the latest impression of the same user that showed the movie at or before it,
    within `window`; returns {impression id: Credit} for the impressions credited at least once.

    The (impression, position) pairs are flattened into numpy arrays and only those whose (user, movie)
    has an outcome at all are looked at in Python, so a million served positions cost well under a second.
    """
    if not events or not impressions:
        return {}
    pending: dict[tuple[int, int], set[datetime.datetime]] = defaultdict(set)
    for event in events:
        pending[(event.user_id, int(event.tmdb_id))].add(event.at)  # the same action twice counts once
    lengths = np.fromiter((len(imp.movie_ids) for imp in impressions), dtype=np.int64, count=len(impressions))
    tmdb_ids = np.fromiter(
        (int(t) for imp in impressions for t in imp.movie_ids), dtype=np.int64, count=int(lengths.sum())
    )
    users = np.fromiter(
        (imp.user_id if imp.user_id is not None else -1 for imp in impressions), dtype=np.int64, count=len(lengths)
    )
    owner = np.repeat(np.arange(len(impressions)), lengths)
    positions = np.arange(len(tmdb_ids)) - np.repeat(np.cumsum(lengths) - lengths, lengths) + 1
    scale = int(max(tmdb_ids.max(initial=0), max(t for _u, t in pending))) + 1
    keys = np.repeat(users, lengths) * scale + tmdb_ids
    wanted = np.fromiter((u * scale + t for u, t in pending), dtype=np.int64, count=len(pending))
    hits = np.flatnonzero(np.isin(keys, wanted) & (np.repeat(users, lengths) >= 0))

    shown: dict[tuple[int, int], list[tuple[datetime.datetime, int, int]]] = defaultdict(list)
    for flat in hits.tolist():
        imp = impressions[int(owner[flat])]
        shown[(imp.user_id, int(tmdb_ids[flat]))].append((imp.at, imp.id, int(positions[flat])))
    credits: dict[int, Credit] = {}
    for key, entries in shown.items():
        entries.sort()
        times = [e[0] for e in entries]
        for event_at in sorted(pending[key]):
            i = bisect.bisect_right(times, event_at) - 1
            if i < 0:
                continue
            shown_at, impression_id, position = entries[i]
            if event_at - shown_at > window:
                continue
            credits.setdefault(impression_id, Credit()).items.append(
                (key[1], position, (event_at - shown_at).total_seconds())
            )
    return credits


def _window() -> datetime.timedelta:
    return datetime.timedelta(days=settings.EXPERIMENTS_ATTRIBUTION_DAYS)


# --- experiments ----------------------------------------------------------------------------------


def experiment_results(*, experiment: Experiment) -> dict[str, Any]:
    """Per variant: impressions, users, outcome rate with a 95% Wilson interval, lift against control and a
    two-proportion z-test, conversions by position, catalog coverage and novelty; plus the daily series.

    The unit is the user (the unit of assignment): a user converts when any outcome is credited to one of
    their impressions. Impression-level rates are reported too, without a test (impressions of one user are
    not independent). Five queries.
    """
    rows = list(
        RecommendationLog.objects.filter(experiment=experiment)
        .order_by()
        .values_list("id", "user_id", "variant", "created_at", "movie_ids")
    )
    impressions = [Impression(i, u, at, list(ids or []), variant) for i, u, variant, at, ids in rows]
    since = min((imp.at for imp in impressions), default=timezone.now())
    users = RecommendationLog.objects.filter(experiment=experiment, user__isnull=False).values("user_id")
    credits = attribute(impressions, outcome_events(users=users, since=since), window=_window())

    configured = [v.get("name") for v in experiment.variants if isinstance(v, dict)]
    names = [n for n in configured if n] + sorted({imp.group for imp in impressions} - set(configured))
    control = control_name(names)
    catalog = Movie.objects.aggregate(n=Count("id"), popularity=Sum("popularity"))
    served = {int(t) for imp in impressions for t in imp.movie_ids}
    movies = Movie.objects.all() if len(served) > 5000 else Movie.objects.filter(tmdb_id__in=served)  # IN-list cap
    popularity = dict(movies.values_list("tmdb_id", "popularity"))
    novelty_of = _novelty_table(popularity, catalog["popularity"] or 0.0)

    variants: dict[str, dict[str, Any]] = {}
    for name in names:
        mine = [imp for imp in impressions if imp.group == name]
        user_ids = {imp.user_id for imp in mine if imp.user_id is not None}
        converted_users = {imp.user_id for imp in mine if imp.id in credits}
        converted = [imp for imp in mine if imp.id in credits]
        positions = np.zeros(POSITIONS_SHOWN + 1, dtype=np.int64)
        conversions = 0
        for imp in converted:
            for _t, position, _s in credits[imp.id].items:
                positions[min(position, POSITIONS_SHOWN + 1) - 1] += 1
                conversions += 1
        items = [int(t) for imp in mine for t in imp.movie_ids]
        low, high = wilson_interval(len(converted_users), len(user_ids))
        variants[name] = {
            "variant": name,
            "is_control": name == control,
            "impressions": len(mine),
            "users": len(user_ids),
            "converted_users": len(converted_users),
            "outcome_rate": _rate(len(converted_users), len(user_ids)),
            "ci95": [round(low, 6), round(high, 6)],
            "converted_impressions": len(converted),
            "impression_outcome_rate": _rate(len(converted), len(mine)),
            "conversions": conversions,
            "conversions_by_position": positions[:POSITIONS_SHOWN].tolist(),
            "conversions_beyond_position": int(positions[POSITIONS_SHOWN]),
            "coverage": _rate(len(set(items)), catalog["n"] or 0),
            "novelty": round(float(np.mean([novelty_of.get(t, 0.0) for t in items])), 4) if items else None,
        }
    base = variants.get(control)
    for stats in variants.values():
        stats["lift"] = stats["z"] = stats["p_value"] = None
        if base is None or stats is base:
            continue
        if base["outcome_rate"]:
            stats["lift"] = round((stats["outcome_rate"] - base["outcome_rate"]) / base["outcome_rate"], 6)
        z, p = two_proportion_z_test(base["converted_users"], base["users"], stats["converted_users"], stats["users"])
        stats["z"] = round(z, 6) if z is not None else None
        stats["p_value"] = round(p, 6) if p is not None else None
    return {
        "id": experiment.pk,
        "name": experiment.name,
        "kind": experiment.kind,
        "active": experiment.active,
        "starts_at": experiment.starts_at,
        "ends_at": experiment.ends_at,
        "control": control,
        "attribution_days": settings.EXPERIMENTS_ATTRIBUTION_DAYS,
        "catalog_size": catalog["n"] or 0,
        "computed_at": timezone.now(),
        "variants": [variants[n] for n in names],
        "daily": _daily(impressions, credits, names),
    }


def experiment_results_cached(*, experiment: Experiment) -> dict[str, Any]:
    """`experiment_results`, cached for EXPERIMENTS_RESULTS_CACHE_SECONDS."""
    key = RESULTS_KEY.format(id=experiment.pk)
    cached = cache.get(key)
    if cached is None:
        cached = experiment_results(experiment=experiment)
        cache.set(key, cached, settings.EXPERIMENTS_RESULTS_CACHE_SECONDS)
    return cached


def _rate(successes: int, n: int) -> float:
    return round(successes / n, 6) if n else 0.0


def _novelty_table(popularity: dict[int, float], total: float) -> dict[int, float]:
    """Self-information -log2(p) of each movie, p its share of the catalog's TMDb popularity: higher means
    the list leans on less popular titles."""
    if total <= 0:
        return dict.fromkeys(popularity, 0.0)
    floor = 1e-3  # a movie with popularity 0 counts as barely popular, not as infinitely novel
    return {t: -math.log2(max(float(p), floor) / total) for t, p in popularity.items()}


def _daily(impressions: list[Impression], credits: dict[int, Credit], names: list[str]) -> list[dict[str, Any]]:
    """Per day and variant: impressions and the share of them with an outcome (the chart's series)."""
    counts: dict[tuple[datetime.date, str], list[int]] = defaultdict(lambda: [0, 0])
    zone = timezone.get_current_timezone()
    for imp in impressions:
        cell = counts[(imp.at.astimezone(zone).date(), imp.group)]
        cell[0] += 1
        cell[1] += imp.id in credits
    return [
        {"day": day, "variant": name, "impressions": n, "converted": c, "outcome_rate": _rate(c, n)}
        for (day, name), (n, c) in sorted(counts.items(), key=lambda kv: (kv[0][0], names.index(kv[0][1])))
        if name in names
    ]


# --- user and site analytics ----------------------------------------------------------------------


def taste_analytics(*, user: User | None, period: str = "month", periods: int = 12, limit: int = 10) -> dict:
    """Favorite genres, rating distribution, activity per week or month, and the people they return to, for
    one user or (user=None) for everyone. Seven queries, whatever the number of rows.
    """
    favorites = Favorite.objects.all()
    interactions = Interaction.objects.all()
    if user is not None:
        favorites = favorites.filter(user=user)
        interactions = interactions.filter(user=user)

    # Positive signals per movie: favorites, likes and ratings of 4 or more.
    weight: Counter[int] = Counter(
        dict(favorites.order_by().values("movie_id").annotate(n=Count("id")).values_list("movie_id", "n"))
    )
    weight.update(
        dict(
            interactions.filter(POSITIVE_INTERACTIONS)
            .order_by()
            .values("movie_id")
            .annotate(n=Count("id"))
            .values_list("movie_id", "n")
        )
    )
    # The liked movies as a subquery, not an IN list (site-wide it may be tens of thousands of ids).
    liked = Q(movie_id__in=favorites.values("movie_id")) | Q(
        movie_id__in=interactions.filter(POSITIVE_INTERACTIONS).values("movie_id")
    )
    genres: Counter[tuple[int, str]] = Counter()
    for movie_id, genre_id, name in Movie.genres.through.objects.filter(liked).values_list(
        "movie_id", "genre__tmdb_id", "genre__name"
    ):
        genres[(genre_id, name)] += weight[movie_id]
    directors: Counter[str] = Counter()
    cast: Counter[str] = Counter()
    liked_movies = Q(pk__in=favorites.values("movie_id")) | Q(
        pk__in=interactions.filter(POSITIVE_INTERACTIONS).values("movie_id")
    )
    for movie_id, director, names in Movie.objects.filter(liked_movies).values_list("pk", "director", "cast"):
        for person in content.split_names(director or ""):
            directors[person] += weight[movie_id]
        for person in names or []:
            person = person.get("name", "") if isinstance(person, dict) else str(person)
            if person:
                cast[person] += weight[movie_id]

    ratings = dict(
        interactions.filter(type="rated").order_by().values("rating").annotate(n=Count("id")).values_list("rating", "n")
    )
    rated = sum(ratings.values())
    mean = sum(float(r) * n for r, n in ratings.items()) / rated if rated else None

    trunc = PERIODS[period]
    since = _period_start(period, periods)
    activity: dict[datetime.date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for start, n in (
        favorites.filter(created_at__gte=since)
        .order_by()
        .annotate(period=trunc("created_at"))
        .values("period")
        .annotate(n=Count("id"))
        .values_list("period", "n")
    ):
        activity[_as_date(start)]["favorite"] += n
    for start, kind, n in (
        interactions.filter(created_at__gte=since)
        .order_by()
        .annotate(period=trunc("created_at"))
        .values("period", "type")
        .annotate(n=Count("id"))
        .values_list("period", "type", "n")
    ):
        activity[_as_date(start)][kind] += n

    minimum = 2 if user is not None else 1  # for one user: people met in at least two liked movies
    return {
        "favorite_genres": [{"id": gid, "name": name, "count": n} for (gid, name), n in genres.most_common(limit)],
        "ratings": {
            "count": rated,
            "mean": round(mean, 3) if mean is not None else None,
            "distribution": [{"rating": r / 2, "count": ratings.get(Decimal(r) / 2, 0)} for r in range(1, 11)],
        },
        "activity": {
            "period": period,
            "since": since,
            "series": [
                {"start": start, "total": sum(kinds.values()), **{k: kinds.get(k, 0) for k in ACTIVITY_KINDS}}
                for start, kinds in sorted(activity.items())
            ],
        },
        "people": {
            "directors": [{"name": n, "count": c} for n, c in directors.most_common(limit) if c >= minimum],
            "cast": [{"name": n, "count": c} for n, c in cast.most_common(limit) if c >= minimum],
        },
    }


ACTIVITY_KINDS = ["favorite", "liked", "disliked", "watchlist", "watched", "rated"]


def _period_start(period: str, periods: int) -> datetime.datetime:
    today = timezone.localdate()
    if period == "week":
        start = today - datetime.timedelta(days=today.weekday() + 7 * (periods - 1))
    else:
        month = today.year * 12 + today.month - 1 - (periods - 1)
        start = datetime.date(month // 12, month % 12 + 1, 1)
    return timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def site_analytics(*, days: int = 30, period: str = "month", periods: int = 12, limit: int = 10) -> dict:
    """`taste_analytics` over every user, plus user counts and the most recommended and most converted titles
    of the last `days` days (outcomes credited as in experiments). Fourteen queries at most."""
    since = timezone.now() - datetime.timedelta(days=days)
    data = taste_analytics(user=None, period=period, periods=periods, limit=limit)
    logs = RecommendationLog.objects.filter(created_at__gte=since).order_by()
    impressions = [
        Impression(i, u, at, list(ids or []))
        for i, u, at, ids in logs.values_list("id", "user_id", "created_at", "movie_ids")
    ]
    credits = attribute(
        impressions,
        outcome_events(users=logs.filter(user__isnull=False).values("user_id"), since=since),
        window=_window(),
    )
    recommended = Counter(int(t) for imp in impressions for t in imp.movie_ids)
    converted = Counter(t for credit in credits.values() for t, _p, _s in credit.items)
    top_recommended = recommended.most_common(limit)
    top_converted = converted.most_common(limit)
    titles = dict(
        Movie.objects.filter(tmdb_id__in={t for t, _ in top_recommended + top_converted}).values_list(
            "tmdb_id", "title"
        )
    )
    data.update(
        {
            "users": {
                "total": User.objects.count(),
                "recommended_to": len({imp.user_id for imp in impressions if imp.user_id is not None}),
            },
            "days": days,
            "impressions": len(impressions),
            "most_recommended": [{"tmdb_id": t, "title": titles.get(t, ""), "count": n} for t, n in top_recommended],
            "most_converted": [{"tmdb_id": t, "title": titles.get(t, ""), "count": n} for t, n in top_converted],
        }
    )
    return data


# --- model performance ----------------------------------------------------------------------------


def online_outcome_rates(*, days: int = 30) -> list[dict[str, Any]]:
    """Per (kind, algorithm, variant) over the last `days` days: impressions, users, the share of users with
    an outcome (95% Wilson interval) and the share of impressions with one. Three queries."""
    since = timezone.now() - datetime.timedelta(days=days)
    logs = RecommendationLog.objects.filter(created_at__gte=since).order_by()
    impressions = [
        Impression(i, u, at, list(ids or []), (kind, algorithm, variant))
        for i, u, at, ids, kind, algorithm, variant in logs.values_list(
            "id", "user_id", "created_at", "movie_ids", "kind", "algorithm", "variant"
        )
    ]
    credits = attribute(
        impressions,
        outcome_events(users=logs.filter(user__isnull=False).values("user_id"), since=since),
        window=_window(),
    )
    groups: dict[tuple, list[Impression]] = defaultdict(list)
    for imp in impressions:
        groups[imp.group].append(imp)
    out = []
    for (kind, algorithm, variant), mine in sorted(groups.items()):
        users = {imp.user_id for imp in mine if imp.user_id is not None}
        converted_users = {imp.user_id for imp in mine if imp.id in credits}
        converted = sum(imp.id in credits for imp in mine)
        low, high = wilson_interval(len(converted_users), len(users))
        out.append(
            {
                "kind": kind,
                "algorithm": algorithm,
                "variant": variant,
                "impressions": len(mine),
                "users": len(users),
                "outcome_rate": _rate(len(converted_users), len(users)),
                "ci95": [round(low, 6), round(high, 6)],
                "impression_outcome_rate": _rate(converted, len(mine)),
            }
        )
    return out


def model_performance(*, days: int = 30) -> dict[str, Any]:
    """The newest offline evaluation run next to the online outcome rates. Four queries."""
    run = EvaluationRun.objects.first()
    offline = None
    if run is not None:
        offline = {
            "id": run.pk,
            "created_at": run.created_at,
            "dataset": run.dataset,
            "seed": run.seed,
            "seconds": run.seconds,
            "metrics": run.metrics,
            "details": run.details,
        }
    return {
        "offline": offline,
        "online": {
            "days": days,
            "attribution_days": settings.EXPERIMENTS_ATTRIBUTION_DAYS,
            "rates": online_outcome_rates(days=days),
        },
    }


# --- the chart ------------------------------------------------------------------------------------

_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]


def outcome_chart_svg(daily: list[dict[str, Any]], variants: list[str], *, width: int = 640, height: int = 260) -> str:
    """Outcome rate per variant per day as an inline SVG line chart (no plotting library needed at runtime)."""
    left, right, top, bottom = 48, 120, 16, 32
    plot_w, plot_h = width - left - right, height - top - bottom
    days = sorted({row["day"] for row in daily})
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11" role="img" '
        f'aria-label="Outcome rate per variant per day">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>',
    ]
    if not days:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">No impressions yet.</text></svg>')
        return "".join(parts)
    peak = max((row["outcome_rate"] for row in daily), default=0.0)
    y_max = max(0.05, math.ceil(peak * 20) / 20)  # round up to the next 5%

    def x(day) -> float:
        return left + (plot_w * days.index(day) / (len(days) - 1) if len(days) > 1 else plot_w / 2)

    def y(rate: float) -> float:
        return top + plot_h * (1 - rate / y_max)

    for i in range(5):
        rate = y_max * i / 4
        parts.append(
            f'<line x1="{left}" y1="{y(rate):.1f}" x2="{left + plot_w}" y2="{y(rate):.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y(rate) + 4:.1f}" text-anchor="end">{rate:.0%}</text>'
        )
    for day in {days[0], days[-1]}:
        parts.append(f'<text x="{x(day):.1f}" y="{height - 10}" text-anchor="middle">{day.isoformat()}</text>')
    for i, name in enumerate(variants):
        colour = _COLOURS[i % len(_COLOURS)]
        points = [(x(row["day"]), y(row["outcome_rate"])) for row in daily if row["variant"] == name]
        if points:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
            parts.extend(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="{colour}"/>' for px, py in points)
        ly = top + 14 * i + 8
        parts.append(
            f'<rect x="{left + plot_w + 12}" y="{ly - 8}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{left + plot_w + 28}" y="{ly + 1}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
