"""The nonlinearities of the documented equations and their derivatives, in float64.

Each derivative is written with the nonlinearity's output y = act(a), as backpropagation reads it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .arrays import Array


def sigmoid(x: Array) -> Array:
    """sigma(x) = 1 / (1 + exp(-x)). For x below about -709, exp(-x) overflows to inf and sigma(x) is
    0, as it is to float64's precision; the overflow is expected, so it is not reported."""
    with np.errstate(over="ignore"):
        y: Array = 1.0 / (1.0 + np.exp(-x))
    return y


def tanh(x: Array) -> Array:
    return np.tanh(x)


def relu(x: Array) -> Array:
    return np.maximum(x, 0.0)


def d_sigmoid(s: Array) -> Array:
    """sigma'(a) = s * (1 - s) with s = sigma(a)."""
    return s * (1.0 - s)


def d_tanh(t: Array) -> Array:
    """tanh'(a) = 1 - t^2 with t = tanh(a)."""
    return 1.0 - t * t


def d_relu(r: Array) -> Array:
    """relu'(a) = 1 where r = relu(a) > 0, else 0: relu'(0) is taken as 0, as torch does."""
    return (r > 0.0).astype(np.float64)


Activation = Callable[[Array], Array]

ACTIVATIONS: dict[str, Activation] = {"tanh": tanh, "relu": relu}
"""The RNN's nonlinearity by its constructor name."""

DERIVATIVES: dict[str, Activation] = {"tanh": d_tanh, "relu": d_relu}
"""The derivative of ACTIVATIONS[name], written with its output."""
