"""The kinds of error row, and their parametrization over each claim's variants."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

import pytest
from hypothesis import strategies as st

from conformance.claims import Claim
from conformance.errors.calls import Call
from reference import Spec

if TYPE_CHECKING:
    from _pytest.mark.structures import ParameterSet

T = TypeVar("T")


class Draw(Protocol):
    """Hypothesis's `data.draw`: a value from `strategy`, printed under `label` when the example fails."""

    def __call__(self, strategy: st.SearchStrategy[T], label: str) -> T: ...


@dataclass(frozen=True, repr=False)
class Row:
    """One claim of conformance/claims, checked by a generic check for each of the claim's variants."""

    claim: Claim

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.claim.key!r})"


@dataclass(frozen=True, repr=False)
class ConstructionRow(Row):
    """Construction with the keyword `argument` replaced by a value drawn from `values` raises `exc_type`
    with `fragment` in its message."""

    argument: str
    values: st.SearchStrategy[object] | Callable[[Spec], st.SearchStrategy[object]]
    """The bad values, or a function of the valid configuration that gives them."""
    exc_type: type[Exception]
    fragment: str | Callable[[object], str]
    """The message fragment, or a function of the bad value that gives it."""

    def bad_values(self, spec: Spec) -> st.SearchStrategy[object]:
        return self.values if isinstance(self.values, st.SearchStrategy) else self.values(spec)

    def fragment_for(self, value: object) -> str:
        return self.fragment if isinstance(self.fragment, str) else self.fragment(value)


@dataclass(frozen=True)
class Broken:
    """A forward call that the documentation says fails."""

    call: Call
    wrong: str
    """The argument that is wrong: "input", "h", "c", "both" (h and c), or a constructor argument's name."""
    accepted: Call | None = None
    """The same call with the documented arguments, which must succeed first; None where the claim has none."""


@dataclass(frozen=True, repr=False)
class ForwardRow(Row):
    """A forward call broken by `breaks` from the valid configuration raises `exc_type` with `fragment` in its
    message. A call that changes the constructor arguments claims they are accepted without a warning."""

    breaks: Callable[[Draw, Spec], Broken]
    exc_type: type[Exception]
    fragment: str | Callable[[Broken], str]
    """The message fragment, or a function of the broken call that gives it."""

    def fragment_for(self, broken: Broken) -> str:
        return self.fragment if isinstance(self.fragment, str) else self.fragment(broken)


@dataclass(frozen=True, repr=False)
class WarningRow(Row):
    """Each configuration drawn by `configurations` (from the variant) is constructed without raising, and
    `finding` (of the configuration and the warnings it emitted) says what is wrong, or None."""

    configurations: Callable[[Draw, str], list[Spec]]
    finding: Callable[[Spec, list[warnings.WarningMessage]], str | None]


def cases(rows: Iterable[Row]) -> list[ParameterSet]:
    """(row, variant) for each row and each variant of its claim, with the claim's ID and marker."""
    return [
        pytest.param(row, variant, id=row.claim.id_for(variant), marks=row.claim.mark)
        for row in rows
        for variant in row.claim.variants
    ]
