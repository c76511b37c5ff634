"""The construction rows: bad constructor arguments and the exception each raises; valid ones and the
warnings they may emit."""

from __future__ import annotations

import warnings

from hypothesis import strategies as st

from conformance.claims import construction as claims
from conformance.draw.strategies import specs
from conformance.errors.calls import describe_warnings
from conformance.errors.rows import ConstructionRow, Draw, WarningRow
from conformance.errors.values import (
    any_proj_sizes,
    bad_nonlinearities,
    convertible_non_numbers,
    ints,
    layer_counts,
    non_int_sizes,
    out_of_range_dropouts,
    proj_sizes_refused,
    small_specs,
    unconvertible_non_numbers,
    valid_dropouts,
)
from reference import Spec

DROPOUT = claims.DROPOUT_MESSAGE


def proj_size_fragment(proj_size: object) -> str:
    if isinstance(proj_size, int) and proj_size < 0:
        return "proj_size should be a positive integer or zero to disable projections"
    return "proj_size has to be smaller than hidden_size"


RAISING = (
    ConstructionRow(claims.DROPOUT_RANGE, "dropout", out_of_range_dropouts, ValueError, DROPOUT),
    ConstructionRow(claims.DROPOUT_BOOL, "dropout", st.booleans(), ValueError, DROPOUT),
    ConstructionRow(claims.DROPOUT_TYPE, "dropout", convertible_non_numbers, ValueError, DROPOUT),
    ConstructionRow(claims.DROPOUT_UNCONVERTIBLE, "dropout", unconvertible_non_numbers, ValueError, DROPOUT),
    ConstructionRow(
        claims.HIDDEN_SIZE, "hidden_size", ints(max_value=0), ValueError, "hidden_size must be greater than zero"
    ),
    ConstructionRow(
        claims.HIDDEN_SIZE_TYPE, "hidden_size", non_int_sizes, TypeError, "hidden_size should be of type int"
    ),
    ConstructionRow(
        claims.NUM_LAYERS, "num_layers", ints(max_value=0), ValueError, "num_layers must be greater than zero"
    ),
    ConstructionRow(
        claims.PROJ_SIZE, "proj_size", lambda spec: proj_sizes_refused(spec.hidden_size), ValueError, proj_size_fragment
    ),
    ConstructionRow(
        claims.PROJ_SIZE_UNSUPPORTED,
        "proj_size",
        lambda spec: any_proj_sizes(spec.hidden_size),
        ValueError,
        "proj_size argument is only supported for LSTM, not RNN or GRU",
    ),
    ConstructionRow(claims.NONLINEARITY, "nonlinearity", bad_nonlinearities, ValueError, "Unknown nonlinearity"),
)


def is_dropout_warning(w: warnings.WarningMessage) -> bool:
    return issubclass(w.category, UserWarning) and claims.DROPOUT_WARNING_TEXT in str(w.message)


def with_valid_dropouts(draw: Draw, variant: str) -> list[Spec]:
    """Any configuration; a full module twice, with a drawn valid dropout and with 1: both ends of [0, 1] are
    valid, and a drawn value rarely lands on 1."""
    spec = draw(specs(variant), "spec")
    if spec.is_cell:
        return [spec]
    return [spec.with_(dropout=draw(valid_dropouts, "dropout")), spec.with_(dropout=1)]


def undocumented_warnings(spec: Spec, caught: list[warnings.WarningMessage]) -> str | None:
    documented = not spec.is_cell and spec.dropout > 0 and spec.num_layers == 1
    unexpected = [w for w in caught if not (documented and is_dropout_warning(w))]
    if not unexpected:
        return None
    other = "other than the dropout warning " if documented else ""
    return f"warned {describe_warnings(unexpected)}; the documentation gives no warning {other}here"


def with_dropout_and_layers(draw: Draw, variant: str) -> list[Spec]:
    spec = draw(small_specs(variant), "spec")
    return [spec.with_(num_layers=draw(layer_counts, "num_layers"), dropout=draw(valid_dropouts, "dropout"))]


def dropout_warnings_miscounted(spec: Spec, caught: list[warnings.WarningMessage]) -> str | None:
    expected = 1 if spec.dropout > 0 and spec.num_layers == 1 else 0
    emitted = sum(1 for w in caught if is_dropout_warning(w))
    if emitted == expected:
        return None
    return (
        f"emitted {emitted} dropout UserWarnings where the documentation says {expected} "
        f"(dropout={spec.dropout!r}, num_layers={spec.num_layers}); warnings seen: {describe_warnings(caught)}"
    )


WARNING = (
    WarningRow(claims.VALID, with_valid_dropouts, undocumented_warnings),
    WarningRow(claims.DROPOUT_WARNING, with_dropout_and_layers, dropout_warnings_miscounted),
)
