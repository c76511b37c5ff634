"""Full modules: the cell equation run over time, per direction, stacked over layers; and the cells.

One recorded pass serves every reader: `forward` and `cell_forward` return its results in the
caller's layout, `gradients` runs backpropagation through its recorded steps, `preactivations`
reports what its nonlinearities were fed. Internally everything is time-major (see `layout`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .arrays import Array, Mask, Store, exact
from .calls import CellCall, ForwardCall, Lengths, ModuleCall, takes
from .cells import Step, step
from .layout import Layout, cell_layout, module_layout
from .parameters import Weights, weights_of
from .spec import Spec


@dataclass(frozen=True)
class DirectionRun:
    """One layer and direction run over the sequence xs (L, N, features)."""

    weights: Weights
    xs: Array
    times: list[int]
    """The time steps in the order they ran: 0 .. L-1, or L-1 .. 0 for the reverse direction."""
    steps: list[Step]
    """The step run at each of `times` (empty unless the steps were kept)."""
    output: Array
    h_n: Array
    c_n: Array | None

    def by_time(self) -> list[tuple[int, Step]]:
        """(t, the step run at t) for every kept step, in time order whatever the direction."""
        return sorted(zip(self.times, self.steps, strict=True), key=lambda pair: pair[0])


def updated(running: Mask, new: Array, old: Array | float) -> Array:
    """`new` for the sequences still running (rows where `running`), `old` for the others."""
    return new if running.all() else np.where(running, new, old)


def run_direction(
    spec: Spec,
    w: Weights,
    xs: Array,
    h0: Array,
    c0: Array | None,
    lengths: Lengths,
    reverse: bool,
    store: Store = exact,
    keep_steps: bool = True,
) -> DirectionRun:
    """Run one direction over xs (L, N, H_in). Sequence b has lengths[b] valid steps.

    Step t updates only the sequences still running at t: the forward direction stops at each
    sequence's own end, the reverse one starts there from h0. Outputs past the end are zero.
    `store` is applied to each new state, to model an implementation that keeps h and c in a
    narrower type than float64.
    """
    h, c = h0, c0
    times = list(reversed(range(len(xs)))) if reverse else list(range(len(xs)))
    steps: list[Step] = []
    outputs: dict[int, Array] = {}
    for t in times:
        running = (t < lengths)[:, None]
        record = step(spec, w, xs[t], h, c)
        h_next = store(record.h_next)
        h = updated(running, h_next, h)
        if c is not None and record.c_next is not None:
            c = updated(running, store(record.c_next), c)
        outputs[t] = updated(running, h_next, 0.0)
        if keep_steps:
            steps.append(record)
    output = np.stack([outputs[t] for t in range(len(xs))])
    return DirectionRun(w, xs, times, steps, output, h, c)


@dataclass(frozen=True)
class Trace:
    """A full module's forward pass, time-major, with what each layer read and each direction ran."""

    spec: Spec
    layout: Layout
    lengths: Lengths
    dropout_masks: Sequence[Array] | None
    layer_inputs: list[Array]
    """layer_inputs[l]: what layer l read (x, or the layer below's output after its dropout mask)."""
    runs: list[DirectionRun]
    """By h_n row: layer 0 forward, layer 0 reverse, layer 1 forward, ..."""
    output: Array

    @property
    def h_n(self) -> Array:
        return np.stack([run.h_n for run in self.runs])

    @property
    def c_n(self) -> Array | None:
        cells = [run.c_n for run in self.runs if run.c_n is not None]
        return np.stack(cells) if cells else None

    def results(self) -> tuple[Array, Array, Array | None]:
        """(output, h_n, c_n) in the caller's layout; c_n is None but for LSTM."""
        c_n = self.c_n
        layout = self.layout
        return (
            layout.sequence_out(self.output),
            layout.state_out(self.h_n),
            None if c_n is None else layout.state_out(c_n),
        )


def trace(call: ModuleCall, store: Store = exact, keep_steps: bool = True) -> Trace:
    """Run the module of `call`, recording every layer and direction.

    Layer l > 0 reads the output of layer l-1 (both directions concatenated on the feature axis),
    times dropout_masks[l-1] when masks are given. With keep_steps=False only the results are kept.
    """
    spec, params, dropout_masks = call.spec, call.params, call.dropout_masks
    layout = module_layout(spec, call.x)
    xs = layout.sequence_in(call.x)
    seq_len, batch = xs.shape[:2]
    rows = spec.directions * spec.num_layers
    h0_rows = layout.state_or_zeros(call.h0, (rows, batch, spec.out_size))
    c0_rows = layout.state_or_zeros(call.c0, (rows, batch, spec.hidden_size)) if spec.has_cell_state else None
    lengths = np.full(batch, seq_len) if call.lengths is None else np.asarray(call.lengths)

    layer_inputs: list[Array] = []
    runs: list[DirectionRun] = []
    layer_input = xs
    for layer in range(spec.num_layers):
        layer_inputs.append(layer_input)
        for reverse in (False, True)[: spec.directions]:
            row = len(runs)
            c_row = None if c0_rows is None else c0_rows[row]
            w = weights_of(spec, params, layer, reverse)
            runs.append(run_direction(spec, w, layer_input, h0_rows[row], c_row, lengths, reverse, store, keep_steps))
        layer_input = np.concatenate([run.output for run in runs[-spec.directions :]], axis=-1)
        if dropout_masks is not None and layer < spec.num_layers - 1:
            layer_input = layer_input * dropout_masks[layer]
    return Trace(spec, layout, lengths, dropout_masks, layer_inputs, runs, layer_input)


@takes(ForwardCall)
def forward(call: ForwardCall) -> tuple[Array, Array, Array | None]:
    """(output, h_n, c_n) of nn.RNN / nn.LSTM / nn.GRU; c_n is None but for LSTM.

    Called as forward(spec, params, x, h0, c0, lengths, dropout_masks, store), the fields of
    `ForwardCall`; all but spec, params and x are optional.
    """
    return trace(call, call.store, keep_steps=False).results()


@dataclass(frozen=True)
class CellTrace:
    """One call of a cell: the step it ran, with its batch axis, and the caller's layout."""

    layout: Layout
    weights: Weights
    step: Step

    def results(self) -> tuple[Array, Array | None]:
        """(h', c') in the caller's layout; c' is None but for LSTMCell."""
        c_next = self.step.c_next
        return self.layout.state_out(self.step.h_next), None if c_next is None else self.layout.state_out(c_next)


def trace_cell(call: CellCall) -> CellTrace:
    """Run nn.RNNCell / nn.LSTMCell / nn.GRUCell on `call`, recording the step."""
    spec, x = call.spec, call.x
    layout = cell_layout(x)
    xb = layout.state_in(x)
    shape = (xb.shape[0], spec.hidden_size)
    cb = layout.state_or_zeros(call.c, shape) if spec.has_cell_state else None
    w = weights_of(spec, call.params)
    return CellTrace(layout, w, step(spec, w, xb, layout.state_or_zeros(call.h, shape), cb))


@takes(CellCall)
def cell_forward(call: CellCall) -> tuple[Array, Array | None]:
    """(h', c') of nn.RNNCell / nn.LSTMCell / nn.GRUCell; c' is None but for LSTMCell.

    Called as cell_forward(spec, params, x, h, c), the fields of `CellCall`; h and c are optional.
    """
    return trace_cell(call).results()
