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
StepBackward = Callable[[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray, np.ndarray | None], StepGradients]


def step_backward_function(spec: Spec, weights: Params) -> StepBackward:
    """(x, h, c, dh', dc') -> StepGradients for the cell equation of `spec`, weights named unsuffixed."""
    w = dict.fromkeys(("bias_ih", "bias_hh", "weight_hr")) | dict(weights)
    linears = (w["weight_ih"], w["weight_hh"], w["bias_ih"], w["bias_hh"])
    if spec.family == "LSTM":
        return lambda x, h, c, dh, dc: lstm_cell_backward(dh, dc, x, h, c, *linears, w["weight_hr"])
    if spec.family == "GRU":
        return lambda x, h, c, dh, dc: gru_cell_backward(dh, x, h, *linears)
    return lambda x, h, c, dh, dc: rnn_cell_backward(dh, x, h, *linears, spec.nonlinearity)


def time_order(seq_len: int, reverse: bool) -> range:
    return range(seq_len - 1, -1, -1) if reverse else range(seq_len)


def run_direction_recording(spec, weights, xs, h0, c0, lengths, reverse):
    """`layers.run_direction`, also returning the state (h, c) that step t started from, by t."""
    starts: list[tuple[np.ndarray, np.ndarray | None]] = []
    step = step_function(spec, weights)

    def recording_step(x, h, c):
        starts.append((h, c))
        return step(x, h, c)

    output, h_n, c_n = run_direction(recording_step, xs, h0, c0, lengths, reverse)
    return output, h_n, c_n, starts[::-1] if reverse else starts


def direction_backward(spec, weights, xs, starts, lengths, reverse, d_output, d_h, d_c):
    """Gradients of one direction: (d_xs, d_h0, d_c0, parameter gradients by unsuffixed name).

    Walks the steps in the opposite order to the forward pass. A sequence that is not running at
    step t kept its state and output zero there, so its state gradient passes through unchanged.
    """
    step_backward = step_backward_function(spec, weights)
    d_xs = np.zeros_like(xs)
    d_params = {name: np.zeros_like(w) for name, w in weights.items()}
    for t in time_order(len(xs), not reverse):
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
    xs = x[:, None] if unbatched else (x.swapaxes(0, 1) if batch_major else x)
    seq_len, batch = xs.shape[:2]
    rows, features = spec.directions * spec.num_layers, spec.directions * spec.out_size

    def state(value, size):
        """A state argument or its upstream gradient, batched; zeros when None."""
        if value is None:
            return np.zeros((rows, batch, size))
        return value[:, None] if unbatched else value

    h0 = state(h0, spec.out_size)
    c0 = state(c0, spec.hidden_size) if spec.has_cell_state else None
    grad_h_n = state(grad_h_n, spec.out_size)
    grad_c_n = state(grad_c_n, spec.hidden_size) if spec.has_cell_state else None
    if grad_output is None:
        grad_output = np.zeros((seq_len, batch, features))
    else:
        grad_output = grad_output[:, None] if unbatched else grad_output
        grad_output = grad_output.swapaxes(0, 1) if batch_major else grad_output
    lengths_arr = np.full(batch, seq_len) if lengths is None else np.asarray(lengths)

    def weights_of(layer, reverse):
        return {name.split("_l")[0]: params[name] for name in layer_parameter_names(spec, layer, reverse)}

    layer_inputs, starts = [xs], {}
    for layer in range(spec.num_layers):
        outputs = []
        for reverse in range(spec.directions):
            row = layer * spec.directions + reverse
            c_row = None if c0 is None else c0[row]
            out, _, _, starts[row] = run_direction_recording(
                spec, weights_of(layer, bool(reverse)), layer_inputs[-1], h0[row], c_row, lengths_arr, bool(reverse)
            )
            outputs.append(out)
        layer_output = np.concatenate(outputs, axis=-1)
        if dropout_masks is not None and layer < spec.num_layers - 1:
            layer_output = layer_output * dropout_masks[layer]
        layer_inputs.append(layer_output)

    grads: dict[str, np.ndarray] = {}
    d_h0, d_c0 = np.zeros_like(h0), None if c0 is None else np.zeros_like(c0)
    d_layer_output = grad_output
    for layer in reversed(range(spec.num_layers)):
        if dropout_masks is not None and layer < spec.num_layers - 1:
            d_layer_output = d_layer_output * dropout_masks[layer]
        d_layer_input = np.zeros_like(layer_inputs[layer])
        for reverse in range(spec.directions):
            row = layer * spec.directions + reverse
            weights = weights_of(layer, bool(reverse))
            d_out = d_layer_output[..., reverse * spec.out_size : (reverse + 1) * spec.out_size]
            d_c_n = None if grad_c_n is None else grad_c_n[row]
            d_xs, d_h0[row], d_c, d_params = direction_backward(
                spec, weights, layer_inputs[layer], starts[row], lengths_arr, bool(reverse),
                d_out, grad_h_n[row], d_c_n,
            )  # fmt: skip
            if d_c0 is not None:
                d_c0[row] = d_c
            d_layer_input += d_xs
            suffix = f"_l{layer}" + ("_reverse" if reverse else "")
            grads.update({name + suffix: g for name, g in d_params.items()})
        d_layer_output = d_layer_input

    d_input = d_layer_output
    if unbatched:
        d_input, d_h0, d_c0 = d_input[:, 0], d_h0[:, 0], None if d_c0 is None else d_c0[:, 0]
    elif batch_major:
        d_input = d_input.swapaxes(0, 1)
    grads["input"], grads["h0"] = d_input, d_h0
    if d_c0 is not None:
        grads["c0"] = d_c0
    return grads


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
