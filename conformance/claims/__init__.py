"""The table of documented claims: each declared once, in the module of its section.

Checks look their claim up here; the README's claim list and the report's descriptions come from
`TABLE`, and the meta-suite requires a kill for every entry.
"""

from __future__ import annotations

from . import (
    construction,
    contract,
    deploy,
    devices,
    dropout,
    forward,
    gradients,
    init,
    modes,
    outputs,
    packed,
    parameters,
    transforms,
)
from .model import TABLE, Anchor, Claim, claim_of

SECTIONS = (
    outputs,
    gradients,
    transforms,
    packed,
    dropout,
    parameters,
    init,
    construction,
    forward,
    modes,
    contract,
    deploy,
    devices,
)

__all__ = ["SECTIONS", "TABLE", "Anchor", "Claim", "claim_of"]
