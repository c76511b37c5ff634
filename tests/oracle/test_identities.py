"""Structural identities of the reference: stacking, directions, layouts, lengths, dropout, cells, tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference import CELL_KINDS, FULL_KINDS, Spec, cell_forward, forward, output_shapes, parameter_table

from .helpers import (
    assert_close,
    assert_same,
    layer_as_first,
    random_params,
    random_states,
    with_layer_suffix,
)

SEEDS = st.integers(0, 2**32 - 1)
SEQ_LENS = st.integers(1, 5)
BATCHES = st.integers(1, 4)
ONE_OR_TWO_LAYERS = st.integers(1, 2)
EITHER = st.booleans()
NO = st.just(False)


@st.composite
def specs(
    draw: st.DrawFn,
    kinds: tuple[str, ...] = FULL_KINDS,
    num_layers: st.SearchStrategy[int] = ONE_OR_TWO_LAYERS,
    bidirectional: st.SearchStrategy[bool] = EITHER,
    batch_first: st.SearchStrategy[bool] = NO,
    nonlinearities: tuple[str, ...] = ("tanh", "relu"),
) -> Spec:
    """A small configuration; proj_size is drawn for LSTM, nonlinearity for RNN, bias for all."""
    kind = draw(st.sampled_from(kinds))
    hidden_size = draw(st.integers(1, 4))
    spec = Spec(
        kind,
        input_size=draw(st.integers(1, 4)),
        hidden_size=hidden_size,
        nonlinearity=draw(st.sampled_from(nonlinearities)) if kind.startswith("RNN") else "tanh",
        bias=draw(st.booleans()),
    )
    if spec.is_cell:
        return spec
    return spec.with_(
        num_layers=draw(num_layers),
        bidirectional=draw(bidirectional),
        batch_first=draw(batch_first),
        proj_size=draw(st.integers(0, hidden_size - 1)) if kind == "LSTM" else 0,
    )


def time_major_input(spec: Spec, rng: np.random.Generator, seq_len: int, batch: int) -> np.ndarray:
    return rng.uniform(-1.0, 1.0, (seq_len, batch, spec.input_size))


class Drawn(NamedTuple):
    """A full module's random parameters, time-major input and initial states, and the generator that drew them."""

    params: dict[str, np.ndarray]
    x: np.ndarray
    h0: np.ndarray
    c0: np.ndarray | None
    rng: np.random.Generator


def draw(spec: Spec, seed: int, seq_len: int, batch: int) -> Drawn:
    rng = np.random.default_rng(seed)
    params = random_params(spec, rng)
    h0, c0 = random_states(spec, rng, batch)
    return Drawn(params, time_major_input(spec, rng, seq_len, batch), h0, c0, rng)


def rows(states: np.ndarray | None, start: int, stop: int) -> np.ndarray | None:
    return None if states is None else states[start:stop]


