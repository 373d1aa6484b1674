"""The movie shapes every API that returns movies shares (lists, details, recommendations)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from movies.images import image_url
from movies.local_ids import LOCAL_ID_MIN
from movies.models import AvailabilityKind, Collection, Credit, Genre, Movie, Person, WatchProvider
from movies.regions import default_region

PROFILE_SIZE = "w185"
LOGO_SIZE = "w92"
VIDEO_URLS = {"YouTube": "https://www.youtube.com/watch?v={key}", "Vimeo": "https://vimeo.com/{key}"}
PERSON_ID_HELP = (
    f"TMDb's person id, or for a person the bundled catalog knows by name only an id of our own, at least "
    f"{LOCAL_ID_MIN} (2**52) and below 2**53: derived from the name, stable across loads and machines, never "
    f"a TMDb id (TMDb's are below 2**31). Once TMDb takes such a person over, the local id redirects (301) to "
    f"the TMDb id."
)


class GenreSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="tmdb_id", help_text="TMDb genre id.")

    class Meta:
        model = Genre
        fields = ["id", "name"]


class UserStateSerializer(serializers.Serializer):
    """What the signed-in caller has done with a movie."""

    favorite = serializers.BooleanField()
    watchlist = serializers.BooleanField()
    watched = serializers.BooleanField()
    liked = serializers.BooleanField()
    disliked = serializers.BooleanField()
    not_interested = serializers.BooleanField(help_text="Hidden from the caller's recommendation lists.")
    rating = serializers.FloatField(allow_null=True, help_text="The caller's rating, 0.5 to 5; null when unrated.")


# The serializer context key holding the caller's states by TMDb id (users.selectors.movie_states): only views
# answering one caller put it there, after any cache shared between callers.
USER_STATE = "user_state"


def user_state_add(movies: list[dict], states: dict[int, dict] | None) -> None:
    """Add `user_state` to movies already serialised (a page from the shared cache), as the serializer would."""
    if states is not None:
        for movie in movies:
            movie["user_state"] = states[movie["tmdb_id"]]


class MovieSummarySerializer(serializers.ModelSerializer):
    """A movie in a list. Querysets must prefetch `genres` (selectors do)."""

    genres = GenreSerializer(many=True, read_only=True)
    vote_average = serializers.SerializerMethodField()
    poster_url = serializers.SerializerMethodField()
    # Not required: absent for anonymous callers. Filled by to_representation from the context, never from the
    # movie (a movie has no such attribute, so the field itself always skips).
    user_state = UserStateSerializer(
        required=False,
        help_text="Only for signed-in callers: what the caller has done with this movie (absent for anonymous ones).",
    )

    class Meta:
        model = Movie
        fields = [
            "tmdb_id",
            "title",
            "overview",
            "release_date",
            "genres",
            "popularity",
            "vote_average",
            "vote_count",
            "poster_url",
            "user_state",
        ]

    def to_representation(self, movie: Movie) -> dict:
        data = super().to_representation(movie)
        states = self.context.get(USER_STATE)
        if states is not None:
            data["user_state"] = states[movie.tmdb_id]
        return data

    @extend_schema_field(serializers.FloatField(allow_null=True, help_text="0 to 10; null when no one has voted."))
    def get_vote_average(self, movie: Movie) -> float | None:
        # No votes is not a zero rating (TMDb sends 0.0 for an unrated film).
        return movie.vote_average if movie.vote_count else None

    def get_poster_url(self, movie: Movie) -> str | None:
        return image_url(movie.poster_path)


class MovieImagesSerializer(serializers.Serializer):
    poster = serializers.URLField(allow_null=True, help_text="Poster, w500.")
    poster_small = serializers.URLField(allow_null=True, help_text="Poster, w185.")
    poster_original = serializers.URLField(allow_null=True)
    backdrop = serializers.URLField(allow_null=True, help_text="Backdrop, w1280.")
    backdrop_original = serializers.URLField(allow_null=True)


class CastCreditSerializer(serializers.Serializer):
    person_id = serializers.IntegerField(source="person.public_id", help_text=PERSON_ID_HELP)
    name = serializers.CharField(source="person.name")
    character = serializers.CharField()
    order = serializers.IntegerField(help_text="Billing order, from 0.")
    profile_url = serializers.SerializerMethodField()

    def get_profile_url(self, credit: Credit) -> str | None:
        return image_url(credit.person.profile_path, size=PROFILE_SIZE)


class CrewCreditSerializer(serializers.Serializer):
    person_id = serializers.IntegerField(source="person.public_id", help_text=PERSON_ID_HELP)
    name = serializers.CharField(source="person.name")
    job = serializers.CharField()
    department = serializers.CharField()
    profile_url = serializers.SerializerMethodField()

    def get_profile_url(self, credit: Credit) -> str | None:
        return image_url(credit.person.profile_path, size=PROFILE_SIZE)


class MovieCreditsSerializer(serializers.Serializer):
    cast = CastCreditSerializer(many=True, help_text="In billing order.")
    crew = CrewCreditSerializer(many=True)


class CollectionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="tmdb_id", help_text="TMDb collection id (see /api/collections/<id>/).")
    name = serializers.CharField()
    poster_url = serializers.SerializerMethodField()

    def get_poster_url(self, collection: Collection) -> str | None:
        return image_url(collection.poster_path)


class KeywordSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        source="keyword.public_id", help_text="TMDb keyword id (a local id >= 2**52 for a name-only keyword)."
    )
    name = serializers.CharField(source="keyword.name")


class VideoSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The site's video key.")
    site = serializers.CharField(help_text="YouTube, Vimeo, ...")
    type = serializers.CharField(help_text="Trailer, Teaser, Clip, Featurette, ...")
    name = serializers.CharField()
    official = serializers.BooleanField()
    published_at = serializers.CharField(allow_null=True, help_text="ISO 8601, as TMDb gives it.")
    url = serializers.SerializerMethodField(help_text="The watch URL on YouTube or Vimeo; null for other sites.")

    def get_url(self, video: dict) -> str | None:
        template = VIDEO_URLS.get(video.get("site"))
        return template.format(key=video["key"]) if template else None


class ProviderOfferSerializer(serializers.Serializer):
    provider_id = serializers.IntegerField(source="provider.tmdb_id", help_text="TMDb's provider id.")
    provider_name = serializers.CharField(source="provider.name")
    logo_url = serializers.SerializerMethodField()
    display_priority = serializers.IntegerField(help_text="TMDb's order in this region, lowest first.")

    def get_logo_url(self, offer) -> str | None:
        return image_url(offer.provider.logo_path, size=LOGO_SIZE)


class WatchProvidersSerializer(serializers.Serializer):
    region = serializers.CharField(help_text="ISO 3166-1 alpha-2.")
    link = serializers.URLField(allow_null=True, help_text="TMDb's watch page for the movie in that region.")
    flatrate = ProviderOfferSerializer(many=True, help_text="Subscription.")
    rent = ProviderOfferSerializer(many=True)
    buy = ProviderOfferSerializer(many=True)
    free = ProviderOfferSerializer(many=True)
    ads = ProviderOfferSerializer(many=True, help_text="Free with ads.")


class MovieDetailSerializer(MovieSummarySerializer):
    """One movie with everything the mirror knows around it. The instance comes from
    `graph_selectors.movie_graph_prefetch` (credits, keywords, collection and one region's availability)."""

    cast = serializers.ListField(child=serializers.CharField(), help_text="Cast names, in billing order.")
    keywords = serializers.ListField(child=serializers.CharField(), help_text="Keyword names.")
    backdrop_url = serializers.SerializerMethodField()
    images = serializers.SerializerMethodField()
    credits = serializers.SerializerMethodField()
    collection = serializers.SerializerMethodField()
    keyword_list = KeywordSerializer(source="keyword_links", many=True, read_only=True)
    videos = VideoSerializer(many=True, read_only=True, help_text="Official trailers first.")
    watch_providers = serializers.SerializerMethodField()

    class Meta(MovieSummarySerializer.Meta):
        fields = [
            *MovieSummarySerializer.Meta.fields,
            "imdb_id",
            "original_title",
            "original_language",
            "runtime",
            "director",
            "writer",
            "cast",
            "keywords",
            "credits",
            "collection",
            "keyword_list",
            "videos",
            "watch_providers",
            "adult",
            "backdrop_url",
            "images",
            "source",
            "details_synced_at",
        ]

    def get_backdrop_url(self, movie: Movie) -> str | None:
        return image_url(movie.backdrop_path, size="w1280")

    @extend_schema_field(MovieImagesSerializer)
    def get_images(self, movie: Movie) -> dict:
        return {
            "poster": image_url(movie.poster_path),
            "poster_small": image_url(movie.poster_path, size="w185"),
            "poster_original": image_url(movie.poster_path, size="original"),
            "backdrop": image_url(movie.backdrop_path, size="w1280"),
            "backdrop_original": image_url(movie.backdrop_path, size="original"),
        }

    @extend_schema_field(MovieCreditsSerializer)
    def get_credits(self, movie: Movie) -> dict:
        credits = list(movie.credits.all())
        return {
            "cast": CastCreditSerializer([c for c in credits if c.kind == Credit.Kind.CAST], many=True).data,
            "crew": CrewCreditSerializer([c for c in credits if c.kind == Credit.Kind.CREW], many=True).data,
        }

    @extend_schema_field(CollectionRefSerializer(allow_null=True))
    def get_collection(self, movie: Movie) -> dict | None:
        return CollectionRefSerializer(movie.collection).data if movie.collection_id else None

    @extend_schema_field(WatchProvidersSerializer)
    def get_watch_providers(self, movie: Movie) -> dict:
        region = getattr(movie, "watch_region", None) or default_region()
        offers = getattr(movie, "region_availability", None)
        if offers is None:
            offers = list(movie.availability.filter(region=region).select_related("provider"))
        links = getattr(movie, "region_links", None)
        if links is None:
            links = list(movie.watch_regions.filter(region=region))
        body = {"region": region, "link": links[0].link if links and links[0].link else None}
        for kind in AvailabilityKind.values:
            body[kind] = ProviderOfferSerializer([o for o in offers if o.kind == kind], many=True).data
        return body


# --- People, collections, providers ----------------------------------------------------------------


class PersonCastCreditSerializer(MovieSummarySerializer):
    character = serializers.CharField()
    order = serializers.IntegerField(help_text="Billing order in that movie, from 0.")

    class Meta(MovieSummarySerializer.Meta):
        fields = [*MovieSummarySerializer.Meta.fields, "character", "order"]


class PersonCrewCreditSerializer(MovieSummarySerializer):
    job = serializers.CharField()
    department = serializers.CharField()

    class Meta(MovieSummarySerializer.Meta):
        fields = [*MovieSummarySerializer.Meta.fields, "job", "department"]


class PersonMovieCreditsSerializer(serializers.Serializer):
    cast = PersonCastCreditSerializer(many=True, help_text="Newest first (undated last).")
    crew = PersonCrewCreditSerializer(many=True, help_text="Newest first (undated last).")


class PersonSerializer(serializers.Serializer):
    """A person and their movie credits; the instance carries `movie_credit_rows` (graph_selectors)."""

    id = serializers.IntegerField(source="public_id", help_text=PERSON_ID_HELP)
    name = serializers.CharField()
    profile_url = serializers.SerializerMethodField()
    known_for_department = serializers.CharField(help_text="Acting, Directing, Writing, ... (empty when unknown).")
    biography = serializers.CharField()
    birthday = serializers.DateField(allow_null=True)
    deathday = serializers.DateField(allow_null=True)
    place_of_birth = serializers.CharField()
    movie_credits = serializers.SerializerMethodField()

    def get_profile_url(self, person: Person) -> str | None:
        return image_url(person.profile_path, size=PROFILE_SIZE)

    @extend_schema_field(PersonMovieCreditsSerializer)
    def get_movie_credits(self, person: Person) -> dict:
        cast, crew = [], []
        for credit in person.movie_credit_rows:
            movie = credit.movie
            if credit.kind == Credit.Kind.CAST:
                movie.character, movie.order = credit.character, credit.order
                cast.append(PersonCastCreditSerializer(movie).data)
            else:
                movie.job, movie.department = credit.job, credit.department
                crew.append(PersonCrewCreditSerializer(movie).data)
        return {"cast": cast, "crew": crew}


class CollectionSerializer(serializers.Serializer):
    """A collection and its parts; the instance carries `part_rows` (graph_selectors)."""

    id = serializers.IntegerField(source="tmdb_id", help_text="TMDb collection id.")
    name = serializers.CharField()
    overview = serializers.CharField()
    poster_url = serializers.SerializerMethodField()
    backdrop_url = serializers.SerializerMethodField()
    parts = MovieSummarySerializer(source="part_rows", many=True, help_text="In release order (undated last).")

    def get_poster_url(self, collection: Collection) -> str | None:
        return image_url(collection.poster_path)

    def get_backdrop_url(self, collection: Collection) -> str | None:
        return image_url(collection.backdrop_path, size="w1280")


class WatchProviderSerializer(serializers.Serializer):
    provider_id = serializers.IntegerField(source="tmdb_id", help_text="TMDb's provider id.")
    provider_name = serializers.CharField(source="name")
    logo_url = serializers.SerializerMethodField()

    def get_logo_url(self, provider: WatchProvider) -> str | None:
        return image_url(provider.logo_path, size=LOGO_SIZE)


class PersonSummarySerializer(serializers.Serializer):
    """A person in a list (search)."""

    id = serializers.IntegerField(source="public_id", help_text=PERSON_ID_HELP)
    name = serializers.CharField()
    profile_url = serializers.SerializerMethodField()
    known_for_department = serializers.CharField(help_text="Acting, Directing, Writing, ... (empty when unknown).")
    popularity = serializers.FloatField(
        help_text="TMDb's; for a person the bundled catalog knows by name only, the sum of their films' popularity."
    )

    def get_profile_url(self, person: Person) -> str | None:
        return image_url(person.profile_path, size=PROFILE_SIZE)


class CollectionSummarySerializer(serializers.Serializer):
    """A collection in a list (search); `/api/collections/<id>/` has its parts."""

    id = serializers.IntegerField(source="tmdb_id", help_text="TMDb collection id.")
    name = serializers.CharField()
    poster_url = serializers.SerializerMethodField()
    backdrop_url = serializers.SerializerMethodField()

    def get_poster_url(self, collection: Collection) -> str | None:
        return image_url(collection.poster_path)

    def get_backdrop_url(self, collection: Collection) -> str | None:
        return image_url(collection.backdrop_path, size="w1280")


def _media_type(name: str) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=[name], read_only=True, help_text=f"Always `{name}` for this kind.")


class MovieSearchResultSerializer(MovieSummarySerializer):
    media_type = _media_type("movie")

    class Meta(MovieSummarySerializer.Meta):
        fields = ["media_type", *MovieSummarySerializer.Meta.fields]


class PersonSearchResultSerializer(PersonSummarySerializer):
    media_type = _media_type("person")


class CollectionSearchResultSerializer(CollectionSummarySerializer):
    media_type = _media_type("collection")


SEARCH_RESULT_SERIALIZERS = {
    "movie": MovieSearchResultSerializer,
    "person": PersonSearchResultSerializer,
    "collection": CollectionSearchResultSerializer,
}
