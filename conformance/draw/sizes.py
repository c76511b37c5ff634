"""How large the drawn sizes get. The profile picks a tier; strategies read it when they draw.

Kernels switch code paths at size thresholds, so even the default tier reaches sizes in the tens
(and the thorough tier the hundreds), while still favouring the edges: 1 is always drawable.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Tier:
    seq_len: int
    batch: int
    hidden: int
    input: int
    layers: int
    steps: int
    """Cap on seq_len * num_layers * directions, which bounds the reference's Python loop."""


TIERS = {
    "default": Tier(seq_len=48, batch=128, hidden=64, input=48, layers=3, steps=160),
    "thorough": Tier(seq_len=256, batch=256, hidden=256, input=128, layers=4, steps=1024),
}

CAP_DIVISOR = 4
"""Costlier checks (gradients, packed sequences, dropout) draw sizes up to a quarter of the tier."""

SMALL = Tier(seq_len=5, batch=3, hidden=6, input=6, layers=2, steps=16)
"""The mode checks' sizes: they are about how weights reach the kernels, not about the arithmetic."""

_current = TIERS["default"]


def use(name: str) -> None:
    global _current
    _current = TIERS[name]


def current() -> Tier:
    return _current


@contextmanager
def using(tier: Tier) -> Iterator[None]:
    """Draw within `tier` inside the block (for claims whose truth does not depend on the sizes)."""
    global _current
    saved, _current = _current, tier
    try:
        yield
    finally:
        _current = saved


def capped() -> Tier:
    """The current tier cut to a quarter (CAP_DIVISOR), for the costlier checks; never below 4."""
    tier = _current
    return Tier(
        seq_len=max(4, tier.seq_len // CAP_DIVISOR),
        batch=max(4, tier.batch // CAP_DIVISOR),
        hidden=max(4, tier.hidden // CAP_DIVISOR),
        input=max(4, tier.input // CAP_DIVISOR),
        layers=tier.layers,
        steps=max(8, tier.steps // CAP_DIVISOR),
    )
