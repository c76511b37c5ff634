"""Kernels that compute the wrong values, shapes or dtypes, each the way a backend bug would (outputs.*,
devices.parity). They are patched through `_VF`, so the modules' own Python code runs unchanged."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import torch
import torch.nn.functional as F

from conformance.claims import devices, outputs

from ..kill import declared
from ..patching import (
    FULL,
    FullCall,
    Make,
    Mutant,
    caught_by,
    dense_results,
    full_arguments,
    is_packed,
    kernels,
    mutant,
    on_full_kernels,
    on_kernels,
    replaced_by,
    results,
)

F32 = torch.float32
Tensor = torch.Tensor
Bias = Tensor | None
Transform = Callable[[list[torch.Tensor], int], list[torch.Tensor]]
"""New flat weights from the flat weights and their number per layer and direction."""


def with_weights(transform: Transform) -> Make:
    """A full-module kernel calling the real one on transform(flat weights, weights per layer-direction)."""

    def edit(call: FullCall) -> None:
        call.weights = transform(call.weights, call.group)

    return full_arguments(edit)


def gates_permuted(order: list[int], gates: int) -> Transform:
    """Weights and biases (not weight_hr) with their gate blocks read in `order`."""

    def permuted(w: torch.Tensor) -> torch.Tensor:
        chunks = w.chunk(gates, 0)
        return torch.cat([chunks[k] for k in order], 0)

    def transform(weights: list[torch.Tensor], group: int) -> list[torch.Tensor]:
        projection = group in (3, 5)
        return [w if projection and k % group == group - 1 else permuted(w) for k, w in enumerate(weights)]

    return transform


def z_negated(weights: list[torch.Tensor], group: int) -> list[torch.Tensor]:
    """Negating the z block's pre-activation turns z into 1 - z: h' = z*n + (1-z)*h."""
    out = []
    for w in weights:
        sign = torch.ones(w.shape[0], dtype=w.dtype, device=w.device)
        third = w.shape[0] // 3
        sign[third : 2 * third] = -1
        out.append(w * (sign[:, None] if w.dim() == 2 else sign))
    return out


def directions_swapped(weights: list[Any], group: int) -> list[Any]:
    """Flat weights (or their names) with each layer's forward and reverse groups exchanged."""
    out = []
    for start in range(0, len(weights), 2 * group):
        block = weights[start : start + 2 * group]
        out += block[group:] + block[:group] if len(block) == 2 * group else block
    return out


def _swap_bidirectional(call: FullCall) -> None:
    if call.directions == 2:
        call.weights = directions_swapped(call.weights, call.group)


def _downcast(real: Callable[..., Any]) -> Callable[..., Any]:
    def kernel(*args: Any) -> Any:
        if is_packed(args):
            return real(*args)
        cast = lambda a: a.float() if isinstance(a, torch.Tensor) and a.is_floating_point() else a
        args = tuple(cast(a) if not isinstance(a, (list, tuple)) else type(a)(cast(t) for t in a) for a in args)
        return tuple(r.double() for r in real(*args))

    return kernel


def corrupted_when(dimension: str, broken: Callable[[int], bool]) -> Mutant:
    """Like a kernel that takes a broken code path for some sizes: when broken(size) holds.

    `dimension` is "batch" (1 for unbatched input), "seq_len" or "features" (D*H_out).
    """

    def corrupt(result: tuple[torch.Tensor, ...], call: FullCall) -> tuple[torch.Tensor, ...]:
        output = result[0]
        sizes = {
            "batch": output.shape[0 if call.batch_first else 1],
            "seq_len": output.shape[1 if call.batch_first else 0],
            "features": output.shape[-1],
        }
        if not broken(sizes[dimension]):
            return result
        output = output.clone()
        output[..., -1] += 0.05
        return (output, *result[1:])

    return on_full_kernels(dense_results(corrupt))


def _states_batch_first(result: tuple[torch.Tensor, ...], call: FullCall) -> tuple[torch.Tensor, ...]:
    if not call.batch_first:
        return result
    return (result[0], *(state.transpose(0, 1).contiguous() for state in result[1:]))


