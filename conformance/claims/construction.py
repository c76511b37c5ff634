"""Construction: the documented argument errors and warnings."""

from __future__ import annotations

from ..variants import FULL_VARIANTS, LSTM_VARIANTS, RNN_CELL_VARIANTS, RNN_VARIANTS, VARIANTS
from .model import Anchor, Claim

DROPOUT_MESSAGE = "dropout should be a number in range [0, 1]"
DROPOUT_WARNING_TEXT = "dropout option adds dropout after all but last recurrent layer"

DROPOUT_RANGE = Claim(
    "construction.dropout_range",
    f"A dropout outside [0, 1] (NaN and the infinities included) raises ValueError '{DROPOUT_MESSAGE} "
    "representing the probability of an element being zeroed'.",
    variants=FULL_VARIANTS,
)

DROPOUT_BOOL = Claim(
    "construction.dropout_bool",
    f"A bool dropout is refused, True and False alike: ValueError '{DROPOUT_MESSAGE}'.",
    variants=FULL_VARIANTS,
)

DROPOUT_TYPE = Claim(
    "construction.dropout_type",
    f"A dropout that is not a number, such as the string '0.5' or a 0-d tensor, raises ValueError '{DROPOUT_MESSAGE}'.",
    variants=FULL_VARIANTS,
)

DROPOUT_UNCONVERTIBLE = Claim(
    "construction.dropout_unconvertible",
    f"A dropout that is not a number and that float() cannot convert either (None, a non-numeric string, "
    f"a list, a complex number) raises ValueError '{DROPOUT_MESSAGE}' like every other non-number.",
    variants=FULL_VARIANTS,
)

HIDDEN_SIZE = Claim(
    "construction.hidden_size",
    "nn.RNN, nn.LSTM and nn.GRU refuse hidden_size <= 0 with ValueError 'hidden_size must be greater than "
    "zero' (since torch 2.1).",
    since="2.1",
    dated_by="no torch's docstring bounds hidden_size ('The number of features in the hidden state h' in every "
    "version); 2.1 is the first whose RNNBase raises the message",
    variants=FULL_VARIANTS,
)

HIDDEN_SIZE_TYPE = Claim(
    "construction.hidden_size_type",
    "nn.RNN, nn.LSTM and nn.GRU refuse a hidden_size that is not an int (a float, even 4.0, a string, None) "
    "with TypeError 'hidden_size should be of type int' (since torch 2.1).",
    since="2.1",
    variants=FULL_VARIANTS,
    # the typed signature (an overload of __init__) each class gained in 2.1
    documented_by=[Anchor(f"torch.nn.{kind}", "hidden_size: int") for kind in ("RNN", "LSTM", "GRU")],
)

NUM_LAYERS = Claim(
    "construction.num_layers",
    "num_layers <= 0 raises ValueError 'num_layers must be greater than zero' (since torch 2.2).",
    since="2.2",
    dated_by="no torch's docstring bounds num_layers ('Number of recurrent layers' in every version); 2.2 is the "
    "first whose RNNBase raises the message",
    variants=FULL_VARIANTS,
)

PROJ_SIZE = Claim(
    "construction.proj_size",
    "nn.LSTM refuses proj_size < 0 with ValueError 'proj_size should be a positive integer or zero to "
    "disable projections' and proj_size >= hidden_size with ValueError 'proj_size has to be smaller than "
    "hidden_size'.",
    variants=LSTM_VARIANTS,
)

PROJ_SIZE_UNSUPPORTED = Claim(
    "construction.proj_size_unsupported",
    "nn.RNN and nn.GRU refuse a proj_size argument, whatever its value (0 included), with ValueError "
    "'proj_size argument is only supported for LSTM, not RNN or GRU'.",
    variants=[v for v in FULL_VARIANTS if v not in LSTM_VARIANTS],
)

NONLINEARITY = Claim(
    "construction.nonlinearity",
    "nn.RNN refuses a nonlinearity other than 'tanh' or 'relu' (case matters) with ValueError "
    "\"Unknown nonlinearity '...'. Select from 'tanh' or 'relu'.\"",
    variants=RNN_VARIANTS,
)

CELL_NONLINEARITY = Claim(
    "construction.cell_nonlinearity",
    "nn.RNNCell accepts any nonlinearity when it is constructed, without a warning; forward with one other "
    "than 'tanh' or 'relu' raises RuntimeError 'Unknown nonlinearity: ...'.",
    variants=RNN_CELL_VARIANTS,
)

VALID = Claim(
    "construction.valid",
    "Valid constructor arguments (input_size, hidden_size, num_layers >= 1; dropout a number in [0, 1]; "
    "any bias, batch_first, bidirectional; 0 <= proj_size < hidden_size for LSTM) neither raise nor warn, "
    "apart from the dropout warning.",
    variants=VARIANTS,
)

DROPOUT_WARNING = Claim(
    "construction.dropout_warning",
    f"Constructing with dropout > 0 and num_layers = 1 emits exactly one UserWarning '{DROPOUT_WARNING_TEXT}, "
    "so non-zero dropout expects num_layers greater than 1'; no other configuration emits it.",
    variants=FULL_VARIANTS,
)

FACTORY_KWARGS = Claim(
    "construction.factory_kwargs",
    "Constructed with device= and dtype= (the factory keyword arguments every module takes), every parameter "
    "has that device and dtype, and lies within the documented initialisation bound.",
    variants=VARIANTS,
)

SIGNATURE = Claim(
    "construction.signature",
    "The documented parameters may be given positionally, in the documented order (nn.RNN(input_size, "
    "hidden_size, num_layers, nonlinearity, bias, batch_first, dropout, bidirectional, device, dtype); "
    "nn.LSTM(..., bidirectional, proj_size, device, dtype); nn.GRU without nonlinearity; nn.RNNCell(input_size, "
    "hidden_size, bias, nonlinearity, device, dtype); the other cells without nonlinearity): any prefix given "
    "so builds the module the keywords build, and an unknown keyword raises TypeError.",
    since="2.1",
    variants=VARIANTS,
    documented_by=[
        # the signature each docstring opens with (since 2.1), whitespace aside; its typed overload says the same
        Anchor(
            "torch.nn.RNN",
            "input_size,hidden_size,num_layers=1,nonlinearity='tanh',bias=True,batch_first=False,dropout=0.0,"
            "bidirectional=False,device=None,dtype=None)",
        ),
        Anchor(
            "torch.nn.LSTM",
            "input_size,hidden_size,num_layers=1,bias=True,batch_first=False,dropout=0.0,bidirectional=False,"
            "proj_size=0,device=None,dtype=None)",
        ),
        Anchor(
            "torch.nn.GRU",
            "input_size,hidden_size,num_layers=1,bias=True,batch_first=False,dropout=0.0,bidirectional=False,"
            "device=None,dtype=None)",
        ),
    ],
)
