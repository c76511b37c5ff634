"""The packed-sequence and dropout checks' power: each fails on a torch that breaks its claim.

As in test_power: every row runs one check as the suite runs it, with a mutant applied, and
expects a ConformanceError naming the claim. The faithful baselines of the mutants (the Python packed
kernel, the layer-by-layer dropout kernel) must pass the same checks, so a kill is the bug's doing.
"""

from __future__ import annotations

import pytest
import torch

from conformance import test_dropout, test_packed
from conformance.judge.compare import ConformanceError

from . import mutants_packed_dropout as mutants
from .test_power import Kill, as_run_here

F64, F32 = torch.float64, torch.float32


def packed(variant: str, dtype: torch.dtype | None = None) -> dict[str, object]:
    params: dict[str, object] = {"variant": variant, "device": "cpu"}
    return params if dtype is None else params | {"dtype": dtype}


KILLS = [
    Kill(
        mutants.packed_output_without_indices,
        test_packed.test_packed_output_keeps_the_packing,
        "GRU.packed.structure",
        packed("GRU"),
    ),
    Kill(
        mutants.packed_output_batch_sizes_int32,
        test_packed.test_packed_output_keeps_the_packing,
        "LSTM.packed.structure",
        packed("LSTM"),
    ),
    Kill(
        mutants.packed_reverse_starts_at_padded_end,
        test_packed.test_packed_output_values,
        "RNN_TANH.packed.output",
        packed("RNN_TANH", F64),
    ),
    Kill(
        mutants.packed_reverse_starts_at_padded_end,
        test_packed.test_packed_output_values,
        "LSTM_PROJ.packed.output",
        packed("LSTM_PROJ", F64),
    ),
    Kill(
        mutants.packed_state_at_padded_end,
        test_packed.test_packed_final_state,
        "GRU.packed.final_state",
        packed("GRU", F64),
    ),
    Kill(
        mutants.packed_state_at_padded_end,
        test_packed.test_packed_final_state,
        "LSTM.packed.final_state",
        packed("LSTM", F32),
    ),
    Kill(
        mutants.packed_reverse_starts_at_padded_end,
        test_packed.test_packed_final_state,
        "RNN_RELU.packed.final_state",
        packed("RNN_RELU", F64),
    ),
    Kill(
        mutants.packed_h_n_in_sorted_order,
        test_packed.test_packed_batch_order,
        "LSTM.packed.batch_order",
        packed("LSTM"),
    ),
    Kill(
        mutants.packed_h0_not_permuted,
        test_packed.test_packed_batch_order,
        "RNN_TANH.packed.batch_order",
        packed("RNN_TANH"),
    ),
    Kill(
        mutants.dropout_in_eval_mode,
        test_dropout.test_eval_mode_ignores_dropout,
        "GRU.dropout.eval_mode",
        packed("GRU"),
    ),
    Kill(
        mutants.dropout_as_keep_probability,
        test_dropout.test_zero_dropout_in_training,
        "LSTM.dropout.p_zero",
        packed("LSTM"),
    ),
    Kill(
        mutants.dropout_on_input,
        test_dropout.test_first_layer_state_untouched,
        "RNN_TANH.dropout.first_layer_state",
        packed("RNN_TANH"),
    ),
    Kill(
        mutants.dropout_on_final_state,
        test_dropout.test_first_layer_state_untouched,
        "LSTM_PROJ.dropout.first_layer_state",
        packed("LSTM_PROJ"),
    ),
    Kill(
        mutants.dropout_on_last_output,
        test_dropout.test_last_layer_output_unmasked,
        "GRU.dropout.last_layer_output",
        packed("GRU"),
    ),
    Kill(
        mutants.dropout_one_gives_nan,
        test_dropout.test_dropout_one_drops_everything,
        "LSTM.dropout.p_one",
        packed("LSTM"),
    ),
    Kill(
        mutants.dropout_as_keep_probability,
        test_dropout.test_dropout_one_drops_everything,
        "RNN_RELU.dropout.p_one",
        packed("RNN_RELU"),
    ),
    Kill(
        mutants.dropout_not_scaled,
        test_dropout.test_kept_values_are_scaled,
        "RNN_RELU.dropout.scaled",
        packed("RNN_RELU"),
    ),
]


BASELINES = {
    mutants.packed_state_at_padded_end: mutants.packed_python_kernel,
    mutants.packed_reverse_starts_at_padded_end: mutants.packed_python_kernel,
    mutants.dropout_as_keep_probability: mutants.layerwise_dropout,
    mutants.dropout_on_input: mutants.layerwise_dropout,
    mutants.dropout_not_scaled: mutants.layerwise_dropout,
    mutants.dropout_one_gives_nan: mutants.layerwise_dropout,
}
"""Mutants built on a Python re-implementation of the kernel, and that re-implementation without the bug."""

FAITHFUL_CHECKS = {
    mutants.packed_python_kernel: [
        (test_packed.test_packed_output_keeps_the_packing, packed("LSTM_PROJ")),
        (test_packed.test_packed_output_values, packed("LSTM_PROJ", F64)),
        (test_packed.test_packed_output_values, packed("GRU", F32)),
        (test_packed.test_packed_final_state, packed("RNN_RELU", F64)),
        (test_packed.test_packed_final_state, packed("LSTM", F64)),
        (test_packed.test_packed_batch_order, packed("GRU")),
    ],
    mutants.layerwise_dropout: [
        (test_dropout.test_eval_mode_ignores_dropout, packed("LSTM")),
        (test_dropout.test_zero_dropout_in_training, packed("GRU")),
        (test_dropout.test_first_layer_state_untouched, packed("LSTM_PROJ")),
        (test_dropout.test_last_layer_output_unmasked, packed("RNN_TANH")),
        (test_dropout.test_dropout_one_drops_everything, packed("LSTM")),
        (test_dropout.test_kept_values_are_scaled, packed("RNN_RELU")),
    ],
}


@pytest.fixture(scope="module")
def faithful_baselines() -> None:
    """Without their bugs the re-implemented kernels pass the checks, so a kill is the bug's doing.

    A fixture, not a test: the meta-suite counts every test here as a kill. Set up once per module
    (per worker under xdist) and only by the rows whose mutant needs it.
    """
    for baseline, checks in FAITHFUL_CHECKS.items():
        for check, params in checks:
            with baseline():
                as_run_here(check)(**params)


@pytest.fixture
def baseline_checked(request: pytest.FixtureRequest) -> None:
    """Runs faithful_baselines first (at setup, outside the detection time) if the row's mutant needs it."""
    if request.node.callspec.params["kill"].mutant in BASELINES:
        request.getfixturevalue("faithful_baselines")


@pytest.mark.parametrize("kill", KILLS, ids=lambda k: k.name)
def test_the_suite_catches_the_mutant(kill: Kill, baseline_checked: None) -> None:
    with kill.mutant(), pytest.raises(ConformanceError) as caught:
        as_run_here(kill.check)(**kill.params)
    assert str(caught.value).startswith(kill.claim_id), f"the failure names another claim:\n{caught.value}"
