"""Mutants of packed-sequence handling and of dropout, each the way a backend or module bug would be.

Packed kernels are replaced by a step-by-step Python kernel (`packed_kernel`) built from torch's
own cell functions; faithful, it passes every packed check (tests/test_power_packed_dropout.py
shows it), and each mutant switches on one bug. Dropout mutants run the real single-layer kernels
layer by layer (`layerwise`), with the bug in what happens between the layers, or patch the
module's Python forward. Everything is patched in-process and undone on exit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import torch
import torch.nn.functional as F
from torch.nn.modules import rnn as rnn_module
from torch.nn.utils.rnn import PackedSequence

from .mutants import Kernel, _is_packed, kernels

MODES = ("lstm", "gru", "rnn_tanh", "rnn_relu")
"""The full-module kernels, as _VF names them."""

Step = Callable[[torch.Tensor, torch.Tensor, torch.Tensor | None], tuple[torch.Tensor, torch.Tensor | None]]
Forward = Callable[..., object]
Hidden = torch.Tensor | tuple[torch.Tensor, ...]


# A packed kernel in Python ---------------------------------------------------------------------


def _lstm_step(weights: list[torch.Tensor], has_biases: bool) -> Step:
    w_ih, w_hh = weights[:2]
    b_ih, b_hh = (weights[2], weights[3]) if has_biases else (None, None)
    w_hr = weights[-1] if len(weights) in (3, 5) else None

    def step(x: torch.Tensor, h: torch.Tensor, c: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        gates = F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
        i, f, g, o = gates.chunk(4, -1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return (h if w_hr is None else F.linear(h, w_hr)), c

    return step


def _cell_step(mode: str, weights: list[torch.Tensor], has_biases: bool) -> Step:
    if mode == "lstm":
        return _lstm_step(weights, has_biases)
    cell = getattr(torch._VF, f"{mode}_cell")
    biases = weights[2:4] if has_biases else [None, None]
    return lambda x, h, c: (cell(x, h, weights[0], weights[1], *biases), None)


def _run_direction(
    step: Step,
    xs: list[torch.Tensor],
    h0: torch.Tensor,
    c0: torch.Tensor | None,
    reverse: bool,
    through_padding: bool,
) -> tuple[list[torch.Tensor], torch.Tensor, torch.Tensor | None]:
    """One direction over the packed steps xs (xs[t] holds the batch_sizes[t] sequences running at t).

    The first batch_sizes[t] rows of the state advance at step t, so each sequence ends (or, reverse,
    starts) at its own length. through_padding runs every row at every step on zeros past its end,
    as a kernel that ran the padded batch would.
    """
    h, c = h0, c0
    outputs: list[torch.Tensor] = [h0] * len(xs)
    for t in reversed(range(len(xs))) if reverse else range(len(xs)):
        x, running = xs[t], xs[t].shape[0]
        rows = h.shape[0] if through_padding else running
        if rows > running:
            x = torch.cat([x, x.new_zeros(rows - running, x.shape[1])])
        h_new, c_new = step(x, h[:rows], None if c is None else c[:rows])
        h = torch.cat([h_new, h[rows:]])
        c = None if c is None else torch.cat([c_new, c[rows:]])
        outputs[t] = h_new[:running]
    return outputs, h, c


def packed_kernel(
    mode: str, forward_through_padding: bool = False, reverse_through_padding: bool = False
) -> Callable[[Kernel], Kernel]:
    """A Python kernel for packed input: faithful, or running one direction through the padding.

    forward_through_padding keeps the forward direction running past each sequence's end, so its
    final state is taken at the padded end; reverse_through_padding starts the reverse direction at
    the padded end instead of each sequence's own last step.
    """

    def make(real: Kernel) -> Kernel:
        def kernel(*args):
            if not _is_packed(args):
                return real(*args)
            data, batch_sizes, hx, weights, has_biases, num_layers, dropout, train, bidirectional = args
            h0, c0 = (hx[0], hx[1]) if mode == "lstm" else (hx, None)
            directions = 2 if bidirectional else 1
            group = len(weights) // (num_layers * directions)
            sizes = batch_sizes.tolist()
            steps = list(data.split(sizes))
            h_n, c_n = [], []
            for layer in range(num_layers):
                per_direction = []
                for reverse in range(directions):
                    row = layer * directions + reverse
                    step = _cell_step(mode, list(weights[row * group : (row + 1) * group]), has_biases)
                    through = reverse_through_padding if reverse else forward_through_padding
                    c_row = None if c0 is None else c0[row]
                    out, h, c = _run_direction(step, steps, h0[row], c_row, bool(reverse), through)
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


@contextmanager
def packed_kernels(**switches: bool) -> Iterator[None]:
    with kernels(**{mode: packed_kernel(mode, **switches) for mode in MODES}):
        yield


@contextmanager
def packed_python_kernel() -> Iterator[None]:
    """Not a mutant: the faithful Python kernel the packed mutants below are variations of."""
    with packed_kernels():
        yield


@contextmanager
def packed_state_at_padded_end() -> Iterator[None]:
    """h_n (and c_n) taken after the longest sequence's last step, not each sequence's own."""
    with packed_kernels(forward_through_padding=True):
        yield


@contextmanager
def packed_reverse_starts_at_padded_end() -> Iterator[None]:
    """The reverse direction starts at the padded end and reads zeros until each sequence begins."""
    with packed_kernels(reverse_through_padding=True):
        yield


# The modules' Python forward -------------------------------------------------------------------


@contextmanager
def forwards(wrap: Callable[[Forward], Forward]) -> Iterator[None]:
    """Replace nn.RNN/LSTM/GRU.forward by wrap(their forward)."""
    with pytest.MonkeyPatch.context() as mp:
        for cls in (rnn_module.RNN, rnn_module.LSTM, rnn_module.GRU):
            mp.setattr(cls, "forward", wrap(cls.forward))
        yield


def _select_batch(hidden: Hidden, index: torch.Tensor) -> Hidden:
    """h (or (h, c)) with its batch rows taken in `index` order."""
    if isinstance(hidden, tuple):
        return tuple(h.index_select(1, index) for h in hidden)
    return hidden.index_select(1, index)


@contextmanager
def packed_h_n_in_sorted_order() -> Iterator[None]:
    """h_n (and c_n) returned in the kernel's longest-first order, not permuted back to the caller's."""

    def wrap(real: Forward) -> Forward:
        def forward(self, input, hx=None):
            output, hidden = real(self, input, hx)
            if isinstance(input, PackedSequence) and input.sorted_indices is not None:
                hidden = _select_batch(hidden, input.sorted_indices)
            return output, hidden

        return forward

    with forwards(wrap):
        yield


@contextmanager
def packed_h0_not_permuted() -> Iterator[None]:
    """h_0 (and c_0) handed to the kernel in the caller's order, not sorted with the sequences."""

    def wrap(real: Forward) -> Forward:
        def forward(self, input, hx=None):
            if isinstance(input, PackedSequence) and input.unsorted_indices is not None and hx is not None:
                hx = _select_batch(hx, input.unsorted_indices)  # undone by the module's own permutation
            return real(self, input, hx)

        return forward

    with forwards(wrap):
        yield


