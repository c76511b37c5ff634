"""The power of the mode checks: each fails on a torch that breaks the mode it guards.

As tests/test_power.py: every row runs one check of conformance/test_modes.py exactly as the suite
runs it, with a mutant of tests/mutants_modes.py applied, and expects a ConformanceError naming the
claim. The compile kills replace torch.compile, so they compile nothing and need no marker.
"""

from __future__ import annotations

import pytest
import torch

from conformance import test_modes
from conformance.judge.compare import ConformanceError

from . import mutants_modes as mutants
from .test_power import Kill, as_run_here

F64, F32 = torch.float64, torch.float32


def run(variant: str, mode: str, dtype: torch.dtype | None = F64) -> dict[str, object]:
    """The parameters of a mode check; `dtype` None for the checks that draw it."""
    params: dict[str, object] = {"variant": variant, "mode": mode, "device": "cpu"}
    return params if dtype is None else params | {"dtype": dtype}


KILLS = [
    Kill(
        mutants.scripted_outputs_drift,
        test_modes.test_script_values,
        "LSTM.modes.script.values",
        run("LSTM", "script"),
    ),
    Kill(
        mutants.scripted_outputs_drift,
        test_modes.test_script_values,
        "GRUCell.modes.script.values",
        run("GRUCell", "script"),
    ),
    Kill(
        mutants.compiled_outputs_drift,
        test_modes.test_compile_values,
        "GRU.modes.compile.values",
        run("GRU", "compile", F32),
    ),
    Kill(
        mutants.compiled_weights_frozen,
        test_modes.test_compile_values,
        "LSTM_PROJ.modes.compile.values",
        run("LSTM_PROJ", "compile"),
    ),
    Kill(
        mutants.compiled_outputs_drift,
        test_modes.test_compile_gradients,
        "RNN_TANH.modes.compile.gradients",
        run("RNN_TANH", "compile"),
    ),
    Kill(
        mutants.functional_call_reads_stale_weights,
        test_modes.test_functional_call_values,
        "LSTM.modes.functional.values",
        run("LSTM", "functional"),
    ),
    Kill(
        mutants.functional_call_reads_stale_weights,
        test_modes.test_functional_call_gradients,
        "GRU.modes.functional.gradients",
        run("GRU", "functional"),
    ),
    Kill(
        mutants.state_dict_load_skips_a_key,
        test_modes.test_state_dict_round_trip_values,
        "RNN_RELU.modes.state_dict.values",
        run("RNN_RELU", "state_dict"),
    ),
    Kill(
        mutants.state_dict_load_skips_a_key,
        test_modes.test_state_dict_round_trip_values,
        "LSTMCell.modes.state_dict.values",
        run("LSTMCell", "state_dict"),
    ),
    Kill(
        mutants.unpickled_flat_weights_out_of_sync,
        test_modes.test_pickle_values,
        "LSTM_PROJ.modes.pickle.values",
        run("LSTM_PROJ", "pickle"),
    ),
    Kill(
        mutants.unpickled_flat_weights_out_of_sync,
        test_modes.test_deepcopy_values,
        "GRU.modes.deepcopy.values",
        run("GRU", "deepcopy"),
    ),
    Kill(
        mutants.deepcopy_shares_parameters,
        test_modes.test_deepcopy_values,
        "RNNCell_TANH.modes.deepcopy.values",
        run("RNNCell_TANH", "deepcopy"),
    ),
    Kill(
        mutants.conversion_leaves_a_flat_weight_behind,
        test_modes.test_to_dtype_values,
        "LSTM.modes.to_dtype.values",
        run("LSTM", "to_dtype", None),
    ),
    Kill(
        mutants.reassigned_parameter_ignored,
        test_modes.test_flatten_after_assign_values,
        "GRU.modes.flatten_after_assign.values",
        run("GRU", "flatten_after_assign"),
    ),
    Kill(
        mutants.tied_parameter_copied,
        test_modes.test_tied_weights_values,
        "RNN_TANH.modes.tied_weights.values",
        run("RNN_TANH", "tied_weights"),
    ),
]


@pytest.mark.parametrize("kill", KILLS, ids=lambda k: k.name)
def test_the_suite_catches_the_mutant(kill: Kill) -> None:
    with kill.mutant(), pytest.raises(ConformanceError) as caught:
        as_run_here(kill.check)(**kill.params)
    assert str(caught.value).startswith(kill.claim_id), f"the failure names another claim:\n{caught.value}"
