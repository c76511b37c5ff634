"""Values: output, h_n and c_n (h' and c' for cells) equal the documented equations."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from conformance.claims.outputs import DEFAULT_STATE, SHAPES, TF32, VALUES
from conformance.draw.example import make_case
from conformance.draw.strategies import inputs, specs, weights
from conformance.judge.compare import assert_equal, assert_values
from conformance.judge.reproducer import shapes_snippet
from conformance.oracle.expected import expected_outputs
from conformance.oracle.tolerances import forward_allowed, tf32_allowed
from conformance.run.dtypes import DTYPES
from conformance.run.torch_run import torch_outputs
from reference import output_shapes


def draw_case(data: st.DataObject, variant: str, dtype: torch.dtype, device: str):
    spec = data.draw(specs(variant), label="spec")
    shape = data.draw(inputs(spec), label="inputs")
    return make_case(spec, shape, data.draw(weights(), label="weights"), dtype, device)


@SHAPES.mark
@SHAPES.each_variant
@given(data=st.data())
def test_output_shapes(variant: str, device: str, data: st.DataObject) -> None:
    case = draw_case(data, variant, torch.float32, device)
    actual = {name: a.shape for name, a in torch_outputs(case).items()}
    expected = output_shapes(case.spec, case.seq_len, case.batch)
    assert_equal(SHAPES, variant, "the outputs' shapes", actual, expected, case, shapes_snippet(case))


@VALUES.mark
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@VALUES.each_variant
@given(data=st.data())
def test_output_values(variant: str, dtype: torch.dtype, device: str, data: st.DataObject) -> None:
    case = draw_case(data, variant, dtype, device)
    actual = torch_outputs(case)
    expected = expected_outputs(case)
    allowed = forward_allowed(case, expected)
    for name, truth in expected.items():
        assert_values(VALUES, variant, name, actual[name], truth, allowed[name], case)


@TF32.mark
@pytest.mark.rnn_device_types("cuda", reason="TF32 applies to CUDA matmuls only")
@pytest.mark.parametrize("tf32", [True], ids=["tf32"])
@TF32.each_variant
@given(data=st.data())
def test_output_values_tf32(variant: str, tf32: bool, device: str, data: st.DataObject) -> None:
    case = draw_case(data, variant, torch.float32, device)
    actual = torch_outputs(case)
    expected = expected_outputs(case)
    allowed = tf32_allowed(case, expected)
    for name, truth in expected.items():
        assert_values(TF32, variant, name, actual[name], truth, allowed[name], case)


@DEFAULT_STATE.mark
@DEFAULT_STATE.each_variant
@given(data=st.data())
def test_omitted_state_is_zero(variant: str, device: str, data: st.DataObject) -> None:
    case = draw_case(data, variant, torch.float64, device).without_state()
    omitted = torch_outputs(case)
    zeros = torch_outputs(case.with_zero_state())
    for name, actual in omitted.items():
        assert_values(DEFAULT_STATE, variant, name, actual, zeros[name], 0.0, case, "an explicit zero state")
