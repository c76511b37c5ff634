"""Ways of running a module besides calling it eagerly, each a small function from an Example.

Every mode returns a `Call`: a `Forward`, something called like the module, forward(x) or
forward(x, hx), that must compute what the reference computes for the example the Call names, and
the tensors to differentiate when they are not the module's own parameters. The module a mode
starts from usually holds other weights first (`other_values`), so a mode that runs with stale
weights cannot pass by accident.
"""

from __future__ import annotations

import copy
import functools
import io
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Optional, Tuple, cast  # noqa: UP035 (TorchScript before 2.1 reads only typing generics)

import numpy as np
import torch
from torch import Tensor

from conformance.draw.example import Example
from conformance.run.modules import build_module, load, rounded, tensor
from reference import Spec

Forward = Callable[..., Any]
Arrays = dict[str, np.ndarray]


class ModeUnsupported(Exception):
    """The installed torch cannot put this module into the mode at all; the check is skipped."""


@dataclass(frozen=True)
class Call:
    """What run() is handed: the forward, the example it must compute and the leaves to differentiate."""

    forward: Forward
    example: Example
    parameters: dict[str, Tensor] | None = None
    """None: the forward is a module, differentiated for its own parameters."""
    how: str = ""
    """What this call adds to its mode's description, where it is not the mode's main call."""


# Weights -------------------------------------------------------------------------------------


def other_values(params: Arrays) -> Arrays:
    """Weights that differ from `params` everywhere they are nonzero: the same values negated."""
    return {name: -value for name, value in params.items()}


def loaded(case: Example, params: Arrays | None = None, dtype: torch.dtype | None = None) -> torch.nn.Module:
    """A module built for the case (in `dtype`, the case's by default) holding `params` (the case's)."""
    module = build_module(case.spec, dtype or case.dtype, case.device)
    load(module, case.params if params is None else params, dtype or case.dtype, case.device)
    return module


def load_into(named: Iterator[tuple[str, torch.nn.Parameter]], params: Arrays, prefix: str = "") -> None:
    """Copy params[name] into every parameter `prefix + name` that `named` lists, in place."""
    with torch.no_grad():
        for name, p in named:
            p.copy_(torch.from_numpy(params[name.removeprefix(prefix)]).to(p.device, p.dtype))


# TorchScript ---------------------------------------------------------------------------------


