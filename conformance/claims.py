"""The registry of documented claims. Every check names the claim it verifies.

A claim's ID is `<VARIANT>.<section>.<name>` (for example `LSTM_PROJ.values.float32`) for claims
checked per module variant, or `<section>.<name>` for claims about the suite or several modules.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class Claim:
    key: str
    """`<section>.<name>`; prefixed with the variant to give the claim ID."""
    doc: str
    """The documented statement, in the documentation's words where it has them."""
    since: str | None = None
    """The first torch version that documents the behaviour, if newer than the suite's floor."""
    torch_nn_only: str | None = None
    """Why the claim concerns torch.nn's own classes (an internal it relies on); None for the interface."""

    def id_for(self, variant: str | None) -> str:
        return f"{variant}.{self.key}" if variant else self.key

    @property
    def mark(self) -> pytest.MarkDecorator:
        """The marker that ties a check to this claim."""
        return pytest.mark.rnn_claim(self.key)


REGISTRY: dict[str, Claim] = {}


def claim(key: str, doc: str, since: str | None = None, torch_nn_only: str | None = None) -> Claim:
    """Register a claim; decorate its checks with `.mark`."""
    new = Claim(key, doc, since, torch_nn_only)
    if REGISTRY.setdefault(key, new) != new:
        raise ValueError(f"claim {key!r} is registered twice with different text")
    return new


def claim_of(item: pytest.Item) -> Claim | None:
    marker = item.get_closest_marker("rnn_claim")
    return REGISTRY.get(marker.args[0]) if marker else None
