"""Writes of the movie graph around the movies: people, credits, keywords, collections, videos and watch
availability, from TMDb's JSON (a movie's details, a person's movie credits, a collection's parts) and from
names (the bundled catalog, test factories).

Nothing here calls TMDb or opens a transaction of its own that spans one: services fetch first, then call these
inside one short `atomic` block. Every writer of credits or keywords ends with `movie_names_derive`, the only
code that writes a movie's derived `director`, `writer`, `cast` and `keywords` columns.

A part of a TMDb answer that is absent (an older answer, an `append_to_response` not asked for) leaves what the
mirror has; a part that is present replaces it, empty or not.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from movies import bulk
from movies.graph_parse import (
    availability_from_tmdb,
    clip,
    credits_from_tmdb,
    keywords_from_tmdb,
    parse_date,
    person_entry,
    videos_from_tmdb,
)
from movies.local_ids import local_id, name_key
from movies.models import (
    AvailabilityKind,
    Collection,
    Credit,
    Keyword,
    Movie,
    MovieAvailability,
    MovieKeyword,
    MovieWatchRegion,
    Person,
    WatchProvider,
    normalized_name,
)

# Well under SQLite's oldest limit of 999 variables per statement.
CHUNK = 900
BATCH = 1000


class LocalIdCollision(ValueError):
    """Two different names fold into one local id (about 2e-7 likely for the bundled catalog; never seen)."""


def chunks(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- People ----------------------------------------------------------------------------------------

_CREDIT_PERSON_FIELDS = ["name", "name_normalized", "profile_path", "known_for_department", "popularity", "adult"]
_DETAIL_PERSON_FIELDS = [*_CREDIT_PERSON_FIELDS, "biography", "birthday", "deathday", "place_of_birth"]


def _person_values(entry: dict, current: Person | None, *, details: bool) -> dict[str, Any]:
    def kept(key: str, default: Any) -> Any:
        if key in entry and entry[key] is not None:
            return entry[key]
        return getattr(current, key) if current is not None else default

    values = {
        "name": clip(entry["name"], 255),
        "name_normalized": normalized_name(entry["name"]),
        "profile_path": clip(entry.get("profile_path") if "profile_path" in entry else kept("profile_path", ""), 255),
        "known_for_department": clip(kept("known_for_department", ""), 64),
        "popularity": float(kept("popularity", 0) or 0),
        "adult": bool(kept("adult", False)),
    }
    if details:
        values.update(
            biography=entry.get("biography") or "",
            birthday=parse_date(entry.get("birthday")),
            deathday=parse_date(entry.get("deathday")),
            place_of_birth=clip(entry.get("place_of_birth"), 255),
            details_synced_at=timezone.now(),
        )
    return values


def people_upsert_from_tmdb(
    *, entries: Iterable[dict], movie_pks: Iterable[int], details: bool = False
) -> dict[int, int]:
    """Insert or update people from TMDb person dicts (credit entries, or one /person answer); {tmdb_id: pk}.

    A person of our own (local id, no TMDb id) credited on one of `movie_pks` under the same name is the same
    person: the row is taken over (see `Person`). Credit entries never blank a biography or a birthday.
    """
    by_id: dict[int, dict] = {}
    for entry in entries:
        if person_entry(entry):
            by_id.setdefault(entry["id"], entry)
    if not by_id:
        return {}
    existing: dict[int, Person] = {}
    for chunk in chunks(by_id):
        existing.update((p.tmdb_id, p) for p in Person.objects.filter(tmdb_id__in=chunk))
    _take_over_local_people(by_id, existing, list(movie_pks))
    fields = _DETAIL_PERSON_FIELDS + ["details_synced_at"] if details else _CREDIT_PERSON_FIELDS
    rows = [
        Person(tmdb_id=tmdb_id, **_person_values(e, existing.get(tmdb_id), details=details))
        for tmdb_id, e in by_id.items()
    ]
    Person.objects.bulk_create(
        rows, batch_size=BATCH, update_conflicts=True, unique_fields=["tmdb_id"], update_fields=[*fields, "updated_at"]
    )
    pks: dict[int, int] = {}
    for chunk in chunks(by_id):
        pks.update(Person.objects.filter(tmdb_id__in=chunk).values_list("tmdb_id", "pk"))
    return pks


def _take_over_local_people(by_id: dict[int, dict], existing: dict[int, Person], movie_pks: list[int]) -> None:
    local: dict[str, Person] = {}
    for chunk in chunks(movie_pks):
        for person in Person.objects.filter(tmdb_id__isnull=True, credits__movie_id__in=chunk).distinct():
            local.setdefault(name_key(person.name), person)
    if not local:
        return
    for tmdb_id, entry in by_id.items():
        person = local.pop(name_key(entry["name"]), None)
        if person is None:
            continue
        target = existing.get(tmdb_id)
        if target is None:
            person.tmdb_id = tmdb_id
            person.save(update_fields=["tmdb_id", "updated_at"])
            existing[tmdb_id] = person
        else:
            _merge_person(person, into=target)


def _merge_person(person: Person, *, into: Person) -> None:
    """The TMDb person already has a row: the local row's credits move to it, and so does its local id (the
    old id keeps redirecting) unless the TMDb row holds one already (then the old id is a 404)."""
    Credit.objects.filter(person=person).update(person=into)
    old_local_id = person.local_id
    person.delete()
    if into.local_id is None:
        into.local_id = old_local_id
        into.save(update_fields=["local_id", "updated_at"])


def people_local_ensure(names: Iterable[str]) -> dict[str, int]:
    """Rows for people known by name only; {name: pk} for each name given. A row already there (possibly
    taken over by a TMDb person since) is reused as it is."""
    ids: dict[str, int] = {}  # name -> local id, each distinct spelling hashed once
    by_id: dict[int, str] = {}
    for name in names:
        if name in ids or not name_key(name):
            continue
        lid = ids[name] = local_id("person", name)
        known = by_id.setdefault(lid, name)
        if name_key(known) != name_key(name):
            raise LocalIdCollision(f"{known!r} and {name!r} have the same local id {lid}")
    pks: dict[int, int] = {}
    for chunk in chunks(by_id):
        pks.update(Person.objects.filter(local_id__in=chunk).values_list("local_id", "pk"))
    missing = [lid for lid in by_id if lid not in pks]
    bulk.insert(
        Person,
        (
            {"local_id": lid, "name": clip(by_id[lid], 255), "name_normalized": normalized_name(by_id[lid])}
            for lid in missing
        ),
        ignore_conflicts=True,
    )
    for chunk in chunks(missing):
        pks.update(Person.objects.filter(local_id__in=chunk).values_list("local_id", "pk"))
    return {name: pks[lid] for name, lid in ids.items()}


@dataclass(frozen=True)
class NamedCredits:
    """A film's people by name only, as the bundled catalog has them."""

    directors: tuple[str, ...] = ()
    writers: tuple[str, ...] = ()
    cast: tuple[str, ...] = ()

    def rows(self) -> list[tuple[str, str, str, int, str]]:
        """(kind, job, department, order, name) of each credit, directors then writers for the crew."""
        crew = [("Director", "Directing", n) for n in dict.fromkeys(self.directors)]
        crew += [("Writer", "Writing", n) for n in dict.fromkeys(self.writers)]
        rows = [(Credit.Kind.CAST.value, "", "", i, n) for i, n in enumerate(dict.fromkeys(self.cast))]
        return rows + [(Credit.Kind.CREW.value, job, dept, i, n) for i, (job, dept, n) in enumerate(crew)]


