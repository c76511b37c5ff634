"""Modules built wrongly: parameters registered in another order, with other shapes or names listed out
of order (parameters.*), and an omitted state that is not zero (outputs.default_state). Each patches
the modules' Python code; the kernels are torch's."""

from __future__ import annotations

from typing import Any

import torch
from torch.nn.modules import rnn as rnn_module
from torch.nn.modules.rnn import RNNBase, RNNCellBase

from conformance.claims import outputs, parameters

from ..kill import declared
from ..patching import Proxy, after_init, caught_by, replacing
from .kernels import directions_swapped


@caught_by(parameters.NAMES, "GRU")
@after_init(RNNBase, RNNCellBase)
def bias_hh_registered_first(module: torch.nn.Module) -> None:
    """bias_hh registered before bias_ih, in full modules and cells."""
    items = list(module._parameters.items())
    for k, (name, _) in enumerate(items[:-1]):
        if name.startswith("bias_ih") and items[k + 1][0].startswith("bias_hh"):
            items[k], items[k + 1] = items[k + 1], items[k]
    module._parameters.clear()
    module._parameters.update(items)


@caught_by(parameters.NAMES, "LSTMCell")
@after_init(RNNCellBase)
def cell_registers_zero_biases_without_bias(module: torch.nn.Module) -> None:
    """Cells built with bias=False register zero biases all the same."""
    if module.bias_ih is None:
        gh = module.weight_ih.shape[0]
        module.bias_ih = torch.nn.Parameter(torch.zeros(gh))
        module.bias_hh = torch.nn.Parameter(torch.zeros(gh))


@caught_by(parameters.SHAPES, "LSTM_PROJ")
@after_init(RNNBase)
def upper_weight_ih_ignores_proj_size(module: RNNBase) -> None:
    """weight_ih of the layers above the first sized for hidden_size inputs even with proj_size."""
    for layer in range(1, module.num_layers):
        for suffix in ("", "_reverse")[: 2 if module.bidirectional else 1]:
            name = f"weight_ih_l{layer}{suffix}"
            w = getattr(module, name)
            if module.proj_size:
                wider = (w.shape[0], (2 if module.bidirectional else 1) * module.hidden_size)
                setattr(module, name, torch.nn.Parameter(torch.zeros(wider, dtype=w.dtype)))


@caught_by(parameters.FLAT, "RNN_TANH")
@after_init(RNNBase)
def flat_weights_names_reverse_first(module: RNNBase) -> None:
    """_flat_weights_names lists each layer's reverse direction before its forward one."""
    if module.bidirectional:
        names, per_group = module._flat_weights_names, len(module._all_weights[0])
        module._flat_weights_names = directions_swapped(names, per_group)


def _filled_with_a_quarter(*args: Any, **kwargs: Any) -> torch.Tensor:
    return torch.zeros(*args, **kwargs).fill_(0.25)


# An omitted h_0 (and c_0) filled with 0.25 instead of zeros.
default_state_not_zero = replacing(rnn_module, "torch", Proxy(torch, {"zeros": _filled_with_a_quarter})).caught_by(
    outputs.DEFAULT_STATE, "GRU", "LSTMCell"
)


KILLS, BASELINES = declared(vars())
