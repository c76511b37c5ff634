"""The implementation under test: torch.nn by default, or any module named by --rnn-implementation.

An implementation is a namespace whose attributes RNN, LSTM, GRU, RNNCell, LSTMCell and GRUCell
follow torch.nn's documented interface. Checks build their modules through `current()`, and
reproducers name the same classes, so a failure replays against the implementation that failed.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

KINDS = ("RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell")
TORCH_NN = "torch.nn"


class ImplementationError(ValueError):
    """--rnn-implementation names nothing usable; the message is one line."""


@dataclass(frozen=True)
class Implementation:
    name: str
    """As given: `package.module` or `package.module:attribute`."""
    namespace: object

    @property
    def is_torch_nn(self) -> bool:
        return self.name == TORCH_NN

    def cls(self, kind: str) -> type | None:
        found = getattr(self.namespace, kind, None)
        return found if isinstance(found, type) else None

    def missing_reason(self, kind: str) -> str | None:
        if self.cls(kind) is None:
            return f"implementation {self.name!r} has no class {kind}"
        return None

    def build(self, kind: str, **kwargs: object) -> object:
        cls = self.cls(kind)
        if cls is None:
            raise ImplementationError(str(self.missing_reason(kind)))
        return cls(**kwargs)

    @property
    def module_name(self) -> str:
        return self.name.partition(":")[0]

    def expression(self, kind: str) -> str:
        """Python source naming the class, valid after `import_line`."""
        return f"{self.name.replace(':', '.')}.{kind}"

    def source(self, kind: str, kwargs: dict[str, object]) -> str:
        """Python source that constructs the class with these keyword arguments."""
        return f"{self.expression(kind)}(**{kwargs!r})"

    def short(self, kind: str) -> str:
        """The class as a failure message names it: nn.LSTM for torch.nn's."""
        return f"nn.{kind}" if self.is_torch_nn else self.expression(kind)

    @property
    def imports(self) -> str:
        """The import lines a reproducer starts with."""
        extra = "" if self.module_name in ("torch", TORCH_NN) else f"\nimport {self.module_name}"
        return "import torch" + extra


def resolve(name: str | None) -> Implementation:
    """The implementation `name` names (default torch.nn); ImplementationError if it cannot be had."""
    name = (name or TORCH_NN).strip()
    module_name, _, attribute = name.partition(":")
    try:
        namespace: object = importlib.import_module(module_name)
    except Exception as exc:  # any import failure is the user's to fix, reported in one line
        raise ImplementationError(f"--rnn-implementation {name!r} cannot be imported: {exc!r}") from None
    for part in filter(None, attribute.split(".")):
        if not hasattr(namespace, part):
            raise ImplementationError(f"--rnn-implementation {name!r}: {module_name} has no attribute {part!r}")
        namespace = getattr(namespace, part)
    found = Implementation(name, namespace)
    if not any(found.cls(kind) for kind in KINDS):
        raise ImplementationError(f"--rnn-implementation {name!r} defines none of {', '.join(KINDS)}")
    return found


_current: Implementation | None = None


def current() -> Implementation:
    global _current
    if _current is None:
        _current = resolve(TORCH_NN)
    return _current


def current_name() -> str:
    """The name of the implementation under test, without importing torch.nn to resolve the default."""
    return TORCH_NN if _current is None else _current.name


def use(implementation: Implementation) -> None:
    global _current
    _current = implementation


@contextmanager
def using(implementation: Implementation) -> Iterator[Implementation]:
    """The implementation within the block (the meta-suite runs checks against re-implementations)."""
    previous = current()
    use(implementation)
    try:
        yield implementation
    finally:
        use(previous)
