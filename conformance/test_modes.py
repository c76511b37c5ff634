"""Beyond eager mode: the same values under TorchScript, torch.compile, functional_call, copies,
serialisation, dtype conversion, reassigned and tied parameters.

Every mode is a row of ROWS: its claims, how its examples are drawn and how the module is put into
the mode (run/modes.py). Two generic checks run every row: its outputs, and its gradients where
the row has a gradient claim, each compared with the reference through run() and judge(). A mode
that raises is a failure of its claim; a mode that the installed torch does not offer at all (no
torch.jit.script or torch.compile, no dynamo setting allow_rnn, or dynamo refusing to trace the
module) is skipped with the reason.

Sizes. These claims are about how weights reach the kernels, not about the kernels' arithmetic, so
the drawn configurations are capped small (sizes.SMALL). TorchScript and torch.compile take seconds
to compile a module, so their rows run one fixed configuration per variant (SCRIPT_SPECS,
COMPILE_SPECS) whose compiled module is kept and reloaded with each example's weights. The compile
row compiles with dynamic shapes and keeps one sequence length (COMPILE_SEQ_LEN: torch unrolls the
time loop, so every length is a graph of its own), drawing the batch sizes that one graph serves
(COMPILE_BATCHES); its checks (test_compile_*) carry the marker `rnn_slow_compile`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from conformance.claims import Claim
from conformance.claims.modes import (
    COMPILE,
    COMPILE_GRADIENTS,
    DEEPCOPY,
    DEVICE_ROUND_TRIP,
    FLATTEN,
    FUNCTIONAL,
    FUNCTIONAL_GRADIENTS,
    META_DEVICE,
    PICKLE,
    SCRIPT,
    STATE_DICT,
    TIED,
    TO_DTYPE,
    WEIGHTS_ONLY,
)
from conformance.draw.example import Example, make_example, with_upstream
from conformance.draw.sizes import SMALL
from conformance.draw.strategies import Inputs, configurations, inputs, weights, within
from conformance.judge.compare import ConformanceError, fail, judge
from conformance.oracle.expected import expected
from conformance.oracle.tolerances import forward_tolerance, gradient_tolerance
from conformance.run import modes
from conformance.run.modes import Call
from conformance.run.torch_run import run
from conformance.variants import VARIANTS
from reference import Spec, parameter_table

F64, F32 = torch.float64, torch.float32

# Configurations ------------------------------------------------------------------------------

SEED = st.integers(0, 2**32 - 1)
SUBSET = st.integers(0, 2**32 - 1)
"""A subset of up to 32 things, as bits; it shrinks towards the first thing alone."""
TARGETS = st.sampled_from([F64, F32])


def subset(items: list, bits: int) -> list:
    """The items whose bit is set in `bits`, or the first item if none is."""
    return [item for k, item in enumerate(items) if bits >> k & 1] or items[:1]


def small_example(data: st.DataObject, variant: str, dtype: torch.dtype, device: str) -> Example:
    return make_example(*data.draw(configurations(variant, SMALL), label="configuration"), dtype, device)


def tieable_example(data: st.DataObject, variant: str, dtype: torch.dtype, device: str) -> Example:
    """A small example with two parameters of one role and shape, at least: biases if nothing else."""
    spec, shape, weights = data.draw(configurations(variant, SMALL), label="configuration")
    if not modes.tie_candidates(parameter_table(spec)):
        spec = spec.with_(bias=True)
    return make_example(spec, shape, weights, dtype, device)


def fixed_spec(variant: str, **arguments: object) -> Spec:
    """The variant at input_size 3, hidden_size 4 (proj_size 2 for LSTM_PROJ), two layers for full modules."""
    fixed = VARIANTS[variant]
    spec = Spec(
        kind=str(fixed["kind"]), input_size=3, hidden_size=4, nonlinearity=str(fixed.get("nonlinearity", "tanh"))
    )
    if spec.is_cell:
        return spec.with_(bias=bool(arguments.get("bias", True)))
    spec = spec.with_(num_layers=2, proj_size=2 if variant == "LSTM_PROJ" else 0)
    return spec.with_(**arguments)


SCRIPT_SPECS = {v: fixed_spec(v, bidirectional=True, batch_first=False, bias=False, dropout=0.5) for v in VARIANTS}
"""What is scripted: bidirectional, two layers, no biases, dropout 0.5 (off: modules are in eval mode)."""
COMPILE_SPECS = {v: fixed_spec(v, bidirectional=True, batch_first=True, bias=True) for v in VARIANTS}
"""What is compiled: bidirectional, two layers, batch_first, with biases."""
COMPILE_SEQ_LEN = 5
"""The sequence length compiled, as before dynamic shapes. torch unrolls the time loop, so each length
is a graph of its own, whose compile time grows with the length (length 2 compiled the group cold in
2.5 minutes instead of 7 here; not taken, since it would check less)."""
COMPILE_BATCHES = st.integers(6, 9)
"""The batch sizes drawn, which one dynamic-shape graph serves: above 1 and every other size of the
call (2 to 5), since dynamo specialises a size of 1 and gives equal sizes one symbol, which the
weights' sizes or the sequence length then fix."""


