"""The documented shapes of forward arguments, and the ways callers get them wrong."""

from __future__ import annotations

from reference import Spec

Shape = tuple[int, ...]


def x_shape(spec: Spec, batch: int | None, seq_len: int = 1, features: int | None = None) -> Shape:
    """The documented input shape, with `features` in place of input_size if given."""
    f = spec.input_size if features is None else features
    if spec.is_cell:
        return (f,) if batch is None else (batch, f)
    if batch is None:
        return (seq_len, f)
    return (batch, seq_len, f) if spec.batch_first else (seq_len, batch, f)


def state_shape(spec: Spec, batch: int | None, features: int, rows: int | None = None) -> Shape:
    lead = () if spec.is_cell else (spec.directions * spec.num_layers if rows is None else rows,)
    return (*lead, *(() if batch is None else (batch,)), features)


def features_of(spec: Spec, state: str) -> int:
    return spec.out_size if state == "h" else spec.hidden_size


def states(spec: Spec, batch: int | None) -> dict[str, Shape]:
    """The documented shapes of h_0 and, for LSTMs, c_0."""
    names = ["h", "c"] if spec.has_cell_state else ["h"]
    return {name: state_shape(spec, batch, features_of(spec, name)) for name in names}


def with_dims(shape: Shape, ndim: int) -> Shape:
    """`shape` given `ndim` dimensions the way callers get it wrong: dropping the batch (or more),
    or adding a batch of 1 before the features and then leading ones."""
    if ndim == 0:
        return ()
    if ndim <= len(shape):
        return (*shape[: ndim - 1], shape[-1])
    return (1,) * (ndim - len(shape) - 1) + (*shape[:-1], 1, shape[-1])
