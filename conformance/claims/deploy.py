"""Deployment paths: torch.export, ONNX in onnxruntime, dynamic quantization."""

from __future__ import annotations

from ..variants import FULL_VARIANTS, VARIANTS
from .model import Claim

QUANTIZED_VARIANTS = ["LSTM", "GRU", "RNNCell_TANH", "RNNCell_RELU", "LSTMCell", "GRUCell"]
"""What torch.ao.quantization.quantize_dynamic converts by default: nn.LSTM, nn.GRU and the cells."""

EXPORT = Claim(
    "deploy.export.values",
    "torch.export.export(module, args, dynamic_shapes=...) (strict and non-strict) with a dynamic batch size "
    "gives a program whose module() computes the documented outputs, with h_0 given or omitted, at batch "
    "sizes other than the one exported with, for the current values of its parameters; so does the module() "
    "of the program after run_decompositions().",
    torch_nn_only="the exported program's parameters are reloaded by torch.nn's parameter names",
    variants=VARIANTS,
    mode="export",
)

EXPORT_LENGTH = Claim(
    "deploy.export.dynamic_length",
    "torch.export.export of a full module with the sequence length marked dynamic (torch.export.Dim) exports, "
    "and the program's module() computes the documented outputs at sequence lengths other than the one "
    "exported with.",
    torch_nn_only="the exported program's parameters are reloaded by torch.nn's parameter names",
    variants=FULL_VARIANTS,
    mode="export",
)

ONNX = Claim(
    "deploy.onnx.values",
    "torch.onnx.export (the dynamo exporter, and the TorchScript exporter where torch has it) with a dynamic "
    "batch size gives an ONNX model that onnxruntime's CPU execution provider runs to the documented outputs "
    "at batch sizes other than the one exported with (and, with the TorchScript exporter's dynamic_axes, at "
    "other sequence lengths), h_0 given or omitted; a configuration the exporter refuses is skipped, quoting it.",
    torch_nn_only="the exporters convert torch.nn's recurrent modules to ONNX's RNN, GRU and LSTM operators",
    variants=VARIANTS,
    mode="onnx",
)

ONNX_PACKED = Claim(
    "deploy.onnx.packed",
    "A module called on a PackedSequence (packed with pack_padded_sequence(enforce_sorted=False) inside the "
    "exported model, the padded batch and its lengths as inputs, the output padded back with "
    "pad_packed_sequence) exports to ONNX, and onnxruntime computes the documented packed outputs: each "
    "sequence's outputs for its own steps, zeros past its length, and h_n (c_n) at its own last step, at "
    "other batch sizes and lengths than those exported with; an exporter that refuses packed input is skipped, "
    "quoting it.",
    torch_nn_only="the exporters convert torch.nn's recurrent modules to ONNX's RNN, GRU and LSTM operators",
    variants=FULL_VARIANTS,
    mode="onnx",
)

QUANTIZED = Claim(
    "deploy.quantized.values",
    "torch.ao.quantization.quantize_dynamic (qint8 or float16) converts nn.LSTM, nn.GRU and the cells to "
    "modules that compute the documented equations with the weights quantized: within the allowance of the "
    "activations' dynamic quantization, the outputs of the reference run on the dequantized weights and the "
    "float biases, each dequantized weight within one quantization step of the float one.",
    torch_nn_only="quantize_dynamic swaps torch.nn's own classes",
    variants=QUANTIZED_VARIANTS,
    mode="quantized",
)

QUANTIZED_NO_BIAS = Claim(
    "deploy.quantized.no_bias",
    "quantize_dynamic converts a module built with bias=False too (the quantized modules document a bias "
    "argument): the result computes the documented equations without biases.",
    torch_nn_only="quantize_dynamic swaps torch.nn's own classes",
    variants=QUANTIZED_VARIANTS,
    mode="quantized",
)