def movies_credits_from_names(credits: dict[int, NamedCredits]) -> None:
    """Replace these movies' credits (movie pk -> names) with credits of people of our own."""
    if not credits:
        return
    person_pks = people_local_ensure(name for named in credits.values() for *_, name in named.rows())
    for chunk in chunks(credits):
        Credit.objects.filter(movie_id__in=chunk).delete()
    bulk.insert(
        Credit,
        (
            {
                "movie_id": movie_pk,
                "person_id": person_pks[name],
                "kind": kind,
                "job": job,
                "department": dept,
                "order": order,
            }
            for movie_pk, named in credits.items()
            for kind, job, dept, order, name in named.rows()
            if name in person_pks
        ),
    )
    movie_names_derive(credits)
    people_local_derive(set(person_pks.values()))


# A credit's department as TMDb's known_for_department names it (cast parts are Acting).
_ACTING = "Acting"
_DEPARTMENT_TIES = {_ACTING: 3, "Directing": 2, "Writing": 1}


def _department_rank(item: tuple[str, set[int]]) -> tuple[int, int]:
    return len(item[1]), _DEPARTMENT_TIES.get(item[0], 0)


def people_local_derive(person_pks: Iterable[int]) -> None:
    """For people of our own (no TMDb id) among `person_pks`: `popularity` as the sum of their mirrored films'
    popularity and `known_for_department` as the department of most of their credits (Acting first on a tie),
    so search ranks Stanley Kubrick above a namesake with one part. Films are counted once per person and per
    department; on a tie Acting, then Directing, then Writing. TMDb's own figures replace both when a sync
    takes the person over."""
    films: dict[int, dict[int, float]] = {}
    departments: dict[int, dict[str, set[int]]] = {}
    for chunk in chunks(person_pks):
        rows = Credit.objects.filter(person_id__in=chunk, person__tmdb_id__isnull=True).values_list(
            "person_id", "movie_id", "kind", "department", "movie__popularity"
        )
        for person_pk, movie_pk, kind, department, popularity in rows:
            films.setdefault(person_pk, {})[movie_pk] = popularity or 0.0
            name = _ACTING if kind == Credit.Kind.CAST else department or _ACTING
            departments.setdefault(person_pk, {}).setdefault(name, set()).add(movie_pk)
    bulk.update(
        Person,
        ["popularity", "known_for_department"],
        (
            {
                "pk": pk,
                "popularity": round(sum(films[pk].values()), 3),
                "known_for_department": max(departments[pk].items(), key=_department_rank)[0],
            }
            for pk in films
        ),
    )