def script_example(data: st.DataObject, variant: str, dtype: torch.dtype, device: str) -> Example:
    """SCRIPT_SPECS[variant] with drawn inputs (of any shape within SMALL) and weights."""
    spec = SCRIPT_SPECS[variant]
    shape = data.draw(within(SMALL, inputs(spec)), label="inputs")
    return make_example(spec, shape, data.draw(weights(), label="weights"), dtype, device)


def compile_example(data: st.DataObject, variant: str, dtype: torch.dtype, device: str) -> Example:
    """COMPILE_SPECS[variant] on a drawn batch of COMPILE_SEQ_LEN steps, h_0 (and c_0) given, with
    drawn values and weights."""
    batch = data.draw(COMPILE_BATCHES, label="batch")
    shape = Inputs(COMPILE_SEQ_LEN, batch, hx=True, seed=data.draw(SEED, label="input seed"))
    return make_example(COMPILE_SPECS[variant], shape, data.draw(weights(), label="weights"), dtype, device)


# Modes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Staged:
    """A drawn example in a row's mode, before torch runs: the example (without upstream gradients
    yet), what the mode drew besides it, and the build that puts a module into the mode."""

    example: Example
    build: Callable[[Example], Call]
    drawn: str = ""


Draw = Callable[[st.DataObject, str, torch.dtype, str], Example]
Stage = Callable[[st.DataObject, Example], Staged]


def plain(build: Callable[[Example], Call]) -> Stage:
    """The stage of a mode that draws nothing of its own."""
    return lambda data, example: Staged(example, build)


def to_dtype(data: st.DataObject, example: Example) -> Staged:
    """Converted into float64 or float32, drawn; the module is built in the other dtype."""
    target = data.draw(TARGETS, label="converted to")
    source = F32 if target == F64 else F64
    drawn = f"built in {source}, .to({target})" + (", then loaded" if target == F64 else " after loading")
    return Staged(example, functools.partial(modes.converted, target=target), drawn)


def reassigned(data: st.DataObject, example: Example) -> Staged:
    names = subset(list(example.params), data.draw(SUBSET, label="reassigned parameters, as bits"))
    return Staged(example, functools.partial(modes.reassigned, names=names), ", ".join(names))


def tied(data: st.DataObject, example: Example) -> Staged:
    pairs = modes.tie_candidates(parameter_table(example.spec))
    ties = subset(pairs, data.draw(SUBSET, label="ties, as bits"))
    example = replace(example, params=modes.tied_params(example.params, ties))
    drawn = ", ".join(f"{alias} = {source}" for alias, source in ties)
    return Staged(example, functools.partial(modes.tied, ties=ties), drawn)


@dataclass(frozen=True)
class Row:
    """A mode: its claims, how its examples are drawn and put into the mode, and how it is described."""

    values: Claim
    how: str
    """The mode, as a failure names it."""
    draw: Draw
    stage: Stage
    gradients: Claim | None = None
    dtypes: Sequence[torch.dtype | None] = (F64,)
    """None: the row has no dtype of its own (its stage draws it)."""
    gradient_dtypes: Sequence[torch.dtype] = (F64,)
    slow: bool = False
    """Its checks are the compile group (marker rnn_slow_compile), left out unless asked for."""
    afterwards: Callable[[Call], Call] | None = None
    """A second call the values check runs after the mode's own, made from it."""

    @property
    def name(self) -> str:
        return self.values.mode


ROWS = [
    Row(
        SCRIPT, "torch.jit.script (a full module called from a scripted module)", script_example, plain(modes.scripted)
    ),
    Row(
        COMPILE,
        "torch.compile(module, fullgraph=True, dynamic=True)",
        compile_example,
        plain(modes.compiled),
        gradients=COMPILE_GRADIENTS,
        dtypes=(F64, F32),
        slow=True,
    ),
    Row(
        FUNCTIONAL,
        "torch.func.functional_call(module, params, args), the module holding the negated weights",
        small_example,
        plain(modes.functional),
        gradients=FUNCTIONAL_GRADIENTS,
        afterwards=modes.module_itself,
    ),
    Row(
        STATE_DICT,
        "load_state_dict(state_dict) into a module holding the negated weights",
        small_example,
        plain(modes.state_dict_round_trip),
    ),
    Row(
        DEEPCOPY,
        "copy.deepcopy(module), the original then loaded with the negated weights",
        small_example,
        plain(modes.deep_copied),
    ),
    Row(PICKLE, "torch.save(module) and torch.load(weights_only=False)", small_example, plain(modes.pickled)),
    Row(
        WEIGHTS_ONLY,
        "torch.save(state_dict) and torch.load(weights_only=True) into a module holding the negated weights",
        small_example,
        plain(modes.weights_only_round_trip),
    ),
    Row(
        META_DEVICE,
        "built on the meta device, to_empty(device=...), reset_parameters(), then loaded",
        small_example,
        plain(modes.meta_materialised),
        dtypes=(F64, F32),
    ),
    Row(DEVICE_ROUND_TRIP, ".to(device), .cpu(), .to(device)", small_example, plain(modes.device_round_trip)),
    Row(TO_DTYPE, "module.to(dtype)", small_example, to_dtype, dtypes=(None,)),
    Row(FLATTEN, "flatten_parameters() after reassigning new Parameters", small_example, reassigned),
    Row(TIED, "tied parameters", tieable_example, tied),
]
BY_CLAIM = {claim: row for row in ROWS for claim in (row.values, row.gradients) if claim is not None}


