"""Packed examples: a Case with per-sequence lengths, the way it is packed, and torch's packed run.

A Case with `lengths` is what the reference runs (oracle.expected_outputs passes them on). How
torch receives it is drawn separately: pack_padded_sequence of the padded batch (batch-first or
not, as the module says), with enforce_sorted=True on lengths sorted longest first or
enforce_sorted=False on lengths in any order, or pack_sequence of the list of sequences. Every
way packs the same data, so the suite's reproducer (which always uses pack_padded_sequence with
enforce_sorted=False) replays any of them.

Packed draws cap the sequence length and the batch at a quarter of the size tier: the reference
runs one Python step per time step, and packing adds nothing that grows with the sizes.

The module also holds the cheap draws that test_packed and test_dropout share: the distributions
of strategies.specs and strategies.inputs, from strategies built once. Building a strategy (and
Hypothesis validating it on first use) costs more than drawing from it, and these checks draw
over a thousand examples within their time budget.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache

import numpy as np
import torch
from hypothesis import strategies as st
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pack_sequence, pad_packed_sequence

from conformance.draw import sizes
from conformance.draw.example import Case, make_case
from conformance.draw.sizes import CAP_DIVISOR
from conformance.draw.strategies import BOOLEANS, SEEDS, Inputs, dimension, optional_dimension, specs, weights
from conformance.run import implementation
from conformance.run.modules import call, outputs, tensor, to_numpy
from conformance.run.torch_run import module_for
from reference import Spec

METHODS = ("pack_padded_sequence", "pack_sequence")


def input_shapes(
    draw: st.DrawFn, spec: Spec, seq_len: int, batch: int, batched: bool, hx: bool | None = None
) -> Inputs:
    """As strategies.inputs, with seq_len and batch at most the given caps (and the tier's steps).

    batched=False lets batch be None (unbatched input); hx pins whether h0 (and c0) are given.
    """
    most = max(1, sizes.current().steps // (spec.num_layers * spec.directions))
    seq = draw(dimension(min(seq_len, most)), label="seq_len")
    size = draw(dimension(batch) if batched else optional_dimension(batch), label="batch")
    given = draw(BOOLEANS, label="hx given") if hx is None else hx
    return Inputs(seq, size, given, draw(SEEDS, label="input seed"))


# Packed cases ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Packing:
    """How a case's batch reaches torch: which packing function, and its enforce_sorted."""

    method: str
    enforce_sorted: bool

    def describe(self) -> str:
        return f"{self.method}(..., enforce_sorted={self.enforce_sorted})"


@dataclass(frozen=True)
class PackedRun:
    """torch's result on a packed case: the packed input and output, and h_n (and c_n)."""

    packed_input: PackedSequence
    packed_output: PackedSequence
    states: dict[str, np.ndarray]
    batch_first: bool
    total_length: int

    @property
    def named(self) -> dict[str, np.ndarray]:
        """output padded back to (L, N, D*H_out) by pad_packed_sequence, h_n and c_n, named as the oracle does."""
        output = pad_packed_sequence(self.packed_output, self.batch_first, total_length=self.total_length)[0]
        return {"output": to_numpy(output), **self.states}


@cache
def lengths_strategy(batch: int, seq_len: int, longest_first: bool) -> st.SearchStrategy[list[int]]:
    """`batch` lengths in 1..seq_len (packing refuses empty sequences), sorted if `longest_first`."""
    drawn = st.lists(st.integers(1, seq_len), min_size=batch, max_size=batch)
    return drawn.map(lambda ls: sorted(ls, reverse=True)) if longest_first else drawn


@cache
def packings(longest_first: bool | None = None) -> st.SearchStrategy[Packing]:
    """Any packing; longest_first=True or False pins enforce_sorted to that value."""
    sorted_flags = [True, False] if longest_first is None else [longest_first]
    return st.builds(Packing, method=st.sampled_from(METHODS), enforce_sorted=st.sampled_from(sorted_flags))


@st.composite
def packed_cases(
    draw: st.DrawFn,
    variant: str,
    dtype: torch.dtype,
    device: str,
    longest_first: bool | None = None,
    hx: bool | None = None,
) -> tuple[Case, Packing]:
    """A batched case of `variant` with drawn lengths, and how to pack it.

    longest_first pins enforce_sorted (and so whether the lengths come sorted); hx pins whether
    h0 (and c0) are given. Lengths are drawn in the caller's order; ties are common.
    """
    tier = sizes.current()
    spec = draw(specs(variant), label="spec")
    cap_seq, cap_batch = tier.seq_len // CAP_DIVISOR, tier.batch // CAP_DIVISOR
    shape = input_shapes(draw, spec, cap_seq, cap_batch, batched=True, hx=hx)
    case = make_case(spec, shape, draw(weights(), label="weights"), dtype, device)
    packing = draw(packings(longest_first), label="packing")
    lengths = draw(lengths_strategy(shape.batch, shape.seq_len, packing.enforce_sorted), label="lengths")
    return replace(case, lengths=lengths), packing


def sequences(case: Case) -> list[np.ndarray]:
    """The caller's sequences, each cut at its own length: x[:length] time-major."""
    xs = case.x if case.spec.batch_first else case.x.swapaxes(0, 1)
    return [xs[b, :n] for b, n in enumerate(case.lengths)]


def pack(case: Case, packing: Packing) -> PackedSequence:
    if packing.method == "pack_sequence":
        seqs = [tensor(s, case.dtype, case.device) for s in sequences(case)]
        return pack_sequence(seqs, enforce_sorted=packing.enforce_sorted)
    x = tensor(case.x, case.dtype, case.device)
    return pack_padded_sequence(x, case.lengths, case.spec.batch_first, packing.enforce_sorted)


def run_packed(case: Case, packing: Packing) -> PackedRun:
    """Pack the case and run torch on it."""
    module = module_for(case)
    packed = pack(case, packing)
    h0, c0 = (tensor(a, case.dtype, case.device) for a in (case.h0, case.c0))
    with torch.no_grad():
        result = outputs(case.spec, call(module, case.spec, packed, h0, c0))
    states = {name: to_numpy(t) for name, t in result.items() if name != "output"}
    return PackedRun(packed, result["output"], states, case.spec.batch_first, case.seq_len)


def longest_first(case: Case) -> tuple[Case, np.ndarray]:
    """The same sequences reordered longest first (a stable sort), and the order taken.

    Row k of the reordered case is row order[k] of the original one.
    """
    order = np.argsort(-np.asarray(case.lengths), kind="stable")
    batch_axis = 0 if case.spec.batch_first else 1
    reordered = replace(
        case,
        x=np.take(case.x, order, axis=batch_axis),
        h0=None if case.h0 is None else case.h0[:, order],
        c0=None if case.c0 is None else case.c0[:, order],
        lengths=[case.lengths[k] for k in order],
    )
    return reordered, order


def structure_snippet(case: Case, packing: Packing) -> str:
    """Python source that packs a batch of this shape as drawn and prints what the module returns."""
    spec = case.spec
    lines = [
        implementation.current().imports,
        "from torch.nn.utils.rnn import pack_padded_sequence, pack_sequence",
        f"dtype, device = {case.dtype}, {case.device!r}",
        f"module = {implementation.current().source(spec.kind, spec.constructor_kwargs())}.to(device, dtype).eval()",
    ]
    if packing.method == "pack_sequence":
        lines += [
            f"xs = [torch.randn(n, {spec.input_size}, dtype=dtype, device=device) for n in {case.lengths!r}]",
            f"packed = pack_sequence(xs, enforce_sorted={packing.enforce_sorted})",
        ]
    else:
        lines += [
            f"x = torch.randn({tuple(case.x.shape)!r}, dtype=dtype, device=device)",
            f"packed = pack_padded_sequence(x, {case.lengths!r}, batch_first={spec.batch_first}, "
            f"enforce_sorted={packing.enforce_sorted})",
        ]
    lines += [
        "output = module(packed)[0]",
        "for name in ('batch_sizes', 'sorted_indices', 'unsorted_indices'):",
        "    given, returned = getattr(packed, name), getattr(output, name)",
        "    print(name, given, returned)",
        "    same = given is returned is None or (",
        "        given is not None and returned is not None and given.dtype == returned.dtype",
        "        and given.device == returned.device and given.tolist() == returned.tolist())",
        "    assert same, f'the output carries another {name} than the input'",
    ]
    return "\n".join(lines)