# --- Credits, keywords, collections, availability from a details answer -----------------------------


def movie_credits_replace(*, credits: dict[int, list[dict]]) -> None:
    """Replace these movies' credits (movie pk -> `credits_from_tmdb` entries) with TMDb's."""
    if not credits:
        return
    person_pks = people_upsert_from_tmdb(
        entries=(e["person"] for entries in credits.values() for e in entries), movie_pks=credits
    )
    for chunk in chunks(credits):
        Credit.objects.filter(movie_id__in=chunk).delete()
    seen: set[str] = set()
    rows = []
    for movie_pk, entries in credits.items():
        for e in entries:
            credit_id = clip(e.get("credit_id"), 32)
            if credit_id and credit_id in seen:
                continue  # TMDb sometimes lists one credit twice
            seen.add(credit_id)
            rows.append(_credit_row(movie_pk, person_pks[e["person"]["id"]], e, credit_id))
    bulk.insert(Credit, rows, ignore_conflicts=True)


def _credit_row(movie_pk: int, person_pk: int, e: dict, credit_id: str) -> dict[str, Any]:
    return {
        "movie_id": movie_pk,
        "person_id": person_pk,
        "kind": e["kind"],
        "character": clip(e.get("character"), 500),
        "job": clip(e.get("job"), 64),
        "department": clip(e.get("department"), 64),
        "order": e["order"],
        "credit_id": credit_id,
    }


def person_credits_add(*, person_pk: int, credits: list[tuple[int, dict]]) -> None:
    """Add a person's credits from their /person answer ((movie pk, entry) pairs). Their credits of our own on
    those movies go (TMDb's replace them); credits the movie's details already brought are kept as they are."""
    movie_pks = {movie_pk for movie_pk, _ in credits}
    for chunk in chunks(movie_pks):
        Credit.objects.filter(person_id=person_pk, movie_id__in=chunk, credit_id="").delete()
    rows = [_credit_row(movie_pk, person_pk, e, clip(e.get("credit_id"), 32)) for movie_pk, e in credits]
    bulk.insert(Credit, (r for r in rows if r["credit_id"]), ignore_conflicts=True)
    movie_names_derive(movie_pks)


def keywords_upsert(pairs: Iterable[tuple[int, str]]) -> dict[int, int]:
    """Keyword rows for (TMDb id, name) pairs; {tmdb_id: pk}. A name-only row of the same name is taken over."""
    names = dict(pairs)
    if not names:
        return {}
    known: dict[int, int] = {}
    for chunk in chunks(names):
        known.update(Keyword.objects.filter(tmdb_id__in=chunk).values_list("tmdb_id", "pk"))
    missing = {name_key(n): tmdb_id for tmdb_id, n in names.items() if tmdb_id not in known}
    if missing:
        for chunk in chunks(list(names.values())):
            for keyword in Keyword.objects.filter(tmdb_id__isnull=True, name__in=chunk):
                tmdb_id = missing.pop(name_key(keyword.name), None)
                if tmdb_id is not None:
                    Keyword.objects.filter(pk=keyword.pk).update(tmdb_id=tmdb_id)
    Keyword.objects.bulk_create(
        [Keyword(tmdb_id=tmdb_id, name=n) for tmdb_id, n in names.items()],
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["tmdb_id"],
        update_fields=["name"],
    )
    pks: dict[int, int] = {}
    for chunk in chunks(names):
        pks.update(Keyword.objects.filter(tmdb_id__in=chunk).values_list("tmdb_id", "pk"))
    return pks


