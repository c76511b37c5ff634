"""Errors and warnings: bad arguments fail with the documented exception type and message, good ones
neither fail nor warn, apart from the documented dropout warning."""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import torch
from hypothesis import given
from hypothesis import strategies as st

from conformance.claims import Claim
from conformance.claims.construction import (
    CELL_NONLINEARITY,
    DROPOUT_BOOL,
    DROPOUT_MESSAGE,
    DROPOUT_RANGE,
    DROPOUT_TYPE,
    DROPOUT_UNCONVERTIBLE,
    DROPOUT_WARNING,
    DROPOUT_WARNING_TEXT,
    HIDDEN_SIZE,
    HIDDEN_SIZE_TYPE,
    NONLINEARITY,
    NUM_LAYERS,
    PROJ_SIZE,
    PROJ_SIZE_UNSUPPORTED,
    VALID,
)
from conformance.claims.forward import (
    CELL_BATCH_SIZE,
    CELL_DIMS,
    CELL_HIDDEN_SIZE,
    CELL_INPUT_SIZE,
    HX_BATCH_SIZE,
    HX_DIMS,
    HX_SHAPE,
    INPUT_DIMS,
    INPUT_SIZE,
    ZERO_LENGTH,
)
from conformance.draw.strategies import specs
from conformance.gate import examples
from conformance.judge.compare import fail
from conformance.judge.raising import call_source, expect_accepted, expect_raises
from conformance.run import implementation
from conformance.run.modules import build_module
from conformance.variants import VARIANTS
from reference import Spec

ONEDNN_WARNING_TEXT = "LSTM with projections is not supported with oneDNN"


# Calls and their descriptions ----------------------------------------------------------------


def _quietly(fn: Callable[[], object]) -> Callable[[], object]:
    def call() -> object:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn()

    return call


def expect_constructor_raises(
    claim: Claim, variant: str, spec: Spec, exc_type: type[Exception], fragment: str, **changes: object
) -> None:
    """The module for `spec`, built with the keyword arguments in `changes` replaced, must raise."""
    kwargs = spec.constructor_kwargs() | changes
    impl = implementation.current()
    source = call_source(impl.short(spec.kind), **kwargs)
    build = _quietly(lambda: impl.build(spec.kind, **kwargs))
    repro = f"{impl.imports}\n{call_source(impl.expression(spec.kind), **kwargs)}"
    expect_raises(claim, variant, exc_type, fragment, build, source, repro)


def construct_recording_warnings(
    claim: Claim, variant: str, kind: str, kwargs: dict[str, object]
) -> tuple[torch.nn.Module, list[warnings.WarningMessage]]:
    """The module built from `kwargs`, which must not raise, and the warnings it emitted."""
    impl = implementation.current()
    source = call_source(impl.short(kind), **kwargs)
    repro = f"{impl.imports}\n{call_source(impl.expression(kind), **kwargs)}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = expect_accepted(claim, variant, lambda: impl.build(kind, **kwargs), source, repro)
    return module, [w for w in caught if ONEDNN_WARNING_TEXT not in str(w.message)]


def is_dropout_warning(w: warnings.WarningMessage) -> bool:
    return issubclass(w.category, UserWarning) and DROPOUT_WARNING_TEXT in str(w.message)


def describe_warnings(caught: list[warnings.WarningMessage]) -> str:
    return "; ".join(f"{w.category.__name__}: {w.message}" for w in caught) or "none"


