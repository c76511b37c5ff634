"""The forward rows: how each breaks a call to a validly built module, and the exception it must raise.

Each `breaks` function draws, from a valid configuration, the call that gets one thing wrong.
"""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.claims import construction, forward
from conformance.errors.calls import Call, call_with
from conformance.errors.rows import Broken, Draw, ForwardRow
from conformance.errors.shapes import Shape, features_of, state_shape, states, with_dims, x_shape
from conformance.errors.values import (
    bad_nonlinearities,
    batches,
    choices,
    ints,
    leading_sizes,
    other_than,
    seq_lens,
    wrong_sizes,
    wrong_states,
)
from reference import Spec


def given_states(draw: Draw, spec: Spec, batch: int | None) -> dict[str, Shape]:
    """The documented h_0 (and c_0), or none: the error does not depend on them."""
    return states(spec, batch) if draw(st.booleans(), "states given") else {}


def wrong_input_dims(draw: Draw, spec: Spec) -> Broken:
    ndim = draw(choices(0, 1, 4, 5), "input dimensions")
    lead = draw(leading_sizes(max(ndim - 1, 0)), "leading sizes")
    return Broken(Call(spec, () if ndim == 0 else (*lead, spec.input_size)), "input")


def states_batched_unlike_the_input(draw: Draw, spec: Spec) -> Broken:
    batch, seq_len = draw(batches, "batch"), draw(seq_lens, "seq_len")
    expected = 2 if batch is None else 3
    ndim = draw(choices(*(n for n in range(5) if n != expected)), "state dimensions")
    wrong = draw(wrong_states(spec), "wrong state")
    state = {k: with_dims(s, ndim) if wrong in (k, "both") else s for k, s in states(spec, batch).items()}
    return Broken(call_with(spec, x_shape(spec, batch, seq_len), state), wrong)


def wrong_input_features(draw: Draw, spec: Spec) -> Broken:
    batch = draw(batches, "batch")
    seq_len = 1 if spec.is_cell else draw(seq_lens, "seq_len")
    features = draw(wrong_sizes(spec.input_size), "input features")
    state = given_states(draw, spec, batch)
    return Broken(call_with(spec, x_shape(spec, batch, seq_len, features), state), "input")


def wrong_state_shape(draw: Draw, spec: Spec) -> Broken:
    batch, seq_len = draw(batches, "batch"), draw(seq_lens, "seq_len")
    x, state = x_shape(spec, batch, seq_len), states(spec, batch)
    wrong = draw(choices(*state), "wrong state")
    features, rows = features_of(spec, wrong), spec.directions * spec.num_layers
    likely: tuple[int, ...]
    if draw(choices("rows", "features"), "wrong dimension") == "rows":
        likely = (spec.num_layers, 2 * spec.num_layers, rows + 1)
        rows = draw(other_than(rows, 2 * rows + 1, *likely), "rows")
    else:
        likely = (spec.hidden_size, spec.proj_size, spec.input_size, 2 * features)
        features = draw(other_than(features, 2 * spec.hidden_size + 2, *likely), "features")
    wrong_state = state | {wrong: state_shape(spec, batch, features, rows)}
    return Broken(call_with(spec, x, wrong_state), wrong, accepted=call_with(spec, x, state))


def wrong_state_batch(draw: Draw, spec: Spec) -> Broken:
    batch = draw(ints(1, 4), "batch")
    seq_len = 1 if spec.is_cell else draw(seq_lens, "seq_len")
    other = draw(other_than(batch, 6, 1, seq_len, lower=0), "state batch")
    wrong = draw(wrong_states(spec), "wrong state")
    state = {
        k: state_shape(spec, other, features_of(spec, k)) if wrong in (k, "both") else s
        for k, s in states(spec, batch).items()
    }
    return Broken(call_with(spec, x_shape(spec, batch, seq_len), state), wrong)


def empty_sequence(draw: Draw, spec: Spec) -> Broken:
    batch = draw(batches, "batch")
    return Broken(call_with(spec, x_shape(spec, batch, seq_len=0), given_states(draw, spec, batch)), "input")


