"""One TMDb call per movie fills the graph: people and credits, keywords, the collection, videos and watch
availability, from TMDb's real answers (../shared/data/realtmdb/) served by the loopback TMDb."""

from __future__ import annotations

import pytest

from movies import graph
from movies.local_ids import local_id
from movies.models import Collection, Credit, Keyword, Movie, MovieAvailability, MovieWatchRegion, Person
from movies.services import movie_details_sync, movies_upsert_from_tmdb
from movies.tmdb import TmdbClient
from tests.factories import MovieFactory
from tests.fakes import tmdb_graph

pytestmark = pytest.mark.django_db

if tmdb_graph.real_samples_dir() is None:
    pytest.skip("TMDb samples not found (../shared/data/realtmdb or TMDB_SAMPLES_DIR)", allow_module_level=True)


def _sync(tmdb_id: int) -> Movie:
    return movie_details_sync(client=TmdbClient.for_background(), tmdb_id=tmdb_id)


def test_fight_club_arrives_with_its_whole_graph_in_one_call(tmdb):
    tmdb.add_real_movie(550)

    movie = _sync(550)

    assert [c.path for c in tmdb.calls()] == ["/movie/550"]
    assert tmdb.calls()[0].query["append_to_response"] == "credits,keywords,videos,watch/providers"
    assert movie.credits.filter(kind="cast").count() == 76 and movie.credits.filter(kind="crew").count() == 187
    norton = Person.objects.get(tmdb_id=819)
    assert norton.name == "Edward Norton" and norton.known_for_department == "Acting" and norton.local_id is None
    narrator = Credit.objects.get(movie=movie, person=norton, kind="cast")
    assert (narrator.character, narrator.order, narrator.credit_id) == ("Narrator", 0, "52fe4250c3a36847f80149f3")
    assert Person.objects.count() == 258  # one row per person, whatever their number of credits
    assert movie.director == "David Fincher" and movie.writer == "Chuck Palahniuk, Jim Uhls"
    assert movie.cast[:2] == ["Edward Norton", "Brad Pitt"]
    assert list(movie.keyword_links.values_list("keyword__tmdb_id", "keyword__name"))[:2] == [
        (851, "dual identity"),
        (3927, "rage and hate"),
    ]
    assert movie.keywords[0] == "dual identity" and len(movie.keywords) == 14
    assert (movie.runtime, movie.revenue, movie.imdb_id, movie.collection) == (139, 100853753, "tt0137523", None)


def test_videos_are_stored_official_trailers_first(tmdb):
    tmdb.add_real_movie(550)

    movie = _sync(550)

    assert [(v["name"], v["site"], v["official"]) for v in movie.videos] == [
        ("Official Trailer", "YouTube", True),
        ("Fan trailer", "YouTube", False),
        ("Making of", "Vimeo", True),
        ("Teaser", "YouTube", True),
    ]
    assert movie.videos[0]["key"] == "k550v2" and movie.videos[0]["published_at"] == "2020-02-01T17:00:00.000Z"


def test_watch_availability_is_stored_per_region_and_kind(tmdb):
    tmdb.add_real_movie(550)

    movie = _sync(550)

    us = MovieAvailability.objects.filter(movie=movie, region="US")
    assert sorted(us.values_list("kind", "provider__name", "display_priority")) == [
        ("buy", "Apple TV", 4),
        ("flatrate", "Netflix", 0),
        ("free", "Tubi TV", 20),
        ("rent", "Amazon Video", 9),
        ("rent", "Apple TV", 4),
    ]
    assert list(MovieAvailability.objects.filter(movie=movie, region="GB").values_list("provider__tmdb_id")) == [(2,)]
    assert MovieWatchRegion.objects.get(movie=movie, region="US").link.endswith("/movie/550/watch?locale=US")


def test_belongs_to_collection_links_the_movie_to_its_collection(tmdb):
    tmdb.add_real_movie(603)

    movie = _sync(603)

    collection = Collection.objects.get(tmdb_id=2344)
    assert movie.collection == collection
    assert (collection.name, collection.poster_path) == ("The Matrix Collection", "/lh4aGpd3U9rm9B8Oqr6CUgQLtZL.jpg")
    assert collection.parts_synced_at is None  # its parts are fetched when the collection is asked for


def test_a_resync_replaces_the_graph_and_duplicates_nothing(tmdb):
    tmdb.add_real_movie(550)
    _sync(550)
    credits = tmdb_graph.generated_credits(550)
    tmdb.set_appended(
        550,
        credits=credits,
        keywords={"keywords": [{"id": 1721, "name": "fight"}]},
        watch_providers={"results": {"US": {"link": "https://example.org/w", "buy": [{**tmdb_graph.APPLE}]}}},
    )

    movie = _sync(550)

    assert movie.credits.count() == 14 and movie.director == "Director 550"
    assert movie.keywords == ["fight"] and Keyword.objects.get(tmdb_id=1721).movies.get() == movie
    assert list(MovieAvailability.objects.filter(movie=movie).values_list("region", "kind")) == [("US", "buy")]
    assert list(MovieWatchRegion.objects.filter(movie=movie).values_list("region", flat=True)) == ["US"]
    assert Person.objects.filter(tmdb_id=819).exists()  # people stay, their credit here is gone
    assert not Credit.objects.filter(person__tmdb_id=819).exists()