def keywords_local_ensure(names: Iterable[str]) -> dict[int, int]:
    """Rows for keywords known by name only; {local_id: pk}."""
    by_id = {local_id("keyword", n): clip(n, 255) for n in names if name_key(n)}
    Keyword.objects.bulk_create(
        [Keyword(local_id=lid, name=n) for lid, n in by_id.items()], batch_size=BATCH, ignore_conflicts=True
    )
    pks: dict[int, int] = {}
    for chunk in chunks(by_id):
        pks.update(Keyword.objects.filter(local_id__in=chunk).values_list("local_id", "pk"))
    return pks


def movies_keywords_from_names(keywords: dict[int, list[str]]) -> None:
    """Replace these movies' keywords (movie pk -> names) with keywords of our own."""
    pks = keywords_local_ensure(name for names in keywords.values() for name in names)
    movie_keywords_replace(
        keywords={
            movie: [pks[local_id("keyword", n)] for n in names if name_key(n)] for movie, names in keywords.items()
        }
    )
    movie_names_derive(keywords)


def movie_keywords_replace(*, keywords: dict[int, list[int]]) -> None:
    """Make each movie's keywords exactly these keyword pks, in this order."""
    for chunk in chunks(keywords):
        MovieKeyword.objects.filter(movie_id__in=chunk).delete()
    MovieKeyword.objects.bulk_create(
        [
            MovieKeyword(movie_id=movie_pk, keyword_id=keyword_pk, order=order)
            for movie_pk, keyword_pks in keywords.items()
            for order, keyword_pk in enumerate(dict.fromkeys(keyword_pks))
        ],
        batch_size=BATCH,
    )


def collections_upsert(items: Iterable[dict], *, full: bool = False) -> dict[int, int]:
    """Collection rows from `belongs_to_collection` dicts (or, `full`, /collection answers); {tmdb_id: pk}."""
    by_id = {c["id"]: c for c in items}
    if not by_id:
        return {}
    fields = ["name", "name_normalized", "poster_path", "backdrop_path"]
    fields += ["overview", "parts_synced_at"] if full else []
    now = timezone.now() if full else None
    Collection.objects.bulk_create(
        [
            Collection(
                tmdb_id=tmdb_id,
                name=clip(c.get("name"), 255),
                name_normalized=normalized_name(c.get("name")),
                overview=c.get("overview") or "",
                poster_path=clip(c.get("poster_path"), 255),
                backdrop_path=clip(c.get("backdrop_path"), 255),
                parts_synced_at=now,
            )
            for tmdb_id, c in by_id.items()
        ],
        update_conflicts=True,
        unique_fields=["tmdb_id"],
        update_fields=fields,
    )
    return dict(Collection.objects.filter(tmdb_id__in=by_id).values_list("tmdb_id", "pk"))


def movie_availability_replace(*, availability: dict[int, dict[str, dict]]) -> None:
    """Replace these movies' watch availability (movie pk -> `availability_from_tmdb`) in every region."""
    if not availability:
        return
    providers: dict[int, dict] = {}
    for regions in availability.values():
        for offers in regions.values():
            for kind in AvailabilityKind.values:
                for p in offers[kind]:
                    providers.setdefault(p["provider_id"], p)
    WatchProvider.objects.bulk_create(
        [
            WatchProvider(tmdb_id=pid, name=clip(p.get("provider_name"), 128), logo_path=clip(p.get("logo_path"), 255))
            for pid, p in providers.items()
        ],
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["tmdb_id"],
        update_fields=["name", "logo_path"],
    )
    provider_pks = dict(WatchProvider.objects.filter(tmdb_id__in=providers).values_list("tmdb_id", "pk"))
    for chunk in chunks(availability):
        MovieAvailability.objects.filter(movie_id__in=chunk).delete()
        MovieWatchRegion.objects.filter(movie_id__in=chunk).delete()
    rows: dict[tuple, MovieAvailability] = {}
    for movie_pk, regions in availability.items():
        for region, offers in regions.items():
            for kind in AvailabilityKind.values:
                for p in offers[kind]:
                    priority = p.get("display_priority")
                    rows.setdefault(
                        (movie_pk, region, kind, p["provider_id"]),
                        MovieAvailability(
                            movie_id=movie_pk,
                            provider_id=provider_pks[p["provider_id"]],
                            region=region,
                            kind=kind,
                            display_priority=priority if isinstance(priority, int) and priority >= 0 else 0,
                        ),
                    )
    MovieAvailability.objects.bulk_create(rows.values(), batch_size=BATCH)
    MovieWatchRegion.objects.bulk_create(
        [
            MovieWatchRegion(movie_id=movie_pk, region=region, link=offers["link"])
            for movie_pk, regions in availability.items()
            for region, offers in regions.items()
        ],
        batch_size=BATCH,
    )


