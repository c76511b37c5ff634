"""How every mutant patches torch: a `_VF` kernel, a class's method (or __init__), a module's function.

A `Mutant` is a named way of breaking torch: calling it gives a context manager within which torch is
patched in-process, undone on exit. Kernels are patched through the `_VF` object that
torch.nn.modules.rnn calls, so the modules' own Python code runs unchanged; methods and functions are
replaced on their owner. A mutant that is one patch is one line:

    lstm_gates_i_f_swapped = on_kernels(lstm=with_weights(gates_permuted([1, 0, 2, 3], 4)))

Mutants written as one line are named after the variable that holds them (tests.meta.mutants names
them when the groups load); the decorators (`mutant`, `applying`, `around`, `after_init`) name theirs
after the decorated function, and take its docstring.

Each mutant declares the rows it is run in (tests.meta.kill): the claims whose checks must catch it,
`mutant.caught_by(claim, *variants)`, or, for a faithful re-implementation, must pass with it,
`mutant.passes(claim, *variants)`. A decorated mutant declares its kills with the `caught_by` decorator:

    @caught_by(VALUES, "LSTM", "GRU")
    @around(RNNBase, "forward")
    def ...
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

import pytest
import torch
from torch.nn.modules import rnn as rnn_module

from conformance.claims import Claim

Kernel = Callable[..., Any]
Make = Callable[[Kernel], Kernel]
"""A replacement kernel, made from the real one."""
Patch = Callable[[], AbstractContextManager[None]]
Change = TypeVar("Change", bound=Callable[..., Any])

FULL = ("lstm", "gru", "rnn_tanh", "rnn_relu")
"""The full-module kernels, as _VF names them."""
CELLS = ("lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell")
"""The cell kernels."""


class Declared(NamedTuple):
    """A row declared on a mutant: the check of `claim`, run for `variant` with the parameters `chosen`
    (a dtype, tf32), must fail with the mutant applied, or pass where `passes`."""

    passes: bool
    claim: Claim
    variant: str
    chosen: dict[str, object]


@dataclass(eq=False)
class Mutant:
    """A named way of breaking torch: `mutant()` is a context manager within which torch is broken."""

    patch: Patch
    name: str = ""
    doc: str = ""
    rows: list[Declared] = field(default_factory=list)
    """The rows it is run in, as declared by `caught_by` and `passes`."""
    where: str = ""
    """`module:attribute` of the mutant, for a process that applies it by name (the isolated child)."""

    def __call__(self) -> AbstractContextManager[None]:
        return self.patch()

    def caught_by(self, claim: Claim, *variants: str, **chosen: object) -> Mutant:
        """This mutant, declared to be caught by the check of `claim` for each of `variants`."""
        self.rows += [Declared(False, claim, variant, chosen) for variant in variants]
        return self

    def passes(self, claim: Claim, *variants: str, **chosen: object) -> Mutant:
        """This mutant, a faithful re-implementation, declared to pass the check of `claim` for each of
        `variants`."""
        self.rows += [Declared(True, claim, variant, chosen) for variant in variants]
        return self

    def __repr__(self) -> str:
        return f"Mutant({self.name or '?'})"


def name_mutants(namespace: dict[str, object]) -> None:
    """Names each unnamed Mutant in `namespace` (a module's globals) after its variable, and tells each
    where it is found."""
    for name, value in namespace.items():
        if isinstance(value, Mutant):
            value.name = value.name or name
            value.where = value.where or f"{namespace['__name__']}:{name}"


def caught_by(claim: Claim, *variants: str, **chosen: object) -> Callable[[Mutant], Mutant]:
    """A decorator: the decorated mutant, declared to be caught by the check of `claim` for each of `variants`."""
    return lambda m: m.caught_by(claim, *variants, **chosen)


def mutant(body: Callable[[], Iterator[None]]) -> Mutant:
    """A decorator: the mutant whose patch is the decorated generator (as for contextlib.contextmanager)."""
    return Mutant(contextmanager(body), body.__name__, body.__doc__ or "")


def applying(patch: Callable[[Change], AbstractContextManager[None]]) -> Callable[[Change], Mutant]:
    """A decorator: the mutant that applies patch(the decorated change), named and documented by the change."""

    def decorate(change: Change) -> Mutant:
        return Mutant(lambda: patch(change), change.__name__, change.__doc__ or "")

    return decorate


def combined(*mutants: Mutant) -> Mutant:
    """Every one of `mutants` at once (unnamed, like a one-line mutant)."""

    @contextmanager
    def patch() -> Iterator[None]:
        with ExitStack() as stack:
            for m in mutants:
                stack.enter_context(m())
            yield

    return Mutant(patch)


# Attributes: methods, __init__, functions ------------------------------------------------------


def _each(owners: object) -> tuple[object, ...]:
    return owners if isinstance(owners, tuple) else (owners,)


@contextmanager
def wrapped(owners: object, name: str, wrap: Callable[[Any], Any]) -> Iterator[None]:
    """owner.name replaced by wrap(the real owner.name), for each of `owners` (one, or a tuple)."""
    with pytest.MonkeyPatch.context() as mp:
        for owner in _each(owners):
            mp.setattr(owner, name, wrap(getattr(owner, name)))
        yield


def replaced(owners: object, name: str, value: object) -> AbstractContextManager[None]:
    """owner.name replaced by `value`, for each of `owners` (one, or a tuple)."""
    return wrapped(owners, name, lambda real: value)


def replacing(owners: object, name: str, value: object) -> Mutant:
    """owner.name replaced by `value`, for each of `owners`."""
    return Mutant(lambda: replaced(owners, name, value))


def wrapping(owners: object, name: str, wrap: Callable[[Any], Any]) -> Mutant:
    """owner.name replaced by wrap(the real owner.name), for each of `owners`."""
    return Mutant(lambda: wrapped(owners, name, wrap))


def around(owners: object, name: str) -> Callable[[Change], Mutant]:
    """A decorator: the mutant that puts the decorated function in place of owner.name (for each of
    `owners`), called with the real owner.name before the arguments."""

    def wrap(change: Change) -> Callable[[Any], Any]:
        return lambda real: lambda *args, **kwargs: change(real, *args, **kwargs)

    return applying(lambda change: wrapped(owners, name, wrap(change)))


def after_init(*classes: type) -> Callable[[Callable[[Any], None]], Mutant]:
    """A decorator: the mutant that runs the decorated function on each new instance of `classes`,
    after their own __init__."""

    def then(after: Callable[[Any], None]) -> Callable[[Any], Any]:
        def wrap(real: Callable[..., None]) -> Callable[..., None]:
            def init(self: Any, *args: Any, **kwargs: Any) -> None:
                real(self, *args, **kwargs)
                after(self)

            return init

        return wrap

    return applying(lambda after: wrapped(classes, "__init__", then(after)))


class Proxy:
    """Delegates to `real` except for the attributes given as overrides."""

    def __init__(self, real: object, overrides: dict[str, object]) -> None:
        self.real, self.overrides = real, overrides

    def __getattr__(self, name: str) -> object:
        return self.overrides[name] if name in self.overrides else getattr(self.real, name)


# Kernels ---------------------------------------------------------------------------------------


@contextmanager
def kernels(**makes: Make) -> Iterator[None]:
    """_VF.<name> replaced by makes[name](the real kernel), as torch.nn.modules.rnn sees it."""

    def patched(vf: object) -> Proxy:
        return Proxy(vf, {name: make(getattr(vf, name)) for name, make in makes.items()})

    with wrapped(rnn_module, "_VF", patched):
        yield


def on_kernels(**makes: Make) -> Mutant:
    """The mutant that replaces each named _VF kernel by makes[name](the real one)."""
    return Mutant(lambda: kernels(**makes))


def on_full_kernels(make: Make) -> Mutant:
    """The mutant that replaces each full-module kernel (FULL) by make(the real one)."""
    return on_kernels(**dict.fromkeys(FULL, make))


def replaced_by(name: str) -> Make:
    """The real _VF.<name>, in place of another kernel."""
    return lambda real: getattr(torch._VF, name)


def is_packed(args: tuple[Any, ...] | list[Any]) -> bool:
    """Whether a full-module kernel call is the packed overload (its second argument is batch_sizes)."""
    return isinstance(args[1], torch.Tensor) and args[1].dtype == torch.int64


class FullCall:
    """The arguments of a full-module kernel call, edited in place:
    _VF.lstm(input, [batch_sizes,] hx, weights, has_biases, num_layers, dropout, train, bidirectional[, batch_first])
    """

    def __init__(self, args: list[Any]) -> None:
        self.args = args
        self.packed = is_packed(args)
        self.hx_index = 2 if self.packed else 1
        self.weights_index = self.hx_index + 1
        self.num_layers: int = args[self.weights_index + 2]
        self.dropout: float = args[self.weights_index + 3]
        self.directions = 2 if args[self.weights_index + 5] else 1
        self.batch_first: bool = False if self.packed else args[-1]

    @property
    def hx(self) -> Any:
        return self.args[self.hx_index]

    @hx.setter
    def hx(self, value: Any) -> None:
        self.args[self.hx_index] = value

    @property
    def weights(self) -> list[Any]:
        return list(self.args[self.weights_index])

    @weights.setter
    def weights(self, value: list[Any]) -> None:
        self.args[self.weights_index] = value

    @property
    def train(self) -> bool:
        return self.args[self.weights_index + 4]

    @train.setter
    def train(self, value: bool) -> None:
        self.args[self.weights_index + 4] = value

    @property
    def group(self) -> int:
        """Flat weights per layer and direction: weight_ih, weight_hh[, bias_ih, bias_hh][, weight_hr]."""
        return len(self.args[self.weights_index]) // (self.num_layers * self.directions)

    @property
    def has_bias(self) -> bool:
        return self.group >= 4


def arguments(edit: Callable[[list[Any]], None]) -> Make:
    """A kernel that calls the real one with its arguments edited (in place) by `edit`."""

    def make(real: Kernel) -> Kernel:
        def kernel(*args: Any) -> Any:
            edited = list(args)
            edit(edited)
            return real(*edited)

        return kernel

    return make


def full_arguments(edit: Callable[[FullCall], None]) -> Make:
    """A full-module kernel that calls the real one with the arguments `edit` leaves in its FullCall."""
    return arguments(lambda args: edit(FullCall(args)))


def results(transform: Callable[[Any, list[Any]], Any], packed: bool = True) -> Make:
    """A kernel whose result is transform(the real result, the arguments); with packed=False a packed
    call returns the real result."""

    def make(real: Kernel) -> Kernel:
        def kernel(*args: Any) -> Any:
            result = real(*args)
            return result if not packed and is_packed(args) else transform(result, list(args))

        return kernel

    return make


def dense_results(transform: Callable[[tuple[Any, ...], FullCall], Any]) -> Make:
    """A full-module kernel whose dense calls return transform(the real result, the call); packed calls
    are left alone."""
    return results(lambda result, args: transform(tuple(result), FullCall(args)), packed=False)