def _repacked(transform: Callable[[PackedSequence], PackedSequence]) -> Callable[[Forward], Forward]:
    def wrap(real: Forward) -> Forward:
        def forward(self, input, hx=None):
            output, hidden = real(self, input, hx)
            return (transform(output) if isinstance(output, PackedSequence) else output), hidden

        return forward

    return wrap


@contextmanager
def packed_output_without_indices() -> Iterator[None]:
    """The packed output drops sorted_indices and unsorted_indices (so it unpads in sorted order)."""
    with forwards(_repacked(lambda p: PackedSequence(p.data, p.batch_sizes))):
        yield


@contextmanager
def packed_output_batch_sizes_int32() -> Iterator[None]:
    """The packed output's batch_sizes as int32, the type cuDNN keeps sequence lengths in."""
    with forwards(
        _repacked(lambda p: PackedSequence(p.data, p.batch_sizes.to(torch.int32), p.sorted_indices, p.unsorted_indices))
    ):
        yield


# Dropout ---------------------------------------------------------------------------------------

Between = Callable[[torch.Tensor, float, bool], torch.Tensor]


def _dropout(x: torch.Tensor, p: float, train: bool) -> torch.Tensor:
    return F.dropout(x, p, train)


def layerwise(between: Between = _dropout, before: Between | None = None) -> Callable[[Kernel], Kernel]:
    """A dense kernel running the real one a layer at a time, with `between` applied between layers.

    `before`, if given, is applied to the input of the first layer.
    """

    def make(real: Kernel) -> Kernel:
        def kernel(*args):
            if _is_packed(args):
                return real(*args)
            x, hx, weights, has_biases, num_layers, dropout, train, bidirectional, batch_first = args
            lstm = isinstance(hx, (tuple, list))
            directions = 2 if bidirectional else 1
            per_layer = len(weights) // num_layers
            x = x if before is None else before(x, dropout, train)
            states: list[list[torch.Tensor]] = []
            for layer in range(num_layers):
                rows = slice(layer * directions, (layer + 1) * directions)
                h = (hx[0][rows], hx[1][rows]) if lstm else hx[rows]
                w = weights[layer * per_layer : (layer + 1) * per_layer]
                result = real(x, h, w, has_biases, 1, 0.0, train, bidirectional, batch_first)
                x = result[0]
                states.append(list(result[1:]))
                if layer < num_layers - 1:
                    x = between(x, dropout, train)
            return (x, *(torch.cat(parts) for parts in zip(*states, strict=True)))

        return kernel

    return make


