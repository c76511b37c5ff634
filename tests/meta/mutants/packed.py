"""Packed-sequence handling broken the way a backend or module bug would break packed.*.

Packed kernels are replaced by a step-by-step Python kernel (`packed_kernel`) built from torch's own
cell functions; faithful, it passes every packed check (the BASELINES show it), and each kernel mutant
switches on one bug. The other mutants patch the modules' Python forward.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch.nn.modules.rnn import GRU, LSTM, RNN
from torch.nn.utils.rnn import PackedSequence

from conformance.claims.packed import BATCH_ORDER, FINAL_STATE, OUTPUT, STRUCTURE

from ..kill import declared
from ..patching import FULL, Kernel, Make, Mutant, around, caught_by, is_packed, on_kernels, wrapping

F32 = torch.float32
MODULES = (RNN, LSTM, GRU)
Tensor = torch.Tensor
Step = Callable[[Tensor, Tensor, Tensor | None], tuple[Tensor, Tensor | None]]
Forward = Callable[..., Any]
Hidden = Tensor | tuple[Tensor, ...]


# A packed kernel in Python ---------------------------------------------------------------------


def lstm_step(weights: list[Tensor], has_biases: bool) -> Step:
    w_ih, w_hh = weights[:2]
    b_ih, b_hh = (weights[2], weights[3]) if has_biases else (None, None)
    w_hr = weights[-1] if len(weights) in (3, 5) else None

    def step(x: Tensor, h: Tensor, c: Tensor | None) -> tuple[Tensor, Tensor]:
        assert c is not None
        gates = F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
        i, f, g, o = gates.chunk(4, -1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return (h if w_hr is None else F.linear(h, w_hr)), c

    return step


def cell_step(mode: str, weights: list[Tensor], has_biases: bool) -> Step:
    if mode == "lstm":
        return lstm_step(weights, has_biases)
    cell = getattr(torch._VF, f"{mode}_cell")
    biases = weights[2:4] if has_biases else [None, None]
    return lambda x, h, c: (cell(x, h, weights[0], weights[1], *biases), None)


def run_direction(
    step: Step, xs: list[Tensor], h0: Tensor, c0: Tensor | None, reverse: bool, through_padding: bool
) -> tuple[list[Tensor], Tensor, Tensor | None]:
    """One direction over the packed steps xs (xs[t] holds the batch_sizes[t] sequences running at t).

    The first batch_sizes[t] rows of the state advance at step t, so each sequence ends (or, reverse,
    starts) at its own length. through_padding runs every row at every step on zeros past its end,
    as a kernel that ran the padded batch would.
    """
    h, c = h0, c0
    outputs: list[Tensor] = [h0] * len(xs)
    for t in reversed(range(len(xs))) if reverse else range(len(xs)):
        x, running = xs[t], xs[t].shape[0]
        rows = h.shape[0] if through_padding else running
        if rows > running:
            x = torch.cat([x, x.new_zeros(rows - running, x.shape[1])])
        h_new, c_new = step(x, h[:rows], None if c is None else c[:rows])
        h = torch.cat([h_new, h[rows:]])
        c = None if c is None or c_new is None else torch.cat([c_new, c[rows:]])
        outputs[t] = h_new[:running]
    return outputs, h, c


def packed_kernel(mode: str, forward_through_padding: bool = False, reverse_through_padding: bool = False) -> Make:
    """A Python kernel for packed input: faithful, or running one direction through the padding.

    forward_through_padding keeps the forward direction running past each sequence's end, so its
    final state is taken at the padded end; reverse_through_padding starts the reverse direction at
    the padded end instead of each sequence's own last step.
    """

    def make(real: Kernel) -> Kernel:
        def kernel(*args: Any) -> Any:
            if not is_packed(args):
                return real(*args)
            data, batch_sizes, hx, weights, has_biases, num_layers, dropout, train, bidirectional = args
            h0, c0 = (hx[0], hx[1]) if mode == "lstm" else (hx, None)
            directions = 2 if bidirectional else 1
            group = len(weights) // (num_layers * directions)
            sizes = batch_sizes.tolist()
            steps = list(data.split(sizes))
            h_n: list[Tensor] = []
            c_n: list[Any] = []
            for layer in range(num_layers):
                per_direction = []
                for reverse in range(directions):
                    row = layer * directions + reverse
                    step = cell_step(mode, list(weights[row * group : (row + 1) * group]), has_biases)
                    through = reverse_through_padding if reverse else forward_through_padding
                    c_row = None if c0 is None else c0[row]
                    out, h, c = run_direction(step, steps, h0[row], c_row, bool(reverse), through)
                    per_direction.append(out)
                    h_n.append(h)
                    c_n.append(c)
                steps = [torch.cat(parts, -1) for parts in zip(*per_direction, strict=True)]
                if train and dropout > 0 and layer < num_layers - 1:
                    steps = list(F.dropout(torch.cat(steps), dropout).split(sizes))
            output = torch.cat(steps)
            if mode == "lstm":
                return output, torch.stack(h_n), torch.stack(c_n)
            return output, torch.stack(h_n)

        return kernel

    return make


def packed_kernels(**switches: bool) -> Mutant:
    return on_kernels(**{mode: packed_kernel(mode, **switches) for mode in FULL})


# Not a mutant: the faithful Python kernel the packed kernel mutants below are variations of. Without
# their bugs it passes the checks, so a kill is the bug's doing.
packed_python_kernel = (
    packed_kernels()
    .passes(STRUCTURE, "LSTM_PROJ")
    .passes(OUTPUT, "LSTM_PROJ")
    .passes(OUTPUT, "GRU", dtype=F32)
    .passes(FINAL_STATE, "RNN_RELU", "LSTM")
    .passes(BATCH_ORDER, "GRU")
)
# h_n (and c_n) taken after the longest sequence's last step, not each sequence's own.
packed_state_at_padded_end = (
    packed_kernels(forward_through_padding=True).caught_by(FINAL_STATE, "GRU").caught_by(FINAL_STATE, "LSTM", dtype=F32)
)
# The reverse direction starts at the padded end and reads zeros until each sequence begins.
packed_reverse_starts_at_padded_end = (
    packed_kernels(reverse_through_padding=True)
    .caught_by(OUTPUT, "RNN_TANH", "LSTM_PROJ")
    .caught_by(FINAL_STATE, "RNN_RELU")
)


# The modules' Python forward -------------------------------------------------------------------


def select_batch(hidden: Hidden, index: Tensor) -> Hidden:
    """h (or (h, c)) with its batch rows taken in `index` order."""
    if isinstance(hidden, tuple):
        return tuple(h.index_select(1, index) for h in hidden)
    return hidden.index_select(1, index)


@caught_by(BATCH_ORDER, "LSTM")
@around(MODULES, "forward")
def packed_h_n_in_sorted_order(real: Forward, self: torch.nn.Module, input: Any, hx: Any = None) -> Any:
    """h_n (and c_n) returned in the kernel's longest-first order, not permuted back to the caller's."""
    output, hidden = real(self, input, hx)
    if isinstance(input, PackedSequence) and input.sorted_indices is not None:
        hidden = select_batch(hidden, input.sorted_indices)
    return output, hidden


@caught_by(BATCH_ORDER, "RNN_TANH")
@around(MODULES, "forward")
def packed_h0_not_permuted(real: Forward, self: torch.nn.Module, input: Any, hx: Any = None) -> Any:
    """h_0 (and c_0) handed to the kernel in the caller's order, not sorted with the sequences."""
    if isinstance(input, PackedSequence) and input.unsorted_indices is not None and hx is not None:
        hx = select_batch(hx, input.unsorted_indices)  # undone by the module's own permutation
    return real(self, input, hx)


def repacked(transform: Callable[[PackedSequence], PackedSequence]) -> Callable[[Forward], Forward]:
    """A forward whose packed output is transform(the real one)."""

    def wrap(real: Forward) -> Forward:
        def forward(self: torch.nn.Module, input: Any, hx: Any = None) -> Any:
            output, hidden = real(self, input, hx)
            return (transform(output) if isinstance(output, PackedSequence) else output), hidden

        return forward

    return wrap


def int32_batch_sizes(p: PackedSequence) -> PackedSequence:
    return PackedSequence(p.data, p.batch_sizes.to(torch.int32), p.sorted_indices, p.unsorted_indices)


# The packed output drops sorted_indices and unsorted_indices (so it unpads in sorted order).
packed_output_without_indices = wrapping(
    MODULES, "forward", repacked(lambda p: PackedSequence(p.data, p.batch_sizes))
).caught_by(STRUCTURE, "GRU")
# The packed output's batch_sizes as int32, the type cuDNN keeps sequence lengths in.
packed_output_batch_sizes_int32 = wrapping(MODULES, "forward", repacked(int32_batch_sizes)).caught_by(STRUCTURE, "LSTM")


KILLS, BASELINES = declared(vars())
