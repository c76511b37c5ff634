"""torch's derivatives beyond the first backward pass: double backward and forward-mode AD.

`along` differentiates the gradients of a backward pass (built with create_graph=True) once more,
along the example's tangents: the gradient of sum(tangent * gradient) over every leaf, a
Hessian-vector product. `forward_mode` pushes the tangents of the input, the given state and every
parameter through the module, with torch.func.jvp or with torch.autograd.forward_ad's dual tensors,
substituting the parameters with torch.func.functional_call (the documented way to give a module's
parameters tangents). A derivative that torch leaves undefined (None) is zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch.nn.utils.rnn import PackedSequence, pad_packed_sequence

from conformance.draw.example import OUTPUT, Arrays, Example, output_names
from conformance.run.modes import FunctionalCall
from conformance.run.modules import call, outputs, tensor, to_numpy

FORWARD_AD = ("jvp", "dual")
"""torch.func.jvp, or dual tensors of torch.autograd.forward_ad."""


def along(example: Example, leaves: dict[str, torch.Tensor], grads: Sequence[torch.Tensor | None]) -> Arrays:
    """The gradient, with respect to every leaf, of sum over the leaves of (tangent * gradient)."""
    assert example.tangents is not None
    terms = [
        (g * tensor(example.tangents[name], g.dtype, str(g.device))).sum()
        for name, g in zip(leaves, grads, strict=True)
        if g is not None and g.requires_grad
    ]
    if not terms:
        return {name: np.zeros(tuple(leaf.shape)) for name, leaf in leaves.items()}
    second = torch.autograd.grad(torch.stack(terms).sum(), list(leaves.values()), allow_unused=True)
    return {
        name: np.zeros(tuple(leaf.shape)) if g is None else to_numpy(g)
        for (name, leaf), g in zip(leaves.items(), second, strict=True)
    }


def as_function(
    example: Example, module: torch.nn.Module, pack: Callable[[torch.Tensor], PackedSequence] | None = None
) -> Callable[..., tuple[torch.Tensor, ...]]:
    """f(x, *states, params) -> the outputs in output_names order: the module called through
    torch.func.functional_call with `params` for its parameters; with lengths, x is packed by `pack` and
    the packed output padded back."""
    spec = example.spec

    def f(x: torch.Tensor, *rest: Any) -> tuple[torch.Tensor, ...]:
        *states, params = rest
        source: object = x
        if example.lengths is not None:
            assert pack is not None, "a packed example needs its packing"
            source = pack(x)
        named = outputs(spec, call(FunctionalCall(module, params), spec, source, *states))
        if isinstance(named.get(OUTPUT), PackedSequence):
            named[OUTPUT] = pad_packed_sequence(named[OUTPUT], spec.batch_first, total_length=example.seq_len)[0]
        return tuple(named.values())

    return f


def forward_mode(
    example: Example,
    module: torch.nn.Module,
    x: torch.Tensor,
    h0: torch.Tensor | None,
    c0: torch.Tensor | None,
    pack: Callable[[torch.Tensor], PackedSequence],
) -> Arrays:
    """Each output's derivative along the example's tangents, computed by forward-mode AD."""
    assert example.tangents is not None
    names = [name for name, _ in module.named_parameters()]
    primals = [x, *(t for t in (h0, c0) if t is not None), *(p.detach() for p in module.parameters())]
    directions = [tensor(example.tangents[name], example.dtype, example.device) for name in example.compared_gradients]
    given = 1 + len(example.state_names)
    f = as_function(example, module, pack)

    def forward(*values: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return f(*values[:given], dict(zip(names, values[given:], strict=True)))

    if example.forward_ad == "jvp":
        values, pushed = torch.func.jvp(forward, tuple(primals), tuple(directions))[:2]
        derivatives: list[torch.Tensor | None] = list(pushed)
    else:
        import torch.autograd.forward_ad as fwad

        with fwad.dual_level():
            duals = [fwad.make_dual(p, t) for p, t in zip(primals, directions, strict=True)]
            unpacked = [fwad.unpack_dual(out) for out in forward(*duals)]
            values = tuple(u.primal for u in unpacked)
            derivatives = [u.tangent for u in unpacked]
    return {
        name: to_numpy(torch.zeros_like(value) if d is None else d)
        for name, value, d in zip(output_names(example.spec), values, derivatives, strict=True)
    }
