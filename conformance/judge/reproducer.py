"""Self-contained Python snippets that replay an Example on torch: one header (the module with its
exact weights, the inputs, how they are packed, the training seed), then what is checked."""

from __future__ import annotations

import numpy as np

from conformance.draw.example import C_N, C_NEXT, H_N, H_NEXT, INPUT, OUTPUT, Example
from conformance.run import implementation, layouts
from reference import Spec, output_shapes

INLINE_LIMIT = 6000
"""Above this many numbers the snippet would be unreadable; Hypothesis usually shrinks far below it."""
TOO_LARGE = "# the case is too large to inline; rerun the failing test to let Hypothesis shrink it"
RNN_UTILS = "torch.nn.utils.rnn"


def literal(a: np.ndarray) -> str:
    return repr(np.asarray(a).tolist())


def too_large(*arrays: np.ndarray | None) -> bool:
    return sum(np.size(a) for a in arrays if a is not None) > INLINE_LIMIT


def header(example: Example) -> list[str]:
    """Lines that build the module with the example's weights and inputs and run it: `result`."""
    impl, spec, how = implementation.current(), example.spec, example.call
    lines = [impl.imports, f"dtype, device = {example.dtype}, {example.device!r}"]
    if example.kernel is not None:
        lines.append(f"torch.backends.cudnn.enabled = {example.kernel == 'cudnn'}")
    if how.cpu_kernel is not None:
        lines.append(f"torch.backends.mkldnn.enabled = {how.cpu_kernel == 'onednn'}")
    lines += [
        f"module = {impl.source(spec.kind, spec.constructor_kwargs())}.to(device, dtype)",
        "weights = {",
        *(f"    {name!r}: {literal(value)}," for name, value in example.params.items()),
        "}",
        "module.load_state_dict({k: torch.tensor(v, dtype=dtype, device=device)",
        "                        for k, v in weights.items()})",
        *parameter_lines(example),
        f"module.train({example.train_seed is not None or how.grad_mode == 'train'})",
        *input_lines(example),
        *deployed_lines(example),
    ]
    hx = "" if example.h0 is None else (", (h0, c0)" if example.c0 is not None else ", h0")
    source = "x"
    if example.lengths is not None:
        source = "packed"
        lines += packing_lines(example)
    if example.train_seed is not None:
        lines.append(f"torch.manual_seed({example.train_seed})")
    call = f"result = module({source}{hx})"
    contexts = [] if example.upstream is not None else [GRAD_MODES.get(how.grad_mode)]
    if example.autocast is not None:
        device_type = example.device.partition(":")[0]
        contexts.append(f"torch.autocast(device_type={device_type!r}, dtype={example.autocast})")
    within = ", ".join(filter(None, contexts))
    lines += [f"with {within}:", f"    {call}"] if within else [call]
    return lines


DEPLOYED = "deployed"
"""Example.extra's key for the lines that put `module` on a deployment path (export, ONNX, quantized)."""


def deployed_lines(example: Example) -> list[str]:
    lines = example.extra.get(DEPLOYED, [])
    assert isinstance(lines, list)
    return [str(line) for line in lines]


GRAD_MODES = {"no_grad": "torch.no_grad()", "inference_mode": "torch.inference_mode()"}
"""The context a grad mode of draw.calls is written as (none for the others)."""


def parameter_lines(example: Example) -> list[str]:
    """The parameters assigned anew in the call's parameter layout (then flattened, if it says so)."""
    how = example.call
    relay = layouts.source("p", how.parameter_layout)
    if relay is None:
        return []
    lines = ["for name, p in list(module.named_parameters()):", "    p = p.detach()", f"    {relay}"]
    lines.append("    setattr(module, name, torch.nn.Parameter(p))")
    flattens = how.flatten and callable(
        getattr(implementation.current().cls(example.spec.kind), "flatten_parameters", None)
    )
    return lines + (["module.flatten_parameters()"] if flattens else [])


def input_lines(example: Example) -> list[str]:
    """x, h0 and c0 as given, in the call's layouts, requiring grad where the example does."""
    how, lines = example.call, []
    backward = example.upstream is not None
    for name, value, layout in (
        ("x", example.x, how.input_layout),
        ("h0", example.h0, how.state_layout),
        ("c0", example.c0, how.state_layout),
    ):
        if value is None:
            continue
        lines.append(f"{name} = torch.tensor({literal(value)}, dtype=dtype, device=device)")
        lines += filter(None, [layouts.source(name, layout)])
        if backward or (name == "x" and how.grad_mode == "enable_grad"):
            lines.append(f"{name}.requires_grad_()")
    return lines


