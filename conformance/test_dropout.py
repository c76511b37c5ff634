"""Dropout: between layers, in training mode only, with kept values scaled by 1/(1-p).

Training-mode forwards draw random masks; each example seeds torch's generator first (its
`train_seed`), so a failure replays. The masks themselves are unknown, so the claims are checked
where they are observable: against eval mode (what dropout must leave alone), against the reference
with all-zero masks (p = 1 drops everything), and through a probe layer that shows each mask
element (the scale).
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import numpy as np
import torch
from hypothesis import strategies as st

from conformance.claims.dropout import EVAL_MODE, FIRST_LAYER_STATE, LAST_LAYER_OUTPUT, P_ONE, P_ZERO, SCALED
from conformance.draw import sizes
from conformance.draw.example import C_N, H_N, OUTPUT, Arrays, Example, make_example
from conformance.draw.packing import input_shapes
from conformance.draw.strategies import SEEDS, specs, weights
from conformance.judge.compare import Part, fail, judge
from conformance.judge.reproducer import TOO_LARGE, header, output_expression, too_large
from conformance.oracle.expected import expected_outputs
from conformance.oracle.tolerances import forward_tolerance
from conformance.run.torch_run import module_for, run
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
def stacked_examples(
    draw: st.DrawFn, variant: str, device: str, probabilities: tuple[float, ...], layers: int | None = None
) -> Example:
    """A float64 example of `variant` with at least 2 layers (exactly `layers` if given), a drawn
    dropout and a training seed.

    Sizes are those of the suite's strategies, with the sequence and the batch capped at a quarter
    of the size tier, as for packed examples: dropout masks every element alike at any size.
    """
    cap = sizes.capped()
    spec = draw(specs(variant), label="spec")
    dropout = draw(_probabilities(probabilities), label="dropout")
    spec = spec.with_(num_layers=layers or max(2, spec.num_layers), dropout=dropout)
    shape = input_shapes(draw, spec, cap.seq_len, cap.batch, batched=False)
    example = make_example(spec, shape, draw(weights(), label="weights"), F64, device)
    return replace(example, train_seed=draw(SEEDS, label="seed"))


def trained_and_evaluated(example: Example) -> tuple[Arrays, Arrays]:
    """torch's outputs in training mode (seeded) and in eval mode, from the same module."""
    module = module_for(example)
    return run(example, module).outputs, run(replace(example, train_seed=None), module).outputs


def time_major_code(example: Example, expression: str) -> str:
    """The reproducer's expression of an output as (L, N, D*H_out), whatever the layout."""
    if example.batch is None:
        return f"{expression}[:, None]"
    return f"{expression}.transpose(0, 1)" if example.spec.batch_first else expression


def time_major(example: Example, output: np.ndarray) -> np.ndarray:
    """output as (L, N, D*H_out), whatever batch_first says; N = 1 for unbatched input."""
    if example.batch is None:
        return output[:, None]
    return output.swapaxes(0, 1) if example.spec.batch_first else output


def batched(example: Example, state: np.ndarray) -> np.ndarray:
    """h_n or c_n as (D*num_layers, N, H); N = 1 for unbatched input."""
    return state[:, None] if example.batch is None else state


# Checks -----------------------------------------------------------------------------------------


@EVAL_MODE.check()
def test_eval_mode_ignores_dropout(variant: str, device: str, data: st.DataObject) -> None:
    example = replace(data.draw(stacked_examples(variant, device, PROBABILITIES), label="example"), train_seed=None)
    actual = run(example).outputs
    tol = forward_tolerance(example.spec, example.seq_len, F64)
    for name, expected in expected_outputs(example).items():
        judge(EVAL_MODE, variant, example, name, actual[name], expected, tol, "the reference without dropout")


@P_ZERO.check()
def test_zero_dropout_in_training(variant: str, device: str, data: st.DataObject) -> None:
    example = data.draw(stacked_examples(variant, device, (0.0,)), label="example")
    trained, evaluated = trained_and_evaluated(example)
    tol = forward_tolerance(example.spec, example.seq_len, F64)
    for name in trained:
        judge(P_ZERO, variant, example, name, trained[name], evaluated[name], tol, "eval mode")


@FIRST_LAYER_STATE.check()
def test_first_layer_state_untouched(variant: str, device: str, data: st.DataObject) -> None:
    example = data.draw(stacked_examples(variant, device, PROBABILITIES), label="example")
    trained, evaluated = trained_and_evaluated(example)
    tol = forward_tolerance(example.spec, example.seq_len, F64)
    rows = example.spec.directions
    for name in [n for n in (H_N, C_N) if n in trained]:
        part = Part(f"{name} (its first layer's rows)", f"{{0}}[:{rows}]")
        actual, expected = trained[name][:rows], evaluated[name][:rows]
        judge(FIRST_LAYER_STATE, variant, example, name, actual, expected, tol, "eval mode", part)


