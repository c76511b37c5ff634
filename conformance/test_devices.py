"""Devices: the same module and inputs give the same results on a device as on the CPU."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
from hypothesis import strategies as st

from conformance.claims.devices import PARITY
from conformance.draw.gradients import gradient_examples
from conformance.judge.compare import judge
from conformance.oracle.expected import expected_outputs
from conformance.oracle.tolerances import forward_allowed, gradient_tolerance, scaled
from conformance.run import platform
from conformance.run.dtypes import DTYPES, EXACT_DTYPES, unsupported_reason
from conformance.run.torch_run import run

ACCELERATORS = ("cuda", "mps", "xpu", "hpu", "privateuseone")


@PARITY.check(
    pytest.mark.rnn_device_types(*ACCELERATORS, reason="parity compares a device with the CPU"),
    pytest.mark.parametrize("dtype", DTYPES, ids=str),
)
def test_device_matches_cpu(variant: str, dtype: torch.dtype, device: str, data: st.DataObject) -> None:
    if unsupported_reason("cpu", dtype, variant):
        platform.skip(f"the CPU cannot run {variant} in {dtype} to compare with")
    example = data.draw(gradient_examples(variant, dtype, device), label="example")
    if dtype not in EXACT_DTYPES:
        example = replace(example, upstream=None)
    on_cpu = replace(example, device="cpu")
    allowed = forward_allowed(example, expected_outputs(example))
    here, there = run(example), run(on_cpu)
    for name, cpu_value in there.outputs.items():
        judge(PARITY, variant, example, name, here.outputs[name], cpu_value, scaled(allowed[name], 2), "the CPU")
    if here.gradients is not None and there.gradients is not None:
        tol = 2 * gradient_tolerance(example.spec, example.seq_len, dtype)
        for name, grad in here.gradients.items():
            judge(PARITY, variant, example, name, grad, there.gradients[name], tol, "the CPU")
