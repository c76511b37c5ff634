"""Outputs: shapes, values and the default state."""

from __future__ import annotations

from ..variants import FULL_VARIANTS, VARIANTS
from .model import Anchor, Claim

SHAPES = Claim(
    "outputs.shapes",
    "output is (L, N, D*H_out) ((N, L, D*H_out) with batch_first, (L, D*H_out) unbatched); h_n is "
    "(D*num_layers, N, H_out) and c_n (D*num_layers, N, hidden_size), whatever batch_first says, without N "
    "when unbatched; a cell returns (N, hidden_size) or (hidden_size,).",
    variants=VARIANTS,
    documented_by=[
        Anchor(
            "torch.nn.RNN",
            ":math:`(L, N, D * H_{out})` when ``batch_first=False`` or :math:`(N, L, D * H_{out})` when "
            "``batch_first=True``",
        ),
        Anchor(
            "torch.nn.LSTM",
            r"**c_n**: tensor of shape :math:`(D * \text{num\_layers}, H_{cell})` for unbatched input or "
            r":math:`(D * \text{num\_layers}, N, H_{cell})`",
        ),
        Anchor(
            "torch.nn.GRUCell", ":math:`(N, H_{out})` or :math:`(H_{out})` tensor containing the next hidden state."
        ),
    ],
)

VALUES = Claim(
    "outputs.values",
    "The outputs are computed by the documented equations: h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) "
    "for RNN; the i|f|g|o gates, c_t = f*c_{t-1} + i*g, h_t = o*tanh(c_t) (then W_hr h_t with proj_size) "
    "for LSTM; the r|z|n gates with n = tanh(W_in x + b_in + r*(W_hn h + b_hn)), h_t = (1-z)*n + z*h_{t-1} "
    "for GRU; stacked layers read the layer below, the reverse direction reads the sequence backwards.",
    variants=VARIANTS,
    leads=True,
    documented_by=[
        Anchor("torch.nn.RNN", r"h_t = \tanh(x_t W_{ih}^T + b_{ih} + h_{t-1}W_{hh}^T + b_{hh})"),
        Anchor("torch.nn.LSTM", r"i_t = \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi})"),
        Anchor("torch.nn.GRU", "(W_{hn} h_{(t-1)}+ b_{hn})"),
    ],
)

DEFAULT_STATE = Claim(
    "outputs.default_state",
    "h_0 (and c_0) default to zeros if not provided.",
    variants=FULL_VARIANTS + ["LSTMCell", "GRUCell", "RNNCell_TANH"],
    documented_by=[
        Anchor("torch.nn.RNN", "Defaults to zeros if not provided."),
        Anchor("torch.nn.LSTM", "Defaults to zeros if (h_0, c_0) is not provided."),
        Anchor("torch.nn.GRUCell", "Defaults to zero if not provided."),
    ],
)

TF32 = Claim(
    "outputs.values_tf32",
    "With TF32 allowed (torch.backends.cuda.matmul / cudnn), float32 outputs follow the documented equations "
    "to within TF32's precision: 10 mantissa bits in the operands of each product.",
    variants=VARIANTS,
)

DTYPE_DEVICE = Claim(
    "outputs.dtype_device",
    "Outputs and states have the module's dtype and live on its device: output, h_n and c_n (h' and c' "
    "for cells), and a packed output's data.",
    variants=VARIANTS,
)

AUTOCAST = Claim(
    "outputs.autocast",
    "Under torch.autocast (float16 or bfloat16, on the CPU and on CUDA) a float32 module runs; each output "
    "is float32 or the autocast dtype (the documented op lists allow both: the recurrent ops are listed for "
    "neither, the products inside them for the lower one), and follows the documented equations to within "
    "the lower dtype's precision.",
    variants=VARIANTS,
)
