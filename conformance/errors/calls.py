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


@dataclass(frozen=True)
class Call:
    """A forward call described by shapes: x, and h_0 (with c_0 for LSTMs) when given."""

    spec: Spec
    x: Shape
    h: Shape | None = None
    c: Shape | None = None
    kwargs: dict[str, object] | None = None
    """The constructor arguments, when they differ from the spec's."""

    @property
    def construction(self) -> Construction:
        """How the called module is built."""
        return Construction(self.spec.kind, self.spec.constructor_kwargs() if self.kwargs is None else self.kwargs)

    def run(self, module: torch.nn.Module, device: str) -> object:
        x = torch.zeros(self.x, device=device)
        if self.h is None:
            return module(x)
        h = torch.zeros(self.h, device=device)
        return module(x, h) if self.c is None else module(x, (h, torch.zeros(self.c, device=device)))

    def describe(self) -> str:
        shapes = [f"x of shape {self.x}"]
        if self.h is not None:
            shapes.append(f"h_0 of shape {self.h}")
        if self.c is not None:
            shapes.append(f"c_0 of shape {self.c}")
        return f"{self.construction.describe()} called on {', '.join(shapes)}"

    def repro(self, device: str) -> str:
        to = "" if device == "cpu" else f".to({device!r})"
        zeros = lambda shape: f"torch.zeros({shape!r}, device={device!r})"
        args = [zeros(self.x)]
        if self.h is not None:
            args.append(zeros(self.h) if self.c is None else f"({zeros(self.h)}, {zeros(self.c)})")
        module = f"module = {self.construction.expression()}{to}"
        return "\n".join([implementation.current().imports, module, f"module({', '.join(args)})"])

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
