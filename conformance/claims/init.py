"""Initialisation."""

from __future__ import annotations

from ..variants import VARIANTS
from .model import Anchor, Claim

INIT_TEXT = (
    r"All the weights and biases are initialized from :math:`\mathcal{U}(-\sqrt{k}, \sqrt{k})` where "
    r":math:`k = \frac{1}{\text{hidden\_size}}`"
)
"""The initialisation, as each class's docstring states it."""
DOCUMENTED_IN = ("RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell")

BOUNDS = Claim(
    "init.bounds",
    "All the weights and biases are initialized from U(-sqrt(k), sqrt(k)) where k = 1/hidden_size, so "
    "every parameter of a new module, weight_hr included, lies within [-1/sqrt(hidden_size), "
    "1/sqrt(hidden_size)].",
    variants=VARIANTS,
    documented_by=[Anchor(f"torch.nn.{name}", INIT_TEXT) for name in DOCUMENTED_IN],
)

UNIFORM = Claim(
    "init.uniform",
    "All the weights and biases are initialized from U(-sqrt(k), sqrt(k)) where k = 1/hidden_size: the "
    "values of a new module are consistent with that distribution (goodness of fit per parameter role and "
    "pooled, mean 0, variance k/3, fourth moment k^2/5; false-alarm probability at most 1e-6 per module).",
    variants=VARIANTS,
    documented_by=[Anchor(f"torch.nn.{name}", INIT_TEXT) for name in DOCUMENTED_IN],
)
