"""Deployment paths: torch.export, ONNX in onnxruntime, dynamic quantization, judged by the same
reference, failure text and reproducer as eager torch; every check names its path (`mode`).

The checks are the deploy group (marker `rnn_slow_deploy`, run with --rnn-deploy or selected with -m),
left out of the default run to keep it within its budget: exporting takes seconds, so the export and
ONNX checks export one fixed configuration per variant (DEPLOY_SPECS) and keep the program, except the
TorchScript ONNX exporter, which is quick enough to export every drawn configuration; quantize_dynamic
is quick, but its 24 checks would still add about a tenth to the default run. Every example is called
at other sizes than the program was exported with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace

import numpy as np
import pytest
import torch
from hypothesis import strategies as st

from conformance.claims import Claim
from conformance.claims.deploy import EXPORT, EXPORT_LENGTH, ONNX, ONNX_PACKED, QUANTIZED, QUANTIZED_NO_BIAS
from conformance.draw.calls import Call as Calls
from conformance.draw.example import Example, make_example
from conformance.draw.packing import packed_examples
from conformance.draw.sizes import SMALL
from conformance.draw.strategies import Inputs, Weights, configurations, weights, within
from conformance.judge.compare import ConformanceError, fail, judge
from conformance.judge.reproducer import DEPLOYED, header
from conformance.oracle.expected import expected_outputs
from conformance.oracle.tolerances import Allowed, forward_tolerance, quantized_allowed
from conformance.run import exported as export_path
from conformance.run import onnx_run, quantized
from conformance.run.modes import Call
from conformance.run.torch_run import run
from conformance.test_modes import SEED, fixed_spec, mode_failures
from conformance.variants import VARIANTS

F64, F32 = torch.float64, torch.float32
DEPLOY = pytest.mark.rnn_slow_deploy
CPU_ONLY = pytest.mark.rnn_device_types("cpu", reason="the deployment paths are judged on the CPU")

DEPLOY_SPECS = {v: fixed_spec(v, bidirectional=True, batch_first=True, bias=True) for v in VARIANTS}
"""What is exported: bidirectional, two layers, batch_first, with biases."""
CALL_BATCHES = st.sampled_from([b for b in range(2, 10) if b != export_path.EXPORT_BATCH])
"""Batch sizes a program is called at: not the one exported with, and above 1 (torch.export
specialises a size of 1)."""
CALL_LENGTHS = st.sampled_from([n for n in range(2, 9) if n != export_path.EXPORT_SEQ_LEN])
FIXED_WEIGHTS = Weights(seed=20, scale=1.0)
"""The weights of a dynamo-exported ONNX model, which holds them as initializers."""

EXPORT_MODES = {
    "export_strict": export_path.Export(strict=True),
    "export_nonstrict": export_path.Export(strict=False),
    "export_strict_decomposed": export_path.Export(strict=True, decomposed=True),
    "export_nonstrict_decomposed": export_path.Export(strict=False, decomposed=True),
}
LENGTH_MODES = {
    "export_strict": export_path.Export(strict=True, dynamic_length=True),
    "export_nonstrict": export_path.Export(strict=False, dynamic_length=True),
}
ONNX_MODES = {"onnx_dynamo": "dynamo", "onnx_torchscript": "torchscript"}
QUANTIZED_MODES = {f"quantized_{name}": qdtype for name, qdtype in quantized.QDTYPES.items()}

Tolerance = Callable[[Example, dict[str, np.ndarray]], dict[str, Allowed]]


def float_tolerance(case: Example, expected: dict[str, np.ndarray]) -> dict[str, Allowed]:
    return dict.fromkeys(expected, forward_tolerance(case.spec, case.seq_len, case.dtype))


def deployed(
    claim: Claim,
    variant: str,
    mode: str,
    how: str,
    example: Example,
    build: Callable[[Example], Call],
    lines: list[str],
    tolerance: Tolerance = float_tolerance,
) -> Call:
    """The example put on the path by `build` and judged against the reference (run on the example the
    call names: for a quantized module, its dequantized weights), every output within `tolerance`. The
    reproducer builds the example's module as a user would and puts it on the path with `lines`; an
    exception on the path fails the claim with that reproducer too. Returns the call."""
    example = replace(example, mode=mode, extra={**example.extra, DEPLOYED: lines})
    with raising_fails(claim, variant, how, example):
        call = build(example)
    case = call.example
    what = f"{how}, {call.how}" if call.how else how
    with raising_fails(claim, variant, what, example):
        result = run(case, call.forward)
    reference = expected_outputs(case)
    allowed = tolerance(case, reference)
    for name, truth in reference.items():
        judge(claim, variant, example, name, result.outputs[name], truth, allowed[name], how=what)
    return call


@contextmanager
def raising_fails(claim: Claim, variant: str, how: str, example: Example) -> Iterator[None]:
    """mode_failures, with a reproducer: the path raising is a finding, unless the path is unsupported."""
    try:
        with mode_failures(claim, variant, how, example):
            yield
    except ConformanceError as exc:
        if "  reproduce:" in str(exc):
            raise
        lines = [*header(example)]
        raise ConformanceError(f"{exc}\n  reproduce:\n" + "\n".join("    " + line for line in lines)) from None


def fixed_example(
    data: st.DataObject, variant: str, dtype: torch.dtype, device: str, seq_len: int, fixed_weights: bool = False
) -> Example:
    """DEPLOY_SPECS[variant] at a drawn batch (not the exported one), h_0 given or omitted, drawn values."""
    batch = data.draw(CALL_BATCHES, label="batch")
    shape = Inputs(seq_len, batch, hx=data.draw(st.booleans(), label="hx given"), seed=data.draw(SEED, label="seed"))
    drawn = FIXED_WEIGHTS if fixed_weights else data.draw(weights(), label="weights")
    return make_example(DEPLOY_SPECS[variant], shape, drawn, dtype, device)


# torch.export --------------------------------------------------------------------------------


@EXPORT.check(CPU_ONLY, DEPLOY, pytest.mark.parametrize("mode", list(EXPORT_MODES)))
def test_export_values(variant: str, mode: str, device: str, data: st.DataObject) -> None:
    how = EXPORT_MODES[mode]
    example = fixed_example(data, variant, F64, device, export_path.EXPORT_SEQ_LEN)
    lines = export_path.reproduce_lines(example, how)
    deployed(EXPORT, variant, mode, how.describe(), example, lambda case: export_path.exported(case, how), lines)


@EXPORT_LENGTH.check(CPU_ONLY, DEPLOY, pytest.mark.parametrize("mode", list(LENGTH_MODES)))
def test_export_dynamic_length(variant: str, mode: str, device: str, data: st.DataObject) -> None:
    how = LENGTH_MODES[mode]
    example = fixed_example(data, variant, F64, device, data.draw(CALL_LENGTHS, label="seq_len"))
    lines = export_path.reproduce_lines(example, how)
    deployed(EXPORT_LENGTH, variant, mode, how.describe(), example, lambda case: export_path.exported(case, how), lines)


# ONNX in onnxruntime -------------------------------------------------------------------------


def onnx_example(data: st.DataObject, variant: str, exporter: str, device: str) -> tuple[Example, tuple[int, int]]:
    """For the dynamo exporter a fixed configuration with fixed weights at the exported length; for the
    TorchScript exporter a small drawn configuration, batched; and the sizes to export with."""
    if exporter == "dynamo":
        example = fixed_example(data, variant, F32, device, export_path.EXPORT_SEQ_LEN, fixed_weights=True)
        return example, (export_path.EXPORT_BATCH, export_path.EXPORT_SEQ_LEN)
    spec, shape, drawn = data.draw(configurations(variant, SMALL), label="configuration")
    example = make_example(spec, replace(shape, batch=shape.batch or 1), drawn, F32, device)
    return example, onnx_run.export_sizes(example)


@ONNX.check(CPU_ONLY, DEPLOY, pytest.mark.parametrize("mode", list(ONNX_MODES)))
def test_onnx_values(variant: str, mode: str, device: str, data: st.DataObject) -> None:
    exporter = ONNX_MODES[mode]
    if reason := onnx_run.missing_reason() or onnx_run.exporter_reason(exporter):
        pytest.skip(reason)
    example, sizes = onnx_example(data, variant, exporter, device)
    how = f"torch.onnx.export({exporter} exporter) run in onnxruntime's CPUExecutionProvider"
    lines = onnx_run.reproduce_lines(example, exporter, sizes)
    build = lambda case: onnx_run.onnx_run(case, exporter, sizes, cached=exporter == "dynamo")  # noqa: E731
    deployed(ONNX, variant, mode, how, example, build, lines)


@ONNX_PACKED.check(CPU_ONLY, DEPLOY, pytest.mark.parametrize("mode", list(ONNX_MODES)))
def test_onnx_packed(variant: str, mode: str, device: str, data: st.DataObject) -> None:
    exporter = ONNX_MODES[mode]
    if reason := onnx_run.missing_reason() or onnx_run.exporter_reason(exporter):
        pytest.skip(reason)
    example = data.draw(within(SMALL, packed_examples(variant, F32, device, longest_first=False)), label="example")
    example = replace(example, call=Calls(), mode=mode)
    sizes = onnx_run.export_sizes(example)
    lines = onnx_run.packed_reproduce_lines(example, exporter, sizes)
    example = replace(example, extra={**example.extra, DEPLOYED: lines})
    how = f"torch.onnx.export({exporter} exporter) of the module on packed input, run in onnxruntime"
    with raising_fails(ONNX_PACKED, variant, how, example):
        model = onnx_run.export_packed(example, exporter, *sizes)
    what = f"{how}, exported with batch {sizes[0]}, length {sizes[1]}"
    with raising_fails(ONNX_PACKED, variant, what, example):
        actual = onnx_run.run_packed(model, example)
    reference = expected_outputs(example)
    allowed = float_tolerance(example, reference)
    for name, truth in reference.items():
        judge(ONNX_PACKED, variant, example, name, actual[name], truth, allowed[name], how=what)


# Dynamic quantization ------------------------------------------------------------------------


def quantized_example(data: st.DataObject, variant: str, device: str, bias: bool) -> Example:
    """A small drawn configuration with the given bias, batched, in float32."""
    spec, shape, drawn = data.draw(configurations(variant, SMALL), label="configuration")
    return make_example(spec.with_(bias=bias), replace(shape, batch=shape.batch or 1), drawn, F32, device)


def check_quantized(claim: Claim, variant: str, mode: str, example: Example) -> None:
    qdtype = QUANTIZED_MODES[mode]
    how = f"torch.ao.quantization.quantize_dynamic(dtype={qdtype})"
    held: dict[str, np.ndarray] = {}

    def build(case: Example) -> Call:
        call, weights = quantized.quantized(case, qdtype)
        held.update(weights)
        return call

    tolerance: Tolerance = lambda case, expected: quantized_allowed(case, expected, qdtype)  # noqa: E731
    deployed(claim, variant, mode, how, example, build, quantized.reproduce_lines(qdtype), tolerance)
    for name, weight in held.items():
        original = example.params[name]
        off = np.abs(weight - original) > quantized.step(qdtype, original)
        if off.any():
            k = tuple(int(i) for i in np.argwhere(off)[0])
            fail(
                claim,
                variant,
                f"the quantized module's {name}{list(k)} dequantizes to {float(weight[k])!r}, more than one "
                f"quantization step ({quantized.step(qdtype, original)[k]:.3g}) from the float weight "
                f"{float(original[k])!r}",
                example,
                how=how,
            )


@QUANTIZED.check(CPU_ONLY, DEPLOY, pytest.mark.parametrize("mode", list(QUANTIZED_MODES)))
def test_quantized_values(variant: str, mode: str, device: str, data: st.DataObject) -> None:
    check_quantized(QUANTIZED, variant, mode, quantized_example(data, variant, device, bias=True))


@QUANTIZED_NO_BIAS.check(CPU_ONLY, DEPLOY, pytest.mark.parametrize("mode", list(QUANTIZED_MODES)))
def test_quantized_no_bias(variant: str, mode: str, device: str, data: st.DataObject) -> None:
    check_quantized(QUANTIZED_NO_BIAS, variant, mode, quantized_example(data, variant, device, bias=False))
