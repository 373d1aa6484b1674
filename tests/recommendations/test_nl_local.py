"""The local engine alone (no LLM configured) answers plain requests: a query set with expected properties.

The catalog is hand-made: real titles with their TMDb genres, years, directors and cast. Each query names a
property every result must have (or the first result, where only one or two movies can qualify).
"""

from __future__ import annotations

import datetime
import threading
from types import SimpleNamespace

import pytest

from movies.genres import TMDB_GENRES
from movies.models import Genre, Movie
from recommendations import nl
from recommendations.models import RecommendationLog
from tests.factories import FavoriteFactory, GenreFactory, InteractionFactory, MovieFactory, UserFactory

SF, ACTION, ADV, ANIM, COMEDY, CRIME, DRAMA, FAMILY = 878, 28, 12, 16, 35, 80, 18, 10751
FANTASY, HISTORY, HORROR, MYSTERY, ROMANCE, THRILLER, WAR, WESTERN = 14, 36, 27, 9648, 10749, 53, 10752, 37

# title, year, genres, director, cast, keywords, popularity, vote average
CATALOG = [
    ("The Matrix", 1999, [SF, ACTION], "Lana Wachowski", ["Keanu Reeves", "Carrie-Anne Moss"], ["simulation"], 80, 8.2),
    (
        "Terminator 2: Judgment Day",
        1991,
        [SF, ACTION],
        "James Cameron",
        ["Arnold Schwarzenegger", "Linda Hamilton"],
        [],
        60,
        8.1,
    ),
    ("Jurassic Park", 1993, [SF, ADV], "Steven Spielberg", ["Sam Neill", "Laura Dern"], ["dinosaur"], 70, 7.9),
    ("Gattaca", 1997, [SF, DRAMA], "Andrew Niccol", ["Ethan Hawke", "Uma Thurman"], ["genetics"], 30, 7.5),
    ("Contact", 1997, [SF, DRAMA, MYSTERY], "Robert Zemeckis", ["Jodie Foster"], ["alien"], 25, 7.4),
    ("The Fifth Element", 1997, [SF, ACTION, ADV], "Luc Besson", ["Bruce Willis", "Milla Jovovich"], [], 40, 7.5),
    (
        "Twelve Monkeys",
        1995,
        [SF, THRILLER, MYSTERY],
        "Terry Gilliam",
        ["Bruce Willis", "Madeleine Stowe"],
        ["time travel"],
        35,
        7.6,
    ),
    ("Alien", 1979, [SF, HORROR], "Ridley Scott", ["Sigourney Weaver"], ["alien", "space"], 65, 8.1),
    ("Aliens", 1986, [SF, ACTION, THRILLER], "James Cameron", ["Sigourney Weaver"], ["alien", "space"], 55, 7.9),
    ("Blade Runner", 1982, [SF, DRAMA], "Ridley Scott", ["Harrison Ford"], ["android"], 50, 7.9),
    (
        "Inception",
        2010,
        [SF, ACTION, THRILLER],
        "Christopher Nolan",
        ["Leonardo DiCaprio"],
        ["dream", "heist"],
        90,
        8.4,
    ),
    (
        "Interstellar",
        2014,
        [SF, DRAMA, ADV],
        "Christopher Nolan",
        ["Matthew McConaughey", "Anne Hathaway"],
        ["space"],
        88,
        8.4,
    ),
    ("Arrival", 2016, [SF, DRAMA], "Denis Villeneuve", ["Amy Adams"], ["alien"], 45, 7.6),
    ("Dune", 2021, [SF, ADV], "Denis Villeneuve", ["Timothée Chalamet", "Zendaya"], ["desert"], 85, 7.8),
    ("Tenet", 2020, [SF, ACTION, THRILLER], "Christopher Nolan", ["John David Washington"], ["time travel"], 60, 7.2),
    (
        "Everything Everywhere All at Once",
        2022,
        [SF, ACTION, COMEDY],
        "Daniel Kwan",
        ["Michelle Yeoh"],
        ["multiverse"],
        70,
        7.8,
    ),
    ("Nope", 2022, [SF, HORROR, MYSTERY], "Jordan Peele", ["Daniel Kaluuya", "Keke Palmer"], ["ufo"], 40, 6.9),
    ("Forrest Gump", 1994, [COMEDY, DRAMA, ROMANCE], "Robert Zemeckis", ["Tom Hanks", "Robin Wright"], [], 85, 8.5),
    ("Cast Away", 2000, [ADV, DRAMA], "Robert Zemeckis", ["Tom Hanks", "Helen Hunt"], ["island"], 50, 7.7),
    ("Toy Story", 1995, [ANIM, FAMILY, COMEDY], "John Lasseter", ["Tom Hanks", "Tim Allen"], ["toy"], 75, 8.0),
    (
        "Saving Private Ryan",
        1998,
        [DRAMA, WAR],
        "Steven Spielberg",
        ["Tom Hanks", "Matt Damon"],
        ["world war ii"],
        65,
        8.2,
    ),
    ("Big", 1988, [COMEDY, FANTASY, FAMILY], "Penny Marshall", ["Tom Hanks"], [], 30, 7.2),
    ("Apollo 13", 1995, [DRAMA, HISTORY], "Ron Howard", ["Tom Hanks", "Kevin Bacon"], ["space"], 40, 7.6),
    (
        "The Green Mile",
        1999,
        [FANTASY, DRAMA, CRIME],
        "Frank Darabont",
        ["Tom Hanks", "Michael Clarke Duncan"],
        [],
        70,
        8.5,
    ),
    (
        "The Shining",
        1980,
        [HORROR, THRILLER],
        "Stanley Kubrick",
        ["Jack Nicholson", "Shelley Duvall"],
        ["hotel"],
        60,
        8.2,
    ),
    ("Halloween", 1978, [HORROR, THRILLER], "John Carpenter", ["Jamie Lee Curtis"], ["slasher"], 45, 7.5),
    ("Get Out", 2017, [HORROR, MYSTERY, THRILLER], "Jordan Peele", ["Daniel Kaluuya"], [], 60, 7.6),
    ("Hereditary", 2018, [HORROR, MYSTERY], "Ari Aster", ["Toni Collette"], ["cult"], 50, 7.3),
    ("The Exorcist", 1973, [HORROR], "William Friedkin", ["Ellen Burstyn"], ["possession"], 40, 7.7),
    ("Scream", 1996, [HORROR, MYSTERY], "Wes Craven", ["Neve Campbell"], ["slasher"], 45, 7.3),
    ("Superbad", 2007, [COMEDY], "Greg Mottola", ["Jonah Hill", "Michael Cera"], [], 50, 7.2),
    (
        "Groundhog Day",
        1993,
        [COMEDY, FANTASY, ROMANCE],
        "Harold Ramis",
        ["Bill Murray", "Andie MacDowell"],
        ["time loop"],
        45,
        7.8,
    ),
    ("The Grand Budapest Hotel", 2014, [COMEDY, DRAMA], "Wes Anderson", ["Ralph Fiennes"], ["hotel"], 55, 8.0),
    ("Airplane!", 1980, [COMEDY], "Jim Abrahams", ["Leslie Nielsen"], ["parody"], 35, 7.2),
    ("Some Like It Hot", 1959, [COMEDY, ROMANCE], "Billy Wilder", ["Marilyn Monroe", "Jack Lemmon"], [], 25, 8.0),
    ("Bridesmaids", 2011, [COMEDY], "Paul Feig", ["Kristen Wiig"], ["wedding"], 35, 6.8),
    (
        "When Harry Met Sally...",
        1989,
        [COMEDY, ROMANCE, DRAMA],
        "Rob Reiner",
        ["Billy Crystal", "Meg Ryan"],
        [],
        40,
        7.6,
    ),
    ("Notting Hill", 1999, [ROMANCE, COMEDY, DRAMA], "Roger Michell", ["Julia Roberts", "Hugh Grant"], [], 45, 7.2),
    ("Crazy Rich Asians", 2018, [COMEDY, ROMANCE], "Jon M. Chu", ["Constance Wu"], ["wedding"], 40, 6.9),
    ("Finding Nemo", 2003, [ANIM, FAMILY], "Andrew Stanton", ["Albert Brooks", "Ellen DeGeneres"], ["fish"], 75, 7.8),
    ("Frozen", 2013, [ANIM, FAMILY, ADV, FANTASY], "Chris Buck", ["Kristen Bell", "Idina Menzel"], ["snow"], 80, 7.3),
    ("Paddington 2", 2017, [ADV, COMEDY, FAMILY], "Paul King", ["Ben Whishaw", "Hugh Grant"], ["bear"], 40, 7.6),
    ("Spirited Away", 2001, [ANIM, FAMILY, FANTASY], "Hayao Miyazaki", ["Rumi Hiiragi"], ["spirit"], 70, 8.5),
    ("The Lion King", 1994, [ANIM, FAMILY, DRAMA], "Roger Allers", ["Matthew Broderick"], ["lion"], 80, 8.3),
    ("Coco", 2017, [ANIM, FAMILY, COMEDY], "Lee Unkrich", ["Anthony Gonzalez"], ["music"], 65, 8.2),
    (
        "Shrek",
        2001,
        [ANIM, COMEDY, FAMILY, FANTASY],
        "Andrew Adamson",
        ["Mike Myers", "Eddie Murphy"],
        ["ogre"],
        70,
        7.7,
    ),
    ("Point Break", 1991, [ACTION, CRIME], "Kathryn Bigelow", ["Keanu Reeves", "Patrick Swayze"], ["surfing"], 45, 7.1),
    ("The Fugitive", 1993, [ACTION, THRILLER], "Andrew Davis", ["Harrison Ford", "Tommy Lee Jones"], [], 45, 7.4),
    ("Speed", 1994, [ACTION, THRILLER, CRIME], "Jan de Bont", ["Keanu Reeves", "Sandra Bullock"], ["bus"], 50, 7.3),
    (
        "Heat",
        1995,
        [CRIME, DRAMA, ACTION],
        "Michael Mann",
        ["Al Pacino", "Robert De Niro"],
        ["heist", "bank robbery"],
        55,
        8.0,
    ),
    ("The Godfather", 1972, [DRAMA, CRIME], "Francis Ford Coppola", ["Marlon Brando", "Al Pacino"], ["mafia"], 85, 8.7),
    ("Pulp Fiction", 1994, [THRILLER, CRIME], "Quentin Tarantino", ["John Travolta", "Uma Thurman"], [], 80, 8.5),
    (
        "Se7en",
        1995,
        [CRIME, MYSTERY, THRILLER],
        "David Fincher",
        ["Brad Pitt", "Morgan Freeman"],
        ["serial killer"],
        70,
        8.4,
    ),
    (
        "The Dark Knight",
        2008,
        [DRAMA, ACTION, CRIME, THRILLER],
        "Christopher Nolan",
        ["Christian Bale"],
        ["superhero"],
        95,
        8.5,
    ),
    (
        "Ocean's Eleven",
        2001,
        [THRILLER, CRIME],
        "Steven Soderbergh",
        ["George Clooney", "Brad Pitt"],
        ["heist", "casino"],
        60,
        7.5,
    ),
    ("Memento", 2000, [MYSTERY, THRILLER], "Christopher Nolan", ["Guy Pearce"], ["amnesia"], 50, 8.2),
    ("Casablanca", 1942, [DRAMA, ROMANCE], "Michael Curtiz", ["Humphrey Bogart", "Ingrid Bergman"], [], 40, 8.2),
    ("The Good, the Bad and the Ugly", 1966, [WESTERN], "Sergio Leone", ["Clint Eastwood"], [], 50, 8.5),
    ("Unforgiven", 1992, [WESTERN], "Clint Eastwood", ["Clint Eastwood", "Gene Hackman"], [], 40, 7.9),
    ("Dunkirk", 2017, [WAR, ACTION, DRAMA], "Christopher Nolan", ["Fionn Whitehead"], ["world war ii"], 60, 7.5),
    ("Amélie", 2001, [COMEDY, ROMANCE], "Jean-Pierre Jeunet", ["Audrey Tautou"], ["paris"], 55, 7.9),
    ("The Intouchables", 2011, [DRAMA, COMEDY], "Olivier Nakache", ["François Cluzet", "Omar Sy"], [], 50, 8.3),
    ("La Haine", 1995, [DRAMA, CRIME], "Mathieu Kassovitz", ["Vincent Cassel"], ["paris"], 30, 8.0),
    ("Parasite", 2019, [COMEDY, THRILLER, DRAMA], "Bong Joon-ho", ["Song Kang-ho"], ["class"], 70, 8.5),
    ("Oldboy", 2003, [DRAMA, THRILLER, MYSTERY], "Park Chan-wook", ["Choi Min-sik"], ["revenge"], 45, 8.2),
    ("Mamma Mia!", 2008, [COMEDY, ROMANCE, 10402], "Phyllida Lloyd", ["Meryl Streep"], ["musical"], 45, 6.6),
]
ADULT_TITLE = "Private Matters After Dark"
LANGUAGE_OF = {"Amélie": "fr", "The Intouchables": "fr", "La Haine": "fr", "Parasite": "ko", "Oldboy": "ko"}


