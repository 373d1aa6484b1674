"""Natural-language recommendations: retrieve a bounded candidate set locally, let the LLM rerank it, validate.

    query ─► parse_query (genres, moods, people, eras, audience, exclusions, "like <title>", keywords)
          ─► rank over the CatalogIndex (+ the caller's profile, a popularity/quality prior)
          ─► top K candidates (30..60) ─► prompt (recommendations/prompts) ─► llm.llm_recommend
          ─► keep only candidate ids, dedupe, cap ─► answer (source "llm")
          ─► nl-v2: films the model names itself, resolved to exactly one catalog movie (grounding.py), merged
    any failure, no key, nothing valid ─► the local ranking itself (source "fallback", with the reason)

The CatalogIndex is a compact in-process structure (numpy arrays and inverted indexes over titles, people and
keywords) built once per process per catalog version, so a request never loads the catalog: it runs one
aggregate query for the version, vector arithmetic over the arrays, and fetches only the K candidates.
Answers are cached on (normalized query, limit, caller and taste version, prompt version, catalog version,
model): a repeated question does not call the LLM again.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import connections

from movie_backend import usage
from movies.models import Genre, Movie
from movies.selectors import movies_visible_to
from recommendations import grounding, llm, selectors
from recommendations.engine.text import name_key as _name_key
from recommendations.engine.text import normalize_text
from recommendations.engine.text import tokens as _tokens
from recommendations.models import RecommendationLog
from recommendations.nl_vocab import ADULT_AVOID, ADULTS_RE, COMPARATIVE_MOODS, THEME_PHRASES
from recommendations.prompts import (
    PromptCandidate,
    PromptExtensions,
    build_nl_messages,
    nl_prompt_version,
    suggests,
)

logger = logging.getLogger(__name__)

CACHE_PREFIX = "nl:v1"
# A fallback caused by a transient LLM failure is cached briefly, so the LLM is tried again soon.
TRANSIENT_FALLBACK_TTL = 60
MIN_CANDIDATES = 30
MAX_CANDIDATES = 60
DEFAULT_LIMIT = 10
MAX_LIMIT = 50
QUERY_MAX_CHARS = 500
# Rows whose profile score is computed (the best by query score), bounding the cost of the taste lookup.
PROFILE_POOL = 300

# --- Vocabulary -------------------------------------------------------------------------------------------
# Genre phrases map to TMDb genre names (resolved to ids through the catalog's Genre rows). Phrases marked
# "keep" are also kept as keywords (a "heist" is Crime, and "heist" is also a keyword worth matching).

GENRE_PHRASES: dict[str, tuple[str, ...]] = {
    "science fiction": ("Science Fiction",),
    "sci-fi": ("Science Fiction",),
    "sci fi": ("Science Fiction",),
    "scifi": ("Science Fiction",),
    "sf": ("Science Fiction",),
    "rom-com": ("Romance", "Comedy"),
    "rom-coms": ("Romance", "Comedy"),
    "rom com": ("Romance", "Comedy"),
    "romcom": ("Romance", "Comedy"),
    "romcoms": ("Romance", "Comedy"),
    "romantic comedy": ("Romance", "Comedy"),
    "romantic comedies": ("Romance", "Comedy"),
    "dark comedy": ("Comedy",),
    "black comedy": ("Comedy",),
    "animated": ("Animation",),
    "animation": ("Animation",),
    "cartoon": ("Animation",),
    "cartoons": ("Animation",),
    "anime": ("Animation",),
    "pixar": ("Animation",),
    "documentary": ("Documentary",),
    "documentaries": ("Documentary",),
    "horror": ("Horror",),
    "thriller": ("Thriller",),
    "thrillers": ("Thriller",),
    "suspense": ("Thriller",),
    "mystery": ("Mystery",),
    "mysteries": ("Mystery",),
    "whodunit": ("Mystery",),
    "crime": ("Crime",),
    "action": ("Action",),
    "adventure": ("Adventure",),
    "adventures": ("Adventure",),
    "fantasy": ("Fantasy",),
    "drama": ("Drama",),
    "dramas": ("Drama",),
    "comedy": ("Comedy",),
    "comedies": ("Comedy",),
    "romance": ("Romance",),
    "romances": ("Romance",),
    "love story": ("Romance",),
    "love stories": ("Romance",),
    "war": ("War",),
    "war movie": ("War",),
    "western": ("Western",),
    "westerns": ("Western",),
    "musical": ("Music",),
    "musicals": ("Music",),
    "music": ("Music",),
    "history": ("History",),
    "historical": ("History",),
    "period piece": ("History",),
    "tv movie": ("TV Movie",),
}
KEEP_AS_KEYWORD: dict[str, tuple[str, ...]] = {
    "heist": ("Crime",),
    "heists": ("Crime",),
    "gangster": ("Crime",),
    "gangsters": ("Crime",),
    "mafia": ("Crime",),
    "mob": ("Crime",),
    "detective": ("Mystery",),
    "noir": ("Crime",),
    "slasher": ("Horror",),
    "zombie": ("Horror",),
    "zombies": ("Horror",),
    "vampire": ("Horror",),
    "vampires": ("Horror",),
    "ghost": ("Horror",),
    "ghosts": ("Horror",),
    "space": ("Science Fiction",),
    "alien": ("Science Fiction",),
    "aliens": ("Science Fiction",),
    "robot": ("Science Fiction",),
    "robots": ("Science Fiction",),
    "dystopian": ("Science Fiction",),
    "superhero": ("Action",),
    "superheroes": ("Action",),
    "martial arts": ("Action",),
    "kung fu": ("Action",),
    "cowboy": ("Western",),
    "cowboys": ("Western",),
    "biopic": ("History", "Drama"),
    "fairy tale": ("Fantasy",),
    "wwii": ("War",),
    "world war": ("War",),
}


@dataclass(frozen=True)
class Mood:
    label: str
    genres: tuple[str, ...]
    avoid: tuple[str, ...] = ()


_FEEL_GOOD = Mood("feel-good", ("Comedy", "Family", "Animation", "Romance", "Music"), ("Horror", "War"))
_DARK = Mood("dark", ("Thriller", "Crime", "Horror", "Mystery", "War"), ("Family", "Animation"))
_SCARY = Mood("scary", ("Horror", "Thriller"), ("Family", "Animation"))
_FUNNY = Mood("funny", ("Comedy",), ())
_ROMANTIC = Mood("romantic", ("Romance",), ("Horror",))
_EXCITING = Mood("exciting", ("Action", "Thriller", "Adventure"), ())
_SAD = Mood("sad", ("Drama", "Romance"), ())
_MIND_BENDING = Mood("mind-bending", ("Science Fiction", "Mystery", "Thriller"), ())
_EPIC = Mood("epic", ("Adventure", "History", "War", "Fantasy"), ())
_RELAXING = Mood("relaxing", ("Comedy", "Family", "Animation", "Romance"), ("Horror", "Thriller"))
_INSPIRING = Mood("inspiring", ("Drama", "History", "Music"), ("Horror",))
_VIOLENT = Mood("violent", ("Action", "Crime", "War", "Horror"), ())

MOOD_PHRASES: dict[str, Mood] = {
    "feel-good": _FEEL_GOOD,
    "feel good": _FEEL_GOOD,
    "feelgood": _FEEL_GOOD,
    "uplifting": _FEEL_GOOD,
    "heartwarming": _FEEL_GOOD,
    "heart-warming": _FEEL_GOOD,
    "wholesome": _FEEL_GOOD,
    "cheerful": _FEEL_GOOD,
    "happy": _FEEL_GOOD,
    "cozy": _FEEL_GOOD,
    "cosy": _FEEL_GOOD,
    "lighthearted": _FEEL_GOOD,
    "light-hearted": _FEEL_GOOD,
    "dark": _DARK,
    "gritty": _DARK,
    "bleak": _DARK,
    "grim": _DARK,
    "disturbing": _DARK,
    "scary": _SCARY,
    "creepy": _SCARY,
    "spooky": _SCARY,
    "terrifying": _SCARY,
    "frightening": _SCARY,
    "chilling": _SCARY,
    "scare me": _SCARY,
    "funny": _FUNNY,
    "hilarious": _FUNNY,
    "laugh": _FUNNY,
    "laughs": _FUNNY,
    "comedic": _FUNNY,
    "silly": _FUNNY,
    "romantic": _ROMANTIC,
    "date night": _ROMANTIC,
    "date-night": _ROMANTIC,
    "exciting": _EXCITING,
    "thrilling": _EXCITING,
    "action-packed": _EXCITING,
    "adrenaline": _EXCITING,
    "intense": _EXCITING,
    "sad": _SAD,
    "tearjerker": _SAD,
    "tear-jerker": _SAD,
    "emotional": _SAD,
    "cry": _SAD,
    "mind-bending": _MIND_BENDING,
    "mindbending": _MIND_BENDING,
    "mind bending": _MIND_BENDING,
    "cerebral": _MIND_BENDING,
    "thought-provoking": _MIND_BENDING,
    "twist": _MIND_BENDING,
    "twists": _MIND_BENDING,
    "trippy": _MIND_BENDING,
    "epic": _EPIC,
    "sweeping": _EPIC,
    "relaxing": _RELAXING,
    "chill": _RELAXING,
    "inspiring": _INSPIRING,
    "inspirational": _INSPIRING,
    "violent": _VIOLENT,
    "gory": _VIOLENT,
    "bloody": _VIOLENT,
}

# "nothing scary", "not too dark": the genres such a negated mood rules out.
MOOD_EXCLUSIONS: dict[str, tuple[str, ...]] = {
    "scary": ("Horror",),
    "dark": ("Horror",),
    "violent": ("Horror", "War"),
    "sad": ("War",),
    "romantic": ("Romance",),
    "funny": ("Comedy",),
}

LANGUAGE_WORDS: dict[str, str] = {
    "french": "fr",
    "korean": "ko",
    "japanese": "ja",
    "spanish": "es",
    "mexican": "es",
    "italian": "it",
    "german": "de",
    "hindi": "hi",
    "bollywood": "hi",
    "chinese": "zh",
    "mandarin": "zh",
    "cantonese": "cn",
    "swedish": "sv",
    "danish": "da",
    "norwegian": "no",
    "russian": "ru",
    "portuguese": "pt",
    "brazilian": "pt",
    "turkish": "tr",
    "persian": "fa",
    "iranian": "fa",
    "polish": "pl",
    "dutch": "nl",
    "thai": "th",
    "english-language": "en",
    "english": "en",
}
LANGUAGE_NAMES = {code: word.capitalize() for word, code in reversed(LANGUAGE_WORDS.items())}
LANGUAGE_NAMES.update({"hi": "Hindi", "es": "Spanish", "pt": "Portuguese", "en": "English", "fa": "Persian"})

KIDS_GENRES = ("Family", "Animation")
KIDS_AVOID = ("Horror",)
_KIDS_RE = re.compile(
    r"\b(?:for|with)\s+(?:the\s+|my\s+|our\s+|small\s+|young\s+|little\s+)?"
    r"(?:kids?|children|child|toddlers?|son|daughter|family|little ones)\b"
    r"|\b(?:kid|family|child)[- ]friendly\b|\bchildren'?s\b|\bkids?\b|\ball ages\b"
    # "family" alone is an audience, but a "family drama" or "family saga" is a subject.
    r"|\bfamily\b(?!\s+(?:drama|dramas|saga|sagas|secrets?|feud|tragedy|thriller|crime|business|man))"
)
# "not for kids", "no kids": an adult audience is not a constraint we can enforce beyond age gating.
_NOT_KIDS_RE = re.compile(r"\b(?:not|no|nothing)\s+(?:for\s+|suitable for\s+)?(?:the\s+)?(?:kids?|children|family)\b")
_NEGATION_RE = re.compile(
    r"\b(?:no|not|without|except|excluding|exclude|avoid|nothing|never|skip|minus|don'?t want|no more)\s+"
    r"(?:too\s+|any\s+|a\s+|more\s+|very\s+|overly\s+)?"
    r"((?:[a-z][a-z'-]*)(?:\s+[a-z][a-z'-]*)?)"
)
_DECADE_WORDS = {
    "twenties": 1920,
    "thirties": 1930,
    "forties": 1940,
    "fifties": 1950,
    "sixties": 1960,
    "seventies": 1970,
    "eighties": 1980,
    "nineties": 1990,
    "noughties": 2000,
}
_DECADE_RE = re.compile(r"\b(?:(early|late|mid)[- ]?)?(?:the\s+)?'?((?:1[89]|20)?\d0)'?s\b")
_DECADE_WORD_RE = re.compile(r"\b(?:(early|late|mid)[- ]?)?(" + "|".join(_DECADE_WORDS) + r")\b")
_RANGE_RE = re.compile(r"\b(?:between\s+)?(1[89]\d\d|20\d\d)\s*(?:-|–|to|and)\s*(1[89]\d\d|20\d\d)\b")
_BEFORE_RE = re.compile(r"\b(?:before|pre|prior to|until|up to|older than)[- ](1[89]\d\d|20\d\d)\b")
_AFTER_RE = re.compile(r"\b(after|since|post|newer than)[- ](1[89]\d\d|20\d\d)\b")
_YEAR_RE = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_OLD_RE = re.compile(
    r"\bold(?:er)?(?:[- ]school)?\s+(?:movies?|films?|ones|stuff|pictures?)\b"
    r"|\b(?:classics?|vintage|golden age|black and white|black-and-white|oldies)\b"
)
_RECENT_RE = re.compile(
    r"\b(?:recent|latest|newest|modern|contemporary)\b|\bnew(?:er)?\s+(?:movies?|films?|releases?|ones|stuff)\b"
    r"|\bsomething new\b|\bthis year\b"
)
_LIKE_RE = re.compile(r"\b(?:like|similar to|such as|in the vein of|reminds? me of|same as)\s+(.{1,120})")
_QUALITY_RE = re.compile(
    r"\b(?:best|top[- ]rated|top|acclaimed|award[- ]winning|oscar|oscars|masterpieces?|greatest|critically"
    r"|highly rated|must[- ]see|classics?)\b"
)
_POPULAR_RE = re.compile(r"\b(?:popular|blockbusters?|hits?|crowd[- ]pleasers?)\b")
_OBSCURE_RE = re.compile(r"\b(?:hidden gems?|underrated|obscure|lesser[- ]known|under the radar|overlooked)\b")

STOPWORDS = frozenset(
    """a an the and or but of to in on at for with from by about as into like than then that this these those
    i me my we our you your he she they them it its is are was were be been being am do does did have has had
    want wants wanted would could should can will shall may might must please some something anything any
    movie movies film films flick flicks watch watching watched see seen show shows recommend recommendation
    recommendations suggest suggestions give find looking look search good great nice really very more most
    less lot lots kind sort type types kinds stuff things thing one ones where who what which when how why
    tonight today night weekend evening feel feeling mood love loved enjoy enjoyed also just only much many
    similar such same vein reminds remind starring star stars featuring directed director written writer
    actor actress cast role roles plot story set about all every other another some year years old new
    strong lead leads main character characters female male women woman men man girl boy guys
    """.split()  # noqa: SIM905 (a word list reads better as text)
)


def _split_people(value: str) -> list[str]:
    return [p.strip() for p in re.split(r",|;|&|\band\b", value or "") if p.strip()]


# --- Catalog index ----------------------------------------------------------------------------------------


@dataclass
class CatalogIndex:
    version: str
    pks: np.ndarray
    tmdb_ids: np.ndarray
    years: np.ndarray  # 0 when unknown
    adult: np.ndarray
    genres: np.ndarray  # bool (n, G)
    genre_ids: list[int]  # column -> TMDb genre id
    genre_names: list[str]  # column -> name
    prior: np.ndarray  # popularity and quality blend in [0, 1]
    popularity: np.ndarray  # percentile in [0, 1]
    quality: np.ndarray  # vote-count-weighted rating in [0, 1]
    row_of_pk: dict[int, int]
    row_of_tmdb: dict[int, int]
    title_tokens: dict[str, np.ndarray]
    other_tokens: dict[str, np.ndarray]  # keywords and people's name parts
    cast: dict[str, np.ndarray]
    directors: dict[str, np.ndarray]
    writers: dict[str, np.ndarray]
    display_names: dict[str, str]
    titles: dict[str, np.ndarray]
    max_year: int
    max_title_tokens: int
    languages: np.ndarray  # per row, an index into language_codes
    language_codes: dict[str, int]  # ISO 639-1 code -> small int
    keyword_rows: dict[str, np.ndarray] = field(default_factory=dict)  # whole keyword (normalized) -> rows
    surnames: dict[str, str] = field(default_factory=dict)  # a last name borne by one person only -> name key

    @property
    def size(self) -> int:
        return len(self.pks)

    def genre_column(self, name: str) -> int | None:
        lowered = name.casefold()
        for col, genre_name in enumerate(self.genre_names):
            if genre_name.casefold() == lowered:
                return col
        return None

    def genre_columns(self, names: Iterable[str]) -> list[int]:
        cols = []
        for name in names:
            col = self.genre_column(name)
            if col is not None and col not in cols:
                cols.append(col)
        return cols


_index_lock = threading.Lock()
_index: CatalogIndex | None = None
_building_lock = threading.Lock()
_building: str | None = None
# Above this size a catalog change is indexed in a background thread while requests keep using the previous
# index (seconds of staleness instead of a multi-second request); smaller catalogs rebuild in line.
SYNC_BUILD_MAX_ROWS = 20_000


def catalog_version() -> str:
    """The catalog's version, read fresh on every request (one aggregate query) so a change shows at once;
    the recommendation index's own check is cached (recommendations.services.catalog_version)."""
    return selectors.catalog_version()


