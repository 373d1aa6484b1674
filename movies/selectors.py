"""Reads of the mirror, shaped for the API (genres prefetched: a page costs a fixed number of queries)."""

from __future__ import annotations

from django.db.models import Case, ExpressionWrapper, F, FloatField, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Cast
from django.utils import timezone

from movies.models import Genre, Movie, MovieListEntry
from movies.text import search_key

CATEGORIES = ("popular", "trending", "top_rated", "now_playing", "upcoming")
# Synced lists that answer each category, in order of preference.
CATEGORY_LISTS = {
    "popular": ("popular",),
    "trending": ("trending_day", "trending_week"),
    "top_rated": ("top_rated",),
    "now_playing": ("now_playing",),
    "upcoming": ("upcoming",),
}
# top_rated without a synced list: a Bayesian average, so 3 votes of 10 do not beat 10,000 votes of 8.5.
# m is the vote count at which a film's own average and the prior weigh the same.
WEIGHTED_RATING_MIN_VOTES = 500
WEIGHTED_RATING_PRIOR = 6.5


def movies_visible_to(*, user) -> QuerySet[Movie]:
    """Every movie the caller may see: adult titles only for users shown to be 18 or over."""
    queryset = Movie.objects.all()
    if user is None or not user.is_authenticated or not user.is_adult:
        queryset = queryset.filter(adult=False)
    return queryset


def sees_adult(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_adult)


def synced_list_for(category: str) -> str | None:
    """The synced TMDb list answering `category`, or None when no list has been synced for it."""
    names = CATEGORY_LISTS[category]
    present = set(MovieListEntry.objects.filter(category__in=names).values_list("category", flat=True).distinct())
    return next((name for name in names if name in present), None)


def movie_list(*, user, category: str = "popular", genre: int | None = None) -> QuerySet[Movie]:
    """One of the API's categories: the synced TMDb list when there is one, else an ordering of the mirror.

    Fallbacks (the offline default): popular and trending by popularity, top_rated by a vote-count-weighted
    rating, now_playing by release date (released films, newest first), upcoming by release date (future
    films, soonest first).
    """
    if category not in CATEGORY_LISTS:
        raise ValueError(f"unknown category {category!r}")
    queryset = movies_visible_to(user=user)
    if genre is not None:
        queryset = queryset.filter(genres__tmdb_id=genre)
    synced = synced_list_for(category)
    if synced is not None:
        queryset = queryset.filter(list_entries__category=synced).order_by("list_entries__rank")
    else:
        queryset = _fallback_order(queryset, category)
    return queryset.prefetch_related("genres")


def _fallback_order(queryset: QuerySet[Movie], category: str) -> QuerySet[Movie]:
    today = timezone.localdate()
    if category == "top_rated":
        votes = Cast("vote_count", FloatField())
        m = float(WEIGHTED_RATING_MIN_VOTES)
        weighted = ExpressionWrapper(
            (votes * F("vote_average") + m * WEIGHTED_RATING_PRIOR) / (votes + m), output_field=FloatField()
        )
        return queryset.alias(weighted_rating=weighted).order_by("-weighted_rating", "-vote_count", "tmdb_id")
    if category == "now_playing":
        return queryset.filter(release_date__lte=today).order_by("-release_date", "-popularity", "tmdb_id")
    if category == "upcoming":
        return queryset.filter(release_date__gt=today).order_by("release_date", "-popularity", "tmdb_id")
    return queryset.order_by("-popularity", "tmdb_id")


def movie_list_trending(*, user, window: str) -> QuerySet[Movie]:
    """Trending from the mirror: the synced trending list of that window, else the other, else popularity."""
    names = ("trending_day", "trending_week") if window == "day" else ("trending_week", "trending_day")
    queryset = movies_visible_to(user=user)
    present = set(MovieListEntry.objects.filter(category__in=names).values_list("category", flat=True).distinct())
    name = next((n for n in names if n in present), None)
    if name is None:
        return queryset.order_by("-popularity", "tmdb_id").prefetch_related("genres")
    return queryset.filter(list_entries__category=name).order_by("list_entries__rank").prefetch_related("genres")


