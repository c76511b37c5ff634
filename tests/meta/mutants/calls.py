"""Kernels broken only on a path that a way of calling torch takes (draw.calls): a non-contiguous or
offset input, state or weight; the native CPU kernel; the training-path or inference-mode forward.
Each leaves torch's default path (contiguous tensors, oneDNN, no_grad, eval) alone, so only the
Example's axes can reveal it. Each kill pins the axis value that reaches its mutant (`on_path`, as
--rnn-pin does), so that it does not depend on how often the value is drawn; the report's `axes`
counts show every value drawn in a default run's checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch

from conformance.claims import outputs, packed
from conformance.draw import calls

from ..kill import declared
from ..patching import CELLS, FULL, FullCall, Make, Mutant, arguments, is_packed, on_kernels, results

Tensor = torch.Tensor
Read = Callable[[Tensor], Tensor]


def memory_as_contiguous(t: Tensor) -> Tensor:
    """What a kernel that ignores strides reads: t's storage from its offset, in a fresh tensor's order
    (NaN past the end of the storage, as out-of-bounds memory would be)."""
    if t.is_contiguous():
        return t
    storage = torch.empty(0, dtype=t.dtype, device=t.device).set_(t.untyped_storage())
    values = storage[t.storage_offset() : t.storage_offset() + t.numel()]
    missing = t.numel() - values.numel()
    if missing:
        values = torch.cat([values, values.new_full((missing,), float("nan"))])
    return values.view(t.shape)


def memory_from_start(t: Tensor) -> Tensor:
    """What a kernel that ignores the storage offset reads."""
    return t.as_strided(t.shape, t.stride(), 0) if t.storage_offset() else t


def each(read: Read, value: Any) -> Any:
    """`read` applied to a tensor, or to each tensor of a list or tuple."""
    if isinstance(value, Tensor):
        return read(value)
    if isinstance(value, (list, tuple)):
        return type(value)(read(v) if isinstance(v, Tensor) else v for v in value)
    return value


def reading(read: Read, where: str, dense: bool = True, packed_only: bool = False) -> dict[str, Make]:
    """Every kernel reading its input (`where`="input"), state ("state") or weights ("weights") through
    `read`; full-module kernels only for dense calls (`dense`) or only for packed ones (`packed_only`)."""

    def full(args: list[Any]) -> None:
        if is_packed(args) != packed_only:
            return
        call = FullCall(args)
        if where == "input":
            args[0] = read(args[0])
        elif where == "state":
            call.hx = each(read, call.hx)
        else:
            call.weights = each(read, call.weights)

    def cell(args: list[Any]) -> None:
        if where == "input":
            args[0] = read(args[0])
        elif where == "state":
            args[1] = each(read, args[1])
        else:
            args[2:] = [each(read, a) for a in args[2:]]

    makes = dict.fromkeys(FULL, arguments(full))
    if dense and not packed_only:
        makes |= dict.fromkeys(CELLS, arguments(cell))
    return makes


def perturbed_when(condition: Callable[[list[Any]], bool], by: float = 1e-3) -> Mutant:
    """Every kernel's first result shifted by `by` when condition(the call's arguments) holds."""

    def shift(result: Any, args: list[Any]) -> Any:
        if not condition(args):
            return result
        if isinstance(result, Tensor):
            return result + by
        return (result[0] + by, *result[1:])

    return on_kernels(**dict.fromkeys((*FULL, *CELLS), results(shift)))


def autocasting() -> bool:
    """Whether autocast is on for the CPU or CUDA (the query's name changed in torch 2.4)."""
    try:
        return torch.is_autocast_enabled("cpu") or torch.is_autocast_enabled("cuda")
    except TypeError:
        return torch.is_autocast_cpu_enabled() or torch.is_autocast_enabled()


def _requires_grad(args: list[Any]) -> bool:
    return any(isinstance(a, Tensor) and a.requires_grad for a in (*args, *each(lambda t: t, args[2:])))


def _weights_require_grad(args: list[Any]) -> bool:
    flat = [t for a in args if isinstance(a, (list, tuple)) for t in a if isinstance(t, Tensor)]
    return any(t.requires_grad for t in flat) or _requires_grad(args)


def _train_without_dropout(args: list[Any]) -> bool:
    if not isinstance(args[1], (Tensor, list, tuple)) or len(args) < 7:
        return False
    call = FullCall(args)
    return call.train and call.dropout == 0


def on_path(mutant: Mutant, **axes: str) -> Mutant:
    """`mutant`, with the way of calling torch that reaches it pinned (as --rnn-pin does) while it is
    applied: a kill then does not depend on how often the path's value is drawn."""

    @contextmanager
    def patch() -> Iterator[None]:
        saved = dict(calls.pinned)
        calls.pinned.update(axes)
        try:
            with mutant():
                yield
        finally:
            calls.pinned.clear()
            calls.pinned.update(saved)

    return Mutant(patch)


input_strides_ignored = on_path(on_kernels(**reading(memory_as_contiguous, "input")), input_layout="strided").caught_by(
    outputs.VALUES, "GRU", "LSTM", "GRUCell"
)
input_offset_ignored = on_path(on_kernels(**reading(memory_from_start, "input")), input_layout="offset").caught_by(
    outputs.VALUES, "RNN_TANH"
)
state_strides_ignored = on_path(on_kernels(**reading(memory_as_contiguous, "state")), state_layout="strided").caught_by(
    outputs.VALUES, "LSTM", "RNN_RELU", "LSTMCell"
)
weight_strides_ignored = on_path(
    on_kernels(**reading(memory_as_contiguous, "weights")), parameter_layout="strided"
).caught_by(outputs.VALUES, "LSTM_PROJ", "RNNCell_TANH")
packed_data_strides_ignored = on_path(
    on_kernels(**reading(memory_as_contiguous, "input", packed_only=True)), input_layout="strided"
).caught_by(packed.OUTPUT, "GRU")
native_cpu_kernel_off = on_path(
    perturbed_when(lambda args: not torch.backends.mkldnn.enabled), cpu_kernel="native"
).caught_by(outputs.VALUES, "LSTM", "GRU")
inference_mode_off = on_path(
    perturbed_when(lambda args: torch.is_inference_mode_enabled()), grad_mode="inference_mode"
).caught_by(outputs.VALUES, "RNN_RELU", "GRUCell")
training_forward_off = on_path(
    perturbed_when(lambda args: torch.is_grad_enabled() and _weights_require_grad(args)), grad_mode="enable_grad"
).caught_by(outputs.VALUES, "LSTM", "RNNCell_TANH")
train_flag_off = on_path(
    on_kernels(
        **dict.fromkeys(FULL, results(lambda r, args: (r[0] + 1e-3, *r[1:]) if _train_without_dropout(args) else r))
    ),
    grad_mode="train",
).caught_by(outputs.VALUES, "GRU")
# Under autocast: outputs shifted by 0.1 (beyond the lower dtype's precision), or h_n returned in float64.
autocast_output_off = perturbed_when(lambda args: autocasting(), by=0.1)
autocast_output_off.caught_by(outputs.AUTOCAST, "GRU", autocast=torch.bfloat16)
autocast_output_off.caught_by(outputs.AUTOCAST, "LSTMCell", autocast=torch.float16)
autocast_state_in_float64 = on_kernels(
    **dict.fromkeys(FULL, results(lambda r, args: (r[0], r[1].double(), *r[2:]) if autocasting() else r))
).caught_by(outputs.AUTOCAST, "RNN_TANH", autocast=torch.bfloat16)

KILLS, BASELINES = declared(vars())