def layers_run_one_by_one(
    spec: Spec,
    params: dict[str, np.ndarray],
    x: np.ndarray,
    h0: np.ndarray,
    c0: np.ndarray | None,
    between: Callable[[np.ndarray], np.ndarray] = lambda output: output,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(output, h_n, c_n) of a time-major two-layer `spec`, its layers run as single-layer modules in turn.

    The second layer reads `between` of the first layer's output; h_n and c_n stack the layers' own.
    """
    d = spec.directions
    first = spec.with_(num_layers=1, batch_first=False)
    second = first.with_(input_size=d * spec.out_size)
    out_0, h_0, c_0 = forward(first, layer_as_first(params, 0), x, rows(h0, 0, d), rows(c0, 0, d))
    out_1, h_1, c_1 = forward(second, layer_as_first(params, 1), between(out_0), rows(h0, d, 2 * d), rows(c0, d, 2 * d))
    return out_1, np.concatenate([h_0, h_1]), None if c_0 is None or c_1 is None else np.concatenate([c_0, c_1])


@given(spec=specs(num_layers=st.just(2)), seq_len=SEQ_LENS, batch=BATCHES, seed=SEEDS)
def test_two_layer_stack_equals_two_single_layer_runs_composed(spec: Spec, seq_len: int, batch: int, seed: int) -> None:
    params, x, h0, c0, _ = draw(spec, seed, seq_len, batch)

    output, h_n, c_n = forward(spec, params, x, h0, c0)
    out_1, h_layers, c_layers = layers_run_one_by_one(spec, params, x, h0, c0)

    assert_same(output, out_1, "the stack's output and the second layer's output on the first's")
    assert_same(h_n, h_layers, "h_n and the layers' final states, layer-major")
    assert_same(c_n, c_layers, "c_n and the layers' final cell states, layer-major")


@given(
    spec=specs(num_layers=st.just(1), bidirectional=st.just(True)),
    seq_len=SEQ_LENS,
    batch=BATCHES,
    seed=SEEDS,
)
def test_each_direction_equals_a_unidirectional_run(spec: Spec, seq_len: int, batch: int, seed: int) -> None:
    params, x, h0, c0, _ = draw(spec, seed, seq_len, batch)
    one_way = spec.with_(bidirectional=False)
    h_out = spec.out_size

    output, h_n, c_n = forward(spec, params, x, h0, c0)
    fwd_out, fwd_h, fwd_c = forward(one_way, layer_as_first(params, 0, reverse=False), x, h0[:1], rows(c0, 0, 1))
    rev_out, rev_h, rev_c = forward(one_way, layer_as_first(params, 0, reverse=True), x[::-1], h0[1:], rows(c0, 1, 2))

    assert_close(output[..., :h_out], fwd_out, "output features [:H_out] and the forward-only run")
    assert_close(output[..., h_out:], rev_out[::-1], "output features [H_out:] and the reversed sequence's run")
    assert_close(h_n, np.concatenate([fwd_h, rev_h]), "h_n rows and the two directions' final states")
    if spec.has_cell_state:
        assert_close(c_n, np.concatenate([fwd_c, rev_c]), "c_n rows and the two directions' final cell states")


@given(spec=specs(), seq_len=SEQ_LENS, batch=BATCHES, seed=SEEDS)
def test_batch_first_equals_the_transposed_layout(spec: Spec, seq_len: int, batch: int, seed: int) -> None:
    params, x, h0, c0, _ = draw(spec, seed, seq_len, batch)

    output, h_n, c_n = forward(spec, params, x, h0, c0)
    bf_output, bf_h_n, bf_c_n = forward(spec.with_(batch_first=True), params, x.swapaxes(0, 1), h0, c0)

    assert_close(bf_output, output.swapaxes(0, 1), "the batch-first output and the transposed time-major one")
    assert_close(bf_h_n, h_n, "h_n, which batch_first does not lay out")
    assert_close(bf_c_n, c_n, "c_n, which batch_first does not lay out")


@given(spec=specs(batch_first=st.booleans()), seq_len=SEQ_LENS, seed=SEEDS)
def test_unbatched_input_equals_a_batch_of_one(spec: Spec, seq_len: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    params = random_params(spec, rng)
    h0, c0 = random_states(spec, rng, None)
    x = rng.uniform(-1.0, 1.0, (seq_len, spec.input_size))
    batched = spec.with_(batch_first=False)
    c0_batched = None if c0 is None else c0[:, None]

    output, h_n, c_n = forward(spec, params, x, h0, c0)
    one_output, one_h_n, one_c_n = forward(batched, params, x[:, None], h0[:, None], c0_batched)

    assert_close(output, one_output[:, 0], "the unbatched output (time-major whatever batch_first says)")
    assert_close(h_n, one_h_n[:, 0], "the unbatched h_n")
    assert_close(c_n, None if one_c_n is None else one_c_n[:, 0], "the unbatched c_n")


@given(
    spec=specs(),
    lengths=st.lists(st.integers(1, 5), min_size=1, max_size=4),
    padding=st.integers(0, 1),
    seed=SEEDS,
)
def test_lengths_equal_running_each_sequence_alone(spec: Spec, lengths: list[int], padding: int, seed: int) -> None:
    params, x, h0, c0, _ = draw(spec, seed, max(lengths) + padding, len(lengths))

    output, h_n, c_n = forward(spec, params, x, h0, c0, lengths=lengths)

    for b, length in enumerate(lengths):
        c0_alone = None if c0 is None else c0[:, b : b + 1]
        alone_out, alone_h, alone_c = forward(spec, params, x[:length, b : b + 1], h0[:, b : b + 1], c0_alone)
        assert_close(output[:length, b], alone_out[:, 0], f"sequence {b}'s output and its run alone")
        past_end = output[length:, b]
        assert_same(past_end, np.zeros_like(past_end), f"sequence {b}'s output past its length")
        assert_close(h_n[:, b], alone_h[:, 0], f"sequence {b}'s h_n and its run alone")
        assert_close(
            None if c_n is None else c_n[:, b],
            None if alone_c is None else alone_c[:, 0],
            f"sequence {b}'s c_n and its run alone",
        )


def dropout_masks(spec: Spec, seq_len: int, batch: int, fill: float) -> list[np.ndarray]:
    shape = (seq_len, batch, spec.directions * spec.out_size)
    return [np.full(shape, fill) for _ in range(spec.num_layers - 1)]


@given(
    spec=specs(num_layers=st.integers(2, 3), batch_first=st.booleans()),
    seq_len=SEQ_LENS,
    batch=BATCHES,
    seed=SEEDS,
)
def test_dropout_masks_of_ones_change_nothing(spec: Spec, seq_len: int, batch: int, seed: int) -> None:
    params, x, h0, c0, _ = draw(spec, seed, seq_len, batch)
    if spec.batch_first:
        x = x.swapaxes(0, 1)

    plain = forward(spec, params, x, h0, c0)
    masked = forward(spec, params, x, h0, c0, dropout_masks=dropout_masks(spec, seq_len, batch, 1.0))

    for name, a, b in zip(("output", "h_n", "c_n"), masked, plain, strict=True):
        assert_same(a, b, f"{name} with all-ones masks and without masks")


@given(spec=specs(num_layers=st.just(2)), seq_len=SEQ_LENS, batch=BATCHES, seed=SEEDS)
def test_zero_dropout_mask_makes_the_second_layer_read_zeros(spec: Spec, seq_len: int, batch: int, seed: int) -> None:
    params, x, h0, c0, _ = draw(spec, seed, seq_len, batch)

    output, h_n, _ = forward(spec, params, x, h0, c0, dropout_masks=dropout_masks(spec, seq_len, batch, 0.0))
    out_1, h_layers, _ = layers_run_one_by_one(spec, params, x, h0, c0, between=np.zeros_like)

    assert_same(output, out_1, "the output and the second layer run on zeros")
    assert_same(h_n, h_layers, "h_n and the first layer's with the zero-fed second's")


@given(spec=specs(num_layers=st.just(2), batch_first=st.booleans()), seq_len=SEQ_LENS, batch=BATCHES, seed=SEEDS)
def test_dropout_mask_scales_the_time_major_output_the_next_layer_reads(
    spec: Spec, seq_len: int, batch: int, seed: int
) -> None:
    params, x, h0, c0, rng = draw(spec, seed, seq_len, batch)
    mask = rng.choice([0.0, 2.0], (seq_len, batch, spec.directions * spec.out_size))
    caller_x = x.swapaxes(0, 1) if spec.batch_first else x

    output, _, _ = forward(spec, params, caller_x, h0, c0, dropout_masks=[mask])
    out_1, _, _ = layers_run_one_by_one(spec, params, x, h0, c0, between=lambda out_0: out_0 * mask)

    expected = out_1.swapaxes(0, 1) if spec.batch_first else out_1
    assert_close(output, expected, "the output and the second layer run on the masked first layer's output")


@given(spec=specs(kinds=CELL_KINDS), batch=BATCHES, seed=SEEDS)
def test_cell_equals_one_step_of_a_single_layer_module(spec: Spec, batch: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    params = random_params(spec, rng)
    module = Spec(spec.family, spec.input_size, spec.hidden_size, nonlinearity=spec.nonlinearity, bias=spec.bias)
    x = rng.uniform(-1.0, 1.0, (batch, spec.input_size))
    h = rng.uniform(-1.0, 1.0, (batch, spec.hidden_size))
    c = rng.uniform(-1.0, 1.0, (batch, spec.hidden_size)) if spec.has_cell_state else None

    h_next, c_next = cell_forward(spec, params, x, h, c)
    output, h_n, c_n = forward(module, with_layer_suffix(params), x[None], h[None], None if c is None else c[None])

    assert_same(h_next, output[0], "the cell's h' and the module's one output step")
    assert_same(h_next, h_n[0], "the cell's h' and the module's h_n")
    assert_same(c_next, None if c_n is None else c_n[0], "the cell's c' and the module's c_n")


@given(spec=specs(kinds=CELL_KINDS), seed=SEEDS)
def test_unbatched_cell_input_equals_a_batch_of_one(spec: Spec, seed: int) -> None:
    rng = np.random.default_rng(seed)
    params = random_params(spec, rng)
    x = rng.uniform(-1.0, 1.0, spec.input_size)
    h = rng.uniform(-1.0, 1.0, spec.hidden_size)
    c = rng.uniform(-1.0, 1.0, spec.hidden_size) if spec.has_cell_state else None

    h_next, c_next = cell_forward(spec, params, x, h, c)
    one_h, one_c = cell_forward(spec, params, x[None], h[None], None if c is None else c[None])

    assert_close(h_next, one_h[0], "the unbatched h' and a batch of one's")
    assert_close(c_next, None if one_c is None else one_c[0], "the unbatched c' and a batch of one's")


def run(spec: Spec, params: dict[str, np.ndarray], rng: np.random.Generator) -> tuple[np.ndarray | None, ...]:
    """Every result of a full module (batch 2, 3 steps) or a cell (batch 2), from random inputs and states."""
    if spec.is_cell:
        c = rng.uniform(-1.0, 1.0, (2, spec.hidden_size))
        return cell_forward(
            spec,
            params,
            rng.uniform(-1.0, 1.0, (2, spec.input_size)),
            rng.uniform(-1.0, 1.0, (2, spec.hidden_size)),
            c,
        )
    h0, c0 = random_states(spec, rng, 2)
    return forward(spec, params, time_major_input(spec, rng, 3, 2), h0, c0)


@given(spec=specs(), seed=SEEDS)
def test_forward_needs_every_parameter_of_the_table(spec: Spec, seed: int) -> None:
    params = random_params(spec, np.random.default_rng(seed))
    per_direction = 2 + 2 * spec.bias + bool(spec.proj_size)

    expected_count = spec.num_layers * spec.directions * per_direction
    assert len(params) == expected_count, "the table should list every parameter of every layer and direction"
    for name in params:
        with pytest.raises(KeyError):
            forward(spec, {k: v for k, v in params.items() if k != name}, np.zeros((2, 1, spec.input_size)))


@given(spec=specs(kinds=FULL_KINDS + CELL_KINDS, nonlinearities=("tanh",)), seed=SEEDS)
def test_every_parameter_of_the_table_influences_the_result(spec: Spec, seed: int) -> None:
    params = random_params(spec, np.random.default_rng(seed))
    baseline = run(spec, params, np.random.default_rng(seed + 1))

    for name in params:
        nudged = params | {name: params[name] + 0.5}
        results = run(spec, nudged, np.random.default_rng(seed + 1))
        changed = any(a is not None and not np.array_equal(a, b) for a, b in zip(results, baseline, strict=True))
        assert changed, f"nudging {name} should change the result"


@given(spec=specs(batch_first=st.booleans()), seq_len=SEQ_LENS, batch=st.none() | BATCHES, seed=SEEDS)
def test_output_shapes_match_what_forward_consumes_and_produces(
    spec: Spec, seq_len: int, batch: int | None, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    shapes = output_shapes(spec, seq_len, batch)
    if batch is None:
        x_shape: tuple[int, ...] = (seq_len, spec.input_size)
    else:
        x_shape = (batch, seq_len, spec.input_size) if spec.batch_first else (seq_len, batch, spec.input_size)
    h0 = rng.uniform(-1.0, 1.0, shapes["h_n"])
    c0 = rng.uniform(-1.0, 1.0, shapes["c_n"]) if "c_n" in shapes else None

    output, h_n, c_n = forward(spec, random_params(spec, rng), rng.uniform(-1.0, 1.0, x_shape), h0, c0)

    assert output.shape == shapes["output"], f"output should be {shapes['output']}, not {output.shape}"
    assert h_n.shape == shapes["h_n"], f"h_n should be {shapes['h_n']}, not {h_n.shape}"
    assert (c_n is None) == ("c_n" not in shapes), "c_n should exist exactly when output_shapes lists it"
    if c_n is not None:
        assert c_n.shape == shapes["c_n"], f"c_n should be {shapes['c_n']}, not {c_n.shape}"


@given(spec=specs(kinds=CELL_KINDS), batch=st.none() | BATCHES, seed=SEEDS)
def test_output_shapes_match_what_cell_forward_consumes_and_produces(spec: Spec, batch: int | None, seed: int) -> None:
    rng = np.random.default_rng(seed)
    shapes = output_shapes(spec, 1, batch)
    lead = () if batch is None else (batch,)
    h = rng.uniform(-1.0, 1.0, shapes["h'"])
    c = rng.uniform(-1.0, 1.0, shapes["c'"]) if "c'" in shapes else None

    h_next, c_next = cell_forward(
        spec, random_params(spec, rng), rng.uniform(-1.0, 1.0, lead + (spec.input_size,)), h, c
    )

    assert h_next.shape == shapes["h'"], "h' should have the shape output_shapes gives"
    assert (c_next is None) == ("c'" not in shapes), "c' should exist exactly when output_shapes lists it"
    if c_next is not None:
        assert c_next.shape == shapes["c'"], "c' should have the shape output_shapes gives"


@given(spec=specs(kinds=FULL_KINDS + CELL_KINDS))
def test_parameter_table_follows_the_documented_shapes(spec: Spec) -> None:
    gh = spec.gates * spec.hidden_size
    for name, shape in parameter_table(spec):
        base, _, suffix = name.partition("_l")
        if base == "weight_ih":
            first = spec.is_cell or suffix.startswith("0")
            expected: tuple[int, ...] = (gh, spec.input_size if first else spec.directions * spec.out_size)
        elif base == "weight_hh":
            expected = (gh, spec.hidden_size if spec.is_cell else spec.out_size)
        elif base == "weight_hr":
            expected = (spec.proj_size, spec.hidden_size)
        else:
            expected = (gh,)
        assert shape == expected, f"{name} should be {expected}, not {shape}"