def get_catalog_index(version: str | None = None) -> CatalogIndex:
    """The process's index for the current catalog version, built on first use after any catalog change.

    With a large catalog already indexed, the previous index answers while the new one builds in the
    background; its `version` says which catalog it reflects (answers are cached under that version).
    """
    global _index
    version = version or catalog_version()
    current = _index
    if current is not None and current.version == version:
        return current
    if current is not None and current.size > SYNC_BUILD_MAX_ROWS:
        _build_in_background(version)
        return current
    with _index_lock:
        if _index is None or _index.version != version:
            _index = build_catalog_index(version=version)
        return _index


def _build_in_background(version: str) -> None:
    global _building
    with _building_lock:
        if _building is not None:
            return
        _building = version

    def run() -> None:
        global _index, _building
        try:
            built = build_catalog_index(version=version)
            with _index_lock:
                _index = built
        except Exception:
            logger.exception("natural-language catalog index build failed")
        finally:
            with _building_lock:
                _building = None
            connections.close_all()  # this thread's own database connection

    threading.Thread(target=run, name="nl-catalog-index", daemon=True).start()


def _as_arrays(mapping: dict[str, list[int]]) -> dict[str, np.ndarray]:
    # Rows were appended in increasing order without repeats (see _append), so no sort is needed.
    return {key: np.asarray(rows, dtype=np.int32) for key, rows in mapping.items()}


