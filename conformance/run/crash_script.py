"""A standalone script that makes the call an Example makes, for a call that may kill the process: the
crash guard (gate/guard.py) prints it when the check's process dies or hangs in the call.

It builds the module from the example's constructor arguments (with the implementation's default
weights), moves it to the example's device and dtype, and calls it on random inputs of the example's
shapes (packed, where the example packs its batch). A crash that depends on the configuration and the
sizes (the usual kind: a kernel that reads past a buffer at one size) crashes the script the same
way; the values, layouts and grad mode of the example are not replayed (a failure that is not a crash
has the judge's full reproducer).
"""

from __future__ import annotations

from conformance.draw.example import Example
from conformance.run import implementation


def script(example: Example) -> str:
    impl = implementation.current()
    spec, dtype, device = example.spec, str(example.dtype), example.device
    tensor = lambda shape: f"torch.randn({tuple(shape)!r}, dtype={dtype}, device={device!r})"
    lines = [
        impl.imports,
        f"module = {impl.source(spec.kind, spec.constructor_kwargs())}.to({device!r}, {dtype})",
        f"x = {tensor(example.x.shape)}",
    ]
    if example.lengths is not None:
        lines.append(
            f"x = torch.nn.utils.rnn.pack_padded_sequence(x, {list(example.lengths)!r}, "
            f"batch_first={spec.batch_first}, enforce_sorted=False)"
        )
    arguments = "x"
    if example.h0 is not None:
        lines.append(f"h0 = {tensor(example.h0.shape)}")
        arguments = "x, h0"
    if example.c0 is not None:
        lines.append(f"c0 = {tensor(example.c0.shape)}")
        arguments = "x, (h0, c0)"
    lines.append(f"module({arguments})")
    return "\n".join(lines)
