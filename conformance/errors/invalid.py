"""Invalid forward calls, generated: a valid call with one thing broken.

The dimension sizes of the input and of each state, a state batched unlike the input, the states in
another dtype than the module's or on another device (where one exists), and hx of the wrong arity
or type. Every call here breaks the
documented form, whatever else was drawn: full modules always get their states, and a size is only
ever changed to another size.
"""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.errors.calls import Call
from conformance.errors.shapes import Shape, states, x_shape
from conformance.errors.values import batches, seq_lens
from reference import Spec

SHAPES = ("input size", "state size", "state batchedness", "state dtype", "packed state size", "state device")
PACKED = "packed state size"
"""A PackedSequence input with a state of a wrong batch size (full modules only; enforce_sorted both
ways): the batch is the dimension a packed call treats apart (it reorders the state by the batch's
sorted_indices); the other dimensions are broken as for dense input."""
HX = ("hx form",)


def resized(shape: Shape, dim: int, delta: int) -> Shape:
    """`shape` with dimension `dim` changed by `delta` (never 0; the callers keep every size at least 1)."""
    return tuple(n + delta if k == dim else n for k, n in enumerate(shape))


@st.composite
def invalid_calls(draw: st.DrawFn, spec: Spec, breakages: tuple[str, ...], other_device: str | None = None) -> Call:
    breakage = draw(st.sampled_from(breakages), label="broken")
    packed = breakage == PACKED
    batch = draw(st.integers(1, 4) if packed else batches, label="batch")
    seq_len = 1 if spec.is_cell else draw(seq_lens, label="seq_len")
    x, state = x_shape(spec, batch, seq_len), states(spec, batch)
    deltas = st.sampled_from([-1, 1, 2])
    lengths, enforce_sorted = None, False
    if packed:
        assert batch is not None
        enforce_sorted = draw(st.booleans(), label="enforce_sorted")
        drawn = draw(st.lists(st.integers(1, seq_len), min_size=batch, max_size=batch), label="lengths")
        lengths = tuple(sorted(drawn, reverse=True) if enforce_sorted else drawn)
        name = draw(st.sampled_from(sorted(state)), label="state")
        size = state[name][1]
        state[name] = resized(state[name], 1, draw(deltas.filter(lambda d: size + d >= 1), label="delta"))
    if breakage == "input size":
        x = resized(x, len(x) - 1, draw(deltas.filter(lambda d: spec.input_size + d >= 1), label="delta"))
    elif breakage == "state size":
        name = draw(st.sampled_from(sorted(state)), label="state")
        dim = draw(st.integers(0, len(state[name]) - 1), label="dimension")
        size = state[name][dim]
        state[name] = resized(state[name], dim, draw(deltas.filter(lambda d: size + d >= 1), label="delta"))
    elif breakage == "state batchedness" and batch is None:
        extra = draw(st.integers(1, 3), label="state batch")
        state = {k: (*s[:-1], extra, s[-1]) for k, s in state.items()}
    elif breakage == "state batchedness":
        state = {k: (*s[: len(s) - 2], s[-1]) for k, s in state.items()}
    if breakage == "state dtype":
        return Call(spec, x, state["h"], state.get("c"), state_dtype="float64")
    if breakage == "state device":
        return Call(spec, x, state["h"], state.get("c"), state_device=other_device)
    hx_form = "documented"
    if breakage == "hx form":
        forms = ["alone", "triple", "list"] if spec.has_cell_state else ["tuple", "list"]
        hx_form = draw(st.sampled_from(forms), label="hx form")
    return Call(spec, x, state["h"], state.get("c"), hx_form=hx_form, lengths=lengths, enforce_sorted=enforce_sorted)
