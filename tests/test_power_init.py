"""The init claims' power: each check fails on a torch whose reset_parameters breaks the claim it guards.

Rows run a check of conformance/test_init.py exactly as the suite runs it (the profile's example budget,
derandomized, no shrinking), under a mutant from tests/mutants_init.py, and expect a ConformanceError
that names the claim. Since init.uniform first rejects any value outside [-b, b], as init.bounds does,
the rows marked statistics-only switch that step off, to show that the goodness-of-fit statistics alone
catch the mutants that also leave the bound.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest

from conformance import test_init
from conformance.judge.compare import ConformanceError

from . import mutants_init as mutants
from .test_power import Kill, as_run_here

BOUNDS = test_init.test_parameters_lie_within_the_bound
UNIFORM = test_init.test_parameters_are_uniform


Mutant = Callable[[], AbstractContextManager[None]]


def statistics_only(mutant: Mutant) -> Mutant:
    """`mutant`, with init.uniform's check of the support [-b, b] switched off."""

    @contextmanager
    def composed() -> Iterator[None]:
        with mutant(), pytest.MonkeyPatch.context() as mp:
            mp.setattr(test_init, "check_support", lambda *args: None)
            yield

    composed.__name__ = f"{mutant.__name__}_statistics_only"
    return composed


def kill(mutant: Mutant, check: Callable[..., None], variant: str) -> Kill:
    claim = "init.bounds" if check is BOUNDS else "init.uniform"
    return Kill(mutant, check, f"{variant}.{claim}", {"variant": variant})


KILLS = [
    # Outside the documented bound.
    kill(mutants.normal_with_the_same_std, BOUNDS, "LSTM"),
    kill(mutants.normal_with_the_same_std, BOUNDS, "RNNCell_TANH"),
    kill(mutants.bound_from_input_size, BOUNDS, "GRU"),
    kill(mutants.bound_from_input_size, BOUNDS, "LSTMCell"),
    kill(mutants.weight_hr_bound_from_proj_size, BOUNDS, "LSTM_PROJ"),
    kill(mutants.weight_hr_xavier_uniform, BOUNDS, "LSTM_PROJ"),
    # Within or outside the bound, but not U(-b, b).
    kill(mutants.normal_with_the_same_std, UNIFORM, "RNN_TANH"),
    kill(mutants.truncated_normal_within_the_bound, UNIFORM, "GRU"),
    kill(mutants.truncated_normal_within_the_bound, UNIFORM, "RNNCell_RELU"),
    kill(mutants.half_the_bound, UNIFORM, "LSTM"),
    kill(mutants.half_the_bound, UNIFORM, "GRUCell"),
    kill(mutants.nonnegative, UNIFORM, "RNN_RELU"),
    kill(mutants.nonnegative, UNIFORM, "LSTMCell"),
    kill(mutants.bound_from_input_size, UNIFORM, "LSTM_PROJ"),
    kill(mutants.bound_from_input_size, UNIFORM, "RNNCell_TANH"),
    kill(mutants.zero_biases, UNIFORM, "GRU"),
    kill(mutants.zero_biases, UNIFORM, "RNNCell_TANH"),
    kill(mutants.weight_hr_bound_from_proj_size, UNIFORM, "LSTM_PROJ"),
    kill(mutants.weight_hr_xavier_uniform, UNIFORM, "LSTM_PROJ"),
    # The same, with only the goodness-of-fit statistics to tell.
    kill(statistics_only(mutants.normal_with_the_same_std), UNIFORM, "RNN_TANH"),
    kill(statistics_only(mutants.normal_with_the_same_std), UNIFORM, "GRUCell"),
    kill(statistics_only(mutants.bound_from_input_size), UNIFORM, "LSTM"),
    kill(statistics_only(mutants.weight_hr_bound_from_proj_size), UNIFORM, "LSTM_PROJ"),
    kill(statistics_only(mutants.weight_hr_xavier_uniform), UNIFORM, "LSTM_PROJ"),
]


@pytest.mark.parametrize("kill", KILLS, ids=lambda k: k.name)
def test_the_init_checks_catch_the_mutant(kill: Kill) -> None:
    with kill.mutant(), pytest.raises(ConformanceError) as caught:
        as_run_here(kill.check)(**kill.params)
    assert str(caught.value).startswith(kill.claim_id), f"the failure names another claim:\n{caught.value}"