def _append(rows: list[int], row: int) -> None:
    if not rows or rows[-1] != row:
        rows.append(row)


def build_catalog_index(*, version: str) -> CatalogIndex:
    genre_rows = list(Genre.objects.order_by("tmdb_id").values_list("pk", "tmdb_id", "name"))
    genre_col = {pk: col for col, (pk, _, _) in enumerate(genre_rows)}
    pks: list[int] = []
    tmdb_ids: list[int] = []
    years: list[int] = []
    adult: list[bool] = []
    popularity: list[float] = []
    vote_average: list[float] = []
    vote_count: list[int] = []
    title_tokens: dict[str, list[int]] = defaultdict(list)
    other_tokens: dict[str, list[int]] = defaultdict(list)
    cast: dict[str, list[int]] = defaultdict(list)
    directors: dict[str, list[int]] = defaultdict(list)
    writers: dict[str, list[int]] = defaultdict(list)
    titles: dict[str, list[int]] = defaultdict(list)
    keyword_rows: dict[str, list[int]] = defaultdict(list)
    display_names: dict[str, str] = {}
    max_title_tokens = 1
    languages: list[int] = []
    language_codes: dict[str, int] = {}

    # Names repeat across thousands of movies: normalise each distinct one once.
    name_keys: dict[str, tuple[str, tuple[str, ...]]] = {}

    def add_people(names: list[str], target: dict[str, list[int]], row: int, parts_for: int = 99) -> None:
        for name in names:
            if not isinstance(name, str):
                continue
            known = name_keys.get(name)
            if known is None:
                key = _name_key(name)
                known = name_keys[name] = (key, tuple(p for p in key.split() if len(p) > 2))
                if key:
                    display_names.setdefault(key, name.strip())
            key, parts = known
            if not key:
                continue
            _append(target[key], row)
            if parts_for > 0:
                parts_for -= 1
                for part in parts:
                    _append(other_tokens[part], row)

    columns = (
        "pk",
        "tmdb_id",
        "title",
        "release_date",
        "adult",
        "popularity",
        "vote_average",
        "vote_count",
        "director",
        "writer",
        "cast",
        "keywords",
        "original_language",
    )
    queryset = Movie.objects.order_by("pk").values_list(*columns)
    for row, (
        pk,
        tmdb_id,
        title,
        released,
        is_adult,
        pop,
        avg,
        votes,
        director,
        writer,
        cast_list,
        kws,
        lang,
    ) in enumerate(queryset.iterator(chunk_size=2000)):
        pks.append(pk)
        languages.append(language_codes.setdefault((lang or "").lower(), len(language_codes)))
        tmdb_ids.append(tmdb_id)
        years.append(released.year if released else 0)
        adult.append(bool(is_adult))
        popularity.append(float(pop or 0))
        vote_average.append(float(avg or 0))
        vote_count.append(int(votes or 0))
        words = _tokens(title or "")
        if words:
            _append(titles[" ".join(words)], row)
            max_title_tokens = max(max_title_tokens, min(len(words), 12))
        for word in set(words):
            _append(title_tokens[word], row)
        add_people(_split_people(director), directors, row)
        add_people(_split_people(writer), writers, row)
        # Every listed name (up to 30): cast lists are not always in billing order.
        add_people(cast_list[:30] if isinstance(cast_list, list) else [], cast, row)
        for keyword in kws if isinstance(kws, list) else []:
            if isinstance(keyword, str):
                _append(keyword_rows[normalize_text(keyword)], row)
                for word in set(_tokens(keyword)):
                    _append(other_tokens[word], row)

    n = len(pks)
    row_of_pk = {pk: row for row, pk in enumerate(pks)}
    genre_matrix = np.zeros((n, max(len(genre_rows), 1)), dtype=bool)
    through = Movie.genres.through
    for movie_id, genre_id in through.objects.values_list("movie_id", "genre_id").iterator(chunk_size=5000):
        row = row_of_pk.get(movie_id)
        col = genre_col.get(genre_id)
        if row is not None and col is not None:
            genre_matrix[row, col] = True

    pop = np.asarray(popularity, dtype=np.float64)
    pop_pct = (np.argsort(np.argsort(pop, kind="stable"), kind="stable") / max(n - 1, 1)) if n else pop
    avg = np.asarray(vote_average, dtype=np.float64)
    cnt = np.asarray(vote_count, dtype=np.float64)
    # Vote-count-weighted rating (IMDb's formula): a 9.0 from 3 votes does not beat a 8.2 from 20,000.
    mean = float(avg[cnt > 0].mean()) if n and (cnt > 0).any() else 6.0
    m = float(np.percentile(cnt, 60)) if n else 0.0
    weighted = (cnt / (cnt + m + 1e-9)) * avg + (m / (cnt + m + 1e-9)) * mean
    quality = np.clip(weighted / 10.0, 0, 1)
    year_array = np.asarray(years, dtype=np.int32)
    return CatalogIndex(
        version=version,
        pks=np.asarray(pks, dtype=np.int64),
        tmdb_ids=np.asarray(tmdb_ids, dtype=np.int64),
        years=year_array,
        adult=np.asarray(adult, dtype=bool),
        genres=genre_matrix,
        genre_ids=[tmdb_id for _, tmdb_id, _ in genre_rows],
        genre_names=[name for _, _, name in genre_rows],
        prior=(0.6 * pop_pct + 0.4 * quality).astype(np.float32),
        popularity=np.asarray(pop_pct, dtype=np.float32),
        quality=quality.astype(np.float32),
        row_of_pk=row_of_pk,
        row_of_tmdb={tmdb_id: row for row, tmdb_id in enumerate(tmdb_ids)},
        title_tokens=_as_arrays(title_tokens),
        other_tokens=_as_arrays(other_tokens),
        cast=_as_arrays(cast),
        directors=_as_arrays(directors),
        writers=_as_arrays(writers),
        display_names=display_names,
        titles=_as_arrays(titles),
        max_year=int(year_array.max()) if n and year_array.max() > 0 else 2025,
        max_title_tokens=max_title_tokens,
        languages=np.asarray(languages, dtype=np.int16),
        language_codes=language_codes,
        keyword_rows=_as_arrays(keyword_rows),
        surnames=_surnames([*cast, *directors, *writers]),
    )


