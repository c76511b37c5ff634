"""The complex-step oracle (conformance.oracle.directional) against independent computations.

- J v against central differences of the reference's forward pass (a truncation error of order
  step^2, so agreement to about 1e-8 relative);
- u . (J v) against (J^T u) . v, the reference's backward pass: the adjoint identity, to rounding;
- H v against central differences of the reference's exact gradient;
- the Hessian's symmetry: v2 . (H v1) = v1 . (H v2), to rounding;
- linearity in the tangent: J (a v1 + b v2) = a J v1 + b J v2.
On every variant, with and without the state, batched, unbatched, batch_first and packed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.draw.example import Arrays, Example, with_tangents
from conformance.draw.gradients import gradient_examples
from conformance.oracle.expected import expected_gradients, expected_outputs, expected_second_order, expected_tangents
from conformance.variants import VARIANTS

DIFFERENCE_STEP = 1e-6
DIFFERENCE_RTOL = 1e-6
"""A central difference errs by about step^2 times the third derivative, plus rounding over the step."""
ROUNDING = 1e-10
"""Two float64 evaluations of one quantity along different orders of summation agree to this, relative."""


def moved(example: Example, tangents: Arrays, step: float) -> Example:
    """The example with every input, state and parameter moved by step * its tangent (real)."""
    h_name, c_name = (*example.state_names, "", "")[:2]

    def m(a: np.ndarray | None, name: str) -> np.ndarray | None:
        return None if a is None or name not in tangents else a + step * tangents[name]

    return replace(
        example,
        params={k: v + step * tangents[k] for k, v in example.params.items()},
        x=example.x + step * tangents["input"],
        h0=m(example.h0, h_name),
        c0=m(example.c0, c_name),
    )


def central(f, example: Example, tangents: Arrays) -> Arrays:  # type: ignore[no-untyped-def]
    ahead, behind = f(moved(example, tangents, DIFFERENCE_STEP)), f(moved(example, tangents, -DIFFERENCE_STEP))
    return {name: (ahead[name] - behind[name]) / (2 * DIFFERENCE_STEP) for name in ahead}


def dot(a: Arrays, b: Arrays) -> float:
    """The sum of a[name] * b[name] over b's names."""
    return float(sum(np.sum(a[name] * b[name]) for name in b))


def close(actual: np.ndarray, expected: np.ndarray, rtol: float, what: str) -> None:
    scale = 1.0 + np.max(np.abs(expected), initial=0.0)
    np.testing.assert_allclose(actual, expected, rtol=0, atol=rtol * scale, err_msg=what)


examples = st.sampled_from(list(VARIANTS)).flatmap(lambda v: gradient_examples(v, torch.float64, "cpu"))
SETTINGS = settings(max_examples=40, deadline=None)


@pytest.mark.parametrize(
    ("exact", "differenced", "what"),
    [(expected_tangents, expected_outputs, "J v"), (expected_second_order, expected_gradients, "H v")],
    ids=["forward_mode", "second_order"],
)
@SETTINGS
@given(example=examples, seed=st.integers(0, 2**32 - 1))
def test_the_complex_step_equals_central_differences(
    exact: Callable[[Example, Arrays], Arrays],
    differenced: Callable[[Example], Arrays],
    what: str,
    example: Example,
    seed: int,
) -> None:
    """J v against central differences of the forward pass; H v against those of the exact gradient."""
    example = with_tangents(example, seed)
    assert example.tangents is not None
    found, central_differences = exact(example, example.tangents), central(differenced, example, example.tangents)
    for name in found:
        close(found[name], central_differences[name], DIFFERENCE_RTOL, f"{what} of {name} for {example.describe()}")


@SETTINGS
@given(example=examples, seed=st.integers(0, 2**32 - 1))
def test_forward_mode_is_the_adjoint_of_the_backward_pass(example: Example, seed: int) -> None:
    """u . (J v) = (J^T u) . v: the complex step against the reference's analytic backward pass."""
    example = with_tangents(example, seed)
    assert example.upstream is not None and example.tangents is not None
    forward = dot(example.upstream, expected_tangents(example))
    backward = dot(expected_gradients(example), example.tangents)
    assert forward == pytest.approx(backward, rel=ROUNDING, abs=ROUNDING), example.describe()


@SETTINGS
@given(example=examples, seeds=st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1)))
def test_the_hessian_is_symmetric(example: Example, seeds: tuple[int, int]) -> None:
    """v2 . (H v1) = v1 . (H v2) for the Hessian of sum(upstream * outputs)."""
    v1, v2 = (with_tangents(example, seed).tangents for seed in seeds)
    assert v1 is not None and v2 is not None
    one_then_two = dot(expected_second_order(example, v1), v2)
    two_then_one = dot(expected_second_order(example, v2), v1)
    assert one_then_two == pytest.approx(two_then_one, rel=ROUNDING, abs=ROUNDING), example.describe()


@SETTINGS
@given(example=examples, seeds=st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1)))
def test_forward_mode_is_linear_in_the_tangent(example: Example, seeds: tuple[int, int]) -> None:
    v1, v2 = (with_tangents(example, seed).tangents for seed in seeds)
    assert v1 is not None and v2 is not None
    combined = {name: 2.0 * v1[name] - 3.0 * v2[name] for name in v1}
    j1, j2, j = (expected_tangents(example, v) for v in (v1, v2, combined))
    for name in j:
        close(j[name], 2.0 * j1[name] - 3.0 * j2[name], ROUNDING, f"J (2 v1 - 3 v2) of {name}")


@SETTINGS
@given(example=examples, seed=st.integers(0, 2**32 - 1))
def test_an_upstream_gradient_of_zero_gives_a_zero_hessian_vector_product(example: Example, seed: int) -> None:
    example = with_tangents(example, seed)
    assert example.upstream is not None
    zero = replace(example, upstream={k: np.zeros_like(v) for k, v in example.upstream.items()})
    assert all(not np.any(g) for g in expected_second_order(zero).values())