def packing_lines(example: Example) -> list[str]:
    """`packed`: x packed as the example says, its data in the call's input layout."""
    assert example.lengths is not None
    spec, how = example.spec, example.packing
    if how.method == "pack_sequence":
        cut = "x[b, :n]" if spec.batch_first else "x[:n, b]"
        seqs = f"[{cut} for b, n in enumerate({example.lengths!r})]"
        lines = [f"packed = {RNN_UTILS}.pack_sequence({seqs}, enforce_sorted={how.enforce_sorted})"]
    else:
        lines = [
            f"packed = {RNN_UTILS}.pack_padded_sequence(x, {example.lengths!r}, "
            f"batch_first={spec.batch_first}, enforce_sorted={how.enforce_sorted})"
        ]
    layout = example.call.input_layout
    if relay := (layouts.source("data", layout) if layout in layouts.FREE_LAYOUTS else None):
        lines += ["data = packed.data", relay, "packed = packed._replace(data=data)"]
    return lines


def output_expression(example: Example, name: str) -> str:
    """The Python expression that picks output `name` out of `result = module(...)`."""
    spec = example.spec
    if spec.is_cell:
        return {H_NEXT: "result[0]", C_NEXT: "result[1]"}[name] if spec.has_cell_state else "result"
    output = "result[0]"
    if example.lengths is not None:
        output = (
            f"{RNN_UTILS}.pad_packed_sequence(result[0], batch_first={spec.batch_first}, "
            f"total_length={example.seq_len})[0]"
        )
    hidden = {H_N: "result[1][0]", C_N: "result[1][1]"} if spec.has_cell_state else {H_N: "result[1]"}
    return {OUTPUT: output, **hidden}[name]


def gradient_expression(name: str) -> str:
    if name == INPUT:
        return "x.grad"
    if name in ("h0", "hx"):
        return "h0.grad"
    if name in ("c0", "cx"):
        return "c0.grad"
    return f"module.get_parameter({name!r}).grad"


def snippet(
    example: Example, compared: str, expected: np.ndarray, tol: float | tuple[float, float], part: str = "{0}"
) -> str:
    """Python source that replays the example and checks output or gradient `compared` (`part` of it)."""
    upstream = list((example.upstream or {}).values())
    if too_large(*example.params.values(), example.x, expected, *upstream):
        return TOO_LARGE
    rtol, atol = tol if isinstance(tol, tuple) else (tol, tol)
    lines = header(example)
    if example.tangents is not None:
        if too_large(*example.tangents.values()):
            return TOO_LARGE
        lines += tangent_lines(example)
        lines += second_order_lines(example, compared) if example.upstream is not None else jvp_lines(example, compared)
    elif example.upstream is not None and compared in example.compared_gradients:
        outputs = ", ".join(output_expression(example, name) for name in example.upstream)
        lines += [
            f"outputs = [{outputs}]",
            "upstream = [",
            *(f"    torch.tensor({literal(g)}, dtype=dtype, device=device)," for g in upstream),
            "]",
            "torch.autograd.backward(outputs, upstream)",
            f"actual = {part.format(gradient_expression(compared))}",
        ]
    else:
        lines.append(f"actual = {part.format(output_expression(example, compared))}")
    lines += [
        f"expected = torch.tensor({literal(expected)}, dtype=torch.float64)",
        f"torch.testing.assert_close(actual.double().cpu(), expected, rtol={rtol:.3g}, atol={atol:.3g})",
    ]
    return "\n".join(lines)


def leaf_expressions(example: Example) -> list[str]:
    """The leaves as the snippet names them, in the order of example.compared_gradients."""
    states = ["h0", "c0"][: len(example.state_names)]
    return ["x", *states, *(f"module.get_parameter({name!r})" for name in example.params)]


def tangent_lines(example: Example) -> list[str]:
    """`tangents`: one tensor per leaf, in the order of leaf_expressions."""
    assert example.tangents is not None
    return [
        "tangents = [",
        *(
            f"    torch.tensor({literal(example.tangents[name])}, dtype=dtype, device=device),"
            for name in example.compared_gradients
        ),
        "]",
    ]


def second_order_lines(example: Example, compared: str) -> list[str]:
    """Double backward: the gradients with create_graph=True, then the gradient of sum(tangent * gradient)."""
    assert example.upstream is not None
    outputs = ", ".join(output_expression(example, name) for name in example.upstream)
    index = example.compared_gradients.index(compared)
    return [
        f"outputs = [{outputs}]",
        "upstream = [",
        *(f"    torch.tensor({literal(g)}, dtype=dtype, device=device)," for g in example.upstream.values()),
        "]",
        f"leaves = [{', '.join(leaf_expressions(example))}]",
        "grads = torch.autograd.grad(outputs, leaves, upstream, create_graph=True, allow_unused=True)",
        "along = sum((g * t).sum() for g, t in zip(grads, tangents) if g is not None)",
        "hvp = torch.autograd.grad(along, leaves, allow_unused=True)",
        f"actual = hvp[{index}]",
    ]


