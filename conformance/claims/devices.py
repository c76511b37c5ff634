"""Devices: agreement with the CPU."""

from __future__ import annotations

from ..variants import VARIANTS
from .model import Claim

PARITY = Claim(
    "devices.parity",
    "A module moved to another device with .to(device) computes the same outputs and gradients as on the "
    "CPU, within the dtype's tolerance.",
    variants=VARIANTS,
)
