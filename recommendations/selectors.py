"""Reads for the recommenders: the catalog and interactions as the index builder needs them, a user's taste
signals, genre picks and movies in a given order. The math lives in recommendations.engine."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Ln

from movie_backend.exceptions import NotFound
from movies.discover import movies_filter
from movies.models import Credit, Genre, Movie, MovieKeyword
from movies.selectors import movies_visible_to
from recommendations.engine import content, priors, taste
from users.models import Favorite, Interaction, Play, Preference

# Interaction types that mean "already seen or rejected": never recommended again, shown last in genre picks.
SEEN_TYPES = (
    Interaction.Type.WATCHED,
    Interaction.Type.RATED,
    Interaction.Type.DISLIKED,
    Interaction.Type.LIKED,
)
# Interaction types that hide a movie from every recommendation list of that user (similar, genre picks,
# personalized, natural language) without saying anything about taste: never a taste signal, never a dislike.
# Catalog lists and search still show the movie (with its `user_state`).
HIDDEN_TYPES = (Interaction.Type.NOT_INTERESTED,)


def hidden_for(*, user) -> QuerySet[Interaction]:
    """The user's rows that hide a movie (use `.values("movie")` in a subquery, or `is_hidden` on a signal)."""
    return Interaction.objects.filter(user=user, type__in=HIDDEN_TYPES)


@dataclass(frozen=True)
class Exclusions:
    """A user's movies (pks) that no recommendation list offers them: the one definition of "seen by this user"
    (a favorite or a SEEN_TYPES interaction) and of "hidden" (a HIDDEN_TYPES interaction)."""

    favorites: frozenset[int] = frozenset()
    seen: frozenset[int] = frozenset()  # the favorites included
    hidden: frozenset[int] = frozenset()

    @property
    def all(self) -> frozenset[int]:
        return self.seen | self.hidden


def exclusions_for(*, user, pks: Iterable[int] | None = None) -> Exclusions:
    """The caller's Exclusions, of these movie pks only when given (two queries; none for an anonymous caller or
    no pks)."""
    if user is None or not user.is_authenticated:
        return Exclusions()
    interactions = Interaction.objects.filter(user=user, type__in=(*SEEN_TYPES, *HIDDEN_TYPES))
    favorites = Favorite.objects.filter(user=user)
    if pks is not None:
        pks = list(pks)
        if not pks:
            return Exclusions()
        interactions, favorites = interactions.filter(movie_id__in=pks), favorites.filter(movie_id__in=pks)
    seen, hidden = set(), set()
    for movie_id, kind in interactions.values_list("movie_id", "type"):
        (hidden if kind in HIDDEN_TYPES else seen).add(movie_id)
    favorite_pks = set(favorites.values_list("movie_id", flat=True))
    return Exclusions(frozenset(favorite_pks), frozenset(favorite_pks | seen), frozenset(hidden))


def excluded_movie_pks(*, user, pks: Iterable[int]) -> set[int]:
    """Of these movie pks, the ones never recommended to this caller: seen or hidden (Exclusions). Nothing for
    an anonymous caller."""
    return set(exclusions_for(user=user, pks=pks).all)


def is_hidden(kind: str) -> bool:
    """Whether a signal of this kind (an Interaction type or "favorite") hides its movie."""
    return kind in HIDDEN_TYPES


def hides(state: dict) -> bool:
    """Whether a movie's `user_state` (users.selectors.movie_states) hides it."""
    return any(state[kind] for kind in HIDDEN_TYPES)


def seen_in(state: dict) -> bool:
    """Whether a movie's `user_state` says the user has seen it: a favorite or a SEEN_TYPES interaction (the
    state's `rating` stands for RATED)."""
    return bool(state["favorite"] or state["rating"] is not None or any(state.get(kind) for kind in SEEN_TYPES))


class GenreNotFound(NotFound):
    message = "Genre not found."


@dataclass(frozen=True)
class Signal:
    tmdb_id: int
    title: str
    kind: str  # "favorite" or an Interaction.Type value
    rating: float | None
    at: datetime | None


@dataclass(frozen=True)
class TasteSignals:
    signals: list[Signal]
    genres: list[int]
    people: list[str]
    movies: list[int]


def catalog_version() -> str:
    """Changes whenever a movie is added, removed or updated: count and newest updated_at."""
    stats = Movie.objects.aggregate(count=Count("id"), latest=Max("updated_at"))
    latest = stats["latest"].isoformat() if stats["latest"] else "-"
    return f"{stats['count']}:{latest}"


def _rewatched(plays: QuerySet[Play]) -> QuerySet:
    """Per (user, movie) of these plays watched more than once (a strong positive, read beside the `watched`
    interaction each play also records): the latest play as `latest`."""
    return (
        plays.values("user_id", "movie_id")
        .annotate(plays=Count("id"), marked=Count("id", filter=Q(rewatch=True)), latest=Max("watched_at"))
        .filter(Q(plays__gte=2) | Q(marked__gt=0))
    )


