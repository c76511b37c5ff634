"""Parameters: names, order and shapes."""

from __future__ import annotations

from ..variants import FULL_VARIANTS, VARIANTS
from .model import Anchor, Claim

NAMES = Claim(
    "parameters.names",
    "Parameters are named weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k} (and weight_hr_l{k} "
    "with proj_size > 0), with the suffix _reverse for the reverse direction, registered layer by layer, "
    "forward direction first; a cell's are weight_ih, weight_hh, bias_ih, bias_hh; bias=False registers no "
    "biases.",
    variants=VARIANTS,
    leads=True,
    documented_by=[
        Anchor("torch.nn.LSTM", "weight_hr_l[k]_reverse:  Analogous to `weight_hr_l[k]` for the reverse direction."),
    ],
)

SHAPES = Claim(
    "parameters.shapes",
    "weight_ih_l0 is (G*hidden_size, input_size), weight_ih_l{k>0} (G*hidden_size, D*H_out), weight_hh "
    "(G*hidden_size, H_out), the biases (G*hidden_size,), weight_hr (proj_size, hidden_size), with G = 1 "
    "(RNN), 3 (GRU), 4 (LSTM).",
    variants=VARIANTS,
    documented_by=[
        Anchor("torch.nn.LSTM", "`(W_ii|W_if|W_ig|W_io)`, of shape `(4*hidden_size, input_size)` for `k = 0`"),
        Anchor("torch.nn.GRU", "(W_ir|W_iz|W_in), of shape `(3*hidden_size, input_size)` for `k = 0`"),
        Anchor("torch.nn.LSTM", "of shape `(proj_size, hidden_size)`"),
    ],
)

FLAT = Claim(
    "parameters.flat_weights",
    "The module's _flat_weights_names and state_dict list the parameters in registration order.",
    torch_nn_only="_flat_weights_names is an attribute of torch.nn's RNNBase",
    variants=FULL_VARIANTS,
)