# Generic checks ------------------------------------------------------------------------------


@contextmanager
def mode_failures(claim: Claim, variant: str, what: str, case: Example) -> Iterator[None]:
    """An exception from torch inside the block fails the claim; an unsupported mode skips the check."""
    try:
        yield
    except modes.ModeUnsupported as exc:
        pytest.skip(str(exc))
    except ConformanceError:
        raise
    except Exception as exc:
        fail(claim, variant, f"{what} raised {modes.first_line(exc)}", case)


def staged(row: Row, data: st.DataObject, variant: str, dtype: torch.dtype | None, device: str) -> Staged:
    example = row.draw(data, variant, dtype or F64, device)
    return row.stage(data, replace(example, mode=row.name))


def described(row: Row, drawn: str, call: Call | None = None) -> str:
    """The row's mode, what its stage drew and what the call adds, for failures (judge's `how`)."""
    how = f"{row.how}: {drawn}" if drawn else row.how
    return f"{how}, {call.how}" if call and call.how else how


def judged_call(claim: Claim, variant: str, how: str, call: Call) -> None:
    """run() on the call, every output (and gradient, given upstream ones) judged against the reference."""
    example = call.example
    with mode_failures(claim, variant, how, example):
        result = run(example, call.forward, call.parameters)
    reference = expected(example)
    tol = forward_tolerance(example.spec, example.seq_len, example.dtype)
    for name, value in reference.outputs.items():
        judge(claim, variant, example, name, result.outputs[name], value, tol, how=how)
    if reference.gradients is not None:
        assert result.gradients is not None
        tol = gradient_tolerance(example.spec, example.seq_len, example.dtype)
        for name in example.compared_gradients:
            judge(claim, variant, example, name, result.gradients[name], reference.gradients[name], tol, how=how)


def check_values(row: Row, variant: str, dtype: torch.dtype | None, device: str, data: st.DataObject) -> None:
    stage = staged(row, data, variant, dtype, device)
    how = described(row, stage.drawn)
    with mode_failures(row.values, variant, how, stage.example):
        call = stage.build(stage.example)
    judged_call(row.values, variant, how, call)
    if row.afterwards:
        then = row.afterwards(call)
        judged_call(row.values, variant, described(row, stage.drawn, then), then)


def check_gradients(row: Row, variant: str, dtype: torch.dtype, device: str, data: st.DataObject) -> None:
    assert row.gradients is not None
    stage = staged(row, data, variant, dtype, device)
    example = with_upstream(stage.example, data.draw(SEED, label="upstream seed"))
    how = "backward through " + described(row, stage.drawn)
    with mode_failures(row.gradients, variant, how, example):
        call = stage.build(example)
    judged_call(row.gradients, variant, how, call)


def cases(rows: Sequence[Row], gradients: bool) -> list[object]:
    """(row, variant, dtype) for every variant and dtype of each row's values (or gradient) claim."""
    params: list[object] = []
    for row in rows:
        claim = row.gradients if gradients else row.values
        if claim is None:
            continue
        marks = [claim.mark, *([pytest.mark.rnn_slow_compile] if row.slow else [])]
        for variant in claim.variants:
            for dtype in row.gradient_dtypes if gradients else row.dtypes:
                name = "-".join([row.name, variant, *([str(dtype)] if dtype else [])])
                params.append(pytest.param(row, variant, dtype, id=name, marks=marks))
    return params


def generic(name: str, body: Callable[..., None], rows: Sequence[Row], gradients: bool) -> Callable[..., None]:
    """A check named `name` that runs `body` on every row, variant and dtype (cases)."""

    @pytest.mark.parametrize(("row", "variant", "dtype"), cases(rows, gradients))
    @given(data=st.data())
    def check(row: Row, variant: str, dtype: torch.dtype | None, device: str, data: st.DataObject) -> None:
        body(row, variant, dtype, device, data)

    check.__name__ = check.__qualname__ = name
    return check


QUICK, SLOW = [row for row in ROWS if not row.slow], [row for row in ROWS if row.slow]
test_mode_values = generic("test_mode_values", check_values, QUICK, gradients=False)
test_mode_gradients = generic("test_mode_gradients", check_gradients, QUICK, gradients=True)
test_compile_values = generic("test_compile_values", check_values, SLOW, gradients=False)
test_compile_gradients = generic("test_compile_gradients", check_gradients, SLOW, gradients=True)


def check_for(claim: Claim) -> Callable[..., None]:
    """The check that runs `claim` (the meta-suite runs it with mutants); its row is BY_CLAIM[claim]."""
    row = BY_CLAIM[claim]
    if claim is row.gradients:
        return test_compile_gradients if row.slow else test_mode_gradients
    return test_compile_values if row.slow else test_mode_values
