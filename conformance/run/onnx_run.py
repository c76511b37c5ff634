"""torch.onnx.export, run in onnxruntime's CPU execution provider.

onnx, onnxscript and onnxruntime are an optional extra (`pip install "torch-rnn-conformance[onnx]"`):
without them the checks skip, saying what to install. An exporter that refuses a configuration (it
raises) skips the check with its own message; a model that onnxruntime cannot load or run, or that
computes other values, fails it.

The dynamo exporter takes seconds per module, so it exports one fixed configuration per variant, with
fixed weights (they become the model's initializers, in ONNX's gate order) and keeps the model; the
TorchScript exporter takes a fraction of a second, so it exports every drawn configuration afresh.
Both export with sizes other than those the examples call with.
"""

from __future__ import annotations

import importlib.util
import io
import re
import warnings
from collections.abc import Callable
from typing import Any, cast

import numpy as np
import torch

from conformance.draw.example import Example
from conformance.run import platform
from conformance.run.exported import default_cudnn_precision, dynamic_shapes, sample_args
from conformance.run.modes import Call, ModeUnsupported, first_line, loaded
from reference import Spec

EXTRA = platform.DEPLOY_EXTRA
INSTALL = 'pip install "torch-rnn-conformance[onnx]" (onnx, onnxscript and onnxruntime)'
EXPORTERS = ("dynamo", "torchscript")


class ExportRefused(ModeUnsupported):
    """The exporter raised for this configuration: the check skips, quoting it."""


def refusal(exc: BaseException) -> str:
    """The exporter's own words: the first line of its error, or of the exception summary the dynamo
    exporter writes below its generic first line; terminal colours removed."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    _, found, summary = text.partition("## Exception summary")
    if found:
        lines = [line.strip() for line in summary.splitlines() if line.strip()]
        if lines:
            return lines[0]
    return first_line(exc)


def missing_reason() -> str | None:
    """Why the ONNX rows cannot run here (a package of the extra is absent), or None."""
    missing = [name for name in EXTRA if importlib.util.find_spec(name) is None]
    return f"{', '.join(missing)} not installed: {INSTALL}" if missing else None


def input_names(spec: Spec, hx: bool) -> list[str]:
    if not hx:
        return ["x"]
    return ["x", "h0", "c0"] if spec.has_cell_state else ["x", "h0"]


def output_names(spec: Spec) -> list[str]:
    if spec.is_cell:
        return ["h1", "c1"] if spec.has_cell_state else ["h1"]
    return ["output", "h_n", "c_n"] if spec.has_cell_state else ["output", "h_n"]


class OnnxRun:
    """An ONNX model in an onnxruntime session, called like the module: forward(x) or forward(x, hx)."""

    def __init__(self, model: bytes, spec: Spec) -> None:
        import onnxruntime

        self.spec = spec
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]

    def __call__(self, x: torch.Tensor, hx: object = None) -> object:
        states = list(hx) if isinstance(hx, tuple) else [] if hx is None else [hx]
        given = [x, *(cast(torch.Tensor, s) for s in states)]
        if len(given) != len(self.inputs):
            raise TypeError(f"the ONNX model takes {self.inputs}, called with {len(given)} tensors")
        feeds = {name: t.detach().cpu().numpy() for name, t in zip(self.inputs, given, strict=True)}
        results = [torch.from_numpy(np.asarray(r)) for r in self.session.run(None, feeds)]
        if self.spec.is_cell:
            return tuple(results) if self.spec.has_cell_state else results[0]
        return (results[0], tuple(results[1:]) if self.spec.has_cell_state else results[1])


def _export_dynamo(module: torch.nn.Module, args: tuple[Any, ...], spec: Spec, hx: bool) -> bytes:
    program = torch.onnx.export(
        module, args, dynamo=True, dynamic_shapes=dynamic_shapes(spec, hx, False), verbose=False
    )
    assert program is not None
    return bytes(program.model_proto.SerializeToString())


def torchscript_axes(spec: Spec, hx: bool) -> dict[str, dict[int, str]]:
    """dynamic_axes for the TorchScript exporter: the batch of every input and output, and the length."""
    batch_axis = 0 if spec.is_cell or spec.batch_first else 1
    state_axis = 0 if spec.is_cell else 1
    axes: dict[str, dict[int, str]] = {"x": {batch_axis: "batch"}}
    if not spec.is_cell:
        axes["x"][1 - batch_axis] = "seq_len"
    outputs = output_names(spec)
    axes[outputs[0]] = dict(axes["x"])
    axes |= {name: {state_axis: "batch"} for name in [*input_names(spec, hx)[1:], *outputs[1:]]}
    return axes


def _export_torchscript(module: torch.nn.Module, args: tuple[Any, ...], spec: Spec, hx: bool) -> bytes:
    buffer = io.BytesIO()
    names, outputs, axes = input_names(spec, hx), output_names(spec), torchscript_axes(spec, hx)
    torch.onnx.export(
        module,
        args,
        buffer,  # type: ignore[arg-type]  # a file object, as the TorchScript exporter documents
        dynamo=False,
        input_names=names,
        output_names=outputs,
        dynamic_axes=axes,
    )
    return buffer.getvalue()


EXPORT_FUNCTIONS: dict[str, Callable[[torch.nn.Module, tuple[Any, ...], Spec, bool], bytes]] = {
    "dynamo": _export_dynamo,
    "torchscript": _export_torchscript,
}


def exporter_reason(exporter: str) -> str | None:
    """Why the installed torch cannot run `exporter`, or None."""
    import inspect

    if not hasattr(torch, "onnx"):
        return f"torch {torch.__version__} has no torch.onnx"
    takes_dynamo = "dynamo" in inspect.signature(torch.onnx.export).parameters
    if not takes_dynamo:
        return None if exporter == "torchscript" else f"torch {torch.__version__}'s torch.onnx.export has no dynamo="
    return None


def export_sizes(case: Example) -> tuple[int, int]:
    """Sizes to export with that differ from the example's: its batch and length plus one."""
    return (case.batch or 1) + 1, case.seq_len + 1


