"""Modes: the value claims again, with the module wrapped, rebuilt or copied."""

from __future__ import annotations

from ..variants import FULL_VARIANTS, VARIANTS
from .model import Claim

SCRIPT = Claim(
    "modes.script.values",
    "A module compiled by torch.jit.script (a full module called from a scripted module, since a scripted "
    "RNN, LSTM or GRU exposes no forward to Python) computes the documented outputs with the current "
    "values of its parameters.",
    torch_nn_only="the scripted wrapper is typed for torch.nn's classes",
    variants=VARIANTS,
    mode="script",
)

COMPILE = Claim(
    "modes.compile.values",
    "torch.compile(module, dynamic=True) (inductor, fullgraph, with torch._dynamo.config.allow_rnn) "
    "computes the documented outputs with the current values of the module's parameters, one compiled "
    "module serving inputs of different batch sizes.",
    torch_nn_only="compiled with dynamo's allow_rnn, a setting for torch.nn's recurrent modules",
    variants=VARIANTS,
    mode="compile",
)

COMPILE_GRADIENTS = Claim(
    "modes.compile.gradients",
    "Backpropagating through torch.compile(module, dynamic=True) gives the gradients of the documented "
    "equations for the input, the given state and every parameter, one compiled module serving inputs of "
    "different batch sizes.",
    torch_nn_only="compiled with dynamo's allow_rnn, a setting for torch.nn's recurrent modules",
    variants=VARIANTS,
    mode="compile",
)

FUNCTIONAL = Claim(
    "modes.functional.values",
    "torch.func.functional_call(module, params, args) computes the documented outputs with `params` in "
    "place of every parameter of the module, and afterwards the module computes with its own again.",
    variants=VARIANTS,
    mode="functional",
)

FUNCTIONAL_GRADIENTS = Claim(
    "modes.functional.gradients",
    "Backpropagating through torch.func.functional_call(module, params, args) gives the documented "
    "equations' gradients to the tensors in `params`, and none to the module's own parameters.",
    variants=VARIANTS,
    mode="functional",
)

STATE_DICT = Claim(
    "modes.state_dict.values",
    "A module's state_dict loads strictly into a freshly built module with the same arguments, which then "
    "computes the documented outputs for the loaded parameters.",
    variants=VARIANTS,
    mode="state_dict",
)

DEEPCOPY = Claim(
    "modes.deepcopy.values",
    "copy.deepcopy(module) computes the documented outputs for the module's parameters, and keeps doing "
    "so when the original's parameters are changed afterwards.",
    variants=VARIANTS,
    mode="deepcopy",
)

PICKLE = Claim(
    "modes.pickle.values",
    "A module saved whole with torch.save and read back with torch.load(weights_only=False) computes the "
    "documented outputs for the saved parameters.",
    variants=VARIANTS,
    mode="pickle",
)

TO_DTYPE = Claim(
    "modes.to_dtype.values",
    "module.to(dtype) converts every parameter: a float32 module converted to float64 computes in "
    "float64 with the float64 weights loaded into it, and a float64 module converted to float32 "
    "computes what a float32 module with the rounded weights computes.",
    variants=VARIANTS,
    mode="to_dtype",
)

FLATTEN = Claim(
    "modes.flatten_after_assign.values",
    "After a parameter is reassigned (module.weight_ih_l0 = nn.Parameter(new)) and flatten_parameters() "
    "is called, the module computes with the new parameter.",
    torch_nn_only="flatten_parameters() is a method of torch.nn's RNNBase",
    variants=FULL_VARIANTS,
    mode="flatten_after_assign",
)

TIED = Claim(
    "modes.tied_weights.values",
    "A module two of whose parameters are one Parameter (module.weight_hh_l0_reverse = "
    "module.weight_hh_l0) computes as if both held that Parameter's current values.",
    variants=VARIANTS,
    mode="tied_weights",
)

WEIGHTS_ONLY = Claim(
    "modes.weights_only.values",
    "A state_dict saved with torch.save and read back with torch.load(..., weights_only=True) (the default "
    "since torch 2.6) loads strictly into a freshly built module, which then computes the documented outputs "
    "for the saved parameters.",
    variants=VARIANTS,
    mode="weights_only",
)

META_DEVICE = Claim(
    "modes.meta_device.values",
    "A module built on the meta device, then materialised with to_empty(device=...) and reset_parameters(), "
    "computes the documented outputs for the parameters loaded into it.",
    variants=VARIANTS,
    mode="meta_device",
)

DEVICE_ROUND_TRIP = Claim(
    "modes.device_round_trip.values",
    "A module moved with .to(device), back with .cpu() and to the device again computes the documented "
    "outputs for its parameters.",
    variants=VARIANTS,
    mode="device_round_trip",
)
