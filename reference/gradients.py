"""Backpropagation through time for the full modules and the cells, by the chain rule.

Arguments follow `layers.forward` and `layers.cell_forward`; the grad_* arguments are the upstream
gradients of their outputs, shaped like them (None means zero). Every gradient comes back in the
layout of the argument it belongs to.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from .cell_gradients import StepGradients, gru_cell_backward, lstm_cell_backward, rnn_cell_backward
from .layers import run_direction, step_function
from .parameters import layer_parameter_names
from .spec import Spec

Params = Mapping[str, np.ndarray]
Array = np.ndarray
StepBackward = Callable[[Array, Array, Array | None, Array, Array | None], StepGradients]
Starts = list[tuple[Array, Array | None]]


def step_backward_function(spec: Spec, weights: Params) -> StepBackward:
    """(x, h, c, dh', dc') -> StepGradients for the cell equation of `spec`, weights named unsuffixed."""
    w = dict.fromkeys(("bias_ih", "bias_hh", "weight_hr")) | dict(weights)
    linears = (w["weight_ih"], w["weight_hh"], w["bias_ih"], w["bias_hh"])
    if spec.family == "LSTM":
        return lambda x, h, c, dh, dc: lstm_cell_backward(dh, dc, x, h, c, *linears, w["weight_hr"])
    if spec.family == "GRU":
        return lambda x, h, c, dh, dc: gru_cell_backward(dh, x, h, *linears)
    return lambda x, h, c, dh, dc: rnn_cell_backward(dh, x, h, *linears, spec.nonlinearity)


def run_direction_recording(
    spec: Spec, weights: Params, xs: Array, h0: Array, c0: Array | None, lengths: Array, reverse: bool
) -> tuple[Array, Starts]:
    """`layers.run_direction`'s output, and the state (h, c) that each step t started from, by t."""
    starts: Starts = []
    step = step_function(spec, weights)

    def recording_step(x, h, c):
        starts.append((h, c))
        return step(x, h, c)

    output, _, _ = run_direction(recording_step, xs, h0, c0, lengths, reverse)
    return output, starts[::-1] if reverse else starts


def direction_backward(
    spec: Spec,
    weights: Params,
    xs: Array,
    starts: Starts,
    lengths: Array,
    reverse: bool,
    d_output: Array,
    d_h: Array,
    d_c: Array | None,
) -> tuple[Array, Array, Array | None, dict[str, Array]]:
    """Gradients of one direction: (d_xs, d_h0, d_c0, parameter gradients by unsuffixed name).

    Walks the steps in the opposite order to the forward pass. A sequence that is not running at
    step t kept its state and output zero there, so its state gradient passes through unchanged.
    """
    step_backward = step_backward_function(spec, weights)
    d_xs = np.zeros_like(xs)
    d_params = {name: np.zeros_like(w) for name, w in weights.items()}
    for t in range(len(xs)) if reverse else reversed(range(len(xs))):
        running = (t < lengths)[:, None]
        h, c = starts[t]
        d_h_next = np.where(running, d_h + d_output[t], 0.0)
        d_c_next = None if d_c is None else np.where(running, d_c, 0.0)
        grads = step_backward(xs[t], h, c, d_h_next, d_c_next)
        d_xs[t] = grads.x
        d_h = np.where(running, grads.h, d_h)
        d_c = None if d_c is None else np.where(running, grads.c, d_c)
        for name, g in grads.params.items():
            d_params[name] += g
    return d_xs, d_h, d_c, d_params


def layer_weights(spec: Spec, params: Params, layer: int, reverse: bool) -> dict[str, Array]:
    """One layer and direction's parameters, named without their suffix."""
    return {name.split("_l")[0]: params[name] for name in layer_parameter_names(spec, layer, reverse)}


def layers_forward(
    spec: Spec,
    params: Params,
    xs: Array,
    h0: Array,
    c0: Array | None,
    lengths: Array,
    dropout_masks: Sequence[Array] | None,
) -> tuple[list[Array], list[Starts]]:
    """Time-major forward pass keeping what the backward pass reads: (layer inputs, step start states).

    layer_inputs[l] is what layer l read (layer_inputs[-1] is the output); starts[row][t] is the state
    (h, c) step t of that h_n row started from.
    """
    layer_inputs, starts = [xs], []
    for layer in range(spec.num_layers):
        outputs = []
        for direction in range(spec.directions):
            row, reverse = layer * spec.directions + direction, direction == 1
            c_row = None if c0 is None else c0[row]
            weights = layer_weights(spec, params, layer, reverse)
            out, row_starts = run_direction_recording(spec, weights, layer_inputs[-1], h0[row], c_row, lengths, reverse)
            outputs.append(out)
            starts.append(row_starts)
        layer_output = np.concatenate(outputs, axis=-1)
        if dropout_masks is not None and layer < spec.num_layers - 1:
            layer_output = layer_output * dropout_masks[layer]
        layer_inputs.append(layer_output)
    return layer_inputs, starts


