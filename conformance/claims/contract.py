"""The generic module contract: what torch promises of every nn.Module, judged on the recurrent layers."""

from __future__ import annotations

from ..variants import VARIANTS
from .model import Anchor, Claim

REPR = Claim(
    "contract.repr",
    "repr(module) is the class's name and its extra_repr, the extra representation of the module: "
    "input_size and hidden_size, then each other documented constructor argument (num_layers, "
    "nonlinearity, bias, batch_first, dropout, bidirectional, proj_size) that differs from its "
    "default, as name=value, and none at its default; for example LSTM(3, 4, num_layers=2, "
    "bidirectional=True).",
    variants=VARIANTS,
)

TRAIN_EVAL = Claim(
    "contract.train_eval",
    "train(mode=True) sets the module in training mode (mode=False: evaluation mode) and eval() sets it "
    "in evaluation mode, which is equivalent with self.train(False); `training`, a boolean, represents "
    "whether this module is in training or evaluation mode; both return the module itself.",
    variants=VARIANTS,
    documented_by=[
        Anchor(
            "torch.nn.Module",
            ":ivar training: Boolean represents whether this module is in training or evaluation mode.",
        ),
    ],
)

REQUIRES_GRAD = Claim(
    "contract.requires_grad",
    "requires_grad_(False) sets the parameters' requires_grad attributes in-place (and returns the "
    "module): afterwards no parameter requires grad, the forward still computes the documented outputs, "
    "and for an input that does not require grad no output requires grad, grad mode enabled; "
    "requires_grad_() (the default, True) makes every parameter, and so the outputs, require grad again.",
    variants=VARIANTS,
)

HOOKS = Claim(
    "contract.hooks",
    "A forward pre-hook is called every time before forward() is invoked and a forward hook every time "
    "after it has computed an output, the module's own (register_forward_pre_hook, register_forward_hook) "
    "and the global ones (register_module_forward_pre_hook, register_module_forward_hook): each is called "
    "once per call, with the positional arguments given to the module (the input, and hx when given "
    "positionally), a forward hook with the output the call returns, the same tensors; keyword arguments "
    "are passed only to the hooks registered with with_kwargs=True, and only to the forward otherwise; "
    "the outputs are the documented ones.",
    variants=VARIANTS,
    documented_by=[
        Anchor(
            "torch.nn.modules.module.register_module_forward_pre_hook",
            "The input contains only the positional arguments given to the module. Keyword arguments won't "
            "be passed to the hooks and only to the ``forward``.",
        ),
        Anchor(
            "torch.nn.modules.module.register_module_forward_hook",
            "hook(module, input, output) -> None or modified output",
        ),
    ],
)

PARAMETRIZED = Claim(
    "contract.parametrized.values",
    "When weights are parametrized (torch.nn.utils.parametrize.register_parametrization), accessing "
    "module.weight returns the parametrized version parametrization(module.weight), and the module computes "
    "the documented outputs with it, for any of its weights (weight_ih, weight_hh, weight_hr): a custom "
    "parametrization (a scaling); torch.nn.utils.parametrizations.weight_norm, w = g v / ||v|| from "
    "original0 (g) and original1 (v), where torch has it (2.1 and later); "
    "torch.nn.utils.parametrizations.orthogonal, whose Q has orthonormal columns (Q^T Q = I) when it is "
    "tall or square and orthonormal rows (Q Q^T = I) otherwise. It keeps doing so after the originals are "
    "changed in place (an orthogonal one's below its diagonal, which every orthogonal map reads as free "
    "parameters: the householder map reads the diagonal as the signs of Q's columns).",
    variants=VARIANTS,
    mode="parametrized",
    documented_by=[
        Anchor(
            "torch.nn.utils.parametrize.register_parametrization",
            "When accessing ``module.weight``, the module will return the parametrized version "
            "``parametrization(module.weight)``.",
        ),
        Anchor(
            "torch.nn.utils.parametrizations.orthogonal",
            r"In plain words, :math:`Q` will have orthonormal columns whenever :math:`m \geq n` "
            "and orthonormal rows otherwise.",
        ),
    ],
)
