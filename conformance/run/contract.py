"""The torch side of the generic module contract checks (conformance/test_contract.py): calls made as a
user makes them (keywords, grad mode enabled), hooks that record what they are given, and weights
parametrized with torch.nn.utils.parametrize, whose values the reference is given as NumPy computes
them from the stored originals.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np
import torch
from torch import Tensor
from torch.nn.modules import module as module_module
from torch.nn.utils import parametrizations, parametrize

from conformance.draw.example import Example
from conformance.run.modes import loaded
from conformance.run.modules import to_numpy

# Calls ---------------------------------------------------------------------------------------

POSITIONAL, HX_KEYWORD, KEYWORDS = "positional", "hx as a keyword", "input and hx as keywords"
STYLES = (POSITIONAL, HX_KEYWORD, KEYWORDS)
"""How a call passes its arguments: module(x, hx), module(x, hx=hx) or module(input=x, hx=hx)."""


class Calling:
    """Called by run() like the module, forward(x) or forward(x, hx), it calls the module as `style` says
    (grad mode enabled if `grad`), and keeps what it passed and what the module returned."""

    def __init__(self, module: torch.nn.Module, style: str = POSITIONAL, grad: bool = False) -> None:
        self.module, self.style, self.grad = module, style, grad
        self.args: tuple[Any, ...] = ()
        self.kwargs: dict[str, Any] = {}
        self.result: Any = None

    def __call__(self, x: Any, hx: Any = None) -> Any:
        given = {} if hx is None else {"hx": hx}
        if self.style == KEYWORDS:
            self.args, self.kwargs = (), {"input": x, **given}
        elif self.style == HX_KEYWORD:
            self.args, self.kwargs = (x,), given
        else:
            self.args, self.kwargs = (x, *given.values()), {}
        with torch.enable_grad() if self.grad else nullcontext():
            self.result = self.module(*self.args, **self.kwargs)
        return self.result


# Hooks ---------------------------------------------------------------------------------------

PRE, PRE_KWARGS = "forward pre-hook", "forward pre-hook with_kwargs=True"
POST, POST_KWARGS = "forward hook", "forward hook with_kwargs=True"
GLOBAL_PRE, GLOBAL_POST = "global forward pre-hook", "global forward hook"
HOOKS = (PRE, PRE_KWARGS, POST, POST_KWARGS, GLOBAL_PRE, GLOBAL_POST)
"""Every hook registered, as failures name them."""
WITH_KWARGS = (PRE_KWARGS, POST_KWARGS)
"""The hooks that are passed the keyword arguments."""
AFTER = (POST, POST_KWARGS, GLOBAL_POST)
"""The hooks called after forward, with its output."""


class Seen(NamedTuple):
    """One call of a hook: which, and what it was given (kwargs and output None where it takes none)."""

    hook: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any] | None
    output: Any


@contextmanager
def hooked(module: torch.nn.Module) -> Iterator[list[Seen]]:
    """Every hook of HOOKS registered on `module` (the global ones heeding only its calls), each recording
    what it is given and returning None; removed on exit."""
    seen: list[Seen] = []

    def pre(m: torch.nn.Module, args: tuple[Any, ...]) -> None:
        seen.append(Seen(PRE, args, None, None))

    def pre_kwargs(m: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        seen.append(Seen(PRE_KWARGS, args, dict(kwargs), None))

    def post(m: torch.nn.Module, args: tuple[Any, ...], output: Any) -> None:
        seen.append(Seen(POST, args, None, output))

    def post_kwargs(m: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any) -> None:
        seen.append(Seen(POST_KWARGS, args, dict(kwargs), output))

    def global_pre(m: torch.nn.Module, args: tuple[Any, ...]) -> None:
        if m is module:
            seen.append(Seen(GLOBAL_PRE, args, None, None))

    def global_post(m: torch.nn.Module, args: tuple[Any, ...], output: Any) -> None:
        if m is module:
            seen.append(Seen(GLOBAL_POST, args, None, output))

    handles = [
        module.register_forward_pre_hook(pre),
        module.register_forward_pre_hook(pre_kwargs, with_kwargs=True),
        module.register_forward_hook(post),
        module.register_forward_hook(post_kwargs, with_kwargs=True),
        module_module.register_module_forward_pre_hook(global_pre),
        module_module.register_module_forward_hook(global_post),
    ]
    try:
        yield seen
    finally:
        for handle in handles:
            handle.remove()


def same(a: object, b: object) -> bool:
    """Whether `a` is `b`, tensor for tensor, through tuples and lists (an hx pair, an output tuple)."""
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a is b


def same_kwargs(a: dict[str, Any] | None, b: dict[str, Any]) -> bool:
    return a is not None and a.keys() == b.keys() and all(same(a[k], b[k]) for k in b)


# Parametrized weights ------------------------------------------------------------------------

SCALED, WEIGHT_NORM, ORTHOGONAL = "scaled", "weight_norm", "orthogonal"
KINDS = tuple(k for k in (SCALED, WEIGHT_NORM, ORTHOGONAL) if k != WEIGHT_NORM or hasattr(parametrizations, k))
"""The parametrizations drawn: torch.nn.utils.parametrizations.weight_norm is torch 2.1's."""
FACTORS = (2.0, -1.0, 0.5)
"""The scalings drawn: exact in binary, so the reference's w = factor * original is torch's exactly."""
PERTURBATION = 0.3
"""The scale of the noise added in place to an orthogonal parametrization's original, below its diagonal."""


