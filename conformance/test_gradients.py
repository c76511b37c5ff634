"""Gradients: torch's autograd through the recurrent kernels equals backpropagation of the equations."""

from __future__ import annotations

import pytest
import torch
from hypothesis import assume
from hypothesis import strategies as st

from conformance.claims.gradients import VALUES
from conformance.draw.gradients import gradient_examples
from conformance.judge.compare import judge
from conformance.oracle.expected import expected_gradients
from conformance.oracle.relu import away_from_relu_kink
from conformance.oracle.tolerances import gradient_tolerance
from conformance.run.dtypes import EXACT_DTYPES
from conformance.run.torch_run import run


@VALUES.check(pytest.mark.parametrize("dtype", EXACT_DTYPES, ids=str))
def test_gradient_values(variant: str, dtype: torch.dtype, device: str, data: st.DataObject) -> None:
    example = data.draw(gradient_examples(variant, dtype, device), label="example")
    assume(away_from_relu_kink(example))
    actual = run(example).gradients
    assert actual is not None
    expected = expected_gradients(example)
    tol = gradient_tolerance(example.spec, example.seq_len, dtype)
    for name in example.compared_gradients:
        judge(VALUES, variant, example, name, actual[name], expected[name], tol)
