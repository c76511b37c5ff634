"""Gradient examples: an Example with upstream gradients, at a quarter of the size tier.

A backward pass costs about three forward passes in the reference's Python loop, so these draws
reuse the suite's strategies (every constructor argument, unbatched, batch_first, h0 omitted, the
weight scales) but cap their sizes at a quarter of the size tier. Batched full modules also draw
packed inputs: per-sequence lengths, run through pack_padded_sequence(enforce_sorted=False).
"""

from __future__ import annotations

from dataclasses import replace

import torch
from hypothesis import strategies as st

from conformance.draw import sizes
from conformance.draw.calls import calls
from conformance.draw.example import Example, make_example, with_upstream
from conformance.draw.strategies import BOOLEANS, SEEDS, Inputs, inputs, specs, weights
from reference import Spec


def capped_spec(spec: Spec, cap: sizes.Tier) -> Spec:
    """`spec` with its sizes clamped to `cap`; proj_size stays below hidden_size."""
    hidden = min(spec.hidden_size, cap.hidden)
    return spec.with_(
        input_size=min(spec.input_size, cap.input),
        hidden_size=hidden,
        proj_size=min(spec.proj_size, hidden - 1),
    )


def capped_inputs(spec: Spec, shape: Inputs, cap: sizes.Tier) -> Inputs:
    """`shape` with the batch and sequence length clamped to `cap` (cells keep seq_len 1)."""
    batch = None if shape.batch is None else min(shape.batch, cap.batch)
    if spec.is_cell:
        return replace(shape, batch=batch)
    most = max(1, cap.steps // (spec.num_layers * spec.directions))
    return replace(shape, batch=batch, seq_len=min(shape.seq_len, cap.seq_len, most))


@st.composite
def gradient_examples(
    draw: st.DrawFn, variant: str, dtype: torch.dtype, device: str, packed: bool | None = None
) -> Example:
    """`packed` None draws whether a batched full module's input is packed; True packs it (giving an
    unbatched draw a batch of one), False never packs."""
    cap = sizes.capped()
    spec = capped_spec(draw(specs(variant), label="spec"), cap)
    shape = capped_inputs(spec, draw(inputs(spec), label="inputs"), cap)
    if packed and not spec.is_cell and shape.batch is None:
        shape = replace(shape, batch=1)
    if packed is None:
        packed = not spec.is_cell and shape.batch is not None and draw(BOOLEANS, label="packed")
    packed = packed and not spec.is_cell
    if packed:
        # h0's gradient must come back in the caller's batch order: packed runs always give h0.
        shape = replace(shape, hx=True)
    example = make_example(spec, shape, draw(weights(), label="weights"), dtype, device)
    example = example.called(draw(calls(spec, device, backward=True), label="call"))
    if packed:
        batch = shape.batch
        assert batch is not None
        lengths = st.lists(st.integers(1, example.seq_len), min_size=batch, max_size=batch)
        example = replace(example, lengths=draw(lengths, label="lengths"))
    return with_upstream(example, draw(SEEDS, label="upstream seed"))
