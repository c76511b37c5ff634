"""PackedSequence inputs."""

from __future__ import annotations

from ..variants import FULL_VARIANTS
from .model import Anchor, Claim

STRUCTURE = Claim(
    "packed.structure",
    "A packed input gives a packed output with the same batch_sizes and sorted/unsorted indices.",
    variants=FULL_VARIANTS,
    documented_by=[
        Anchor(
            "torch.nn.RNN",
            "If a :class:`torch.nn.utils.rnn.PackedSequence` has been given as the input, the output will also "
            "be a packed sequence.",
        ),
    ],
)

OUTPUT = Claim(
    "packed.output",
    "The packed output holds each sequence's outputs for its own steps only: padded back with "
    "pad_packed_sequence, it equals the documented equations run on each sequence alone, with "
    "zeros past each sequence's length.",
    variants=FULL_VARIANTS,
)

FINAL_STATE = Claim(
    "packed.final_state",
    "Each sequence's final state (h_n, and c_n for LSTM) is taken at its own last valid step, and "
    "the reverse direction starts there.",
    variants=FULL_VARIANTS,
)

BATCH_ORDER = Claim(
    "packed.batch_order",
    "h_0 (and c_0) are read, and h_n (and c_n) returned, in the caller's batch order: "
    "enforce_sorted=False permutes internally.",
    variants=FULL_VARIANTS,
)