@dataclass(frozen=True)
class Call:
    """A forward call described by shapes: x, and h_0 (with c_0 for LSTMs) when given."""

    spec: Spec
    x: tuple[int, ...]
    h: tuple[int, ...] | None = None
    c: tuple[int, ...] | None = None
    kwargs: dict[str, object] | None = None
    """The constructor arguments, when they differ from the spec's."""

    @property
    def constructor(self) -> dict[str, object]:
        return self.spec.constructor_kwargs() if self.kwargs is None else self.kwargs

    def run(self, module: torch.nn.Module, device: str) -> object:
        x = torch.zeros(self.x, device=device)
        if self.h is None:
            return module(x)
        h = torch.zeros(self.h, device=device)
        return module(x, (h, torch.zeros(self.c, device=device)) if self.spec.has_cell_state else h)

    def describe(self) -> str:
        shapes = [f"x of shape {self.x}"]
        if self.h is not None:
            shapes.append(f"h_0 of shape {self.h}")
        if self.c is not None:
            shapes.append(f"c_0 of shape {self.c}")
        module = call_source(implementation.current().short(self.spec.kind), **self.constructor)
        return f"{module} called on {', '.join(shapes)}"

    def repro(self, device: str) -> str:
        to = "" if device == "cpu" else f".to({device!r})"
        zeros = lambda shape: f"torch.zeros({shape!r}, device={device!r})"
        args = [zeros(self.x)]
        if self.h is not None:
            args.append(f"({zeros(self.h)}, {zeros(self.c)})" if self.spec.has_cell_state else zeros(self.h))
        impl = implementation.current()
        module = f"module = {call_source(impl.expression(self.spec.kind), **self.constructor)}{to}"
        return "\n".join([impl.imports, module, f"module({', '.join(args)})"])


def call_with(spec: Spec, x: tuple[int, ...], state: dict[str, tuple[int, ...]]) -> Call:
    return Call(spec, x, state.get("h"), state.get("c"))


def x_shape(spec: Spec, batch: int | None, seq_len: int = 1, features: int | None = None) -> tuple[int, ...]:
    """The documented input shape, with `features` in place of input_size if given."""
    f = spec.input_size if features is None else features
    if spec.is_cell:
        return (f,) if batch is None else (batch, f)
    if batch is None:
        return (seq_len, f)
    return (batch, seq_len, f) if spec.batch_first else (seq_len, batch, f)


def state_shape(spec: Spec, batch: int | None, features: int, rows: int | None = None) -> tuple[int, ...]:
    lead = () if spec.is_cell else (spec.directions * spec.num_layers if rows is None else rows,)
    return (*lead, *(() if batch is None else (batch,)), features)


def features_of(spec: Spec, state: str) -> int:
    return spec.out_size if state == "h" else spec.hidden_size


def states(spec: Spec, batch: int | None) -> dict[str, tuple[int, ...]]:
    """The documented shapes of h_0 and, for LSTMs, c_0."""
    names = ["h", "c"] if spec.has_cell_state else ["h"]
    return {name: state_shape(spec, batch, features_of(spec, name)) for name in names}


def with_dims(shape: tuple[int, ...], ndim: int) -> tuple[int, ...]:
    """`shape` given `ndim` dimensions the way callers get it wrong: dropping the batch (or more),
    or adding a batch of 1 before the features and then leading ones."""
    if ndim == 0:
        return ()
    if ndim <= len(shape):
        return (*shape[: ndim - 1], shape[-1])
    return (1,) * (ndim - len(shape) - 1) + (*shape[:-1], 1, shape[-1])


def hidden_fragment(spec: Spec, state: str) -> str:
    if not spec.has_cell_state:
        return "Expected hidden size"
    return f"Expected hidden[{0 if state == 'h' else 1}] size"


def check_raises(
    claim: Claim,
    variant: str,
    module: torch.nn.Module,
    call: Call,
    device: str,
    exc_type: type[Exception],
    fragment: str,
) -> None:
    run = lambda: call.run(module, device)
    expect_raises(claim, variant, exc_type, fragment, run, call.describe(), call.repro(device))


def check_accepted(claim: Claim, variant: str, module: torch.nn.Module, call: Call, device: str) -> None:
    with torch.no_grad():
        expect_accepted(claim, variant, lambda: call.run(module, device), call.describe(), call.repro(device))


# Strategies ----------------------------------------------------------------------------------

ints = functools.cache(st.integers)
choices = functools.cache(lambda *values: st.sampled_from(values))
"""The strategies that examples draw from are built once each: Hypothesis validates every new one."""


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
batches = st.one_of(st.none(), ints(1, 4))
seq_lens = ints(1, 3)
small_sizes = ints(1, 6)
small_layers = ints(1, 2)
spec_dropouts = choices(0.0, 0.5, 1.0)
layer_counts = st.one_of(choices(1), ints(1, 3))
non_int_sizes = st.one_of(st.floats(), ints(1, 64).map(float), ints(1, 64).map(str), st.none())


