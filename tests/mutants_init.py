"""Deliberately broken initialisations, each the way a bug in reset_parameters would break init.*.

Every module in scope inherits reset_parameters from RNNBase or RNNCellBase and calls it from __init__,
where torch draws each parameter with init.uniform_(p, -b, b), b = 1/sqrt(hidden_size). Each mutant
replaces both methods with one that initialises every parameter by a rule of its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import torch
from torch.nn import init
from torch.nn.modules import rnn as rnn_module

Rule = Callable[[torch.nn.Module, str, torch.nn.Parameter], None]
"""Initialise one parameter (module, its name, the parameter) in place."""


@contextmanager
def reset_parameters_by(rule: Rule) -> Iterator[None]:
    """RNNBase and RNNCellBase initialise every parameter with `rule`."""

    def reset_parameters(self: torch.nn.Module) -> None:
        with torch.no_grad():
            for name, p in self.named_parameters():
                rule(self, name, p)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(rnn_module.RNNBase, "reset_parameters", reset_parameters)
        mp.setattr(rnn_module.RNNCellBase, "reset_parameters", reset_parameters)
        yield


def _bound(module: torch.nn.Module) -> float:
    return 1.0 / math.sqrt(module.hidden_size)


def _documented(module: torch.nn.Module, name: str, p: torch.nn.Parameter) -> None:
    b = _bound(module)
    init.uniform_(p, -b, b)


def _except_weight_hr(rule: Rule) -> Rule:
    """`rule` for weight_hr, the documented initialisation for every other parameter."""

    def one(module: torch.nn.Module, name: str, p: torch.nn.Parameter) -> None:
        (rule if name.startswith("weight_hr") else _documented)(module, name, p)

    return one


@contextmanager
def normal_with_the_same_std() -> Iterator[None]:
    """N(0, b^2/3): the documented mean and variance, the wrong distribution (and unbounded)."""
    with reset_parameters_by(lambda m, name, p: init.normal_(p, 0.0, _bound(m) / math.sqrt(3.0))):
        yield


@contextmanager
def truncated_normal_within_the_bound() -> Iterator[None]:
    """N(0, b^2/3) truncated to [-b, b]: never outside the bound, so only the distribution tells."""
    with reset_parameters_by(
        lambda m, name, p: init.trunc_normal_(p, 0.0, _bound(m) / math.sqrt(3.0), -_bound(m), _bound(m))
    ):
        yield


@contextmanager
def half_the_bound() -> Iterator[None]:
    """U(-b/2, b/2)."""
    with reset_parameters_by(lambda m, name, p: init.uniform_(p, -_bound(m) / 2, _bound(m) / 2)):
        yield


@contextmanager
def nonnegative() -> Iterator[None]:
    """U(0, b)."""
    with reset_parameters_by(lambda m, name, p: init.uniform_(p, 0.0, _bound(m))):
        yield


@contextmanager
def bound_from_input_size() -> Iterator[None]:
    """b = 1/sqrt(input_size) for every parameter."""

    def rule(m: torch.nn.Module, name: str, p: torch.nn.Parameter) -> None:
        b = 1.0 / math.sqrt(m.input_size)
        init.uniform_(p, -b, b)

    with reset_parameters_by(rule):
        yield


@contextmanager
def zero_biases() -> Iterator[None]:
    """Weights as documented, biases zero."""

    def rule(m: torch.nn.Module, name: str, p: torch.nn.Parameter) -> None:
        (init.zeros_ if name.startswith("bias") else lambda q: _documented(m, name, q))(p)

    with reset_parameters_by(rule):
        yield


@contextmanager
def weight_hr_bound_from_proj_size() -> Iterator[None]:
    """Only weight_hr wrong: U(-1/sqrt(proj_size), 1/sqrt(proj_size)), wider than documented."""

    def rule(m: torch.nn.Module, name: str, p: torch.nn.Parameter) -> None:
        b = 1.0 / math.sqrt(m.proj_size)
        init.uniform_(p, -b, b)

    with reset_parameters_by(_except_weight_hr(rule)):
        yield


@contextmanager
def weight_hr_xavier_uniform() -> Iterator[None]:
    """Only weight_hr wrong: Glorot's U(-a, a), a = sqrt(6 / (proj_size + hidden_size)), as for a Linear."""
    with reset_parameters_by(_except_weight_hr(lambda m, name, p: init.xavier_uniform_(p))):
        yield