def build_catalog(extra: int = 0) -> dict[str, Movie]:
    """The hand-made catalog (+ `extra` filler dramas from 1960-2019) and one adult title; {title: movie}."""
    genres = {tmdb_id: GenreFactory(tmdb_id=tmdb_id, name=name) for tmdb_id, name in TMDB_GENRES.items()}
    genres[10402] = GenreFactory(tmdb_id=10402, name="Music")
    movies = {}
    for n, (title, year, genre_ids, director, cast, keywords, popularity, vote) in enumerate(CATALOG):
        movies[title] = MovieFactory(
            tmdb_id=1000 + n,
            title=title,
            overview="",
            release_date=datetime.date(year, 6, 1),
            director=director,
            cast=cast,
            keywords=keywords,
            popularity=popularity,
            vote_average=vote,
            vote_count=int(popularity * 100),
            genres=[genres[g] for g in genre_ids],
            original_language=LANGUAGE_OF.get(title, "en"),
        )
    movies[ADULT_TITLE] = MovieFactory(
        tmdb_id=999_999,
        title=ADULT_TITLE,
        release_date=datetime.date(2015, 1, 1),
        adult=True,
        popularity=500,
        vote_average=6.0,
        genres=[genres[DRAMA], genres[ROMANCE]],
    )
    filler = [
        Movie(
            tmdb_id=500_000 + i,
            title=f"Filler Drama {i}",
            release_date=datetime.date(1960 + i % 60, 1, 1),
            popularity=1 + (i % 20),
            vote_average=5 + (i % 4),
            vote_count=10 + i % 50,
            director=f"Director {i % 97}",
            cast=[f"Actor {i % 89}", f"Actress {i % 83}"],
        )
        for i in range(extra)
    ]
    if filler:
        created = Movie.objects.bulk_create(filler, batch_size=500)
        through = Movie.genres.through
        through.objects.bulk_create(
            [through(movie_id=m.pk, genre_id=genres[DRAMA].pk) for m in created], batch_size=1000
        )
    return movies


