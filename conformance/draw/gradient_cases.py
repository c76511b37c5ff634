"""Gradient examples: a Case with upstream gradients, torch's autograd result and the reference's.

A backward pass costs about three forward passes in the reference's Python loop, so these draws
reuse the suite's strategies (every constructor argument, unbatched, batch_first, h0 omitted, the
weight scales) but cap their sizes at a quarter of the size tier. Batched full modules also draw
packed inputs: per-sequence lengths, run through pack_padded_sequence(enforce_sorted=False).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch
from hypothesis import strategies as st

import reference
from conformance.draw import sizes
from conformance.draw.example import Case, make_case
from conformance.draw.strategies import Inputs, inputs, specs, weights
from conformance.run.modules import call, outputs, rounded, tensor, to_numpy
from conformance.run.torch_run import module_for
from reference import Spec, output_shapes
from reference.cells import linear
from reference.gradients import layer_weights, layers_forward

Arrays = dict[str, np.ndarray]


@dataclass(frozen=True)
class Caps:
    seq_len: int
    batch: int
    hidden: int
    input: int
    steps: int
    """Cap on seq_len * num_layers * directions."""


def caps() -> Caps:
    tier = sizes.current()
    return Caps(
        seq_len=max(4, tier.seq_len // sizes.CAP_DIVISOR),
        batch=max(4, tier.batch // sizes.CAP_DIVISOR),
        hidden=max(4, tier.hidden // sizes.CAP_DIVISOR),
        input=max(4, tier.input // sizes.CAP_DIVISOR),
        steps=max(8, tier.steps // sizes.CAP_DIVISOR),
    )


def capped_spec(spec: Spec, cap: Caps) -> Spec:
    """`spec` with its sizes clamped to `cap`; proj_size stays below hidden_size."""
    hidden = min(spec.hidden_size, cap.hidden)
    return spec.with_(
        input_size=min(spec.input_size, cap.input),
        hidden_size=hidden,
        proj_size=min(spec.proj_size, hidden - 1),
    )


def capped_inputs(spec: Spec, shape: Inputs, cap: Caps) -> Inputs:
    """`shape` with the batch and sequence length clamped to `cap` (cells keep seq_len 1)."""
    batch = None if shape.batch is None else min(shape.batch, cap.batch)
    if spec.is_cell:
        return replace(shape, batch=batch)
    most = max(1, cap.steps // (spec.num_layers * spec.directions))
    return replace(shape, batch=batch, seq_len=min(shape.seq_len, cap.seq_len, most))


@dataclass
class GradientCase:
    """A Case and the upstream gradient of each of its outputs (named as oracle.expected_outputs)."""

    case: Case
    upstream: Arrays

    @property
    def state_names(self) -> tuple[str, ...]:
        """The gradients of the given initial state: h0 (c0) for full modules, hx (cx) for cells."""
        if self.case.h0 is None:
            return ()
        names = ("hx", "cx") if self.case.spec.is_cell else ("h0", "c0")
        return names if self.case.spec.has_cell_state else names[:1]

    @property
    def compared(self) -> list[str]:
        """Input, given state and every parameter, in registration order."""
        return ["input", *self.state_names, *self.case.params]


@st.composite
def gradient_cases(draw: st.DrawFn, variant: str, dtype: torch.dtype, device: str) -> GradientCase:
    cap = caps()
    spec = capped_spec(draw(specs(variant), label="spec"), cap)
    shape = capped_inputs(spec, draw(inputs(spec), label="inputs"), cap)
    packed = not spec.is_cell and shape.batch is not None and draw(st.booleans(), label="packed")
    if packed:
        # h0's gradient must come back in the caller's batch order: packed runs always give h0.
        shape = replace(shape, hx=True)
    case = make_case(spec, shape, draw(weights(), label="weights"), dtype, device)
    if packed:
        lengths = st.lists(st.integers(1, case.seq_len), min_size=case.batch, max_size=case.batch)
        case = replace(case, lengths=draw(lengths, label="lengths"))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="upstream seed"))
    upstream = {
        name: rounded(rng.standard_normal(shape), dtype)
        for name, shape in output_shapes(spec, case.seq_len, case.batch).items()
    }
    return GradientCase(case, upstream)


# torch ---------------------------------------------------------------------------------------


def torch_gradients(example: GradientCase) -> Arrays:
    """torch.autograd's gradients of sum(upstream * outputs) for input, given state and parameters."""
    case = example.case
    spec = case.spec
    module = module_for(case)
    x, h0, c0 = (tensor(a, case.dtype, case.device) for a in (case.x, case.h0, case.c0))
    leaves = {"input": x.requires_grad_()}
    for name, t in zip(example.state_names, (h0, c0), strict=False):
        leaves[name] = t.requires_grad_()
    leaves |= dict(module.named_parameters())
    packed = case.lengths is not None
    if packed:
        x = torch.nn.utils.rnn.pack_padded_sequence(x, case.lengths, spec.batch_first, enforce_sorted=False)
    results = outputs(spec, call(module, spec, x, h0, c0))
    if packed:
        results["output"] = torch.nn.utils.rnn.pad_packed_sequence(
            results["output"], spec.batch_first, total_length=case.seq_len
        )[0]
    # An output that does not require grad contributes nothing; a gradient that is None is zero.
    names = [name for name in example.upstream if results[name].requires_grad]
    grads = (
        torch.autograd.grad(
            [results[name] for name in names],
            list(leaves.values()),
            [tensor(example.upstream[name], case.dtype, case.device) for name in names],
            allow_unused=True,
        )
        if names
        else [None] * len(leaves)
    )
    return {
        name: np.zeros(leaf.shape) if g is None else to_numpy(g)
        for (name, leaf), g in zip(leaves.items(), grads, strict=True)
    }