@functools.cache
def proj_sizes_refused(hidden_size: int) -> st.SearchStrategy[int]:
    """proj_size < 0, or >= hidden_size (equal to it more often than not)."""
    return st.one_of(ints(max_value=-1), choices(hidden_size), ints(hidden_size, 4 * hidden_size + 4))


@functools.cache
def any_proj_sizes(hidden_size: int) -> st.SearchStrategy[int]:
    return st.one_of(choices(0), ints(-2, hidden_size + 2))


@st.composite
def small_specs(draw: st.DrawFn, variant: str) -> Spec:
    """Every constructor argument of `variant`, with sizes up to 6 and at most 2 layers: no error or warning
    claimed here depends on the sizes, and the calls a check expects to succeed stay cheap."""
    examples.note()
    fixed = VARIANTS[variant]
    spec = Spec(
        kind=str(fixed["kind"]),
        nonlinearity=str(fixed.get("nonlinearity", "tanh")),
        input_size=draw(small_sizes, label="input_size"),
        hidden_size=draw(ints(2, 6) if variant == "LSTM_PROJ" else small_sizes, label="hidden_size"),
        bias=draw(st.booleans(), label="bias"),
    )
    if spec.is_cell:
        return spec
    spec = spec.with_(
        num_layers=draw(small_layers, label="num_layers"),
        bidirectional=draw(st.booleans(), label="bidirectional"),
        batch_first=draw(st.booleans(), label="batch_first"),
        dropout=draw(spec_dropouts, label="dropout"),
    )
    if variant == "LSTM_PROJ":
        spec = spec.with_(proj_size=draw(ints(1, spec.hidden_size - 1), label="proj_size"))
    return spec


@functools.cache
def other_than(expected: int, upper: int, *likely: int, lower: int = 1) -> st.SearchStrategy[int]:
    """A size in [lower, upper] other than `expected` (which lies in that range): often one of `likely`,
    the sizes a caller would confuse it with, else any."""
    anything = st.integers(lower, upper - 1).map(lambda n: n + (n >= expected))
    plausible = sorted({n for n in likely if n != expected and n >= lower})
    return st.one_of(st.sampled_from(plausible), anything) if plausible else anything


def wrong_states(spec: Spec) -> st.SearchStrategy[str]:
    """Which state a check gets wrong: h, or for LSTMs c or both."""
    return choices("h", "c", "both") if spec.has_cell_state else choices("h")


# Construction --------------------------------------------------------------------------------


@DROPOUT_RANGE.mark
@DROPOUT_RANGE.each_variant
@given(data=st.data())
def test_dropout_outside_range_is_refused(variant: str, data: st.DataObject) -> None:
    spec = data.draw(small_specs(variant), label="spec")
    dropout = data.draw(out_of_range_dropouts, label="dropout")
    expect_constructor_raises(DROPOUT_RANGE, variant, spec, ValueError, DROPOUT_MESSAGE, dropout=dropout)


@DROPOUT_BOOL.mark
@DROPOUT_BOOL.each_variant
@given(data=st.data())
def test_bool_dropout_is_refused(variant: str, data: st.DataObject) -> None:
    spec = data.draw(small_specs(variant), label="spec")
    dropout = data.draw(st.booleans(), label="dropout")
    expect_constructor_raises(DROPOUT_BOOL, variant, spec, ValueError, DROPOUT_MESSAGE, dropout=dropout)


@DROPOUT_TYPE.mark
@DROPOUT_TYPE.each_variant
@given(data=st.data())
def test_non_number_dropout_is_refused(variant: str, data: st.DataObject) -> None:
    spec = data.draw(small_specs(variant), label="spec")
    dropout = data.draw(convertible_non_numbers, label="dropout")
    expect_constructor_raises(DROPOUT_TYPE, variant, spec, ValueError, DROPOUT_MESSAGE, dropout=dropout)


@DROPOUT_UNCONVERTIBLE.mark
@DROPOUT_UNCONVERTIBLE.each_variant
@given(data=st.data())
def test_unconvertible_dropout_is_refused(variant: str, data: st.DataObject) -> None:
    spec = data.draw(small_specs(variant), label="spec")
    dropout = data.draw(unconvertible_non_numbers, label="dropout")
    expect_constructor_raises(DROPOUT_UNCONVERTIBLE, variant, spec, ValueError, DROPOUT_MESSAGE, dropout=dropout)


