"""PackedSequence: a packed input gives a packed output, and each sequence runs to its own length.

The final-state claim is checked on batches packed longest first (enforce_sorted=True), where the
caller's order is the kernel's; the batch-order claim then compares any order with that one, so a
failure names the claim it breaks: a wrong state, or a right state in the wrong row.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from hypothesis import strategies as st

from conformance.claims.packed import BATCH_ORDER, FINAL_STATE, OUTPUT, STRUCTURE
from conformance.draw.example import OUTPUT as OUTPUT_NAME
from conformance.draw.example import Arrays, Example, Packing
from conformance.draw.packing import longest_first, packed_examples
from conformance.judge.compare import fail, judge
from conformance.judge.reproducer import structure_snippet
from conformance.oracle.expected import expected_outputs
from conformance.oracle.tolerances import forward_tolerance
from conformance.run.torch_run import run

DTYPES = [torch.float64, torch.float32]


def _summary(t: torch.Tensor | None) -> tuple[object, ...] | None:
    """What a batch_sizes or indices tensor holds, as comparable plain values."""
    return None if t is None else (t.tolist(), t.dtype, t.device)


def _describe(t: torch.Tensor | None) -> str:
    return "None" if t is None else f"{t.tolist()} ({str(t.dtype).removeprefix('torch.')} on {t.device})"


@STRUCTURE.check()
def test_packed_output_keeps_the_packing(variant: str, device: str, data: st.DataObject) -> None:
    example = data.draw(packed_examples(variant, torch.float32, device), label="packed example")
    packed = run(example, pad=False).packed
    assert packed is not None
    for name in ("batch_sizes", "sorted_indices", "unsorted_indices"):
        given_, returned = getattr(packed[0], name), getattr(packed[1], name)
        if _summary(returned) != _summary(given_):
            finding = (
                f"packed by {example.packing.describe()}, the input's {name} is {_describe(given_)} "
                f"but the output's is {_describe(returned)}"
            )
            fail(STRUCTURE, variant, finding, example, structure_snippet(example))


@OUTPUT.check(pytest.mark.parametrize("dtype", DTYPES, ids=str))
def test_packed_output_values(variant: str, dtype: torch.dtype, device: str, data: st.DataObject) -> None:
    example = data.draw(packed_examples(variant, dtype, device), label="packed example")
    actual = run(example).outputs[OUTPUT_NAME]
    expected = expected_outputs(example)[OUTPUT_NAME]
    tol = forward_tolerance(example.spec, example.seq_len, dtype)
    judge(OUTPUT, variant, example, OUTPUT_NAME, actual, expected, tol, _from_reference(example))


@FINAL_STATE.check(pytest.mark.parametrize("dtype", DTYPES, ids=str))
def test_packed_final_state(variant: str, dtype: torch.dtype, device: str, data: st.DataObject) -> None:
    example = data.draw(packed_examples(variant, dtype, device, longest_first=True), label="packed example")
    actual = run(example).outputs
    tol = forward_tolerance(example.spec, example.seq_len, dtype)
    for name, expected in expected_outputs(example).items():
        if name != OUTPUT_NAME:
            judge(FINAL_STATE, variant, example, name, actual[name], expected, tol, _from_reference(example))


@BATCH_ORDER.check()
def test_packed_batch_order(variant: str, device: str, data: st.DataObject) -> None:
    """Any order, with a given h_0, against the same sequences and states packed longest first."""
    dtype = torch.float64
    example = data.draw(packed_examples(variant, dtype, device, longest_first=False, hx=True), label="packed example")
    actual = run(example).outputs
    expected = _in_callers_order(example)
    tol = forward_tolerance(example.spec, example.seq_len, dtype)
    source = "the same sequences and states packed longest first (enforce_sorted=True), put back in order"
    for name in expected:
        judge(BATCH_ORDER, variant, example, name, actual[name], expected[name], tol, source)


def _in_callers_order(example: Example) -> Arrays:
    """torch's h_n (and c_n) for the example reordered longest first, rows put back in the caller's order."""
    reordered, order = longest_first(example)
    outputs = run(replace(reordered, packing=Packing("pack_padded_sequence", enforce_sorted=True))).outputs
    back = np.argsort(order)
    return {name: a[:, back] for name, a in outputs.items() if name != OUTPUT_NAME}


def _from_reference(example: Example) -> str:
    return f"the reference on the same lengths (torch's input packed by {example.packing.describe()})"
