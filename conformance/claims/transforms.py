"""The torch.func transforms over the recurrent layers, through torch.func.functional_call."""

from __future__ import annotations

from ..variants import VARIANTS
from .model import Anchor, Claim

GRAD = Claim(
    "transforms.grad",
    "torch.func.grad of sum(upstream * outputs), the module called through torch.func.functional_call, gives "
    "the documented equations' gradients with respect to the input, h_0 and c_0 (when given) and every parameter.",
    variants=VARIANTS,
    mode="func",
    documented_by=[Anchor("torch.func.grad", "This operator can be nested to compute higher-order gradients.")],
)

JACREV = Claim(
    "transforms.jacrev",
    "torch.func.jacrev (reverse mode) gives the documented equations' Jacobian of output, h_n and c_n (h' and c' "
    "for cells) with respect to the input.",
    variants=VARIANTS,
    mode="func",
    documented_by=[Anchor("torch.func.jacrev", "using reverse mode autodiff")],
)

JACFWD = Claim(
    "transforms.jacfwd",
    "torch.func.jacfwd (forward mode) gives the documented equations' Jacobian of output, h_n and c_n (h' and c' "
    "for cells) with respect to the input.",
    variants=VARIANTS,
    mode="func",
    documented_by=[Anchor("torch.func.jacfwd", "using forward-mode autodiff")],
)

HESSIAN = Claim(
    "transforms.hessian",
    "torch.func.hessian (forward over reverse) of sum(upstream * outputs) gives the documented equations' second "
    "derivatives with respect to the input.",
    variants=VARIANTS,
    mode="func",
    documented_by=[Anchor("torch.func.hessian", "via a forward-over-reverse strategy")],
)

VMAP_INPUTS = Claim(
    "transforms.vmap_inputs",
    "torch.func.vmap of the module's call over a stack of inputs (and of h_0 and c_0, when given) computes what "
    "calling the module on each member computes: the documented outputs of each, stacked.",
    variants=VARIANTS,
    mode="func",
    documented_by=[Anchor("torch.func.vmap", "vmap is the vectorizing map")],
)

VMAP_ENSEMBLE = Claim(
    "transforms.vmap_ensemble",
    "torch.func.stack_module_state of modules of one configuration, and torch.func.vmap of "
    "torch.func.functional_call over the stacked parameters (the documented ensembling recipe), computes each "
    "module's documented outputs for one input, stacked.",
    variants=VARIANTS,
    mode="func",
    documented_by=[
        Anchor("torch.func.stack_module_state", "Prepares a list of torch.nn.Modules for ensembling with :func:`vmap`.")
    ],
)