@pytest.fixture
def catalog(db, settings):
    settings.OPENAI_API_KEY = ""
    return build_catalog()


def genre_names(movie: Movie) -> set[str]:
    return {g.name for g in movie.genres.all()}


def ask(query: str, limit: int = 5, user=None) -> nl.NlAnswer:
    answer = nl.nl_recommend(query=query, limit=limit, user=user)
    assert answer.source == "fallback"
    assert answer.results, f"no results for {query!r}"
    return answer


def every(answer: nl.NlAnswer, predicate) -> list[str]:
    """Titles of results that break `predicate` (empty when all hold)."""
    return [r.movie.title for r in answer.results if not predicate(r.movie)]


def year(movie: Movie) -> int:
    return movie.release_date.year


# (query, limit, property every result has, description)
QUERY_SET = [
    ("90s sci-fi", 5, lambda m: "Science Fiction" in genre_names(m) and 1990 <= year(m) <= 1999),
    ("Tom Hanks movies", 5, lambda m: "Tom Hanks" in m.cast),
    ("something scary", 5, lambda m: genre_names(m) & {"Horror", "Thriller"}),
    ("I want something funny", 5, lambda m: "Comedy" in genre_names(m)),
    ("a movie for kids", 5, lambda m: genre_names(m) & {"Family", "Animation"} and "Horror" not in genre_names(m)),
    (
        "feel-good movie for a rainy day",
        5,
        lambda m: (
            genre_names(m) & {"Comedy", "Family", "Animation", "Romance", "Music"}
            and not genre_names(m) & {"Horror", "War"}
        ),
    ),
    ("old classics", 5, lambda m: year(m) < 1980),
    ("recent science fiction", 3, lambda m: "Science Fiction" in genre_names(m) and year(m) >= 2018),
    ("Christopher Nolan films", 5, lambda m: m.director == "Christopher Nolan"),
    ("a rom-com", 5, lambda m: {"Romance", "Comedy"} <= genre_names(m)),
    ("a thriller, no horror please", 5, lambda m: "Thriller" in genre_names(m) and "Horror" not in genre_names(m)),
    ("best movies of the 1980s", 5, lambda m: 1980 <= year(m) <= 1989),
    ("heist movies", 3, lambda m: "heist" in m.keywords),
    ("animated family movies from the 2000s", 3, lambda m: "Animation" in genre_names(m) and 2000 <= year(m) <= 2009),
    ("westerns with Clint Eastwood", 2, lambda m: "Western" in genre_names(m) and "Clint Eastwood" in m.cast),
    ("dark crime thriller", 5, lambda m: genre_names(m) & {"Crime", "Thriller"}),
    (
        "movies like Heat",
        5,
        lambda m: (
            m.title != "Heat"
            and (
                len(genre_names(m) & {"Crime", "Drama", "Action"}) >= 2
                or {"Al Pacino", "Robert De Niro"} & set(m.cast)
                or "heist" in m.keywords
            )
        ),
    ),
    ("best war movies", 2, lambda m: "War" in genre_names(m)),
    ("early 90s action", 3, lambda m: "Action" in genre_names(m) and 1990 <= year(m) <= 1994),
    ("scifi with Sigourney Weaver", 2, lambda m: "Sigourney Weaver" in m.cast),
    ("a French comedy", 2, lambda m: m.original_language == "fr" and "Comedy" in genre_names(m)),
    ("korean thrillers", 2, lambda m: m.original_language == "ko" and "Thriller" in genre_names(m)),
]


