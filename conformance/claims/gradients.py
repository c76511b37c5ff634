"""Gradients: backpropagation through time, differentiated again (double backward), and forward-mode AD."""

from __future__ import annotations

from ..variants import VARIANTS
from .model import Anchor, Claim

VALUES = Claim(
    "gradients.values",
    "Autograd through the module gives the gradients of the documented equations: for any upstream "
    "gradients of output, h_n and c_n (h' and c' for cells), the gradients with respect to the input, "
    "h_0 and c_0 (when given) and every parameter are those of backpropagation through time.",
    variants=VARIANTS,
    leads=True,
)

SECOND_ORDER = Claim(
    "gradients.second_order",
    "Gradients are differentiable again (torch.autograd.grad(..., create_graph=True)): differentiating the "
    "gradients of sum(upstream * outputs) along a direction for the input, h_0 and c_0 (when given) and "
    "every parameter gives the documented equations' Hessian-vector product, on every CPU kernel.",
    variants=VARIANTS,
    documented_by=[
        Anchor(
            "torch.autograd.grad",
            "create_graph (bool, optional): If ``True``, graph of the derivative will be constructed, allowing "
            "to compute higher order derivative products.",
        )
    ],
)

FORWARD_MODE = Claim(
    "gradients.forward_mode",
    "Forward-mode AD (torch.func.jvp, and dual tensors of torch.autograd.forward_ad) through the module, its "
    "parameters given tangents by torch.func.functional_call, gives the documented equations' directional "
    "derivative of output, h_n and c_n (h' and c' for cells) along the tangents of the input, h_0 and c_0 "
    "(when given) and every parameter, for every input form, on every CPU kernel.",
    variants=VARIANTS,
    documented_by=[
        Anchor("torch.func.jvp", "This is also known as forward-mode autodiff."),
        Anchor("torch.autograd.forward_ad.make_dual", '"dual tensor"'),
    ],
)