_models: dict[tuple[object, ...], bytes] = {}


def export_model(case: Example, exporter: str, batch: int, seq_len: int) -> bytes:
    """The ONNX model of the case's module (holding the case's weights), exported at (batch, seq_len)."""
    hx = case.h0 is not None
    module = loaded(case)
    args = sample_args(case.spec, batch, seq_len, hx, case.dtype, case.device)
    export = EXPORT_FUNCTIONS[exporter]
    with warnings.catch_warnings(), default_cudnn_precision():
        warnings.simplefilter("ignore")
        try:
            return export(module, args, case.spec, hx)
        except Exception as exc:
            raise ExportRefused(f"torch.onnx.export ({exporter} exporter) refuses {case.spec}: {refusal(exc)}") from exc


def onnx_run(case: Example, exporter: str, sizes: tuple[int, int], cached: bool) -> Call:
    """The case's module exported to ONNX at `sizes` (batch, sequence length), cached per configuration
    and weights if `cached`, and loaded into an onnxruntime session."""
    if reason := missing_reason() or exporter_reason(exporter):
        raise ModeUnsupported(reason)
    batch, seq_len = sizes
    if cached:
        key = (case.spec, case.dtype, case.h0 is not None, exporter, sizes, torch.onnx.export, *_weights_key(case))
        if key not in _models:
            _models[key] = export_model(case, exporter, batch, seq_len)
        model = _models[key]
    else:
        model = export_model(case, exporter, batch, seq_len)
    exported = f"batch {batch}" + ("" if case.spec.is_cell else f", length {seq_len}")
    return Call(OnnxRun(model, case.spec), case, how=f"exported with {exported}")


