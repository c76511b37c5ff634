"""The power of the mode checks: each fails on a torch that breaks the mode it guards.

As tests/test_power.py: every row runs the generic check of conformance/test_modes.py that runs
its claim, exactly as the suite runs it, with a mutant of tests/mutants_modes.py applied, and
expects a ConformanceError naming the claim. The compile kills replace torch.compile, so they
compile nothing and need no marker.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
import torch

from conformance import test_modes
from conformance.claims import Claim
from conformance.claims import modes as claims
from conformance.judge.compare import ConformanceError

from . import mutants_modes as mutants
from .test_power import Kill, as_run_here

F64, F32 = torch.float64, torch.float32


def kill(
    mutant: Callable[[], AbstractContextManager[None]], claim: Claim, variant: str, dtype: torch.dtype | None = F64
) -> Kill:
    """The mutant, run on the check of `claim`'s row for `variant` in `dtype` (None for a row without one)."""
    params = {"row": test_modes.BY_CLAIM[claim], "variant": variant, "dtype": dtype, "device": "cpu"}
    return Kill(mutant, test_modes.check_for(claim), claim.id_for(variant), params)


KILLS = [
    kill(mutants.scripted_outputs_drift, claims.SCRIPT, "LSTM"),
    kill(mutants.scripted_outputs_drift, claims.SCRIPT, "GRUCell"),
    kill(mutants.compiled_outputs_drift, claims.COMPILE, "GRU", F32),
    kill(mutants.compiled_weights_frozen, claims.COMPILE, "LSTM_PROJ"),
    kill(mutants.compiled_outputs_drift, claims.COMPILE_GRADIENTS, "RNN_TANH"),
    kill(mutants.functional_call_reads_stale_weights, claims.FUNCTIONAL, "LSTM"),
    kill(mutants.functional_call_reads_stale_weights, claims.FUNCTIONAL_GRADIENTS, "GRU"),
    kill(mutants.state_dict_load_skips_a_key, claims.STATE_DICT, "RNN_RELU"),
    kill(mutants.state_dict_load_skips_a_key, claims.STATE_DICT, "LSTMCell"),
    kill(mutants.unpickled_flat_weights_out_of_sync, claims.PICKLE, "LSTM_PROJ"),
    kill(mutants.unpickled_flat_weights_out_of_sync, claims.DEEPCOPY, "GRU"),
    kill(mutants.deepcopy_shares_parameters, claims.DEEPCOPY, "RNNCell_TANH"),
    kill(mutants.conversion_leaves_a_flat_weight_behind, claims.TO_DTYPE, "LSTM", None),
    kill(mutants.reassigned_parameter_ignored, claims.FLATTEN, "GRU"),
    kill(mutants.tied_parameter_copied, claims.TIED, "RNN_TANH"),
]


@pytest.mark.parametrize("kill", KILLS, ids=lambda k: k.name)
def test_the_suite_catches_the_mutant(kill: Kill) -> None:
    with kill.mutant(), pytest.raises(ConformanceError) as caught:
        as_run_here(kill.check)(**kill.params)
    assert str(caught.value).startswith(kill.claim_id), f"the failure names another claim:\n{caught.value}"