def _surnames(keys: Iterable[str]) -> dict[str, str]:
    """Last names (3+ letters) that name one person of the catalog only ("kubrick" -> "stanley kubrick")."""
    owners: dict[str, set[str]] = defaultdict(set)
    for key in keys:
        parts = key.split()
        if len(parts) > 1 and len(parts[-1]) > 2:
            owners[parts[-1]].add(key)
    return {last: next(iter(names)) for last, names in owners.items() if len(names) == 1}


# --- Query understanding ----------------------------------------------------------------------------------


@dataclass
class Intent:
    genres: list[str] = field(default_factory=list)
    soft_genres: list[str] = field(default_factory=list)
    subgenres: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)  # ISO 639-1 codes
    moods: list[Mood] = field(default_factory=list)
    people: list[str] = field(default_factory=list)  # normalized name keys
    year_from: int | None = None
    year_to: int | None = None
    eras: list[str] = field(default_factory=list)
    kids: bool = False
    adults: bool = False  # "for adults", "not for kids": no Family or Animation unless asked for
    themes: list[str] = field(default_factory=list)  # THEME_PHRASES keys the catalog's keywords carry
    comparative: bool = False  # a mood said as a comparative ("darker") weighs more
    exclude_genres: list[str] = field(default_factory=list)
    like_rows: list[int] = field(default_factory=list)
    like_people: list[str] = field(default_factory=list)  # filled by nl_retrieve from the named titles
    like_keywords: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    quality: bool = False
    popular: bool = False
    obscure: bool = False


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _find_phrases(text: str, phrases: Iterable[str]) -> list[tuple[str, int, int]]:
    """Non-overlapping whole-word matches (longest phrases win), in the order they appear."""
    found = []
    taken = [False] * len(text)
    for phrase in sorted(phrases, key=len, reverse=True):
        for match in re.finditer(r"(?<![a-z0-9'-])" + re.escape(phrase) + r"(?![a-z0-9-])", text):
            if any(taken[match.start() : match.end()]):
                continue
            for i in range(match.start(), match.end()):
                taken[i] = True
            found.append((phrase, match.start(), match.end()))
    return sorted(found, key=lambda item: item[1])


def _decade_bounds(part: str | None, start: int) -> tuple[int, int]:
    if part == "early":
        return start, start + 3
    if part == "mid":
        return start + 3, start + 6
    if part == "late":
        return start + 6, start + 9
    return start, start + 9


def _parse_eras(text: str, index: CatalogIndex, intent: Intent) -> str:
    spans: list[tuple[int, int]] = []
    ranges: list[tuple[int | None, int | None]] = []

    for match in _RANGE_RE.finditer(text):
        low, high = sorted((int(match.group(1)), int(match.group(2))))
        ranges.append((low, high))
        intent.eras.append(f"{low}-{high}")
        spans.append(match.span())
    for match in _BEFORE_RE.finditer(text):
        ranges.append((None, int(match.group(1)) - 1))
        intent.eras.append(f"before {match.group(1)}")
        spans.append(match.span())
    for match in _AFTER_RE.finditer(text):
        year = int(match.group(2))
        word = match.group(1)
        ranges.append((year + 1 if word in ("after", "post", "newer than") else year, None))
        intent.eras.append(f"{word} {year}")
        spans.append(match.span())
    for match in _DECADE_RE.finditer(text):
        if any(s <= match.start() < e for s, e in spans):
            continue
        digits = match.group(2)
        if len(digits) == 2:
            start = (1900 if int(digits) >= 30 else 2000) + int(digits)
        elif len(digits) == 3:  # "'990s" is not a thing; be safe
            continue
        else:
            start = int(digits)
        low, high = _decade_bounds(match.group(1), start)
        ranges.append((low, high))
        intent.eras.append(f"{(match.group(1) + ' ') if match.group(1) else ''}{start}s")
        spans.append(match.span())
    for match in _DECADE_WORD_RE.finditer(text):
        start = _DECADE_WORDS[match.group(2)]
        low, high = _decade_bounds(match.group(1), start)
        ranges.append((low, high))
        intent.eras.append(f"{(match.group(1) + ' ') if match.group(1) else ''}{start}s")
        spans.append(match.span())
    for match in _YEAR_RE.finditer(text):
        if any(s <= match.start() < e for s, e in spans):
            continue
        year = int(match.group(1))
        ranges.append((year, year))
        intent.eras.append(str(year))
        spans.append(match.span())
    if _OLD_RE.search(text):
        ranges.append((None, 1979))
        intent.eras.append("before 1980")
        spans.extend(m.span() for m in _OLD_RE.finditer(text))
    if _RECENT_RE.search(text):
        ranges.append((index.max_year - 4, None))
        intent.eras.append(f"{index.max_year - 4} or later")
        spans.extend(m.span() for m in _RECENT_RE.finditer(text))

    if ranges:
        lows = [low for low, _ in ranges]
        highs = [high for _, high in ranges]
        intent.year_from = None if any(low is None for low in lows) else min(lows)  # type: ignore[type-var]
        intent.year_to = None if any(high is None for high in highs) else max(highs)  # type: ignore[type-var]
    for start, end in spans:
        text = _blank(text, start, end)
    return text


_MOODS_BY_LABEL = {mood.label: mood for mood in MOOD_PHRASES.values()}


def theme_keywords(phrase: str) -> tuple[str, ...]:
    return tuple(normalize_text(k) for k in THEME_PHRASES.get(phrase, ()))


def _parse_themes_and_comparatives(text: str, index: CatalogIndex, intent: Intent) -> str:
    """Themes the catalog's keywords carry ("strong female lead", "time travel") and comparative moods."""
    for phrase, start, end in _find_phrases(text, THEME_PHRASES):
        if any(k in index.keyword_rows for k in theme_keywords(phrase)):
            if phrase not in intent.themes:
                intent.themes.append(phrase)
            text = _blank(text, start, end)
    for phrase, start, end in _find_phrases(text, COMPARATIVE_MOODS):
        mood = _MOODS_BY_LABEL[COMPARATIVE_MOODS[phrase]]
        if mood not in intent.moods:
            intent.moods.append(mood)
        intent.comparative = True
        text = _blank(text, start, end)
    return text