def unknown_cell_nonlinearity(draw: Draw, spec: Spec) -> Broken:
    kwargs = spec.constructor_kwargs() | {"nonlinearity": draw(bad_nonlinearities, "nonlinearity")}
    return Broken(Call(spec, x_shape(spec, draw(batches, "batch")), kwargs=kwargs), "nonlinearity")


def cell_arguments_dims(draw: Draw, spec: Spec) -> Broken:
    batch = draw(batches, "batch")
    ndim = draw(choices(0, 3, 4), "dimensions")
    wrong = draw(choices("input", *states(spec, batch)), "wrong argument")
    given = wrong != "input" or draw(st.booleans(), "states given")
    x, state = x_shape(spec, batch), states(spec, batch) if given else {}
    if wrong == "input":
        x = with_dims(x, ndim)
    else:
        state[wrong] = with_dims(state[wrong], ndim)
    return Broken(call_with(spec, x, state), wrong)


def wrong_cell_hidden_size(draw: Draw, spec: Spec) -> Broken:
    batch, h = draw(batches, "batch"), spec.hidden_size
    x, state = x_shape(spec, batch), states(spec, batch)
    wrong = draw(choices(*state), "wrong state")
    features = draw(other_than(h, 2 * h + 2, h + 1, h - 1, spec.input_size), "features")
    wrong_state = state | {wrong: state_shape(spec, batch, features)}
    return Broken(call_with(spec, x, wrong_state), wrong, accepted=call_with(spec, x, state))


def expected_hidden(broken: Broken) -> str:
    """nn.LSTM names h_0 hidden[0] and c_0 hidden[1]; the others have only "hidden"."""
    if not broken.call.spec.has_cell_state:
        return "Expected hidden size"
    return f"Expected hidden[{1 if broken.wrong == 'c' else 0}] size"


def batching(broken: Broken) -> str:
    return "For unbatched 2-D input, hx" if len(broken.call.x) == 2 else "For batched 3-D input, hx"


def cell_dims(broken: Broken) -> str:
    if broken.wrong == "input":
        return "Expected input to be 1D or 2D"
    name = f"hx[{0 if broken.wrong == 'h' else 1}]" if broken.call.spec.has_cell_state else "hidden"
    return f"Expected {name} to be 1D or 2D"


def cell_state_number(broken: Broken) -> int:
    """nn.LSTMCell's messages number h 0 and c 1."""
    return 1 if broken.wrong == "c" else 0


FORWARD = (
    ForwardRow(forward.INPUT_DIMS, wrong_input_dims, ValueError, "Expected input to be 2D or 3D"),
    ForwardRow(forward.HX_DIMS, states_batched_unlike_the_input, RuntimeError, batching),
    ForwardRow(forward.INPUT_SIZE, wrong_input_features, RuntimeError, "input.size(-1) must be equal to input_size"),
    ForwardRow(forward.HX_SHAPE, wrong_state_shape, RuntimeError, expected_hidden),
    ForwardRow(forward.HX_BATCH_SIZE, wrong_state_batch, RuntimeError, expected_hidden),
    ForwardRow(forward.ZERO_LENGTH, empty_sequence, RuntimeError, "Expected sequence length to be larger than 0"),
    ForwardRow(construction.CELL_NONLINEARITY, unknown_cell_nonlinearity, RuntimeError, "Unknown nonlinearity"),
    ForwardRow(forward.CELL_DIMS, cell_arguments_dims, ValueError, cell_dims),
    ForwardRow(forward.CELL_INPUT_SIZE, wrong_input_features, RuntimeError, "input has inconsistent input_size"),
    ForwardRow(
        forward.CELL_HIDDEN_SIZE,
        wrong_cell_hidden_size,
        RuntimeError,
        lambda b: f"hidden{cell_state_number(b)} has inconsistent hidden_size",
    ),
    ForwardRow(
        forward.CELL_BATCH_SIZE,
        wrong_state_batch,
        RuntimeError,
        lambda b: f"doesn't match hidden{cell_state_number(b)} batch size",
    ),
)
