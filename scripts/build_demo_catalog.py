#!/usr/bin/env python3
"""Regenerate movies/data/demo_catalog.json.gz, the offline demo catalog `load_demo_catalog` installs.

Sources (read here only; the running service reads nothing but the committed output file):
- movies.db from the bokeh-sampledata package (film data from Wikidata, CC0): titles, dates, runtimes,
  genres, director, writer, cast, languages, countries, critics' average rating, critic review count,
  box office.
- links.csv from MovieLens ml-latest-small (GroupLens), used ONLY to map IMDb ids to TMDb ids. No rating,
  title or any other MovieLens value reaches the output.

Usage (bokeh-sampledata is pinned in requirements-dev.txt):
    .venv/bin/python scripts/build_demo_catalog.py [--links-dir ../shared/data/ml-latest-small] [--output PATH]

The output is deterministic: films sorted by tmdb_id, keys sorted, gzip without a timestamp, so an
unchanged input gives a byte-identical file.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import gzip
import hashlib
import json
import math
import sqlite3
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from movies.genres import TMDB_GENRES  # noqa: E402

DEFAULT_LINKS_DIR = REPO.parent / "shared" / "data" / "ml-latest-small"
DEFAULT_OUTPUT = REPO / "movies" / "data" / "demo_catalog.json.gz"

FORMAT_VERSION = 1
SOURCE_PACKAGE = "bokeh-sampledata==2026.1"
ATTRIBUTION = (
    "Film data: Wikidata contributors, CC0, via the bokeh-sampledata package; "
    "TMDb ids mapped via the MovieLens links file (GroupLens)"
)
MAX_CAST = 150  # the source lists cast alphabetically, not by billing, so keep every name (at most 124 seen)
MAX_TEXT = 255  # Movie.director / Movie.writer column width


# Source genre label (lower-cased) -> TMDb genre id, or None when TMDb has no matching genre.
# movies.db uses short labels ("Sci-Fi", "Musical", ...); the Wikidata item names ("science fiction film")
# are listed too so a future snapshot with raw Wikidata labels maps the same way.
GENRE_MAP: dict[str, int | None] = {
    "action": 28,
    "action film": 28,
    "adventure": 12,
    "adventure film": 12,
    "animation": 16,
    "animated film": 16,
    "comedy": 35,
    "comedy film": 35,
    "crime": 80,
    "crime film": 80,
    "documentary": 99,
    "documentary film": 99,
    "drama": 18,
    "drama film": 18,
    "family": 10751,
    "family film": 10751,
    "fantasy": 14,
    "fantasy film": 14,
    "history": 36,
    "historical film": 36,
    # TMDb has no biography genre; it files biopics under History (usually with Drama).
    "biography": 36,
    "biographical film": 36,
    "horror": 27,
    "horror film": 27,
    "music": 10402,
    "musical": 10402,
    "musical film": 10402,
    "music film": 10402,
    "mystery": 9648,
    "mystery film": 9648,
    "romance": 10749,
    "romance film": 10749,
    "sci-fi": 878,
    "science fiction": 878,
    "science fiction film": 878,
    "tv movie": 10770,
    "television film": 10770,
    "thriller": 53,
    "thriller film": 53,
    "war": 10752,
    "war film": 10752,
    "western": 37,
    "western film": 37,
    # No TMDb movie genre for sport films: dropped (their other genres still apply).
    "sport": None,
    "sports film": None,
}

# Source language name -> ISO 639-1 as TMDb spells original_language (TMDb uses "cn" for Cantonese).
LANGUAGE_MAP: dict[str, str] = {
    "English": "en",
    "American English": "en",
    "Australian English": "en",
    "French": "fr",
    "Spanish": "es",
    "German": "de",
    "Swiss German": "de",
    "Italian": "it",
    "Japanese": "ja",
    "Hindi": "hi",
    "Russian": "ru",
    "Arabic": "ar",
    "Egyptian Arabic": "ar",
    "Moroccan Arabic": "ar",
    "Hebrew": "he",
    "Cantonese": "cn",
    "Yue Chinese": "cn",
    "Korean": "ko",
    "Mandarin": "zh",
    "Standard Chinese": "zh",
    "Chinese": "zh",
    "Putonghua": "zh",
    "Standard Taiwanese Mandarin": "zh",
    "Swedish": "sv",
    "Portuguese": "pt",
    "Brazilian Portuguese": "pt",
    "Persian": "fa",
    "Dari": "fa",
    "Danish": "da",
    "Dutch": "nl",
    "Flemish Dutch": "nl",
    "Polish": "pl",
    "Norwegian": "no",
    "Thai": "th",
    "Romanian": "ro",
    "Hungarian": "hu",
    "Czech": "cs",
    "Turkish": "tr",
    "Icelandic": "is",
    "Latin": "la",
    "Finnish": "fi",
    "Vietnamese": "vi",
    "Serbian": "sr",
    "Modern Greek": "el",
    "Greek": "el",
    "Catalan": "ca",
    "Indonesian": "id",
    "Georgian": "ka",
    "Urdu": "ur",
    "Tamil": "ta",
    "Afrikaans": "af",
    "Ukrainian": "uk",
    "Yiddish": "yi",
    "Kurdish language": "ku",
    "Punjabi": "pa",
    "Bangla": "bn",
    "Tibetan": "bo",
    "Tagalog": "tl",
    "Filipino": "tl",
    "Bosnian": "bs",
    "Irish": "ga",
    "Albanian": "sq",
    "Serbo-Croatian": "sh",
    "Bulgarian": "bg",
    "Swahili": "sw",
    "Pashto": "ps",
    "Somali": "so",
    "Wolof": "wo",
    "Croatian": "hr",
    "Kazakh": "kk",
    "Armenian": "hy",
    "Māori": "mi",
    "Quechua": "qu",
    "Macedonian": "mk",
    "Khmer": "km",
    "Xhosa": "xh",
    "Estonian": "et",
    "Marathi": "mr",
    "Mongolian": "mn",
    "Slovak": "sk",
    "Zulu": "zu",
    "Kinyarwanda": "rw",
    "Amharic": "am",
    "Malayalam": "ml",
    "Malay": "ms",
    "Gujarati": "gu",
    "Galician": "gl",
    "Corsican": "co",
    "Lithuanian": "lt",
    "Lao": "lo",
    "Hawaiian": "haw",
    "Aramaic": "arc",
    "Azerbaijani": "az",
    "Yoruba": "yo",
    "Tatar": "tt",
    "Telugu": "te",
    "Burmese": "my",
    "Belarusian": "be",
    "Esperanto": "eo",
    "Scottish Gaelic": "gd",
    "Dzongkha": "dz",
    "Lingala": "ln",
    "Guarani": "gn",
    "Northern Sami": "se",
    "Herero": "hz",
    "Bambara": "bm",
    "Chechen": "ce",
    "Abkhaz": "ab",
    "Syriac": "syr",
}

# movies.db lists a film's languages alphabetically, not by importance. To guess the original language,
# prefer a listed language that a listed production country mainly speaks (English first, as TMDb would
# for an American-Italian co-production such as The Godfather).
COUNTRY_LANGUAGES: dict[str, tuple[str, ...]] = {
    "United States": ("en",),
    "United Kingdom": ("en",),
    "Canada": ("en", "fr"),
    "Australia": ("en",),
    "Ireland": ("en", "ga"),
    "New Zealand": ("en",),
    "South Africa": ("en", "af"),
    "France": ("fr",),
    "Belgium": ("fr", "nl"),
    "Switzerland": ("de", "fr", "it"),
    "Luxembourg": ("fr", "de"),
    "Germany": ("de",),
    "West Germany": ("de",),
    "East Germany": ("de",),
    "Austria": ("de",),
    "Italy": ("it",),
    "Spain": ("es",),
    "Mexico": ("es",),
    "Argentina": ("es",),
    "Chile": ("es",),
    "Colombia": ("es",),
    "Cuba": ("es",),
    "Peru": ("es",),
    "Portugal": ("pt",),
    "Brazil": ("pt",),
    "Japan": ("ja",),
    "India": ("hi", "ta", "te", "ml", "mr", "bn"),
    "Russia": ("ru",),
    "Soviet Union": ("ru",),
    "China": ("zh", "cn"),
    "People's Republic of China": ("zh", "cn"),
    "Hong Kong": ("cn", "zh"),
    "Taiwan": ("zh",),
    "South Korea": ("ko",),
    "Sweden": ("sv",),
    "Denmark": ("da",),
    "Norway": ("no",),
    "Finland": ("fi",),
    "Iceland": ("is",),
    "Netherlands": ("nl",),
    "Kingdom of the Netherlands": ("nl",),
    "Poland": ("pl",),
    "Czech Republic": ("cs",),
    "Czechoslovakia": ("cs", "sk"),
    "Hungary": ("hu",),
    "Romania": ("ro",),
    "Greece": ("el",),
    "Turkey": ("tr",),
    "Israel": ("he",),
    "Iran": ("fa",),
    "Egypt": ("ar",),
    "Lebanon": ("ar",),
    "Thailand": ("th",),
    "Vietnam": ("vi",),
    "Indonesia": ("id",),
    "Philippines": ("tl", "en"),
    "Serbia": ("sr",),
    "Yugoslavia": ("sr", "sh", "hr"),
    "Croatia": ("hr",),
    "Bosnia and Herzegovina": ("bs",),
    "Georgia": ("ka",),
    "Ukraine": ("uk",),
    "Pakistan": ("ur",),
}


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _truncate_names(names: list[str], limit: int = MAX_TEXT) -> str:
    """A comma list of whole names no longer than the column."""
    kept: list[str] = []
    for name in names:
        if len(", ".join([*kept, name])) > limit:
            break
        kept.append(name)
    return ", ".join(kept)


def original_language(languages: list[str], countries: list[str]) -> str:
    codes = [LANGUAGE_MAP[name] for name in languages if name in LANGUAGE_MAP]
    if not codes:
        return ""
    if len(codes) == 1:
        return codes[0]
    spoken = [code for country in countries for code in COUNTRY_LANGUAGES.get(country, ())]
    for code in spoken:  # country order is alphabetical too; English-speaking producers list "en" first
        if code == "en" and "en" in codes:
            return "en"
    for code in spoken:
        if code in codes:
            return code
    return codes[0]


def popularity(reviews: int, box_office: float | None) -> float:
    """Critic review count and box office (USD) on a TMDb-like scale: reviews/10 + 10*log10(1 + $M)."""
    return round(reviews / 10 + 10 * math.log10(1 + (box_office or 0) / 1_000_000), 3)


def overview(*, year: int | None, director: str, countries: list[str]) -> str:
    """A factual line composed from the fields (the source has no plot text), e.g.
    "1995 film directed by Michael Mann (United States)."."""
    line = f"{year} film" if year else "Film"
    if director:
        line += f" directed by {director}"
    if countries:
        line += f" ({', '.join(countries[:3])})"
    return line + "."


def load_links(links_dir: Path) -> dict[int, int]:
    """IMDb numeric id -> TMDb id. Only these two columns are read from MovieLens."""
    links: dict[int, int] = {}
    with (links_dir / "links.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row.get("imdbId") and row.get("tmdbId"):
                links[int(row["imdbId"])] = int(row["tmdbId"])
    return links


def build(*, movies_db: Path, links_dir: Path) -> dict:
    links = load_links(links_dir)
    connection = sqlite3.connect(f"file:{movies_db}?mode=ro", uri=True)
    rows = connection.execute(
        """
        SELECT o.ID, o.imdbID, o.Title, o.Year, o.Released, o.Runtime, o.Genre, o.Director, o.Writer, o.Cast,
               o.Language, o.Country, t.Rating, t.Reviews, t.BoxOffice
        FROM omdb o JOIN tomatoes t ON t.ID = o.ID
        ORDER BY o.ID
        """
    ).fetchall()
    connection.close()

    unmapped_genres: Counter[str] = Counter()
    unmapped_languages: Counter[str] = Counter()
    by_tmdb_id: dict[int, tuple[int, dict]] = {}
    for (
        source_id,
        imdb_id,
        title,
        year,
        released,
        runtime,
        genre,
        director,
        writer,
        cast,
        language,
        country,
        critics_rating,
        reviews,
        box_office,
    ) in rows:
        if not imdb_id or not imdb_id.startswith("tt"):
            continue
        tmdb_id = links.get(int(imdb_id[2:]))
        if tmdb_id is None:
            continue
        genre_ids: list[int] = []
        for label in _split(genre):
            key = label.lower()
            if key not in GENRE_MAP:
                unmapped_genres[label] += 1
                continue
            mapped = GENRE_MAP[key]
            if mapped is not None and mapped not in genre_ids:
                genre_ids.append(mapped)
        genre_ids.sort()
        languages = _split(language)
        unmapped_languages.update(name for name in languages if name not in LANGUAGE_MAP)
        countries = _split(country)
        try:
            release_date = datetime.date.fromisoformat(released).isoformat() if released else None
        except ValueError:
            release_date = None
        reviews = int(reviews or 0)
        has_rating = critics_rating is not None and reviews > 0
        director_text = _truncate_names(_split(director))
        film = {
            "tmdb_id": tmdb_id,
            "imdb_id": imdb_id,
            "title": title.strip()[:MAX_TEXT],
            "year": int(year) if year else None,
            "release_date": release_date,
            "runtime": int(runtime) if runtime and 0 < runtime < 32767 else None,
            "original_language": original_language(languages, countries),
            "genres": genre_ids,
            "director": director_text,
            "writer": _truncate_names(_split(writer)),
            "cast": _split(cast)[:MAX_CAST],
            "vote_average": round(float(critics_rating), 1) if has_rating else 0.0,
            "vote_count": reviews if has_rating else 0,
            "popularity": popularity(reviews, box_office),
            "overview": overview(
                year=int(year) if year else None,
                director=director_text,
                countries=countries,
            ),
        }
        # Two IMDb entries can map to one TMDb id (a re-cut); keep the more reviewed, then the older source row.
        rank = (reviews, -source_id)
        if tmdb_id not in by_tmdb_id or rank > by_tmdb_id[tmdb_id][0]:
            by_tmdb_id[tmdb_id] = (rank, film)

    if unmapped_genres:
        print(f"warning: genre labels without a mapping (dropped): {dict(unmapped_genres)}", file=sys.stderr)
    if unmapped_languages:
        print(f"note: {sum(unmapped_languages.values())} language names without an ISO 639-1 code", file=sys.stderr)

    movies = [by_tmdb_id[key][1] for key in sorted(by_tmdb_id)]
    return {
        "version": FORMAT_VERSION,
        "source": SOURCE_PACKAGE,
        "links_sha256": hashlib.sha256((links_dir / "links.csv").read_bytes()).hexdigest(),
        "attribution": ATTRIBUTION,
        "genres": [{"id": gid, "name": name} for gid, name in sorted(TMDB_GENRES.items())],
        "movies": movies,
    }


def write(catalog: dict, output: Path) -> None:
    payload = json.dumps(catalog, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(payload)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links-dir", type=Path, default=DEFAULT_LINKS_DIR, help="folder holding links.csv")
    parser.add_argument("--movies-db", type=Path, default=None, help="movies.db (default: bokeh-sampledata's)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    movies_db = args.movies_db
    if movies_db is None:
        try:
            from bokeh_sampledata.movies_data import movie_path
        except ImportError:
            parser.error(f"install {SOURCE_PACKAGE} (requirements-dev.txt) or pass --movies-db")
        movies_db = Path(movie_path)

    catalog = build(movies_db=movies_db, links_dir=args.links_dir)
    write(catalog, args.output)
    movies = catalog["movies"]
    print(
        f"{len(movies)} films -> {args.output} ({args.output.stat().st_size / 1024:.0f} KiB); "
        f"with genres {sum(1 for m in movies if m['genres'])}, director {sum(1 for m in movies if m['director'])}, "
        f"cast {sum(1 for m in movies if m['cast'])}, language {sum(1 for m in movies if m['original_language'])}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
