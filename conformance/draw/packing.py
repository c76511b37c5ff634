"""Packed examples: a Example with per-sequence lengths, the way it is packed, and torch's packed run.

A Example with `lengths` is what the reference runs (oracle.expected_outputs passes them on). How
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

from dataclasses import replace
from functools import cache

import numpy as np
import torch
from hypothesis import strategies as st

from conformance.draw import sizes
from conformance.draw.calls import calls
from conformance.draw.example import Example, Packing, make_example
from conformance.draw.strategies import BOOLEANS, SEEDS, Inputs, dimension, optional_dimension, specs, weights
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
def packed_examples(
    draw: st.DrawFn,
    variant: str,
    dtype: torch.dtype,
    device: str,
    longest_first: bool | None = None,
    hx: bool | None = None,
) -> Example:
    """A batched example of `variant` with drawn lengths and how to pack them.

    longest_first pins enforce_sorted (and so whether the lengths come sorted); hx pins whether
    h0 (and c0) are given. Lengths are drawn in the caller's order; ties are common.
    """
    cap = sizes.capped()
    spec = draw(specs(variant), label="spec")
    shape = input_shapes(draw, spec, cap.seq_len, cap.batch, batched=True, hx=hx)
    case = make_example(spec, shape, draw(weights(), label="weights"), dtype, device)
    case = case.called(draw(calls(spec, device), label="call"))
    packing = draw(packings(longest_first), label="packing")
    lengths = draw(lengths_strategy(shape.batch, shape.seq_len, packing.enforce_sorted), label="lengths")
    return replace(case, lengths=lengths, packing=packing)


def longest_first(case: Example) -> tuple[Example, np.ndarray]:
    """The same sequences reordered longest first (a stable sort), and the order taken.

    Row k of the reordered case is row order[k] of the original one.
    """
    assert case.lengths is not None
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
