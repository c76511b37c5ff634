"""torch dying the ways a new backend dies, for the crash guard's end-to-end kills (test_deaths.py):
a kernel that crashes at one size (SIGSEGV), one that aborts (SIGABRT, a failed internal assert) and
one that never returns (a deadlock). Each is a context manager that patches a `_VF` kernel in the
pytest process; the guard's executor, forked from it, inherits the patch."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from .patching import FullCall, Kernel, kernels

CRASHING_HIDDEN_SIZE = 4
"""The LSTM kernel reads past a buffer when the hidden size is above this."""


def _crashing_above(size: int) -> Callable[[Kernel], Kernel]:
    def make(real: Kernel) -> Kernel:
        def kernel(*args: Any) -> Any:
            hidden = FullCall(list(args)).weights[1].shape[-1]
            if hidden > size:
                os.kill(os.getpid(), signal.SIGSEGV)
            return real(*args)

        return kernel

    return make


def _aborting(real: Kernel) -> Kernel:
    def kernel(*args: Any) -> Any:
        os.abort()

    return kernel


def _deadlocked(real: Kernel) -> Kernel:
    def kernel(*args: Any) -> Any:
        threading.Event().wait()

    return kernel


def lstm_crashes_at_a_size() -> AbstractContextManager[None]:
    return kernels(lstm=_crashing_above(CRASHING_HIDDEN_SIZE))


def rnn_tanh_aborts() -> AbstractContextManager[None]:
    return kernels(rnn_tanh=_aborting)


def gru_hangs() -> AbstractContextManager[None]:
    return kernels(gru=_deadlocked)
