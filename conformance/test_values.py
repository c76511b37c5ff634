"""Values: output, h_n and c_n (h' and c' for cells) equal the documented equations."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
from hypothesis import strategies as st

from conformance.claims.outputs import AUTOCAST, DEFAULT_STATE, DTYPE_DEVICE, SHAPES, TF32, VALUES
from conformance.draw import sizes
from conformance.draw.calls import calls
from conformance.draw.example import Example, make_example
from conformance.draw.strategies import configurations
from conformance.judge.compare import assert_equal, fail, judge
from conformance.judge.reproducer import shapes_snippet, snippet
from conformance.oracle.expected import expected_outputs
from conformance.oracle.tolerances import LOW_PRECISION, autocast_allowed, forward_allowed, tf32_allowed
from conformance.run import platform
from conformance.run.dtypes import DTYPES, autocast_unsupported_reason
from conformance.run.torch_run import run
from reference import output_shapes


def draw_example(
    data: st.DataObject, variant: str, dtype: torch.dtype, device: str, tier: sizes.Tier | None = None
) -> Example:
    example = make_example(*data.draw(configurations(variant, tier), label="configuration"), dtype, device)
    return example.called(data.draw(calls(example.spec, device), label="call"))


@SHAPES.check()
def test_output_shapes(variant: str, device: str, data: st.DataObject) -> None:
    example = draw_example(data, variant, torch.float32, device)
    actual = {name: a.shape for name, a in run(example).outputs.items()}
    expected = output_shapes(example.spec, example.seq_len, example.batch)
    assert_equal(SHAPES, variant, "the outputs' shapes", actual, expected, example, shapes_snippet(example))


@VALUES.check(pytest.mark.parametrize("dtype", DTYPES, ids=str))
def test_output_values(variant: str, dtype: torch.dtype, device: str, data: st.DataObject) -> None:
    example = draw_example(data, variant, dtype, device)
    actual = run(example).outputs
    expected = expected_outputs(example)
    allowed = forward_allowed(example, expected)
    for name, truth in expected.items():
        judge(VALUES, variant, example, name, actual[name], truth, allowed[name])


@TF32.check(
    pytest.mark.rnn_device_types("cuda", reason="TF32 applies to CUDA matmuls only"),
    pytest.mark.parametrize("tf32", [True], ids=["tf32"]),
)
def test_output_values_tf32(variant: str, tf32: bool, device: str, data: st.DataObject) -> None:
    example = draw_example(data, variant, torch.float32, device)
    actual = run(example).outputs
    expected = expected_outputs(example)
    allowed = tf32_allowed(example, expected)
    for name, truth in expected.items():
        judge(TF32, variant, example, name, actual[name], truth, allowed[name])


@DEFAULT_STATE.check()
def test_omitted_state_is_zero(variant: str, device: str, data: st.DataObject) -> None:
    example = draw_example(data, variant, torch.float64, device).without_state()
    omitted = run(example).outputs
    # Another layout of the zeros may take another product kernel, rounding otherwise: lay them out plainly.
    zeros = run(example.with_zero_state().called(replace(example.call, state_layout="contiguous"))).outputs
    for name, actual in omitted.items():
        judge(DEFAULT_STATE, variant, example, name, actual, zeros[name], 0.0, "an explicit zero state")


@DTYPE_DEVICE.check(pytest.mark.parametrize("dtype", DTYPES, ids=str))
def test_output_dtype_and_device(variant: str, dtype: torch.dtype, device: str, data: st.DataObject) -> None:
    """Drawn at the mode checks' small sizes: where results live does not depend on how large they are."""
    example = draw_example(data, variant, dtype, device, sizes.SMALL)
    placement = run(example).placement
    assert placement is not None
    expected, repro = (dtype, torch.device(device)), shapes_snippet(example)
    for name, actual in placement.items():
        assert_equal(DTYPE_DEVICE, variant, f"{name}'s dtype and device", actual, expected, example, repro)


@AUTOCAST.check(pytest.mark.parametrize("autocast", LOW_PRECISION, ids=str))
def test_output_values_under_autocast(variant: str, autocast: torch.dtype, device: str, data: st.DataObject) -> None:
    """Drawn at a quarter of the size tier, as gradients are: low-precision products are slow on CPUs."""
    if reason := autocast_unsupported_reason(device, autocast):
        platform.skip(reason)
    example = replace(draw_example(data, variant, torch.float32, device, sizes.capped()), autocast=autocast)
    expected = expected_outputs(example)
    try:
        result = run(example)
    except RuntimeError as exc:
        first = next(iter(expected))
        finding = f"torch raised {type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
        fail(AUTOCAST, variant, finding, example, snippet(example, first, expected[first], 0.0))
    assert result.placement is not None
    allowed = autocast_allowed(example, expected)
    for name, truth in expected.items():
        dtype = result.placement[name][0]
        if dtype not in (torch.float32, autocast):
            what = f"{name}'s dtype under autocast"
            assert_equal(
                AUTOCAST, variant, what, dtype, f"torch.float32 or {autocast}", example, shapes_snippet(example)
            )
        judge(AUTOCAST, variant, example, name, result.outputs[name], truth, allowed[name])
