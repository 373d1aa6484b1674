"""factory_boy factories shared by every test package."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from movies import graph
from movies.local_ids import split_credit_names
from movies.models import Genre, Movie
from users.models import Favorite, Interaction, Preference, User

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class GenreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Genre
        django_get_or_create = ("tmdb_id",)

    tmdb_id = factory.Sequence(lambda n: 10_000 + n)
    name = factory.Sequence(lambda n: f"Genre {n}")


class MovieFactory(factory.django.DjangoModelFactory):
    """A movie; `director`, `writer` (comma lists), `cast` and `keywords` (lists of names) become credit and
    keyword rows of people and keywords of our own, as the bundled catalog's are (the name columns follow)."""

    class Meta:
        model = Movie
        skip_postgeneration_save = True

    tmdb_id = factory.Sequence(lambda n: 100_000 + n)
    title = factory.Sequence(lambda n: f"Movie {n}")
    # What every writer of a title stores with it (Movie.normalized_titles).
    title_normalized = factory.LazyAttribute(lambda m: Movie.normalized_titles(title=m.title)["title_normalized"])
    titles_normalized = factory.LazyAttribute(
        lambda m: Movie.normalized_titles(title=m.title, original_title=m.original_title)["titles_normalized"]
    )
    original_title = ""
    overview = "A film."
    release_date = datetime.date(2001, 1, 1)
    popularity = factory.Sequence(lambda n: float(1000 - n % 1000))
    vote_average = 7.0
    vote_count = 100
    source = Movie.Source.TMDB
    synced_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def genres(self, create, extracted, **kwargs):
        if create and extracted:
            self.genres.set(extracted)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        names = {key: kwargs.pop(key, None) for key in ("director", "writer", "cast", "keywords")}
        movie = super()._create(model_class, *args, **kwargs)
        if names["director"] or names["writer"] or names["cast"]:
            named = graph.NamedCredits(
                directors=tuple(split_credit_names(names["director"] or "")),
                writers=tuple(split_credit_names(names["writer"] or "")),
                cast=tuple(names["cast"] or ()),
            )
            graph.movies_credits_from_names({movie.pk: named})
        if names["keywords"]:
            graph.movies_keywords_from_names({movie.pk: list(names["keywords"])})
        if any(names.values()):
            movie.refresh_from_db()
        return movie


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Sequence(lambda n: f"User {n}")
    date_of_birth = datetime.date(1990, 1, 1)
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save_password(self, create, extracted, **kwargs):
        if create:
            self.save(update_fields=["password"])


class FavoriteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Favorite

    user = factory.SubFactory(UserFactory)
    movie = factory.SubFactory(MovieFactory)


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    user = factory.SubFactory(UserFactory)
    movie = factory.SubFactory(MovieFactory)
    type = Interaction.Type.LIKED
    rating = None


def liked_at(user, movie, *, days_ago: float) -> Interaction:
    """A like made `days_ago` days ago (the order of a user's likes is what the transitions read)."""
    interaction = InteractionFactory(user=user, movie=movie, type=Interaction.Type.LIKED)
    Interaction.objects.filter(pk=interaction.pk).update(updated_at=timezone.now() - datetime.timedelta(days=days_ago))
    return interaction


def fans_like_in_order(*movies, fans: int) -> None:
    """`fans` new users, each liking `movies` one day apart, in the order given."""
    for _ in range(fans):
        fan = UserFactory()
        for i, movie in enumerate(movies):
            liked_at(fan, movie, days_ago=len(movies) + 1 - i)


class PreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Preference

    user = factory.SubFactory(UserFactory)