def parse_query(query: str, index: CatalogIndex) -> Intent:
    """What the request asks for, in terms the catalog can answer."""
    intent = Intent()
    text = normalize_text(query)

    # Exclusions first, so "no horror" never counts as asking for horror.
    for match in list(_NEGATION_RE.finditer(text)):
        words = match.group(1)
        for candidate in (words, words.split()[0]):
            genres = GENRE_PHRASES.get(candidate) or KEEP_AS_KEYWORD.get(candidate)
            mood = MOOD_PHRASES.get(candidate)
            if genres or mood:
                names = genres or MOOD_EXCLUSIONS.get(mood.label if mood else "", ())
                for name in names:
                    if name not in intent.exclude_genres:
                        intent.exclude_genres.append(name)
                start = match.start()
                text = _blank(text, start, match.start(1) + len(candidate))
                break

    # "like <title>" / "similar to <title>": the longest catalog title right after the phrase.
    for match in _LIKE_RE.finditer(text):
        words = _tokens(match.group(1))
        for length in range(min(len(words), index.max_title_tokens), 0, -1):
            phrase = " ".join(words[:length])
            rows = index.titles.get(phrase)
            # "I like horror" asks for horror, not for a film titled "Horror".
            vocabulary = phrase in GENRE_PHRASES or phrase in MOOD_PHRASES or phrase in KEEP_AS_KEYWORD
            if rows is not None and not vocabulary and (length > 1 or len(words[0]) > 3):
                intent.like_rows.extend(int(r) for r in rows[:3])
                pos = text.find(phrase, match.start(1))
                if pos >= 0:
                    text = _blank(text, pos, pos + len(phrase))
                break

    for regex in (_NOT_KIDS_RE, ADULTS_RE):
        if regex.search(text):
            intent.adults = True
            text = regex.sub(lambda m: " " * len(m.group(0)), text)
    if _KIDS_RE.search(text):
        intent.kids = True
        text = _KIDS_RE.sub(lambda m: " " * len(m.group(0)), text)

    intent.quality = bool(_QUALITY_RE.search(text))
    intent.popular = bool(_POPULAR_RE.search(text))
    intent.obscure = bool(_OBSCURE_RE.search(text))
    for regex in (_OBSCURE_RE,):
        text = regex.sub(lambda m: " " * len(m.group(0)), text)

    text = _parse_eras(text, index, intent)
    text = _parse_themes_and_comparatives(text, index, intent)

    for phrase, start, end in _find_phrases(text, list(GENRE_PHRASES) + list(KEEP_AS_KEYWORD) + list(MOOD_PHRASES)):
        if phrase in MOOD_PHRASES and phrase not in GENRE_PHRASES:
            mood = MOOD_PHRASES[phrase]
            if mood not in intent.moods:
                intent.moods.append(mood)
            text = _blank(text, start, end)
            continue
        if phrase in GENRE_PHRASES:
            for name in GENRE_PHRASES[phrase]:
                if name not in intent.genres and name not in intent.exclude_genres:
                    intent.genres.append(name)
        else:
            # A sub-genre ("heist", "zombie"): the word itself matters most, its genre a little.
            intent.subgenres.append(phrase)
            for name in KEEP_AS_KEYWORD[phrase]:
                if name not in intent.soft_genres and name not in intent.exclude_genres:
                    intent.soft_genres.append(name)
        text = _blank(text, start, end)
    for phrase, start, end in _find_phrases(text, LANGUAGE_WORDS):
        code = LANGUAGE_WORDS[phrase]
        if code not in intent.languages:
            intent.languages.append(code)
        text = _blank(text, start, end)
    # Genre names the catalog has beyond the built-in phrases (any language the mirror was synced in).
    for phrase, start, end in _find_phrases(text, [normalize_text(n) for n in index.genre_names]):
        col = index.genre_column(phrase)
        if col is not None:
            name = index.genre_names[col]
            if name not in intent.genres and name not in intent.exclude_genres:
                intent.genres.append(name)
            text = _blank(text, start, end)

    # People: the longest run of 2 or 3 words that is somebody's full name in the catalog.
    words = _tokens(text)
    i = 0
    while i < len(words):
        for length in (3, 2):
            key = " ".join(words[i : i + length])
            if len(words[i : i + length]) == length and (
                key in index.cast or key in index.directors or key in index.writers
            ):
                if key not in intent.people:
                    intent.people.append(key)
                i += length
                break
        else:
            word = words[i]
            person = index.surnames.get(word) if word not in index.title_tokens else None
            if person is not None and word not in STOPWORDS:
                # A last name alone ("Kubrick") when it names one person of the catalog only.
                if person not in intent.people:
                    intent.people.append(person)
            elif word not in STOPWORDS and (len(word) > 2 or word.isdigit()) and word not in intent.keywords:
                intent.keywords.append(word)
            i += 1
    intent.keywords = intent.keywords[:12]
    return intent


# --- Ranking ----------------------------------------------------------------------------------------------

W_GENRE = 3.0
W_ERA = 3.0
W_PERSON = 4.0
W_MOOD = 2.0
W_MOOD_AVOID = 1.5
W_TITLE_TOKEN = 2.0
W_OTHER_TOKEN = 1.2
W_LIKE = 4.0
W_SOFT_GENRE = 1.5
W_LANGUAGE = 3.0
W_SUBGENRE = 3.0
W_THEME = 3.0
# A comparative mood ("like X but darker") outweighs the similarity to the title it is compared with.
W_MOOD_COMPARATIVE = 5.0
W_PRIOR = 1.0
W_PROFILE = 1.0


@dataclass
class Profile:
    seen_rows: np.ndarray
    # Rows the caller marked not interested: never served, even when everything else is excluded.
    hidden_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    genre_weights: np.ndarray | None = None  # per genre column, in [-1, 1]
    people: list[str] = field(default_factory=list)
    liked_genres: list[str] = field(default_factory=list)
    top_rated: list[str] = field(default_factory=list)
    taste_scores: dict[int, float] | None = None  # tmdb_id -> score, from the engine when it offers one
    user: Any = None


@dataclass
class Ranked:
    row: int
    score: float
    reasons: list[str]


def _rows_mask(n: int, rows: Iterable[np.ndarray]) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    for r in rows:
        mask[r] = True
    return mask


def _phrase_rows(index: CatalogIndex, phrase: str, n: int) -> np.ndarray:
    """Rows whose title, keywords or people contain every word of `phrase`."""
    mask = np.ones(n, dtype=bool)
    for word in _tokens(phrase):
        mask &= _rows_mask(
            n, [r for r in (index.title_tokens.get(word), index.other_tokens.get(word)) if r is not None]
        )
    return mask


