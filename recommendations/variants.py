"""What an experiment's variant is, and the check of an experiment's `variants` JSON.

Below both recommendations.models (Experiment.clean validates with it) and recommendations.experiments
(assignment reads the variants), so neither has to import the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

# What a variant may ask of the personalized list.
ALGORITHMS = {
    "hybrid": "the production blend; params may override its weights",
    "popularity": "popular, well-rated movies only (the blend's popularity prior alone)",
}
BLEND_PARAMS = {
    "content",
    "collaborative",
    "sequential",
    "preferences",
    "preferences_cold",
    "preferences_half",
    "popularity",
    "diversity",
}


@dataclass(frozen=True)
class Variant:
    name: str
    weight: float
    algorithm: str = "hybrid"
    params: dict[str, Any] = field(default_factory=dict)


def validate_variants(raw: Any) -> list[Variant]:
    """Parse an experiment's `variants` JSON; raises django ValidationError on anything malformed."""
    if not isinstance(raw, list) or len(raw) < 2:
        raise ValidationError({"variants": "At least two variants are needed."})
    variants, names = [], set()
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
            raise ValidationError({"variants": "Each variant needs a name."})
        name = item["name"].strip()
        if name in names:
            raise ValidationError({"variants": f"Variant {name!r} appears twice."})
        names.add(name)
        weight = item.get("weight", 1)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
            raise ValidationError({"variants": f"Variant {name!r}: weight must be a number >= 0."})
        algorithm = item.get("algorithm", "hybrid")
        if algorithm not in ALGORITHMS:
            raise ValidationError({"variants": f"Variant {name!r}: algorithm must be one of {sorted(ALGORITHMS)}."})
        params = item.get("params") or {}
        if not isinstance(params, dict):
            raise ValidationError({"variants": f"Variant {name!r}: params must be an object."})
        unknown = set(params) - BLEND_PARAMS
        if unknown:
            raise ValidationError({"variants": f"Variant {name!r}: unknown params {sorted(unknown)}."})
        if any(isinstance(v, bool) or not isinstance(v, int | float) or v < 0 for v in params.values()):
            raise ValidationError({"variants": f"Variant {name!r}: params must be numbers >= 0."})
        variants.append(Variant(name=name, weight=float(weight), algorithm=algorithm, params=dict(params)))
    if sum(v.weight for v in variants) <= 0:
        raise ValidationError({"variants": "The weights must not all be zero."})
    return variants