@dataclass
class DetailsGraph:
    """What one batch of details answers brings beyond the movie's own columns, by movie pk."""

    credits: dict[int, list[dict]] = field(default_factory=dict)
    keywords: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    videos: dict[int, list[dict]] = field(default_factory=dict)
    availability: dict[int, dict[str, dict]] = field(default_factory=dict)


def movies_graph_replace(*, details: dict[int, dict]) -> None:
    """Store what details answers (movie pk -> TMDb's JSON) carry around each movie: credits, keywords, videos
    and watch availability (the collection link is a column, written with the movie)."""
    graph = DetailsGraph()
    for movie_pk, data in details.items():
        for target, parse in (
            (graph.credits, credits_from_tmdb),
            (graph.keywords, keywords_from_tmdb),
            (graph.videos, videos_from_tmdb),
            (graph.availability, availability_from_tmdb),
        ):
            value = parse(data)
            if value is not None:
                target[movie_pk] = value
    movie_credits_replace(credits=graph.credits)
    keyword_pks = keywords_upsert(pair for pairs in graph.keywords.values() for pair in pairs)
    movie_keywords_replace(keywords={pk: [keyword_pks[k] for k, _ in pairs] for pk, pairs in graph.keywords.items()})
    for movie_pk, videos in graph.videos.items():
        Movie.objects.filter(pk=movie_pk).update(videos=videos)
    movie_availability_replace(availability=graph.availability)
    movie_names_derive({*graph.credits, *graph.keywords})


# --- The derived name columns ------------------------------------------------------------------------


def _join_names(names: Iterable[str], limit: int = 255) -> str:
    """A comma list of whole names no longer than the column."""
    kept: list[str] = []
    for name in dict.fromkeys(names):
        if len(", ".join([*kept, name])) > limit:
            break
        kept.append(name)
    return ", ".join(kept)


def derived_names(credits: Iterable[tuple[str, str, str, str]], keywords: Iterable[str]) -> dict[str, Any]:
    """The name columns from a movie's credits ((kind, job, department, name) in order) and keyword names."""
    credits = list(credits)
    return {
        "director": _join_names(n for kind, job, _, n in credits if kind == Credit.Kind.CREW and job == "Director"),
        "writer": _join_names(n for kind, _, dept, n in credits if kind == Credit.Kind.CREW and dept == "Writing"),
        "cast": list(dict.fromkeys(n for kind, _, _, n in credits if kind == Credit.Kind.CAST)),
        "keywords": list(dict.fromkeys(keywords)),
    }


def movie_names_derive(movie_pks: Iterable[int]) -> int:
    """Rewrite the derived name columns of these movies from their credit and keyword rows; returns how many
    changed (their `updated_at` moves, so the recommendation index sees the change)."""
    now = timezone.now()
    changed: list[dict[str, Any]] = []
    for chunk in chunks(set(movie_pks)):
        credits: dict[int, list[tuple]] = {pk: [] for pk in chunk}
        for movie_id, *row in (
            Credit.objects.filter(movie_id__in=chunk)
            .order_by("movie_id", "kind", "order", "pk")
            .values_list("movie_id", "kind", "job", "department", "person__name")
        ):
            credits[movie_id].append(tuple(row))
        keywords: dict[int, list[str]] = {pk: [] for pk in chunk}
        for movie_id, name in (
            MovieKeyword.objects.filter(movie_id__in=chunk)
            .order_by("movie_id", "order", "pk")
            .values_list("movie_id", "keyword__name")
        ):
            keywords[movie_id].append(name)
        for pk, *current in Movie.objects.filter(pk__in=chunk).values_list(
            "pk", "director", "writer", "cast", "keywords"
        ):
            wanted = derived_names(credits[pk], keywords[pk])
            if list(wanted.values()) != current:
                changed.append({"pk": pk, "updated_at": now, **wanted})
    bulk.update(Movie, ["director", "writer", "cast", "keywords", "updated_at"], changed)
    return len(changed)