def layers_backward(
    spec: Spec,
    params: Params,
    layer_inputs: list[Array],
    starts: list[Starts],
    lengths: Array,
    dropout_masks: Sequence[Array] | None,
    d_output: Array,
    d_h_n: Array,
    d_c_n: Array | None,
) -> tuple[Array, Array, Array | None, dict[str, Array]]:
    """Time-major backward pass from the upstream gradients: (d_xs, d_h0, d_c0, parameter gradients)."""
    grads: dict[str, Array] = {}
    d_h0, d_c0 = np.zeros_like(d_h_n), None if d_c_n is None else np.zeros_like(d_c_n)
    for layer in reversed(range(spec.num_layers)):
        if dropout_masks is not None and layer < spec.num_layers - 1:
            d_output = d_output * dropout_masks[layer]
        d_input = np.zeros_like(layer_inputs[layer])
        for direction in range(spec.directions):
            row, reverse = layer * spec.directions + direction, direction == 1
            weights = layer_weights(spec, params, layer, reverse)
            d_out = d_output[..., direction * spec.out_size : (direction + 1) * spec.out_size]
            d_c_row = None if d_c_n is None else d_c_n[row]
            d_xs, d_h0[row], d_c, d_params = direction_backward(
                spec, weights, layer_inputs[layer], starts[row], lengths, reverse, d_out, d_h_n[row], d_c_row
            )
            if d_c0 is not None:
                d_c0[row] = d_c
            d_input += d_xs
            suffix = f"_l{layer}" + ("_reverse" if reverse else "")
            grads |= {name + suffix: g for name, g in d_params.items()}
        d_output = d_input
    return d_output, d_h0, d_c0, grads


def forward_backward(
    spec: Spec,
    params: Params,
    x: np.ndarray,
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
    lengths: Sequence[int] | None = None,
    dropout_masks: Sequence[np.ndarray] | None = None,
    grad_output: np.ndarray | None = None,
    grad_h_n: np.ndarray | None = None,
    grad_c_n: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Gradients of sum(grad_output * output) + sum(grad_h_n * h_n) + sum(grad_c_n * c_n).

    Keys: "input", "h0", "c0" (LSTM only) and every parameter name of `parameter_table(spec)`.
    """
    unbatched = x.ndim == 2
    batch_major = spec.batch_first and not unbatched

    def time_major(sequence):
        return sequence[:, None] if unbatched else (sequence.swapaxes(0, 1) if batch_major else sequence)

    def caller_layout(sequence):
        return sequence[:, 0] if unbatched else (sequence.swapaxes(0, 1) if batch_major else sequence)

    xs = time_major(x)
    seq_len, batch = xs.shape[:2]

    def batched_state(value, size):
        """A state or its upstream gradient as (D*num_layers, N, size); zeros when None."""
        if value is None:
            return np.zeros((spec.directions * spec.num_layers, batch, size))
        return value[:, None] if unbatched else value

    lstm = spec.has_cell_state
    h0 = batched_state(h0, spec.out_size)
    c0 = batched_state(c0, spec.hidden_size) if lstm else None
    d_h_n = batched_state(grad_h_n, spec.out_size)
    d_c_n = batched_state(grad_c_n, spec.hidden_size) if lstm else None
    features = spec.directions * spec.out_size
    d_output = np.zeros((seq_len, batch, features)) if grad_output is None else time_major(grad_output)
    lengths_arr = np.full(batch, seq_len) if lengths is None else np.asarray(lengths)

    layer_inputs, starts = layers_forward(spec, params, xs, h0, c0, lengths_arr, dropout_masks)
    d_xs, d_h0, d_c0, grads = layers_backward(
        spec, params, layer_inputs, starts, lengths_arr, dropout_masks, d_output, d_h_n, d_c_n
    )
    states = {"h0": d_h0} | ({"c0": d_c0} if lstm else {})
    if unbatched:
        states = {name: g[:, 0] for name, g in states.items()}
    return grads | {"input": caller_layout(d_xs)} | states


def cell_backward(
    spec: Spec,
    params: Params,
    x: np.ndarray,
    h: np.ndarray | None = None,
    c: np.ndarray | None = None,
    grad_h: np.ndarray | None = None,
    grad_c: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Gradients of sum(grad_h * h') + sum(grad_c * c') for one cell step.

    Keys: "input", "hx", "cx" (LSTMCell only) and the cell's parameter names.
    """
    unbatched = x.ndim == 1

    def batched(value):
        """An argument or gradient of shape (N, H) or (H,) as (N, H); zeros when None."""
        if value is None:
            return np.zeros((1 if unbatched else x.shape[0], spec.hidden_size))
        return value[None] if unbatched else value

    c_b = batched(c) if spec.has_cell_state else None
    grad_c_b = batched(grad_c) if spec.has_cell_state else None
    step_grads = step_backward_function(spec, params)(batched(x), batched(h), c_b, batched(grad_h), grad_c_b)
    grads = {"input": step_grads.x, "hx": step_grads.h}
    if spec.has_cell_state:
        grads["cx"] = step_grads.c
    if unbatched:
        grads = {name: g[0] for name, g in grads.items()}
    return grads | step_grads.params