@LAST_LAYER_OUTPUT.check()
def test_last_layer_output_unmasked(variant: str, device: str, data: st.DataObject) -> None:
    example = data.draw(stacked_examples(variant, device, PROBABILITIES), label="example")
    trained = run(example).outputs
    spec = example.spec
    h, rows = spec.out_size, spec.directions
    steps = time_major_code(example, "{0}")
    part = Part(
        "output at the last step of each direction (indexed direction, batch, feature)",
        f"torch.stack([{steps}[-1, :, :{h}], {steps}[0, :, {h}:]][:{rows}])",
    )
    actual = last_steps(spec, time_major(example, trained[OUTPUT]))
    expected = batched(example, trained[H_N])[-rows:]
    tol = forward_tolerance(spec, example.seq_len, F64)
    judge(LAST_LAYER_OUTPUT, variant, example, OUTPUT, actual, expected, tol, "the last layer's rows of h_n", part)


@P_ONE.check()
def test_dropout_one_drops_everything(variant: str, device: str, data: st.DataObject) -> None:
    example = data.draw(stacked_examples(variant, device, (1.0,)), label="example")
    trained = run(example).outputs
    tol = forward_tolerance(example.spec, example.seq_len, F64)
    for name, expected in zero_mask_outputs(example).items():
        source = "the reference with all-zero dropout masks"
        judge(P_ONE, variant, example, name, trained[name], expected, tol, source)


@SCALED.check()
def test_kept_values_are_scaled(variant: str, device: str, data: st.DataObject) -> None:
    """A 2-layer relu RNN whose second layer passes its input through: output = mask * layer 0's output.

    The second layer has weight_ih = identity (each direction reading its own half), weight_hh = 0
    and zero biases, so it computes relu(m * y) for the first layer's output y >= 0 and the
    dropout mask m >= 0: exactly m * y, and exactly y in eval mode. Wherever y > 0 the ratio of
    the two is the mask element, which must be 0 or 1/(1-p).
    """
    example = with_identity_probe(
        data.draw(stacked_examples(variant, device, STRICT_PROBABILITIES, layers=2), label="example")
    )
    trained, evaluated = (outputs[OUTPUT] for outputs in trained_and_evaluated(example))
    scale = 1.0 / (1.0 - example.spec.dropout)
    tol = forward_tolerance(example.spec, example.seq_len, F64)
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
        fail(SCALED, variant, finding, example, scale_snippet(example, scale))


# Helpers ----------------------------------------------------------------------------------------


def last_steps(spec: Spec, output: np.ndarray) -> np.ndarray:
    """(D, N, H_out): the forward direction at the last step, the reverse direction at the first."""
    h = spec.out_size
    ends = [output[-1, :, :h], output[0, :, h:]]
    return np.stack(ends[: spec.directions])


def zero_mask_outputs(example: Example) -> Arrays:
    """The reference with all-zero dropout masks, in the layout the module returns."""
    spec = example.spec
    batch = 1 if example.batch is None else example.batch
    masks = [np.zeros((example.seq_len, batch, spec.directions * spec.out_size))] * (spec.num_layers - 1)
    return expected_outputs(example, dropout_masks=masks)


def with_identity_probe(example: Example) -> Example:
    """The example with layer 1 replaced by the pass-through probe of test_kept_values_are_scaled."""
    spec = example.spec
    h, rows = spec.hidden_size, spec.directions
    params = dict(example.params)
    for direction, suffix in enumerate(["_l1", "_l1_reverse"][:rows]):
        w_ih = np.zeros((h, rows * h))
        w_ih[:, direction * h : (direction + 1) * h] = np.eye(h)
        params["weight_ih" + suffix] = w_ih
        params["weight_hh" + suffix] = np.zeros((h, h))
        if spec.bias:
            params["bias_ih" + suffix] = params["bias_hh" + suffix] = np.zeros(h)
    return replace(example, params=params)


def scale_snippet(example: Example, scale: float) -> str:
    """Python source that runs the probe seeded in training mode and in eval mode and prints the mask."""
    if too_large(*example.params.values(), example.x):
        return TOO_LARGE
    output = output_expression(example, OUTPUT)
    return "\n".join(
        [
            *header(example),
            f"t = {output}",
            "module.eval()",
            f"result = module({'x' if example.h0 is None else ('x, (h0, c0)' if example.c0 is not None else 'x, h0')})",
            f"e = {output}",
            "kept = t != 0",
            f"print('mask values:', (t[kept] / e[kept]).unique())  # documented: 0 and 1/(1-p) = {scale!r}",
            f"torch.testing.assert_close(t[kept] / e[kept], torch.full_like(t[kept], {scale!r}))",
        ]
    )