class _ScriptedRNN(torch.nn.Module):
    """Calls an RNN or GRU with a Tensor state: TorchScript exposes overloaded forwards only to script."""

    def __init__(self, rnn: torch.nn.Module) -> None:
        super().__init__()
        self.rnn = rnn

    def forward(self, x: Tensor, hx: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:  # noqa: UP006, UP045
        return self.rnn(x, hx)


class _ScriptedLSTM(torch.nn.Module):
    """Calls an LSTM with an (h, c) state, for the same reason."""

    def __init__(self, rnn: torch.nn.Module) -> None:
        super().__init__()
        self.rnn = rnn

    def forward(
        self,
        x: Tensor,
        hx: Optional[Tuple[Tensor, Tensor]] = None,  # noqa: UP006, UP045
    ) -> Tuple[Tensor, Tuple[Tensor, Tensor]]:  # noqa: UP006
        return self.rnn(x, hx)


SCRIPT_PREFIX = "rnn."
"""Where a full module's parameters sit in its scripted caller; cells are scripted themselves."""


def scriptable(spec: Spec, module: torch.nn.Module) -> torch.nn.Module:
    """What to hand to torch.jit.script: a cell itself; a full module inside a typed caller.

    A scripted RNN, LSTM or GRU compiles only its overloads (forward__0, forward__1) and has no
    `forward` that Python can call (pytorch/pytorch#32976, open since torch 1.4), so it is scripted
    the way TorchScript users run it: called from a scripted module.
    """
    if spec.is_cell:
        return module
    caller = _ScriptedLSTM if spec.has_cell_state else _ScriptedRNN
    # A class of its own per configuration: torch 2.0's TorchScript cannot compile one Python class
    # twice around differently configured modules ("Can't redefine method: forward").
    return type(f"{caller.__name__}_{spec.variant}", (caller,), {})(module)


@functools.lru_cache(maxsize=32)
def _scripted(spec: Spec, dtype: torch.dtype, device: str, script: Callable[..., Any]) -> Any:
    module = build_module(spec, dtype, device)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return script(scriptable(spec, module))


def scripted(case: Example) -> Call:
    """The case's module compiled by torch.jit.script, its weights loaded into the scripted module.

    Scripting a full module takes about half a second, so one scripted module per configuration is
    kept and each example loads its own weights into it: the scripted code must read the current
    values of its parameters. The cache is keyed by torch.jit.script itself, so a patched one is used.
    """
    if not hasattr(torch.jit, "script"):
        raise ModeUnsupported(f"torch {torch.__version__} has no torch.jit.script")
    spec = case.spec
    module = _scripted(spec, case.dtype, case.device, torch.jit.script)
    load_into(module.named_parameters(), case.params, "" if spec.is_cell else SCRIPT_PREFIX)
    return Call(module, case)


# torch.compile -------------------------------------------------------------------------------


def _dynamo_settings() -> dict[str, Any]:
    """Dynamo refuses RNN, GRU and LSTM modules (a graph break) unless allow_rnn is set."""
    from torch import _dynamo

    if not hasattr(_dynamo.config, "allow_rnn"):
        raise ModeUnsupported(f"torch {torch.__version__}'s dynamo has no allow_rnn setting for RNN modules")
    return {"allow_rnn": True}


@contextmanager
def dynamo_settings() -> Iterator[None]:
    """allow_rnn set, and quiet about the TorchScript deprecations that compiling runs into."""
    from torch import _dynamo

    with _dynamo.config.patch(**_dynamo_settings()), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*torch.jit.script.* is deprecated", category=DeprecationWarning)
        yield


class Compiled:
    """torch.compile(module, fullgraph=True, dynamic=True) of a module kept alongside it, called with
    allow_rnn set.

    fullgraph=True makes dynamo raise instead of silently running a graph break eagerly, so the
    values compared are those of the compiled graph. dynamic=True compiles the input's sizes as
    symbols, so one graph serves every batch size (torch unrolls the time loop: each sequence length,
    and each call with or without a state, is a graph of its own). A torch that compiles the module
    only without dynamic shapes skips the check, naming the error.
    """

    def __init__(self, module: torch.nn.Module, compile_fn: Callable[..., Any]) -> None:
        self.module, self.compile_fn = module, compile_fn
        with dynamo_settings():
            self.compiled = compile_fn(module, fullgraph=True, dynamic=True)

    def __call__(self, *args: object) -> object:
        from torch import _dynamo

        with dynamo_settings():
            try:
                return self.compiled(*args)
            except _dynamo.exc.Unsupported as exc:
                raise ModeUnsupported(f"torch.compile cannot compile {self.module}: {first_line(exc)}") from exc
            except _dynamo.exc.TorchDynamoException as exc:
                if not self.compiles_statically(*args):
                    raise
                raise ModeUnsupported(
                    f"torch {torch.__version__} compiles {self.module} only without dynamic shapes: "
                    f"dynamic=True raised {first_line(exc)}"
                ) from exc

    def compiles_statically(self, *args: object) -> bool:
        """Whether torch.compile(module, fullgraph=True, dynamic=False) compiles and runs on `args`."""
        try:
            self.compile_fn(self.module, fullgraph=True, dynamic=False)(*args)
        except Exception:
            return False
        return True


_compiled: dict[tuple[object, ...], Compiled] = {}


def compiled(case: Example) -> Call:
    """The case's module under torch.compile, its current weights loaded in place.

    Compiling takes seconds, so compile checks run one fixed configuration and sequence length per
    variant, and one compiled module is kept, for the values and the gradients alike: each example
    loads its weights into it, so the compiled code must read the parameters' current values (a
    compiler that froze them as constants would fail from the second example on), and each batch
    size drawn runs the graph compiled for the first. Dynamo's caches are reset when a new module is
    compiled, so its recompile limit never turns compilation off silently.
    """
    if not hasattr(torch, "compile"):
        raise ModeUnsupported(f"torch {torch.__version__} has no torch.compile")
    key = (case.spec, case.dtype, case.device, torch.compile)
    if key not in _compiled:
        from torch import _dynamo

        _compiled.clear()
        _dynamo.reset()
        _compiled[key] = Compiled(build_module(case.spec, case.dtype, case.device), torch.compile)
    runner = _compiled[key]
    load(runner.module, case.params, case.dtype, case.device)
    return Call(runner, case, dict(runner.module.named_parameters()))


# torch.func.functional_call ------------------------------------------------------------------


class FunctionalCall:
    """torch.func.functional_call(module, params, args), called like the module."""

    def __init__(self, module: torch.nn.Module, params: dict[str, Tensor]) -> None:
        self.module, self.params = module, params

    def __call__(self, *args: object) -> object:
        return torch.func.functional_call(self.module, self.params, args)


def functional(case: Example) -> Call:
    """functional_call of a module holding other weights, with the case's weights as tensors (leaves
    that require grad) substituted for every one."""
    module = loaded(case, other_values(case.params))
    params = {name: tensor(value, case.dtype, case.device).requires_grad_() for name, value in case.params.items()}
    return Call(FunctionalCall(module, params), case, params)


def module_itself(call: Call) -> Call:
    """After a functional call, the module called itself: it computes with its own weights again."""
    assert isinstance(call.forward, FunctionalCall)
    own = replace(call.example, params=other_values(call.example.params))
    return Call(call.forward.module, own, how="then the module itself, with its own (negated) weights")


# Copies and serialisation --------------------------------------------------------------------


def state_dict_round_trip(case: Example) -> Call:
    """A freshly built module that held other weights, loaded strictly with a loaded module's state_dict."""
    fresh = loaded(case, other_values(case.params))
    fresh.load_state_dict(loaded(case).state_dict(), strict=True)
    return Call(fresh, case)


def deep_copied(case: Example) -> Call:
    """copy.deepcopy of a loaded module; the original then gets other weights, which the copy must not see."""
    original = loaded(case)
    copied = copy.deepcopy(original)
    load(original, other_values(case.params), case.dtype, case.device)
    return Call(copied, case)


def pickled(case: Example) -> Call:
    """The whole module through torch.save and torch.load (weights_only=False: it unpickles the class)."""
    buffer = io.BytesIO()
    torch.save(loaded(case), buffer)
    buffer.seek(0)
    return Call(torch.load(buffer, weights_only=False), case)


def weights_only_round_trip(case: Example) -> Call:
    """A freshly built module that held other weights, loaded strictly with a state_dict saved by
    torch.save and read back by torch.load(weights_only=True)."""
    buffer = io.BytesIO()
    torch.save(loaded(case).state_dict(), buffer)
    buffer.seek(0)
    fresh = loaded(case, other_values(case.params))
    fresh.load_state_dict(torch.load(buffer, weights_only=True), strict=True)
    return Call(fresh, case)


# Construction and devices --------------------------------------------------------------------


def meta_materialised(case: Example) -> Call:
    """Built on the meta device, to_empty(device=...), reset_parameters(), then loaded with the case."""
    try:
        module = build_module(case.spec, case.dtype, case.device, how="meta")
    except TypeError as exc:
        raise ModeUnsupported(f"the module cannot be built on the meta device: {exc}") from None
    load(module, case.params, case.dtype, case.device)
    return Call(module, case)


def device_round_trip(case: Example) -> Call:
    """Built and loaded on the CPU, then .to(device), .cpu() and .to(device) again."""
    module = loaded(replace(case, device="cpu")).to(case.device).cpu().to(case.device)
    return Call(module, case)


# dtype conversion ----------------------------------------------------------------------------


def rounded_case(case: Example, dtype: torch.dtype) -> Example:
    """The case with its parameters and inputs rounded to `dtype`, computed in `dtype`."""

    def r(a: np.ndarray | None) -> np.ndarray | None:
        return None if a is None else rounded(a, dtype)

    params = {name: rounded(value, dtype) for name, value in case.params.items()}
    return replace(case, params=params, x=rounded(case.x, dtype), h0=r(case.h0), c0=r(case.c0), dtype=dtype)


def converted(case: Example, target: torch.dtype) -> Call:
    """A module built in the other floating dtype and converted with .to(target), computing the case
    or (into float32) the case rounded; `case` is in float64.

    Into float64: built in float32, converted, then loaded with the case's float64 weights, which it
    must keep (and compute with) at full precision. Into float32: built and loaded in float64, then
    converted, which must round every weight as loading a float32 module would: it computes the case
    rounded to float32.
    """
    if target == torch.float64:
        module = build_module(case.spec, torch.float32, case.device).to(torch.float64)
        load(module, case.params, torch.float64, case.device)
        return Call(module, case)
    return Call(loaded(case).to(target), rounded_case(case, target))


# Reassigned and tied parameters --------------------------------------------------------------


def reassigned(case: Example, names: list[str]) -> Call:
    """A module whose parameters `names` are replaced by new Parameters holding the case's values
    (`module.weight_ih_l0 = Parameter(...)`), followed by flatten_parameters(). Before, every
    reassigned parameter held other values."""
    params = dict(case.params)
    params.update({name: -case.params[name] for name in names})
    module = loaded(case, params)
    for name in names:
        setattr(module, name, torch.nn.Parameter(tensor(case.params[name], case.dtype, case.device)))
    cast(torch.nn.RNNBase, module).flatten_parameters()
    return Call(module, case)


def tie_candidates(table: list[tuple[str, tuple[int, ...]]]) -> list[tuple[str, str]]:
    """(alias, source) pairs that can be tied: each parameter and the first one before it of the same
    role (weight_ih, weight_hh, weight_hr or a bias) and shape, e.g. (weight_hh_l0_reverse, weight_hh_l0).

    Ties keep to one role so that tied weights keep the scales the strategies draw for that role.
    """
    first: dict[tuple[str, tuple[int, ...]], str] = {}
    pairs = []
    for name, shape in table:
        key = ("bias" if name.startswith("bias") else name[: len("weight_ih")], shape)
        if key in first:
            pairs.append((name, first[key]))
        else:
            first[key] = name
    return pairs


def tied_params(params: Arrays, ties: list[tuple[str, str]]) -> Arrays:
    """The parameters a tied module holds: every alias takes its source's values."""
    tied = dict(params)
    for alias, source in ties:
        tied[alias] = params[source]
    return tied


def tied(case: Example, ties: list[tuple[str, str]]) -> Call:
    """A module whose parameter `alias` is its parameter `source` (`module.alias = module.source`) for
    every tie, then loaded in place with the case's (tied) values; flatten_parameters() after tying."""
    module = build_module(case.spec, case.dtype, case.device)
    for alias, source in ties:
        setattr(module, alias, getattr(module, source))
    if hasattr(module, "flatten_parameters"):
        cast(torch.nn.RNNBase, module).flatten_parameters()
    load(module, case.params, case.dtype, case.device)
    return Call(module, case)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"
