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
from conformance.oracle.tolerances import LOW_PRECISION, gradient_allowed
from conformance.run.dtypes import DTYPES
from conformance.run.torch_run import run
from conformance.variants import VARIANTS

LOW_PRECISION_RELU = (
    "relu's derivative is a convention at 0, and float16/bfloat16 rounding moves most examples' "
    "pre-activations within reach of it: relu gradients are judged in float64 and float32"
)


@VALUES.check(pytest.mark.parametrize("dtype", DTYPES, ids=str))
def test_gradient_values(variant: str, dtype: torch.dtype, device: str, data: st.DataObject) -> None:
    if VARIANTS[variant].get("nonlinearity") == "relu" and dtype in LOW_PRECISION:
        pytest.skip(LOW_PRECISION_RELU)
    example = data.draw(gradient_examples(variant, dtype, device), label="example")
    assume(away_from_relu_kink(example))
    actual = run(example).gradients
    assert actual is not None
    expected = expected_gradients(example)
    allowed = gradient_allowed(example, {name: expected[name] for name in example.compared_gradients})
    for name in example.compared_gradients:
        judge(VALUES, variant, example, name, actual[name], expected[name], allowed[name])
