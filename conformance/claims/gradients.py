"""Gradients: backpropagation through time."""

from __future__ import annotations

from ..variants import VARIANTS
from .model import Claim

VALUES = Claim(
    "gradients.values",
    "Autograd through the module gives the gradients of the documented equations: for any upstream "
    "gradients of output, h_n and c_n (h' and c' for cells), the gradients with respect to the input, "
    "h_0 and c_0 (when given) and every parameter are those of backpropagation through time.",
    variants=VARIANTS,
    leads=True,
)