def user_taste_signals(*, user) -> TasteSignals:
    """Favorites, interactions (each watched one with its re-watch, from the plays) and saved preferences:
    three queries."""
    signals = [
        Signal(tmdb_id, title, "favorite", None, created_at)
        for tmdb_id, title, created_at in Favorite.objects.filter(user=user).values_list(
            "movie__tmdb_id", "movie__title", "created_at"
        )
    ]
    rewatched_at = Subquery(
        _rewatched(Play.objects.filter(user=OuterRef("user_id"), movie=OuterRef("movie_id"))).values("latest")[:1]
    )
    rows = (
        Interaction.objects.filter(user=user)
        .annotate(rewatched_at=rewatched_at)
        .values_list("movie__tmdb_id", "movie__title", "type", "rating", "updated_at", "rewatched_at")
    )
    for tmdb_id, title, kind, rating, updated_at, rewatched in rows:
        signals.append(Signal(tmdb_id, title, kind, float(rating) if rating is not None else None, updated_at))
        if kind == Interaction.Type.WATCHED and rewatched is not None:
            signals.append(Signal(tmdb_id, title, taste.REWATCHED, None, rewatched))
    preference = Preference.objects.filter(user=user).values("genres", "people", "movies").first() or {}
    return TasteSignals(
        signals=signals,
        genres=[int(g) for g in preference.get("genres") or [] if str(g).lstrip("-").isdigit()],
        people=[str(p) for p in preference.get("people") or [] if str(p).strip()],
        movies=[int(m) for m in preference.get("movies") or [] if str(m).lstrip("-").isdigit()],
    )


def movies_matching(*, user, params: dict) -> QuerySet[Movie]:
    """The movies matching discover filters (movies.filters; adult titles are the caller's), and with
    `exclude_watchlist`, not on the user's watchlist."""
    queryset = movies_filter(Movie.objects.all(), {k: v for k, v in params.items() if k != "exclude_watchlist"})
    if params.get("exclude_watchlist"):
        on_watchlist = Interaction.objects.filter(user=user, type=Interaction.Type.WATCHLIST, movie=OuterRef("pk"))
        queryset = queryset.exclude(Exists(on_watchlist))
    return queryset


def tmdb_ids_matching(*, user, params: dict) -> list[int]:
    """TMDb ids of `movies_matching`: one query."""
    return list(movies_matching(user=user, params=params).values_list("tmdb_id", flat=True))


def movies_in_order(*, user, tmdb_ids: Iterable[int]) -> list[Movie]:
    """The visible movies with these TMDb ids, genres prefetched, in the order given (unknown ids dropped)."""
    tmdb_ids = list(tmdb_ids)
    if not tmdb_ids:
        return []
    found = {m.tmdb_id: m for m in movies_visible_to(user=user).filter(tmdb_id__in=tmdb_ids).prefetch_related("genres")}
    return [found[t] for t in tmdb_ids if t in found]


def genre_best_movies(
    *, genre: Genre, user, mean_vote: float, min_votes: float, max_popularity: float
) -> QuerySet[Movie]:
    """The genre's movies the caller may see, by a vote-count-weighted rating (80%) and log popularity (20%),
    annotated `score` (engine.priors.genre_pick_score in SQL: the genre picks with no index built yet)."""
    votes = Cast(F("vote_count"), FloatField())
    m = Value(float(max(min_votes, 1.0)))
    weighted = (votes / (votes + m)) * F("vote_average") + (m / (votes + m)) * Value(float(mean_vote))
    log_max = math.log1p(max(max_popularity, 0.0)) or 1.0
    w = priors.GENRE_POPULARITY_WEIGHT
    score = ExpressionWrapper(
        Value((1 - w) / 10.0) * weighted + Value(w / log_max) * Ln(F("popularity") + Value(1.0)),
        output_field=FloatField(),
    )
    return movies_visible_to(user=user).filter(genres=genre).annotate(score=score).order_by("-score", "tmdb_id")


@dataclass
class CatalogRows:
    """The catalog as the index builder reads it, from the graph's rows (one query each)."""

    movies: list[tuple]  # (pk, tmdb_id, title, overview, collection pk, popularity, vote_average, vote_count,
    #                       adult, updated_at), by pk
    genres: list[tuple[int, int]]  # (movie pk, genre TMDb id)
    people: list[tuple[int, str, str]]  # (movie pk, "director" | "cast", name): directors, then top-billed cast
    keywords: list[tuple[int, str]]  # (movie pk, keyword name), in TMDb's order


def catalog_rows() -> CatalogRows:
    movies = list(
        Movie.objects.order_by("pk").values_list(
            "pk",
            "tmdb_id",
            "title",
            "overview",
            "collection_id",
            "popularity",
            "vote_average",
            "vote_count",
            "adult",
            "updated_at",
        )
    )
    genres = list(Movie.genres.through.objects.values_list("movie_id", "genre__tmdb_id"))
    credits = (
        Credit.objects.filter(
            Q(kind=Credit.Kind.CREW, job="Director") | Q(kind=Credit.Kind.CAST, order__lt=content.TOP_CAST)
        )
        .order_by("movie_id", "-kind", "order", "pk")  # crew (the directors) before cast
        .values_list("movie_id", "kind", "person__name")
    )
    people = [
        (m, "director" if kind == Credit.Kind.CREW else "cast", name)
        for m, kind, name in credits.iterator(chunk_size=20_000)
    ]
    keywords = list(
        MovieKeyword.objects.order_by("movie_id", "order", "pk")
        .values_list("movie_id", "keyword__name")
        .iterator(chunk_size=20_000)
    )
    return CatalogRows(movies, genres, people, keywords)


def interaction_rows():
    """Every user's favorites, interactions and re-watches as (user id, movie pk, kind, rating, when); rows
    that only hide a movie are no event of taste and are left out."""
    rows = [
        (user_id, movie_id, "favorite", None, at)
        for user_id, movie_id, at in Favorite.objects.values_list("user_id", "movie_id", "created_at").iterator(
            chunk_size=10_000
        )
    ]
    rows += list(
        Interaction.objects.exclude(type__in=HIDDEN_TYPES)
        .values_list("user_id", "movie_id", "type", "rating", "updated_at")
        .iterator(chunk_size=10_000)
    )
    rows += [
        (user_id, movie_id, taste.REWATCHED, None, at)
        for user_id, movie_id, at in _rewatched(Play.objects.all()).values_list("user_id", "movie_id", "latest")
    ]
    return rows