def rank_catalog(
    *, index: CatalogIndex, intent: Intent, profile: Profile | None, adult_ok: bool, count: int
) -> list[Ranked]:
    """The `count` best rows for the intent, best first, each with the reasons it was picked."""
    n = index.size
    if n == 0 or count <= 0:
        return []
    score = np.zeros(n, dtype=np.float64)
    base_allowed = np.ones(n, dtype=bool) if adult_ok else ~index.adult
    if profile is not None and len(profile.hidden_rows):
        base_allowed[profile.hidden_rows] = False
    allowed = base_allowed.copy()
    hard: list[np.ndarray] = []

    requested_cols = index.genre_columns(intent.genres)
    excluded_cols = [c for c in index.genre_columns(intent.exclude_genres) if c not in requested_cols]
    if excluded_cols:
        allowed &= ~index.genres[:, excluded_cols].any(axis=1)
    if intent.kids:
        kid_cols = index.genre_columns(KIDS_GENRES)
        if kid_cols:
            hard.append(index.genres[:, kid_cols].any(axis=1))
        avoid = [c for c in index.genre_columns(KIDS_AVOID) if c not in requested_cols]
        if avoid:
            allowed &= ~index.genres[:, avoid].any(axis=1)
        allowed &= ~index.adult
    elif intent.adults:
        adult_avoid = [c for c in index.genre_columns(ADULT_AVOID) if c not in requested_cols]
        if adult_avoid:
            allowed &= ~index.genres[:, adult_avoid].any(axis=1)
    people_hit = np.zeros(n, dtype=bool)
    for key in intent.people:
        rows = [index.cast.get(key), index.directors.get(key), index.writers.get(key)]
        hit = _rows_mask(n, [r for r in rows if r is not None])
        score += W_PERSON * hit
        people_hit |= hit
    if intent.people:
        hard.append(people_hit)
    if profile is not None and len(profile.seen_rows):
        allowed[profile.seen_rows] = False

    for col in requested_cols:
        score += W_GENRE * index.genres[:, col]
    if intent.year_from is not None or intent.year_to is not None:
        years = index.years.astype(np.float64)
        low = intent.year_from if intent.year_from is not None else -math.inf
        high = intent.year_to if intent.year_to is not None else math.inf
        distance = np.where(years < low, low - years, np.where(years > high, years - high, 0.0))
        era = np.where(distance == 0, W_ERA, 0.5 * W_ERA * np.clip(1 - distance / 10.0, 0, 1))
        score += np.where(index.years > 0, era, 0.0)
    # Compared with a named title ("like Amélie but darker"), the mood outweighs the likeness.
    w_mood = W_MOOD_COMPARATIVE if intent.comparative and intent.like_rows else W_MOOD
    for mood in intent.moods:
        # The mood's first genre is its core ("scary": Horror); the others count half.
        cols = index.genre_columns(mood.genres)
        if cols:
            core = index.genres[:, cols[0]] if index.genre_column(mood.genres[0]) == cols[0] else None
            other = index.genres[:, cols].any(axis=1)
            score += w_mood * (np.maximum(core, 0.5 * other) if core is not None else 0.5 * other)
        avoid = [c for c in index.genre_columns(mood.avoid) if c not in requested_cols]
        if avoid:
            score -= W_MOOD_AVOID * index.genres[:, avoid].any(axis=1)
    for code in intent.languages:
        if code in index.language_codes:
            score += W_LANGUAGE * (index.languages == index.language_codes[code])
    for col in index.genre_columns(g for g in intent.soft_genres if g not in intent.genres):
        score += W_SOFT_GENRE * index.genres[:, col]
    for phrase in intent.subgenres:
        score += W_SUBGENRE * _phrase_rows(index, phrase, n)
    for phrase in intent.themes:
        themed = _rows_mask(n, [index.keyword_rows[k] for k in theme_keywords(phrase) if k in index.keyword_rows])
        score += W_THEME * themed
        hard.append(themed)
    for word in intent.keywords:
        for table, weight in ((index.title_tokens, W_TITLE_TOKEN), (index.other_tokens, W_OTHER_TOKEN)):
            rows = table.get(word)
            if rows is not None and len(rows):
                idf = math.log(1 + n / len(rows)) / math.log(1 + n)
                score[rows] += weight * idf
    if intent.like_rows:
        # Content similarity to the named titles: genre overlap (Jaccard), shared people and keywords.
        like_genres = index.genres[intent.like_rows].any(axis=0)
        if like_genres.any():
            shared = (index.genres & like_genres).sum(axis=1)
            union = (index.genres | like_genres).sum(axis=1).clip(min=1)
            score += W_LIKE * shared / union
        bonus = np.zeros(n, dtype=np.float64)
        for key in intent.like_people:
            bonus += _rows_mask(n, [r for r in (index.cast.get(key), index.directors.get(key)) if r is not None])
        for phrase in intent.like_keywords:
            bonus += _phrase_rows(index, phrase, n)
        score += np.clip(bonus, 0, 2)
        allowed[intent.like_rows] = False

    if intent.obscure:
        prior = 0.7 * index.quality + 0.3 * (1 - index.popularity)
    elif intent.quality:
        prior = 0.3 * index.popularity + 0.7 * index.quality
    elif intent.popular:
        prior = 0.8 * index.popularity + 0.2 * index.quality
    else:
        prior = index.prior
    score += W_PRIOR * prior.astype(np.float64)
    if profile is not None and profile.genre_weights is not None and profile.taste_scores is None:
        affinity = index.genres.astype(np.float64) @ profile.genre_weights
        norm = index.genres.sum(axis=1).clip(min=1)
        score += W_PROFILE * np.clip(affinity / np.sqrt(norm), -1, 1)
    if profile is not None and profile.people:
        liked_people = [index.cast.get(k) for k in profile.people] + [index.directors.get(k) for k in profile.people]
        score += 0.5 * W_PROFILE * _rows_mask(n, [r for r in liked_people if r is not None])

    for condition in hard:
        narrowed = allowed & condition
        if narrowed.any():
            allowed = narrowed
    if not allowed.any():
        # Everything was excluded or seen: never an empty answer while the caller can see movies.
        allowed = base_allowed
    if not allowed.any():
        return []

    masked = np.where(allowed, score, -np.inf)
    pool = min(max(count, PROFILE_POOL if profile is not None else count), int(allowed.sum()))
    top = np.argpartition(-masked, pool - 1)[:pool] if pool < n else np.arange(n)
    top = top[np.isfinite(masked[top])]
    if profile is not None and profile.taste_scores:
        for row in top:
            tmdb_id = int(index.tmdb_ids[row])
            masked[row] += W_PROFILE * profile.taste_scores.get(tmdb_id, 0.0)
    order = sorted(top.tolist(), key=lambda r: (-masked[r], int(index.tmdb_ids[r])))[:count]
    return [Ranked(row=row, score=float(masked[row]), reasons=_reasons(index, intent, profile, row)) for row in order]


def _reasons(index: CatalogIndex, intent: Intent, profile: Profile | None, row: int) -> list[str]:
    parts: list[str] = []
    genres = [index.genre_names[c] for c in np.flatnonzero(index.genres[row])]
    matched = [g for g in intent.genres if g in genres]
    for key in intent.people:
        name = index.display_names.get(key, key.title())
        if key in index.directors and row in index.directors[key]:
            parts.append(f"directed by {name}")
        elif key in index.cast and row in index.cast[key]:
            parts.append(f"with {name}")
        elif key in index.writers and row in index.writers[key]:
            parts.append(f"written by {name}")
    if matched:
        parts.append(", ".join(matched))
    codes = {value: key for key, value in index.language_codes.items()}
    language = codes.get(int(index.languages[row]), "")
    if language in intent.languages:
        parts.append(f"in {LANGUAGE_NAMES.get(language, language)}")
    year = int(index.years[row])
    if (intent.year_from is not None or intent.year_to is not None) and year:
        parts.append(f"from {year}")
    for mood in intent.moods:
        if any(g in genres for g in mood.genres):
            parts.append(f"{mood.label} ({', '.join(g for g in mood.genres if g in genres)})")
    if intent.kids and any(g in genres for g in KIDS_GENRES):
        parts.append("suitable for a family audience")
    themes = [p for p in intent.themes if any(row in index.keyword_rows.get(k, ()) for k in theme_keywords(p))]
    if themes:
        parts.append("about " + ", ".join(f"“{p}”" for p in themes[:2]))
    if intent.like_rows:
        shared = set(genres) & {index.genre_names[c] for r in intent.like_rows for c in np.flatnonzero(index.genres[r])}
        if shared:
            parts.append(f"shares {', '.join(sorted(shared))} with the title you named")
    hits = [p for p in intent.subgenres if _phrase_rows(index, p, index.size)[row]]
    hits += [w for w in intent.keywords if (w in index.title_tokens and row in index.title_tokens[w])]
    hits += [w for w in intent.keywords if w in index.other_tokens and row in index.other_tokens[w] and w not in hits]
    if hits:
        parts.append("matches " + ", ".join(f"“{w}”" for w in hits[:3]))
    if profile is not None and profile.liked_genres and not parts:
        liked = [g for g in profile.liked_genres if g in genres]
        if liked:
            parts.append(f"fits your taste for {', '.join(liked[:2])}")
    if not parts:
        parts.append(", ".join(genres[:2]) + " pick" if genres else "Popular pick")
    if index.quality[row] >= 0.72:
        parts.append("highly rated")
    elif index.popularity[row] >= 0.9:
        parts.append("popular")
    text = "; ".join(parts)
    return [text[:1].upper() + text[1:] + "."]


# --- Profile ----------------------------------------------------------------------------------------------


