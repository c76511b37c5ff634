"""Derivatives beyond the first backward pass: double backward and forward-mode AD, against the
reference's exact directional derivatives (oracle.directional: the complex step through its equations
and through its backward pass).

Both run on each CPU kernel in turn (`cpu_kernel`: oneDNN and native are different code paths, so a
parameter of the check rather than a drawn axis, and a deviation of one kernel leaves the other
strict), and forward-mode AD on padded and packed input (`form`) for the full modules. float16 and
bfloat16 are skipped with the reason: the low-precision yardsticks (tolerances.gradient_allowed) model
the rounding of a first backward pass, and none is derived for these derivatives. Forward-mode AD
takes expanded (stride-0) inputs and states as contiguous copies: torch.autograd.forward_ad.make_dual
copies a tangent into its primal's layout, which an expanded tensor cannot hold ("more than one element
of the written-to tensor refers to a single memory location", torch 2.0.1 to 2.14.1: python -c "import
torch; torch.func.jvp(torch.sin, (torch.zeros(1).expand(3),), (torch.ones(3),))"), a limit of
forward-mode AD itself, not of the recurrent modules.

About 15 CPU seconds at the default profile, a quarter of the default run, so these checks are the
higher-order autograd group with the torch.func transforms (marker rnn_slow_autograd): --rnn-autograd
adds it to a run, `pytest -n auto -m rnn_slow_autograd conformance` runs it alone, and .ci/run runs it.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

from conformance.claims import Claim
from conformance.claims.gradients import FORWARD_MODE, SECOND_ORDER
from conformance.draw.calls import CPU_KERNELS
from conformance.draw.example import Example, with_tangents
from conformance.draw.gradients import gradient_examples
from conformance.draw.strategies import SEEDS
from conformance.judge.compare import judge
from conformance.oracle.expected import expected_second_order, expected_tangents
from conformance.oracle.relu import away_from_relu_kink
from conformance.oracle.tolerances import LOW_PRECISION, forward_mode_tolerance, second_order_tolerance
from conformance.run import implementation
from conformance.run.differentials import FORWARD_AD
from conformance.run.dtypes import DTYPES
from conformance.run.torch_run import run
from conformance.test_modes import mode_failures
from conformance.variants import VARIANTS

pytestmark = pytest.mark.rnn_slow_autograd

LOW_PRECISION_REASON = (
    "no low-precision yardstick is derived for second-order or forward-mode derivatives: they are judged in "
    "float64 and float32"
)
PACKING = (
    "torch's pack_padded_sequence, which the suite packs every implementation's input with, has no forward-mode "
    "AD formula (a known deviation of torch.nn): packed forward-mode AD is judged for torch.nn's modules only"
)
FORMS = ("padded", "packed")
"""How a full module's batch reaches torch: as a tensor (batched or not, batch_first or not) or packed."""


def cases(claim: Claim, forms: tuple[str, ...]) -> list[object]:
    """(variant, dtype, cpu_kernel, form) for every variant, dtype and CPU kernel, and each form a full
    module takes (cells: padded only)."""
    params: list[object] = []
    for variant in claim.variants:
        cell = str(VARIANTS[variant]["kind"]).endswith("Cell")
        for dtype in DTYPES:
            for kernel in CPU_KERNELS:
                for form in forms[:1] if cell else forms:
                    name = "-".join([variant, str(dtype), kernel, *([form] if len(forms) > 1 else [])])
                    params.append(pytest.param(variant, dtype, kernel, form, id=name, marks=claim.mark))
    return params


def drawn(
    data: st.DataObject, variant: str, dtype: torch.dtype, cpu_kernel: str, device: str, packed: bool | None
) -> Example:
    """A gradient example on the check's CPU kernel (off the CPU the kernel fixture chooses), away from
    relu's kink, with N(0, 1) tangents for every input, state and parameter."""
    if dtype in LOW_PRECISION:
        pytest.skip(LOW_PRECISION_REASON)
    on_cpu = torch.device(device).type == "cpu"
    if not on_cpu and cpu_kernel != CPU_KERNELS[0]:
        pytest.skip("the CPU kernel applies on the CPU only")
    example = data.draw(gradient_examples(variant, dtype, device, packed), label="example")
    assume(away_from_relu_kink(example))
    example = replace(example, call=replace(example.call, cpu_kernel=cpu_kernel if on_cpu else None))
    return with_tangents(example, data.draw(SEEDS, label="tangent seed"))


@pytest.mark.parametrize(("variant", "dtype", "cpu_kernel", "form"), cases(SECOND_ORDER, FORMS[:1]))
@given(data=st.data())
def test_second_order(
    variant: str, dtype: torch.dtype, cpu_kernel: str, form: str, device: str, data: st.DataObject
) -> None:
    example = drawn(data, variant, dtype, cpu_kernel, device, None)
    with mode_failures(SECOND_ORDER, variant, "double backward", example):
        result = run(example)
    assert result.second_order is not None
    expected = expected_second_order(example)
    tol = second_order_tolerance(example.spec, example.seq_len, dtype)
    for name in example.compared_gradients:
        judge(SECOND_ORDER, variant, example, name, result.second_order[name], expected[name], tol)


@pytest.mark.parametrize(("variant", "dtype", "cpu_kernel", "form"), cases(FORWARD_MODE, FORMS))
@given(data=st.data())
def test_forward_mode(
    variant: str, dtype: torch.dtype, cpu_kernel: str, form: str, device: str, data: st.DataObject
) -> None:
    if form == "packed" and not implementation.current().is_torch_nn:
        pytest.skip(PACKING)
    example = drawn(data, variant, dtype, cpu_kernel, device, form == "packed")
    call = example.call
    if "expanded" in (call.input_layout, call.state_layout):  # make_dual cannot hold an expanded primal
        call = replace(call, input_layout="contiguous", state_layout="contiguous")
    forward_ad = data.draw(st.sampled_from(FORWARD_AD), label="forward AD")
    example = replace(example, upstream=None, forward_ad=forward_ad, call=call)
    with mode_failures(FORWARD_MODE, variant, f"forward-mode AD ({example.forward_ad})", example):
        result = run(example)
    assert result.tangents is not None
    expected = expected_tangents(example)
    tol = forward_mode_tolerance(example.spec, example.seq_len, dtype)
    for name, value in expected.items():
        judge(FORWARD_MODE, variant, example, name, result.tangents[name], value, tol)
