"""Checks that a call fails the documented way: the exception type first, then a fragment of its message."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from conformance.claims import Claim
from conformance.judge.compare import fail

MESSAGE_LIMIT = 300


def literal(value: object) -> str:
    """Python source for `value`, as a user would write it in a reproducer."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    if isinstance(value, torch.Tensor):
        return f"torch.tensor({value.tolist()!r})"
    return repr(value)


def call_source(callee: str, **kwargs: object) -> str:
    return f"{callee}({', '.join(f'{k}={literal(v)}' for k, v in kwargs.items())})"


def _happened(error: BaseException) -> str:
    text = " ".join(str(error).split())
    if len(text) > MESSAGE_LIMIT:
        text = text[:MESSAGE_LIMIT] + "..."
    return f"raised {type(error).__name__}: {text}"


def expect_raises(
    claim: Claim,
    variant: str | None,
    exc_type: type[Exception],
    fragment: str,
    fn: Callable[[], object],
    description: str,
    repro: str | None = None,
) -> None:
    """fn() must raise exc_type with `fragment` in its message; `description` says what fn calls."""
    try:
        fn()
    except Exception as error:
        if isinstance(error, exc_type) and fragment in str(error):
            return
        happened = _happened(error)
    else:
        happened = "returned without raising"
    expected = f"{exc_type.__name__} with {fragment!r} in its message"
    fail(claim, variant, f"{description} {happened}; the documentation says it raises {expected}", repro=repro)


def expect_accepted(
    claim: Claim, variant: str | None, fn: Callable[[], object], description: str, repro: str | None = None
) -> object:
    """fn() must return; its result is returned."""
    try:
        return fn()
    except Exception as error:
        finding = f"{description} {_happened(error)}; the documentation says these arguments are valid"
        fail(claim, variant, finding, repro=repro)