def reproduce_lines(case: Example, exporter: str, sizes: tuple[int, int]) -> list[str]:
    """Lines that replace the reproducer's `module` by the ONNX model run in onnxruntime."""
    spec, hx = case.spec, case.h0 is not None
    shapes = [tuple(a.shape) for a in _flat(sample_args(spec, *sizes, hx, case.dtype, case.device))]
    nested = "(a[0], (a[1], a[2]))" if hx and spec.has_cell_state else ("(a[0], a[1])" if hx else "(a[0],)")
    if exporter == "dynamo":
        dims = repr(dynamic_shapes(spec, hx, False)).replace("Dim(", "torch.export.Dim(")
        export = [
            f"program = torch.onnx.export(module, {nested}, dynamo=True, dynamic_shapes={dims})",
            "model = program.model_proto.SerializeToString()",
        ]
    else:
        export = [
            "import io",
            "buffer = io.BytesIO()",
            f"torch.onnx.export(module, {nested}, buffer, dynamo=False, input_names={input_names(spec, hx)!r}, "
            f"output_names={output_names(spec)!r}, dynamic_axes={torchscript_axes(spec, hx)!r})",
            "model = buffer.getvalue()",
        ]
    unflatten = (
        "(r[0], r[1]) if len(r) == 2 else r[0]"
        if spec.is_cell
        else ("(r[0], (r[1], r[2]))" if spec.has_cell_state else "(r[0], r[1])")
    )
    return [
        "import onnxruntime",
        f"a = [{', '.join(f'torch.zeros({s}, dtype=dtype)' for s in shapes)}]",
        *export,
        "session = onnxruntime.InferenceSession(model, providers=['CPUExecutionProvider'])",
        "def module(x, hx=()):",
        "    given = [x, *(hx if isinstance(hx, tuple) else (hx,))]",
        "    names = [i.name for i in session.get_inputs()]",
        "    r = [torch.from_numpy(v) for v in session.run(None, {n: t.numpy() for n, t in zip(names, given)})]",
        f"    return {unflatten}",
    ]


def _flat(args: tuple[Any, ...]) -> list[torch.Tensor]:
    flat: list[torch.Tensor] = []
    for a in args:
        flat += list(a) if isinstance(a, tuple) else [a]
    return flat


def _weights_key(case: Example) -> tuple[object, ...]:
    return tuple((name, value.tobytes()) for name, value in case.params.items())


# Packed input --------------------------------------------------------------------------------


class PackedCaller(torch.nn.Module):
    """What is exported for packed input: the padded batch and its lengths in, packed inside with
    pack_padded_sequence(enforce_sorted=False), the output padded back with pad_packed_sequence."""

    def __init__(self, module: torch.nn.Module, batch_first: bool) -> None:
        super().__init__()
        self.module, self.batch_first = module, batch_first

    def forward(self, x: torch.Tensor, lengths: torch.Tensor, *hx: torch.Tensor) -> Any:
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

        packed = pack_padded_sequence(x, lengths, self.batch_first, enforce_sorted=False)
        state = None if not hx else (hx if len(hx) > 1 else hx[0])
        output, hidden = self.module(packed) if state is None else self.module(packed, state)
        total = x.shape[1 if self.batch_first else 0]
        return pad_packed_sequence(output, self.batch_first, total_length=total)[0], hidden


PACKED_INPUTS = ["x", "lengths", "h0", "c0"]


def packed_axes(spec: Spec, hx: bool) -> dict[str, dict[int, str]]:
    """dynamic_axes of the packed caller: the batch of every input and output, and the length."""
    axes = torchscript_axes(spec, hx)
    axes["lengths"] = {0: "batch"}
    return axes


def export_packed(case: Example, exporter: str, batch: int, seq_len: int) -> bytes:
    """The packed caller of the case's module, exported at (batch, seq_len) with lengths seq_len down to 1."""
    if reason := missing_reason() or exporter_reason(exporter):
        raise ModeUnsupported(reason)
    spec, hx = case.spec, case.h0 is not None
    args = sample_args(spec, batch, seq_len, hx, case.dtype, case.device)
    flat = _flat(args)
    lengths = torch.tensor([max(1, seq_len - k) for k in range(batch)], dtype=torch.int64)
    caller = PackedCaller(loaded(case), spec.batch_first).eval()
    names = ["x", "lengths", *input_names(spec, hx)[1:]]
    with warnings.catch_warnings(), default_cudnn_precision():
        warnings.simplefilter("ignore")
        try:
            if exporter == "dynamo":
                program = torch.onnx.export(caller, (flat[0], lengths, *flat[1:]), dynamo=True, verbose=False)
                assert program is not None
                return bytes(program.model_proto.SerializeToString())
            buffer = io.BytesIO()
            torch.onnx.export(
                caller,
                (flat[0], lengths, *flat[1:]),
                buffer,  # type: ignore[arg-type]  # a file object, as the TorchScript exporter documents
                dynamo=False,
                input_names=names,
                output_names=output_names(spec),
                dynamic_axes=packed_axes(spec, hx),
            )
            return buffer.getvalue()
        except Exception as exc:
            raise ExportRefused(
                f"torch.onnx.export ({exporter} exporter) refuses packed input to {spec}: {refusal(exc)}"
            ) from exc


