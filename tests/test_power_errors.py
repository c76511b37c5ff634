"""The power of conformance/test_errors.py: each check fails on a torch that checks its arguments wrongly.

Every row runs one check of conformance/test_errors.py as the suite runs it, with a mutant from
mutants_errors applied, and expects a ConformanceError that names the claim.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest

from conformance import test_errors as checks
from conformance.claims import Claim
from conformance.judge.compare import ConformanceError

from . import mutants_errors as m
from .test_power import Kill, as_run_here

CPU = {"device": "cpu"}


def kill(
    mutant: Callable[[], AbstractContextManager[None]],
    check: Callable[..., None],
    variant: str,
    claim: Claim,
    **params: object,
) -> Kill:
    """A row: `check`, run for `variant` with `mutant` applied, must fail naming `claim`."""
    return Kill(mutant, check, claim.id_for(variant), {"variant": variant, **params})


KILLS = [
    kill(m.dropout_clamped_into_range, checks.test_dropout_outside_range_is_refused, "GRU", checks.DROPOUT_RANGE),
    kill(
        m.dropout_range_raises_type_error,
        checks.test_dropout_outside_range_is_refused,
        "LSTM_PROJ",
        checks.DROPOUT_RANGE,
    ),
    kill(m.dropout_bool_accepted, checks.test_bool_dropout_is_refused, "RNN_TANH", checks.DROPOUT_BOOL),
    kill(
        m.dropout_strings_and_tensors_converted,
        checks.test_non_number_dropout_is_refused,
        "LSTM",
        checks.DROPOUT_TYPE,
    ),
    kill(
        m.dropout_converted_before_validation,
        checks.test_unconvertible_dropout_is_refused,
        "GRU",
        checks.DROPOUT_UNCONVERTIBLE,
    ),
    kill(m.hidden_size_unvalidated, checks.test_hidden_size_not_positive_is_refused, "GRU", checks.HIDDEN_SIZE),
    kill(m.hidden_size_coerced_to_int, checks.test_hidden_size_not_int_is_refused, "LSTM", checks.HIDDEN_SIZE_TYPE),
    kill(m.num_layers_at_least_one, checks.test_num_layers_not_positive_is_refused, "RNN_RELU", checks.NUM_LAYERS),
    kill(
        m.negative_proj_size_disables_projection,
        checks.test_proj_size_out_of_range_is_refused,
        "LSTM",
        checks.PROJ_SIZE,
    ),
    kill(
        m.proj_size_not_below_hidden_size_disables_projection,
        checks.test_proj_size_out_of_range_is_refused,
        "LSTM_PROJ",
        checks.PROJ_SIZE,
    ),
    kill(
        m.proj_size_ignored_by_rnn_and_gru,
        checks.test_proj_size_is_refused_by_rnn_and_gru,
        "GRU",
        checks.PROJ_SIZE_UNSUPPORTED,
    ),
    kill(
        m.proj_size_ignored_by_rnn_and_gru,
        checks.test_proj_size_is_refused_by_rnn_and_gru,
        "RNN_TANH",
        checks.PROJ_SIZE_UNSUPPORTED,
    ),
    kill(
        m.unknown_nonlinearity_means_tanh,
        checks.test_unknown_nonlinearity_is_refused_by_rnn,
        "RNN_RELU",
        checks.NONLINEARITY,
    ),
    kill(
        m.rnn_cell_checks_nonlinearity_at_construction,
        checks.test_unknown_nonlinearity_fails_the_cell_at_forward,
        "RNNCell_TANH",
        checks.CELL_NONLINEARITY,
        **CPU,
    ),
    kill(
        m.rnn_cell_unknown_nonlinearity_runs_tanh,
        checks.test_unknown_nonlinearity_fails_the_cell_at_forward,
        "RNNCell_RELU",
        checks.CELL_NONLINEARITY,
        **CPU,
    ),
    kill(m.bias_false_warns, checks.test_valid_arguments_neither_raise_nor_warn, "GRU", checks.VALID),
    kill(m.bias_false_warns, checks.test_valid_arguments_neither_raise_nor_warn, "LSTMCell", checks.VALID),
    kill(m.dropout_one_refused, checks.test_valid_arguments_neither_raise_nor_warn, "LSTM", checks.VALID),
    kill(
        m.dropout_warning_for_every_layer_count,
        checks.test_dropout_warning_exactly_for_one_layer,
        "RNN_TANH",
        checks.DROPOUT_WARNING,
    ),
    kill(m.dropout_warning_missing, checks.test_dropout_warning_exactly_for_one_layer, "GRU", checks.DROPOUT_WARNING),
    kill(
        m.input_dims_raise_runtime_error,
        checks.test_input_neither_2d_nor_3d_is_refused,
        "LSTM",
        checks.INPUT_DIMS,
        **CPU,
    ),
    kill(
        m.one_dim_input_read_as_one_step,
        checks.test_input_neither_2d_nor_3d_is_refused,
        "GRU",
        checks.INPUT_DIMS,
        **CPU,
    ),
    kill(
        m.states_reshaped_to_the_input_batching,
        checks.test_state_batched_unlike_the_input_is_refused,
        "RNN_TANH",
        checks.HX_DIMS,
        **CPU,
    ),
    kill(
        m.states_reshaped_to_the_input_batching,
        checks.test_state_batched_unlike_the_input_is_refused,
        "LSTM",
        checks.HX_DIMS,
        **CPU,
    ),
    kill(m.input_size_unchecked, checks.test_input_of_the_wrong_size_is_refused, "GRU", checks.INPUT_SIZE, **CPU),
    kill(m.input_size_unchecked, checks.test_input_of_the_wrong_size_is_refused, "LSTM", checks.INPUT_SIZE, **CPU),
    kill(
        m.input_size_unchecked,
        checks.test_input_of_the_wrong_size_is_refused,
        "LSTM_PROJ",
        checks.INPUT_SIZE,
        **CPU,
    ),
    kill(
        m.expected_hidden_ignores_proj_size,
        checks.test_state_of_the_wrong_shape_is_refused,
        "LSTM_PROJ",
        checks.HX_SHAPE,
        **CPU,
    ),
    kill(
        m.expected_cell_state_uses_proj_size,
        checks.test_state_of_the_wrong_shape_is_refused,
        "LSTM_PROJ",
        checks.HX_SHAPE,
        **CPU,
    ),
    kill(
        m.mismatched_states_replaced_by_zeros,
        checks.test_state_of_the_wrong_shape_is_refused,
        "RNN_RELU",
        checks.HX_SHAPE,
        **CPU,
    ),
    kill(
        m.mismatched_states_replaced_by_zeros,
        checks.test_state_of_the_wrong_shape_is_refused,
        "LSTM",
        checks.HX_SHAPE,
        **CPU,
    ),
    kill(
        m.state_batch_cycled_to_the_input_batch,
        checks.test_state_of_another_batch_size_is_refused,
        "GRU",
        checks.HX_BATCH_SIZE,
        **CPU,
    ),
    kill(
        m.state_batch_cycled_to_the_input_batch,
        checks.test_state_of_another_batch_size_is_refused,
        "LSTM",
        checks.HX_BATCH_SIZE,
        **CPU,
    ),
    kill(
        m.zero_length_returns_empty_output,
        checks.test_empty_sequence_is_refused,
        "RNN_TANH",
        checks.ZERO_LENGTH,
        **CPU,
    ),
    kill(
        m.zero_length_returns_empty_output,
        checks.test_empty_sequence_is_refused,
        "LSTM_PROJ",
        checks.ZERO_LENGTH,
        **CPU,
    ),
    kill(
        m.cell_input_dims_raise_runtime_error,
        checks.test_cell_arguments_neither_1d_nor_2d_are_refused,
        "GRUCell",
        checks.CELL_DIMS,
        **CPU,
    ),
    kill(
        m.cell_state_dims_unchecked,
        checks.test_cell_arguments_neither_1d_nor_2d_are_refused,
        "LSTMCell",
        checks.CELL_DIMS,
        **CPU,
    ),
    kill(
        m.cell_input_size_unchecked,
        checks.test_cell_input_of_the_wrong_size_is_refused,
        "RNNCell_TANH",
        checks.CELL_INPUT_SIZE,
        **CPU,
    ),
    kill(
        m.cell_hidden_size_unchecked,
        checks.test_cell_hidden_of_the_wrong_size_is_refused,
        "LSTMCell",
        checks.CELL_HIDDEN_SIZE,
        **CPU,
    ),
    kill(
        m.cell_batch_size_unchecked,
        checks.test_cell_hidden_of_another_batch_size_is_refused,
        "GRUCell",
        checks.CELL_BATCH_SIZE,
        **CPU,
    ),
    kill(
        m.cell_batch_size_unchecked,
        checks.test_cell_hidden_of_another_batch_size_is_refused,
        "LSTMCell",
        checks.CELL_BATCH_SIZE,
        **CPU,
    ),
]


UNKILLED = {c.key for c in vars(checks).values() if isinstance(c, Claim)} - {k.claim_id.split(".", 1)[1] for k in KILLS}
assert not UNKILLED, f"no mutant shows that the checks of these claims can fail: {sorted(UNKILLED)}"


@pytest.mark.parametrize("kill", KILLS, ids=lambda k: k.name)
def test_the_suite_catches_the_mutant(kill: Kill) -> None:
    with kill.mutant(), pytest.raises(ConformanceError) as caught:
        as_run_here(kill.check)(**kill.params)
    assert str(caught.value).startswith(kill.claim_id), f"the failure names another claim:\n{caught.value}"
