"""The torch.func transforms (grad, jacrev, jacfwd, hessian, vmap over inputs and over stacked module
states), the module called through torch.func.functional_call, against the reference.

Jacobians and Hessians are built from the reference one input element at a time (oracle.directional:
the complex step along each unit tangent), so these checks draw at the small size tier. Like
test_higher_order, each runs on each CPU kernel in turn, and judges float64 and float32, on padded
and packed input (the vmap claims skip packed input, saying why). The transforms take the input, the
states and the parameters as contiguous tensors: memory layouts are an axis of the eager claims
(draw.calls), and an expanded primal cannot carry a forward-mode tangent (test_higher_order). A Jacobian
costs the reference one run per input element; these checks are part of the higher-order autograd
group (marker rnn_slow_autograd, with test_higher_order), left out of a default run like the compile and
deploy groups: --rnn-autograd adds it, `pytest -n auto -m rnn_slow_autograd conformance` runs it alone,
and .ci/run runs it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from conformance.claims import Claim
from conformance.claims.transforms import GRAD, HESSIAN, JACFWD, JACREV, VMAP_ENSEMBLE, VMAP_INPUTS
from conformance.draw import sizes
from conformance.draw.example import INPUT, Example, make_example, output_names
from conformance.draw.strategies import SEEDS, Inputs, Weights
from conformance.judge.compare import judge
from conformance.oracle.expected import expected_gradients, expected_outputs, expected_second_order, expected_tangents
from conformance.oracle.tolerances import (
    forward_mode_tolerance,
    forward_tolerance,
    gradient_tolerance,
    second_order_tolerance,
)
from conformance.run import transforms
from conformance.test_higher_order import FORMS, cases, drawn
from conformance.test_modes import mode_failures

pytestmark = [
    pytest.mark.rnn_slow_autograd,
    pytest.mark.filterwarnings("ignore:There is a performance drop because we have not yet implemented"),
]
"""The higher-order autograd group, left out of a default run (--rnn-autograd adds it); vmap's fallback for a cell
without a batching rule (gru_cell, rnn_tanh_cell) warns about speed, not values."""

VMAP_PACKED = (
    "vmap maps tensors along a dimension; a PackedSequence's batch_sizes differ from member to member, so a "
    "stack of packed inputs is not one: packed input is judged by the other transforms"
)
MEMBERS = st.integers(1, 3)
"""How many inputs vmap maps over, or modules an ensemble stacks."""
WEIGHT_SCALES = st.sampled_from([0.3, 0.7])


def small(
    data: st.DataObject, variant: str, dtype: torch.dtype, cpu_kernel: str, device: str, form: str = "padded"
) -> Example:
    """A small example on the check's kernel, packed if `form` says so, its tensors contiguous."""
    with sizes.using(sizes.SMALL):
        example = drawn(data, variant, dtype, cpu_kernel, device, form == "packed")
    call = replace(example.call, input_layout="contiguous", state_layout="contiguous", parameter_layout="contiguous")
    return replace(example, call=call, tangents=None)


def unit_tangents(example: Example) -> list[dict[str, np.ndarray]]:
    """One tangent per element of the input: 1 there, 0 elsewhere."""
    units = []
    for k in range(example.x.size):
        unit = np.zeros(example.x.size)
        unit[k] = 1.0
        units.append({INPUT: unit.reshape(example.x.shape)})
    return units


@pytest.mark.parametrize(("variant", "dtype", "cpu_kernel", "form"), cases(GRAD, FORMS))
@given(data=st.data())
def test_func_grad(
    variant: str, dtype: torch.dtype, cpu_kernel: str, form: str, device: str, data: st.DataObject
) -> None:
    example = small(data, variant, dtype, cpu_kernel, device, form)
    with mode_failures(GRAD, variant, "torch.func.grad", example):
        actual = transforms.grad(example)
    expected = expected_gradients(example)
    tol = gradient_tolerance(example.spec, example.seq_len, dtype)
    for name in example.compared_gradients:
        judge(GRAD, variant, example, name, actual[name], expected[name], tol, how="torch.func.grad")


def jacobian_check(
    claim: Claim,
    transform: object,
    data: st.DataObject,
    variant: str,
    dtype: torch.dtype,
    cpu_kernel: str,
    form: str,
    device: str,
) -> None:
    example = small(data, variant, dtype, cpu_kernel, device, form)
    how = f"torch.func.{claim.key.rsplit('.', 1)[1]} with respect to the input"
    with mode_failures(claim, variant, how, example):
        actual = transforms.jacobian(example, transform)  # type: ignore[arg-type]
    columns = [expected_tangents(example, unit) for unit in unit_tangents(example)]
    tol = forward_mode_tolerance(example.spec, example.seq_len, dtype)
    for name in output_names(example.spec):
        expected = np.stack([c[name] for c in columns], axis=-1).reshape(actual[name].shape)
        judge(claim, variant, example, name, actual[name], expected, tol, how=how)


