"""PackedSequence: a packed input gives a packed output, and each sequence runs to its own length.

The final-state claim is checked on batches packed longest first (enforce_sorted=True), where the
caller's order is the kernel's; the batch-order claim then compares any order with that one, so a
failure names the claim it breaks: a wrong state, or a right state in the wrong row.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from conformance.claims.packed import BATCH_ORDER, FINAL_STATE, OUTPUT, STRUCTURE
from conformance.draw.example import Case
from conformance.draw.packing import Packing, longest_first, packed_cases, run_packed, structure_snippet
from conformance.judge.compare import assert_values, fail
from conformance.oracle.expected import expected_outputs
from conformance.oracle.tolerances import forward_tolerance

DTYPES = [torch.float64, torch.float32]


def _summary(t: torch.Tensor | None) -> tuple[object, ...] | None:
    """What a batch_sizes or indices tensor holds, as comparable plain values."""
    return None if t is None else (t.tolist(), t.dtype, t.device)


def _describe(t: torch.Tensor | None) -> str:
    return "None" if t is None else f"{t.tolist()} ({str(t.dtype).removeprefix('torch.')} on {t.device})"


@STRUCTURE.mark
@STRUCTURE.each_variant
@given(data=st.data())
def test_packed_output_keeps_the_packing(variant: str, device: str, data: st.DataObject) -> None:
    case, packing = data.draw(packed_cases(variant, torch.float32, device), label="packed case")
    run = run_packed(case, packing)
    for name in ("batch_sizes", "sorted_indices", "unsorted_indices"):
        given_, returned = getattr(run.packed_input, name), getattr(run.packed_output, name)
        if _summary(returned) != _summary(given_):
            finding = (
                f"packed by {packing.describe()}, the input's {name} is {_describe(given_)} "
                f"but the output's is {_describe(returned)}"
            )
            fail(STRUCTURE, variant, finding, case, structure_snippet(case, packing))


@OUTPUT.mark
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@OUTPUT.each_variant
@given(data=st.data())
def test_packed_output_values(variant: str, dtype: torch.dtype, device: str, data: st.DataObject) -> None:
    case, packing = data.draw(packed_cases(variant, dtype, device), label="packed case")
    actual = run_packed(case, packing).named["output"]
    expected = expected_outputs(case)["output"]
    tol = forward_tolerance(case.spec, case.seq_len, dtype)
    assert_values(OUTPUT, variant, "output", actual, expected, tol, case, _from_reference(packing))


@FINAL_STATE.mark
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@FINAL_STATE.each_variant
@given(data=st.data())
def test_packed_final_state(variant: str, dtype: torch.dtype, device: str, data: st.DataObject) -> None:
    case, packing = data.draw(packed_cases(variant, dtype, device, longest_first=True), label="packed case")
    actual = run_packed(case, packing).states
    tol = forward_tolerance(case.spec, case.seq_len, dtype)
    for name, expected in expected_outputs(case).items():
        if name != "output":
            assert_values(FINAL_STATE, variant, name, actual[name], expected, tol, case, _from_reference(packing))


@BATCH_ORDER.mark
@BATCH_ORDER.each_variant
@given(data=st.data())
def test_packed_batch_order(variant: str, device: str, data: st.DataObject) -> None:
    """Any order, with a given h_0, against the same sequences and states packed longest first."""
    dtype = torch.float64
    case, packing = data.draw(packed_cases(variant, dtype, device, longest_first=False, hx=True), label="packed case")
    actual = run_packed(case, packing).states
    expected = _in_callers_order(case)
    tol = forward_tolerance(case.spec, case.seq_len, dtype)
    source = "the same sequences and states packed longest first (enforce_sorted=True), put back in order"
    for name in expected:
        assert_values(BATCH_ORDER, variant, name, actual[name], expected[name], tol, case, source)


def _in_callers_order(case: Case) -> dict[str, np.ndarray]:
    """torch's h_n (and c_n) for the case reordered longest first, rows put back in the caller's order."""
    reordered, order = longest_first(case)
    states = run_packed(reordered, Packing("pack_padded_sequence", enforce_sorted=True)).states
    back = np.argsort(order)
    return {name: a[:, back] for name, a in states.items()}


def _from_reference(packing: Packing) -> str:
    return f"the reference on the same lengths (torch's input packed by {packing.describe()})"
