"""The graph over HTTP: a movie's credits, collection, keywords, videos and watch providers; person pages;
collections; a region's providers. Offline on the mirror, and against the loopback TMDb's real shapes."""

from __future__ import annotations

import datetime

import pytest

from movies.local_ids import local_id
from movies.models import Collection, Movie, Person
from tests.conftest import client_for
from tests.factories import MovieFactory, UserFactory
from tests.fakes import tmdb_graph

pytestmark = pytest.mark.django_db

needs_samples = pytest.mark.skipif(tmdb_graph.real_samples_dir() is None, reason="TMDb samples not found")


def _ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def _envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["status"] == "error" and body["code"] == code
    return body


# --- Offline: the mirror's own rows ----------------------------------------------------------------


def test_details_of_a_bundled_film_carry_its_people_with_ids_of_our_own(api_client, django_assert_max_num_queries):
    MovieFactory(
        tmdb_id=949, title="Heat", director="Michael Mann", writer="Michael Mann", cast=["Al Pacino", "Robert De Niro"]
    )

    with django_assert_max_num_queries(7):
        body = _ok(api_client.get("/api/movies/949/"))

    mann = local_id("person", "Michael Mann")
    assert body["credits"]["cast"] == [
        {
            "person_id": local_id("person", "Al Pacino"),
            "name": "Al Pacino",
            "character": "",
            "order": 0,
            "profile_url": None,
        },
        {
            "person_id": local_id("person", "Robert De Niro"),
            "name": "Robert De Niro",
            "character": "",
            "order": 1,
            "profile_url": None,
        },
    ]
    assert body["credits"]["crew"] == [
        {"person_id": mann, "name": "Michael Mann", "job": "Director", "department": "Directing", "profile_url": None},
        {"person_id": mann, "name": "Michael Mann", "job": "Writer", "department": "Writing", "profile_url": None},
    ]
    assert (body["director"], body["writer"], body["cast"]) == (
        "Michael Mann",
        "Michael Mann",
        ["Al Pacino", "Robert De Niro"],
    )
    assert (body["collection"], body["keyword_list"], body["videos"]) == (None, [], [])
    assert body["watch_providers"] == {
        "region": "US",
        "link": None,
        "flatrate": [],
        "rent": [],
        "buy": [],
        "free": [],
        "ads": [],
    }


def test_a_bundled_persons_page_lists_their_films_newest_first(api_client, django_assert_max_num_queries):
    MovieFactory(tmdb_id=1, title="Old", release_date=datetime.date(1990, 1, 1), director="Ann Dir")
    MovieFactory(tmdb_id=2, title="New", release_date=datetime.date(2010, 1, 1), director="Ann Dir", cast=["Ann Dir"])
    MovieFactory(tmdb_id=3, title="Undated", release_date=None, writer="Ann Dir")

    with django_assert_max_num_queries(4):
        body = _ok(api_client.get(f"/api/people/{local_id('person', 'Ann Dir')}/"))

    assert (body["id"], body["name"], body["biography"], body["birthday"]) == (
        local_id("person", "Ann Dir"),
        "Ann Dir",
        "",
        None,
    )
    assert [(m["tmdb_id"], m["character"], m["order"]) for m in body["movie_credits"]["cast"]] == [(2, "", 0)]
    assert [(m["tmdb_id"], m["job"]) for m in body["movie_credits"]["crew"]] == [
        (2, "Director"),
        (1, "Director"),
        (3, "Writer"),
    ]
    assert body["movie_credits"]["crew"][0]["title"] == "New" and "genres" in body["movie_credits"]["crew"][0]


def test_every_person_of_a_bundled_film_has_a_page_offline(api_client):
    from movies.demo import demo_catalog_load

    demo_catalog_load()
    heat = _ok(api_client.get("/api/movies/949/"))
    people = {c["person_id"] for c in heat["credits"]["cast"] + heat["credits"]["crew"]}

    assert len(people) > 20
    for person_id in people:
        page = _ok(api_client.get(f"/api/people/{person_id}/"))
        assert 949 in {m["tmdb_id"] for m in page["movie_credits"]["cast"] + page["movie_credits"]["crew"]}