@pytest.mark.parametrize(("variant", "dtype", "cpu_kernel", "form"), cases(JACREV, FORMS))
@given(data=st.data())
def test_func_jacrev(
    variant: str, dtype: torch.dtype, cpu_kernel: str, form: str, device: str, data: st.DataObject
) -> None:
    jacobian_check(JACREV, torch.func.jacrev, data, variant, dtype, cpu_kernel, form, device)


@pytest.mark.parametrize(("variant", "dtype", "cpu_kernel", "form"), cases(JACFWD, FORMS))
@given(data=st.data())
def test_func_jacfwd(
    variant: str, dtype: torch.dtype, cpu_kernel: str, form: str, device: str, data: st.DataObject
) -> None:
    jacobian_check(JACFWD, torch.func.jacfwd, data, variant, dtype, cpu_kernel, form, device)


@pytest.mark.parametrize(("variant", "dtype", "cpu_kernel", "form"), cases(HESSIAN, FORMS))
@given(data=st.data())
def test_func_hessian(
    variant: str, dtype: torch.dtype, cpu_kernel: str, form: str, device: str, data: st.DataObject
) -> None:
    example = small(data, variant, dtype, cpu_kernel, device, form)
    how = "torch.func.hessian with respect to the input"
    with mode_failures(HESSIAN, variant, how, example):
        actual = transforms.hessian(example)
    rows = [expected_second_order(example, unit)[INPUT] for unit in unit_tangents(example)]
    expected = np.stack(rows, axis=-1).reshape(actual.shape)
    tol = second_order_tolerance(example.spec, example.seq_len, dtype)
    judge(HESSIAN, variant, example, INPUT, actual, expected, tol, how=how)


def members(data: st.DataObject, example: Example, inputs: bool) -> list[Example]:
    """The example and others of its configuration: other inputs (and states), or other weights."""
    count = data.draw(MEMBERS, label="members")
    others = []
    for _ in range(count - 1):
        if inputs:
            seed = data.draw(SEEDS, label="member input seed")
            shape = Inputs(example.seq_len, example.batch, hx=example.h0 is not None, seed=seed)
            other = make_example(example.spec, shape, Weights(0, None), example.dtype, example.device)
            others.append(replace(example, x=other.x, h0=other.h0, c0=other.c0))
        else:
            weights = Weights(data.draw(SEEDS, label="member weight seed"), data.draw(WEIGHT_SCALES, label="scale"))
            other = make_example(
                example.spec, Inputs(1, None, hx=False, seed=0), weights, example.dtype, example.device
            )
            others.append(replace(example, params=other.params))
    return [example, *others]


def vmap_check(
    claim: Claim,
    data: st.DataObject,
    variant: str,
    dtype: torch.dtype,
    cpu_kernel: str,
    form: str,
    device: str,
    inputs: bool,
) -> None:
    if form == "packed":
        pytest.skip(VMAP_PACKED)
    example = small(data, variant, dtype, cpu_kernel, device)
    group = members(data, example, inputs)
    how = f"torch.func.vmap over {len(group)} " + ("inputs" if inputs else "stacked modules (stack_module_state)")
    with mode_failures(claim, variant, how, example):
        actual = transforms.vmapped_inputs(group) if inputs else transforms.ensembled(group)
    each = [expected_outputs(member) for member in group]
    tol = forward_tolerance(example.spec, example.seq_len, dtype)
    for name in output_names(example.spec):
        judge(claim, variant, example, name, actual[name], np.stack([e[name] for e in each]), tol, how=how)


@pytest.mark.parametrize(("variant", "dtype", "cpu_kernel", "form"), cases(VMAP_INPUTS, FORMS))
@given(data=st.data())
def test_func_vmap_inputs(
    variant: str, dtype: torch.dtype, cpu_kernel: str, form: str, device: str, data: st.DataObject
) -> None:
    vmap_check(VMAP_INPUTS, data, variant, dtype, cpu_kernel, form, device, inputs=True)


@pytest.mark.parametrize(("variant", "dtype", "cpu_kernel", "form"), cases(VMAP_ENSEMBLE, FORMS))
@given(data=st.data())
def test_func_vmap_ensemble(
    variant: str, dtype: torch.dtype, cpu_kernel: str, form: str, device: str, data: st.DataObject
) -> None:
    vmap_check(VMAP_ENSEMBLE, data, variant, dtype, cpu_kernel, form, device, inputs=False)
