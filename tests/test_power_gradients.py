"""The gradient claim's power: every broken backward pass is caught, with its forward values intact."""

from __future__ import annotations

import pytest
import torch

from conformance import test_gradients
from conformance.judge.compare import ConformanceError

from . import mutants_gradients as mutants
from .test_power import Kill, as_run_here

F64, F32 = torch.float64, torch.float32


def gradients(variant: str, mutant, dtype: torch.dtype = F64) -> Kill:
    params = {"variant": variant, "dtype": dtype, "device": "cpu"}
    return Kill(mutant, test_gradients.test_gradient_values, f"{variant}.gradients.values", params)


KILLS = [
    gradients("LSTM", mutants.weight_hh_gradient_dropped),
    gradients("GRUCell", mutants.weight_hh_gradient_dropped, F32),
    gradients("RNN_TANH", mutants.bias_hh_gradient_dropped, F32),
    gradients("LSTMCell", mutants.bias_hh_gradient_dropped),
    gradients("GRU", mutants.direction_gradients_swapped),
    gradients("LSTM_PROJ", mutants.direction_gradients_swapped, F32),
    gradients("LSTM", mutants.upper_layer_gradients_doubled, F32),
    gradients("RNN_RELU", mutants.upper_layer_gradients_doubled),
    gradients("GRU", mutants.h0_gradient_halved, F32),
    gradients("RNNCell_TANH", mutants.h0_gradient_halved),
    gradients("RNN_TANH", mutants.packed_h0_gradient_batch_reversed),
    gradients("LSTM", mutants.packed_h0_gradient_batch_reversed, F32),
    gradients("LSTM_PROJ", mutants.lstm_cell_state_gradient_dropped),
    gradients("LSTMCell", mutants.lstm_cell_state_gradient_dropped, F32),
    gradients("LSTM", mutants.backward_in_float32),
    gradients("RNN_RELU", mutants.backward_in_float32),
    gradients("GRUCell", mutants.backward_in_float32),
    gradients("RNN_RELU", mutants.relu_backward_uses_tanh_derivative, F32),
    gradients("RNNCell_RELU", mutants.relu_backward_uses_tanh_derivative),
]


@pytest.mark.parametrize("kill", KILLS, ids=lambda k: k.name)
def test_the_suite_catches_the_broken_gradient(kill: Kill) -> None:
    with kill.mutant(), pytest.raises(ConformanceError) as caught:
        as_run_here(kill.check)(**kill.params)
    assert str(caught.value).startswith(kill.claim_id), f"the failure names another claim:\n{caught.value}"
