"""torch.export: a module exported with a dynamic batch size (and, where asked, sequence length), run
through the program's module(), optionally after run_decompositions().

Exporting takes about a second, so one program is kept per configuration and way of exporting; each
example loads its weights into the program's module(), which must read their current values.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch

from conformance.draw.example import Example
from conformance.run.modes import Call, ModeUnsupported, load_into
from conformance.run.modules import build_module
from reference import Spec


@dataclass(frozen=True)
class Export:
    """How a module is exported: strict (dynamo) or not, decomposed afterwards or not, and whether the
    sequence length is marked dynamic as well as the batch size."""

    strict: bool
    decomposed: bool = False
    dynamic_length: bool = False

    def describe(self) -> str:
        dims = "batch size and sequence length" if self.dynamic_length else "batch size"
        text = f"torch.export.export(module, args, dynamic_shapes=<{dims} dynamic>, strict={self.strict}).module()"
        return text.replace(".module()", ".run_decompositions().module()") if self.decomposed else text


def sample_args(spec: Spec, batch: int, seq_len: int, hx: bool, dtype: torch.dtype, device: str) -> tuple[Any, ...]:
    """Zeros of the shapes of a batched call: what the program is exported with."""
    zeros = lambda *shape: torch.zeros(shape, dtype=dtype, device=device)  # noqa: E731
    if spec.is_cell:
        x, h = zeros(batch, spec.input_size), zeros(batch, spec.hidden_size)
        c = zeros(batch, spec.hidden_size)
    else:
        x = zeros(batch, seq_len, spec.input_size) if spec.batch_first else zeros(seq_len, batch, spec.input_size)
        rows = spec.directions * spec.num_layers
        h, c = zeros(rows, batch, spec.out_size), zeros(rows, batch, spec.hidden_size)
    if not hx:
        return (x,)
    return (x, (h, c)) if spec.has_cell_state else (x, h)


def dynamic_shapes(spec: Spec, hx: bool, dynamic_length: bool) -> tuple[Any, ...]:
    """The batch dimension of every argument dynamic (and the sequence dimension of x, if asked)."""
    from torch.export import Dim

    batch = Dim("batch")
    if spec.is_cell:
        x: dict[int, Any] = {0: batch}
        state: dict[int, Any] = {0: batch}
    else:
        x = {0 if spec.batch_first else 1: batch}
        if dynamic_length:
            x[1 if spec.batch_first else 0] = Dim("seq_len")
        state = {1: batch}
    if not hx:
        return (x,)
    return (x, (state, dict(state))) if spec.has_cell_state else (x, state)


EXPORT_BATCH, EXPORT_SEQ_LEN = 3, 4
"""The sizes a program is exported with; examples call it at other batch sizes (and lengths)."""


@contextmanager
def default_cudnn_precision() -> Iterator[None]:
    """cuDNN's fp32_precision at torch's default ("none") while exporting.

    The suite forbids TF32 around every check through the fp32_precision API (precision.tf32), and on
    torch 2.13 strict export then raises RuntimeError "PyTorch is checking whether allow_tf32 is
    enabled for cuDNN without a specific operator name, but ... cuDNN conv and cuDNN RNN have different
    TF32 flags" (`torch.backends.cudnn.fp32_precision = 'ieee'` then torch.export.export(...,
    strict=True) of any module): a bug of that API, not of the recurrent modules, and the flag has no
    effect on a CPU export, so exports run under the default."""
    cudnn = torch.backends.cudnn
    try:
        saved = cudnn.fp32_precision
    except (AttributeError, AssertionError):
        yield
        return
    cudnn.fp32_precision = "none"
    try:
        yield
    finally:
        cudnn.fp32_precision = saved


def _export(spec: Spec, dtype: torch.dtype, device: str, hx: bool, how: Export, export: Callable[..., Any]) -> Any:
    module = build_module(spec, dtype, device)
    args = sample_args(spec, EXPORT_BATCH, EXPORT_SEQ_LEN, hx, dtype, device)
    with warnings.catch_warnings(), default_cudnn_precision():
        warnings.simplefilter("ignore")
        program = export(module, args, dynamic_shapes=dynamic_shapes(spec, hx, how.dynamic_length), strict=how.strict)
        if how.decomposed:
            program = program.run_decompositions()
        return program.module()


class Program:
    """An exported program's module(), called like the module (it refuses train() and eval(), which
    torch_run calls on modules)."""

    def __init__(self, module: Any) -> None:
        self.module = module

    def __call__(self, *args: object) -> object:
        return self.module(*args)


_programs: dict[tuple[object, ...], Program] = {}


def exported(case: Example, how: Export) -> Call:
    """The case's module exported as `how` says (kept per configuration), its weights loaded in place."""
    export = getattr(getattr(torch, "export", None), "export", None)
    if export is None or not hasattr(torch.export, "Dim"):
        raise ModeUnsupported(f"torch {torch.__version__} has no torch.export.export with Dim")
    if "strict" not in inspect.signature(export).parameters:
        raise ModeUnsupported(f"torch {torch.__version__}'s torch.export.export has no strict argument")
    # Keyed by the functions that make the program too, so that a patched one makes its own.
    decompose = torch.export.ExportedProgram.run_decompositions
    key = (case.spec, case.dtype, case.device, case.h0 is not None, how, export, decompose)
    if key not in _programs:
        _programs[key] = Program(_export(case.spec, case.dtype, case.device, case.h0 is not None, how, export))
    program = _programs[key]
    load_into(program.module.named_parameters(), case.params)
    sizes = f"batch {EXPORT_BATCH}" + ("" if case.spec.is_cell else f", length {EXPORT_SEQ_LEN}")
    return Call(program, case, how=f"exported with {sizes}")


def reproduce_lines(case: Example, how: Export) -> list[str]:
    """Lines that put the reproducer's `module` through the same export."""
    spec, hx = case.spec, case.h0 is not None
    args = sample_args(spec, EXPORT_BATCH, EXPORT_SEQ_LEN, hx, case.dtype, case.device)
    shapes = [tuple(a.shape) for a in _flat(args)]
    make = ", ".join(f"torch.zeros({s}, dtype=dtype, device=device)" for s in shapes)
    nested = "(a[0], (a[1], a[2]))" if hx and spec.has_cell_state else ("(a[0], a[1])" if hx else "(a[0],)")
    lines = [
        f"a = [{make}]",
        f"program = torch.export.export(module, {nested}, dynamic_shapes={_dims_source(spec, hx, how)}, "
        f"strict={how.strict})",
    ]
    if how.decomposed:
        lines.append("program = program.run_decompositions()")
    return lines + ["module = program.module()"]


def _dims_source(spec: Spec, hx: bool, how: Export) -> str:
    batch = "torch.export.Dim('batch')"
    if spec.is_cell:
        x, state = f"{{0: {batch}}}", f"{{0: {batch}}}"
    else:
        seq = ", " + f"{1 if spec.batch_first else 0}: torch.export.Dim('seq_len')" if how.dynamic_length else ""
        x, state = f"{{{0 if spec.batch_first else 1}: {batch}{seq}}}", f"{{1: {batch}}}"
    if not hx:
        return f"({x},)"
    return f"({x}, ({state}, {state}))" if spec.has_cell_state else f"({x}, {state})"


def _flat(args: tuple[Any, ...]) -> list[torch.Tensor]:
    flat: list[torch.Tensor] = []
    for a in args:
        flat += list(a) if isinstance(a, tuple) else [a]
    return flat
