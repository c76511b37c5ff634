"""Dropout broken the way a backend bug would break dropout.*.

Most mutants run the real single-layer kernels layer by layer (`layerwise`), with the bug in what
happens between the layers; faithful, that kernel passes every dropout check (the BASELINES show it).
The others edit a dense kernel call's arguments or result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from conformance.claims.dropout import EVAL_MODE, FIRST_LAYER_STATE, LAST_LAYER_OUTPUT, P_ONE, P_ZERO, SCALED

from ..kill import declared
from ..patching import FullCall, Kernel, Make, dense_results, full_arguments, is_packed, on_full_kernels

Tensor = torch.Tensor
Between = Callable[[Tensor, float, bool], Tensor]
"""What a layer's output goes through before the next layer reads it: (x, dropout, train) -> x."""


def dropped(x: Tensor, p: float, train: bool) -> Tensor:
    return F.dropout(x, p, train)


def layerwise(between: Between = dropped, before: Between | None = None) -> Make:
    """A dense kernel running the real one a layer at a time, with `between` applied between layers.

    `before`, if given, is applied to the input of the first layer.
    """

    def make(real: Kernel) -> Kernel:
        def kernel(*args: Any) -> Any:
            if is_packed(args):
                return real(*args)
            x, hx, weights, has_biases, num_layers, dropout, train, bidirectional, batch_first = args
            lstm = isinstance(hx, (tuple, list))
            directions = 2 if bidirectional else 1
            per_layer = len(weights) // num_layers
            x = x if before is None else before(x, dropout, train)
            states: list[list[Tensor]] = []
            for layer in range(num_layers):
                rows = slice(layer * directions, (layer + 1) * directions)
                h = (hx[0][rows], hx[1][rows]) if lstm else hx[rows]
                w = weights[layer * per_layer : (layer + 1) * per_layer]
                result = real(x, h, w, has_biases, 1, 0.0, train, bidirectional, batch_first)
                x = result[0]
                states.append(list(result[1:]))
                if layer < num_layers - 1:
                    x = between(x, dropout, train)
            return (x, *(torch.cat(parts) for parts in zip(*states, strict=True)))

        return kernel

    return make


def unscaled(x: Tensor, p: float, train: bool) -> Tensor:
    if not train or p == 0:
        return x
    return x * torch.bernoulli(torch.full_like(x, 1.0 - p))


def scaled_after_mask(x: Tensor, p: float, train: bool) -> Tensor:
    """x * mask * (1/(1-p)) computed in that order: at p = 1 it is 0 * inf, NaN everywhere."""
    if not train or p == 0:
        return x
    keep = torch.bernoulli(torch.full_like(x, 1.0 - p))
    return x * keep * (torch.ones((), dtype=x.dtype, device=x.device) / (1.0 - p))


def always_training(call: FullCall) -> None:
    call.train = True


def states_dropped(result: tuple[Tensor, ...], call: FullCall) -> tuple[Tensor, ...]:
    return (result[0], *(F.dropout(s, call.dropout, call.train) for s in result[1:]))


def output_dropped(result: tuple[Tensor, ...], call: FullCall) -> tuple[Tensor, ...]:
    return (F.dropout(result[0], call.dropout, call.train), *result[1:])


# Not a mutant: the faithful layer-by-layer kernel the layerwise mutants below are variations of. Without
# their bugs it passes the checks, so a kill is the bug's doing.
layerwise_dropout = (
    on_full_kernels(layerwise())
    .passes(EVAL_MODE, "LSTM")
    .passes(P_ZERO, "GRU")
    .passes(FIRST_LAYER_STATE, "LSTM_PROJ")
    .passes(LAST_LAYER_OUTPUT, "RNN_TANH")
    .passes(P_ONE, "LSTM")
    .passes(SCALED, "RNN_RELU")
)
# The kernel drops between layers whatever the module's training flag says.
dropout_in_eval_mode = on_full_kernels(full_arguments(always_training)).caught_by(EVAL_MODE, "GRU")
# dropout read as the probability of keeping an element, as some other libraries define it.
dropout_as_keep_probability = (
    on_full_kernels(layerwise(lambda x, p, train: F.dropout(x, 1.0 - p, train)))
    .caught_by(P_ZERO, "LSTM")
    .caught_by(P_ONE, "RNN_RELU")
)
# Dropout applied to x before the first layer as well as between layers.
dropout_on_input = on_full_kernels(layerwise(before=dropped)).caught_by(FIRST_LAYER_STATE, "RNN_TANH")
# Dropout applied to h_n (and c_n) in training mode.
dropout_on_final_state = on_full_kernels(dense_results(states_dropped)).caught_by(FIRST_LAYER_STATE, "LSTM_PROJ")
# Dropout applied to the last layer's output too, in training mode.
dropout_on_last_output = on_full_kernels(dense_results(output_dropped)).caught_by(LAST_LAYER_OUTPUT, "GRU")
# Kept elements passed on as they are, not scaled by 1/(1-p).
dropout_not_scaled = on_full_kernels(layerwise(unscaled)).caught_by(SCALED, "RNN_RELU")
# x * mask * (1/(1-p)) computed in that order: at p = 1 it is 0 * inf, NaN everywhere.
dropout_one_gives_nan = on_full_kernels(layerwise(scaled_after_mask)).caught_by(P_ONE, "LSTM")


KILLS, BASELINES = declared(vars())
