"""People and collections, fetched through from TMDb when asked for and not mirrored yet (or stale).

Exactly like movie details (`services.fetch_through`): read through the cache with versioned keys
(`movies:v1:person:<id>`, `movies:v1:collection:<id>`), one TMDb call for many concurrent readers, the
shared rate limit and breaker of the one TmdbClient, the mirrored copy served stale when TMDb fails. What
a fetch brings is stored as rows (the person, their credits and the movies credited; the collection and its
parts), in one short transaction after the call.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from movie_backend.exceptions import NotFound
from movies import cache as movie_cache
from movies import graph
from movies.local_ids import is_local_id
from movies.models import Collection, Credit, Movie, Person
from movies.services import details_fresh, fetch_through, movies_upsert_from_tmdb
from movies.tmdb import TmdbClient, TmdbUnavailable


class PersonNotFound(NotFound):
    message = "Person not found."


class CollectionNotFound(NotFound):
    message = "Collection not found."


def _movie_items(items) -> list[dict]:
    return [i for i in items or [] if isinstance(i, dict) and isinstance(i.get("id"), int) and i.get("title")]


# --- People ----------------------------------------------------------------------------------------


def person_sync(*, client: TmdbClient, person_id: int) -> Person:
    """Fetch a person with their movie credits and store them: the person, every movie credited (as TMDb
    lists it) and the credits. A person of our own credited on those movies under the same name is taken
    over. Raises TmdbNotFound for unknown ids."""
    data = client.person_details(person_id=person_id)
    if not isinstance(data.get("id"), int) or not data.get("name"):
        raise TmdbUnavailable("TMDb answered person data without an id or name.")
    credits = data.get("movie_credits") if isinstance(data.get("movie_credits"), dict) else {}
    cast, crew = _movie_items(credits.get("cast")), _movie_items(credits.get("crew"))
    with transaction.atomic():
        movie_pks = movies_upsert_from_tmdb(items=cast + crew)
        person_pk = graph.people_upsert_from_tmdb(entries=[data], movie_pks=movie_pks.values(), details=True)[
            data["id"]
        ]
        entries = [
            (
                movie_pks[c["id"]],
                {
                    "kind": Credit.Kind.CAST,
                    "character": c.get("character"),
                    "order": c["order"] if isinstance(c.get("order"), int) and c["order"] >= 0 else n,
                    "credit_id": c.get("credit_id"),
                },
            )
            for n, c in enumerate(cast)
        ]
        entries += [
            (
                movie_pks[c["id"]],
                {
                    "kind": Credit.Kind.CREW,
                    "job": c.get("job"),
                    "department": c.get("department"),
                    "order": n,
                    "credit_id": c.get("credit_id"),
                },
            )
            for n, c in enumerate(crew)
        ]
        graph.person_credits_add(person_pk=person_pk, credits=entries)
    movie_cache.catalog_changed()
    return Person.objects.get(pk=person_pk)


def person_get(*, person_id: int) -> tuple[Person, bool]:
    """The person for `/api/people/<id>/` and whether it is a stale copy served because TMDb failed.

    A local id (>= 2**52) is answered from the mirror only; its row may have been taken over by a TMDb
    person since (the caller then redirects to the TMDb id). A TMDb id is answered from the mirror when the
    person's details are fresh or TMDb is not configured, else fetched through.
    """
    if is_local_id(person_id):
        person = Person.objects.filter(local_id=person_id).first()
        if person is None:
            raise PersonNotFound()
        return person, False
    person = Person.objects.filter(tmdb_id=person_id).first()
    return fetch_through(
        row=person,
        fresh=person is not None and details_fresh(person.details_synced_at),
        key=movie_cache.make_key("person", person_id),
        family="person",
        produce=lambda: person_sync(client=TmdbClient.for_request(), person_id=person_id).pk,
        load=lambda pk: Person.objects.filter(pk=pk).first(),
        not_found=PersonNotFound,
        what="person",
    )


# --- Collections -----------------------------------------------------------------------------------


def collection_sync(*, client: TmdbClient, collection_id: int) -> Collection:
    """Fetch a collection and store it with its parts (each part's movie now belongs to it; a movie TMDb no
    longer lists leaves it). Raises TmdbNotFound for unknown ids."""
    data = client.collection_details(collection_id=collection_id)
    if not isinstance(data.get("id"), int) or not data.get("name"):
        raise TmdbUnavailable("TMDb answered collection data without an id or name.")
    parts = _movie_items(data.get("parts"))
    now = timezone.now()
    with transaction.atomic():
        pk = graph.collections_upsert([data], full=True)[data["id"]]
        movie_pks = list(movies_upsert_from_tmdb(items=parts).values())
        Movie.objects.filter(pk__in=movie_pks).exclude(collection_id=pk).update(collection_id=pk, updated_at=now)
        Movie.objects.filter(collection_id=pk).exclude(pk__in=movie_pks).update(collection=None, updated_at=now)
    movie_cache.catalog_changed()
    return Collection.objects.get(pk=pk)


def collection_get(*, collection_id: int) -> tuple[Collection, bool]:
    """The collection for `/api/collections/<id>/` and whether it is a stale copy (see `person_get`)."""
    collection = Collection.objects.filter(tmdb_id=collection_id).first()
    return fetch_through(
        row=collection,
        fresh=collection is not None and details_fresh(collection.parts_synced_at),
        key=movie_cache.make_key("collection", collection_id),
        family="collection",
        produce=lambda: collection_sync(client=TmdbClient.for_request(), collection_id=collection_id).pk,
        load=lambda pk: Collection.objects.filter(pk=pk).first(),
        not_found=CollectionNotFound,
        what="collection",
    )
