"""Other implementations judged through --rnn-implementation: tests/plain_rnn, a plain re-implementation
of the six classes from the documentation, passes the claims that its broken variants (tests/plain_rnn/
broken_*.py, each breaking one documented convention) fail.

A mutant here does not patch torch: it makes the suite judge another implementation (as the option
does), so each kill shows a check reaching the implementation under test rather than torch.nn. The
whole suite against tests.plain_rnn is a step of .ci/run.
"""

from __future__ import annotations

from conformance.claims import construction, dropout, forward, init, outputs, packed, parameters
from conformance.run import implementation
from conformance.variants import FULL_VARIANTS, VARIANTS

from ..kill import declared
from ..patching import Mutant

FULL, EVERY = FULL_VARIANTS, list(VARIANTS)


def judged(module: str) -> Mutant:
    """The suite judging `module` in place of torch.nn (named after the variable that holds it)."""
    return Mutant(lambda: implementation.using(implementation.resolve(module)))


plain = judged("tests.plain_rnn")
plain.passes(outputs.VALUES, "LSTM_PROJ", "GRUCell")
plain.passes(packed.FINAL_STATE, "LSTM")
plain.passes(outputs.SHAPES, "GRU")
plain.passes(dropout.LAST_LAYER_OUTPUT, "RNN_TANH")
plain.passes(init.UNIFORM, "LSTMCell")
plain.passes(parameters.NAMES, "RNNCell_RELU")
plain.passes(construction.DROPOUT_RANGE, "RNN_RELU")
plain.passes(outputs.DEFAULT_STATE, "RNN_TANH")
plain.passes(forward.CELL_HIDDEN_SIZE, "LSTMCell")

broken_lstm_gate_order = judged("tests.plain_rnn.broken_lstm_gate_order").caught_by(
    outputs.VALUES, "LSTM", "LSTM_PROJ", "LSTMCell"
)
broken_gru_reset_gate = judged("tests.plain_rnn.broken_gru_reset_gate").caught_by(outputs.VALUES, "GRU", "GRUCell")
broken_packed_final_state = judged("tests.plain_rnn.broken_packed_final_state").caught_by(packed.FINAL_STATE, *FULL)
broken_state_batch_first = judged("tests.plain_rnn.broken_state_batch_first").caught_by(outputs.SHAPES, *FULL)
broken_dropout_last_layer = judged("tests.plain_rnn.broken_dropout_last_layer").caught_by(
    dropout.LAST_LAYER_OUTPUT, *FULL
)
broken_init_positive = judged("tests.plain_rnn.broken_init_positive").caught_by(init.UNIFORM, *EVERY)
broken_bias_first = judged("tests.plain_rnn.broken_bias_first").caught_by(parameters.NAMES, *EVERY)
broken_dropout_range = judged("tests.plain_rnn.broken_dropout_range").caught_by(construction.DROPOUT_RANGE, *FULL)
broken_default_state = judged("tests.plain_rnn.broken_default_state").caught_by(outputs.DEFAULT_STATE, *FULL)
broken_cell_error_label = judged("tests.plain_rnn.broken_cell_error_label").caught_by(
    forward.CELL_HIDDEN_SIZE, "LSTMCell"
)

KILLS, BASELINES = declared(vars())
