"""Query understanding: what a free-text request asks for (genres, moods, people, eras, audiences, languages,
themes, exclusions, "like <title>", keywords), in terms the catalog index can answer."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from recommendations.engine.text import normalize_text, tokens
from recommendations.nl.index import CatalogIndex
from recommendations.nl.vocabulary import (
    ADULTS_RE,
    AFTER_RE,
    BEFORE_RE,
    COMPARATIVE_MOODS,
    DECADE_RE,
    DECADE_WORD_RE,
    DECADE_WORDS,
    GENRE_PHRASES,
    KEEP_AS_KEYWORD,
    KIDS_RE,
    LANGUAGE_WORDS,
    LIKE_RE,
    MOOD_EXCLUSIONS,
    MOOD_PHRASES,
    NEGATION_RE,
    NOT_KIDS_RE,
    OBSCURE_RE,
    OLD_RE,
    POPULAR_RE,
    QUALITY_RE,
    RANGE_RE,
    RECENT_RE,
    STOPWORDS,
    THEME_PHRASES,
    YEAR_RE,
    Mood,
)


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

    for match in RANGE_RE.finditer(text):
        low, high = sorted((int(match.group(1)), int(match.group(2))))
        ranges.append((low, high))
        intent.eras.append(f"{low}-{high}")
        spans.append(match.span())
    for match in BEFORE_RE.finditer(text):
        ranges.append((None, int(match.group(1)) - 1))
        intent.eras.append(f"before {match.group(1)}")
        spans.append(match.span())
    for match in AFTER_RE.finditer(text):
        year = int(match.group(2))
        word = match.group(1)
        ranges.append((year + 1 if word in ("after", "post", "newer than") else year, None))
        intent.eras.append(f"{word} {year}")
        spans.append(match.span())
    for match in DECADE_RE.finditer(text):
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
    for match in DECADE_WORD_RE.finditer(text):
        start = DECADE_WORDS[match.group(2)]
        low, high = _decade_bounds(match.group(1), start)
        ranges.append((low, high))
        intent.eras.append(f"{(match.group(1) + ' ') if match.group(1) else ''}{start}s")
        spans.append(match.span())
    for match in YEAR_RE.finditer(text):
        if any(s <= match.start() < e for s, e in spans):
            continue
        year = int(match.group(1))
        ranges.append((year, year))
        intent.eras.append(str(year))
        spans.append(match.span())
    if OLD_RE.search(text):
        ranges.append((None, 1979))
        intent.eras.append("before 1980")
        spans.extend(m.span() for m in OLD_RE.finditer(text))
    if RECENT_RE.search(text):
        ranges.append((index.max_year - 4, None))
        intent.eras.append(f"{index.max_year - 4} or later")
        spans.extend(m.span() for m in RECENT_RE.finditer(text))

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
    for match in list(NEGATION_RE.finditer(text)):
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
    for match in LIKE_RE.finditer(text):
        words = tokens(match.group(1))
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

    for regex in (NOT_KIDS_RE, ADULTS_RE):
        if regex.search(text):
            intent.adults = True
            text = regex.sub(lambda m: " " * len(m.group(0)), text)
    if KIDS_RE.search(text):
        intent.kids = True
        text = KIDS_RE.sub(lambda m: " " * len(m.group(0)), text)

    intent.quality = bool(QUALITY_RE.search(text))
    intent.popular = bool(POPULAR_RE.search(text))
    intent.obscure = bool(OBSCURE_RE.search(text))
    for regex in (OBSCURE_RE,):
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
    words = tokens(text)
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
