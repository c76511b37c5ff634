"""Context managers the suite's isolated child enters (run/isolated.py `child_context`): torch broken
in the child, for the meta-suite's isolation mutants. Kept apart from the mutants so that a child,
restarted after each crash, imports only this and patching (not the meta-suite's runner)."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import torch
from torch.nn.modules.rnn import GRU, LSTM, RNN

from .patching import wrapped

CHECKED = (RNN, LSTM, GRU)
LSTM_HX = 2


def _crashing(real: Callable[..., None]) -> Callable[..., None]:
    def check_forward_args(self: Any, *args: Any) -> None:
        try:
            real(self, *args)
        except Exception:
            os.kill(os.getpid(), signal.SIGSEGV)

    return check_forward_args


def _ignoring(real: Callable[..., None]) -> Callable[..., None]:
    return lambda self, *args: None


def _zero_state_when_invalid(real: Callable[..., Any]) -> Callable[..., Any]:
    def forward(self: Any, input: Any, hx: Any = None) -> Any:
        try:
            return real(self, input, hx)
        except RuntimeError:
            return real(self, input)

    return forward


def _hx_validated(real: Callable[..., Any], crash_on_list: bool) -> Callable[..., Any]:
    def forward(self: Any, input: Any, hx: Any = None) -> Any:
        pair = isinstance(self, LSTM)
        if hx is not None:
            documented = isinstance(hx, tuple) and len(hx) == LSTM_HX if pair else isinstance(hx, torch.Tensor)
            if crash_on_list and isinstance(hx, list):
                os.kill(os.getpid(), signal.SIGSEGV)
            if not documented:
                raise TypeError(f"hx must be {'a pair of Tensors' if pair else 'a Tensor'}, got {type(hx).__name__}")
        return real(self, input, hx)

    return forward


def crashing_validation() -> AbstractContextManager[None]:
    """Where the modules' validation would raise, the process dies of SIGSEGV."""
    return wrapped(CHECKED, "check_forward_args", _crashing)


def state_replaced_by_zeros() -> AbstractContextManager[None]:
    """A state of the wrong shape is dropped: the call returns as if none were given."""
    return wrapped(CHECKED, "forward", _zero_state_when_invalid)


def hx_validated() -> AbstractContextManager[None]:
    """The full modules refuse an hx of the wrong form with TypeError (a faithful torch)."""
    return wrapped(CHECKED, "forward", lambda real: _hx_validated(real, crash_on_list=False))


def hx_validated_but_a_list_crashes() -> AbstractContextManager[None]:
    """As hx_validated, but a list in place of h_0 kills the process."""
    return wrapped(CHECKED, "forward", lambda real: _hx_validated(real, crash_on_list=True))