def load_profile(*, user, index: CatalogIndex) -> Profile:
    """What the caller has seen (skipped) and what they lean to (favorites, likes, high ratings, preferences)."""
    from users.models import Favorite, Interaction, Preference

    seen_pks: set[int] = set(Favorite.objects.filter(user=user).values_list("movie_id", flat=True))
    weights = np.zeros(len(index.genre_names), dtype=np.float64)
    top_rated: list[str] = []
    liked_pks: list[int] = list(seen_pks)
    # Hidden movies are no taste signal (no weight either way), and all of them are left out, however many.
    hidden_pks = set(selectors.hidden_for(user=user).values_list("movie_id", flat=True))
    interactions = (
        Interaction.objects.filter(user=user)
        .exclude(type__in=selectors.HIDDEN_TYPES)
        .values_list("movie_id", "type", "rating", "movie__title")
    )
    negative_pks: list[int] = []
    for movie_id, kind, rating, title in interactions[:2000]:
        if kind in selectors.SEEN_TYPES:
            seen_pks.add(movie_id)
        if kind == Interaction.Type.LIKED or (kind == Interaction.Type.RATED and rating is not None and rating >= 4):
            liked_pks.append(movie_id)
            if kind == Interaction.Type.RATED and len(top_rated) < 5:
                top_rated.append(f"{title} ({rating}/5)")
        elif kind == Interaction.Type.DISLIKED or (
            kind == Interaction.Type.RATED and rating is not None and rating <= 2
        ):
            negative_pks.append(movie_id)
    for pk in liked_pks:
        row = index.row_of_pk.get(pk)
        if row is not None:
            weights += index.genres[row]
    for pk in negative_pks:
        row = index.row_of_pk.get(pk)
        if row is not None:
            weights -= 0.5 * index.genres[row]
    # Directors of what they liked lean the ranking too ("more Nolan").
    people: list[str] = []
    for (director,) in Movie.objects.filter(pk__in=liked_pks[:200]).exclude(director="").values_list("director"):
        people.extend(k for k in map(_name_key, _split_people(director)) if k and k not in people)
    preference = Preference.objects.filter(user=user).first()
    if preference is not None:
        wanted = {int(g) for g in preference.genres if isinstance(g, int | str) and str(g).isdigit()}
        for col, tmdb_id in enumerate(index.genre_ids):
            if tmdb_id in wanted:
                weights[col] += 2.0
        people = [_name_key(p) for p in preference.people if isinstance(p, str) and _name_key(p)] + people
    genre_weights = None
    if np.abs(weights).max(initial=0) > 0:
        genre_weights = weights / np.abs(weights).max()
    liked_genres = [index.genre_names[c] for c in np.argsort(-weights)[:3] if weights[c] > 0]
    seen_rows = np.asarray([index.row_of_pk[pk] for pk in seen_pks if pk in index.row_of_pk], dtype=np.int64)
    hidden_rows = np.asarray([index.row_of_pk[pk] for pk in hidden_pks if pk in index.row_of_pk], dtype=np.int64)
    return Profile(
        seen_rows=seen_rows,
        hidden_rows=hidden_rows,
        genre_weights=genre_weights,
        people=people[:20],
        liked_genres=liked_genres,
        top_rated=top_rated,
        user=user,
    )


def _engine_taste_scores(*, user, tmdb_ids: list[int]) -> dict[int, float] | None:
    """The recommendation engine's taste scores when it offers them, scaled to [0, 1]; else None."""
    try:
        from recommendations.services import user_taste_scores  # type: ignore[attr-defined]
    except ImportError:
        return None
    try:
        scores = user_taste_scores(user=user, tmdb_ids=tmdb_ids)
    except Exception:  # the engine is optional here: its failure must not fail the request
        logger.warning("user_taste_scores failed; using the local profile", exc_info=True)
        return None
    if not scores:
        return None
    values = list(scores.values())
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    return {int(k): (float(v) - low) / span for k, v in scores.items()}


# --- Orchestration ----------------------------------------------------------------------------------------


@dataclass
class NlResult:
    movie: Movie
    reason: str
    score: float
    # "candidate": retrieved by the local engine; "suggested": named by the model and resolved in the catalog.
    grounding: str = "candidate"


@dataclass
class NlAnswer:
    query: str
    source: str  # "llm" | "fallback"
    results: list[NlResult]
    prompt_version: str
    model: str | None
    fallback_reason: str | None
    cached: bool
    interpretation: dict[str, Any]


def candidate_count(limit: int) -> int:
    return max(MIN_CANDIDATES, min(MAX_CANDIDATES, 3 * limit))


def normalize_query(query: str) -> str:
    return normalize_text(query)


def _caller_key(user) -> str:
    if user is None or not user.is_authenticated:
        return "anon"
    return f"u{user.pk}.t{user.taste_version}.a{int(user.is_adult)}"


def nl_cache_key(*, query: str, limit: int, user, prompt_version: str, catalog: str) -> str:
    model = settings.OPENAI_MODEL if llm.llm_is_configured() else "local"
    raw = "|".join([normalize_query(query), str(limit), _caller_key(user), prompt_version, catalog, model])
    return f"{CACHE_PREFIX}:{hashlib.sha256(raw.encode()).hexdigest()}"


def _interpretation(index: CatalogIndex, intent: Intent) -> dict[str, Any]:
    return {
        "genres": intent.genres,
        "moods": [m.label for m in intent.moods],
        "people": [index.display_names.get(k, k.title()) for k in intent.people],
        "year_from": intent.year_from,
        "year_to": intent.year_to,
        "audience": "family" if intent.kids else "adults" if intent.adults else None,
        "languages": intent.languages,
        "exclude_genres": intent.exclude_genres,
        "like_titles": [],
        "keywords": intent.themes + intent.subgenres + intent.keywords,
    }


def _description(movie: Movie) -> str:
    if movie.overview and movie.overview.strip():
        return movie.overview
    parts = []
    if movie.director:
        parts.append(f"Directed by {movie.director}")
    cast = [c for c in (movie.cast or []) if isinstance(c, str)][:3]
    if cast:
        parts.append("starring " + ", ".join(cast))
    return "; ".join(parts) + ("." if parts else "")


def _extensions(index: CatalogIndex, intent: Intent, profile: Profile | None) -> PromptExtensions:
    eras = tuple(intent.eras)
    exclusions = list(intent.exclude_genres)
    if intent.kids:
        exclusions.append("anything unsuitable for children")
    elif intent.adults:
        exclusions.append("family and animated films (an adult audience)")
    return PromptExtensions(
        mood=tuple(m.label for m in intent.moods),
        actors=tuple(index.display_names.get(k, k.title()) for k in intent.people),
        eras=eras,
        ratings=tuple(profile.top_rated) if profile else (),
        liked_genres=tuple(profile.liked_genres) if profile else (),
        exclusions=tuple(exclusions),
    )


@dataclass
class Retrieval:
    index: CatalogIndex
    intent: Intent
    profile: Profile | None
    ranked: list[Ranked]
    movies: dict[int, Movie]  # tmdb_id -> movie, candidates only, in ranking order
    messages: list[dict[str, str]]
    prompt_version: str


def nl_retrieve(
    *, query: str, limit: int, user, index: CatalogIndex | None = None, version: str | None = None
) -> Retrieval:
    """The bounded candidate set for a request, and the prompt that would rerank it."""
    index = index or get_catalog_index()
    version = version or nl_prompt_version()
    intent = parse_query(query, index)
    if intent.like_rows:
        liked = Movie.objects.filter(pk__in=[int(index.pks[r]) for r in intent.like_rows])
        for director, cast_list, keywords in liked.values_list("director", "cast", "keywords"):
            names = _split_people(director) + [c for c in (cast_list or [])[:5] if isinstance(c, str)]
            intent.like_people.extend(k for k in map(_name_key, names) if k and k not in intent.like_people)
            intent.like_keywords.extend(k for k in (keywords or [])[:10] if isinstance(k, str))
    authenticated = user is not None and user.is_authenticated
    profile = load_profile(user=user, index=index) if authenticated else None
    adult_ok = bool(authenticated and user.is_adult)
    if profile is not None:
        # Ask the engine for taste scores over the best query matches only (bounded work).
        pool = rank_catalog(index=index, intent=intent, profile=None, adult_ok=adult_ok, count=PROFILE_POOL)
        engine = _engine_taste_scores(user=user, tmdb_ids=[int(index.tmdb_ids[r.row]) for r in pool])
        if engine is not None:
            profile.taste_scores = engine
    ranked = rank_catalog(index=index, intent=intent, profile=profile, adult_ok=adult_ok, count=candidate_count(limit))
    pks = [int(index.pks[r.row]) for r in ranked]
    fetched = {m.pk: m for m in movies_visible_to(user=user).filter(pk__in=pks).prefetch_related("genres")}
    movies: dict[int, Movie] = {}
    kept: list[Ranked] = []
    for item in ranked:
        movie = fetched.get(int(index.pks[item.row]))
        if movie is not None:
            movies[movie.tmdb_id] = movie
            kept.append(item)
    candidates = [
        PromptCandidate(
            tmdb_id=movie.tmdb_id,
            title=movie.title,
            year=movie.release_date.year if movie.release_date else None,
            genres=tuple(g.name for g in movie.genres.all()),
            description=_description(movie),
        )
        for movie in movies.values()
    ]
    messages = build_nl_messages(
        query=query,
        limit=limit,
        candidates=candidates,
        extensions=_extensions(index, intent, profile),
        version=version,
    )
    return Retrieval(
        index=index,
        intent=intent,
        profile=profile,
        ranked=kept,
        movies=movies,
        messages=messages,
        prompt_version=version,
    )