class Scaled(torch.nn.Module):
    """A custom parametrization: the weight is `factor` times the original."""

    def __init__(self, factor: float) -> None:
        super().__init__()
        self.factor = factor

    def forward(self, w: Tensor) -> Tensor:
        return w * self.factor

    def right_inverse(self, w: Tensor) -> Tensor:
        return w / self.factor


SCALED_SOURCE = [
    "class Scaled(torch.nn.Module):",
    "    def __init__(self, factor): super().__init__(); self.factor = factor",
    "    def forward(self, w): return w * self.factor",
    "    def right_inverse(self, w): return w / self.factor",
]


@dataclass(frozen=True)
class Parametrization:
    """One weight's parametrization: its kind (KINDS) and, for SCALED, the factor."""

    name: str
    kind: str
    factor: float = 1.0

    def describe(self) -> str:
        return f"{self.name} {self.kind}" + (f" by {self.factor}" if self.kind == SCALED else "")

    def source(self) -> str:
        """How the reproducer registers it."""
        if self.kind == SCALED:
            return f"torch.nn.utils.parametrize.register_parametrization(module, {self.name!r}, Scaled({self.factor}))"
        return f"torch.nn.utils.parametrizations.{self.kind}(module, {self.name!r})"


def register(module: torch.nn.Module, p: Parametrization) -> None:
    if p.kind == SCALED:
        parametrize.register_parametrization(module, p.name, Scaled(p.factor))
    elif p.kind == WEIGHT_NORM:
        parametrizations.weight_norm(module, p.name)
    else:
        parametrizations.orthogonal(module, p.name)


def originals(module: torch.nn.Module, name: str) -> list[Tensor]:
    """The stored originals of a parametrized weight: `original`, or `original0`, `original1`, ..."""
    stored: Any = getattr(module, "parametrizations")[name]  # noqa: B009 (added by register_parametrization)
    if hasattr(stored, "original"):
        return [stored.original]
    found: list[Tensor] = []
    while hasattr(stored, f"original{len(found)}"):
        found.append(getattr(stored, f"original{len(found)}"))
    return found


def value(module: torch.nn.Module, p: Parametrization) -> np.ndarray:
    """The weight the documentation says the module computes with, as NumPy computes it from the stored
    originals (for SCALED and WEIGHT_NORM); for ORTHOGONAL the parametrized weight's own value."""
    if p.kind == ORTHOGONAL:
        return to_numpy(getattr(module, p.name))
    stored = [to_numpy(t) for t in originals(module, p.name)]
    if p.kind == SCALED:
        return p.factor * stored[0]
    g, v = stored
    norms = np.sqrt(np.sum(v * v, axis=tuple(range(1, v.ndim)), keepdims=True))
    return g * v / norms


def effective(case: Example, module: torch.nn.Module, plan: list[Parametrization]) -> Example:
    """The case with each parametrized weight replaced by its value()."""
    return replace(case, params={**case.params, **{p.name: value(module, p) for p in plan}})


def registration_source(plan: list[Parametrization]) -> list[str]:
    """Python source that parametrizes `module` as `plan` says (for a reproducer, after the weights are
    loaded): registered on a module holding the values effective() gives, each parametrization leaves
    them as they are, up to rounding."""
    lines = list(SCALED_SOURCE) if any(p.kind == SCALED for p in plan) else []
    return lines + [p.source() for p in plan]


def parametrized(case: Example, plan: list[Parametrization], seed: int) -> tuple[torch.nn.Module, Example]:
    """A module loaded with the case's weights, then parametrized as `plan` says, and the case it must
    compute. weight_norm's magnitudes g are then rescaled by factors drawn from `seed` (in [0.5, 1], of
    either sign), so that the weight is not its direction v."""
    module = loaded(case)
    rng = np.random.default_rng(seed)
    for p in plan:
        register(module, p)
        if p.kind == WEIGHT_NORM:
            g = originals(module, p.name)[0]
            factors = rng.uniform(0.5, 1.0, g.shape) * rng.choice([-1.0, 1.0], g.shape)
            with torch.no_grad():
                g.mul_(torch.from_numpy(factors).to(g.device, g.dtype))
    return module, effective(case, module, plan)


def change_originals(module: torch.nn.Module, plan: list[Parametrization], seed: int) -> None:
    """Each parametrization's originals changed in place: a scaled weight's original and weight_norm's
    direction v negated, noise drawn from `seed` added to an orthogonal one's below its diagonal (in its
    tall form, the transpose of a wide one): every orthogonal map reads those elements as free
    parameters, while the householder map reads the diagonal as the signs of Q's columns, +1 or -1
    (through .int(), so that a diagonal moved off them, as weight decay moves it, zeroes a column)."""
    rng = np.random.default_rng(seed + 1)
    with torch.no_grad():
        for p in plan:
            stored = originals(module, p.name)
            if p.kind == ORTHOGONAL:
                m, n = stored[0].shape
                below = np.tril(np.ones((m, n)), -1) if m >= n else np.triu(np.ones((m, n)), 1)
                noise = PERTURBATION * rng.standard_normal((m, n)) * below
                stored[0].add_(torch.from_numpy(noise).to(stored[0].device, stored[0].dtype))
            else:
                stored[-1].neg_()


def orthonormality(w: np.ndarray) -> float:
    """The largest element of |Q^T Q - I| (tall or square Q) or |Q Q^T - I| (wide Q)."""
    m, n = w.shape
    gram = w.T @ w if m >= n else w @ w.T
    return float(np.max(np.abs(gram - np.eye(min(m, n)))))
