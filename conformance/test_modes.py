"""Beyond eager mode: the same values under TorchScript, torch.compile, functional_call, copies,
serialisation, dtype conversion, reassigned and tied parameters.

Every check compares with the reference, as test_values does, after putting the module into its
mode (conformance/modes.py). A mode that raises is a failure of its claim; a mode that the installed
torch does not offer at all (no torch.jit.script or torch.compile, no dynamo setting allow_rnn, or
dynamo refusing to trace the module) is skipped with the reason.

Sizes. These claims are about how weights reach the kernels, not about the kernels' arithmetic, so
the drawn configurations are capped small (CAPS). TorchScript and torch.compile take seconds to
compile a module, so their checks run one fixed configuration per variant (SCRIPT_SPECS,
COMPILE_SPECS) whose compiled module is kept and reloaded with each example's weights; compile
checks also keep one input shape (COMPILE_INPUTS) and carry the marker `rnn_slow_compile`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from conformance.claims import Claim
from conformance.claims.modes import (
    COMPILE,
    COMPILE_GRADIENTS,
    DEEPCOPY,
    FLATTEN,
    FUNCTIONAL,
    FUNCTIONAL_GRADIENTS,
    PICKLE,
    SCRIPT,
    STATE_DICT,
    TIED,
    TO_DTYPE,
)
from conformance.draw.example import Example, make_example, with_upstream
from conformance.draw.strategies import Inputs, Weights
from conformance.gate import examples
from conformance.judge.compare import ConformanceError, fail, judge
from conformance.oracle.expected import expected_gradients, expected_outputs
from conformance.oracle.tolerances import forward_tolerance, gradient_tolerance
from conformance.run import modes
from conformance.run.torch_run import run
from conformance.variants import VARIANTS
from reference import Spec, parameter_table

F64, F32 = torch.float64, torch.float32
Arrays = dict[str, np.ndarray]


# Sizes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caps:
    """How large the configurations and inputs of the mode checks get."""

    seq_len: int = 5
    batch: int = 3
    hidden: int = 6
    input: int = 6
    layers: int = 2
    steps: int = 16
    """Cap on seq_len * num_layers * directions."""


CAPS = Caps()
SCALES = [0.5, 1.0, 4.0]
"""Weight scales (strategies.Weights); torch's own initialisation is left to test_values."""


FLAGS = ("bias", "bidirectional", "batch_first", "batched", "hx")
"""Drawn together as the bits of one integer, which shrinks towards all of them off."""
SEED = st.integers(0, 2**32 - 1)
SIZES = st.tuples(
    st.integers(1, CAPS.input),
    st.integers(1, CAPS.hidden),
    st.integers(1, CAPS.layers),
    st.integers(1, CAPS.hidden - 1),
    st.sampled_from([0.0, 0.5, 1.0]),
)
"""input_size, hidden_size, num_layers, proj_size (kept below hidden_size) and dropout."""
RUNS = st.tuples(
    st.integers(1, CAPS.seq_len),
    st.integers(1, CAPS.batch),
    st.integers(0, 2 ** len(FLAGS) - 1),
    SEED,
    st.sampled_from(SCALES),
)
"""seq_len, batch, the FLAGS, one seed (the inputs'; the weights' is the next one) and the weights' scale."""


SEED_AND_SCALE = st.tuples(SEED, st.sampled_from(SCALES))
SUBSET = st.integers(0, 2**32 - 1)
"""A subset of up to 32 things, as bits; it shrinks towards the first thing alone."""
TARGETS = st.sampled_from([F64, F32])


def subset(items: list, bits: int) -> list:
    """The items whose bit is set in `bits`, or the first item if none is."""
    return [item for k, item in enumerate(items) if bits >> k & 1] or items[:1]


def flags(bits: int) -> dict[str, bool]:
    return {name: bool(bits >> k & 1) for k, name in enumerate(FLAGS)}


