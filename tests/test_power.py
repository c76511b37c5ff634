"""The suite's power: every check fails on a torch that breaks the claim it guards.

Each row runs one conformance check, exactly as the suite runs it (same strategies, same profile),
with a mutant applied, and expects a ConformanceError that names the claim.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

import pytest
import torch
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from conformance import test_devices, test_parameters, test_values
from conformance.judge.compare import ConformanceError

from . import mutants

F64, F32 = torch.float64, torch.float32


@dataclass(frozen=True)
class Kill:
    mutant: Callable[[], AbstractContextManager[None]]
    check: Callable[..., None]
    claim_id: str
    params: dict[str, object]

    @property
    def name(self) -> str:
        return f"{self.mutant.__name__}-{self.claim_id}"


def values(variant: str, dtype: torch.dtype = F64) -> dict[str, object]:
    return {"variant": variant, "dtype": dtype, "device": "cpu"}


KILLS = [
    Kill(
        mutants.h_n_returned_in_float32,
        test_values.test_output_dtype_and_device,
        "GRU.outputs.dtype_device",
        values("GRU"),
    ),
    Kill(
        mutants.gru_update_gate_reversed,
        test_values.test_output_values_tf32,
        "GRU.outputs.values_tf32",
        {"variant": "GRU", "tf32": True, "device": "cpu"},
    ),
    Kill(
        mutants.every_other_call_perturbed,
        test_devices.test_device_matches_cpu,
        "LSTM.devices.parity",
        {"variant": "LSTM", "dtype": F32, "device": "cpu"},
    ),
    Kill(
        mutants.bias_hh_registered_first,
        test_parameters.test_parameter_names_and_order,
        "GRU.parameters.names",
        {"variant": "GRU"},
    ),
    Kill(
        mutants.cell_registers_zero_biases_without_bias,
        test_parameters.test_parameter_names_and_order,
        "LSTMCell.parameters.names",
        {"variant": "LSTMCell"},
    ),
    Kill(
        mutants.upper_weight_ih_ignores_proj_size,
        test_parameters.test_parameter_shapes,
        "LSTM_PROJ.parameters.shapes",
        {"variant": "LSTM_PROJ"},
    ),
    Kill(
        mutants.flat_weights_names_reverse_first,
        test_parameters.test_flat_weights_and_state_dict_order,
        "RNN_TANH.parameters.flat_weights",
        {"variant": "RNN_TANH"},
    ),
    Kill(
        mutants.h_n_batch_first,
        test_values.test_output_shapes,
        "LSTM.outputs.shapes",
        {"variant": "LSTM", "device": "cpu"},
    ),
    Kill(
        mutants.default_state_not_zero,
        test_values.test_omitted_state_is_zero,
        "GRU.outputs.default_state",
        {"variant": "GRU", "device": "cpu"},
    ),
    Kill(
        mutants.default_state_not_zero,
        test_values.test_omitted_state_is_zero,
        "LSTMCell.outputs.default_state",
        {"variant": "LSTMCell", "device": "cpu"},
    ),
    Kill(mutants.lstm_gates_i_f_swapped, test_values.test_output_values, "LSTM.outputs.values", values("LSTM")),
    Kill(
        mutants.lstm_gates_i_f_swapped,
        test_values.test_output_values,
        "LSTM_PROJ.outputs.values",
        values("LSTM_PROJ", F32),
    ),
    Kill(mutants.gru_update_gate_reversed, test_values.test_output_values, "GRU.outputs.values", values("GRU")),
    Kill(
        mutants.rnn_relu_computes_tanh,
        test_values.test_output_values,
        "RNN_RELU.outputs.values",
        values("RNN_RELU", F32),
    ),
    Kill(
        mutants.rnn_relu_computes_tanh,
        test_values.test_output_values,
        "RNNCell_RELU.outputs.values",
        values("RNNCell_RELU"),
    ),
    Kill(
        mutants.reverse_direction_uses_forward_weights,
        test_values.test_output_values,
        "GRU.outputs.values",
        values("GRU", F32),
    ),
    Kill(
        mutants.float64_computed_in_float32,
        test_values.test_output_values,
        "RNN_TANH.outputs.values",
        values("RNN_TANH"),
    ),
    Kill(
        mutants.float64_computed_in_float32,
        test_values.test_output_values,
        "LSTM.outputs.values",
        values("LSTM"),
    ),
    Kill(mutants.corrupted_above_batch_100, test_values.test_output_values, "LSTM.outputs.values", values("LSTM", F32)),
    Kill(mutants.corrupted_above_seq_len_40, test_values.test_output_values, "GRU.outputs.values", values("GRU", F32)),
    Kill(
        mutants.corrupted_above_features_48,
        test_values.test_output_values,
        "RNN_TANH.outputs.values",
        values("RNN_TANH", F32),
    ),
    Kill(mutants.corrupted_at_batch_1, test_values.test_output_values, "LSTM.outputs.values", values("LSTM")),
    Kill(mutants.corrupted_at_seq_len_1, test_values.test_output_values, "GRU.outputs.values", values("GRU")),
    Kill(
        mutants.lstm_cell_returns_c_h,
        test_values.test_output_values,
        "LSTMCell.outputs.values",
        values("LSTMCell"),
    ),
    Kill(
        mutants.gru_cell_reset_before_product,
        test_values.test_output_values,
        "GRUCell.outputs.values",
        values("GRUCell", F32),
    ),
]


KILL_BUDGET = 100
"""Examples a check may take to catch a mutant: five default runs' worth. A mutant that only some
configurations reveal (a reverse-direction bug needs bidirectional, unequal lengths and a nonzero
state) is caught by most runs of 20 examples; within 100 a derandomized run cannot miss it by chance."""


def as_run_here(check: Callable[..., None]) -> Callable[..., None]:
    """The check with KILL_BUDGET examples, derandomized, without shrinking or the database.

    Derandomized, the verdict is the same every run; without shrinking, the time taken is the time to
    detect. Checks draw everything from one `data=st.data()` argument, so re-wrapping is exact.
    """
    budget = max(settings.default.max_examples, KILL_BUDGET)
    run_here = settings(settings.default, max_examples=budget, derandomize=True, database=None, phases=[Phase.generate])
    return run_here(given(data=st.data())(check.hypothesis.inner_test))


@pytest.mark.parametrize("kill", KILLS, ids=lambda k: k.name)
def test_the_suite_catches_the_mutant(kill: Kill) -> None:
    with kill.mutant(), pytest.raises(ConformanceError) as caught:
        as_run_here(kill.check)(**kill.params)
    assert str(caught.value).startswith(kill.claim_id), f"the failure names another claim:\n{caught.value}"