def jvp_lines(example: Example, compared: str) -> list[str]:
    """Forward-mode AD: the module's outputs as a function of its inputs and parameters, pushed forward."""
    spec = example.spec
    states = ["h0", "c0"][: len(example.state_names)]
    hx = "" if not states else (", (h0, c0)" if len(states) == 2 else ", h0")
    source = "x"
    body = []
    if example.lengths is not None:
        source = "packed"
        body = [f"    {line}" for line in packing_lines(example)]
    names = list(output_shapes(spec, example.seq_len, example.batch))
    outputs = ", ".join(output_expression(example, name) for name in names)
    lines = [
        "parameter_names = [name for name, _ in module.named_parameters()]",
        f"def f({', '.join(['x', *states])}, *values):",
        *body,
        f"    result = torch.func.functional_call(module, dict(zip(parameter_names, values)), ({source}{hx},))",
        f"    return ({outputs},)",
        f"primals = [{', '.join(['x', *states])}, *(p.detach() for p in module.parameters())]",
    ]
    if example.forward_ad == "jvp":
        lines.append("_, result = torch.func.jvp(f, tuple(primals), tuple(tangents))")
    else:
        lines += [
            "import torch.autograd.forward_ad as fwad",
            "with fwad.dual_level():",
            "    duals = [fwad.make_dual(p, t) for p, t in zip(primals, tangents)]",
            "    result = [fwad.unpack_dual(out).tangent for out in f(*duals)]",
        ]
    return [*lines, f"actual = result[{names.index(compared)}]"]


def module_snippet(spec: Spec, *lines: str) -> str:
    """Python source that builds the module of `spec` as `module`, then runs `lines`."""
    impl = implementation.current()
    return "\n".join([impl.imports, f"module = {impl.source(spec.kind, spec.constructor_kwargs())}", *lines])


def construction_snippet(spec: Spec, expression: str) -> str:
    """Python source that builds the module of `spec` and prints `expression` of it (`module`)."""
    return module_snippet(spec, f"print({expression})")


def shapes_snippet(example: Example) -> str:
    """Python source that runs inputs of the example's shapes and prints the outputs' shapes."""
    impl = implementation.current()
    shapes = {"x": example.x, "h0": example.h0, "c0": example.c0}
    lines = [impl.imports, f"module = {impl.source(example.spec.kind, example.spec.constructor_kwargs())}"]
    lines += [f"{name} = torch.randn{tuple(a.shape)}" for name, a in shapes.items() if a is not None]
    hx = "" if example.h0 is None else (", (h0, c0)" if example.c0 is not None else ", h0")
    names = output_shapes(example.spec, example.seq_len, example.batch)
    shapes_dict = ", ".join(f"{name!r}: tuple({output_expression(example, name)}.shape)" for name in names)
    lines += [f"result = module(x{hx})", f"print({{{shapes_dict}}})"]
    return "\n".join(lines)


def structure_snippet(example: Example) -> str:
    """Python source that packs a batch of this shape as drawn and prints what the module returns."""
    spec, impl, how = example.spec, implementation.current(), example.packing
    lines = [
        impl.imports,
        f"dtype, device = {example.dtype}, {example.device!r}",
        f"module = {impl.source(spec.kind, spec.constructor_kwargs())}.to(device, dtype).eval()",
        f"x = torch.randn({tuple(example.x.shape)!r}, dtype=dtype, device=device)",
        f"lengths = {example.lengths!r}",
    ]
    if how.method == "pack_sequence":
        cut = "x[b, :n]" if spec.batch_first else "x[:n, b]"
        lines.append(
            f"packed = {RNN_UTILS}.pack_sequence([{cut} for b, n in enumerate(lengths)], "
            f"enforce_sorted={how.enforce_sorted})"
        )
    else:
        lines.append(
            f"packed = {RNN_UTILS}.pack_padded_sequence(x, lengths, batch_first={spec.batch_first}, "
            f"enforce_sorted={how.enforce_sorted})"
        )
    lines += [
        "output = module(packed)[0]",
        "for name in ('batch_sizes', 'sorted_indices', 'unsorted_indices'):",
        "    given, returned = getattr(packed, name), getattr(output, name)",
        "    print(name, given, returned)",
        "    same = given is returned is None or (",
        "        given is not None and returned is not None and given.dtype == returned.dtype",
        "        and given.device == returned.device and given.tolist() == returned.tolist())",
        "    assert same, f'the output carries another {name} than the input'",
    ]
    return "\n".join(lines)