def test_unknown_people_and_collections_are_404_envelopes(api_client, fake_tmdb):
    _envelope(api_client.get("/api/people/424242/"), 404, "not_found")
    _envelope(api_client.get(f"/api/people/{local_id('person', 'Nobody')}/"), 404, "not_found")
    _envelope(api_client.get("/api/collections/2344/"), 404, "not_found")
    assert not fake_tmdb.calls()


def test_a_mirrored_collection_lists_its_parts_in_release_order(api_client, django_assert_max_num_queries):
    matrix = Collection.objects.create(tmdb_id=2344, name="The Matrix Collection", poster_path="/c.jpg")
    for tmdb_id, year in [(605, 2003), (603, 1999), (624860, None), (604, 2003)]:
        MovieFactory(tmdb_id=tmdb_id, collection=matrix, release_date=datetime.date(year, 5, 1) if year else None)
    MovieFactory(tmdb_id=1, collection=matrix, adult=True)

    with django_assert_max_num_queries(3):
        body = _ok(api_client.get("/api/collections/2344/"))

    assert [p["tmdb_id"] for p in body["parts"]] == [603, 604, 605, 624860]
    assert body["name"] == "The Matrix Collection" and body["poster_url"].endswith("/w500/c.jpg")
    details = _ok(api_client.get("/api/movies/603/"))
    assert details["collection"] == {"id": 2344, "name": "The Matrix Collection", "poster_url": body["poster_url"]}


def test_adult_films_stay_hidden_on_person_pages_unless_the_caller_is_an_adult(api_client):
    MovieFactory(tmdb_id=1, cast=["Bo Actor"])
    MovieFactory(tmdb_id=2, cast=["Bo Actor"], adult=True)
    path = f"/api/people/{local_id('person', 'Bo Actor')}/"

    anonymous = _ok(api_client.get(path))
    adult = _ok(client_for(UserFactory(date_of_birth=datetime.date(1980, 1, 1))).get(path))

    assert [m["tmdb_id"] for m in anonymous["movie_credits"]["cast"]] == [1]
    assert sorted(m["tmdb_id"] for m in adult["movie_credits"]["cast"]) == [1, 2]


def test_no_votes_is_no_rating(api_client):
    MovieFactory(tmdb_id=5, vote_count=0, vote_average=0)

    assert _ok(api_client.get("/api/movies/5/"))["vote_average"] is None


@pytest.mark.parametrize("query", ["region=ZZ", "region=USA", "region=1", "region="])
def test_a_bad_region_is_a_400_naming_region(api_client, query):
    MovieFactory(tmdb_id=5)

    for path in ["/api/movies/5/", "/api/watch-providers/"]:
        body = _envelope(api_client.get(f"{path}?{query}"), 400, "invalid")
        assert list(body["errors"]) == ["region"]


# --- Against the loopback TMDb (real answers) ------------------------------------------------------


@needs_samples
def test_details_from_tmdb_carry_the_whole_graph(api_client, tmdb):
    tmdb.add_real_movie(550)

    body = _ok(api_client.get("/api/movies/550/?region=gb"))

    assert len(tmdb.calls("/movie/550")) == 1
    norton = body["credits"]["cast"][0]
    assert norton == {
        "person_id": 819,
        "name": "Edward Norton",
        "character": "Narrator",
        "order": 0,
        "profile_url": "https://image.tmdb.org/t/p/w185/5XBzD5WuTyVQZeS4VI25z2moMeY.jpg",
    }
    assert {"person_id": 7467, "name": "David Fincher", "job": "Director", "department": "Directing"}.items() <= (
        next(c for c in body["credits"]["crew"] if c["job"] == "Director").items()
    )
    assert body["keyword_list"][0] == {"id": 851, "name": "dual identity"} and body["keywords"][0] == "dual identity"
    assert [(v["type"], v["official"], v["url"]) for v in body["videos"][:2]] == [
        ("Trailer", True, "https://www.youtube.com/watch?v=k550v2"),
        ("Trailer", False, "https://www.youtube.com/watch?v=k550v1"),
    ]
    assert body["videos"][2]["url"] == "https://vimeo.com/k550v3"
    assert body["watch_providers"]["region"] == "GB" and body["watch_providers"]["link"].endswith("locale=GB")
    assert [p["provider_name"] for p in body["watch_providers"]["rent"]] == ["Apple TV"]
    assert body["watch_providers"]["flatrate"] == body["watch_providers"]["buy"] == []


