"""PostgreSQL restarted under traffic: every backend of the test database is killed while requests run.

Requests afterwards succeed (persistent connections are health-checked before reuse), and writes racing
the kill are all-or-nothing: a favorite add leaves 0 or 1 row, and a stored favorite always comes with
its taste-version bump (both are written in one transaction).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tests.conftest import client_for
from tests.factories import MovieFactory, UserFactory
from users.models import Favorite

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: pg_terminate_backend has no SQLite equivalent (set DATABASE_URL)",
    ),
]

THREADS = 4
ROUNDS = 15
KILLS = 5


def kill_backends() -> int:
    """From a separate connection, terminate every other backend of the test database (as a restart does)."""
    import psycopg2

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    admin = psycopg2.connect(**params)
    try:
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            rows = cursor.fetchall()
    finally:
        admin.close()
    return len(rows)


@pytest.mark.django_db(transaction=True)
def test_requests_recover_after_every_backend_is_killed_and_no_write_is_half_done():
    movies = [MovieFactory() for _ in range(ROUNDS)]
    users = [UserFactory() for _ in range(THREADS)]
    statuses: list[int] = []
    bodies_ok: list[bool] = []
    errors: list[BaseException] = []
    started = threading.Barrier(THREADS + 1)

    def traffic(user):
        client = client_for(user)
        try:
            started.wait()
            for movie in movies:
                for response in (
                    client.post("/api/users/me/favorites/", {"tmdb_id": movie.tmdb_id}, format="json"),
                    client.get("/api/movies/", {"limit": 5}),
                    client.get(f"/api/movies/{movie.tmdb_id}/"),
                ):
                    statuses.append(response.status_code)
                    bodies_ok.append(response.status_code < 400 or response.json().get("status") == "error")
        except BaseException as exc:  # reported below; a thread must not die silently
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=traffic, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    started.wait()
    killed = sum(kill_backends() for _ in range(KILLS))
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request hung after the kill"
    connections.close_all()  # this thread's connection was killed too; the next query reconnects

    assert errors == []
    assert killed >= 1
    assert all(bodies_ok), "every answer, failed or not, is JSON in the envelope"
    assert set(statuses) <= {200, 201, 503}, f"a killed connection answers 503, never 500: {sorted(set(statuses))}"

    # Afterwards every request succeeds, for every client.
    for user in users:
        client = client_for(user)
        assert client.get("/api/users/me/favorites/", {"limit": 100}).status_code == 200
        assert client.get("/api/movies/", {"limit": 5}).status_code == 200
        for movie in movies:
            assert client.post("/api/users/me/favorites/", {"tmdb_id": movie.tmdb_id}, format="json").status_code in (
                200,
                201,
            )

    # No half-written rows: exactly one favorite per (user, movie) now, and each user's taste version moved.
    for user in users:
        assert Favorite.objects.filter(user=user).count() == len(movies)
        for movie in movies:
            assert Favorite.objects.filter(user=user, movie=movie).count() == 1
