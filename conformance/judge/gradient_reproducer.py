"""Gradient comparisons that fail like compare.assert_values, with a snippet that backpropagates.

compare.assert_values' reproducer replays a forward pass; a gradient's reproducer must also give
the upstream gradients and read `.grad`, so gradients are compared here, by the same rule.
"""

from __future__ import annotations

import numpy as np

from conformance.claims import Claim
from conformance.draw.gradient_cases import GradientCase
from conformance.judge.compare import allowance, difference, fail
from conformance.judge.reproducer import INLINE_LIMIT, literal, output_expression
from conformance.run import implementation


def assert_gradient(
    claim: Claim,
    variant: str,
    name: str,
    actual: np.ndarray,
    expected: np.ndarray,
    tol: float,
    example: GradientCase,
    expected_from: str = "the reference",
) -> None:
    """Every element of gradient `name` within compare.allowance(tol) of the expected, same shape.

    The failure's reproducer backpropagates the example's upstream gradients through torch.
    """
    allowed = allowance(tol, expected)
    if finding := difference(f"grad {name}", actual, expected, allowed, expected_from):
        finding += f" (random upstream gradients on {', '.join(example.upstream)})"
        fail(claim, variant, finding, example.case, gradient_snippet(example, name, expected, tol))


def gradient_snippet(example: GradientCase, compared: str, expected: np.ndarray, tol: float) -> str:
    """Python source that rebuilds the module, backpropagates the upstream gradients and checks one.

    `compared` is a key of the gradients: "input", "h0"/"c0" ("hx"/"cx" for cells) or a parameter name.
    """
    case = example.case
    arrays = [*case.params.values(), case.x, *example.upstream.values(), expected]
    if sum(np.size(a) for a in arrays) > INLINE_LIMIT:
        return "# the case is too large to inline; rerun the failing test to let Hypothesis shrink it"
    spec = case.spec
    rnn = "torch.nn.utils.rnn"
    lines = [
        implementation.current().imports,
        f"dtype, device = {case.dtype}, {case.device!r}",
        f"module = {implementation.current().source(spec.kind, spec.constructor_kwargs())}.to(device, dtype).eval()",
        "weights = {",
        *(f"    {name!r}: {literal(value)}," for name, value in case.params.items()),
        "}",
        "module.load_state_dict({k: torch.tensor(v, dtype=dtype, device=device)",
        "                        for k, v in weights.items()})",
        "leaf = lambda v: torch.tensor(v, dtype=dtype, device=device, requires_grad=True)",
        f"x = leaf({literal(case.x)})",
    ]
    state_names = example.state_names
    hx = ""
    if state_names:
        lines.append(f"h0 = leaf({literal(case.h0)})")
        hx = ", h0"
        if case.c0 is not None:
            lines.append(f"c0 = leaf({literal(case.c0)})")
            hx = ", (h0, c0)"
    source = "x"
    if case.lengths is not None:
        source = "packed"
        lines.append(
            f"packed = {rnn}.pack_padded_sequence(x, {case.lengths!r}, batch_first={spec.batch_first}, "
            "enforce_sorted=False)"
        )
    lines.append(f"result = module({source}{hx})")
    lines.append(f"outputs = {_outputs(example)}")
    lines.append("upstream = [")
    lines += [f"    torch.tensor({literal(g)}, dtype=dtype, device=device)," for g in example.upstream.values()]
    lines.append("]")
    lines.append("torch.autograd.backward(outputs, upstream)")
    lines.append(f"actual = {_gradient_of(example, compared)}")
    lines += [
        f"expected = torch.tensor({literal(expected)}, dtype=torch.float64)",
        f"torch.testing.assert_close(actual.double().cpu(), expected, rtol={tol:.3g}, atol={tol:.3g})",
    ]
    return "\n".join(lines)


def _outputs(example: GradientCase) -> str:
    """The list of output expressions, in the order of example.upstream."""
    return "[" + ", ".join(output_expression(example.case, name) for name in example.upstream) + "]"


def _gradient_of(example: GradientCase, compared: str) -> str:
    if compared == "input":
        return "x.grad"
    if compared in ("h0", "hx"):
        return "h0.grad"
    if compared in ("c0", "cx"):
        return "c0.grad"
    return f"module.get_parameter({compared!r}).grad"
