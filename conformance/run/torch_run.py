"""torch's answer for an Example: its outputs, and its gradients when the Example has upstream ones.

One function runs every Example, whatever it asks for: packed input, training mode with a seed,
gradients through the kernels, a module put into another mode.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass

import numpy as np
import torch
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pack_sequence, pad_packed_sequence

from conformance.draw.calls import Call
from conformance.draw.example import OUTPUT, Arrays, Example
from conformance.gate import examples
from conformance.run import breadcrumb, crash_script, differentials, implementation
from conformance.run.layouts import FREE_LAYOUTS, placed
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
    given: dict[str, tuple[torch.Tensor, int]] | None = None
    """The tensors torch was called with (input, the packed input's data, h0, c0), each with its
    version counter at the call."""
    returned: dict[str, torch.Tensor] | None = None
    """The output tensors as torch returned them (a packed output's data)."""
    second_order: Arrays | None = None
    """With upstream gradients and tangents: the gradients differentiated once more along the tangents
    (double backward), named as `gradients`."""
    tangents: Arrays | None = None
    """With tangents and no upstream gradients: each output's forward-mode derivative, named as `outputs`."""

    @property
    def placement(self) -> dict[str, tuple[torch.dtype, torch.device]] | None:
        """The dtype and device of each output tensor as torch returned it."""
        return None if self.returned is None else {name: (t.dtype, t.device) for name, t in self.returned.items()}


def module_for(example: Example) -> torch.nn.Module:
    """The implementation's module for the example's configuration, holding its parameters."""
    module = build_module(example.spec, example.dtype, example.device)
    load(module, example.params, example.dtype, example.device)
    relay_parameters(module, example.call)
    return module


def relay_parameters(module: torch.nn.Module, how: Call) -> None:
    """Each parameter replaced by a Parameter of its values in the call's parameter layout (assigned,
    as a user would), then flatten_parameters() if the call says so and the module has it."""
    if how.parameter_layout == "contiguous":
        return
    for name, p in list(module.named_parameters()):
        setattr(module, name, torch.nn.Parameter(placed(p.detach(), how.parameter_layout)))
    flatten = getattr(module, "flatten_parameters", None)
    if how.flatten and callable(flatten):
        flatten()


def grad_mode(example: Example, backward: bool) -> AbstractContextManager[object]:
    """The autograd mode the forward runs in: enabled for a backward pass, else as the call says."""
    if backward:
        return torch.enable_grad()
    if example.call.grad_mode == "inference_mode":
        return torch.inference_mode()
    return torch.set_grad_enabled(example.call.grad_mode != "no_grad")


def autocast(example: Example) -> AbstractContextManager[object]:
    """torch.autocast to the example's autocast dtype on its device type, if it has one."""
    if example.autocast is None:
        return nullcontext()
    return torch.autocast(device_type=torch.device(example.device).type, dtype=example.autocast)


@contextmanager
def cpu_kernel(how: Call) -> Iterator[None]:
    """oneDNN enabled or disabled, as the call says (torch's own choice where it says nothing).

    The switch is torch.backends.mkldnn.enabled alone: its `flags()` also sets oneDNN's TF32 flag."""
    if how.cpu_kernel is None:
        yield
        return
    mkldnn = torch.backends.mkldnn
    saved = mkldnn.enabled
    setattr(mkldnn, "enabled", how.cpu_kernel == "onednn")  # noqa: B010 (a module property mypy cannot see)
    try:
        yield
    finally:
        setattr(mkldnn, "enabled", saved)  # noqa: B010


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
        return relaid(pack_sequence(seqs, enforce_sorted=how.enforce_sorted), example.call.input_layout)
    packed = pack_padded_sequence(x, example.lengths, example.spec.batch_first, how.enforce_sorted)
    return relaid(packed, example.call.input_layout)


def relaid(packed: PackedSequence, layout: str) -> PackedSequence:
    """The packed sequence with its data in `layout` (an expanded layout leaves it as packed)."""
    return packed._replace(data=placed(packed.data, layout)) if layout in FREE_LAYOUTS else packed


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
    breadcrumb.note(lambda: f"{implementation.current().name}: {example.describe()}\n{crash_script.script(example)}")
    forward: Forward = module_for(example) if module is None else module
    how = example.call
    if isinstance(forward, torch.nn.Module):
        forward.train(example.train_seed is not None or how.grad_mode == "train")
    x, h0, c0 = (
        None if a is None else placed(tensor(a, example.dtype, example.device), layout)
        for a, layout in ((example.x, how.input_layout), (example.h0, how.state_layout), (example.c0, how.state_layout))
    )
    backward = example.upstream is not None
    leaves: dict[str, torch.Tensor] = {}
    assert x is not None
    if backward:
        leaves["input"] = x.requires_grad_()
        for name, t in zip(example.state_names, (h0, c0), strict=False):
            assert t is not None
            leaves[name] = t.requires_grad_()
        if parameters is None:
            assert isinstance(forward, torch.nn.Module)
            parameters = dict(forward.named_parameters())
        leaves |= parameters
    elif how.grad_mode == "enable_grad":
        x.requires_grad_()
    examples.reached(how.axes())
    with cpu_kernel(how):
        source: object = x if example.lengths is None else pack(example, x)
        given = {name: t for name, t in (("input", x), ("h0", h0), ("c0", c0)) if t is not None}
        if isinstance(source, PackedSequence):
            given["packed input's data"] = source.data
        versions = {name: (t, t._version) for name, t in given.items()}
        if example.train_seed is not None:
            seed_generators(example.device, example.train_seed)
        with grad_mode(example, backward), autocast(example):
            named = outputs(example.spec, call(forward, example.spec, source, h0, c0))
            returned = {name: t.data if isinstance(t, PackedSequence) else t for name, t in named.items()}
            packed = None
            if isinstance(source, PackedSequence):
                packed = (source, named.pop(OUTPUT))
                if pad:
                    padded = pad_packed_sequence(packed[1], example.spec.batch_first, total_length=example.seq_len)
                    named[OUTPUT] = padded[0]
        gradients, second_order = _gradients(example, named, leaves) if backward else (None, None)
        tangents = None
        if example.tangents is not None and not backward:
            assert isinstance(forward, torch.nn.Module), "forward-mode AD substitutes a module's parameters"
            tangents = differentials.forward_mode(example, forward, x, h0, c0, lambda t: pack(example, t))
    result = Result({name: to_numpy(t) for name, t in named.items()}, gradients, packed, versions, returned)
    result.second_order, result.tangents = second_order, tangents
    return result


def _gradients(
    example: Example, named: dict[str, torch.Tensor], leaves: dict[str, torch.Tensor]
) -> tuple[Arrays, Arrays | None]:
    """torch.autograd's gradients of sum(upstream * outputs); a gradient that is None is zero. With
    tangents, the graph of the gradients is kept and differentiated along them (differentials)."""
    assert example.upstream is not None
    # An output that does not require grad contributes nothing.
    names = [name for name in example.upstream if named[name].requires_grad]
    grads = (
        torch.autograd.grad(
            [named[name] for name in names],
            list(leaves.values()),
            [tensor(example.upstream[name], example.dtype, example.device) for name in names],
            allow_unused=True,
            create_graph=example.tangents is not None,
        )
        if names
        else [None] * len(leaves)
    )
    second_order = None if example.tangents is None else differentials.along(example, leaves, grads)
    return {
        name: np.zeros(tuple(leaf.shape)) if g is None else to_numpy(g)
        for (name, leaf), g in zip(leaves.items(), grads, strict=True)
    }, second_order
