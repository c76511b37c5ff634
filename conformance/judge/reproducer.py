"""A self-contained Python snippet that replays a Case on torch and compares with the expected value."""

from __future__ import annotations

import numpy as np

from conformance.draw.example import Case
from conformance.run import implementation
from reference import Spec, output_shapes

INLINE_LIMIT = 6000
"""Above this many numbers the snippet would be unreadable; Hypothesis usually shrinks far below it."""


def literal(a: np.ndarray) -> str:
    return repr(np.asarray(a).tolist())


def snippet(case: Case, compared: str, expected: np.ndarray, tol: float | tuple[float, float]) -> str:
    """Python source that rebuilds the module with its exact weights, runs it, and checks `compared`."""
    rtol, atol = tol if isinstance(tol, tuple) else (tol, tol)
    arrays = [*case.params.values(), case.x, expected]
    if sum(np.size(a) for a in arrays) > INLINE_LIMIT:
        return "# the case is too large to inline; rerun the failing test to let Hypothesis shrink it"
    spec = case.spec
    dtype = str(case.dtype)
    lines = [
        implementation.current().imports,
        f"dtype, device = {dtype}, {case.device!r}",
        f"module = {implementation.current().source(spec.kind, spec.constructor_kwargs())}.to(device, dtype).eval()",
        "weights = {",
        *(f"    {name!r}: {literal(value)}," for name, value in case.params.items()),
        "}",
        "module.load_state_dict({k: torch.tensor(v, dtype=dtype, device=device)",
        "                        for k, v in weights.items()})",
        f"x = torch.tensor({literal(case.x)}, dtype=dtype, device=device)",
    ]
    args = ["x"]
    if case.h0 is not None:
        lines.append(f"h0 = torch.tensor({literal(case.h0)}, dtype=dtype, device=device)")
        if case.c0 is not None:
            lines.append(f"c0 = torch.tensor({literal(case.c0)}, dtype=dtype, device=device)")
            args.append("(h0, c0)")
        else:
            args.append("h0")
    if case.lengths is not None:
        lines.append(
            f"x = torch.nn.utils.rnn.pack_padded_sequence(x, {case.lengths!r}, "
            f"batch_first={spec.batch_first}, enforce_sorted=False)"
        )
    lines.append(f"result = module({', '.join(args)})")
    lines.append(f"actual = {output_expression(case, compared)}")
    lines += [
        f"expected = torch.tensor({literal(expected)}, dtype=torch.float64)",
        f"torch.testing.assert_close(actual.double().cpu(), expected, rtol={rtol:.3g}, atol={atol:.3g})",
    ]
    return "\n".join(lines)


def output_expression(case: Case, compared: str) -> str:
    """The Python expression that picks output `compared` out of `result = module(...)`."""
    spec = case.spec
    if spec.is_cell:
        return {"h'": "result[0]", "c'": "result[1]"}[compared] if spec.has_cell_state else "result"
    output = "result[0]"
    if case.lengths is not None:
        output = (
            f"torch.nn.utils.rnn.pad_packed_sequence(result[0], batch_first={spec.batch_first}, "
            f"total_length={case.seq_len})[0]"
        )
    hidden = {"h_n": "result[1][0]", "c_n": "result[1][1]"} if spec.has_cell_state else {"h_n": "result[1]"}
    return {"output": output, **hidden}[compared]


def construction_snippet(spec: Spec, expression: str) -> str:
    """Python source that builds the module of `spec` and prints `expression` of it (`module`)."""
    return "\n".join(
        [
            implementation.current().imports,
            f"module = {implementation.current().source(spec.kind, spec.constructor_kwargs())}",
            f"print({expression})",
        ]
    )


def shapes_snippet(case: Case) -> str:
    """Python source that runs inputs of the case's shapes and prints the outputs' shapes."""
    shapes = {"x": case.x, "h0": case.h0, "c0": case.c0}
    impl = implementation.current()
    lines = [impl.imports, f"module = {impl.expression(case.spec.kind)}(**{case.spec.constructor_kwargs()!r})"]
    lines += [f"{name} = torch.randn{tuple(a.shape)}" for name, a in shapes.items() if a is not None]
    hx = "" if case.h0 is None else (", (h0, c0)" if case.c0 is not None else ", h0")
    names = output_shapes(case.spec, case.seq_len, case.batch)
    shapes_dict = ", ".join(f"{name!r}: tuple({output_expression(case, name)}.shape)" for name in names)
    lines += [f"result = module(x{hx})", f"print({{{shapes_dict}}})"]
    return "\n".join(lines)
