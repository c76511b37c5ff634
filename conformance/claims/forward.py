"""Forward: the documented input errors, and what a call leaves alone."""

from __future__ import annotations

from ..variants import CELL_VARIANTS, FULL_VARIANTS, VARIANTS
from .model import Claim

INPUT_DIMS = Claim(
    "forward.input_dims",
    "Input that is neither 2-D (unbatched) nor 3-D (batched) raises ValueError 'Expected input to be 2D or 3D'.",
    variants=FULL_VARIANTS,
)

HX_DIMS = Claim(
    "forward.hx_dims",
    "h_0 (and c_0) must be batched like the input: with 3-D input a state that is not 3-D raises "
    "RuntimeError 'For batched 3-D input, hx ... should also be 3-D', with 2-D input a state that is not "
    "2-D raises RuntimeError 'For unbatched 2-D input, hx ... should also be 2-D'.",
    variants=FULL_VARIANTS,
)

INPUT_SIZE = Claim(
    "forward.input_size",
    "Input whose last dimension is not input_size raises RuntimeError 'input.size(-1) must be equal to "
    "input_size', whether h_0 is given or not (for nn.LSTM without h_0 since torch 2.3).",
    since="2.3",
    dated_by="every torch's docstring gives the input's last dimension as H_in = input_size and none states the "
    "error; 2.3 is the first whose nn.LSTM checks it without h_0 (nn.RNN and nn.GRU check it in every version)",
    variants=FULL_VARIANTS,
)

HX_SHAPE = Claim(
    "forward.hx_shape",
    "h_0 of shape (D*num_layers, N, H_out) ((D*num_layers, H_out) unbatched) and c_0 of shape "
    "(D*num_layers, N, hidden_size) are accepted; other row or feature counts raise RuntimeError "
    "'Expected hidden size ...', for nn.LSTM 'Expected hidden[0] size ...' (h_0) or 'Expected hidden[1] "
    "size ...' (c_0, whose size is hidden_size even with proj_size).",
    variants=FULL_VARIANTS,
)

HX_BATCH_SIZE = Claim(
    "forward.hx_batch_size",
    "h_0 (or c_0) whose batch size differs from the input's (dimension 0 with batch_first, else 1) raises "
    "RuntimeError 'Expected hidden size ...' ('Expected hidden[0] size' or 'Expected hidden[1] size' for "
    "nn.LSTM).",
    variants=FULL_VARIANTS,
)

ZERO_LENGTH = Claim(
    "forward.zero_length",
    "Input of sequence length 0 raises RuntimeError 'Expected sequence length to be larger than 0 in RNN'.",
    variants=FULL_VARIANTS,
)

CELL_DIMS = Claim(
    "forward.cell_dims",
    "A cell's input that is neither 1-D nor 2-D raises ValueError 'Expected input to be 1D or 2D'; so does "
    "its hidden state: 'Expected hidden to be 1D or 2D', for nn.LSTMCell 'Expected hx[0] to be 1D or 2D' "
    "or 'Expected hx[1] ...' (nn.GRUCell and nn.LSTMCell check the hidden state since torch 2.1).",
    since="2.1",
    dated_by="every torch's docstring gives the cells' 1-D and 2-D shapes and none states the error; 2.1 is the "
    "first whose cells raise ValueError (2.0 asserts on the input and does not check the hidden state)",
    variants=CELL_VARIANTS,
)

CELL_INPUT_SIZE = Claim(
    "forward.cell_input_size",
    "A cell's input whose last dimension is not input_size raises RuntimeError 'input has inconsistent input_size'.",
    variants=CELL_VARIANTS,
)

CELL_HIDDEN_SIZE = Claim(
    "forward.cell_hidden_size",
    "A cell accepts a hidden state of hidden_size features; any other size raises RuntimeError 'hidden0 has "
    "inconsistent hidden_size' ('hidden1 ...' for nn.LSTMCell's c).",
    variants=CELL_VARIANTS,
)

CELL_BATCH_SIZE = Claim(
    "forward.cell_batch_size",
    "A cell's batched input and hidden state of different batch sizes raise RuntimeError 'Input batch size "
    "N doesn't match hidden0 batch size M' ('hidden1' for nn.LSTMCell's c).",
    variants=CELL_VARIANTS,
)

ARGUMENTS_UNCHANGED = Claim(
    "forward.arguments_unchanged",
    "A forward call leaves its arguments alone: the input (dense or packed), h_0, c_0 and every parameter "
    "keep their values and their version counters, and no output shares storage with any of them.",
    variants=VARIANTS,
)

DETERMINISTIC = Claim(
    "forward.deterministic",
    "The same call twice gives bitwise-identical outputs and gradients: always on the CPU, and on CUDA "
    "under torch.use_deterministic_algorithms(True) with CUBLAS_WORKSPACE_CONFIG=:4096:8 (or :16:8) set, as "
    "the RNN documentation prescribes.",
    variants=VARIANTS,
)

INVALID_SHAPES = Claim(
    "forward.invalid_shapes",
    "A forward call whose input or state breaks the documented shapes (the size of one dimension, a state "
    "batched unlike the input) or whose states are in another dtype than the module raises a Python exception "
    "(ValueError, RuntimeError or TypeError): it neither returns nor crashes the process.",
    variants=FULL_VARIANTS + CELL_VARIANTS,
)

INVALID_HX = Claim(
    "forward.invalid_hx",
    "A forward call whose hx is not of the documented form (h_0 alone for an LSTM, (h_0,) for the others, "
    "(h_0, c_0, c_0), a list of numbers) raises a Python exception (ValueError, RuntimeError or TypeError): it "
    "neither returns nor crashes the process.",
    variants=FULL_VARIANTS + CELL_VARIANTS,
)
