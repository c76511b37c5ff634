"""Deployment paths broken the way a real bug would break deploy.*: an export that bakes in the batch
size, a decomposition that changes the values, an ONNX GRU computing the other reset-gate equation,
an onnxruntime LSTM with two gates swapped, a quantized module that lost a bias.

The ONNX mutants rewrite the model onnxruntime loads, so they need the onnx extra (without it their
kills skip, as the checks do); the export mutants skip on a torch without torch.export. The kills
run with the deploy group (marker rnn_slow_deploy: tests.meta.kill gives the row the check's marker).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
import torch

from conformance.claims import deploy

from ..kill import declared
from ..patching import around, caught_by, mutant, wrapped
from .modes import Drifting


def export_module() -> Any:
    """torch.export, or a skip where this torch has none (before 2.1)."""
    export = getattr(torch, "export", None)
    if export is None or not hasattr(export, "ExportedProgram"):
        pytest.skip(f"torch {torch.__version__} has no torch.export")
    return export


@caught_by(deploy.EXPORT, "LSTM", mode="export_nonstrict")
@caught_by(deploy.EXPORT, "GRUCell", mode="export_strict")
@caught_by(deploy.EXPORT_LENGTH, "GRU", mode="export_nonstrict")
@mutant
def export_bakes_in_the_batch_size() -> Iterator[None]:
    """torch.export.export ignores dynamic_shapes: the program keeps the sizes it was exported with."""

    def static(real: Callable[..., Any]) -> Callable[..., Any]:
        def export(module: Any, args: Any, *rest: Any, **kwargs: Any) -> Any:
            kwargs.pop("dynamic_shapes", None)
            return real(module, args, *rest, **kwargs)

        return export

    with wrapped(export_module(), "export", static):
        yield


@caught_by(deploy.EXPORT, "LSTM_PROJ", mode="export_strict_decomposed")
@caught_by(deploy.EXPORT, "RNNCell_RELU", mode="export_nonstrict_decomposed")
@mutant
def decomposed_program_drifts() -> Iterator[None]:
    """run_decompositions() gives a program whose module() computes outputs that drift, as a wrong
    decomposition would; the program as exported is left alone."""

    def drifting(real: Callable[..., Any]) -> Callable[..., Any]:
        def run_decompositions(self: Any, *args: Any, **kwargs: Any) -> Any:
            program = real(self, *args, **kwargs)
            module = program.module
            program.module = lambda: Drifting(module())
            return program

        return run_decompositions

    with wrapped(export_module().ExportedProgram, "run_decompositions", drifting):
        yield


# ONNX ----------------------------------------------------------------------------------------


def rewriting_models(edit: Callable[[Any], None]) -> Iterator[None]:
    """onnxruntime.InferenceSession loads every model after `edit` changed it (an onnx ModelProto)."""
    onnx = pytest.importorskip("onnx")
    onnxruntime = pytest.importorskip("onnxruntime")

    def wrap(real: Callable[..., None]) -> Callable[..., None]:
        def init(self: Any, model: Any, *args: Any, **kwargs: Any) -> None:
            proto = onnx.load_from_string(model) if isinstance(model, bytes) else onnx.load(model)
            edit(proto)
            real(self, proto.SerializeToString(), *args, **kwargs)

        return init

    with wrapped(onnxruntime.InferenceSession, "__init__", wrap):
        yield


def _flip_linear_before_reset(model: Any) -> None:
    import onnx

    for node in model.graph.node:
        if node.op_type != "GRU":
            continue
        kept = [a for a in node.attribute if a.name != "linear_before_reset"]
        was = next((a.i for a in node.attribute if a.name == "linear_before_reset"), 0)
        del node.attribute[:]
        node.attribute.extend([*kept, onnx.helper.make_attribute("linear_before_reset", 1 - was)])


@caught_by(deploy.ONNX, "GRU", mode="onnx_torchscript")
@caught_by(deploy.ONNX, "GRU", mode="onnx_dynamo")
@caught_by(deploy.ONNX_PACKED, "GRU", mode="onnx_torchscript")
@mutant
def onnx_gru_other_reset_convention() -> Iterator[None]:
    """onnxruntime runs every ONNX GRU with the other linear_before_reset: r multiplies h before W_hn,
    the original paper's equation, not torch's."""
    yield from rewriting_models(_flip_linear_before_reset)


def _swap_lstm_gates(model: Any) -> None:
    from onnx import numpy_helper

    initializers = {i.name: i for i in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type != "LSTM" or node.input[1] not in initializers:
            continue
        held = initializers[node.input[1]]
        w = numpy_helper.to_array(held).copy()
        hidden = w.shape[1] // 4
        w[:, :hidden], w[:, hidden : 2 * hidden] = w[:, hidden : 2 * hidden].copy(), w[:, :hidden].copy()
        held.CopyFrom(numpy_helper.from_array(np.ascontiguousarray(w), held.name))


@caught_by(deploy.ONNX, "LSTM", mode="onnx_torchscript")
@caught_by(deploy.ONNX, "LSTM", mode="onnx_dynamo")
@caught_by(deploy.ONNX_PACKED, "LSTM", mode="onnx_torchscript")
@mutant
def onnxruntime_lstm_gates_swapped() -> Iterator[None]:
    """onnxruntime's LSTM reads the input weights of its i and o gates (ONNX's order is i|o|f|c) in each
    other's place."""
    yield from rewriting_models(_swap_lstm_gates)


# Dynamic quantization ------------------------------------------------------------------------


@caught_by(deploy.QUANTIZED, "LSTM", mode="quantized_qint8")
@caught_by(deploy.QUANTIZED, "GRUCell", mode="quantized_float16")
@caught_by(deploy.QUANTIZED_NO_BIAS, "GRU", mode="quantized_qint8")
@around(torch.ao.quantization, "quantize_dynamic")
def quantized_path_drops_a_bias(real: Callable[..., Any], model: torch.nn.Module, *args: Any, **kwargs: Any) -> Any:
    """quantize_dynamic converts a module without its last bias (it reads zeros in its place)."""
    for m in model.modules():
        biases = [p for name, p in m.named_parameters(recurse=False) if name.startswith("bias")]
        if biases:
            with torch.no_grad():
                biases[-1].zero_()
    return real(model, *args, **kwargs)


KILLS, BASELINES = declared(vars())
