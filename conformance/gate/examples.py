"""Counts the examples each check runs, for the conformance report.

Every check is a Hypothesis test; the plugin wraps its `inner_test` (Hypothesis's hook for running
each example) once, so every example the pipeline runs is counted, whatever the check draws.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

count = 0


def reset() -> None:
    global count
    count = 0


def counting(function: Callable[..., Any] | None) -> None:
    """Count the examples of the Hypothesis test `function` (once; other functions are left alone)."""
    hypothesis = getattr(function, "hypothesis", None)
    inner = getattr(hypothesis, "inner_test", None)
    if inner is None or getattr(inner, "counted", False):
        return

    @functools.wraps(inner)
    def counted_inner(*args: Any, **kwargs: Any) -> Any:
        global count
        count += 1
        return inner(*args, **kwargs)

    counted_inner.counted = True  # type: ignore[attr-defined]
    hypothesis.inner_test = counted_inner  # type: ignore[union-attr]
