"""Parameters: names, order and shapes."""

from __future__ import annotations

from ..variants import FULL_VARIANTS, VARIANTS
from .model import Claim

NAMES = Claim(
    "parameters.names",
    "Parameters are named weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k} (and weight_hr_l{k} "
    "with proj_size > 0), with the suffix _reverse for the reverse direction, registered layer by layer, "
    "forward direction first; a cell's are weight_ih, weight_hh, bias_ih, bias_hh; bias=False registers no "
    "biases.",
    variants=VARIANTS,
)

SHAPES = Claim(
    "parameters.shapes",
    "weight_ih_l0 is (G*hidden_size, input_size), weight_ih_l{k>0} (G*hidden_size, D*H_out), weight_hh "
    "(G*hidden_size, H_out), the biases (G*hidden_size,), weight_hr (proj_size, hidden_size), with G = 1 "
    "(RNN), 3 (GRU), 4 (LSTM).",
    variants=VARIANTS,
)

FLAT = Claim(
    "parameters.flat_weights",
    "The module's _flat_weights_names and state_dict list the parameters in registration order.",
    torch_nn_only="_flat_weights_names is an attribute of torch.nn's RNNBase",
    variants=FULL_VARIANTS,
)
