"""The array types of the reference: every value is a float64 NumPy array."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
"""A float64 array: an input, a state, a parameter, a gradient."""

Bias = Array | None
"""A bias vector, or None for a module built with bias=False (it then counts as zero)."""

Mask = npt.NDArray[np.bool_]
"""Which batch entries (rows) a step updates."""

Params = Mapping[str, Array]
"""Parameters by their documented names (weight_ih_l0, bias_hh_l1_reverse, ... or a cell's weight_ih, ...)."""

Store = Callable[[Array], Array]
"""How an implementation keeps a new state: the identity in float64, a rounding in a narrower type."""


def exact(a: Array) -> Array:
    """The Store of a float64 implementation: the state as computed."""
    return a
