"""The documented signature: positional arguments in the documented order build what keywords build.

The order is the documentation's (DOCUMENTED), not read from torch's code, which takes *args, **kwargs.
"""

from __future__ import annotations

import warnings

import pytest
import torch
from hypothesis import strategies as st

from conformance.claims.construction import SIGNATURE
from conformance.draw.sizes import SMALL
from conformance.draw.strategies import SEEDS, specs, within
from conformance.judge.compare import assert_equal, fail
from conformance.run import implementation

FULL = ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout", "bidirectional")
DOCUMENTED: dict[str, tuple[str, ...]] = {
    "RNN": ("input_size", "hidden_size", "num_layers", "nonlinearity", *FULL[3:], "device", "dtype"),
    "LSTM": (*FULL, "proj_size", "device", "dtype"),
    "GRU": (*FULL, "device", "dtype"),
    "RNNCell": ("input_size", "hidden_size", "bias", "nonlinearity", "device", "dtype"),
    "LSTMCell": ("input_size", "hidden_size", "bias", "device", "dtype"),
    "GRUCell": ("input_size", "hidden_size", "bias", "device", "dtype"),
}
"""Each class's parameters in the order its documentation lists them."""


def described(module: torch.nn.Module, names: tuple[str, ...]) -> dict[str, object]:
    """What a module was built with: its hyperparameters (those it keeps), its parameters' names,
    shapes, dtypes and values."""
    kept = {name: getattr(module, name) for name in names if hasattr(module, name)}
    params = {
        name: (tuple(p.shape), p.dtype, p.detach().cpu().double().flatten().tolist())
        for name, p in module.named_parameters()
    }
    return {"hyperparameters": kept, "parameters": params}


@SIGNATURE.check()
def test_positional_arguments_follow_the_documented_order(variant: str, data: st.DataObject) -> None:
    """Every prefix of the documented order given positionally (from two on), at the small sizes: the
    order is the claim, not the sizes."""
    spec = data.draw(within(SMALL, specs(variant)), label="spec")
    order = DOCUMENTED[spec.kind]
    values = spec.constructor_kwargs() | {
        "device": "cpu",
        "dtype": data.draw(st.sampled_from([torch.float32, torch.float64]), label="dtype"),
    }
    values = {name: values[name] for name in order if name in values}
    seed = data.draw(SEEDS, label="torch seed")
    impl = implementation.current()
    cls = impl.cls(spec.kind)
    assert cls is not None
    with torch.random.fork_rng(devices=[]), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "dropout option adds dropout", UserWarning)  # a claim of its own
        torch.default_generator.manual_seed(seed)
        by_keyword = described(cls(**values), order)
        for count in range(2, len(order) + 1):
            positional = [values[name] for name in order[:count]]
            keywords = {name: value for name, value in values.items() if name not in order[:count]}
            call = f"{impl.expression(spec.kind)}(*{positional!r}, **{keywords!r})"
            repro = (
                f"{impl.imports}\ntorch.manual_seed({seed}); a = {call}\n"
                f"torch.manual_seed({seed}); b = {impl.source(spec.kind, values)}\nprint(a, b)"
            )
            torch.default_generator.manual_seed(seed)
            try:
                by_position = cls(*positional, **keywords)
            except Exception as exc:  # the documented call must not raise
                fail(SIGNATURE, variant, f"{call} raised {type(exc).__name__}: {exc}", repro=repro)
            what = f"the module built with the first {count} documented arguments positionally"
            assert_equal(SIGNATURE, variant, what, described(by_position, order), by_keyword, repro=repro)
    with pytest.raises(TypeError):
        cls(**values, not_a_documented_argument=1)
