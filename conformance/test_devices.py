"""Devices: the same module and inputs give the same results on a device as on the CPU."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from conformance.claims.devices import PARITY
from conformance.draw.gradient_cases import gradient_cases, torch_gradients
from conformance.judge.compare import assert_values
from conformance.judge.gradient_reproducer import assert_gradient
from conformance.oracle.expected import expected_outputs
from conformance.oracle.tolerances import forward_allowed, gradient_tolerance
from conformance.run.dtypes import DTYPES, unsupported_reason
from conformance.run.torch_run import torch_outputs

ACCELERATORS = ("cuda", "mps", "xpu", "hpu", "privateuseone")


@PARITY.mark
@pytest.mark.rnn_device_types(*ACCELERATORS, reason="parity compares a device with the CPU")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@PARITY.each_variant
@given(data=st.data())
def test_device_matches_cpu(variant: str, dtype: torch.dtype, device: str, data: st.DataObject) -> None:
    if unsupported_reason("cpu", dtype, variant):
        pytest.skip(f"the CPU cannot run {variant} in {dtype} to compare with")
    example = data.draw(gradient_cases(variant, dtype, device), label="example")
    on_device, on_cpu = example.case, replace(example.case, device="cpu")
    expected = expected_outputs(on_device)
    allowed = forward_allowed(on_device, expected)
    device_outputs = torch_outputs(replace(on_device, lengths=None))
    for name, cpu_value in torch_outputs(replace(on_cpu, lengths=None)).items():
        twice = 2 * allowed[name]
        assert_values(PARITY, variant, name, device_outputs[name], cpu_value, twice, on_device, "the CPU")
    if dtype in (torch.float64, torch.float32):
        tol = 2 * gradient_tolerance(on_device.spec, on_device.seq_len, dtype)
        cpu_grads = torch_gradients(replace(example, case=on_cpu))
        for name, grad in torch_gradients(example).items():
            assert_gradient(PARITY, variant, name, grad, cpu_grads[name], tol, example, "the CPU")
