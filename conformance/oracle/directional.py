"""Directional derivatives of the reference, exact to rounding, by the complex step.

For a function f that is analytic where it is evaluated, f(p + i*h*v) = f(p) + i*h*(J v) - O(h^2) +
i*O(h^3), so Im f(p + i*h*v) / h is the directional derivative J v with an error of order h^2 relative
to it, and without the cancellation of a finite difference: no term is subtracted from another.
With h = STEP = 1e-30 that error is far below float64's rounding, so the result is as exact as the
reference's own float64 arithmetic. The documented equations are analytic (affine maps, tanh, the
logistic sigmoid; relu is analytic away from 0, and its checks keep every pre-activation off the kink,
oracle.relu), and the reference computes them with NumPy operations that carry complex values through
unchanged; NumPy compares complex numbers by their real parts first, so relu's max(a, 0) and its
derivative's mask follow the real pre-activation.

The same step through the reference's backward pass gives the directional derivative of the gradient,
a Hessian-vector product: second-order derivatives from the first-order oracle, with no step to tune.
A real value that NumPy would have to store into a real array (dropping the imaginary part) raises
instead of passing silently (ComplexWarning as an error).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace

import numpy as np

from conformance.draw.example import INPUT, Arrays, Example

COMPLEX_WARNING: type[Warning] = getattr(np, "exceptions", np).ComplexWarning
"""numpy.exceptions.ComplexWarning (numpy.ComplexWarning before NumPy 1.25)."""
STEP = 1e-30
"""The complex step h: its O(h^2) truncation is 60 orders of magnitude below the result."""


@contextmanager
def complex_safe() -> Iterator[None]:
    """A complex value stored into a real array (its imaginary part dropped) raises."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", COMPLEX_WARNING)
        yield


def stepped(example: Example, tangents: Arrays) -> Example:
    """The example with every input, given state and parameter moved by i * STEP * its tangent, and its
    upstream gradients (if any) made complex, so that the backward pass stores complex values."""

    def moved(a: np.ndarray, name: str) -> np.ndarray:
        return a + 1j * STEP * tangents[name] if name in tangents else a.astype(np.complex128)

    def maybe(a: np.ndarray | None, name: str) -> np.ndarray | None:
        return None if a is None else moved(a, name)

    h_name, c_name = (*example.state_names, "", "")[:2]
    upstream = None if example.upstream is None else {k: v.astype(np.complex128) for k, v in example.upstream.items()}
    return replace(
        example,
        params={name: moved(value, name) for name, value in example.params.items()},
        x=moved(example.x, INPUT),
        h0=maybe(example.h0, h_name),
        c0=maybe(example.c0, c_name),
        upstream=upstream,
    )


def imaginary_part(results: Callable[[Example], Arrays], example: Example, tangents: Arrays) -> Arrays:
    with complex_safe():
        moved = results(stepped(example, tangents))
    return {name: np.imag(value) / STEP for name, value in moved.items()}