# pg_trgm indexes three-character grams: a shorter word alone cannot narrow a substring match through the index.
MIN_SUBSTRING_WORD = 3


def text_matches(
    queryset: QuerySet, *, query: str, exact_field: str, words_field: str, word_prefix: bool = False
) -> QuerySet | None:
    """`queryset` narrowed to rows whose text matches `query`, with `match` (0 exact, 1 prefix, 2 the rest)
    aliased for ordering; None when the query has nothing to search for. With `word_prefix` (names), a later
    word starting with the query is a prefix match too: `nolan` ranks Christopher Nolan with Nolan North.

    Both sides are in movies.text.search_key form (case and accents folded, punctuation a space). Every word
    of `query` must appear in `words_field`; a query made only of short words ("up", "it") matches rows whose
    `exact_field` starts with it instead, so every search can read an index (trigram GIN on PostgreSQL for
    words, the pattern-ops btree for prefixes). The one definition of search's matching and its ranking, for
    titles, people and collections.
    """
    key = search_key(query)
    if not key:
        return None
    words = key.split()
    if any(len(word) >= MIN_SUBSTRING_WORD for word in words):
        for word in words:
            queryset = queryset.filter(**{f"{words_field}__contains": word})
    else:
        queryset = queryset.filter(**{f"{exact_field}__startswith": key})
    prefix = Q(**{f"{exact_field}__startswith": key})
    if word_prefix:
        prefix |= Q(**{f"{exact_field}__contains": f" {key}"})
    match = Case(
        When(**{exact_field: key}, then=Value(0)),
        When(prefix, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return queryset.alias(match=match)


def movies_matching_title(*, user, query: str) -> QuerySet[Movie] | None:
    """The visible movies whose title or original title matches `query` (`text_matches`, `match` aliased)."""
    return text_matches(
        movies_visible_to(user=user), query=query, exact_field="title_normalized", words_field="titles_normalized"
    )


def movie_search(*, user, query: str, year: int | None = None) -> QuerySet[Movie]:
    """Search the mirror by title or original title (`text_matches`), optionally of one release year: the
    exact title first, then titles starting with the query, then the rest; most popular first within each."""
    queryset = movies_matching_title(user=user, query=query)
    if queryset is None:
        return Movie.objects.none()
    if year is not None:
        queryset = queryset.filter(release_date__year=year)
    return queryset.order_by("match", "-popularity", "tmdb_id").prefetch_related("genres")


def movie_recommendations_from_mirror(*, user, movie: Movie) -> QuerySet[Movie]:
    """Offline stand-in for TMDb's recommendations: movies sharing a genre, most shared genres first."""
    from django.db.models import Count

    genre_ids = list(movie.genres.values_list("pk", flat=True))
    return (
        movies_visible_to(user=user)
        .filter(genres__in=genre_ids)
        .exclude(pk=movie.pk)
        .annotate(shared=Count("genres"))
        .order_by("-shared", "-popularity", "tmdb_id")
        .prefetch_related("genres")
    )


def movie_detail(*, user, tmdb_id: int) -> Movie | None:
    return movies_visible_to(user=user).filter(tmdb_id=tmdb_id).prefetch_related("genres").first()


def genre_resolve(value: str) -> Genre | None:
    """The genre a client named: by TMDb id ("878") or by name, ignoring case and accents ("science fiction").

    The one resolver for every endpoint taking a genre (`/api/movies/?genre=`, genre picks); each says in its
    own terms what an unknown genre is. One query over the small genre table.
    """
    value = (value or "").strip()
    if value.isascii() and value.isdigit():
        return Genre.objects.filter(tmdb_id=int(value)).first() if len(value) <= 10 else None
    key = search_key(value)
    if not key:
        return None
    return next((genre for genre in Genre.objects.order_by("tmdb_id") if search_key(genre.name) == key), None)


def genre_list() -> QuerySet[Genre]:
    return Genre.objects.order_by("name")
