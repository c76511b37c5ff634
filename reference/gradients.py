"""Backpropagation through time for the full modules and the cells, by the chain rule.

Arguments follow `forward` and `cell_forward` (calls.BackwardCall, calls.CellBackwardCall); the grad_*
arguments are the upstream gradients of their outputs, shaped like them (None means zero). The backward
pass walks the steps that `layers.trace` recorded, in reverse, and every gradient comes back in the
layout of the argument it belongs to.
"""

from __future__ import annotations

import numpy as np

from .arrays import Array, Store, exact
from .calls import BackwardCall, CellBackwardCall, Lengths, takes
from .cell_gradients import step_backward
from .layers import DirectionRun, Trace, trace, trace_cell
from .parameters import layer_suffix


def direction_backward(
    run: DirectionRun, lengths: Lengths, d_output: Array, d_h: Array, d_c: Array | None, store: Store = exact
) -> tuple[Array, Array, Array | None, dict[str, Array]]:
    """Gradients of one direction: (d_xs, d_h0, d_c0, parameter gradients by unsuffixed name).

    Walks the recorded steps in the opposite order to the forward pass. A sequence that is not
    running at step t kept its state and output zero there, so its state gradient passes through
    unchanged. `store` keeps each gradient computed, and each running sum, as an implementation would.
    """
    d_xs = np.zeros_like(run.xs)
    d_params = {name: np.zeros_like(w) for name, w in run.weights.named().items()}
    for t, record in zip(reversed(run.times), reversed(run.steps), strict=True):
        running = (t < lengths)[:, None]
        d_h_next = np.where(running, d_h + d_output[t], 0.0)
        d_c_next = None if d_c is None else np.where(running, d_c, 0.0)
        grads = step_backward(record, run.weights, d_h_next, d_c_next)
        d_xs[t] = store(grads.x)
        d_h = np.where(running, store(grads.h), d_h)
        if d_c is not None and grads.c is not None:
            d_c = np.where(running, store(grads.c), d_c)
        for name, g in grads.params.items():
            d_params[name] = store(d_params[name] + g)
    return d_xs, d_h, d_c, d_params


def layers_backward(
    recorded: Trace, d_output: Array, d_h_n: Array, d_c_n: Array | None, store: Store = exact
) -> tuple[Array, Array, Array | None, dict[str, Array]]:
    """Time-major backward pass from the upstream gradients: (d_xs, d_h0, d_c0, parameter gradients)."""
    spec, masks = recorded.spec, recorded.dropout_masks
    grads: dict[str, Array] = {}
    d_h0, d_c0 = np.zeros_like(d_h_n), None if d_c_n is None else np.zeros_like(d_c_n)
    for layer in reversed(range(spec.num_layers)):
        if masks is not None and layer < spec.num_layers - 1:
            d_output = d_output * masks[layer]
        d_input = np.zeros_like(recorded.layer_inputs[layer])
        for direction in range(spec.directions):
            row = layer * spec.directions + direction
            d_out = d_output[..., direction * spec.out_size : (direction + 1) * spec.out_size]
            d_c_row = None if d_c_n is None else d_c_n[row]
            d_xs, d_h0[row], d_c, d_params = direction_backward(
                recorded.runs[row], recorded.lengths, d_out, d_h_n[row], d_c_row, store
            )
            if d_c0 is not None and d_c is not None:
                d_c0[row] = d_c
            d_input = store(d_input + d_xs)
            suffix = layer_suffix(layer, direction == 1)
            grads |= {name + suffix: g for name, g in d_params.items()}
        d_output = d_input
    return d_output, d_h0, d_c0, grads


@takes(BackwardCall)
def forward_backward(call: BackwardCall) -> dict[str, Array]:
    """Gradients of sum(grad_output * output) + sum(grad_h_n * h_n) + sum(grad_c_n * c_n).

    Called as forward_backward(spec, params, x, h0, c0, lengths, dropout_masks, grad_output, grad_h_n,
    grad_c_n, store), the fields of `BackwardCall`; all but spec, params and x are optional. Keys:
    "input", "h0", "c0" (LSTM only) and every parameter name of `parameter_table(spec)`.
    """
    recorded = trace(call, call.store)
    layout, h_n, c_n = recorded.layout, recorded.h_n, recorded.c_n
    d_output = layout.sequence_in(call.grad_output) if call.grad_output is not None else np.zeros_like(recorded.output)
    d_h_n = layout.state_or_zeros(call.grad_h_n, h_n.shape)
    d_c_n = None if c_n is None else layout.state_or_zeros(call.grad_c_n, c_n.shape)

    d_xs, d_h0, d_c0, grads = layers_backward(recorded, d_output, d_h_n, d_c_n, call.store)
    states = {"h0": layout.state_out(d_h0)} | ({} if d_c0 is None else {"c0": layout.state_out(d_c0)})
    return grads | {"input": layout.sequence_out(d_xs)} | states


@takes(CellBackwardCall)
def cell_backward(call: CellBackwardCall) -> dict[str, Array]:
    """Gradients of sum(grad_h * h') + sum(grad_c * c') for one cell step.

    Called as cell_backward(spec, params, x, h, c, grad_h, grad_c, store), the fields of
    `CellBackwardCall`; all but spec, params and x are optional. Keys: "input", "hx", "cx" (LSTMCell
    only) and the cell's parameter names.
    """
    recorded = trace_cell(call)
    layout, record = recorded.layout, recorded.step
    d_h = layout.state_or_zeros(call.grad_h, record.h_next.shape)
    d_c = None if record.c_next is None else layout.state_or_zeros(call.grad_c, record.c_next.shape)
    step_grads = step_backward(record, recorded.weights, d_h, d_c)
    grads = {"input": step_grads.x, "hx": step_grads.h} | ({} if step_grads.c is None else {"cx": step_grads.c})
    params = {name: call.store(g) for name, g in step_grads.params.items()}
    return {name: layout.state_out(call.store(g)) for name, g in grads.items()} | params
