"""The generic module contract broken the way a bug in a module's Python code would break contract.*:
a repr that leaves an argument out or names a default, train() and eval() that do not do what they
say, requires_grad_() that misses a parameter or a frozen module that takes a wrong path, hooks given
copies or part of what the call had, and parametrized weights the kernels never see or see only once.
Each patches torch.nn's Python code (the frozen path, its kernels' arguments).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import torch
from torch.nn.modules.rnn import RNNBase, RNNCellBase
from torch.nn.utils import parametrize

from conformance.claims import contract

from ..kill import declared
from ..patching import around, caught_by, mutant, on_full_kernels, replaced, replacing
from .kernels import with_weights

# repr ----------------------------------------------------------------------------------------


@caught_by(contract.REPR, "LSTM", "GRU")
@around(RNNBase, "extra_repr")
def repr_drops_bidirectional(real: Callable[..., str], self: RNNBase) -> str:
    """The full modules' repr leaves out bidirectional=True."""
    return real(self).replace(", bidirectional=True", "")


@caught_by(contract.REPR, "LSTMCell")
@around(RNNCellBase, "extra_repr")
def cell_repr_names_the_default_bias(real: Callable[..., str], self: RNNCellBase) -> str:
    """The cells' repr names bias=True, the default, as well as bias=False."""
    return real(self) + (", bias=True" if self.bias else "")


# train() and eval() --------------------------------------------------------------------------


@caught_by(contract.TRAIN_EVAL, "LSTM_PROJ")
@around(RNNBase, "train")
def train_returns_nothing(real: Callable[..., torch.nn.Module], self: RNNBase, *args: Any, **kwargs: Any) -> None:
    """train(mode) sets the mode but returns None, and so does eval(), which calls it."""
    real(self, *args, **kwargs)


# eval() leaves the mode as it was, returning the module.
cell_eval_keeps_the_mode = replacing(RNNCellBase, "eval", lambda self: self).caught_by(contract.TRAIN_EVAL, "GRUCell")


# requires_grad_() ----------------------------------------------------------------------------


@caught_by(contract.REQUIRES_GRAD, "GRU", "RNNCell_TANH")
@around((RNNBase, RNNCellBase), "requires_grad_")
def requires_grad_misses_the_last_parameter(
    real: Callable[..., torch.nn.Module], self: torch.nn.Module, requires_grad: bool = True
) -> torch.nn.Module:
    """requires_grad_(False) leaves the last parameter requiring grad."""
    result = real(self, requires_grad)
    last = list(self.parameters())[-1]
    last.requires_grad_(True)
    return result


def biases_dropped_when_frozen(weights: list[torch.Tensor], group: int) -> list[torch.Tensor]:
    if group < 4 or any(w.requires_grad for w in weights):
        return weights
    return [torch.zeros_like(w) if k % group == 2 else w for k, w in enumerate(weights)]


# A module none of whose weights requires grad takes a path that drops b_ih.
frozen_module_drops_b_ih = on_full_kernels(with_weights(biases_dropped_when_frozen)).caught_by(
    contract.REQUIRES_GRAD, "RNN_TANH"
)


# Forward hooks -------------------------------------------------------------------------------


def copied(output: object) -> object:
    if isinstance(output, torch.Tensor):
        return output.clone()
    if isinstance(output, tuple):
        return tuple(copied(o) for o in output)
    return output


@caught_by(contract.HOOKS, "LSTM")
@around(RNNBase, "__call__")
def forward_hooks_given_a_copy(real: Callable[..., Any], self: RNNBase, *args: Any, **kwargs: Any) -> Any:
    """Forward hooks (with_kwargs or not) are given a copy of the output, not the tensors returned."""
    hooks = self._forward_hooks
    self._forward_hooks = OrderedDict(
        (key, lambda *given, hook=hook: hook(*given[:-1], copied(given[-1]))) for key, hook in hooks.items()
    )
    try:
        return real(self, *args, **kwargs)
    finally:
        self._forward_hooks = hooks


@caught_by(contract.HOOKS, "GRUCell")
@around(RNNCellBase, "__call__")
def pre_hooks_given_the_input_alone(real: Callable[..., Any], self: RNNCellBase, *args: Any, **kwargs: Any) -> Any:
    """Forward pre-hooks (with_kwargs or not) are given the input alone, without a positional hx."""
    hooks = self._forward_pre_hooks
    self._forward_pre_hooks = OrderedDict(
        (key, lambda module, given, *rest, hook=hook: hook(module, given[:1], *rest)) for key, hook in hooks.items()
    )
    try:
        return real(self, *args, **kwargs)
    finally:
        self._forward_pre_hooks = hooks


# Parametrized weights ------------------------------------------------------------------------


def stored_original(self: torch.nn.Module, name: str) -> torch.Tensor:
    stored: Any = getattr(self, "parametrizations")[name]  # noqa: B009 (added by register_parametrization)
    return stored.original if hasattr(stored, "original") else stored.original1


@caught_by(contract.PARAMETRIZED, "LSTM")
@around(RNNBase, "_init_flat_weights")
def parametrized_weights_read_as_originals(real: Callable[..., None], self: RNNBase) -> None:
    """The kernels get a parametrized weight's stored original (weight_norm's v), not its value."""
    real(self)
    for k, name in enumerate(self._flat_weights_names):
        if parametrize.is_parametrized(self, name):
            self._flat_weights[k] = stored_original(self, name)


@caught_by(contract.PARAMETRIZED, "GRU")
@mutant
def parametrized_weights_computed_once() -> Iterator[None]:
    """A parametrized module's flat weights are refreshed at its first forward only: the values its
    parametrizations gave then are used ever after, when the originals have changed."""
    if not hasattr(RNNBase, "_update_flat_weights"):
        pytest.skip(f"torch {torch.__version__} refreshes flat weights without _update_flat_weights")
    real = RNNBase._update_flat_weights

    def update(self: RNNBase) -> None:
        if not parametrize.is_parametrized(self):
            real(self)
        elif not self.__dict__.get("_computed_once"):
            real(self)
            self.__dict__["_computed_once"] = True

    with replaced(RNNBase, "_update_flat_weights", update):
        yield


KILLS, BASELINES = declared(vars())
