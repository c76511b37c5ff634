"""Full modules: the cell equation run over time, per direction, stacked over layers.

Internally everything is time-major, (L, N, features); the caller's layout (batch_first,
unbatched) is undone on the way in and restored on the way out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from .cells import gru_cell, lstm_cell, rnn_cell
from .parameters import layer_parameter_names
from .spec import Spec

Params = Mapping[str, np.ndarray]
State = tuple[np.ndarray, np.ndarray | None]
Step = Callable[[np.ndarray, np.ndarray, np.ndarray | None], State]


def step_function(spec: Spec, weights: Params) -> Step:
    """The cell equation of `spec`, with weights named without their layer suffix."""
    w = dict.fromkeys(("bias_ih", "bias_hh", "weight_hr")) | dict(weights)
    if spec.family == "LSTM":
        return lambda x, h, c: lstm_cell(
            x, h, c, w["weight_ih"], w["weight_hh"], w["bias_ih"], w["bias_hh"], w["weight_hr"]
        )
    if spec.family == "GRU":
        return lambda x, h, c: (
            gru_cell(x, h, w["weight_ih"], w["weight_hh"], w["bias_ih"], w["bias_hh"]),
            None,
        )
    return lambda x, h, c: (
        rnn_cell(x, h, w["weight_ih"], w["weight_hh"], w["bias_ih"], w["bias_hh"], spec.nonlinearity),
        None,
    )


def run_direction(
    step: Step,
    xs: np.ndarray,
    h0: np.ndarray,
    c0: np.ndarray | None,
    lengths: np.ndarray,
    reverse: bool,
    store: Callable[[np.ndarray], np.ndarray] = lambda a: a,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Run one direction over xs (L, N, H_in). Sequence b has lengths[b] valid steps.

    Step t updates only the sequences still running at t: the forward direction stops at each
    sequence's own end, the reverse one starts there from h0. Outputs past the end are zero.
    `store` is applied to each new state, to model an implementation that keeps h and c in a
    narrower type than float64.
    """
    h, c = h0, c0
    outputs: list[np.ndarray] = [np.empty(0)] * len(xs)
    for t in reversed(range(len(xs))) if reverse else range(len(xs)):
        running = (t < lengths)[:, None]
        h_next, c_next = step(xs[t], h, c)
        h_next, c_next = store(h_next), None if c_next is None else store(c_next)
        h = np.where(running, h_next, h)
        c = None if c is None else np.where(running, c_next, c)
        outputs[t] = np.where(running, h_next, 0.0)
    return np.stack(outputs), h, c


def forward(
    spec: Spec,
    params: Params,
    x: np.ndarray,
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
    lengths: Sequence[int] | None = None,
    dropout_masks: Sequence[np.ndarray] | None = None,
    store: Callable[[np.ndarray], np.ndarray] = lambda a: a,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(output, h_n, c_n) of nn.RNN / nn.LSTM / nn.GRU; c_n is None but for LSTM.

    x is (L, H_in) unbatched, (L, N, H_in), or (N, L, H_in) with batch_first. h0 and c0 default
    to zeros. `lengths` gives each sequence's length, as a PackedSequence does. dropout_masks[l],
    shaped (L, N, D*H_out) time-major (N = 1 for unbatched input) and already scaled by 1/(1-p),
    multiplies layer l's output before layer l+1 reads it. `store` is as in run_direction.
    """
    unbatched = x.ndim == 2
    xs = x[:, None] if unbatched else (x.swapaxes(0, 1) if spec.batch_first else x)
    seq_len, batch = xs.shape[:2]
    rows = spec.directions * spec.num_layers
    h0 = np.zeros((rows, batch, spec.out_size)) if h0 is None else (h0[:, None] if unbatched else h0)
    if spec.has_cell_state:
        c0 = np.zeros((rows, batch, spec.hidden_size)) if c0 is None else (c0[:, None] if unbatched else c0)
    lengths_arr = np.full(batch, seq_len) if lengths is None else np.asarray(lengths)

    h_n, c_n = [], []
    layer_input = xs
    for layer in range(spec.num_layers):
        direction_outputs = []
        for reverse in range(spec.directions):
            row = layer * spec.directions + reverse
            names = layer_parameter_names(spec, layer, bool(reverse))
            weights = {name.split("_l")[0]: params[name] for name in names}
            c_row = c0[row] if spec.has_cell_state else None
            out, h, c = run_direction(
                step_function(spec, weights), layer_input, h0[row], c_row, lengths_arr, bool(reverse), store
            )
            direction_outputs.append(out)
            h_n.append(h)
            c_n.append(c)
        layer_input = np.concatenate(direction_outputs, axis=-1)
        if dropout_masks is not None and layer < spec.num_layers - 1:
            layer_input = layer_input * dropout_masks[layer]

    output = layer_input
    h_n_arr = np.stack(h_n)
    c_n_arr = np.stack(c_n) if spec.has_cell_state else None
    if unbatched:
        return output[:, 0], h_n_arr[:, 0], None if c_n_arr is None else c_n_arr[:, 0]
    if spec.batch_first:
        output = output.swapaxes(0, 1)
    return output, h_n_arr, c_n_arr


def cell_forward(
    spec: Spec, params: Params, x: np.ndarray, h: np.ndarray | None = None, c: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """(h', c') of nn.RNNCell / nn.LSTMCell / nn.GRUCell; c' is None but for LSTMCell.

    x is (N, H_in) or (H_in,); h and c are (N, H) or (H,) and default to zeros.
    """
    unbatched = x.ndim == 1
    xb = x[None] if unbatched else x
    zeros = np.zeros((xb.shape[0], spec.hidden_size))
    hb = zeros if h is None else (h[None] if unbatched else h)
    cb = (zeros if c is None else (c[None] if unbatched else c)) if spec.has_cell_state else None
    h_next, c_next = step_function(spec, params)(xb, hb, cb)
    if unbatched:
        return h_next[0], None if c_next is None else c_next[0]
    return h_next, c_next
