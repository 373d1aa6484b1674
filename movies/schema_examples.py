"""OpenAPI examples of the graph's answers: real answers of a server on the bundled catalog with the loopback
TMDb of the tests standing in for TMDb (docs/walkthrough-movie-page.md), lists shortened to a few items."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

_IMG = "https://image.tmdb.org/t/p"
_NETFLIX = {"provider_id": 8, "provider_name": "Netflix", "logo_url": f"{_IMG}/w92/pbpMk2JmcoNnQwx5JGpXngfoWtp.jpg"}
_APPLE = {"provider_id": 2, "provider_name": "Apple TV", "logo_url": f"{_IMG}/w92/9ghgSC0MA082EL6HLCW3GalykFD.jpg"}
_AMAZON = {
    "provider_id": 10,
    "provider_name": "Amazon Video",
    "logo_url": f"{_IMG}/w92/seGSXajazLMCKGB5hnRCidtjay1.jpg",
}

MOVIE_DETAIL_EXAMPLE = OpenApiExample(
    "Fight Club (the graph's fields, shortened)",
    response_only=True,
    value={
        "tmdb_id": 550,
        "title": "Fight Club",
        "release_date": "1999-10-15",
        "runtime": 139,
        "director": "David Fincher",
        "writer": "Chuck Palahniuk, Jim Uhls",
        "cast": ["Edward Norton", "Brad Pitt", "Helena Bonham Carter"],
        "keywords": ["dual identity", "rage and hate", "based on novel or book"],
        "credits": {
            "cast": [
                {
                    "person_id": 819,
                    "name": "Edward Norton",
                    "character": "Narrator",
                    "order": 0,
                    "profile_url": f"{_IMG}/w185/5XBzD5WuTyVQZeS4VI25z2moMeY.jpg",
                },
                {
                    "person_id": 287,
                    "name": "Brad Pitt",
                    "character": "Tyler Durden",
                    "order": 1,
                    "profile_url": f"{_IMG}/w185/cckcYc2v0yh1tc9QjRelptcOBko.jpg",
                },
            ],
            "crew": [
                {
                    "person_id": 7467,
                    "name": "David Fincher",
                    "job": "Director",
                    "department": "Directing",
                    "profile_url": f"{_IMG}/w185/yV36WTsLBAGyYVUQshNdI8hyk9l.jpg",
                }
            ],
        },
        "collection": None,
        "keyword_list": [{"id": 851, "name": "dual identity"}, {"id": 3927, "name": "rage and hate"}],
        "videos": [
            {
                "key": "k550v2",
                "site": "YouTube",
                "type": "Trailer",
                "name": "Official Trailer",
                "official": True,
                "published_at": "2020-02-01T17:00:00.000Z",
                "url": "https://www.youtube.com/watch?v=k550v2",
            }
        ],
        "watch_providers": {
            "region": "US",
            "link": "https://www.themoviedb.org/movie/550/watch?locale=US",
            "flatrate": [{**_NETFLIX, "display_priority": 0}],
            "rent": [{**_APPLE, "display_priority": 4}, {**_AMAZON, "display_priority": 9}],
            "buy": [{**_APPLE, "display_priority": 4}],
            "free": [],
            "ads": [],
        },
    },
)

PERSON_EXAMPLE = OpenApiExample(
    "Edward Norton (credits shortened)",
    response_only=True,
    value={
        "id": 819,
        "name": "Edward Norton",
        "profile_url": f"{_IMG}/w185/5XBzD5WuTyVQZeS4VI25z2moMeY.jpg",
        "known_for_department": "Acting",
        "biography": "The life of Edward Norton.",
        "birthday": "1969-08-18",
        "deathday": None,
        "place_of_birth": "Boston, Massachusetts, USA",
        "movie_credits": {
            "cast": [
                {
                    "tmdb_id": 550,
                    "title": "Fight Club",
                    "overview": "A ticking-time-bomb insomniac and a slippery soap salesman channel primal male "
                    "aggression into a shocking new form of therapy. (...)",
                    "release_date": "1999-10-15",
                    "genres": [{"id": 18, "name": "Drama"}],
                    "popularity": 93.958,
                    "vote_average": 8.44,
                    "vote_count": 27917,
                    "poster_url": f"{_IMG}/w500/pB8BM7pdSp6B6Ih7QZ4DrQ3PmJK.jpg",
                    "character": "Narrator",
                    "order": 0,
                }
            ],
            "crew": [],
        },
    },
)

COLLECTION_EXAMPLE = OpenApiExample(
    "The Chronicles of Riddick Collection (parts shortened)",
    response_only=True,
    value={
        "id": 2794,
        "name": "The Chronicles of Riddick Collection",
        "overview": "Richard B. Riddick, a dangerous criminal, escapes again and again.",
        "poster_url": f"{_IMG}/w500/4R2zrqk9KzgxU9UDH3yUUsENXR.jpg",
        "backdrop_url": f"{_IMG}/w1280/xb5zyHecWA7UACdiNPXDA3m5HSY.jpg",
        "parts": [
            {
                "tmdb_id": 2055,
                "title": "Pitch Black",
                "overview": "The story of film 2055.",
                "release_date": "2000-02-18",
                "genres": [{"id": 18, "name": "Drama"}, {"id": 878, "name": "Science Fiction"}],
                "popularity": 945.0,
                "vote_average": 7.5,
                "vote_count": 1200,
                "poster_url": f"{_IMG}/w500/poster2055.jpg",
            }
        ],
    },
)

WATCH_PROVIDERS_EXAMPLE = OpenApiExample(
    "US",
    response_only=True,
    value={"count": 3, "next": None, "previous": None, "results": [_NETFLIX, _APPLE, _AMAZON]},
)

SEARCH_EXAMPLE = OpenApiExample(
    "`/api/search/?q=kubrick` on the bundled catalog",
    response_only=True,
    value={
        "count": 4,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": 8963200503863993,
                "name": "Stanley Kubrick",
                "profile_url": None,
                "known_for_department": "Directing",
                "popularity": 279.651,
                "media_type": "person",
            },
            {
                "id": 7286937967523194,
                "name": "Vivian Kubrick",
                "profile_url": None,
                "known_for_department": "Acting",
                "popularity": 117.536,
                "media_type": "person",
            },
            {
                "id": 6925001195638419,
                "name": "Christiane Kubrick",
                "profile_url": None,
                "known_for_department": "Acting",
                "popularity": 47.931,
                "media_type": "person",
            },
            {
                "media_type": "movie",
                "tmdb_id": 30416,
                "title": "Stanley Kubrick: A Life in Pictures",
                "overview": "2001 film directed by Jan Harlan (United States).",
                "release_date": "2001-01-01",
                "genres": [{"id": 99, "name": "Documentary"}],
                "popularity": 1.4,
                "vote_average": 7.4,
                "vote_count": 14,
                "poster_url": None,
            },
        ],
    },
)

PEOPLE_SEARCH_EXAMPLE = OpenApiExample(
    "`/api/people/search/?q=nolan&limit=2` on the bundled catalog",
    response_only=True,
    value={
        "count": 21,
        "next": "http://127.0.0.1:8000/api/people/search/?limit=2&page=2&q=nolan",
        "previous": None,
        "results": [
            {
                "id": 8120433945478719,
                "name": "Christopher Nolan",
                "profile_url": None,
                "known_for_department": "Directing",
                "popularity": 500.907,
            },
            {
                "id": 5421240600937213,
                "name": "Jonathan Nolan",
                "profile_url": None,
                "known_for_department": "Writing",
                "popularity": 292.793,
            },
        ],
    },
)