@HIDDEN_SIZE.mark
@HIDDEN_SIZE.each_variant
@given(data=st.data())
def test_hidden_size_not_positive_is_refused(variant: str, data: st.DataObject) -> None:
    spec = data.draw(small_specs(variant), label="spec")
    hidden_size = data.draw(ints(max_value=0), label="hidden_size")
    fragment = "hidden_size must be greater than zero"
    expect_constructor_raises(HIDDEN_SIZE, variant, spec, ValueError, fragment, hidden_size=hidden_size)


@HIDDEN_SIZE_TYPE.mark
@HIDDEN_SIZE_TYPE.each_variant
@given(data=st.data())
def test_hidden_size_not_int_is_refused(variant: str, data: st.DataObject) -> None:
    spec = data.draw(small_specs(variant), label="spec")
    hidden_size = data.draw(non_int_sizes, label="hidden_size")
    fragment = "hidden_size should be of type int"
    expect_constructor_raises(HIDDEN_SIZE_TYPE, variant, spec, TypeError, fragment, hidden_size=hidden_size)


@NUM_LAYERS.mark
@NUM_LAYERS.each_variant
@given(data=st.data())
def test_num_layers_not_positive_is_refused(variant: str, data: st.DataObject) -> None:
    spec = data.draw(small_specs(variant), label="spec")
    num_layers = data.draw(ints(max_value=0), label="num_layers")
    fragment = "num_layers must be greater than zero"
    expect_constructor_raises(NUM_LAYERS, variant, spec, ValueError, fragment, num_layers=num_layers)


@PROJ_SIZE.mark
@PROJ_SIZE.each_variant
@given(data=st.data())
def test_proj_size_out_of_range_is_refused(variant: str, data: st.DataObject) -> None:
    spec = data.draw(small_specs(variant), label="spec")
    proj_size = data.draw(proj_sizes_refused(spec.hidden_size), label="proj_size")
    if proj_size < 0:
        fragment = "proj_size should be a positive integer or zero to disable projections"
    else:
        fragment = "proj_size has to be smaller than hidden_size"
    expect_constructor_raises(PROJ_SIZE, variant, spec, ValueError, fragment, proj_size=proj_size)


@PROJ_SIZE_UNSUPPORTED.mark
@PROJ_SIZE_UNSUPPORTED.each_variant
@given(data=st.data())
def test_proj_size_is_refused_by_rnn_and_gru(variant: str, data: st.DataObject) -> None:
    spec = data.draw(small_specs(variant), label="spec")
    proj_size = data.draw(any_proj_sizes(spec.hidden_size), label="proj_size")
    fragment = "proj_size argument is only supported for LSTM, not RNN or GRU"
    expect_constructor_raises(PROJ_SIZE_UNSUPPORTED, variant, spec, ValueError, fragment, proj_size=proj_size)


@NONLINEARITY.mark
@NONLINEARITY.each_variant
@given(data=st.data())
def test_unknown_nonlinearity_is_refused_by_rnn(variant: str, data: st.DataObject) -> None:
    spec = data.draw(small_specs(variant), label="spec")
    nonlinearity = data.draw(bad_nonlinearities, label="nonlinearity")
    fragment = "Unknown nonlinearity"
    expect_constructor_raises(NONLINEARITY, variant, spec, ValueError, fragment, nonlinearity=nonlinearity)


@CELL_NONLINEARITY.mark
@CELL_NONLINEARITY.each_variant
@given(data=st.data())
def test_unknown_nonlinearity_fails_the_cell_at_forward(variant: str, device: str, data: st.DataObject) -> None:
    spec = data.draw(small_specs(variant), label="spec")
    kwargs = spec.constructor_kwargs() | {"nonlinearity": data.draw(bad_nonlinearities, label="nonlinearity")}
    module, caught = construct_recording_warnings(CELL_NONLINEARITY, variant, spec.kind, kwargs)
    if caught:
        source = call_source(f"nn.{spec.kind}", **kwargs)
        finding = f"{source} warned {describe_warnings(caught)}; the documentation defers the check to forward"
        fail(CELL_NONLINEARITY, variant, finding, repro=f"import torch\ntorch.{source}")
    call = Call(spec, x_shape(spec, data.draw(batches, label="batch")), kwargs=kwargs)
    check_raises(CELL_NONLINEARITY, variant, module.to(device), call, device, RuntimeError, "Unknown nonlinearity")


