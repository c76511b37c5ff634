"""The reference's `store`: a model of an implementation that keeps its numbers in a lower precision.

Exact storage changes nothing; storage rounded to float32 moves every gradient by about float32's
rounding and no more; and it rounds what it returns, so each gradient is a float32 number.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given

from reference import CELL_KINDS, Spec, cell_backward, forward_backward, parameter_table

from .test_identities import BATCHES, SEEDS, SEQ_LENS, draw, specs


def float32(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float32).astype(np.float64)


def upstream(spec: Spec, seed: int, seq_len: int, batch: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed + 1)
    rows = spec.directions * spec.num_layers
    grads = {
        "grad_output": rng.standard_normal((seq_len, batch, spec.directions * spec.out_size)),
        "grad_h_n": rng.standard_normal((rows, batch, spec.out_size)),
    }
    if spec.has_cell_state:
        grads["grad_c_n"] = rng.standard_normal((rows, batch, spec.hidden_size))
    return grads


@given(spec=specs(), seq_len=SEQ_LENS, batch=BATCHES, seed=SEEDS)
def test_stored_gradients_stay_within_float32_rounding_of_the_exact_ones(
    spec: Spec, seq_len: int, batch: int, seed: int
) -> None:
    drawn = draw(spec, seed, seq_len, batch)
    args = (spec, drawn.params, drawn.x, drawn.h0, drawn.c0)
    up = upstream(spec, seed, seq_len, batch)
    exact = forward_backward(*args, **up)
    identity = forward_backward(*args, **up, store=lambda a: a)
    assert all(np.array_equal(identity[k], exact[k]) for k in exact)
    stored = forward_backward(*args, **up, store=float32)
    eps = float(np.finfo(np.float32).eps)
    for name, g in exact.items():
        assert np.array_equal(stored[name], float32(stored[name])), f"{name} is not stored in float32"
        bound = 64 * eps * (seq_len * spec.num_layers + 8) * (1 + np.max(np.abs(g)))
        assert np.max(np.abs(stored[name] - g), initial=0.0) <= bound, name


@given(spec=specs(kinds=CELL_KINDS), batch=BATCHES, seed=SEEDS)
def test_stored_cell_gradients_are_the_rounded_exact_ones(spec: Spec, batch: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    params = {name: rng.uniform(-1, 1, shape) for name, shape in parameter_table(spec)}
    x, h = rng.uniform(-1, 1, (batch, spec.input_size)), rng.uniform(-1, 1, (batch, spec.hidden_size))
    c = rng.uniform(-1, 1, (batch, spec.hidden_size)) if spec.has_cell_state else None
    grad_h = rng.standard_normal((batch, spec.hidden_size))
    grad_c = rng.standard_normal((batch, spec.hidden_size)) if c is not None else None
    exact = cell_backward(spec, params, x, h, c, grad_h, grad_c)
    stored = cell_backward(spec, params, x, h, c, grad_h, grad_c, float32)
    for name, g in exact.items():
        assert np.array_equal(stored[name], float32(g)), name