@pytest.mark.parametrize(("query", "limit", "predicate"), QUERY_SET, ids=[q for q, _, _ in QUERY_SET])
def test_query_set_every_result_has_the_asked_property(catalog, query, limit, predicate):
    answer = ask(query, limit)
    assert len(answer.results) == limit
    assert every(answer, predicate) == []
    assert answer.fallback_reason == "not_configured"
    assert all(r.reason for r in answer.results)


def test_results_are_ordered_best_first_with_scores_in_unit_range(catalog):
    answer = ask("90s sci-fi", 7)
    scores = [r.score for r in answer.results]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == 1.0 and all(0 <= s <= 1 for s in scores)


def test_interpretation_says_what_was_understood(catalog):
    answer = ask("feel-good 90s sci-fi with Tom Hanks for kids, no horror")
    understood = answer.interpretation
    assert understood["genres"] == ["Science Fiction"]
    assert understood["moods"] == ["feel-good"]
    assert understood["people"] == ["Tom Hanks"]
    assert (understood["year_from"], understood["year_to"]) == (1990, 1999)
    assert understood["audience"] == "family"
    assert understood["exclude_genres"] == ["Horror"]


def test_a_query_matching_nothing_still_answers_from_popularity(catalog):
    answer = ask("xyzzy plugh qwerty", 5)
    assert len(answer.results) == 5
    assert answer.results[0].movie.title == "The Dark Knight"  # the most popular visible title