@VALID.mark
@VALID.each_variant
@given(data=st.data())
def test_valid_arguments_neither_raise_nor_warn(variant: str, data: st.DataObject) -> None:
    spec = data.draw(specs(variant), label="spec")
    # Both ends of [0, 1] are valid; 1 is checked every time, since a drawn value rarely lands on it.
    dropouts = [None] if spec.is_cell else [data.draw(valid_dropouts, label="dropout"), 1]
    for dropout in dropouts:
        if dropout is not None:
            spec = spec.with_(dropout=dropout)
        kwargs = spec.constructor_kwargs()
        _, caught = construct_recording_warnings(VALID, variant, spec.kind, kwargs)
        documented = not spec.is_cell and spec.dropout > 0 and spec.num_layers == 1
        unexpected = [w for w in caught if not (documented and is_dropout_warning(w))]
        if unexpected:
            source = call_source(f"nn.{spec.kind}", **kwargs)
            other = "other than the dropout warning " if documented else ""
            finding = f"{source} warned {describe_warnings(unexpected)}; the documentation gives no warning {other}here"
            fail(VALID, variant, finding, repro=f"import torch\ntorch.{source}")


@DROPOUT_WARNING.mark
@DROPOUT_WARNING.each_variant
@given(data=st.data())
def test_dropout_warning_exactly_for_one_layer(variant: str, data: st.DataObject) -> None:
    spec = data.draw(small_specs(variant), label="spec").with_(
        num_layers=data.draw(layer_counts, label="num_layers"),
        dropout=data.draw(valid_dropouts, label="dropout"),
    )
    kwargs = spec.constructor_kwargs()
    _, caught = construct_recording_warnings(DROPOUT_WARNING, variant, spec.kind, kwargs)
    expected = 1 if spec.dropout > 0 and spec.num_layers == 1 else 0
    emitted = sum(1 for w in caught if is_dropout_warning(w))
    if emitted != expected:
        source = call_source(f"nn.{spec.kind}", **kwargs)
        finding = (
            f"{source} emitted {emitted} dropout UserWarnings where the documentation says {expected} "
            f"(dropout={spec.dropout!r}, num_layers={spec.num_layers}); warnings seen: {describe_warnings(caught)}"
        )
        fail(DROPOUT_WARNING, variant, finding, repro=f"import torch\ntorch.{source}")


# Forward, full modules -----------------------------------------------------------------------


@INPUT_DIMS.mark
@INPUT_DIMS.each_variant
@given(data=st.data())
def test_input_neither_2d_nor_3d_is_refused(variant: str, device: str, data: st.DataObject) -> None:
    spec = data.draw(small_specs(variant), label="spec")
    ndim = data.draw(choices(0, 1, 4, 5), label="input dimensions")
    lead = data.draw(st.tuples(*[ints(1, 3)] * max(ndim - 1, 0)), label="leading sizes")
    call = Call(spec, () if ndim == 0 else (*lead, spec.input_size))
    module = build_module(spec, torch.float32, device)
    check_raises(INPUT_DIMS, variant, module, call, device, ValueError, "Expected input to be 2D or 3D")


@HX_DIMS.mark
@HX_DIMS.each_variant
@given(data=st.data())
def test_state_batched_unlike_the_input_is_refused(variant: str, device: str, data: st.DataObject) -> None:
    spec = data.draw(small_specs(variant), label="spec")
    batch, seq_len = data.draw(batches, label="batch"), data.draw(seq_lens, label="seq_len")
    expected = 2 if batch is None else 3
    ndim = data.draw(choices(*(n for n in range(5) if n != expected)), label="state dimensions")
    wrong = data.draw(wrong_states(spec), label="wrong state")
    state = {k: with_dims(s, ndim) if wrong in (k, "both") else s for k, s in states(spec, batch).items()}
    call = call_with(spec, x_shape(spec, batch, seq_len), state)
    fragment = "For unbatched 2-D input, hx" if batch is None else "For batched 3-D input, hx"
    module = build_module(spec, torch.float32, device)
    check_raises(HX_DIMS, variant, module, call, device, RuntimeError, fragment)


