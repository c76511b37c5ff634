"""The documented parameter table: names, registration order and shapes."""

from __future__ import annotations

from .spec import Spec

Shape = tuple[int, ...]


def layer_parameter_names(spec: Spec, layer: int, reverse: bool) -> list[str]:
    """weight_ih, weight_hh, bias_ih, bias_hh, weight_hr of one layer and direction, in that order."""
    suffix = f"_l{layer}" + ("_reverse" if reverse else "")
    names = ["weight_ih", "weight_hh"]
    if spec.bias:
        names += ["bias_ih", "bias_hh"]
    if spec.proj_size:
        names += ["weight_hr"]
    return [name + suffix for name in names]


def parameter_table(spec: Spec) -> list[tuple[str, Shape]]:
    """Every parameter the module registers, in registration order, with its documented shape.

    Full modules: layer by layer, forward direction before reverse. weight_ih_l0 is
    (G*H, input_size), weight_ih_l{k>0} is (G*H, D*H_out), weight_hh is (G*H, H_out), biases are
    (G*H,), weight_hr is (proj_size, H). Cells: weight_ih (G*H, input_size), weight_hh (G*H, H),
    bias_ih and bias_hh (G*H,) when bias=True.
    """
    gh = spec.gates * spec.hidden_size
    if spec.is_cell:
        table = [("weight_ih", (gh, spec.input_size)), ("weight_hh", (gh, spec.hidden_size))]
        if spec.bias:
            table += [("bias_ih", (gh,)), ("bias_hh", (gh,))]
        return table
    shapes = {
        "weight_hh": (gh, spec.out_size),
        "bias_ih": (gh,),
        "bias_hh": (gh,),
        "weight_hr": (spec.proj_size, spec.hidden_size),
    }
    table = []
    for layer in range(spec.num_layers):
        layer_input = spec.input_size if layer == 0 else spec.directions * spec.out_size
        for reverse in range(spec.directions):
            for name in layer_parameter_names(spec, layer, bool(reverse)):
                base = name.split("_l")[0]
                table.append((name, (gh, layer_input) if base == "weight_ih" else shapes[base]))
    return table


def init_bound(spec: Spec) -> float:
    """Every parameter is initialised from U(-sqrt(k), sqrt(k)) with k = 1 / hidden_size."""
    return (1.0 / spec.hidden_size) ** 0.5
