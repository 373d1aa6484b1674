"""Every recommendation list names, in its body, the algorithm that produced it (and the experiment's variant)."""

from __future__ import annotations

import pytest

from recommendations.models import Experiment, RecommendationLog
from tests.conftest import client_for
from tests.factories import UserFactory


@pytest.mark.django_db
def test_every_list_names_its_algorithm_as_the_log_does(catalog):
    user = UserFactory()
    client = client_for(user)

    bodies = {
        "similar": client.get("/api/movies/603/similar/").json(),
        "genre": client.get("/api/recommendations/genre/878/").json(),
        "personalized": client.get("/api/users/me/recommendations/").json(),
    }

    logged = dict(RecommendationLog.objects.values_list("kind", "algorithm"))
    for kind, body in bodies.items():
        assert body["results"], kind
        assert body["algorithm"] == logged[kind], kind
        assert "experiment" not in body and "variant" not in body, kind


@pytest.mark.django_db
def test_a_list_served_by_an_experiment_names_the_experiment_and_variant(catalog):
    Experiment.objects.create(
        name="blend-test",
        active=True,
        variants=[
            {"name": "control", "weight": 0, "algorithm": "hybrid", "params": {}},
            {"name": "treatment", "weight": 100, "algorithm": "popularity", "params": {}},
        ],
    )

    body = client_for(UserFactory()).get("/api/users/me/recommendations/").json()

    log = RecommendationLog.objects.get()
    assert (body["algorithm"], body["experiment"], body["variant"]) == (log.algorithm, "blend-test", "treatment")