@needs_samples
def test_us_providers_are_the_default_in_display_priority_order(api_client, tmdb, django_assert_max_num_queries):
    tmdb.add_real_movie(550)
    api_client.get("/api/movies/550/")

    with django_assert_max_num_queries(7):
        body = _ok(api_client.get("/api/movies/550/"))

    offers = body["watch_providers"]
    assert offers["region"] == "US"
    assert [(p["provider_name"], p["display_priority"]) for p in offers["rent"]] == [
        ("Apple TV", 4),
        ("Amazon Video", 9),
    ]
    assert offers["flatrate"][0] == {
        "provider_id": 8,
        "provider_name": "Netflix",
        "logo_url": "https://image.tmdb.org/t/p/w92/pbpMk2JmcoNnQwx5JGpXngfoWtp.jpg",
        "display_priority": 0,
    }


@needs_samples
def test_a_person_is_fetched_through_once_with_their_credits(api_client, tmdb, django_assert_max_num_queries):
    tmdb.add_real_movie(550)
    api_client.get("/api/movies/550/")

    first = _ok(api_client.get("/api/people/819/"))
    with django_assert_max_num_queries(4):
        second = _ok(api_client.get("/api/people/819/"))

    assert [c.path for c in tmdb.calls("/person")] == ["/person/819"]
    assert tmdb.calls("/person")[0].query["append_to_response"] == "movie_credits"
    assert first == second
    assert (first["id"], first["name"], first["known_for_department"]) == (819, "Edward Norton", "Acting")
    assert first["biography"] == "The life of Edward Norton." and first["birthday"] == "1969-08-18"
    assert [(m["tmdb_id"], m["character"]) for m in first["movie_credits"]["cast"]] == [(550, "Narrator")]
    assert Person.objects.get(tmdb_id=819).details_synced_at is not None


@needs_samples
def test_a_person_not_mirrored_is_fetched_with_the_movies_they_are_credited_on(api_client, tmdb):
    tmdb.add_real_movie(550)
    tmdb.add_real_movie(87421)  # nothing mirrored yet: the person's answer brings both films

    body = _ok(api_client.get("/api/people/7467/"))

    assert [(m["tmdb_id"], m["job"]) for m in body["movie_credits"]["crew"]] == [(550, "Director")]
    assert Movie.objects.filter(tmdb_id=550).exists() and not Movie.objects.filter(tmdb_id=87421).exists()
    assert Movie.objects.get(tmdb_id=550).director == "David Fincher"


def test_a_local_id_tmdb_took_over_redirects_to_the_tmdb_id(api_client, tmdb):
    MovieFactory(tmdb_id=7, source=Movie.Source.DEMO, director="Director 7")
    tmdb.add_movies([7])
    api_client.get("/api/movies/7/")  # the sync meets Director 7 by TMDb id

    response = api_client.get(f"/api/people/{local_id('person', 'Director 7')}/?x=1")

    assert response.status_code == 301 and response["Location"] == "/api/people/10000007/?x=1"
    assert _ok(api_client.get(response["Location"]))["name"] == "Director 7"


def test_tmdb_down_serves_a_mirrored_person_stale_and_an_unmirrored_one_is_a_503(api_client, tmdb):
    tmdb.add_movies([7])
    api_client.get("/api/movies/7/")
    tmdb.fail("/person", status=503)

    mirrored = api_client.get("/api/people/10000007/")
    missing = api_client.get("/api/people/999999/")

    assert mirrored.status_code == 200 and mirrored["X-Cache-Stale"] == "1"
    assert [m["tmdb_id"] for m in mirrored.json()["movie_credits"]["crew"]] == [7]
    assert missing.status_code == 503 and int(missing["Retry-After"]) >= 1