def paper_gru_cell(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Bias = None, b_hh: Bias = None) -> Tensor:
    """The paper's GRU, n = tanh(W_in x + b_in + W_hn (r * h) + b_hn), which torch says it does not do."""
    i_r, i_z, i_n = F.linear(x, w_ih, b_ih).chunk(3, -1)
    h_r, h_z, _ = F.linear(h, w_hh, b_hh).chunk(3, -1)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    w_hn = w_hh.chunk(3, 0)[2]
    b_hn = 0 if b_hh is None else b_hh.chunk(3, 0)[2]
    n = torch.tanh(i_n + F.linear(r * h, w_hn) + b_hn)
    return (1 - z) * n + z * h


# Full-module kernels -------------------------------------------------------------------------

lstm_gates_i_f_swapped = (
    on_kernels(lstm=with_weights(gates_permuted([1, 0, 2, 3], 4)))
    .caught_by(outputs.VALUES, "LSTM")
    .caught_by(outputs.VALUES, "LSTM_PROJ", dtype=F32)
)
gru_update_gate_reversed = (
    on_kernels(gru=with_weights(z_negated)).caught_by(outputs.TF32, "GRU", tf32=True).caught_by(outputs.VALUES, "GRU")
)
rnn_relu_computes_tanh = (
    on_kernels(rnn_relu=replaced_by("rnn_tanh"), rnn_relu_cell=replaced_by("rnn_tanh_cell"))
    .caught_by(outputs.VALUES, "RNN_RELU", dtype=F32)
    .caught_by(outputs.VALUES, "RNNCell_RELU")
)
# Bidirectional modules run each direction with the other's weights.
reverse_direction_uses_forward_weights = on_full_kernels(full_arguments(_swap_bidirectional)).caught_by(
    outputs.VALUES, "GRU", dtype=F32
)
# A kernel that silently computes double-precision inputs in single precision.
float64_computed_in_float32 = on_full_kernels(_downcast).caught_by(outputs.VALUES, "RNN_TANH", "LSTM")
# The shape of a real ROCm LSTM bug, which appeared only for batches larger than 100.
corrupted_above_batch_100 = corrupted_when("batch", lambda n: n > 100).caught_by(outputs.VALUES, "LSTM", dtype=F32)
corrupted_above_seq_len_40 = corrupted_when("seq_len", lambda n: n > 40).caught_by(outputs.VALUES, "GRU", dtype=F32)
corrupted_above_features_48 = corrupted_when("features", lambda n: n > 48).caught_by(
    outputs.VALUES, "RNN_TANH", dtype=F32
)
# A broken path for the smallest batch only: a batch of one, or an unbatched input.
corrupted_at_batch_1 = corrupted_when("batch", lambda n: n == 1).caught_by(outputs.VALUES, "LSTM")
corrupted_at_seq_len_1 = corrupted_when("seq_len", lambda n: n == 1).caught_by(outputs.VALUES, "GRU")
# h_n laid out batch-first when batch_first=True, against the documentation.
h_n_batch_first = on_full_kernels(dense_results(_states_batch_first)).caught_by(outputs.SHAPES, "LSTM")
# Full modules return h_n in float32 whatever their dtype, as a kernel keeping its state in float32 would.
h_n_returned_in_float32 = on_full_kernels(results(lambda r, args: (r[0], r[1].float(), *r[2:]))).caught_by(
    outputs.DTYPE_DEVICE, "GRU"
)


@caught_by(devices.PARITY, "LSTM", dtype=F32)
@mutant
def every_other_call_perturbed() -> Iterator[None]:
    """A device whose kernels disagree with the CPU's: every second call is off by 0.05."""
    calls = [0]

    def alternate(result: tuple[torch.Tensor, ...], args: list[Any]) -> tuple[torch.Tensor, ...]:
        calls[0] += 1
        return result if calls[0] % 2 or is_packed(args) else (result[0] + 0.05, *result[1:])

    with kernels(**dict.fromkeys(FULL, results(alternate))):
        yield


# Cell kernels --------------------------------------------------------------------------------

lstm_cell_returns_c_h = on_kernels(lstm_cell=results(lambda result, args: tuple(reversed(result)))).caught_by(
    outputs.VALUES, "LSTMCell"
)
gru_cell_reset_before_product = on_kernels(gru_cell=lambda real: paper_gru_cell).caught_by(
    outputs.VALUES, "GRUCell", dtype=F32
)


KILLS, BASELINES = declared(vars())