def test_what_an_answer_does_not_carry_is_left_as_it_was(tmdb):
    tmdb.add_movies([7])
    movie = _sync(7)
    body = {k: v for k, v in tmdb._details(7, "credits").items() if k != "credits"}

    movies_upsert_from_tmdb(items=[body], details=True)

    movie.refresh_from_db()
    assert movie.credits.count() == 14 and movie.keyword_links.count() == 2 and len(movie.videos) == 4
    assert MovieAvailability.objects.filter(movie=movie).count() == 6


def test_a_credit_tmdb_lists_twice_is_stored_once(tmdb):
    tmdb.add_movies([7])
    credits = tmdb_graph.generated_credits(7)
    credits["cast"].append(dict(credits["cast"][0]))
    tmdb.set_appended(7, credits=credits)

    movie = _sync(7)

    assert movie.credits.filter(kind="cast").count() == 12


def test_a_sync_takes_over_the_bundled_catalogs_person_of_the_same_name(tmdb):
    MovieFactory(tmdb_id=550, source=Movie.Source.DEMO, director="David Fincher", cast=["Edward Norton"])
    other = MovieFactory(tmdb_id=1903, source=Movie.Source.DEMO, cast=["Edward Norton"])
    local = Person.objects.get(name="Edward Norton")
    tmdb.add_real_movie(550)

    _sync(550)

    local.refresh_from_db()
    assert local.tmdb_id == 819 and local.local_id == local_id("person", "Edward Norton")
    assert Person.objects.filter(name="Edward Norton").count() == 1
    assert other.credits.get().person == local  # the other film's credit follows the person
    assert Person.objects.get(name="David Fincher").tmdb_id == 7467


def test_a_local_person_met_when_the_tmdb_person_exists_already_is_merged_into_it(tmdb):
    tmdb.add_movies([7, 8])
    _sync(7)
    actor = Person.objects.get(name="Actor 7-0")
    MovieFactory(tmdb_id=8, source=Movie.Source.DEMO, cast=["Actor 7-0"])
    elsewhere = MovieFactory(tmdb_id=9, source=Movie.Source.DEMO, cast=["Actor 7-0"])
    credits = tmdb_graph.generated_credits(8)
    credits["cast"][0] = {**tmdb_graph.generated_credits(7)["cast"][0], "credit_id": "8-first", "order": 0}
    tmdb.set_appended(8, credits=credits)

    _sync(8)

    actor.refresh_from_db()
    assert actor.local_id == local_id("person", "Actor 7-0")  # the old id now redirects to this person
    assert Person.objects.filter(name="Actor 7-0").count() == 1
    assert elsewhere.credits.get().person == actor


def test_the_name_columns_are_derived_from_the_rows(tmdb):
    tmdb.add_real_movie(87421)

    movie = _sync(87421)

    rows = movie.credits.order_by("kind", "order", "pk").values_list("kind", "job", "department", "person__name")
    names = movie.keyword_links.order_by("order").values_list("keyword__name", flat=True)
    assert graph.derived_names(rows, names) == {
        "director": movie.director,
        "writer": movie.writer,
        "cast": movie.cast,
        "keywords": movie.keywords,
    }
    assert movie.director == "David Twohy" and movie.cast[0] == "Vin Diesel" and "riddick" in movie.keywords


def test_malformed_parts_of_a_details_answer_are_skipped_not_a_crash(tmdb):
    tmdb.add_movies([7])
    good = tmdb_graph.generated_credits(7)["cast"][0]
    tmdb.set_appended(
        7,
        credits={"cast": [{"name": "no id"}, "junk", {"id": 5}, good], "crew": None},
        keywords={"keywords": [{"id": "x", "name": "bad"}, {"id": 3, "name": "good"}]},
        videos={"results": [{"site": "YouTube"}, {"key": "abc", "site": "YouTube", "type": "Clip"}]},
        watch_providers={"results": {"usa": {}, "US": {"link": None, "flatrate": [{"provider_name": "no id"}, "x"]}}},
    )

    movie = _sync(7)

    assert list(movie.credits.values_list("person__name", flat=True)) == ["Actor 7-0"]
    assert movie.keywords == ["good"] and [v["key"] for v in movie.videos] == ["abc"]
    assert list(MovieWatchRegion.objects.filter(movie=movie).values_list("region", "link")) == [("US", "")]
    assert not MovieAvailability.objects.filter(movie=movie).exists()