def nl_recommend(*, query: str, limit: int = DEFAULT_LIMIT, user=None, request_id: str = "") -> NlAnswer:
    """Answer a free-text request from the catalog: the LLM reranks local candidates, or the local ranking does.

    Never raises for an LLM problem and never returns an empty list while the caller can see any movie.
    """
    query = query.strip()
    limit = max(1, min(MAX_LIMIT, int(limit)))
    # The cache key names the catalog the index reflects (it may trail the database while rebuilding).
    index = get_catalog_index(catalog_version())
    version = nl_prompt_version()
    key = nl_cache_key(query=query, limit=limit, user=user, prompt_version=version, catalog=index.version)
    cached = cache.get(key)
    if cached is not None:
        answer = _answer_from_cache(cached, query=query, user=user)
        if answer is not None:
            usage.count("cache.hit.nl")
            _log(answer, user=user, prompt_tokens=None, completion_tokens=None, request_id=request_id)
            return answer
    usage.count("cache.miss.nl")

    retrieval = nl_retrieve(query=query, limit=limit, user=user, index=index, version=version)
    interpretation = _interpretation(retrieval.index, retrieval.intent)
    interpretation["like_titles"] = [
        m.title for m in Movie.objects.filter(pk__in=[int(retrieval.index.pks[r]) for r in retrieval.intent.like_rows])
    ]
    local = [
        NlResult(movie=retrieval.movies[int(retrieval.index.tmdb_ids[r.row])], reason=r.reasons[0], score=r.score)
        for r in retrieval.ranked
    ]
    top_score = max((r.score for r in local), default=1.0) or 1.0
    for result in local:
        result.score = round(max(result.score, 0.0) / top_score, 4)

    source, model, reason = "fallback", None, None
    results: list[NlResult] = []
    prompt_tokens = completion_tokens = None
    if not retrieval.movies:
        reason = "no_candidates"
    elif not llm.llm_is_configured():
        reason = llm.LlmNotConfigured.reason
    else:
        try:
            llm_answer, results = _llm_step(retrieval, limit=limit, user=user)
        except llm.LlmError as exc:
            reason = exc.reason
        except Exception:  # an unexpected failure in the LLM step still answers, from the local ranking
            logger.exception("natural-language LLM step failed")
            reason = "error"
        else:
            prompt_tokens, completion_tokens = llm_answer.prompt_tokens, llm_answer.completion_tokens
            if results:
                source, model = "llm", llm_answer.model
            else:
                reason = "no_valid_ids"
    if source == "fallback":
        usage.count(f"llm.fallback.{reason}")
        results = local[:limit]

    answer = NlAnswer(
        query=query,
        source=source,
        results=results,
        prompt_version=version,
        model=model,
        fallback_reason=reason if source == "fallback" else None,
        cached=False,
        interpretation=interpretation,
    )
    transient = source == "fallback" and reason not in ("not_configured", "no_candidates")
    ttl = TRANSIENT_FALLBACK_TTL if transient else settings.CACHE_TTL_RECOMMENDATIONS
    cache.set(key, _answer_to_cache(answer), ttl)
    _log(answer, user=user, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, request_id=request_id)
    return answer


def _llm_step(retrieval: Retrieval, *, limit: int, user) -> tuple[llm.LlmAnswer, list[NlResult]]:
    """Ask the model (one call) and keep what is grounded: candidates it picked and, with a suggesting prompt,
    films it named that resolve to one catalog movie. The call and the resolution share one OPENAI_TIMEOUT."""
    deadline = time.monotonic() + float(settings.OPENAI_TIMEOUT)
    suggesting = suggests(retrieval.prompt_version)
    answer = llm.llm_recommend(
        messages=retrieval.messages,
        response_format=llm.SUGGESTIONS_RESPONSE_FORMAT if suggesting else llm.RESPONSE_FORMAT,
        deadline=deadline,
    )
    picked = [
        (movie, item.reason, "candidate")
        for item in answer.recommendations
        if (movie := retrieval.movies.get(item.tmdb_id)) is not None
    ]
    named: list[tuple[Movie, str, str]] = []
    if suggesting and answer.suggestions:
        try:
            outcome = grounding.ground_suggestions(suggestions=answer.suggestions, user=user, deadline=deadline)
        except Exception:  # the model's picks among our candidates still answer without its named films
            logger.exception("grounding the films the model named failed")
            outcome = grounding.GroundingOutcome()
        liked = {int(retrieval.index.pks[r]) for r in retrieval.intent.like_rows}  # "like X" never answers X
        named = [
            (g.movie, g.reason, "candidate" if g.movie.tmdb_id in retrieval.movies else "suggested")
            for g in outcome.kept
            if g.movie.pk not in liked
        ]
    return answer, _merged(picked, named, limit)


def _merged(picked: list[tuple[Movie, str, str]], named: list[tuple[Movie, str, str]], limit: int) -> list[NlResult]:
    """The model's picks among our candidates and the films it named, alternating (a named film first: the
    prompt asks for films that fit better than the candidates), each once, at most `limit`; scores fall with
    the position."""
    order: list[tuple[Movie, str, str]] = []
    for i in range(max(len(picked), len(named))):
        order.extend(source[i] for source in (named, picked) if i < len(source))
    chosen: list[tuple[Movie, str, str]] = []
    seen: set[int] = set()
    for movie, reason, how in order:
        if movie.tmdb_id in seen:
            continue
        seen.add(movie.tmdb_id)
        chosen.append((movie, reason or "Picked for your request.", how))
        if len(chosen) == limit:
            break
    total = len(chosen)
    return [
        NlResult(movie=m, reason=r, score=round(1 - i / (total + 1), 4), grounding=how)
        for i, (m, r, how) in enumerate(chosen)
    ]


def _answer_to_cache(answer: NlAnswer) -> dict[str, Any]:
    return {
        "source": answer.source,
        "model": answer.model,
        "fallback_reason": answer.fallback_reason,
        "prompt_version": answer.prompt_version,
        "interpretation": answer.interpretation,
        "items": [[r.movie.tmdb_id, r.reason, r.score, r.grounding] for r in answer.results],
    }


def _answer_from_cache(payload: dict[str, Any], *, query: str, user) -> NlAnswer | None:
    try:
        items = payload["items"]
        movies = {
            m.tmdb_id: m
            for m in movies_visible_to(user=user)
            .filter(tmdb_id__in=[item[0] for item in items])
            .prefetch_related("genres")
        }
        results = [
            NlResult(movie=movies[tmdb_id], reason=reason, score=score, grounding=how)
            for tmdb_id, reason, score, how in items
            if tmdb_id in movies
        ]
        if items and not results:
            return None
        return NlAnswer(
            query=query,
            source=payload["source"],
            results=results,
            prompt_version=payload["prompt_version"],
            model=payload["model"],
            fallback_reason=payload["fallback_reason"],
            cached=True,
            interpretation=payload["interpretation"],
        )
    except (KeyError, TypeError, ValueError):
        return None


def _log(
    answer: NlAnswer, *, user, prompt_tokens: int | None, completion_tokens: int | None, request_id: str = ""
) -> None:
    try:
        RecommendationLog.objects.create(
            user=user if user is not None and user.is_authenticated else None,
            kind=RecommendationLog.Kind.NATURAL_LANGUAGE,
            algorithm="llm-rerank" if answer.source == "llm" else "local",
            source=answer.source,
            query=answer.query[:QUERY_MAX_CHARS],
            movie_ids=[r.movie.tmdb_id for r in answer.results],
            prompt_version=answer.prompt_version,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            request_id=request_id,
        )
    except Exception:  # the log is for analysis; losing a row must not fail the answer
        logger.warning("recommendation log not written", exc_info=True)
