"""Dropout between layers, in training only."""

from __future__ import annotations

from ..variants import FULL_VARIANTS
from .model import Anchor, Claim

DROPOUT_DOCUMENTED = [
    Anchor(
        f"torch.nn.{kind}",
        f"dropout: If non-zero, introduces a `Dropout` layer on the outputs of each {kind} layer except the last "
        "layer, with dropout probability equal to :attr:`dropout`. Default: 0",
    )
    for kind in ("RNN", "LSTM", "GRU")
]
"""Where each full module's docstring describes its dropout."""

EVAL_MODE = Claim(
    "dropout.eval_mode",
    "Dropout is applied in training mode only: in eval mode a module with dropout > 0 computes the "
    "documented equations without any mask.",
    variants=FULL_VARIANTS,
    documented_by=DROPOUT_DOCUMENTED,
)

P_ZERO = Claim(
    "dropout.p_zero",
    "dropout = 0 (the default) drops nothing: in training mode the outputs are those of eval mode.",
    variants=FULL_VARIANTS,
)

FIRST_LAYER_STATE = Claim(
    "dropout.first_layer_state",
    "Dropout is applied to the output of each layer but the last, and not to h_n: the first layer "
    "reads x unmasked, so its rows of h_n (and c_n) are the same in training as in eval mode.",
    variants=FULL_VARIANTS,
    documented_by=DROPOUT_DOCUMENTED,
)

LAST_LAYER_OUTPUT = Claim(
    "dropout.last_layer_output",
    "Dropout is not applied to the last layer's output: in training mode too, output is the last "
    "layer's hidden state at every step, so its last step (its first, for the reverse direction) "
    "equals the last layer's rows of h_n.",
    variants=FULL_VARIANTS,
    documented_by=DROPOUT_DOCUMENTED,
)

P_ONE = Claim(
    "dropout.p_one",
    "With dropout = 1 in training mode every layer above the first reads zeros: output, h_n and c_n "
    "are the documented equations' with all-zero dropout masks.",
    variants=FULL_VARIANTS,
)

SCALED = Claim(
    "dropout.scaled",
    "Kept values are scaled by 1/(1-p): each element a layer above the first reads is either 0 or the "
    "layer below's output times 1/(1-p).",
    variants=["RNN_RELU"],
)