@INPUT_SIZE.mark
@INPUT_SIZE.each_variant
@given(data=st.data())
def test_input_of_the_wrong_size_is_refused(variant: str, device: str, data: st.DataObject) -> None:
    spec = data.draw(small_specs(variant), label="spec")
    batch, seq_len = data.draw(batches, label="batch"), data.draw(seq_lens, label="seq_len")
    size = spec.input_size
    features = data.draw(other_than(size, 2 * size + 2, size + 1, size - 1, lower=0), label="input features")
    state = states(spec, batch) if data.draw(st.booleans(), label="h_0 given") else {}
    call = call_with(spec, x_shape(spec, batch, seq_len, features), state)
    fragment = "input.size(-1) must be equal to input_size"
    module = build_module(spec, torch.float32, device)
    check_raises(INPUT_SIZE, variant, module, call, device, RuntimeError, fragment)


@HX_SHAPE.mark
@HX_SHAPE.each_variant
@given(data=st.data())
def test_state_of_the_wrong_shape_is_refused(variant: str, device: str, data: st.DataObject) -> None:
    spec = data.draw(small_specs(variant), label="spec")
    batch, seq_len = data.draw(batches, label="batch"), data.draw(seq_lens, label="seq_len")
    module = build_module(spec, torch.float32, device)
    x, state = x_shape(spec, batch, seq_len), states(spec, batch)
    check_accepted(HX_SHAPE, variant, module, call_with(spec, x, state), device)
    wrong = data.draw(choices(*state), label="wrong state")
    features, rows = features_of(spec, wrong), spec.directions * spec.num_layers
    if data.draw(choices("rows", "features"), label="wrong dimension") == "rows":
        likely = (spec.num_layers, 2 * spec.num_layers, rows + 1)
        rows = data.draw(other_than(rows, 2 * rows + 1, *likely), label="rows")
    else:
        likely = (spec.hidden_size, spec.proj_size, spec.input_size, 2 * features)
        features = data.draw(other_than(features, 2 * spec.hidden_size + 2, *likely), label="features")
    state[wrong] = state_shape(spec, batch, features, rows)
    fragment = hidden_fragment(spec, wrong)
    check_raises(HX_SHAPE, variant, module, call_with(spec, x, state), device, RuntimeError, fragment)


@HX_BATCH_SIZE.mark
@HX_BATCH_SIZE.each_variant
@given(data=st.data())
def test_state_of_another_batch_size_is_refused(variant: str, device: str, data: st.DataObject) -> None:
    spec = data.draw(small_specs(variant), label="spec")
    batch, seq_len = data.draw(ints(1, 4), label="batch"), data.draw(seq_lens, label="seq_len")
    other = data.draw(other_than(batch, 6, 1, seq_len, lower=0), label="state batch")
    wrong = data.draw(wrong_states(spec), label="wrong state")
    state = {
        k: state_shape(spec, other, features_of(spec, k)) if wrong in (k, "both") else s
        for k, s in states(spec, batch).items()
    }
    call = call_with(spec, x_shape(spec, batch, seq_len), state)
    fragment = hidden_fragment(spec, "c" if wrong == "c" else "h")
    module = build_module(spec, torch.float32, device)
    check_raises(HX_BATCH_SIZE, variant, module, call, device, RuntimeError, fragment)


@ZERO_LENGTH.mark
@ZERO_LENGTH.each_variant
@given(data=st.data())
def test_empty_sequence_is_refused(variant: str, device: str, data: st.DataObject) -> None:
    spec = data.draw(small_specs(variant), label="spec")
    batch = data.draw(batches, label="batch")
    state = states(spec, batch) if data.draw(st.booleans(), label="h_0 given") else {}
    call = call_with(spec, x_shape(spec, batch, seq_len=0), state)
    fragment = "Expected sequence length to be larger than 0"
    module = build_module(spec, torch.float32, device)
    check_raises(ZERO_LENGTH, variant, module, call, device, RuntimeError, fragment)


