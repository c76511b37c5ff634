"""The table of documented claims: each declared once, in the module of its section.

Checks look their claim up here; the README's claim list and the report's descriptions come from
`TABLE`, and the meta-suite requires a kill for every entry.
"""

from __future__ import annotations

from . import construction, deploy, devices, dropout, forward, gradients, init, modes, outputs, packed, parameters
from .model import TABLE, Anchor, Claim, claim_of

SECTIONS = (outputs, gradients, packed, dropout, parameters, init, construction, forward, modes, deploy, devices)

__all__ = ["SECTIONS", "TABLE", "Anchor", "Claim", "claim_of"]
