"""Calls made in the isolated child (run/isolated.py): torch broken there, by a patch the child enters.

Each mutant here makes the suite's child process run inside one of the context managers of
tests/meta/child_patches.py (named as `module:attribute`, since the child imports it), so that the
kills show what the parent reports when the child crashes or a call it makes returns what it should
refuse.
"""

from __future__ import annotations

from conformance.claims.forward import HX_BATCH_SIZE, INVALID_HX, INVALID_SHAPES
from conformance.run import isolated

from ..kill import declared
from ..patching import Mutant

HERE = "tests.meta.child_patches"


def in_the_child(name: str) -> Mutant:
    return Mutant(lambda: isolated.children_within(f"{HERE}:{name}"))


validation_crashes = (
    in_the_child("crashing_validation")
    .caught_by(INVALID_SHAPES, "GRU", "LSTM", broken="input size")
    .caught_by(HX_BATCH_SIZE, "GRU")
)
wrong_state_replaced_by_zeros = in_the_child("state_replaced_by_zeros").caught_by(
    INVALID_SHAPES, "RNN_TANH", broken="state size"
)
faithful_hx = in_the_child("hx_validated").passes(INVALID_HX, "GRU", "LSTM")
list_hx_crashes = in_the_child("hx_validated_but_a_list_crashes").caught_by(INVALID_HX, "GRU", "LSTM")

KILLS, BASELINES = declared(vars())
