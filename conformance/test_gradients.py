"""Gradients: torch's autograd through the recurrent kernels equals backpropagation of the equations."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

from conformance.claims.gradients import VALUES
from conformance.draw.gradient_cases import (
    GradientCase,
    expected_gradients,
    gradient_cases,
    relu_preactivations,
    torch_gradients,
)
from conformance.judge.gradient_reproducer import assert_gradient
from conformance.oracle.tolerances import forward_tolerance, gradient_tolerance
from conformance.run.dtypes import EXACT_DTYPES

RELU_MARGIN = 4.0
"""Relu's derivative jumps at 0. An example is skipped when a pre-activation lies within RELU_MARGIN
forward tolerances of 0, relative to the magnitude of its terms: torch's rounding could put it on the
other side of the kink from the reference's."""


def away_from_relu_kink(example: GradientCase) -> bool:
    case = example.case
    if case.spec.nonlinearity != "relu":
        return True
    pre, magnitude = relu_preactivations(case)
    margin = RELU_MARGIN * forward_tolerance(case.spec, case.seq_len, case.dtype) * (1.0 + magnitude)
    return bool(np.all(np.abs(pre) > margin))


@VALUES.mark
@pytest.mark.parametrize("dtype", EXACT_DTYPES, ids=str)
@VALUES.each_variant
@given(data=st.data())
def test_gradient_values(variant: str, dtype: torch.dtype, device: str, data: st.DataObject) -> None:
    example = data.draw(gradient_cases(variant, dtype, device), label="example")
    assume(away_from_relu_kink(example))
    actual = torch_gradients(example)
    expected = expected_gradients(example)
    tol = gradient_tolerance(example.case.spec, example.case.seq_len, dtype)
    for name in example.compared:
        assert_gradient(VALUES, variant, name, actual[name], expected[name], tol, example)
