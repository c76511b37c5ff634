"""A documented claim: its key, the documentation's sentence, the variants it covers and when it applies.

A claim's ID is `<VARIANT>.<section>.<name>` (for example `LSTM_PROJ.outputs.values`): the key
prefixed with each variant it covers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

import pytest

F = TypeVar("F", bound=Callable[..., Any])

TABLE: dict[str, Claim] = {}
"""Every claim, by key, in declaration order; filled as the section modules of this package load."""


class Anchor(NamedTuple):
    """Where torch's own documentation states a claim: `text` appears in the documentation of `target`
    (a dotted name such as `torch.nn.RNN`): its docstring, or the signatures of its constructor (each
    overload) or of itself, whitespace aside."""

    target: str
    text: str


@dataclass(frozen=True)
class Claim:
    key: str
    """`<section>.<name>`."""
    doc: str
    """The documented statement, in the documentation's words where it has them."""
    variants: Iterable[str] = field(default=())
    """The module variants the claim is checked for."""
    since: str | None = None
    """The first torch version whose own documentation (docstrings and signatures) states the claim, if
    newer than the suite's floor; never the first version that passes it."""
    documented_by: Iterable[Anchor] = field(default=())
    """Where the documentation states the claim: each anchor is in the documentation of every torch from
    `since` on (of every torch, without a since) and of none before (tests/test_since.py)."""
    dated_by: str | None = None
    """What `since` rests on when no torch's docstrings or signatures state the claim (an error's message)."""
    torch_nn_only: str | None = None
    """Why the claim concerns torch.nn's own classes (an internal it relies on); None for the interface."""
    mode: str = "eager"
    """How the module is called: eager, or the mode (script, compile, ...) the claim is about."""
    leads: bool = False
    """Its check runs a case of each variant before any other check's first case (gate/order.py): it
    compares every number a forward or backward pass computes, or the parameters' names every other
    check loads its weights by, so that most breakages fail in the first checks a run makes."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "variants", tuple(self.variants))
        object.__setattr__(self, "documented_by", tuple(self.documented_by))
        if TABLE.setdefault(self.key, self) is not self:
            raise ValueError(f"claim {self.key!r} is declared twice")

    @property
    def section(self) -> str:
        return self.key.split(".", 1)[0]

    def id_for(self, variant: str | None) -> str:
        return f"{variant}.{self.key}" if variant else self.key

    @property
    def mark(self) -> pytest.MarkDecorator:
        """The marker that ties a check to this claim."""
        return pytest.mark.rnn_claim(self.key)

    def check(self, *decorators: pytest.MarkDecorator) -> Callable[[F], F]:
        """Makes a function a check of this claim: a Hypothesis test drawing from `data`, run for each
        of the claim's variants and under `decorators` (listed as they would be stacked)."""
        from hypothesis import given
        from hypothesis import strategies as st

        def apply(function: F) -> F:
            checked: F = self.each_variant(given(data=st.data())(function))
            for decorator in reversed(decorators):
                checked = decorator(checked)
            return self.mark(checked)

        return apply

    @property
    def each_variant(self) -> pytest.MarkDecorator:
        """Parametrizes a check over the claim's variants."""
        return pytest.mark.parametrize("variant", list(self.variants))


def claim_of(item: pytest.Item) -> Claim | None:
    marker = item.get_closest_marker("rnn_claim")
    return TABLE.get(marker.args[0]) if marker else None
