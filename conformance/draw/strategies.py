"""Hypothesis strategies for configurations, inputs and weights. Every draw is labelled."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TypeVar

import numpy as np
from hypothesis import strategies as st

from conformance.draw import sizes
from conformance.variants import VARIANTS
from reference import Spec

T = TypeVar("T")
SEEDS = st.integers(0, 2**32 - 1)
BOOLEANS = st.booleans()
DROPOUTS = st.sampled_from([0.0, 0.5, 1.0])

# Strategies are built once per argument (functools.cache): building them anew on every draw
# costs more than drawing from them.


@cache
def dimension(upper: int, least: int = 1) -> st.SearchStrategy[int]:
    """A size in [least, upper]: a third of draws at most 4, a third anywhere, a third in the top quarter.

    The top quarter is where kernels switch code paths for large problems; drawing it often makes
    each check reach it within the default profile's few examples. One integer is drawn per size
    (the thirds laid end to end, smallest first, so a failing example shrinks towards `least`):
    a choice of third and then a value in it would cost Hypothesis two draws for every size.
    """
    thirds = [range(least, max(least, min(4, upper)) + 1), range(least, upper + 1)]
    if upper > 8:
        thirds.append(range(max(least, upper - upper // 4), upper + 1))
    width = len(thirds[1])
    return st.integers(0, len(thirds) * width - 1).map(lambda i: _in_third(thirds[i // width], i % width, width))


def _in_third(third: range, position: int, width: int) -> int:
    """The value at `position` of `width` positions spread evenly over `third`."""
    return third[position * len(third) // width]


@cache
def optional_dimension(upper: int) -> st.SearchStrategy[int | None]:
    """None (an unbatched input) a third of the time, else a dimension."""
    return st.one_of(st.none(), dimension(upper), dimension(upper))


@cache
def projections(hidden_size: int) -> st.SearchStrategy[int]:
    return st.integers(1, hidden_size - 1)


@cache
def specs(variant: str) -> st.SearchStrategy[Spec]:
    """Every constructor argument of `variant`, drawn within the current size tier."""
    return _specs(variant)


@st.composite
def _specs(draw: st.DrawFn, variant: str) -> Spec:
    tier = sizes.current()
    fixed = VARIANTS[variant]
    spec = Spec(
        kind=str(fixed["kind"]),
        nonlinearity=str(fixed.get("nonlinearity", "tanh")),
        input_size=draw(dimension(tier.input), label="input_size"),
        hidden_size=draw(dimension(tier.hidden, 2 if variant == "LSTM_PROJ" else 1), label="hidden_size"),
        bias=draw(BOOLEANS, label="bias"),
    )
    if spec.is_cell:
        return spec
    spec = spec.with_(
        num_layers=draw(dimension(tier.layers), label="num_layers"),
        bidirectional=draw(BOOLEANS, label="bidirectional"),
        batch_first=draw(BOOLEANS, label="batch_first"),
        dropout=draw(DROPOUTS, label="dropout"),
    )
    if variant == "LSTM_PROJ":
        spec = spec.with_(proj_size=draw(projections(spec.hidden_size), label="proj_size"))
    return spec


@dataclass(frozen=True)
class Inputs:
    """The shape of a forward call: batch None means unbatched input; hx says whether h0/c0 are given."""

    seq_len: int
    batch: int | None
    hx: bool
    seed: int


def inputs(spec: Spec) -> st.SearchStrategy[Inputs]:
    """The shape of a forward call of `spec`: a cell's sequence is one step; a layer's length is capped
    so that length x layers x directions stays within the tier's steps."""
    return _inputs(0 if spec.is_cell else spec.num_layers * spec.directions)


@cache
def _inputs(stacks: int) -> st.SearchStrategy[Inputs]:
    """Built once per number of stacked layers and directions (0 for a cell); the tier is read as each
    example is drawn."""
    return _drawn_inputs(stacks)


@st.composite
def _drawn_inputs(draw: st.DrawFn, stacks: int) -> Inputs:
    tier = sizes.current()
    if not stacks:
        seq_len = 1
    else:
        seq_len = draw(dimension(min(tier.seq_len, max(1, tier.steps // stacks))), label="seq_len")
    batch = draw(optional_dimension(tier.batch), label="batch")
    hx = draw(BOOLEANS, label="hx given")
    return Inputs(seq_len, batch, hx, draw(SEEDS, label="input seed"))


@dataclass(frozen=True)
class Weights:
    """torch's own initialisation (scale None) or weights drawn from a seed at a given input scale.

    Drawn recurrent weights (weight_hh, weight_hr) keep every spectral norm below about 0.9, so the
    recurrence contracts and rounding errors cannot grow along the sequence; weight_ih and the
    biases are multiplied by `scale`, which at 4 drives the gates into saturation.
    """

    seed: int
    scale: float | None


SCALES = st.sampled_from([None, 0.5, 1.0, 4.0])


@cache
def weights() -> st.SearchStrategy[Weights]:
    return _drawn_weights()


@st.composite
def _drawn_weights(draw: st.DrawFn) -> Weights:
    # A composite rather than st.builds, which checks each argument's draw for use of the global random.
    return Weights(draw(SEEDS, label="weights seed"), draw(SCALES, label="input scale"))


def drawn_parameters(spec: Spec, table: list[tuple[str, tuple[int, ...]]], w: Weights) -> dict[str, np.ndarray]:
    """Parameters for `table` drawn from w.seed, as described on Weights."""
    assert w.scale is not None, "torch's own initialisation draws no parameters here"
    rng = np.random.default_rng(w.seed)
    params = {}
    for name, shape in table:
        if name.startswith(("weight_hh", "weight_hr")):
            bound = 0.78 / np.sqrt(max(shape))
        elif name.startswith("weight_ih"):
            bound = w.scale / np.sqrt(shape[1])
        else:
            bound = w.scale
        params[name] = rng.uniform(-bound, bound, size=shape)
    return params


@st.composite
def within(draw: st.DrawFn, tier: sizes.Tier, strategy: st.SearchStrategy[T]) -> T:
    """`strategy` drawn with its sizes within `tier` (for claims whose truth does not depend on the sizes)."""
    with sizes.using(tier):
        return draw(strategy)


@st.composite
def _configurations(draw: st.DrawFn, variant: str) -> tuple[Spec, Inputs, Weights]:
    spec = draw(specs(variant), label="spec")
    return spec, draw(inputs(spec), label="inputs"), draw(weights(), label="weights")


@cache
def configurations(variant: str, tier: sizes.Tier | None = None) -> st.SearchStrategy[tuple[Spec, Inputs, Weights]]:
    """Every constructor argument of `variant`, the forward call's shape and the weights: the one
    place configurations are drawn; within `tier` if given, else within the profile's tier."""
    drawn = _configurations(variant)
    return drawn if tier is None else within(tier, drawn)
