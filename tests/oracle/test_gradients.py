"""The reference's analytic backward pass against finite differences of its own forward pass.

Every entry of every gradient is checked with central differences in float64, under random upstream
gradients on all outputs; one test also cross-checks a few configurations with torch autograd.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

import reference

STEP = 1e-6
RTOL = 1e-6
ATOL = 1e-8
SEQ_LEN = 3
BATCH = 3

Arrays = dict[str, np.ndarray]
Masks = list[np.ndarray] | None
Upstream = list[np.ndarray | None]


@dataclass(frozen=True)
class Case:
    """A module configuration and how its forward pass is called."""

    spec: reference.Spec
    unbatched: bool = False
    lengths: tuple[int, ...] | None = None
    dropout: bool = False
    omit_state: bool = False
    seed: int = 0


def make_inputs(case: Case, rng: np.random.Generator) -> Arrays:
    """Parameters, x, h0 and c0 (unless omitted) in the caller's layout, as one dict of arrays."""
    spec = case.spec
    arrays = {name: rng.uniform(-1.0, 1.0, shape) for name, shape in reference.parameter_table(spec)}
    batch = () if case.unbatched else (BATCH,)
    if spec.is_cell:
        state_lead = batch
        arrays["input"] = rng.normal(size=batch + (spec.input_size,))
    else:
        state_lead = (spec.directions * spec.num_layers,) + batch
        x_lead = (BATCH, SEQ_LEN) if spec.batch_first and not case.unbatched else (SEQ_LEN,) + batch
        arrays["input"] = rng.normal(size=x_lead + (spec.input_size,))
    if not case.omit_state:
        arrays["h0"] = rng.normal(size=state_lead + (spec.out_size,))
        if spec.has_cell_state:
            arrays["c0"] = rng.normal(size=state_lead + (spec.hidden_size,))
    return arrays


def dropout_masks(case: Case, rng: np.random.Generator) -> Masks:
    """Time-major masks with p = 0.5: each entry 0 or 2."""
    if not case.dropout:
        return None
    shape = (SEQ_LEN, 1 if case.unbatched else BATCH, case.spec.directions * case.spec.out_size)
    return [2.0 * (rng.random(shape) < 0.5) for _ in range(case.spec.num_layers - 1)]


def run_forward(case: Case, arrays: Arrays, masks: Masks) -> tuple[np.ndarray | None, ...]:
    params = {name: arrays[name] for name, _ in reference.parameter_table(case.spec)}
    h0, c0 = arrays.get("h0"), arrays.get("c0")
    if case.spec.is_cell:
        return reference.cell_forward(case.spec, params, arrays["input"], h0, c0)
    return reference.forward(case.spec, params, arrays["input"], h0, c0, case.lengths, masks)


def numeric_gradient(loss: Callable[[], float], array: np.ndarray) -> np.ndarray:
    """Central differences of loss() with respect to every entry of `array`, perturbed in place."""
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        original = array[index]
        array[index] = original + STEP
        up = loss()
        array[index] = original - STEP
        down = loss()
        array[index] = original
        grad[index] = (up - down) / (2 * STEP)
    return grad


def analytic_gradients(case: Case, arrays: Arrays, masks: Masks, upstream: Upstream) -> Arrays:
    params = {name: arrays[name] for name, _ in reference.parameter_table(case.spec)}
    h0, c0 = arrays.get("h0"), arrays.get("c0")
    if case.spec.is_cell:
        grads = reference.cell_backward(case.spec, params, arrays["input"], h0, c0, *upstream)
        return {{"hx": "h0", "cx": "c0"}.get(name, name): g for name, g in grads.items()}
    return reference.forward_backward(case.spec, params, arrays["input"], h0, c0, case.lengths, masks, *upstream)