def test_tmdb_not_knowing_a_mirrored_person_still_shows_our_row(api_client, tmdb):
    MovieFactory(tmdb_id=7, cast=["Someone"])
    Person.objects.filter(name="Someone").update(tmdb_id=55555)

    body = _ok(api_client.get("/api/people/55555/"))

    assert body["name"] == "Someone" and len(tmdb.calls("/person/55555")) == 1


@needs_samples
def test_a_collection_is_fetched_through_with_its_parts_in_release_order(
    api_client, tmdb, django_assert_max_num_queries
):
    tmdb.add_real_movie(603)
    tmdb.add_movies([604], title="The Matrix Reloaded", release_date="2003-05-15")
    tmdb.add_movies([605], title="The Matrix Revolutions", release_date="2003-11-05")
    matrix = tmdb.details_extra[603]["belongs_to_collection"]
    tmdb.set_collection({**matrix, "overview": "The Matrix films."}, [603, 605, 604])

    first = _ok(api_client.get("/api/collections/2344/"))
    with django_assert_max_num_queries(3):
        second = _ok(api_client.get("/api/collections/2344/"))

    assert first == second and len(tmdb.calls("/collection")) == 1
    assert [p["tmdb_id"] for p in first["parts"]] == [603, 604, 605]
    assert (first["id"], first["name"], first["overview"]) == (2344, "The Matrix Collection", "The Matrix films.")
    assert first["backdrop_url"].endswith("/w1280/RhUxjzNojIJsdZSYTn0CQvdKsn.jpg")
    assert set(Movie.objects.filter(collection__tmdb_id=2344).values_list("tmdb_id", flat=True)) == {603, 604, 605}


def test_a_movie_tmdb_no_longer_lists_leaves_the_collection(api_client, tmdb):
    collection = {"id": 70, "name": "Seven Collection"}
    tmdb.set_collection(collection, [7])
    stale = MovieFactory(tmdb_id=8, collection=Collection.objects.create(tmdb_id=70, name="Seven Collection"))

    body = _ok(api_client.get("/api/collections/70/"))

    assert [p["tmdb_id"] for p in body["parts"]] == [7]
    stale.refresh_from_db()
    assert stale.collection is None


def test_the_providers_of_a_region_are_those_seen_on_mirrored_movies(api_client, tmdb):
    tmdb.add_movies([7, 8])
    tmdb.set_appended(
        8, watch_providers={"results": {"US": {"link": "", "ads": [{**tmdb_graph.TUBI, "display_priority": 1}]}}}
    )
    api_client.get("/api/movies/7/")
    api_client.get("/api/movies/8/")

    us = _ok(api_client.get("/api/watch-providers/"))
    gb = _ok(api_client.get("/api/watch-providers/?region=gb&limit=1"))

    assert [p["provider_name"] for p in us["results"]] == ["Netflix", "Tubi TV", "Apple TV", "Amazon Video"]
    assert us["results"][0] == {
        "provider_id": 8,
        "provider_name": "Netflix",
        "logo_url": "https://image.tmdb.org/t/p/w92/pbpMk2JmcoNnQwx5JGpXngfoWtp.jpg",
    }
    assert (gb["count"], [p["provider_id"] for p in gb["results"]]) == (1, [2])
    assert _ok(api_client.get("/api/watch-providers/?region=FR"))["results"] == []


def test_default_region_comes_from_settings(api_client, tmdb, settings):
    settings.DEFAULT_REGION = "GB"
    tmdb.add_movies([7])

    body = _ok(api_client.get("/api/movies/7/"))

    assert body["watch_providers"]["region"] == "GB" and [
        p["provider_id"] for p in body["watch_providers"]["rent"]
    ] == [2]
