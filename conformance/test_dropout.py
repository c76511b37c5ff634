"""Dropout: between layers, in training mode only, with kept values scaled by 1/(1-p).

Training-mode forwards draw random masks; each one seeds torch's generator first, so a failure
replays. The masks themselves are unknown, so the claims are checked where they are observable:
against eval mode (what dropout must leave alone), against the reference with all-zero masks
(p = 1 drops everything), and through a probe layer that shows each mask element (the scale).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

import reference
from conformance.claims import Claim
from conformance.claims.dropout import EVAL_MODE, FIRST_LAYER_STATE, LAST_LAYER_OUTPUT, P_ONE, P_ZERO, SCALED
from conformance.draw import sizes
from conformance.draw.example import Case, make_case
from conformance.draw.packing import input_shapes
from conformance.draw.sizes import CAP_DIVISOR
from conformance.draw.strategies import SEEDS, specs, weights
from conformance.judge.compare import assert_values, fail
from conformance.judge.reproducer import INLINE_LIMIT, literal
from conformance.oracle.expected import expected_outputs
from conformance.oracle.tolerances import forward_tolerance
from conformance.run import implementation
from conformance.run.torch_run import module_for, torch_outputs
from reference import Spec

F64 = torch.float64
PROBABILITIES = (0.25, 0.5, 1.0)
"""p > 0 as drawn for the claims that hold for every p; 1 drops everything, 0.25 keeps most."""
STRICT_PROBABILITIES = (0.25, 0.5, 0.75)
"""0 < p < 1, where a mask keeps some elements and scales them."""


@cache
def _probabilities(choices: tuple[float, ...]) -> st.SearchStrategy[float]:
    return st.sampled_from(choices)


@st.composite
def stacked_cases(
    draw: st.DrawFn, variant: str, device: str, probabilities: tuple[float, ...], layers: int | None = None
) -> Case:
    """A float64 case of `variant` with at least 2 layers (exactly `layers` if given) and a drawn dropout.

    Sizes are those of the suite's strategies, with the sequence and the batch capped at a quarter
    of the size tier, as for packed cases: dropout masks every element alike at any size.
    """
    tier = sizes.current()
    spec = draw(specs(variant), label="spec")
    dropout = draw(_probabilities(probabilities), label="dropout")
    spec = spec.with_(num_layers=layers or max(2, spec.num_layers), dropout=dropout)
    cap_seq, cap_batch = tier.seq_len // CAP_DIVISOR, tier.batch // CAP_DIVISOR
    shape = input_shapes(draw, spec, cap_seq, cap_batch, batched=False)
    return make_case(spec, shape, draw(weights(), label="weights"), F64, device)


def seed_everything(device: str, seed: int) -> None:
    """Seed the generators a forward on `device` draws its dropout masks from."""
    torch.default_generator.manual_seed(seed)
    if torch.device(device).type == "cuda":
        torch.cuda.manual_seed(seed)


def run(case: Case, train: bool, seed: int, module: torch.nn.Module | None = None) -> dict[str, np.ndarray]:
    """torch's outputs for the case, in training or eval mode, after seeding the generators."""
    module = (module_for(case) if module is None else module).train(train)
    seed_everything(case.device, seed)
    return torch_outputs(case, module)