def check_against_finite_differences(case: Case) -> None:
    rng = np.random.default_rng(case.seed)
    arrays = make_inputs(case, rng)
    masks = dropout_masks(case, rng)
    outputs = run_forward(case, arrays, masks)
    upstream = [None if out is None else rng.normal(size=out.shape) for out in outputs]
    grads = analytic_gradients(case, arrays, masks, upstream)

    expected_keys = {name for name, _ in reference.parameter_table(case.spec)} | {"input", "h0"}
    if case.spec.has_cell_state:
        expected_keys.add("c0")
    assert set(grads) == expected_keys

    if case.omit_state:
        arrays |= {name: np.zeros_like(grads[name]) for name in ("h0", "c0") if name in grads}

    def loss() -> float:
        outs = run_forward(case, arrays, masks)
        return sum(float(np.sum(out * up)) for out, up in zip(outs, upstream, strict=True) if out is not None)

    for name, grad in grads.items():
        assert grad.shape == arrays[name].shape, name
        np.testing.assert_allclose(grad, numeric_gradient(loss, arrays[name]), rtol=RTOL, atol=ATOL, err_msg=name)


def spec(kind: str, input_size: int = 2, hidden_size: int = 2, **kwargs: object) -> reference.Spec:
    return reference.Spec(kind, input_size, hidden_size, **kwargs)


MODULE_CASES = {
    "rnn_tanh": Case(spec("RNN")),
    "rnn_relu": Case(spec("RNN", nonlinearity="relu")),
    "lstm": Case(spec("LSTM")),
    "lstm_proj": Case(spec("LSTM", 3, 3, proj_size=2)),
    "gru": Case(spec("GRU")),
    "rnn_tanh_2_layers_bidirectional": Case(spec("RNN", num_layers=2, bidirectional=True)),
    "rnn_relu_2_layers_bidirectional": Case(spec("RNN", nonlinearity="relu", num_layers=2, bidirectional=True)),
    "lstm_proj_2_layers_bidirectional": Case(spec("LSTM", 2, 3, proj_size=1, num_layers=2, bidirectional=True)),
    "gru_2_layers_bidirectional": Case(spec("GRU", num_layers=2, bidirectional=True)),
    "rnn_no_bias": Case(spec("RNN", bias=False, num_layers=2)),
    "lstm_proj_no_bias": Case(spec("LSTM", 2, 3, proj_size=1, bias=False, bidirectional=True)),
    "gru_no_bias": Case(spec("GRU", bias=False, bidirectional=True)),
    "lstm_batch_first": Case(spec("LSTM", batch_first=True, bidirectional=True)),
    "gru_batch_first": Case(spec("GRU", batch_first=True, num_layers=2)),
    "rnn_unbatched": Case(spec("RNN", bidirectional=True), unbatched=True),
    "lstm_proj_unbatched_batch_first": Case(spec("LSTM", 2, 3, proj_size=2, batch_first=True), unbatched=True),
    "rnn_relu_lengths": Case(spec("RNN", nonlinearity="relu", bidirectional=True), lengths=(2, 3, 1)),
    "lstm_proj_lengths": Case(spec("LSTM", 2, 3, proj_size=2, bidirectional=True), lengths=(1, 3, 2)),
    "gru_lengths_batch_first": Case(spec("GRU", batch_first=True, bidirectional=True), lengths=(3, 1, 2)),
    "rnn_dropout": Case(spec("RNN", num_layers=3), dropout=True),
    "lstm_dropout_bidirectional": Case(spec("LSTM", num_layers=2, bidirectional=True), dropout=True),
    "gru_dropout_lengths": Case(spec("GRU", num_layers=2, bidirectional=True), dropout=True, lengths=(1, 3, 2)),
    "gru_dropout_unbatched": Case(spec("GRU", num_layers=2), dropout=True, unbatched=True),
    "lstm_zero_state": Case(spec("LSTM", bidirectional=True), omit_state=True),
    "gru_zero_state_lengths": Case(spec("GRU", num_layers=2), omit_state=True, lengths=(2, 1, 3)),
}

CELL_CASES = {
    "rnn_cell_tanh": Case(spec("RNNCell")),
    "rnn_cell_relu": Case(spec("RNNCell", nonlinearity="relu")),
    "lstm_cell": Case(spec("LSTMCell")),
    "gru_cell": Case(spec("GRUCell")),
    "rnn_cell_no_bias": Case(spec("RNNCell", bias=False)),
    "lstm_cell_no_bias": Case(spec("LSTMCell", bias=False)),
    "gru_cell_no_bias": Case(spec("GRUCell", bias=False)),
    "lstm_cell_unbatched": Case(spec("LSTMCell"), unbatched=True),
    "gru_cell_unbatched_zero_state": Case(spec("GRUCell"), unbatched=True, omit_state=True),
    "rnn_cell_relu_zero_state": Case(spec("RNNCell", nonlinearity="relu"), omit_state=True),
}


