"""The documented parameter table: names, registration order and shapes, and one cell's share of it."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .arrays import Array, Bias, Params
from .spec import Spec

Shape = tuple[int, ...]


class Weights(NamedTuple):
    """The parameters one cell equation reads: a cell's, or one layer and direction's of a full module.

    Fields carry the documented names without their layer suffix; a bias is None with bias=False, and
    weight_hr is None without a projection.
    """

    weight_ih: Array
    weight_hh: Array
    bias_ih: Bias = None
    bias_hh: Bias = None
    weight_hr: Array | None = None

    def named(self, suffix: str = "") -> dict[str, Array]:
        """The parameters that exist, by documented name with `suffix` (e.g. "_l1_reverse") appended."""
        return {name + suffix: value for name, value in zip(self._fields, self, strict=True) if value is not None}

    def absolute(self) -> Weights:
        """Every parameter's elementwise absolute value."""
        return Weights._make(None if value is None else np.abs(value) for value in self)


def base_names(spec: Spec) -> list[str]:
    """weight_ih, weight_hh, bias_ih, bias_hh, weight_hr: those `spec` has, in registration order."""
    names = ["weight_ih", "weight_hh"]
    if spec.bias:
        names += ["bias_ih", "bias_hh"]
    if spec.proj_size:
        names += ["weight_hr"]
    return names


def layer_suffix(layer: int, reverse: bool) -> str:
    """_l{layer}, and _reverse for the reverse direction."""
    return f"_l{layer}" + ("_reverse" if reverse else "")


def layer_parameter_names(spec: Spec, layer: int, reverse: bool) -> list[str]:
    """weight_ih, weight_hh, bias_ih, bias_hh, weight_hr of one layer and direction, in that order."""
    return [name + layer_suffix(layer, reverse) for name in base_names(spec)]


def weights_of(spec: Spec, params: Params, layer: int = 0, reverse: bool = False) -> Weights:
    """A cell's parameters, or one layer and direction's of a full module; KeyError if one is missing."""
    suffix = "" if spec.is_cell else layer_suffix(layer, reverse)
    return Weights(**{name: params[name + suffix] for name in base_names(spec)})


def parameter_table(spec: Spec) -> list[tuple[str, Shape]]:
    """Every parameter the module registers, in registration order, with its documented shape.

    Full modules: layer by layer, forward direction before reverse. weight_ih_l0 is
    (G*H, input_size), weight_ih_l{k>0} is (G*H, D*H_out), weight_hh is (G*H, H_out), biases are
    (G*H,), weight_hr is (proj_size, H). Cells: weight_ih (G*H, input_size), weight_hh (G*H, H),
    bias_ih and bias_hh (G*H,) when bias=True.
    """
    gh = spec.gates * spec.hidden_size
    if spec.is_cell:
        table: list[tuple[str, Shape]] = [("weight_ih", (gh, spec.input_size)), ("weight_hh", (gh, spec.hidden_size))]
        if spec.bias:
            table += [("bias_ih", (gh,)), ("bias_hh", (gh,))]
        return table
    shapes: dict[str, Shape] = {
        "weight_hh": (gh, spec.out_size),
        "bias_ih": (gh,),
        "bias_hh": (gh,),
        "weight_hr": (spec.proj_size, spec.hidden_size),
    }
    table = []
    for layer in range(spec.num_layers):
        layer_input = spec.input_size if layer == 0 else spec.directions * spec.out_size
        for reverse in (False, True)[: spec.directions]:
            for name in base_names(spec):
                shape = (gh, layer_input) if name == "weight_ih" else shapes[name]
                table.append((name + layer_suffix(layer, reverse), shape))
    return table


def init_bound(spec: Spec) -> float:
    """Every parameter is initialised from U(-sqrt(k), sqrt(k)) with k = 1 / hidden_size."""
    return math.sqrt(1.0 / spec.hidden_size)