def run_both(case: Case, seed: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """torch's outputs in training mode and in eval mode, from the same module and seed."""
    module = module_for(case)
    return run(case, True, seed, module), run(case, False, seed, module)


def time_major(case: Case, output: np.ndarray) -> np.ndarray:
    """output as (L, N, D*H_out), whatever batch_first says; N = 1 for unbatched input."""
    if case.batch is None:
        return output[:, None]
    return output.swapaxes(0, 1) if case.spec.batch_first else output


def batched(case: Case, state: np.ndarray) -> np.ndarray:
    """h_n or c_n as (D*num_layers, N, H); N = 1 for unbatched input."""
    return state[:, None] if case.batch is None else state


# Comparisons whose reproducer runs the module in training mode -----------------------------


@dataclass(frozen=True)
class Compared:
    """One comparison of a training-mode check, and how its reproducer reads the same values.

    `code` and `expected_code` are expressions over the snippet's `trained` and `evaluated`
    dicts (training_snippet); expected_code None inlines the expected values.
    """

    name: str
    actual: np.ndarray
    expected: np.ndarray
    expected_from: str
    code: str
    expected_code: str | None = None


def assert_close(claim_: Claim, variant: str, case: Case, seed: int, tol: float, c: Compared) -> None:
    """As compare.assert_values, with a reproducer of the seeded training-mode run."""
    if c.actual.shape != c.expected.shape:
        finding = f"{c.name} has shape {c.actual.shape}, {c.expected_from} {c.expected.shape}"
        fail(claim_, variant, finding, case, training_snippet(case, seed, tol, c))
    allowed = tol * (1.0 + np.abs(c.expected))
    with np.errstate(invalid="ignore"):
        bad = ~(np.abs(c.actual - c.expected) <= allowed)
    if not bad.any():
        return
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    a, e = c.actual[first], c.expected[first]
    finding = (
        f"{c.name} at [{', '.join(map(str, first))}] is {a!r} from torch, {e!r} from {c.expected_from} "
        f"(difference {abs(a - e):.3g}, allowed {allowed[first]:.3g}); "
        f"{int(bad.sum())} of {bad.size} elements differ"
    )
    fail(claim_, variant, finding, case, training_snippet(case, seed, tol, c))


def training_snippet(case: Case, seed: int, tol: float, c: Compared | None = None, check: Sequence[str] = ()) -> str:
    """Python source that runs the case seeded in training mode and in eval mode, then compares."""
    arrays = [*case.params.values(), case.x] + ([] if c is None or c.expected_code else [c.expected])
    if sum(np.size(a) for a in arrays) > INLINE_LIMIT:
        return "# the case is too large to inline; rerun the failing test to let Hypothesis shrink it"
    spec = case.spec
    args = "x" if case.h0 is None else ("x, (h0, c0)" if case.c0 is not None else "x, h0")
    lines = [
        implementation.current().imports,
        f"dtype, device = {case.dtype}, {case.device!r}",
        f"module = {implementation.current().source(spec.kind, spec.constructor_kwargs())}.to(device, dtype)",
        "weights = {",
        *(f"    {name!r}: {literal(value)}," for name, value in case.params.items()),
        "}",
        "module.load_state_dict({k: torch.tensor(v, dtype=dtype, device=device)",
        "                        for k, v in weights.items()})",
        f"x = torch.tensor({literal(case.x)}, dtype=dtype, device=device)",
    ]
    for name, value in (("h0", case.h0), ("c0", case.c0)):
        if value is not None:
            lines.append(f"{name} = torch.tensor({literal(value)}, dtype=dtype, device=device)")
    lines += [
        "",
        "def run(train):",
        f"    torch.manual_seed({seed})",
        "    with torch.no_grad():",
        f"        output, hidden = module.train(train)({args})",
        "    h_n, c_n = hidden if isinstance(hidden, tuple) else (hidden, None)",
        "    if x.dim() == 2:  # unbatched",
        "        output, h_n, c_n = output[:, None], h_n[:, None], None if c_n is None else c_n[:, None]",
        f"    elif {spec.batch_first}:  # batch_first",
        "        output = output.transpose(0, 1)",
        "    return {'output': output, 'h_n': h_n, 'c_n': c_n}  # output time-major (L, N, D*H_out)",
        "",
        "trained, evaluated = run(True), run(False)",
        *check,
    ]
    if c is not None:
        if c.expected_code is None:
            lines.append(f"expected = torch.tensor({literal(c.expected)}, dtype=torch.float64)")
        expected = c.expected_code or "expected"
        lines.append(
            f"torch.testing.assert_close({c.code}.double().cpu(), {expected}.double().cpu(), "
            f"rtol={tol:.3g}, atol={tol:.3g})"
        )
    return "\n".join(lines)


# Checks -----------------------------------------------------------------------------------------


@EVAL_MODE.mark
@EVAL_MODE.each_variant
@given(data=st.data())
def test_eval_mode_ignores_dropout(variant: str, device: str, data: st.DataObject) -> None:
    case = data.draw(stacked_cases(variant, device, PROBABILITIES), label="case")
    actual = run(case, train=False, seed=0)
    tol = forward_tolerance(case.spec, case.seq_len, F64)
    for name, expected in expected_outputs(case).items():
        source = "the reference without dropout"
        assert_values(EVAL_MODE, variant, name, actual[name], expected, tol, case, source)


@P_ZERO.mark
@P_ZERO.each_variant
@given(data=st.data())
def test_zero_dropout_in_training(variant: str, device: str, data: st.DataObject) -> None:
    case = data.draw(stacked_cases(variant, device, (0.0,)), label="case")
    seed = data.draw(SEEDS, label="seed")
    trained, evaluated = run_both(case, seed)
    tol = forward_tolerance(case.spec, case.seq_len, F64)
    for name in trained:
        code = f"trained[{name!r}]"
        compared = Compared(name, trained[name], evaluated[name], "eval mode", code, f"evaluated[{name!r}]")
        assert_close(P_ZERO, variant, case, seed, tol, compared)


@FIRST_LAYER_STATE.mark
@FIRST_LAYER_STATE.each_variant
@given(data=st.data())
def test_first_layer_state_untouched(variant: str, device: str, data: st.DataObject) -> None:
    case = data.draw(stacked_cases(variant, device, PROBABILITIES), label="case")
    seed = data.draw(SEEDS, label="seed")
    trained, evaluated = run_both(case, seed)
    tol = forward_tolerance(case.spec, case.seq_len, F64)
    rows = case.spec.directions
    for name in [n for n in ("h_n", "c_n") if n in trained]:
        compared = Compared(
            f"{name} (its first layer's rows)",
            batched(case, trained[name])[:rows],
            batched(case, evaluated[name])[:rows],
            "eval mode",
            f"trained[{name!r}][:{rows}]",
            f"evaluated[{name!r}][:{rows}]",
        )
        assert_close(FIRST_LAYER_STATE, variant, case, seed, tol, compared)


@LAST_LAYER_OUTPUT.mark
@LAST_LAYER_OUTPUT.each_variant
@given(data=st.data())
def test_last_layer_output_unmasked(variant: str, device: str, data: st.DataObject) -> None:
    case = data.draw(stacked_cases(variant, device, PROBABILITIES), label="case")
    seed = data.draw(SEEDS, label="seed")
    trained = run(case, True, seed)
    spec = case.spec
    h, rows = spec.out_size, spec.directions
    compared = Compared(
        "output at the last step of each direction (indexed direction, batch, feature)",
        last_steps(spec, time_major(case, trained["output"])),
        batched(case, trained["h_n"])[-rows:],
        "the last layer's rows of h_n",
        f"torch.stack([trained['output'][-1, :, :{h}], trained['output'][0, :, {h}:]][:{rows}])",
        f"trained['h_n'][-{rows}:]",
    )
    assert_close(LAST_LAYER_OUTPUT, variant, case, seed, forward_tolerance(spec, case.seq_len, F64), compared)


@P_ONE.mark
@P_ONE.each_variant
@given(data=st.data())
def test_dropout_one_drops_everything(variant: str, device: str, data: st.DataObject) -> None:
    case = data.draw(stacked_cases(variant, device, (1.0,)), label="case")
    seed = data.draw(SEEDS, label="seed")
    trained = run(case, True, seed)
    tol = forward_tolerance(case.spec, case.seq_len, F64)
    for name, expected in zero_mask_outputs(case).items():
        actual = time_major(case, trained[name]) if name == "output" else batched(case, trained[name])
        source = "the reference with all-zero dropout masks"
        assert_close(P_ONE, variant, case, seed, tol, Compared(name, actual, expected, source, f"trained[{name!r}]"))


@SCALED.mark
@SCALED.each_variant
@given(data=st.data())
def test_kept_values_are_scaled(variant: str, device: str, data: st.DataObject) -> None:
    """A 2-layer relu RNN whose second layer passes its input through: output = mask * layer 0's output.

    The second layer has weight_ih = identity (each direction reading its own half), weight_hh = 0
    and zero biases, so it computes relu(m * y) for the first layer's output y >= 0 and the
    dropout mask m >= 0: exactly m * y, and exactly y in eval mode. Wherever y > 0 the ratio of
    the two is the mask element, which must be 0 or 1/(1-p).
    """
    case = data.draw(stacked_cases(variant, device, STRICT_PROBABILITIES, layers=2), label="case")
    case = with_identity_probe(case)
    seed = data.draw(SEEDS, label="seed")
    trained, evaluated = (outputs["output"] for outputs in run_both(case, seed))
    scale = 1.0 / (1.0 - case.spec.dropout)
    tol = forward_tolerance(case.spec, case.seq_len, F64)
    allowed = tol * (1.0 + scale * np.abs(evaluated))
    dropped = np.abs(trained) <= allowed
    kept = np.abs(trained - scale * evaluated) <= allowed
    bad = ~(dropped | kept)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        a, e = trained[first], evaluated[first]
        finding = (
            f"output[{', '.join(map(str, first))}] is {a!r} in training and {e!r} in eval mode (where the "
            f"probe layer passes the first layer's output on), so the mask element is {a / e!r}: neither "
            f"0 nor 1/(1-p) = {scale!r}; {int(bad.sum())} of {bad.size} elements are neither dropped "
            "nor scaled by 1/(1-p)"
        )
        check = [
            "t, e = trained['output'], evaluated['output']",
            "kept = t != 0",
            f"print('mask values:', (t[kept] / e[kept]).unique())  # documented: 0 and 1/(1-p) = {scale!r}",
            f"torch.testing.assert_close(t[kept] / e[kept], torch.full_like(t[kept], {scale!r}))",
        ]
        fail(SCALED, variant, finding, case, training_snippet(case, seed, tol, check=check))


# Helpers ----------------------------------------------------------------------------------------


def last_steps(spec: Spec, output: np.ndarray) -> np.ndarray:
    """(D, N, H_out): the forward direction at the last step, the reverse direction at the first."""
    h = spec.out_size
    ends = [output[-1, :, :h], output[0, :, h:]]
    return np.stack(ends[: spec.directions])


def zero_mask_outputs(case: Case) -> dict[str, np.ndarray]:
    """The reference with all-zero dropout masks: output time-major, h_n and c_n with a batch axis."""
    spec = case.spec
    batch = 1 if case.batch is None else case.batch
    masks = [np.zeros((case.seq_len, batch, spec.directions * spec.out_size))] * (spec.num_layers - 1)
    output, h_n, c_n = reference.forward(spec, case.params, case.x, case.h0, case.c0, dropout_masks=masks)
    named = {"output": time_major(case, output), "h_n": batched(case, h_n)}
    if c_n is not None:
        named["c_n"] = batched(case, c_n)
    return named


def with_identity_probe(case: Case) -> Case:
    """The case with layer 1 replaced by the pass-through probe of test_kept_values_are_scaled."""
    spec = case.spec
    h, rows = spec.hidden_size, spec.directions
    params = dict(case.params)
    for direction, suffix in enumerate(["_l1", "_l1_reverse"][:rows]):
        w_ih = np.zeros((h, rows * h))
        w_ih[:, direction * h : (direction + 1) * h] = np.eye(h)
        params["weight_ih" + suffix] = w_ih
        params["weight_hh" + suffix] = np.zeros((h, h))
        if spec.bias:
            params["bias_ih" + suffix] = params["bias_hh" + suffix] = np.zeros(h)
    return Case(spec, params, case.x, case.h0, case.c0, dtype=case.dtype, device=case.device)
