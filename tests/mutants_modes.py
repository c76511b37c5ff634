"""Deliberately broken torch behaviours for the modes of conformance/test_modes.py.

Each mutant breaks one way of running a module the way a real bug would: compilers whose outputs
drift or that freeze the weights, functional_call reading stale weights, a state_dict load that
skips a key, unpickled or deep-copied modules whose kernels read the wrong tensors, a dtype
conversion that leaves a weight behind, reassigned or tied parameters the kernels never see.
Full modules read their weights through `_flat_weights`, which forward() refreshes when a
parameter object changes (`_weights_have_changed`); mutants that desynchronise the list also keep
that check quiet, as a bug in it would.
"""

from __future__ import annotations

import copy
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import torch
from torch.nn.modules import rnn as rnn_module

from .mutants import _Proxy

RNNBase, RNNCellBase = rnn_module.RNNBase, rnn_module.RNNCellBase
DRIFT = 1e-4
"""Relative drift of a drifting compiler's outputs: far above float64's bound, above float32's."""


def _drifted(result: object) -> object:
    if isinstance(result, torch.Tensor):
        return result + DRIFT * (1 + result.abs())
    if isinstance(result, tuple):
        return tuple(_drifted(r) for r in result)
    return result


class _Drifting(_Proxy):
    """A compiled module (everything delegated to `real`) whose outputs drift by DRIFT."""

    def __init__(self, real: object) -> None:
        super().__init__(real, {})

    def __call__(self, *args: object, **kwargs: object) -> object:
        return _drifted(self._real(*args, **kwargs))


# Compilers -----------------------------------------------------------------------------------


@contextmanager
def scripted_outputs_drift() -> Iterator[None]:
    """torch.jit.script compiles the module, but the scripted code's outputs drift."""
    real = torch.jit.script

    def script(obj: object, *args: object, **kwargs: object) -> object:
        # TorchScript scripts the free functions a module calls through torch.jit.script too.
        scripted = real(obj, *args, **kwargs)
        return _Drifting(scripted) if isinstance(obj, torch.nn.Module) else scripted

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(torch.jit, "script", script)
        yield


@contextmanager
def compiled_outputs_drift() -> Iterator[None]:
    """torch.compile returns a module whose outputs drift (and compiles nothing, to stay quick)."""

    def compile_(model: torch.nn.Module, **options: object) -> object:
        return _Drifting(model)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(torch, "compile", compile_)
        yield


@contextmanager
def compiled_weights_frozen() -> Iterator[None]:
    """torch.compile bakes the weights the module held when compiled into the compiled code."""

    def compile_(model: torch.nn.Module, **options: object) -> Callable[..., object]:
        return copy.deepcopy(model)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(torch, "compile", compile_)
        yield


# functional_call, state_dict, copies ---------------------------------------------------------


@contextmanager
def functional_call_reads_stale_weights() -> Iterator[None]:
    """forward() no longer refreshes the flat weights when a parameter object is swapped, as before
    torch 2.0: functional_call's substituted tensors never reach the kernel."""
    if not hasattr(RNNBase, "_update_flat_weights"):
        pytest.skip(f"torch {torch.__version__} refreshes flat weights without _update_flat_weights")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(RNNBase, "_update_flat_weights", lambda self: None)
        yield


def _skipping_last_parameter(real: Callable[..., None]) -> Callable[..., None]:
    def load(self: torch.nn.Module, state_dict: dict, prefix: str, *args: object) -> None:
        names = [name for name, p in self._parameters.items() if p is not None]
        if names and prefix + names[-1] in state_dict:
            kept = self._parameters[names[-1]].detach().clone()
            state_dict = {**state_dict, prefix + names[-1]: kept}
        real(self, state_dict, prefix, *args)

    return load


@contextmanager
def state_dict_load_skips_a_key() -> Iterator[None]:
    """load_state_dict silently keeps the module's own value of its last parameter (strict or not)."""
    real = torch.nn.Module._load_from_state_dict
    with pytest.MonkeyPatch.context() as mp:
        for cls in (RNNBase, RNNCellBase):
            mp.setattr(cls, "_load_from_state_dict", _skipping_last_parameter(real))
        yield


@contextmanager
def unpickled_flat_weights_out_of_sync() -> Iterator[None]:
    """__setstate__ (pickle and deepcopy alike) leaves the kernels' first flat weight a zero tensor
    that is not the module's parameter."""
    real = RNNBase.__setstate__

    def setstate(self: torch.nn.Module, state: dict) -> None:
        real(self, state)
        self._flat_weights[0] = torch.zeros_like(self._flat_weights[0])

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(RNNBase, "__setstate__", setstate)
        yield


@contextmanager
def deepcopy_shares_parameters() -> Iterator[None]:
    """copy.deepcopy hands back the original parameters instead of copies."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(torch.nn.Parameter, "__deepcopy__", lambda self, memo: self)
        yield


# dtype conversion, reassigned and tied parameters --------------------------------------------


@contextmanager
def conversion_leaves_a_flat_weight_behind() -> Iterator[None]:
    """module.to(dtype) converts the parameters, but the kernels keep reading the last flat weight
    as it was before the conversion."""
    real = RNNBase._apply

    def apply(self: torch.nn.Module, fn: Callable, recurse: bool = True) -> torch.nn.Module:
        last = self._flat_weights[-1]
        before = None if last is None else last.data
        result = real(self, fn, recurse)
        if before is not None:
            self._flat_weights[-1] = before
        return result

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(RNNBase, "_apply", apply)
        yield


@contextmanager
def reassigned_parameter_ignored() -> Iterator[None]:
    """`module.weight_ih_l0 = Parameter(...)` no longer updates the flat weights, and neither
    flatten_parameters() nor forward() notice: the kernels keep the replaced parameter."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(RNNBase, "__setattr__", torch.nn.Module.__setattr__)
        mp.setattr(RNNBase, "_weights_have_changed", lambda self: False)
        yield


@contextmanager
def tied_parameter_copied() -> Iterator[None]:
    """A parameter assigned under a second name gets a private copy in the flat weights (as a flat
    buffer that cannot alias would), taken when tied: values loaded afterwards do not reach it."""
    real = RNNBase.__setattr__

    def setattr_(self: torch.nn.Module, attr: str, value: object) -> None:
        real(self, attr, value)
        names = self.__dict__.get("_flat_weights_names", [])
        if attr not in names or not isinstance(value, torch.nn.Parameter):
            return
        k = names.index(attr)
        if any(w is value for j, w in enumerate(self._flat_weights) if j != k):
            self._flat_weights[k] = value.detach().clone()
            if k < len(self._flat_weight_refs):
                self._flat_weight_refs[k] = weakref.ref(value)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(RNNBase, "__setattr__", setattr_)
        yield
