"""A forward call leaves its arguments alone and gives the same answer twice.

Examples are drawn like the value checks' (every way of calling torch included), dense or packed:
small for what a call leaves alone, which no size changes; at a quarter of the size tier for
determinism, where parallel reductions over large sizes could reorder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
import torch
from hypothesis import strategies as st

from conformance.claims.forward import ARGUMENTS_UNCHANGED, DETERMINISTIC
from conformance.draw import sizes
from conformance.draw.example import Example, with_upstream
from conformance.draw.packing import packed_examples
from conformance.draw.strategies import BOOLEANS, SEEDS, within
from conformance.judge.compare import fail, judge
from conformance.judge.reproducer import snippet
from conformance.run.dtypes import DTYPES
from conformance.run.modules import to_numpy
from conformance.run.torch_run import module_for, run
from conformance.test_values import draw_example

DETERMINISTIC_WORKSPACES = (":4096:8", ":16:8")


def any_example(data: st.DataObject, variant: str, dtype: torch.dtype, device: str, tier: sizes.Tier) -> Example:
    """A dense example within `tier`, or for the full modules a packed one half of the time."""
    example = draw_example(data, variant, dtype, device, tier)
    if example.spec.is_cell or not data.draw(BOOLEANS, label="packed"):
        return example
    return data.draw(within(tier, packed_examples(variant, dtype, device)), label="packed example")


def storage(t: torch.Tensor) -> int:
    return t.untyped_storage().data_ptr()


@ARGUMENTS_UNCHANGED.check(pytest.mark.parametrize("dtype", DTYPES, ids=str))
def test_forward_leaves_its_arguments_alone(variant: str, dtype: torch.dtype, device: str, data: st.DataObject) -> None:
    example = any_example(data, variant, dtype, device, sizes.SMALL)
    module = module_for(example)
    parameters = {name: (p, p.detach().clone(), p._version) for name, p in module.named_parameters()}
    result = run(example, module)
    assert result.given is not None and result.returned is not None
    first = next(iter(result.outputs))
    repro = snippet(example, first, result.outputs[first], 0.0)
    arrays = {"input": example.x, "h0": example.h0, "c0": example.c0}
    held: dict[int, str] = {}
    for name, (t, version) in result.given.items():
        if t._version != version:
            changed = f"{name}'s version counter went from {version} to {t._version}"
            fail(ARGUMENTS_UNCHANGED, variant, changed, example, repro)
        if (given := arrays.get(name)) is not None:
            judge(ARGUMENTS_UNCHANGED, variant, example, name, to_numpy(t), given, 0.0, "the argument as given")
        held[storage(t)] = name
    for name, (p, values, version) in parameters.items():
        if p._version != version:
            changed = f"{name}'s version counter went from {version} to {p._version}"
            fail(ARGUMENTS_UNCHANGED, variant, changed, example, repro)
        if not torch.equal(p.detach(), values):
            fail(ARGUMENTS_UNCHANGED, variant, f"the forward changed the values of {name}", example, repro)
        held[storage(p)] = name
    for name, t in result.returned.items():
        if storage(t) in held:
            fail(ARGUMENTS_UNCHANGED, variant, f"{name} shares its storage with {held[storage(t)]}", example, repro)


@contextmanager
def deterministic(device: str) -> Iterator[None]:
    """torch.use_deterministic_algorithms(True) on CUDA (skipping without the documented workspace setting)."""
    if torch.device(device).type != "cuda":
        yield
        return
    if os.environ.get("CUBLAS_WORKSPACE_CONFIG") not in DETERMINISTIC_WORKSPACES:
        pytest.skip(
            "set CUBLAS_WORKSPACE_CONFIG=:4096:8 (as the RNN documentation prescribes) to check CUDA determinism"
        )
    was = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(was)


@DETERMINISTIC.check(pytest.mark.parametrize("dtype", DTYPES, ids=str))
def test_the_same_call_gives_the_same_answer(
    variant: str, dtype: torch.dtype, device: str, data: st.DataObject
) -> None:
    example = any_example(data, variant, dtype, device, sizes.capped())
    if data.draw(BOOLEANS, label="with gradients"):
        example = with_upstream(example, data.draw(SEEDS, label="upstream seed"))
    with deterministic(device):
        first, second = run(example), run(example)
    pairs = [(first.outputs, second.outputs), (first.gradients or {}, second.gradients or {})]
    for once, again in pairs:
        for name, value in once.items():
            source = "the same call before"
            judge(DETERMINISTIC, variant, example, name, again[name], value, np.zeros(value.shape), source)
