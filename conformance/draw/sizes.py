"""How large the drawn sizes get. The profile picks a tier; strategies read it when they draw.

Kernels switch code paths at size thresholds, so even the default tier reaches sizes in the tens
(and the thorough tier the hundreds), while still favouring the edges: 1 is always drawable.
"""

from __future__ import annotations

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

_current = TIERS["default"]


def use(name: str) -> None:
    global _current
    _current = TIERS[name]


def current() -> Tier:
    return _current