# Forward, cells ------------------------------------------------------------------------------


@CELL_DIMS.mark
@CELL_DIMS.each_variant
@given(data=st.data())
def test_cell_arguments_neither_1d_nor_2d_are_refused(variant: str, device: str, data: st.DataObject) -> None:
    spec = data.draw(small_specs(variant), label="spec")
    batch = data.draw(batches, label="batch")
    ndim = data.draw(choices(0, 3, 4), label="dimensions")
    wrong = data.draw(choices("input", *states(spec, batch)), label="wrong argument")
    given_state = wrong != "input" or data.draw(st.booleans(), label="hidden given")
    x, state = x_shape(spec, batch), states(spec, batch) if given_state else {}
    if wrong == "input":
        x, fragment = with_dims(x, ndim), "Expected input to be 1D or 2D"
    else:
        state[wrong] = with_dims(state[wrong], ndim)
        name = f"hx[{0 if wrong == 'h' else 1}]" if spec.has_cell_state else "hidden"
        fragment = f"Expected {name} to be 1D or 2D"
    module = build_module(spec, torch.float32, device)
    check_raises(CELL_DIMS, variant, module, call_with(spec, x, state), device, ValueError, fragment)


@CELL_INPUT_SIZE.mark
@CELL_INPUT_SIZE.each_variant
@given(data=st.data())
def test_cell_input_of_the_wrong_size_is_refused(variant: str, device: str, data: st.DataObject) -> None:
    spec = data.draw(small_specs(variant), label="spec")
    batch, size = data.draw(batches, label="batch"), spec.input_size
    features = data.draw(other_than(size, 2 * size + 2, size + 1, size - 1, lower=0), label="input features")
    state = states(spec, batch) if data.draw(st.booleans(), label="hidden given") else {}
    call = call_with(spec, x_shape(spec, batch, features=features), state)
    module = build_module(spec, torch.float32, device)
    check_raises(CELL_INPUT_SIZE, variant, module, call, device, RuntimeError, "input has inconsistent input_size")


@CELL_HIDDEN_SIZE.mark
@CELL_HIDDEN_SIZE.each_variant
@given(data=st.data())
def test_cell_hidden_of_the_wrong_size_is_refused(variant: str, device: str, data: st.DataObject) -> None:
    spec = data.draw(small_specs(variant), label="spec")
    batch, h = data.draw(batches, label="batch"), spec.hidden_size
    module = build_module(spec, torch.float32, device)
    x, state = x_shape(spec, batch), states(spec, batch)
    check_accepted(CELL_HIDDEN_SIZE, variant, module, call_with(spec, x, state), device)
    wrong = data.draw(choices(*state), label="wrong state")
    features = data.draw(other_than(h, 2 * h + 2, h + 1, h - 1, spec.input_size), label="features")
    state[wrong] = state_shape(spec, batch, features)
    fragment = f"hidden{0 if wrong == 'h' else 1} has inconsistent hidden_size"
    check_raises(CELL_HIDDEN_SIZE, variant, module, call_with(spec, x, state), device, RuntimeError, fragment)


@CELL_BATCH_SIZE.mark
@CELL_BATCH_SIZE.each_variant
@given(data=st.data())
def test_cell_hidden_of_another_batch_size_is_refused(variant: str, device: str, data: st.DataObject) -> None:
    spec = data.draw(small_specs(variant), label="spec")
    batch = data.draw(ints(1, 4), label="batch")
    other = data.draw(other_than(batch, 6, 1, lower=0), label="hidden batch")
    wrong = data.draw(wrong_states(spec), label="wrong state")
    state = {
        k: state_shape(spec, other, features_of(spec, k)) if wrong in (k, "both") else s
        for k, s in states(spec, batch).items()
    }
    fragment = f"doesn't match hidden{1 if wrong == 'c' else 0} batch size"
    module = build_module(spec, torch.float32, device)
    check_raises(
        CELL_BATCH_SIZE, variant, module, call_with(spec, x_shape(spec, batch), state), device, RuntimeError, fragment
    )
