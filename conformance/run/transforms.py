"""torch.func's transforms applied to a module through torch.func.functional_call.

Each function takes an Example (its configuration, inputs, parameters and the way torch is called:
device, dtype, CPU kernel) and returns torch's answer as float64 arrays named as the documentation
names the outputs (output, h_n, c_n; h', c') or the gradients (input, h0, c0, parameters).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from conformance.draw.example import Arrays, Example, output_names
from conformance.gate import examples
from conformance.run.differentials import as_function
from conformance.run.modules import build_module, tensor, to_numpy
from conformance.run.torch_run import cpu_kernel, module_for, pack

Outputs = Callable[..., tuple[torch.Tensor, ...]]


def function_of(example: Example) -> Outputs:
    """The example's module (module_for) as f(x, *states, params), packing x as the example says."""
    return as_function(example, module_for(example), lambda x: pack(example, x))


def tensors(example: Example) -> tuple[torch.Tensor, list[torch.Tensor], dict[str, torch.Tensor]]:
    """The example's input, given states and parameters as tensors of its dtype and device."""
    x = tensor(example.x, example.dtype, example.device)
    states = [tensor(a, example.dtype, example.device) for a in (example.h0, example.c0) if a is not None]
    params = {name: tensor(value, example.dtype, example.device) for name, value in example.params.items()}
    return x, states, params


def scalar(example: Example, f: Outputs) -> Callable[..., torch.Tensor]:
    """sum(upstream * outputs) as a function of f's arguments."""
    assert example.upstream is not None
    upstream = [tensor(example.upstream[name], example.dtype, example.device) for name in output_names(example.spec)]
    return lambda *args: sum((u * out).sum() for u, out in zip(upstream, f(*args), strict=True))  # type: ignore[return-value]


def grad(example: Example) -> Arrays:
    """torch.func.grad of sum(upstream * outputs) with respect to the input, the states and the parameters."""
    x, states, params = tensors(example)
    f = function_of(example)
    examples.reached(example.call.axes())
    with cpu_kernel(example.call):
        found = torch.func.grad(scalar(example, f), argnums=tuple(range(2 + len(states))))(x, *states, params)
    named = dict(zip(["input", *example.state_names], found[:-1], strict=True))
    return {name: to_numpy(g) for name, g in named.items()} | {k: to_numpy(g) for k, g in found[-1].items()}


def jacobian(example: Example, transform: Callable[..., Callable[..., object]]) -> Arrays:
    """transform(f) (jacrev or jacfwd) of every output with respect to the input: out.shape + x.shape."""
    x, states, params = tensors(example)
    f = function_of(example)
    examples.reached(example.call.axes())
    with cpu_kernel(example.call):
        found = transform(f)(x, *states, params)
    assert isinstance(found, tuple)
    return {name: to_numpy(j) for name, j in zip(output_names(example.spec), found, strict=True)}


def hessian(example: Example) -> np.ndarray:
    """torch.func.hessian of sum(upstream * outputs) with respect to the input: x.shape + x.shape."""
    x, states, params = tensors(example)
    f = function_of(example)
    examples.reached(example.call.axes())
    with cpu_kernel(example.call):
        found = torch.func.hessian(scalar(example, f))(x, *states, params)
    return to_numpy(found)


def vmapped_inputs(members: Sequence[Example]) -> Arrays:
    """vmap over the members' stacked inputs (and states) of one module: each output stacked over members."""
    first = members[0]
    f = function_of(first)
    given = [tensors(m) for m in members]
    x = torch.stack([g[0] for g in given])
    states = [torch.stack([g[1][k] for g in given]) for k in range(len(given[0][1]))]
    params = given[0][2]
    examples.reached(first.call.axes())
    with cpu_kernel(first.call):
        found = torch.func.vmap(lambda x, *states: f(x, *states, params))(x, *states)
    return {name: to_numpy(o) for name, o in zip(output_names(first.spec), found, strict=True)}


def ensembled(members: Sequence[Example]) -> Arrays:
    """The documented ensembling recipe: stack_module_state of the members' modules (one configuration,
    each its own parameters), vmap of functional_call over them, one input: each output stacked."""
    first = members[0]
    modules = [module_for(m) for m in members]
    params, buffers = torch.func.stack_module_state(modules)
    f = as_function(first, build_module(first.spec, first.dtype, "meta"))
    x, states, _ = tensors(first)

    def one(params: dict[str, torch.Tensor], buffers: dict[str, torch.Tensor]) -> tuple[torch.Tensor, ...]:
        return f(x, *states, {**params, **buffers})

    examples.reached(first.call.axes())
    with cpu_kernel(first.call):
        found = torch.func.vmap(one)(params, buffers)
    return {name: to_numpy(o) for name, o in zip(output_names(first.spec), found, strict=True)}
