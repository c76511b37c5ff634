"""Tiny shared helpers of the reference self-tests: random parameters and states, renaming, comparing."""

from __future__ import annotations

import numpy as np

from reference import Spec, parameter_table

Params = dict[str, np.ndarray]

RTOL = 1e-12
ATOL = 1e-12


def random_params(spec: Spec, rng: np.random.Generator) -> Params:
    """Every parameter of `spec`'s table, drawn from U(-1, 1)."""
    return {name: rng.uniform(-1.0, 1.0, shape) for name, shape in parameter_table(spec)}


def random_states(spec: Spec, rng: np.random.Generator, batch: int | None) -> tuple[np.ndarray, np.ndarray | None]:
    """(h0, c0) of a full module, from U(-1, 1); c0 is None but for LSTM; batch None means unbatched."""
    lead = (spec.directions * spec.num_layers,) + (() if batch is None else (batch,))
    h0 = rng.uniform(-1.0, 1.0, lead + (spec.out_size,))
    c0 = rng.uniform(-1.0, 1.0, lead + (spec.hidden_size,)) if spec.has_cell_state else None
    return h0, c0


def with_layer_suffix(params: Params, suffix: str = "_l0") -> Params:
    """Cell-style names (weight_ih, ...) renamed as a full module's (weight_ih_l0, ...)."""
    return {name + suffix: value for name, value in params.items()}


def layer_as_first(params: Params, layer: int, reverse: bool | None = None) -> Params:
    """Layer `layer`'s parameters renamed as layer 0's.

    With `reverse` None both directions keep their roles; otherwise only that direction is kept,
    renamed as the forward direction of a unidirectional layer 0.
    """
    renamed = {}
    for name, value in params.items():
        base, _, suffix = name.partition("_l")
        number, _, direction = suffix.partition("_")
        if int(number) != layer:
            continue
        if reverse is None:
            renamed[f"{base}_l0{'_' + direction if direction else ''}"] = value
        elif bool(direction) == reverse:
            renamed[f"{base}_l0"] = value
    return renamed


def assert_close(actual: np.ndarray | None, expected: np.ndarray | None, what: str) -> None:
    """Float64 agreement to about 1e-12, for results computed along different but equivalent paths."""
    assert (actual is None) == (expected is None), f"{what} should be None in both or in neither"
    if actual is not None:
        assert actual.shape == expected.shape, f"{what} should have shape {expected.shape}, not {actual.shape}"
        np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL, err_msg=f"{what} should agree")


def assert_same(actual: np.ndarray | None, expected: np.ndarray | None, what: str) -> None:
    """Exact agreement, for results computed by the very same operations."""
    assert (actual is None) == (expected is None), f"{what} should be None in both or in neither"
    if actual is not None:
        assert actual.shape == expected.shape, f"{what} should have shape {expected.shape}, not {actual.shape}"
        np.testing.assert_array_equal(actual, expected, err_msg=f"{what} should be identical")
