"""The judge: a failure reads as a sentence (the claim, the finding, the configuration) with a
reproducer built from the same Example. Outputs and gradients are judged by one rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

import numpy as np

from conformance.claims import Claim
from conformance.draw.example import Example
from conformance.judge import reproducer
from conformance.oracle.tolerances import Allowed, Deferred


class ConformanceError(AssertionError):
    """torch does not do what its documentation says."""


def fail(
    claim: Claim,
    variant: str | None,
    finding: str,
    example: Example | None = None,
    repro: str | None = None,
    how: str | None = None,
) -> NoReturn:
    parts = [f"{claim.id_for(variant)}: {claim.doc}", f"  finding: {finding}"]
    if how:
        parts.append(f"  mode: {how}")
    if example is not None:
        parts.append(f"  configuration: {example.describe()}")
    if repro:
        parts.append("  reproduce:\n" + "\n".join("    " + line for line in repro.splitlines()))
    raise ConformanceError("\n".join(parts))


def assert_equal(
    claim: Claim,
    variant: str | None,
    what: str,
    actual: object,
    expected: object,
    example: Example | None = None,
    repro: str | None = None,
) -> None:
    if actual != expected:
        fail(claim, variant, f"{what} is {actual!r}, the documentation says {expected!r}", example, repro)


def allowance(tol: float | np.ndarray, expected: np.ndarray) -> np.ndarray:
    """tol * (1 + |expected|) for a scalar tol; an array tol is each element's absolute allowance."""
    return tol * (1.0 + np.abs(expected)) if np.isscalar(tol) else np.broadcast_to(tol, expected.shape)


def first_difference(label: str, actual: np.ndarray, expected: np.ndarray, allowed: np.ndarray, source: str) -> str:
    """The finding for the first element outside its allowance, or "" if there is none."""
    if actual.shape != expected.shape:
        return f"{label} has shape {actual.shape}, {source} {expected.shape}"
    with np.errstate(invalid="ignore"):
        bad = ~(np.abs(actual - expected) <= allowed)
    if not bad.any():
        return ""
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    a, e = float(actual[first]), float(expected[first])
    return (
        f"{label}[{', '.join(map(str, first))}] is {a!r} from torch, {e!r} from {source} "
        f"(difference {abs(a - e):.3g}, allowed {allowed[first]:.3g}); "
        f"{int(bad.sum())} of {bad.size} elements differ"
    )


@dataclass(frozen=True)
class Part:
    """What is compared, when it is not a whole output or gradient: a label and the reproducer's
    expression of it, `code` with {0} standing for the whole output's expression."""

    label: str
    code: str


def judge(
    claim: Claim,
    variant: str | None,
    example: Example,
    name: str,
    actual: np.ndarray,
    expected: np.ndarray,
    tol: Allowed,
    source: str = "the reference",
    part: Part | None = None,
    how: str | None = None,
) -> None:
    """Every element of output or gradient `name` (or of `part` of it) within allowance(tol) of the expected.

    A gradient's name is that of its leaf ("input", "h0", a parameter); the reproducer then
    backpropagates the example's upstream gradients.
    """
    is_gradient = example.upstream is not None and name in example.compared_gradients
    label = part.label if part else (f"grad {name}" if is_gradient else name)
    if example.tangents is not None and not part:
        label = f"(H v) {name}" if is_gradient else f"(J v) {name}"
    if isinstance(tol, Deferred):
        floor = np.broadcast_to(np.float64(tol.floor), expected.shape)
        if not first_difference(label, actual, expected, floor, source):
            return
        tol = tol.whole()
    if finding := first_difference(label, actual, expected, allowance(tol, expected), source):
        tolerances = (0.0, float(np.max(tol))) if isinstance(tol, np.ndarray) else float(tol)
        repro = reproducer.snippet(example, name, expected, tolerances, part.code if part else "{0}")
        fail(claim, variant, finding, example, repro, how)
