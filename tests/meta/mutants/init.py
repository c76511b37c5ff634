"""Initialisations broken the way a bug in reset_parameters would break init.*.

Every module in scope inherits reset_parameters from RNNBase or RNNCellBase and calls it from __init__,
where torch draws each parameter with init.uniform_(p, -b, b), b = 1/sqrt(hidden_size). Each mutant
replaces both methods with one that initialises every parameter by a rule of its own.

Since the uniformity check first rejects any value outside [-b, b], as init.bounds does, the mutants
named `..._statistics_only` switch that step off, to show that the goodness-of-fit statistics alone
catch the mutants that also leave the bound.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch.nn import init
from torch.nn.modules.rnn import RNNBase, RNNCellBase

from conformance import test_init
from conformance.claims.init import BOUNDS, UNIFORM

from ..kill import declared
from ..patching import Mutant, combined, replacing, wrapping

Rule = Callable[[Any, str, torch.nn.Parameter], object]
"""Initialise one parameter (module, its name, the parameter) in place."""
Bound = Callable[[Any], float]
"""A bound from the module (an RNNBase or RNNCellBase)."""


def reset_parameters_by(rule: Rule) -> Mutant:
    """RNNBase and RNNCellBase initialise every parameter with `rule`."""

    def reset_parameters(self: torch.nn.Module) -> None:
        with torch.no_grad():
            for name, p in self.named_parameters():
                rule(self, name, p)

    return replacing((RNNBase, RNNCellBase), "reset_parameters", reset_parameters)


def documented(m: Any) -> float:
    return 1.0 / math.sqrt(m.hidden_size)


def from_input_size(m: Any) -> float:
    return 1.0 / math.sqrt(m.input_size)


def from_proj_size(m: Any) -> float:
    return 1.0 / math.sqrt(m.proj_size)


def uniform(low: Bound, high: Bound = documented) -> Rule:
    """U(low(module), high(module)) for every parameter."""
    return lambda m, name, p: init.uniform_(p, low(m), high(m))


def symmetric(bound: Bound) -> Rule:
    """U(-bound(module), bound(module)) for every parameter."""
    return uniform(lambda m: -bound(m), bound)


def normal_with_std_of(bound: Bound) -> Rule:
    """N(0, bound^2/3): U(-bound, bound)'s mean and variance."""
    return lambda m, name, p: init.normal_(p, 0.0, bound(m) / math.sqrt(3.0))


DOCUMENTED = symmetric(documented)


def for_names(prefix: str, rule: Rule, otherwise: Rule = DOCUMENTED) -> Rule:
    """`rule` for the parameters whose name starts with `prefix`, `otherwise` for the others."""
    return lambda m, name, p: (rule if name.startswith(prefix) else otherwise)(m, name, p)


def truncated_normal(m: torch.nn.Module, name: str, p: torch.nn.Parameter) -> None:
    b = documented(m)
    init.trunc_normal_(p, 0.0, b / math.sqrt(3.0), -b, b)


def statistics_only(mutant: Mutant) -> Mutant:
    """`mutant`, with the uniformity check's test of the support [-b, b] switched off."""
    return combined(mutant, replacing(test_init, "check_support", lambda *args: None))


# N(0, b^2/3): the documented mean and variance, the wrong distribution (and unbounded).
normal_with_the_same_std = (
    reset_parameters_by(normal_with_std_of(documented))
    .caught_by(BOUNDS, "LSTM", "RNNCell_TANH")
    .caught_by(UNIFORM, "RNN_TANH")
)
# N(0, b^2/3) truncated to [-b, b]: never outside the bound, so only the distribution tells.
truncated_normal_within_the_bound = reset_parameters_by(truncated_normal).caught_by(UNIFORM, "GRU", "RNNCell_RELU")
half_the_bound = reset_parameters_by(symmetric(lambda m: documented(m) / 2)).caught_by(UNIFORM, "LSTM", "GRUCell")
nonnegative = reset_parameters_by(uniform(lambda m: 0.0)).caught_by(UNIFORM, "RNN_RELU", "LSTMCell")
bound_from_input_size = (
    reset_parameters_by(symmetric(from_input_size))
    .caught_by(BOUNDS, "GRU", "LSTMCell")
    .caught_by(UNIFORM, "LSTM_PROJ", "RNNCell_TANH")
)
# Weights as documented, biases zero.
zero_biases = reset_parameters_by(for_names("bias", lambda m, name, p: init.zeros_(p))).caught_by(
    UNIFORM, "GRU", "RNNCell_TANH"
)
# Only weight_hr wrong: U(-1/sqrt(proj_size), 1/sqrt(proj_size)), wider than documented.
weight_hr_bound_from_proj_size = (
    reset_parameters_by(for_names("weight_hr", symmetric(from_proj_size)))
    .caught_by(BOUNDS, "LSTM_PROJ")
    .caught_by(UNIFORM, "LSTM_PROJ")
)
# Only weight_hr wrong: Glorot's U(-a, a), a = sqrt(6 / (proj_size + hidden_size)), as for a Linear.
weight_hr_xavier_uniform = (
    reset_parameters_by(for_names("weight_hr", lambda m, name, p: init.xavier_uniform_(p)))
    .caught_by(BOUNDS, "LSTM_PROJ")
    .caught_by(UNIFORM, "LSTM_PROJ")
)

# The same mutants, with only the goodness-of-fit statistics to tell.
normal_with_the_same_std_statistics_only = statistics_only(normal_with_the_same_std).caught_by(
    UNIFORM, "RNN_TANH", "GRUCell"
)
bound_from_input_size_statistics_only = statistics_only(bound_from_input_size).caught_by(UNIFORM, "LSTM")
weight_hr_bound_from_proj_size_statistics_only = statistics_only(weight_hr_bound_from_proj_size).caught_by(
    UNIFORM, "LSTM_PROJ"
)
weight_hr_xavier_uniform_statistics_only = statistics_only(weight_hr_xavier_uniform).caught_by(UNIFORM, "LSTM_PROJ")


def _marked_materialised(real: Callable[..., torch.nn.Module]) -> Callable[..., torch.nn.Module]:
    def to_empty(self: torch.nn.Module, *args: Any, **kwargs: Any) -> torch.nn.Module:
        result = real(self, *args, **kwargs)
        result._materialised = True  # type: ignore[assignment]
        return result

    return to_empty


def _biases_zero_once_materialised(real: Callable[..., None]) -> Callable[..., None]:
    def reset_parameters(self: torch.nn.Module) -> None:
        real(self)
        if getattr(self, "_materialised", False):
            with torch.no_grad():
                for name, p in self.named_parameters():
                    if name.startswith("bias"):
                        p.zero_()

    return reset_parameters


# reset_parameters() of a module materialised from the meta device (to_empty) leaves the biases zero;
# a module built directly is initialised as documented.
materialised_biases_zero = combined(
    wrapping(torch.nn.Module, "to_empty", _marked_materialised),
    wrapping((RNNBase, RNNCellBase), "reset_parameters", _biases_zero_once_materialised),
).caught_by(UNIFORM, "LSTM", "GRUCell")


KILLS, BASELINES = declared(vars())