def _run(spec: Spec, run: tuple[int, int, int, int, float]) -> tuple[Inputs, Weights]:
    seq_len, batch, bits, seed, scale = run
    on = flags(bits)
    if spec.is_cell:
        seq_len = 1
    else:
        seq_len = min(seq_len, max(1, CAPS.steps // (spec.num_layers * spec.directions)))
    inputs = Inputs(seq_len, batch if on["batched"] else None, on["hx"], seed)
    return inputs, Weights((seed + 1) % 2**32, scale)


def _configuration(variant: str, drawn: tuple[tuple, tuple]) -> tuple[Spec, Inputs, Weights]:
    (size_in, hidden, layers, proj, dropout), run = drawn
    fixed, on = VARIANTS[variant], flags(run[2])
    spec = Spec(
        kind=str(fixed["kind"]),
        nonlinearity=str(fixed.get("nonlinearity", "tanh")),
        input_size=size_in,
        hidden_size=max(hidden, 2) if variant == "LSTM_PROJ" else hidden,
        bias=on["bias"],
    )
    if not spec.is_cell:
        spec = spec.with_(
            num_layers=layers,
            bidirectional=on["bidirectional"],
            batch_first=on["batch_first"],
            dropout=dropout,
            proj_size=min(proj, spec.hidden_size - 1) if variant == "LSTM_PROJ" else 0,
        )
    return (spec, *_run(spec, run))


@functools.cache
def configurations(variant: str) -> st.SearchStrategy[tuple[Spec, Inputs, Weights]]:
    """Every constructor argument, the input's shape and the weights, within CAPS, in one draw.

    The strategy is built once per variant and draws few values (the FLAGS as one integer, one
    seed): the mode checks run many small examples, where building strategies per example (as
    strategies.specs does) or drawing each value apart would cost more than running them.
    """
    return st.tuples(SIZES, RUNS).map(functools.partial(_configuration, variant))


def small_configuration(data: st.DataObject, variant: str) -> tuple[Spec, Inputs, Weights]:
    examples.note()
    return data.draw(configurations(variant), label="spec, inputs, weights")


def small_example(data: st.DataObject, variant: str, dtype: torch.dtype, device: str) -> Example:
    return make_example(*small_configuration(data, variant), dtype, device)


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
COMPILE_INPUTS = {"seq_len": 5, "batch": 2, "hx": True}
"""The one input shape compiled: a batch of 2 sequences of 5 steps, h_0 (and c_0) given."""


def script_case(data: st.DataObject, variant: str, dtype: torch.dtype, device: str) -> Example:
    """SCRIPT_SPECS[variant] with drawn inputs (of any shape within CAPS) and weights."""
    examples.note()
    spec = SCRIPT_SPECS[variant]
    return make_example(spec, *_run(spec, data.draw(RUNS, label="inputs, weights")), dtype, device)


def compile_case(data: st.DataObject, variant: str, dtype: torch.dtype, device: str) -> Example:
    """COMPILE_SPECS[variant] on COMPILE_INPUTS with drawn values and weights."""
    examples.note()
    seed, scale = data.draw(SEED_AND_SCALE, label="seed, weights' scale")
    shape = Inputs(**COMPILE_INPUTS, seed=seed)
    return make_example(COMPILE_SPECS[variant], shape, Weights((seed + 1) % 2**32, scale), dtype, device)


# Comparisons -------------------------------------------------------------------------------


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


def assert_outputs(claim: Claim, variant: str, how: str, actual: Arrays, example: Example) -> None:
    """Every output equals the reference's for the example, within the forward tolerance."""
    tol = forward_tolerance(example.spec, example.seq_len, example.dtype)
    for name, expected in expected_outputs(example).items():
        judge(claim, variant, example, name, actual[name], expected, tol, how=how)


def check_mode(claim: Claim, variant: str, how: str, case: Example, forward: Callable[[], modes.Forward]) -> None:
    """forward() (the module put into its mode, `how`) run on the case gives the reference's outputs."""
    with mode_failures(claim, variant, how, case):
        actual = run(case, forward()).outputs
    assert_outputs(claim, variant, how, actual, case)


# Gradients ---------------------------------------------------------------------------------


def assert_gradients(claim: Claim, variant: str, how: str, example: Example, actual: Arrays) -> None:
    """Every gradient equals the reference's within the gradient tolerance."""
    expected = expected_gradients(example)
    tol = gradient_tolerance(example.spec, example.seq_len, example.dtype)
    for name in example.compared_gradients:
        judge(claim, variant, example, name, actual[name], expected[name], tol, how=how)


# TorchScript -------------------------------------------------------------------------------


@SCRIPT.mark
@pytest.mark.parametrize("mode", ["script"])
@pytest.mark.parametrize("dtype", [F64], ids=str)
@SCRIPT.each_variant
@given(data=st.data())
def test_script_values(variant: str, dtype: torch.dtype, mode: str, device: str, data: st.DataObject) -> None:
    case = script_case(data, variant, dtype, device)
    how = "torch.jit.script" + ("" if case.spec.is_cell else " of a module calling it")
    check_mode(SCRIPT, variant, how, case, lambda: modes.scripted(case))


# torch.compile -----------------------------------------------------------------------------


@pytest.mark.rnn_slow_compile
@COMPILE.mark
@pytest.mark.parametrize("mode", ["compile"])
@pytest.mark.parametrize("dtype", [F64, F32], ids=str)
@COMPILE.each_variant
@given(data=st.data())
def test_compile_values(variant: str, dtype: torch.dtype, mode: str, device: str, data: st.DataObject) -> None:
    case = compile_case(data, variant, dtype, device)
    check_mode(COMPILE, variant, "torch.compile(module, fullgraph=True)", case, lambda: modes.compiled(case))


@pytest.mark.rnn_slow_compile
@COMPILE_GRADIENTS.mark
@pytest.mark.parametrize("mode", ["compile"])
@pytest.mark.parametrize("dtype", [F64], ids=str)
@COMPILE_GRADIENTS.each_variant
@given(data=st.data())
def test_compile_gradients(variant: str, dtype: torch.dtype, mode: str, device: str, data: st.DataObject) -> None:
    case = compile_case(data, variant, dtype, device)
    case = with_upstream(case, data.draw(SEED, label="upstream seed"))
    how = "backward through torch.compile(module, fullgraph=True)"
    with mode_failures(COMPILE_GRADIENTS, variant, how, case):
        runner = modes.compiled(case)
        params = dict(runner.module.named_parameters())
        for p in params.values():
            p.grad = None
        gradients = run(case, runner, params).gradients
    assert gradients is not None
    assert_gradients(COMPILE_GRADIENTS, variant, how, case, gradients)


# torch.func.functional_call ----------------------------------------------------------------


@FUNCTIONAL.mark
@pytest.mark.parametrize("mode", ["functional"])
@pytest.mark.parametrize("dtype", [F64], ids=str)
@FUNCTIONAL.each_variant
@given(data=st.data())
def test_functional_call_values(variant: str, dtype: torch.dtype, mode: str, device: str, data: st.DataObject) -> None:
    case = small_example(data, variant, dtype, device)
    how = "torch.func.functional_call(module, params, args), the module holding the negated weights"
    with mode_failures(FUNCTIONAL, variant, how, case):
        module, params = modes.substituted(case)
        before = run(case, module).outputs
        actual = run(case, modes.FunctionalCall(module, params)).outputs
        after = run(case, module).outputs
    assert_outputs(FUNCTIONAL, variant, how, actual, case)
    for name, value in after.items():
        if not np.array_equal(value, before[name]):
            finding = (
                f"after functional_call the module's own {name} is {value.tolist()!r}, before it "
                f"{before[name].tolist()!r}: the module no longer computes with its own parameters"
            )
            fail(FUNCTIONAL, variant, finding, case)


@FUNCTIONAL_GRADIENTS.mark
@pytest.mark.parametrize("mode", ["functional"])
@pytest.mark.parametrize("dtype", [F64], ids=str)
@FUNCTIONAL_GRADIENTS.each_variant
@given(data=st.data())
def test_functional_call_gradients(
    variant: str, dtype: torch.dtype, mode: str, device: str, data: st.DataObject
) -> None:
    case = small_example(data, variant, dtype, device)
    case = with_upstream(case, data.draw(SEED, label="upstream seed"))
    how = "backward through torch.func.functional_call(module, params, args)"
    with mode_failures(FUNCTIONAL_GRADIENTS, variant, how, case):
        module, params = modes.substituted(case, requires_grad=True)
        gradients = run(case, modes.FunctionalCall(module, params), params).gradients
    assert gradients is not None
    assert_gradients(FUNCTIONAL_GRADIENTS, variant, how, case, gradients)


# Copies and serialisation ------------------------------------------------------------------


@STATE_DICT.mark
@pytest.mark.parametrize("mode", ["state_dict"])
@pytest.mark.parametrize("dtype", [F64], ids=str)
@STATE_DICT.each_variant
@given(data=st.data())
def test_state_dict_round_trip_values(
    variant: str, dtype: torch.dtype, mode: str, device: str, data: st.DataObject
) -> None:
    case = small_example(data, variant, dtype, device)
    how = "load_state_dict(module.state_dict()) into a fresh module holding the negated weights"
    check_mode(STATE_DICT, variant, how, case, lambda: modes.state_dict_round_trip(case))


@DEEPCOPY.mark
@pytest.mark.parametrize("mode", ["deepcopy"])
@pytest.mark.parametrize("dtype", [F64], ids=str)
@DEEPCOPY.each_variant
@given(data=st.data())
def test_deepcopy_values(variant: str, dtype: torch.dtype, mode: str, device: str, data: st.DataObject) -> None:
    case = small_example(data, variant, dtype, device)
    how = "copy.deepcopy(module), the original then loaded with the negated weights"
    check_mode(DEEPCOPY, variant, how, case, lambda: modes.deep_copied(case))


@PICKLE.mark
@pytest.mark.parametrize("mode", ["pickle"])
@pytest.mark.parametrize("dtype", [F64], ids=str)
@PICKLE.each_variant
@given(data=st.data())
def test_pickle_values(variant: str, dtype: torch.dtype, mode: str, device: str, data: st.DataObject) -> None:
    case = small_example(data, variant, dtype, device)
    how = "torch.save(module) and torch.load(weights_only=False)"
    check_mode(PICKLE, variant, how, case, lambda: modes.pickled(case))


# dtype conversion --------------------------------------------------------------------------


@TO_DTYPE.mark
@pytest.mark.parametrize("mode", ["to_dtype"])
@TO_DTYPE.each_variant
@given(data=st.data())
def test_to_dtype_values(variant: str, mode: str, device: str, data: st.DataObject) -> None:
    """Both directions, float32 to float64 and back, are drawn: the check has no single dtype."""
    case = small_example(data, variant, F64, device)
    target = data.draw(TARGETS, label="converted to")
    source = F32 if target == F64 else F64
    how = f"built in {source}, .to({target})" + (", then loaded" if target == F64 else " after loading")
    with mode_failures(TO_DTYPE, variant, how, case):
        module, computes = modes.converted(case, target)
        actual = run(computes, module).outputs
    assert_outputs(TO_DTYPE, variant, how, actual, computes)


# Reassigned and tied parameters ------------------------------------------------------------


@FLATTEN.mark
@pytest.mark.parametrize("mode", ["flatten_after_assign"])
@pytest.mark.parametrize("dtype", [F64], ids=str)
@FLATTEN.each_variant
@given(data=st.data())
def test_flatten_after_assign_values(
    variant: str, dtype: torch.dtype, mode: str, device: str, data: st.DataObject
) -> None:
    case = small_example(data, variant, dtype, device)
    names = subset(list(case.params), data.draw(SUBSET, label="reassigned parameters, as bits"))
    how = f"{', '.join(names)} reassigned as new Parameters, then flatten_parameters()"
    check_mode(FLATTEN, variant, how, case, lambda: modes.reassigned(case, names))


@TIED.mark
@pytest.mark.parametrize("mode", ["tied_weights"])
@pytest.mark.parametrize("dtype", [F64], ids=str)
@TIED.each_variant
@given(data=st.data())
def test_tied_weights_values(variant: str, dtype: torch.dtype, mode: str, device: str, data: st.DataObject) -> None:
    spec, shape, weight = small_configuration(data, variant)
    if not modes.tie_candidates(parameter_table(spec)):
        spec = spec.with_(bias=True)  # bias_hh can always be tied to bias_ih
    case = make_example(spec, shape, weight, dtype, device)
    pairs = modes.tie_candidates(parameter_table(spec))
    ties = subset(pairs, data.draw(SUBSET, label="ties, as bits"))
    case = replace(case, params=modes.tied_params(case.params, ties))
    how = "tied " + ", ".join(f"{alias} = {source}" for alias, source in ties)
    check_mode(TIED, variant, how, case, lambda: modes.tied(case, ties))