RELU_KINK_DISTANCE = 1e-3
"""A relu case's pre-activations stay this far from relu's kink, where finite differences lie."""


def assert_away_from_relu_kink(case: Case) -> None:
    if case.spec.nonlinearity != "relu":
        return
    rng = np.random.default_rng(case.seed)
    arrays = make_inputs(case, rng)
    params = {name: arrays[name] for name, _ in reference.parameter_table(case.spec)}
    h0, c0 = arrays.get("h0"), arrays.get("c0")
    pre = reference.preactivations(case.spec, params, arrays["input"], h0, c0, case.lengths, dropout_masks(case, rng))
    smallest = float(np.min(np.abs(pre.values)))
    assert smallest > RELU_KINK_DISTANCE, f"a relu pre-activation is {smallest:.1e}: pick another seed"


@pytest.mark.parametrize("case", MODULE_CASES.values(), ids=MODULE_CASES.keys())
def test_module_gradients_match_finite_differences(case: Case) -> None:
    assert_away_from_relu_kink(case)
    check_against_finite_differences(case)


@pytest.mark.parametrize("case", CELL_CASES.values(), ids=CELL_CASES.keys())
def test_cell_gradients_match_finite_differences(case: Case) -> None:
    assert_away_from_relu_kink(case)
    check_against_finite_differences(case)


TORCH_CASES = {
    "lstm_proj_bidirectional_lengths": MODULE_CASES["lstm_proj_lengths"],
    "gru_batch_first": MODULE_CASES["gru_batch_first"],
    "rnn_relu_unbatched": Case(spec("RNN", nonlinearity="relu", num_layers=2), unbatched=True),
    "lstm_cell": CELL_CASES["lstm_cell"],
    "gru_cell": CELL_CASES["gru_cell"],
}


def torch_gradients(case: Case, arrays: Arrays, upstream: Upstream) -> Arrays:
    """The same gradients by torch autograd in float64; lengths go through a PackedSequence."""
    torch = pytest.importorskip("torch")
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    spec = case.spec
    module = getattr(torch.nn, spec.kind)(**spec.constructor_kwargs()).double()
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.copy_(torch.from_numpy(arrays[name]))
    inputs = [name for name in ("input", "h0", "c0") if name in arrays]
    tensors = {name: torch.tensor(arrays[name], requires_grad=True) for name in inputs}
    state = tensors["h0"] if "c0" not in tensors else (tensors["h0"], tensors["c0"])
    x = tensors["input"]
    if case.lengths is not None:
        x = pack_padded_sequence(x, torch.tensor(case.lengths), spec.batch_first, enforce_sorted=False)
    outputs = module(x, state)
    if spec.is_cell:
        outputs = outputs if spec.has_cell_state else (outputs,)
    else:
        output, state = outputs
        if case.lengths is not None:
            output = pad_packed_sequence(output, spec.batch_first, total_length=SEQ_LEN)[0]
        outputs = (output, *(state if spec.has_cell_state else (state,)))
    given = [torch.from_numpy(up) for up in upstream if up is not None]
    loss = sum((out * up).sum() for out, up in zip(outputs, given, strict=True))
    loss.backward()
    named = dict(module.named_parameters()) | tensors
    return {name: t.grad.numpy() for name, t in named.items()}


@pytest.mark.parametrize("case", TORCH_CASES.values(), ids=TORCH_CASES.keys())
def test_gradients_match_torch_autograd(case: Case) -> None:
    rng = np.random.default_rng(case.seed)
    arrays = make_inputs(case, rng)
    upstream = [None if out is None else rng.normal(size=out.shape) for out in run_forward(case, arrays, None)]
    expected = torch_gradients(case, arrays, upstream)
    grads = analytic_gradients(case, arrays, None, upstream)
    assert set(grads) == set(expected)
    for name, grad in grads.items():
        np.testing.assert_allclose(grad, expected[name], rtol=1e-10, atol=1e-12, err_msg=name)
