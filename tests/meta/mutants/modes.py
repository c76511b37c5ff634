"""Ways of running a module broken the way a real bug would break modes.*.

Compilers whose outputs drift or that freeze the weights, functional_call reading stale weights, a
state_dict load that skips a key, unpickled or deep-copied modules whose kernels read the wrong
tensors, a dtype conversion that leaves a weight behind, reassigned or tied parameters the kernels
never see. Full modules read their weights through `_flat_weights`, which forward() refreshes when a
parameter object changes (`_weights_have_changed`); mutants that desynchronise the list also keep
that check quiet, as a bug in it would. The compile mutants replace torch.compile, so they compile
nothing and their kills need no marker.
"""

from __future__ import annotations

import copy
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import torch
from torch.nn.modules.rnn import RNNBase, RNNCellBase

from conformance.claims import modes

from ..kill import declared
from ..patching import Proxy, around, caught_by, combined, mutant, replaced, replacing

DRIFT = 1e-4
"""Relative drift of a drifting compiler's outputs: far above float64's bound, above float32's."""
F32 = torch.float32


def drifted(result: object) -> object:
    if isinstance(result, torch.Tensor):
        return result + DRIFT * (1 + result.abs())
    if isinstance(result, tuple):
        return tuple(drifted(r) for r in result)
    return result


class Drifting(Proxy):
    """A compiled module (everything delegated to `real`) whose outputs drift by DRIFT."""

    def __init__(self, real: object) -> None:
        super().__init__(real, {})

    def __call__(self, *args: object, **kwargs: object) -> object:
        return drifted(self.real(*args, **kwargs))  # type: ignore[operator]


# Compilers -----------------------------------------------------------------------------------


@caught_by(modes.SCRIPT, "LSTM", "GRUCell")
@around(torch.jit, "script")
def scripted_outputs_drift(real: Callable[..., Any], obj: object, *args: object, **kwargs: object) -> object:
    """torch.jit.script compiles the module, but the scripted code's outputs drift."""
    # TorchScript scripts the free functions a module calls through torch.jit.script too.
    scripted = real(obj, *args, **kwargs)
    return Drifting(scripted) if isinstance(obj, torch.nn.Module) else scripted


# torch.compile returns a module whose outputs drift (and compiles nothing, to stay quick).
compiled_outputs_drift = (
    replacing(torch, "compile", lambda model, **options: Drifting(model))
    .caught_by(modes.COMPILE, "GRU", dtype=F32)
    .caught_by(modes.COMPILE_GRADIENTS, "RNN_TANH")
)
# torch.compile bakes the weights the module held when compiled into the compiled code.
compiled_weights_frozen = replacing(torch, "compile", lambda model, **options: copy.deepcopy(model)).caught_by(
    modes.COMPILE, "LSTM_PROJ"
)


# functional_call, state_dict, copies ---------------------------------------------------------


@caught_by(modes.FUNCTIONAL, "LSTM")
@caught_by(modes.FUNCTIONAL_GRADIENTS, "GRU")
@mutant
def functional_call_reads_stale_weights() -> Iterator[None]:
    """forward() no longer refreshes the flat weights when a parameter object is swapped, as before
    torch 2.0: functional_call's substituted tensors never reach the kernel."""
    if not hasattr(RNNBase, "_update_flat_weights"):
        pytest.skip(f"torch {torch.__version__} refreshes flat weights without _update_flat_weights")
    with replaced(RNNBase, "_update_flat_weights", lambda self: None):
        yield


def skipping_last_parameter(real: Callable[..., None]) -> Callable[..., None]:
    def load(self: torch.nn.Module, state_dict: dict, prefix: str, *args: object) -> None:
        names = [name for name, p in self._parameters.items() if p is not None]
        if names and prefix + names[-1] in state_dict:
            kept = self.get_parameter(names[-1]).detach().clone()
            state_dict = {**state_dict, prefix + names[-1]: kept}
        real(self, state_dict, prefix, *args)

    return load


# load_state_dict silently keeps the module's own value of its last parameter (strict or not).
state_dict_load_skips_a_key = replacing(
    (RNNBase, RNNCellBase), "_load_from_state_dict", skipping_last_parameter(torch.nn.Module._load_from_state_dict)
).caught_by(modes.STATE_DICT, "RNN_RELU", "LSTMCell")


