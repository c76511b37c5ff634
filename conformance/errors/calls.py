"""The calls an error row makes: constructor calls, and forward calls described by shapes."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import NoReturn

import torch

from conformance.claims import Claim
from conformance.errors.shapes import Shape
from conformance.judge.compare import fail
from conformance.judge.raising import call_source, expect_accepted, expect_raises
from conformance.run import implementation
from reference import Spec

ONEDNN_WARNING_TEXT = "LSTM with projections is not supported with oneDNN"


@dataclass(frozen=True)
class Construction:
    """A constructor call: the implementation's class `kind` built with `kwargs`."""

    kind: str
    kwargs: dict[str, object]

    @classmethod
    def of(cls, spec: Spec, **changes: object) -> Construction:
        """The constructor call for `spec`, with the keyword arguments in `changes` replaced."""
        return cls(spec.kind, spec.constructor_kwargs() | changes)

    def describe(self) -> str:
        """The call as a failure names it: nn.LSTM(...) for torch.nn's."""
        return call_source(implementation.current().short(self.kind), **self.kwargs)

    def expression(self) -> str:
        """The call as Python source, after the implementation's imports."""
        return call_source(implementation.current().expression(self.kind), **self.kwargs)

    def repro(self) -> str:
        return f"{implementation.current().imports}\n{self.expression()}"

    def build(self) -> object:
        return implementation.current().build(self.kind, **self.kwargs)

    def expect_raises(self, claim: Claim, variant: str, exc_type: type[Exception], fragment: str) -> None:
        expect_raises(claim, variant, exc_type, fragment, self._quietly, self.describe(), self.repro())

    def expect_accepted(self, claim: Claim, variant: str) -> tuple[torch.nn.Module, list[warnings.WarningMessage]]:
        """The module, which must be built without raising, and the warnings it emitted (but oneDNN's)."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            module = expect_accepted(claim, variant, self.build, self.describe(), self.repro())
        assert isinstance(module, torch.nn.Module)
        return module, [w for w in caught if ONEDNN_WARNING_TEXT not in str(w.message)]

    def fail(self, claim: Claim, variant: str, finding: str) -> NoReturn:
        """Fails `claim`: this call `finding` (what it did, and what the documentation says)."""
        fail(claim, variant, f"{self.describe()} {finding}", repro=self.repro())

    def _quietly(self) -> object:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.build()


HX_FORMS = ("documented", "alone", "tuple", "triple", "list")
"""How hx is passed: as documented (h_0, or (h_0, c_0) for LSTMs); h_0 alone for an LSTM; (h_0,) for
the others; (h_0, c_0, c_0); a list of floats in place of h_0."""


@dataclass(frozen=True)
class Call:
    """A forward call described by shapes: x, and h_0 (with c_0 for LSTMs) when given; the states in
    `state_dtype` (the module's float32 if None), hx passed in `hx_form` (HX_FORMS)."""

    spec: Spec
    x: Shape
    h: Shape | None = None
    c: Shape | None = None
    kwargs: dict[str, object] | None = None
    """The constructor arguments, when they differ from the spec's."""
    state_dtype: str | None = None
    hx_form: str = "documented"
    state_device: str | None = None
    """The device of the states, where it is not the module's."""
    lengths: tuple[int, ...] | None = None
    """Given, x reaches the module packed by pack_padded_sequence with these lengths."""
    enforce_sorted: bool = False

    @property
    def construction(self) -> Construction:
        """How the called module is built."""
        return Construction(self.spec.kind, self.spec.constructor_kwargs() if self.kwargs is None else self.kwargs)

    def run(self, module: torch.nn.Module, device: str) -> object:
        return eval(self.arguments(device), {"torch": torch, "module": module})  # the reproducer's own call

    def arguments(self, device: str) -> str:
        """The call `module(...)` as Python source."""
        dtype = f", dtype=torch.{self.state_dtype}" if self.state_dtype else ""
        zeros = lambda shape, on=device, extra="": f"torch.zeros({shape!r}, device={on!r}{extra})"
        args = [zeros(self.x)]
        if self.lengths is not None:
            batch_first = self.spec.batch_first
            args = [
                f"torch.nn.utils.rnn.pack_padded_sequence({args[0]}, {list(self.lengths)!r}, "
                f"batch_first={batch_first}, enforce_sorted={self.enforce_sorted})"
            ]
        if self.h is not None:
            on = self.state_device or device
            h = zeros(self.h, on, dtype)
            c = None if self.c is None else zeros(self.c, on, dtype)
            hx = {
                "documented": h if c is None else f"({h}, {c})",
                "alone": h,
                "tuple": f"({h},)",
                "triple": f"({h}, {c or h}, {c or h})",
                "list": f"{h}.tolist()",
            }[self.hx_form]
            args.append(hx)
        return f"module({', '.join(args)})"

    def describe(self) -> str:
        shapes = [f"x of shape {self.x}"]
        if self.h is not None:
            shapes.append(f"h_0 of shape {self.h}")
        if self.c is not None:
            shapes.append(f"c_0 of shape {self.c}")
        if self.state_dtype:
            shapes.append(f"the states in {self.state_dtype}")
        if self.state_device:
            shapes.append(f"the states on {self.state_device}")
        if self.hx_form != "documented":
            shapes.append(f"hx passed {self.hx_form} ({self.arguments('cpu')})")
        if self.lengths is not None:
            shapes.append(f"x packed with lengths {list(self.lengths)} (enforce_sorted={self.enforce_sorted})")
        return f"{self.construction.describe()} called on {', '.join(shapes)}"

    def repro(self, device: str) -> str:
        to = "" if device == "cpu" else f".to({device!r})"
        module = f"module = {self.construction.expression()}{to}"
        return "\n".join([implementation.current().imports, module, self.arguments(device)])

    def expect_raises(
        self,
        claim: Claim,
        variant: str,
        module: torch.nn.Module,
        device: str,
        exc_type: type[Exception],
        fragment: str,
    ) -> None:
        run = lambda: self.run(module, device)
        expect_raises(claim, variant, exc_type, fragment, run, self.describe(), self.repro(device))

    def expect_accepted(self, claim: Claim, variant: str, module: torch.nn.Module, device: str) -> None:
        with torch.no_grad():
            expect_accepted(claim, variant, lambda: self.run(module, device), self.describe(), self.repro(device))


def call_with(spec: Spec, x: Shape, state: dict[str, Shape]) -> Call:
    return Call(spec, x, state.get("h"), state.get("c"))


def describe_warnings(caught: list[warnings.WarningMessage]) -> str:
    return "; ".join(f"{w.category.__name__}: {w.message}" for w in caught) or "none"


def attempt(call: Call, device: str) -> str:
    """Build the call's module and make the call (in an isolated child); the shapes it returned."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module = call.construction.build()
    assert isinstance(module, torch.nn.Module)
    with torch.no_grad():
        result = call.run(module.to(device), device)
    return str(_shapes(result))


def _shapes(result: object) -> object:
    """The shapes in a forward's result (a packed output by its data's), for a failure to name."""
    if isinstance(result, torch.Tensor):
        return tuple(result.shape)
    if isinstance(result, torch.nn.utils.rnn.PackedSequence):
        return f"PackedSequence{tuple(result.data.shape)}"
    if isinstance(result, (tuple, list)):
        return tuple(_shapes(r) for r in result)
    return type(result).__name__