# reference -----------------------------------------------------------------------------------


def expected_gradients(example: GradientCase) -> Arrays:
    case, up = example.case, example.upstream
    if case.spec.is_cell:
        return reference.cell_backward(case.spec, case.params, case.x, case.h0, case.c0, up["h'"], up.get("c'"))
    return reference.forward_backward(
        case.spec, case.params, case.x, case.h0, case.c0, case.lengths, None, up["output"], up["h_n"], up.get("c_n")
    )


def _preactivation(w: Arrays, x: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(W_ih x + b_ih + W_hh h + b_hh, the same sum of absolute values), the second bounding rounding."""

    def both(f):
        b_ih, b_hh = w.get("bias_ih"), w.get("bias_hh")
        return linear(f(x), f(w["weight_ih"]), None if b_ih is None else f(b_ih)) + linear(
            f(h), f(w["weight_hh"]), None if b_hh is None else f(b_hh)
        )

    return both(lambda a: a), both(np.abs)


def relu_preactivations(case: Case) -> tuple[np.ndarray, np.ndarray]:
    """Every pre-activation the reference feeds to relu, and the magnitude of its terms, flattened.

    A pre-activation is a dot product; its rounding error is bounded relative to the sum of the
    absolute values of its terms, which is the second array. Only the steps each sequence actually
    runs count: padded steps never reach the outputs.
    """
    spec, params = case.spec, case.params
    if spec.is_cell:
        x = np.atleast_2d(case.x)
        h = np.zeros((x.shape[0], spec.hidden_size)) if case.h0 is None else np.atleast_2d(case.h0)
        pre, magnitude = _preactivation(params, x, h)
        return pre.ravel(), magnitude.ravel()
    unbatched = case.batch is None
    xs = case.x[:, None] if unbatched else (case.x.swapaxes(0, 1) if spec.batch_first else case.x)
    seq_len, batch = xs.shape[:2]
    if case.h0 is None:
        h0 = np.zeros((spec.directions * spec.num_layers, batch, spec.out_size))
    else:
        h0 = case.h0[:, None] if unbatched else case.h0
    lengths = np.full(batch, seq_len) if case.lengths is None else np.asarray(case.lengths)
    layer_inputs, starts = layers_forward(spec, params, xs, h0, None, lengths, None)
    running = np.arange(seq_len)[:, None] < lengths
    found: list[tuple[np.ndarray, np.ndarray]] = []
    for layer in range(spec.num_layers):
        for direction in range(spec.directions):
            weights = layer_weights(spec, params, layer, direction == 1)
            hs = np.stack([h for h, _ in starts[layer * spec.directions + direction]])
            pre, magnitude = _preactivation(weights, layer_inputs[layer], hs)
            found.append((pre[running].ravel(), magnitude[running].ravel()))
    return np.concatenate([p for p, _ in found]), np.concatenate([m for _, m in found])
