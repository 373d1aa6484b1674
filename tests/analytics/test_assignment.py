from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import ValidationError

from recommendations import experiments
from recommendations.experiments import Variant, assign_variant, assignment_unit, bucket, validate_variants
from tests.analytics.conftest import make_experiment
from tests.factories import UserFactory

TWO = [Variant("control", 70), Variant("treatment", 30)]


def test_bucket_is_sha256_of_name_and_unit():
    """The bucket is the same in every process: the first 8 bytes of sha256, never Python's salted hash()."""
    digest = hashlib.sha256(b"blend-test:user:42").digest()

    assert bucket("blend-test", "user:42") == int.from_bytes(digest[:8], "big") / 2**64


def test_same_unit_same_variant_every_time():
    first = assign_variant(experiment="blend-test", variants=TWO, unit="user:7")

    assert all(assign_variant(experiment="blend-test", variants=TWO, unit="user:7") == first for _ in range(50))


def test_weights_are_respected_over_ten_thousand_ids():
    counts = {"control": 0, "treatment": 0}
    for i in range(10_000):
        counts[assign_variant(experiment="blend-test", variants=TWO, unit=f"user:{i}").name] += 1

    assert abs(counts["control"] / 10_000 - 0.70) < 0.02
    assert abs(counts["treatment"] / 10_000 - 0.30) < 0.02


def test_another_experiment_reshuffles_users():
    """Assignments of two experiments are independent: about half the users switch sides."""
    even = [Variant("a", 1), Variant("b", 1)]
    same = sum(
        assign_variant(experiment="one", variants=even, unit=f"user:{i}").name
        == assign_variant(experiment="two", variants=even, unit=f"user:{i}").name
        for i in range(2_000)
    )

    assert 0.45 < same / 2_000 < 0.55


def test_a_zero_weight_variant_is_never_served():
    variants = [Variant("control", 1), Variant("off", 0)]

    assert {assign_variant(experiment="x", variants=variants, unit=f"u{i}").name for i in range(1000)} == {"control"}


def test_anonymous_callers_are_assigned_by_client_id(db):
    user = UserFactory()

    assert assignment_unit(user=user, client_id="abc") == f"user:{user.pk}"
    assert assignment_unit(user=None, client_id="device-123") == "client:device-123"
    assert assignment_unit(user=None, client_id="no spaces allowed") is None
    assert assignment_unit(user=None, client_id=None) is None


@pytest.mark.django_db
def test_resolve_uses_the_running_experiment_only():
    make_experiment("stopped", active=False)
    assert experiments.resolve(kind="personalized", user=None, client_id="device-1") is None

    experiments.running_experiment_forget()
    running = make_experiment("running")
    got = experiments.resolve(kind="personalized", user=None, client_id="device-1")

    assert got.experiment_id == running.pk
    assert got == experiments.resolve(kind="personalized", user=None, client_id="device-1")


@pytest.mark.parametrize(
    "variants",
    [
        [{"name": "control"}],
        [{"name": "a"}, {"name": "a"}],
        [{"name": "a", "weight": -1}, {"name": "b"}],
        [{"name": "a", "algorithm": "magic"}, {"name": "b"}],
        [{"name": "a", "params": {"nonsense": 1}}, {"name": "b"}],
        [{"name": "a", "weight": 0}, {"name": "b", "weight": 0}],
        "not a list",
    ],
)
def test_malformed_variants_are_rejected(variants):
    with pytest.raises(ValidationError):
        validate_variants(variants)


def test_blend_for_a_variant():
    assert experiments.blend_for(None) is None
    assert experiments.blend_for(Variant("control", 1)) is None
    popular = experiments.blend_for(Variant("t", 1, "popularity"))
    assert (popular.content, popular.collaborative, popular.sequential, popular.popularity) == (0.0, 0.0, 0.0, 1.0)
    assert experiments.blend_for(Variant("t", 1, "hybrid", {"popularity": 0.6})).popularity == 0.6
    assert popular.weights(history=0)["preferences"] == 0.0  # saved preferences do not steer it either
    cold = experiments.blend_for(Variant("t", 1, "hybrid", {"preferences_cold": 0.5, "preferences_half": 10}))
    assert (cold.weights(history=0)["preferences"], cold.weights(history=10)["preferences"]) == pytest.approx(
        (0.5, 0.325)
    )
