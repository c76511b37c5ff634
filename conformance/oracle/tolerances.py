"""Tolerances, derived once from each dtype's precision and the length of the computation.

Model. One element of a recurrent output is the end of a chain of dot products: each step sums
`fan_in` products (input_size or D*H_out, plus H_out), and the chain is seq_len steps long per
layer. Each operation rounds with relative error at most eps (the dtype's machine epsilon), so
the error of a careful implementation is bounded, to first order, by eps times the number of
operations on the chain, times the magnitude of the operands. Drawn weights keep the recurrence
contracting (strategies.Weights), so errors from earlier steps do not grow along the sequence.

    bound = SAFETY * eps(dtype) * (fan_in + seq_len * num_layers) * (1 + |expected|)

SAFETY = 8 leaves room for the sum of several terms per gate and the nonlinearities' own rounding.
In float64 the bound stays below 1e-11 for every size the default tier draws, four orders of
magnitude under float32's eps: a kernel that computes internally in float32 cannot pass.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache

import numpy as np
import torch

from conformance.draw.example import Example
from conformance.oracle.expected import expected_gradients, expected_outputs
from conformance.run.modules import rounded
from reference import Spec

SAFETY = 8.0


def eps(dtype: torch.dtype) -> float:
    return torch.finfo(dtype).eps


def chain_length(spec: Spec, seq_len: int) -> int:
    fan_in = max(spec.input_size, spec.directions * spec.out_size) + spec.out_size
    return fan_in + seq_len * spec.num_layers


def forward_tolerance(spec: Spec, seq_len: int, dtype: torch.dtype) -> float:
    """The relative tolerance of the bound above; scaled by (1 + |expected|) when compared."""
    return SAFETY * eps(dtype) * chain_length(spec, seq_len)


UPSTREAM = 4.0
"""Upstream gradients are drawn from N(0, 1); a few of them reach about 4 in magnitude."""


def gradient_tolerance(spec: Spec, seq_len: int, dtype: torch.dtype) -> float:
    """The relative tolerance of a gradient; scaled by (1 + |expected|) when compared.

    The same model as the forward bound, for the backward pass. A gradient element ends a chain
    that runs the forward pass to recompute the states and then the reverse sweep back through
    every step and layer, with the transposed products of the same fan-in: about twice the
    forward chain. Its rounding errors are relative to the terms summed, which carry the upstream
    gradients as a factor; those are N(0, 1) draws, so their magnitude (UPSTREAM) multiplies the
    bound where the forward bound has the outputs' magnitude of about 1:

        bound = SAFETY * eps(dtype) * 2 * chain_length * UPSTREAM * (1 + |expected|)

    The reductions over the batch and the time steps that accumulate parameter gradients are part
    of the same chains. Measured on real torch over several thousand examples of every variant,
    both dtypes and both size tiers, the largest error was about 2 * eps * chain_length, a thirtieth
    of the bound. In float64 the bound stays below 1e-11 at the sizes gradients are drawn at, while
    a backward pass computed in float32 errs by 1e-7 or more relative: it cannot pass.
    """
    return SAFETY * eps(dtype) * 2 * chain_length(spec, seq_len) * UPSTREAM


def forward_mode_tolerance(spec: Spec, seq_len: int, dtype: torch.dtype) -> float:
    """The relative tolerance of a forward-mode derivative (J v); scaled by (1 + |expected|) when compared.

    Forward-mode AD carries a tangent beside every value of the forward pass: each product of the chain
    gains the product rule's second term, and every term carries a tangent, drawn from N(0, 1) like the
    upstream gradients. That is the gradient's model: two chains' worth of operations whose terms carry
    a factor of about UPSTREAM, so the bound is gradient_tolerance's.
    """
    return gradient_tolerance(spec, seq_len, dtype)


def second_order_tolerance(spec: Spec, seq_len: int, dtype: torch.dtype) -> float:
    """The relative tolerance of a Hessian-vector product (double backward); scaled by (1 + |expected|).

    Double backward runs the forward pass, the backward pass and the tangent of both: four chains'
    worth of operations, each term carrying an upstream gradient and a tangent, both N(0, 1) draws:

        bound = SAFETY * eps(dtype) * 4 * chain_length * UPSTREAM**2 * (1 + |expected|)
    """
    return SAFETY * eps(dtype) * 4 * chain_length(spec, seq_len) * UPSTREAM**2


LOW_PRECISION = (torch.float16, torch.bfloat16)
STORED_FACTOR = 8.0


@dataclass(frozen=True)
class Deferred:
    """An absolute allowance of at least `floor`; `whole()` gives all of it, at the cost of a second
    oracle run, which the judge makes only for a result with an element beyond the floor: the
    verdict is the one the whole allowance gives, and most results never need the second run."""

    floor: float
    whole: Callable[[], np.ndarray]


Allowed = float | np.ndarray | Deferred
"""A tolerance as the judge takes it: relative (a float), absolute per element, or deferred."""


def scaled(allowed: Allowed, factor: float) -> Allowed:
    """`allowed` times `factor`."""
    if isinstance(allowed, Deferred):
        return Deferred(factor * allowed.floor, lambda: factor * allowed.whole())
    return factor * allowed


def forward_allowed(case: Example, expected: dict[str, np.ndarray]) -> dict[str, Allowed]:
    """The tolerance of each output of `case`, in the form compare.assert_values takes.

    float64 and float32: forward_tolerance, relative to (1 + |expected|).

    float16 and bfloat16: kernels round every stored state (and usually accumulate in float32), so
    the chain model above, with eps near 1e-3, would allow almost anything. Instead torch's error
    against the float64 truth is compared with the error of the reference itself when every state
    it stores is rounded to the dtype: the error this recurrence makes of that rounding, whether it
    damps it or amplifies it. torch may err by STORED_FACTOR times that, plus STORED_FACTOR eps of
    the output's scale for its rounding of the gates. Measured on CPU (torch 2.13, all variants,
    300 cases) torch's error stayed within 1.7 times the same quantity without the factor.
    """
    if case.dtype not in LOW_PRECISION:
        tol = forward_tolerance(case.spec, case.seq_len, case.dtype)
        return dict.fromkeys(expected, tol)
    stored_run = lambda: expected_outputs(case, store=lambda a: rounded(a, case.dtype))  # noqa: E731
    return _stored_allowance(expected, stored_run, eps(case.dtype))


def gradient_allowed(case: Example, expected: dict[str, np.ndarray]) -> dict[str, Allowed]:
    """The tolerance of each gradient of `case`, as forward_allowed's for the outputs.

    float64 and float32: gradient_tolerance. float16 and bfloat16: the yardstick is the reference's
    backward pass with every state and every gradient it computes or accumulates rounded to the
    dtype (reference.BackwardCall.store). That model leaves out the rounding of each gate and each
    product inside a step, which a backward pass in the dtype also makes: an implementation written
    with plain torch ops in float16 (tests/plain_rnn) was measured to err by up to 100 times the
    model's error on deep stacks. So torch may err by STORED_FACTOR times the model's error plus
    STORED_FACTOR eps of the gradient's scale: 1 (the floor of the outputs' scale) plus its largest
    element for every operation on the chain.
    """
    if case.dtype not in LOW_PRECISION:
        return dict.fromkeys(expected, gradient_tolerance(case.spec, case.seq_len, case.dtype))
    chain = chain_length(case.spec, case.seq_len)
    return _stored_allowance(
        expected,
        lambda: expected_gradients(case, store=lambda a: rounded(a, case.dtype)),
        eps(case.dtype),
        lambda truth: 1.0 + chain * float(np.max(np.abs(truth))),
    )


def output_scale(truth: np.ndarray) -> float:
    return 1.0 + float(np.max(np.abs(truth), initial=0.0))


def _stored_allowance(
    expected: dict[str, np.ndarray],
    stored_run: Callable[[], dict[str, np.ndarray]],
    unit: float,
    scale_of: Callable[[np.ndarray], float] = output_scale,
) -> dict[str, Allowed]:
    """STORED_FACTOR * (the stored model's error + unit * scale) for each result, deferred: the floor
    STORED_FACTOR * unit * scale needs no second run of the reference."""
    stored = cache(stored_run)
    allowed: dict[str, Allowed] = {}
    for name, truth in expected.items():
        floor = STORED_FACTOR * unit * (scale_of(truth) if truth.size else 1.0)

        def whole(name: str = name, truth: np.ndarray = truth, floor: float = floor) -> np.ndarray:
            rounding_error = float(np.max(np.abs(stored()[name] - truth), initial=0.0))
            return np.full(truth.shape, STORED_FACTOR * rounding_error + floor)

        allowed[name] = Deferred(floor, whole)
    return allowed


def autocast_allowed(case: Example, expected: dict[str, np.ndarray]) -> dict[str, Allowed]:
    """The tolerance of the outputs of a float32 module run under autocast, the low-precision way.

    Autocast runs the products inside the recurrent ops in its lower dtype: their operands (weights,
    inputs, each step's state) are rounded to it. The yardstick is the reference run with the
    operands rounded so and its states stored rounded; torch may err by STORED_FACTOR times its error
    plus STORED_FACTOR eps of the lower dtype of the output's scale, as for float16 modules.
    """
    low = case.autocast
    assert low is not None
    return _operands_rounded_allowance(case, expected, lambda a: rounded(a, low), eps(low))


def _operands_rounded_allowance(
    case: Example,
    expected: dict[str, np.ndarray],
    rounding: Callable[[np.ndarray], np.ndarray],
    unit: float,
    params: bool = True,
) -> dict[str, Allowed]:
    """The stored allowance against the reference run with every operand (the parameters too, if
    `params`) and every state rounded."""

    def operands_rounded() -> dict[str, np.ndarray]:
        operands = replace(
            case,
            params={k: rounding(v) for k, v in case.params.items()} if params else case.params,
            x=rounding(case.x),
            h0=None if case.h0 is None else rounding(case.h0),
            c0=None if case.c0 is None else rounding(case.c0),
        )
        return expected_outputs(operands, store=rounding)

    return _stored_allowance(expected, operands_rounded, unit)


TF32_EPS = 2.0**-10
"""TF32 keeps 10 explicit mantissa bits of a float32 matmul operand."""


def to_tf32(a: np.ndarray) -> np.ndarray:
    """`a` rounded to the nearest value with TF32's 11-bit significand."""
    mantissa, exponent = np.frexp(a)
    return np.ldexp(np.round(mantissa * 2.0**11) / 2.0**11, exponent)


def tf32_allowed(case: Example, expected: dict[str, np.ndarray]) -> dict[str, Allowed]:
    """The tolerance of float32 outputs computed with TF32 matmuls, the low-precision way.

    TF32 rounds the operands of every matrix product (weights, inputs, each step's state) to an
    11-bit significand and accumulates in float32. The yardstick is the reference run with those
    operands rounded the same way and its states stored rounded; torch may err by STORED_FACTOR
    times its error plus STORED_FACTOR TF32 units of the output's scale, as for float16.
    """
    return _operands_rounded_allowance(case, expected, to_tf32, TF32_EPS)


ACTIVATION_BITS = 7
"""Bits of a dynamically quantized activation on the CPU: quantize_dynamic's default qconfig quantizes
activations to quint8 per tensor at run time, and for the fbgemm and x86 engines (torch's default on
x86) with reduce_range, which the quantization documentation gives as one bit less, 0..127, to keep
fbgemm's 16-bit intermediate sums from overflowing. 8 bits (qnnpack) quantize more finely, so 7 is
the coarser of the two."""
LEVELS = 2**ACTIVATION_BITS - 1
NOISE_RUNS = 4
"""Simulations of the quantization noise; the yardstick is the largest error among them."""


def activation_step(a: np.ndarray) -> float:
    """The quantization step of a tensor quantized as a whole: its range [min(a, 0), max(a, 0)] (zero
    is exact) in LEVELS steps."""
    return (max(float(np.max(a, initial=0.0)), 0.0) - min(float(np.min(a, initial=0.0)), 0.0)) / LEVELS


def state_step(a: np.ndarray) -> float:
    """A bound on the step of a state quantized as an operand: torch quantizes it together with others
    (the whole batch, both directions of a layer's output), so its range is bounded, not known: at most
    2 * max(1, max|a|), since the recurrent states are tanh-bounded (|h| <= 1) or, where not, of the
    order of the largest state stored."""
    return 2.0 * max(1.0, float(np.max(np.abs(a), initial=0.0))) / LEVELS


def quantized_allowed(case: Example, expected: dict[str, np.ndarray], qdtype: torch.dtype) -> dict[str, Allowed]:
    """The tolerance of the outputs of a module quantized by quantize_dynamic, against the reference run
    on its dequantized weights.

    float16: the weights are stored in float16 (the reference has them exactly) and every activation,
    product and sum is float32: the float32 bound, forward_tolerance.

    qint8: each product's activation operand (the input, each layer's input and each step's state) is
    quantized per tensor at run time (ACTIVATION_BITS) and the integer products are exact; the result
    is rescaled to float32. Rounding to a grid of step s errs by at most s/2, spread evenly over that
    interval for values that do not fall on the grid. The yardstick is therefore the reference run with
    its input, its initial state and every state it stores perturbed by uniform noise of width s
    (activation_step for the given tensors, state_step for the states, coarser than or equal to torch's
    step), NOISE_RUNS times, seeded from the example; its error is the largest of the runs' errors.
    torch may err by STORED_FACTOR times that plus STORED_FACTOR float32 eps of the output's scale, as
    for float16 modules. Rounding itself is not the yardstick: a tensor of one element, or of values on
    the grid, rounds exactly in the model while torch quantizes it with others.
    """
    if qdtype == torch.float16:
        return dict.fromkeys(expected, forward_tolerance(case.spec, case.seq_len, torch.float32))

    def noisy_runs() -> dict[str, np.ndarray]:
        rng = np.random.default_rng(zlib.crc32(case.x.tobytes()))

        def noise(a: np.ndarray, step: float) -> np.ndarray:
            return a + rng.uniform(-step / 2, step / 2, size=np.shape(a))

        worst: dict[str, np.ndarray] = {}
        for _ in range(NOISE_RUNS):
            h0, c0 = (None if a is None else noise(a, activation_step(a)) for a in (case.h0, case.c0))
            perturbed = replace(case, x=noise(case.x, activation_step(case.x)), h0=h0, c0=c0)
            outputs = expected_outputs(perturbed, store=lambda a: noise(a, state_step(a)))
            for name, value in outputs.items():
                error = np.abs(value - expected[name])
                worst[name] = error if name not in worst else np.maximum(worst[name], error)
        return {name: expected[name] + worst[name] for name in worst}

    return _stored_allowance(expected, noisy_runs, eps(torch.float32))