def test_reason_names_what_matched(catalog):
    answer = ask("Tom Hanks movies from the 90s", 3)
    assert "with Tom Hanks" in answer.results[0].reason.lower().replace("tom hanks", "Tom Hanks")
    assert "from 199" in answer.results[0].reason


def test_anonymous_callers_never_get_adult_titles(catalog):
    answer = ask("romantic drama after dark", 50)
    assert ADULT_TITLE not in [r.movie.title for r in answer.results]


def test_adult_users_may_get_adult_titles(catalog):
    adult = UserFactory(date_of_birth=datetime.date(1980, 1, 1))
    answer = ask("private matters after dark", 5, user=adult)
    assert answer.results[0].movie.title == ADULT_TITLE


def test_seen_titles_are_skipped_for_a_logged_in_caller(catalog):
    user = UserFactory()
    FavoriteFactory(user=user, movie=catalog["The Matrix"])
    InteractionFactory(user=user, movie=catalog["Jurassic Park"], type="watched")
    InteractionFactory(user=user, movie=catalog["Gattaca"], type="rated", rating="4.5")
    InteractionFactory(user=user, movie=catalog["Contact"], type="disliked")
    answer = ask("90s sci-fi", 10, user=user)
    titles = {r.movie.title for r in answer.results}
    assert not titles & {"The Matrix", "Jurassic Park", "Gattaca", "Contact"}
    assert "Terminator 2: Judgment Day" in titles


