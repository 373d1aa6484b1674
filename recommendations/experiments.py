"""A/B experiments over the recommenders: deterministic assignment and what a variant means for the engine.

Assignment: sha256 of "<experiment name>:<unit>" (the unit is "user:<id>" for a signed-in caller, else
"client:<X-Client-Id>"), its first 8 bytes read as a number in [0, 1), mapped onto the variants' cumulative
weights. The same unit always lands in the same variant, in every process, with no state stored; Python's
`hash()` is never used (it is salted per process).

The running experiment for a surface is read once per EXPERIMENTS_CACHE_SECONDS (one small query, then
cached), so starting or stopping one in the admin takes effect within that many seconds, without a deploy.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from recommendations.engine import personalized
from recommendations.models import Experiment
from recommendations.variants import Variant, validate_variants

RUNNING_KEY = "rec:experiment:v1:running:{kind}"
CLIENT_ID_HEADER = "X-Client-Id"
VARIANT_HEADER = "X-Experiment-Variant"
EXPERIMENT_HEADER = "X-Experiment"
REQUEST_ID_HEADER = "X-Request-Id"
CONTROL = "control"
_TOKEN = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


@dataclass(frozen=True)
class Assignment:
    experiment_id: int
    experiment: str
    variant: Variant

    @property
    def algorithm_label(self) -> str:
        return f"{self.variant.algorithm}:{self.experiment}/{self.variant.name}"


def bucket(experiment: str, unit: str) -> float:
    """A stable number in [0, 1) for this unit in this experiment."""
    digest = hashlib.sha256(f"{experiment}:{unit}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def assign_variant(*, experiment: str, variants: list[Variant], unit: str) -> Variant:
    """The unit's variant: its bucket placed on the cumulative weights."""
    total = sum(v.weight for v in variants)
    point = bucket(experiment, unit) * total
    running = 0.0
    for variant in variants:
        running += variant.weight
        if point < running:
            return variant
    return [v for v in variants if v.weight > 0][-1]


def control_name(variant_names: list[str]) -> str:
    return CONTROL if CONTROL in variant_names else (variant_names[0] if variant_names else CONTROL)


def assignment_unit(*, user, client_id: str | None) -> str | None:
    """ "user:<id>" for a signed-in caller, "client:<id>" for an anonymous one with a usable X-Client-Id."""
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    if client_id and _TOKEN.match(client_id):
        return f"client:{client_id}"
    return None


def running_experiment(kind: str) -> dict | None:
    """The running experiment for a surface as {"id", "name", "variants"} (cached briefly), or None."""
    key = RUNNING_KEY.format(kind=kind)
    cached = cache.get(key)
    if cached is not None:
        return cached or None
    now = timezone.now()
    row = (
        Experiment.objects.filter(kind=kind, active=True)
        .filter(Q(starts_at__isnull=True) | Q(starts_at__lte=now), Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .order_by("created_at", "id")
        .values("id", "name", "variants")
        .first()
    )
    cache.set(key, row or {}, settings.EXPERIMENTS_CACHE_SECONDS)
    return row


def running_experiment_forget(kind: str | None = None) -> None:
    """Drop the cached running experiment (after an admin change), so this process sees it at once."""
    kinds = [kind] if kind else list(Experiment.Kind.values)
    cache.delete_many([RUNNING_KEY.format(kind=k) for k in kinds])


def resolve(*, kind: str, user, client_id: str | None = None) -> Assignment | None:
    """The caller's variant in the surface's running experiment, or None (no experiment, no unit, bad JSON)."""
    row = running_experiment(kind)
    if not row:
        return None
    unit = assignment_unit(user=user, client_id=client_id)
    if unit is None:
        return None
    try:
        variants = validate_variants(row["variants"])
    except ValidationError:
        return None
    variant = assign_variant(experiment=row["name"], variants=variants, unit=unit)
    return Assignment(experiment_id=row["id"], experiment=row["name"], variant=variant)


def blend_for(variant: Variant | None) -> personalized.Blend | None:
    """The personalized blend a variant asks for; None means the production default."""
    if variant is None:
        return None
    base = personalized.Blend()
    if variant.algorithm == "popularity":
        return replace(
            base,
            content=0.0,
            collaborative=0.0,
            sequential=0.0,
            preferences=0.0,
            preferences_cold=0.0,
            popularity=1.0,
        )
    if not variant.params:
        return None
    return replace(base, **{k: float(v) for k, v in variant.params.items()})


def request_id(request) -> str:
    """The caller's X-Request-Id when it is a sane token, else a fresh one (also sent back in the header)."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if _TOKEN.match(given) else uuid.uuid4().hex


def tag_response(response, *, request_id: str, assignment: Assignment | None = None):
    """Say on the response which request served the list and, in an experiment, which variant."""
    response[REQUEST_ID_HEADER] = request_id
    if assignment is not None:
        response[EXPERIMENT_HEADER] = assignment.experiment
        response[VARIANT_HEADER] = assignment.variant.name
    return response
