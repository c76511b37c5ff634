"""torch's answer for an Example: its outputs, and its gradients when the Example has upstream ones.

One function runs every Example, whatever it asks for: packed input, training mode with a seed,
gradients through the kernels, a module put into another mode.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pack_sequence, pad_packed_sequence

from conformance.draw.example import OUTPUT, Arrays, Example
from conformance.run.modules import build_module, call, load, outputs, tensor, to_numpy

Forward = Callable[..., object]
"""The module, or what a mode made of it: called like the module."""


@dataclass
class Result:
    outputs: Arrays
    """Named as the documentation names them; a packed output padded back to the input's layout."""
    gradients: Arrays | None = None
    """The gradients of the input, the given state and every parameter, when upstream ones were given."""
    packed: tuple[PackedSequence, PackedSequence] | None = None
    """The packed input and the packed output, as torch had them."""
    placement: dict[str, tuple[torch.dtype, torch.device]] | None = None
    """The dtype and device of each output tensor as torch returned it (a packed output's data)."""


def module_for(example: Example) -> torch.nn.Module:
    """The implementation's module for the example's configuration, holding its parameters."""
    module = build_module(example.spec, example.dtype, example.device)
    load(module, example.params, example.dtype, example.device)
    return module


def sequences(example: Example) -> list[np.ndarray]:
    """The caller's sequences, each cut at its own length."""
    assert example.lengths is not None
    xs = example.x if example.spec.batch_first else example.x.swapaxes(0, 1)
    return [xs[b, :n] for b, n in enumerate(example.lengths)]


def pack(example: Example, x: torch.Tensor) -> PackedSequence:
    """The input packed as the example says: pack_sequence of the sequences or pack_padded_sequence of x."""
    assert example.lengths is not None
    how = example.packing
    if how.method == "pack_sequence":
        seqs = [x[:n, b] if not example.spec.batch_first else x[b, :n] for b, n in enumerate(example.lengths)]
        return pack_sequence(seqs, enforce_sorted=how.enforce_sorted)
    return pack_padded_sequence(x, example.lengths, example.spec.batch_first, how.enforce_sorted)


def seed_generators(device: str, seed: int) -> None:
    """Seed the generators a forward on `device` draws its dropout masks from."""
    torch.default_generator.manual_seed(seed)
    if torch.device(device).type == "cuda":
        torch.cuda.manual_seed(seed)


def run(
    example: Example,
    module: Forward | None = None,
    parameters: Mapping[str, torch.Tensor] | None = None,
    pad: bool = True,
) -> Result:
    """Run torch on the example with `module` (by default module_for(example)).

    `parameters` are the leaves whose gradients are returned (by default the module's own). A packed
    output is padded back with pad_packed_sequence unless `pad` is False (then `outputs` leaves it out).
    """
    forward: Forward = module_for(example) if module is None else module
    if isinstance(forward, torch.nn.Module):
        forward.train(example.train_seed is not None)
    x, h0, c0 = (tensor(a, example.dtype, example.device) for a in (example.x, example.h0, example.c0))
    backward = example.upstream is not None
    leaves: dict[str, torch.Tensor] = {}
    if backward:
        assert x is not None
        leaves["input"] = x.requires_grad_()
        for name, t in zip(example.state_names, (h0, c0), strict=False):
            assert t is not None
            leaves[name] = t.requires_grad_()
        if parameters is None:
            assert isinstance(forward, torch.nn.Module)
            parameters = dict(forward.named_parameters())
        leaves |= parameters
    assert x is not None
    source: object = x if example.lengths is None else pack(example, x)
    if example.train_seed is not None:
        seed_generators(example.device, example.train_seed)
    with torch.set_grad_enabled(backward):
        named = outputs(example.spec, call(forward, example.spec, source, h0, c0))
    placement = {
        name: (data.dtype, data.device)
        for name, t in named.items()
        for data in [t.data if isinstance(t, PackedSequence) else t]
    }
    packed = None
    if isinstance(source, PackedSequence):
        packed = (source, named.pop(OUTPUT))
        if pad:
            named[OUTPUT] = pad_packed_sequence(packed[1], example.spec.batch_first, total_length=example.seq_len)[0]
    gradients = _gradients(example, named, leaves) if backward else None
    return Result({name: to_numpy(t) for name, t in named.items()}, gradients, packed, placement)


def _gradients(example: Example, named: dict[str, torch.Tensor], leaves: dict[str, torch.Tensor]) -> Arrays:
    """torch.autograd's gradients of sum(upstream * outputs); a gradient that is None is zero."""
    assert example.upstream is not None
    # An output that does not require grad contributes nothing.
    names = [name for name in example.upstream if named[name].requires_grad]
    grads = (
        torch.autograd.grad(
            [named[name] for name in names],
            list(leaves.values()),
            [tensor(example.upstream[name], example.dtype, example.device) for name in names],
            allow_unused=True,
        )
        if names
        else [None] * len(leaves)
    )
    return {
        name: np.zeros(tuple(leaf.shape)) if g is None else to_numpy(g)
        for (name, leaf), g in zip(leaves.items(), grads, strict=True)
    }
