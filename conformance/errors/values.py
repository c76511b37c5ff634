"""The strategies the error rows draw from: small valid configurations and the bad values that break them.

Strategies are built once each (Hypothesis validates every new one), hence the caches.
"""

from __future__ import annotations

import functools
import math

import torch
from hypothesis import strategies as st

from conformance.draw import sizes
from conformance.draw.strategies import specs, within
from reference import Spec

ints = functools.cache(st.integers)
choices = functools.cache(lambda *values: st.sampled_from(values))


def _float_text(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


valid_dropouts = st.one_of(st.sampled_from([0, 0.0, 1, 1.0]), st.floats(0, 1))
out_of_range_dropouts = st.one_of(
    st.floats(max_value=-math.ulp(0.0)),
    st.floats(min_value=math.nextafter(1.0, math.inf)),
    st.integers(max_value=-1),
    st.integers(min_value=2),
    st.just(math.nan),
)
convertible_non_numbers = st.one_of(
    st.floats().map(str),
    st.sampled_from(["0", "1", "0.5", " 0.25 "]),
    st.floats(0, 1).map(torch.tensor),
)
unconvertible_non_numbers = st.one_of(
    st.none(),
    st.text(max_size=6).filter(lambda s: not _float_text(s)),
    st.lists(st.floats(0, 1), max_size=2),
    st.complex_numbers(max_magnitude=1),
)
bad_nonlinearities = st.one_of(
    st.sampled_from(["Tanh", "TANH", "ReLU", "RELU", "sigmoid", "gelu", " tanh", "relu "]),
    st.text(max_size=8).filter(lambda s: s not in ("tanh", "relu")),
    st.none(),
)
non_int_sizes = st.one_of(st.floats(), ints(1, 64).map(float), ints(1, 64).map(str), st.none())
batches = st.one_of(st.none(), ints(1, 4))
seq_lens = ints(1, 3)
layer_counts = st.one_of(choices(1), ints(1, 3))


@functools.cache
def proj_sizes_refused(hidden_size: int) -> st.SearchStrategy[int]:
    """proj_size < 0, or >= hidden_size (equal to it more often than not)."""
    return st.one_of(ints(max_value=-1), choices(hidden_size), ints(hidden_size, 4 * hidden_size + 4))


@functools.cache
def any_proj_sizes(hidden_size: int) -> st.SearchStrategy[int]:
    return st.one_of(choices(0), ints(-2, hidden_size + 2))


@functools.cache
def leading_sizes(count: int) -> st.SearchStrategy[tuple[int, ...]]:
    return st.tuples(*[ints(1, 3)] * count)


def small_specs(variant: str) -> st.SearchStrategy[Spec]:
    """Every constructor argument of `variant`, at the small sizes: no error or warning claimed here
    depends on the sizes, and the calls a check expects to succeed stay cheap."""
    return within(sizes.SMALL, specs(variant))


@functools.cache
def other_than(expected: int, upper: int, *likely: int, lower: int = 1) -> st.SearchStrategy[int]:
    """A size in [lower, upper] other than `expected` (which lies in that range): often one of `likely`,
    the sizes a caller would confuse it with, else any."""
    anything = st.integers(lower, upper - 1).map(lambda n: n + (n >= expected))
    plausible = sorted({n for n in likely if n != expected and n >= lower})
    return st.one_of(st.sampled_from(plausible), anything) if plausible else anything


def wrong_sizes(size: int) -> st.SearchStrategy[int]:
    """A feature count other than `size`, 0 included, most often off by one."""
    return other_than(size, 2 * size + 2, size + 1, size - 1, lower=0)


def wrong_states(spec: Spec) -> st.SearchStrategy[str]:
    """Which state a check gets wrong: h, or for LSTMs c or both."""
    return choices("h", "c", "both") if spec.has_cell_state else choices("h")