@caught_by(modes.PICKLE, "LSTM_PROJ")
@caught_by(modes.DEEPCOPY, "GRU")
@around(RNNBase, "__setstate__")
def unpickled_flat_weights_out_of_sync(real: Callable[..., None], self: RNNBase, state: dict) -> None:
    """__setstate__ (pickle and deepcopy alike) leaves the kernels' first flat weight a zero tensor
    that is not the module's parameter."""
    real(self, state)
    first = self._flat_weights[0]
    assert first is not None
    self._flat_weights[0] = torch.zeros_like(first)


# copy.deepcopy hands back the original parameters instead of copies.
deepcopy_shares_parameters = replacing(torch.nn.Parameter, "__deepcopy__", lambda self, memo: self).caught_by(
    modes.DEEPCOPY, "RNNCell_TANH"
)


# dtype conversion, reassigned and tied parameters --------------------------------------------


@caught_by(modes.TO_DTYPE, "LSTM", dtype=None)
@around(RNNBase, "_apply")
def conversion_leaves_a_flat_weight_behind(
    real: Callable[..., torch.nn.Module], self: RNNBase, fn: Callable, *recurse: bool
) -> torch.nn.Module:
    """module.to(dtype) converts the parameters, but the kernels keep reading the last flat weight
    as it was before the conversion. (`recurse`, torch 2.1 and later, is passed on as given.)"""
    last = self._flat_weights[-1]
    before = None if last is None else last.data
    result = real(self, fn, *recurse)
    if before is not None:
        self._flat_weights[-1] = before
    return result


# `module.weight_ih_l0 = Parameter(...)` no longer updates the flat weights, and neither
# flatten_parameters() nor forward() notice: the kernels keep the replaced parameter.
reassigned_parameter_ignored = combined(
    replacing(RNNBase, "__setattr__", torch.nn.Module.__setattr__),
    replacing(RNNBase, "_weights_have_changed", lambda self: False),
).caught_by(modes.FLATTEN, "GRU")


@caught_by(modes.TIED, "RNN_TANH")
@around(RNNBase, "__setattr__")
def tied_parameter_copied(real: Callable[..., None], self: RNNBase, attr: str, value: object) -> None:
    """A parameter assigned under a second name gets a private copy in the flat weights (as a flat
    buffer that cannot alias would), taken when tied: values loaded afterwards do not reach it."""
    real(self, attr, value)
    names = self.__dict__.get("_flat_weights_names", [])
    if attr not in names or not isinstance(value, torch.nn.Parameter):
        return
    k = names.index(attr)
    if any(w is value for j, w in enumerate(self._flat_weights) if j != k):
        self._flat_weights[k] = value.detach().clone()
        if k < len(self._flat_weight_refs):
            self._flat_weight_refs[k] = weakref.ref(value)


# Serialisation, construction on the meta device, a round trip through the CPU ----------------


@caught_by(modes.WEIGHTS_ONLY, "GRU", "LSTMCell")
@around(torch, "load")
def weights_only_load_drops_the_last_tensor(real: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """torch.load(weights_only=True) returns a state_dict without its last entry."""
    result = real(*args, **kwargs)
    if kwargs.get("weights_only") and isinstance(result, dict) and result:
        result.pop(list(result)[-1])
    return result


@caught_by(modes.META_DEVICE, "LSTM", "RNN_RELU")
@around(torch.nn.Module, "to_empty")
def to_empty_leaves_the_flat_weights_on_meta(
    real: Callable[..., torch.nn.Module], self: torch.nn.Module, *args: Any, **kwargs: Any
) -> torch.nn.Module:
    """to_empty() materialises the parameters, but the kernels keep reading the meta tensors."""
    before = list(getattr(self, "_flat_weights", []))
    result = real(self, *args, **kwargs)
    if before:
        result._flat_weights = before
    return result


@caught_by(modes.DEVICE_ROUND_TRIP, "RNN_TANH", "GRUCell")
@around(torch.nn.Module, "cpu")
def cpu_reinitialises(real: Callable[..., torch.nn.Module], self: torch.nn.Module) -> torch.nn.Module:
    """module.cpu() draws new parameters, as a move that rebuilt the module would."""
    result = real(self)
    for m in result.modules():
        if isinstance(m, (RNNBase, RNNCellBase)):
            m.reset_parameters()
    return result


KILLS, BASELINES = declared(vars())
