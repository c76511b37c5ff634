"""The documented shapes of a module's outputs."""

from __future__ import annotations

from .spec import Spec

Shape = tuple[int, ...]


def output_shapes(spec: Spec, seq_len: int, batch: int | None) -> dict[str, Shape]:
    """Shapes of output, h_n and c_n (full modules) or h' and c' (cells); batch None means unbatched.

    output is (L, N, D*H_out), or (N, L, D*H_out) with batch_first, or (L, D*H_out) unbatched.
    h_n is (D*num_layers, N, H_out) whatever batch_first says; c_n is the same with H for H_out.
    """
    if spec.is_cell:
        lead = () if batch is None else (batch,)
        shapes = {"h'": lead + (spec.hidden_size,)}
        if spec.has_cell_state:
            shapes["c'"] = lead + (spec.hidden_size,)
        return shapes
    features = spec.directions * spec.out_size
    if batch is None:
        output: Shape = (seq_len, features)
        state_lead: Shape = (spec.directions * spec.num_layers,)
    else:
        output = (batch, seq_len, features) if spec.batch_first else (seq_len, batch, features)
        state_lead = (spec.directions * spec.num_layers, batch)
    shapes = {"output": output, "h_n": state_lead + (spec.out_size,)}
    if spec.has_cell_state:
        shapes["c_n"] = state_lead + (spec.hidden_size,)
    return shapes
