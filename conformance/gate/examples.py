"""Counts the examples each check runs, and the calls of torch by axis value, for the conformance report.

Every check is a Hypothesis test; the plugin wraps its `inner_test` (Hypothesis's hook for running
each example) once, so every example the pipeline runs is counted, whatever the check draws. The
pipeline's run stage tallies the value of every axis each call of torch took (`reached`).
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

count = 0
axes: Counter[str] = Counter()
"""Calls of torch in the current check, by `axis=value`."""


def reset() -> None:
    global count
    count = 0
    axes.clear()


def reached(values: Mapping[str, str]) -> None:
    """Tally one call of torch with these axis values."""
    axes.update(f"{axis}={value}" for axis, value in values.items())


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