@contextmanager
def dense_kernels(make: Callable[[Kernel], Kernel]) -> Iterator[None]:
    with kernels(**dict.fromkeys(MODES, make)):
        yield


@contextmanager
def layerwise_dropout() -> Iterator[None]:
    """Not a mutant: the faithful layer-by-layer kernel the dropout mutants below are variations of."""
    with dense_kernels(layerwise()):
        yield


@contextmanager
def dropout_in_eval_mode() -> Iterator[None]:
    """The kernel drops between layers whatever the module's training flag says."""

    def make(real: Kernel) -> Kernel:
        def kernel(*args):
            args = list(args)
            args[-2 if _is_packed(tuple(args)) else -3] = True
            return real(*args)

        return kernel

    with dense_kernels(make):
        yield


@contextmanager
def dropout_as_keep_probability() -> Iterator[None]:
    """dropout read as the probability of keeping an element, as some other libraries define it."""
    with dense_kernels(layerwise(lambda x, p, train: F.dropout(x, 1.0 - p, train))):
        yield


@contextmanager
def dropout_on_input() -> Iterator[None]:
    """Dropout applied to x before the first layer as well as between layers."""
    with dense_kernels(layerwise(before=_dropout)):
        yield


def _after(transform: Callable[[tuple, float, bool], tuple]) -> Callable[[Kernel], Kernel]:
    """A kernel whose result is transform(result, dropout, train)."""

    def make(real: Kernel) -> Kernel:
        def kernel(*args):
            result = real(*args)
            if _is_packed(args):
                return result
            dropout, train = args[5], args[6]
            return transform(tuple(result), dropout, train)

        return kernel

    return make


@contextmanager
def dropout_on_final_state() -> Iterator[None]:
    """Dropout applied to h_n (and c_n) in training mode."""
    transform = lambda result, p, train: (result[0], *(F.dropout(s, p, train) for s in result[1:]))
    with dense_kernels(_after(transform)):
        yield


@contextmanager
def dropout_on_last_output() -> Iterator[None]:
    """Dropout applied to the last layer's output too, in training mode."""
    transform = lambda result, p, train: (F.dropout(result[0], p, train), *result[1:])
    with dense_kernels(_after(transform)):
        yield


def _unscaled(x: torch.Tensor, p: float, train: bool) -> torch.Tensor:
    if not train or p == 0:
        return x
    return x * torch.bernoulli(torch.full_like(x, 1.0 - p))


@contextmanager
def dropout_not_scaled() -> Iterator[None]:
    """Kept elements passed on as they are, not scaled by 1/(1-p)."""
    with dense_kernels(layerwise(_unscaled)):
        yield


def _scale_after_mask(x: torch.Tensor, p: float, train: bool) -> torch.Tensor:
    if not train or p == 0:
        return x
    keep = torch.bernoulli(torch.full_like(x, 1.0 - p))
    return x * keep * (torch.ones((), dtype=x.dtype, device=x.device) / (1.0 - p))


@contextmanager
def dropout_one_gives_nan() -> Iterator[None]:
    """x * mask * (1/(1-p)) computed in that order: at p = 1 it is 0 * inf, NaN everywhere."""
    with dense_kernels(layerwise(_scale_after_mask)):
        yield
