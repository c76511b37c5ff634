"""The reference's answer for an Example, named as torch's run names torch's.

The reference sees the Example's float64 values (already rounded to the dtype under test) and
runs the documented equations on them: outputs always, gradients when the Example has upstream
gradients, each sequence to its own length when it has lengths.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

import reference
from conformance.draw.example import C_N, C_NEXT, H_N, H_NEXT, OUTPUT, Arrays, Example
from conformance.oracle.directional import imaginary_part
from conformance.run.torch_run import Result

Store = Callable[[np.ndarray], np.ndarray]


def expected_outputs(
    example: Example, store: Store | None = None, dropout_masks: Sequence[np.ndarray] | None = None
) -> Arrays:
    """The reference's outputs; with `store`, the states are kept as `store` rounds them; with
    `dropout_masks`, those masks apply between the layers."""
    spec = example.spec
    keep = store or (lambda a: a)
    if spec.is_cell:
        h, c = reference.cell_forward(spec, example.params, example.x, example.h0, example.c0)
        return {H_NEXT: keep(h)} if c is None else {H_NEXT: keep(h), C_NEXT: keep(c)}
    output, h_n, c_n = reference.forward(
        spec, example.params, example.x, example.h0, example.c0, example.lengths, dropout_masks, store=keep
    )
    named = {OUTPUT: output, H_N: h_n}
    if c_n is not None:
        named[C_N] = c_n
    return named


def expected_gradients(example: Example, store: Store | None = None) -> Arrays:
    """The reference's backpropagation of the example's upstream gradients; with `store`, every state
    and gradient is kept as `store` rounds it."""
    up, spec, keep = example.upstream, example.spec, store or (lambda a: a)
    assert up is not None
    x, h0, c0 = example.x, example.h0, example.c0
    if spec.is_cell:
        return reference.cell_backward(spec, example.params, x, h0, c0, up[H_NEXT], up.get(C_NEXT), keep)
    return reference.forward_backward(
        spec, example.params, x, h0, c0, example.lengths, None, up[OUTPUT], up[H_N], up.get(C_N), keep
    )


def expected_tangents(example: Example, tangents: Arrays | None = None) -> Arrays:
    """J v: the directional derivative of every output along the tangents (the example's by default)."""
    along = example.tangents if tangents is None else tangents
    assert along is not None
    return imaginary_part(expected_outputs, example, along)


def expected_second_order(example: Example, tangents: Arrays | None = None) -> Arrays:
    """H v: the directional derivative, along the tangents (the example's by default), of the gradients
    of sum(upstream * outputs) with respect to the input, the given state and every parameter."""
    along = example.tangents if tangents is None else tangents
    assert along is not None and example.upstream is not None
    return imaginary_part(expected_gradients, example, along)


def expected(example: Example) -> Result:
    """The reference's outputs, its gradients when the example has upstream gradients, and with tangents
    their directional derivatives (oracle.directional): of the gradients, or of the outputs."""
    gradients = expected_gradients(example) if example.upstream is not None else None
    result = Result(expected_outputs(example), gradients)
    if example.tangents is not None and gradients is not None:
        result.second_order = expected_second_order(example)
    elif example.tangents is not None:
        result.tangents = expected_tangents(example)
    return result
