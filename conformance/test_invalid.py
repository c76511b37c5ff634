"""Invalid forward calls raise: generated from valid ones with one thing broken (errors/invalid.py),
each made in an isolated child process (run/isolated.py), so that a call that crashes torch fails its
claim, naming the signal, and the run goes on."""

from __future__ import annotations

import pytest
import torch
from hypothesis import strategies as st

from conformance.claims import Claim
from conformance.claims.forward import INVALID_HX, INVALID_SHAPES
from conformance.errors.calls import attempt
from conformance.errors.invalid import HX, PACKED, SHAPES, invalid_calls
from conformance.errors.values import small_specs
from conformance.judge.compare import fail
from conformance.run import isolated, platform
from conformance.variants import CELL_VARIANTS

RAISED = ("ValueError", "RuntimeError", "TypeError")


def other_device(device: str) -> str | None:
    """A second device for a state to be on: the CPU for an accelerator, CUDA for the CPU if present."""
    if torch.device(device).type != "cpu":
        return "cpu"
    return "cuda" if torch.cuda.is_available() else None


def check_invalid_call(
    claim: Claim, breakages: tuple[str, ...], variant: str, device: str, data: st.DataObject
) -> None:
    spec = data.draw(small_specs(variant), label="spec")
    call = data.draw(invalid_calls(spec, breakages, other_device(device)), label="invalid call")
    outcome = isolated.call(attempt, call, device)
    if outcome.kind == "raised" and outcome.exc_type in RAISED:
        return
    expected = "a ValueError, RuntimeError or TypeError"
    finding = f"{call.describe()} {outcome.describe()}; the documented form is broken, so it raises {expected}"
    fail(claim, variant, finding, repro=call.repro(device))


@INVALID_SHAPES.check(pytest.mark.parametrize("broken", SHAPES, ids=lambda b: b.replace(" ", "_")))
def test_calls_of_invalid_shapes_raise(variant: str, broken: str, device: str, data: st.DataObject) -> None:
    """One check per way of breaking the call, so that each is drawn in every example of its check."""
    if broken == PACKED and variant in CELL_VARIANTS:
        pytest.skip("a cell takes no PackedSequence")
    if broken == "state device" and other_device(device) is None:
        platform.skip(f"no second device to put a state on, besides {device}")
    check_invalid_call(INVALID_SHAPES, (broken,), variant, device, data)


@INVALID_HX.check()
def test_calls_with_invalid_hx_raise(variant: str, device: str, data: st.DataObject) -> None:
    check_invalid_call(INVALID_HX, HX, variant, device, data)