def test_profile_tilts_an_open_request_towards_liked_genres(catalog):
    user = UserFactory()
    for title in ("The Shining", "Halloween", "Get Out"):
        InteractionFactory(user=user, movie=catalog[title], type="liked")

    def horror_count(answer):
        return sum("Horror" in genre_names(r.movie) for r in answer.results)

    anonymous = ask("something from the 2010s", 6)
    personal = ask("something from the 2010s", 6, user=user)
    assert horror_count(personal) > horror_count(anonymous)
    assert "Hereditary" in [r.movie.title for r in personal.results]


def test_every_answer_is_logged(catalog):
    user = UserFactory()
    ask("90s sci-fi", 3, user=user)
    log = RecommendationLog.objects.get()
    assert log.kind == RecommendationLog.Kind.NATURAL_LANGUAGE
    assert (log.algorithm, log.source, log.query, log.prompt_version) == ("local", "fallback", "90s sci-fi", "nl-v2")
    assert log.user == user and len(log.movie_ids) == 3


def test_empty_catalog_answers_an_empty_list_without_error(db, settings):
    settings.OPENAI_API_KEY = ""
    answer = nl.nl_recommend(query="anything", limit=5)
    assert answer.results == [] and answer.fallback_reason == "no_candidates"


def test_candidate_set_is_bounded_and_comes_from_the_index_not_a_catalog_scan(
    db, settings, django_assert_max_num_queries
):
    settings.OPENAI_API_KEY = ""
    build_catalog(extra=400)
    nl.get_catalog_index()  # built once per catalog version
    with django_assert_max_num_queries(6):
        retrieval = nl.nl_retrieve(query="90s sci-fi", limit=10, user=None)
    assert len(retrieval.movies) == nl.candidate_count(10) == 30


def test_catalog_changes_are_seen_by_the_next_request(catalog):
    assert "Brand New Space Opera" not in [r.movie.title for r in ask("space opera", 3).results]
    MovieFactory(title="Brand New Space Opera", genres=[Genre.objects.get(tmdb_id=SF)], popularity=1)
    assert ask("space opera", 3).results[0].movie.title == "Brand New Space Opera"


def test_a_large_catalog_is_reindexed_in_the_background_while_the_previous_index_answers(monkeypatch):
    previous = SimpleNamespace(version="v1", size=50)
    monkeypatch.setattr(nl, "_index", previous)
    monkeypatch.setattr(nl, "SYNC_BUILD_MAX_ROWS", 10)
    release, builds = threading.Event(), []

    def build(*, version):
        builds.append(version)
        release.wait(5)
        return SimpleNamespace(version=version, size=60)

    monkeypatch.setattr(nl, "build_catalog_index", build)
    assert nl.get_catalog_index("v2") is previous
    assert nl.get_catalog_index("v2") is previous
    release.set()
    for thread in [t for t in threading.enumerate() if t.name == "nl-catalog-index"]:
        thread.join(5)
    assert nl.get_catalog_index("v2").version == "v2"
    assert builds == ["v2"]


def test_the_engine_taste_scores_lean_the_ranking_when_the_engine_offers_them(catalog, monkeypatch):
    from recommendations import services

    user = UserFactory()
    asked = []

    def taste(*, user, tmdb_ids):
        asked.append(len(tmdb_ids))
        return {tmdb_id: (1.0 if tmdb_id == catalog["Arrival"].tmdb_id else 0.0) for tmdb_id in tmdb_ids}

    monkeypatch.setattr(services, "user_taste_scores", taste, raising=False)
    assert ask("science fiction", 3, user=user).results[0].movie.title == "Arrival"
    assert ask("science fiction", 3).results[0].movie.title != "Arrival"
    assert asked and max(asked) <= nl.PROFILE_POOL


def test_a_failing_engine_falls_back_to_the_local_profile(catalog, monkeypatch):
    from recommendations import services

    def broken(**kwargs):
        raise RuntimeError("index not built")

    monkeypatch.setattr(services, "user_taste_scores", broken, raising=False)
    assert len(ask("science fiction", 3, user=UserFactory()).results) == 3