def run_packed(model: bytes, case: Example) -> dict[str, np.ndarray]:
    """onnxruntime's outputs for the case's padded batch and lengths, as float64, by the documentation's names."""
    import onnxruntime

    session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
    assert case.lengths is not None
    given = [case.x, np.asarray(case.lengths, dtype=np.int64), *(a for a in (case.h0, case.c0) if a is not None)]
    dtype = np.float32 if case.dtype == torch.float32 else np.float64
    arrays = [a if k == 1 else np.ascontiguousarray(a, dtype=dtype) for k, a in enumerate(given)]
    names = [i.name for i in session.get_inputs()]
    results = session.run(None, dict(zip(names, arrays, strict=True)))
    return {name: np.asarray(r, dtype=np.float64) for name, r in zip(output_names(case.spec), results, strict=True)}


def packed_reproduce_lines(case: Example, exporter: str, sizes: tuple[int, int]) -> list[str]:
    """Lines that replace the reproducer's `module` by the packed caller's ONNX model in onnxruntime,
    called like the module on a PackedSequence."""
    spec, hx = case.spec, case.h0 is not None
    batch, seq_len = sizes
    shapes = [tuple(a.shape) for a in _flat(sample_args(spec, batch, seq_len, hx, case.dtype, case.device))]
    lengths = [max(1, seq_len - k) for k in range(batch)]
    names = ["x", "lengths", *input_names(spec, hx)[1:]]
    bf = spec.batch_first
    if exporter == "dynamo":
        export = "model = torch.onnx.export(caller, a, dynamo=True).model_proto.SerializeToString()"
    else:
        export = (
            f"buffer = io.BytesIO(); torch.onnx.export(caller, a, buffer, dynamo=False, input_names={names!r}, "
            f"output_names={output_names(spec)!r}, dynamic_axes={packed_axes(spec, hx)!r}); model = buffer.getvalue()"
        )
    unflatten = "(out, (r[1], r[2]))" if spec.has_cell_state else "(out, r[1])"
    return [
        "import io, onnxruntime",
        "from torch.nn.utils.rnn import pack_padded_sequence as pack, pad_packed_sequence as pad",
        "class Caller(torch.nn.Module):",
        "    def __init__(self, m): super().__init__(); self.m = m",
        "    def forward(self, x, lengths, *hx):",
        f"        p = pack(x, lengths, {bf}, enforce_sorted=False)",
        "        o, h = self.m(p, (hx if len(hx) > 1 else hx[0]) if hx else None)",
        f"        return pad(o, {bf}, total_length=x.shape[{1 if bf else 0}])[0], h",
        "caller = Caller(module).eval()",
        f"a = (torch.zeros({shapes[0]}, dtype=dtype), torch.tensor({lengths}), "
        + "".join(f"torch.zeros({s}, dtype=dtype), " for s in shapes[1:])
        + ")",
        export,
        "session = onnxruntime.InferenceSession(model, providers=['CPUExecutionProvider'])",
        "def module(packed, hx=()):",
        f"    x, lengths = pad(packed, {bf}, total_length={case.seq_len})",
        "    given = [x, lengths, *(hx if isinstance(hx, tuple) else (hx,))]",
        "    names = [i.name for i in session.get_inputs()]",
        "    r = [torch.from_numpy(v) for v in session.run(None, {n: t.numpy() for n, t in zip(names, given)})]",
        f"    out = pack(r[0], lengths, {bf}, enforce_sorted=False)",
        f"    return {unflatten}",
    ]
