"""The reference against each documented equation worked by hand on scalars, and its special cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from reference import Spec, cell_forward, forward, gru_cell, lstm_cell, parameter_table, rnn_cell

from .helpers import assert_same, random_params, with_layer_suffix


def sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v))


def column(*values: float) -> np.ndarray:
    """A (G*H, 1) weight, gate blocks stacked in rows."""
    return np.array([[v] for v in values])


def approx(value: float) -> object:
    return pytest.approx(value, rel=1e-12, abs=1e-12)


RNN_SCALAR = {
    "weight_ih": column(0.5),
    "weight_hh": column(-0.3),
    "bias_ih": np.array([0.1]),
    "bias_hh": np.array([0.2]),
}


def test_rnn_tanh_scalar_step_is_worked_by_hand() -> None:
    expected = math.tanh(0.5 * 0.8 + 0.1 + (-0.3) * 0.4 + 0.2)

    raw = rnn_cell(np.array([[0.8]]), np.array([[0.4]]), *RNN_SCALAR.values(), nonlinearity="tanh")
    h, c = cell_forward(Spec("RNNCell", 1, 1), RNN_SCALAR, np.array([0.8]), np.array([0.4]))

    assert raw.shape == (1, 1) and raw[0, 0] == approx(expected), "rnn_cell should give tanh(0.58)"
    assert h.shape == (1,) and h[0] == approx(expected), "an unbatched RNNCell step should give tanh(0.58)"
    assert c is None, "an RNNCell has no cell state"


def test_rnn_tanh_two_step_sequence_is_worked_by_hand() -> None:
    h1 = math.tanh(0.5 * 0.8 + 0.1 + (-0.3) * 0.4 + 0.2)
    h2 = math.tanh(0.5 * (-1.5) + 0.1 + (-0.3) * h1 + 0.2)

    output, h_n, c_n = forward(
        Spec("RNN", 1, 1), with_layer_suffix(RNN_SCALAR), np.array([[0.8], [-1.5]]), np.array([[0.4]])
    )

    assert output.shape == (2, 1), "an unbatched 2-step output should be (L, H_out)"
    assert output[0, 0] == approx(h1), "the first step should read h0"
    assert output[1, 0] == approx(h2), "the second step should read the first step's h"
    assert h_n.shape == (1, 1) and h_n[0, 0] == approx(h2), "h_n should be the last step's h"
    assert c_n is None, "an RNN has no cell state"


def test_rnn_relu_sequence_is_worked_by_hand() -> None:
    params = {
        "weight_ih": column(1.5),
        "weight_hh": column(0.5),
        "bias_ih": np.array([-0.25]),
        "bias_hh": np.array([0.05]),
    }
    h1 = max(0.0, 1.5 * (-1.0) + (-0.25) + 0.5 * 0.2 + 0.05)
    h2 = max(0.0, 1.5 * 2.0 + (-0.25) + 0.5 * h1 + 0.05)
    assert h1 == 0.0 and h2 == approx(2.8), "the worked example should cut one step and pass the other"

    output, h_n, _ = forward(
        Spec("RNN", 1, 1, nonlinearity="relu"),
        with_layer_suffix(params),
        np.array([[-1.0], [2.0]]),
        np.array([[0.2]]),
    )
    raw = rnn_cell(np.array([[2.0]]), np.array([[0.0]]), *params.values(), nonlinearity="relu")

    assert output[0, 0] == 0.0, "relu should cut a negative pre-activation to exactly zero"
    assert output[1, 0] == approx(h2), "relu should pass a positive pre-activation through"
    assert h_n[0, 0] == approx(h2), "h_n should be the last step's h"
    assert raw[0, 0] == approx(h2), "rnn_cell with relu should give 2.8"


def test_rnn_two_element_step_uses_rows_of_the_weights() -> None:
    w_ih = np.array([[0.5, -0.25], [0.75, 0.125]])
    w_hh = np.array([[0.2, 0.6], [-0.4, 0.1]])
    b_ih = np.array([0.05, -0.05])
    b_hh = np.array([0.1, 0.2])
    expected_0 = math.tanh(0.5 * 1.0 + (-0.25) * (-2.0) + 0.05 + 0.2 * 0.3 + 0.6 * (-0.6) + 0.1)
    expected_1 = math.tanh(0.75 * 1.0 + 0.125 * (-2.0) + (-0.05) + (-0.4) * 0.3 + 0.1 * (-0.6) + 0.2)
    expected_at_rest = [math.tanh(0.05 + 0.1), math.tanh(-0.05 + 0.2)]

    x = np.array([[1.0, -2.0], [0.0, 0.0]])
    h = np.array([[0.3, -0.6], [0.0, 0.0]])

    got = rnn_cell(x, h, w_ih, w_hh, b_ih, b_hh)

    assert got.shape == (2, 2), "a batch of two rows should give two rows of h'"
    assert got[0].tolist() == [approx(expected_0), approx(expected_1)], "h'_j should be tanh of row j of W x + b"
    assert got[1].tolist() == [approx(v) for v in expected_at_rest], "a zero row should give tanh(b_ih + b_hh)"


LSTM_SCALAR = {
    "weight_ih": column(0.3, -0.2, 0.7, 0.5),
    "weight_hh": column(0.1, 0.4, -0.6, 0.2),
    "bias_ih": np.array([0.05, 0.5, -0.1, 0.0]),
    "bias_hh": np.array([-0.05, 0.25, 0.2, 0.1]),
}


def lstm_scalar_by_hand() -> tuple[float, float]:
    """x = 1.2, h = -0.3, c = 0.6; gate rows i | f | g | o."""
    i = sigmoid(0.3 * 1.2 + 0.05 + 0.1 * (-0.3) + (-0.05))
    f = sigmoid(-0.2 * 1.2 + 0.5 + 0.4 * (-0.3) + 0.25)
    g = math.tanh(0.7 * 1.2 + (-0.1) + (-0.6) * (-0.3) + 0.2)
    o = sigmoid(0.5 * 1.2 + 0.0 + 0.2 * (-0.3) + 0.1)
    c_next = f * 0.6 + i * g
    return o * math.tanh(c_next), c_next


def test_lstm_scalar_step_is_worked_by_hand() -> None:
    h_expected, c_expected = lstm_scalar_by_hand()

    h_raw, c_raw = lstm_cell(np.array([[1.2]]), np.array([[-0.3]]), np.array([[0.6]]), *LSTM_SCALAR.values())
    h_cell, c_cell = cell_forward(
        Spec("LSTMCell", 1, 1), LSTM_SCALAR, np.array([1.2]), np.array([-0.3]), np.array([0.6])
    )
    output, h_n, c_n = forward(
        Spec("LSTM", 1, 1),
        with_layer_suffix(LSTM_SCALAR),
        np.array([[1.2]]),
        np.array([[-0.3]]),
        np.array([[0.6]]),
    )

    assert h_raw[0, 0] == approx(h_expected) and c_raw[0, 0] == approx(c_expected), "lstm_cell should agree"
    assert h_cell[0] == approx(h_expected) and c_cell[0] == approx(c_expected), "LSTMCell should agree"
    assert output[0, 0] == approx(h_expected), "a 1-step LSTM output should be h'"
    assert h_n[0, 0] == approx(h_expected) and c_n[0, 0] == approx(c_expected), "h_n and c_n should agree"


LSTM_PROJ_W_IH = [0.2, -0.4, 0.6, 0.1, -0.3, 0.8, 0.5, -0.7]
LSTM_PROJ_W_HH = [0.3, 0.2, -0.5, 0.4, 0.7, -0.1, 0.6, 0.25]
LSTM_PROJ_B_IH = [0.0, 0.1, 0.2, -0.2, 0.05, -0.05, 0.3, 0.15]
LSTM_PROJ_B_HH = [0.1, -0.1, 0.3, 0.0, -0.15, 0.2, -0.3, 0.05]
LSTM_PROJ_W_HR = [[0.9, -0.6]]


def lstm_projection_by_hand() -> tuple[float, list[float]]:
    """hidden 2, proj 1: x = 0.5, h = -0.4 (one projected feature), c = [0.3, -0.2].

    Gate rows are i0 i1 f0 f1 g0 g1 o0 o1.
    """

    def pre(row: int) -> float:
        w_ih, b_ih, w_hh, b_hh = (
            LSTM_PROJ_W_IH[row],
            LSTM_PROJ_B_IH[row],
            LSTM_PROJ_W_HH[row],
            LSTM_PROJ_B_HH[row],
        )
        return w_ih * 0.5 + b_ih + w_hh * (-0.4) + b_hh

    i0, i1 = sigmoid(pre(0)), sigmoid(pre(1))
    f0, f1 = sigmoid(pre(2)), sigmoid(pre(3))
    g0, g1 = math.tanh(pre(4)), math.tanh(pre(5))
    o0, o1 = sigmoid(pre(6)), sigmoid(pre(7))
    c0 = f0 * 0.3 + i0 * g0
    c1 = f1 * (-0.2) + i1 * g1
    unprojected_0, unprojected_1 = o0 * math.tanh(c0), o1 * math.tanh(c1)
    return 0.9 * unprojected_0 + (-0.6) * unprojected_1, [c0, c1]


def test_lstm_with_projection_is_worked_by_hand() -> None:
    h_expected, c_expected = lstm_projection_by_hand()
    weights = [
        column(*LSTM_PROJ_W_IH),
        column(*LSTM_PROJ_W_HH),
        np.array(LSTM_PROJ_B_IH),
        np.array(LSTM_PROJ_B_HH),
    ]
    w_hr = np.array(LSTM_PROJ_W_HR)

    h_raw, c_raw = lstm_cell(np.array([[0.5]]), np.array([[-0.4]]), np.array([[0.3, -0.2]]), *weights, w_hr)
    names = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
    params = dict(zip(names, weights, strict=True), weight_hr_l0=w_hr)
    output, h_n, c_n = forward(
        Spec("LSTM", 1, 2, proj_size=1),
        params,
        np.array([[0.5]]),
        np.array([[-0.4]]),
        np.array([[0.3, -0.2]]),
    )

    c_approx = [approx(c) for c in c_expected]
    assert h_raw.shape == (1, 1) and h_raw[0, 0] == approx(h_expected), "lstm_cell should give W_hr (o * tanh(c'))"
    assert c_raw.tolist() == [c_approx], "lstm_cell's c' should keep hidden_size features"
    assert output.shape == (1, 1) and output[0, 0] == approx(h_expected), "the output should have proj_size features"
    assert h_n.shape == (1, 1) and h_n[0, 0] == approx(h_expected), "h_n should have proj_size features"
    assert c_n.shape == (1, 2) and c_n[0].tolist() == c_approx, "c_n should keep hidden_size features"


GRU_SCALAR = {
    "weight_ih": column(0.4, -0.3, 0.9),
    "weight_hh": column(0.2, 0.5, -0.7),
    "bias_ih": np.array([0.1, -0.1, 0.05]),
    "bias_hh": np.array([-0.2, 0.3, 0.6]),
}


def gru_scalar_by_hand(r_inside_product: bool = False) -> float:
    """x = 0.7, h = 0.5; gate rows r | z | n.

    torch's n reads r * (W_hn h + b_hn); the original paper's reads W_hn (r * h) + b_hn.
    """
    r = sigmoid(0.4 * 0.7 + 0.1 + 0.2 * 0.5 + (-0.2))
    z = sigmoid(-0.3 * 0.7 + (-0.1) + 0.5 * 0.5 + 0.3)
    if r_inside_product:
        n = math.tanh(0.9 * 0.7 + 0.05 + (-0.7) * (r * 0.5) + 0.6)
    else:
        n = math.tanh(0.9 * 0.7 + 0.05 + r * ((-0.7) * 0.5 + 0.6))
    return (1.0 - z) * n + z * 0.5


def test_gru_scalar_step_is_worked_by_hand() -> None:
    expected = gru_scalar_by_hand()

    raw = gru_cell(np.array([[0.7]]), np.array([[0.5]]), *GRU_SCALAR.values())
    h_cell, c_cell = cell_forward(Spec("GRUCell", 1, 1), GRU_SCALAR, np.array([0.7]), np.array([0.5]))
    output, h_n, c_n = forward(Spec("GRU", 1, 1), with_layer_suffix(GRU_SCALAR), np.array([[0.7]]), np.array([[0.5]]))

    assert raw[0, 0] == approx(expected), "gru_cell should agree with the hand-worked step"
    assert h_cell[0] == approx(expected) and c_cell is None, "GRUCell should agree and have no cell state"
    assert output[0, 0] == approx(expected) and h_n[0, 0] == approx(expected), "a 1-step GRU should agree"
    assert c_n is None, "a GRU has no cell state"


def test_gru_reset_gate_multiplies_the_hidden_product_including_its_bias() -> None:
    paper = gru_scalar_by_hand(r_inside_product=True)

    raw = gru_cell(np.array([[0.7]]), np.array([[0.5]]), *GRU_SCALAR.values())

    assert abs(raw[0, 0] - paper) > 1e-3, "the reference should not follow the paper's W_hn (r * h) + b_hn"


RNN_FAMILY = [("RNN", "tanh"), ("RNN", "relu"), ("RNNCell", "tanh"), ("RNNCell", "relu")]


@pytest.mark.parametrize(("kind", "nonlinearity"), RNN_FAMILY)
def test_zero_weights_give_the_activation_of_the_summed_biases(kind: str, nonlinearity: str) -> None:
    rng = np.random.default_rng(0)
    spec = Spec(kind, 3, 2, nonlinearity=nonlinearity)
    b_ih, b_hh = np.array([0.3, -0.9]), np.array([0.4, 0.2])
    params = {"weight_ih": np.zeros((2, 3)), "weight_hh": np.zeros((2, 2)), "bias_ih": b_ih, "bias_hh": b_hh}
    expected = np.tanh(b_ih + b_hh) if nonlinearity == "tanh" else np.maximum(b_ih + b_hh, 0.0)

    if spec.is_cell:
        h, _ = cell_forward(spec, params, rng.uniform(-1, 1, (4, 3)), rng.uniform(-1, 1, (4, 2)))
        states = h
    else:
        output, h_n, _ = forward(
            spec, with_layer_suffix(params), rng.uniform(-1, 1, (5, 4, 3)), rng.uniform(-1, 1, (1, 4, 2))
        )
        states = np.concatenate([output, h_n])

    assert_same(states, np.broadcast_to(expected, states.shape), f"every {nonlinearity} state of zero weights")


def test_lstm_with_large_forget_bias_and_closed_input_gate_carries_c_unchanged() -> None:
    rng = np.random.default_rng(1)
    spec = Spec("LSTM", 2, 3)
    params = random_params(spec, rng)
    params["bias_ih_l0"][0:3] = -50.0
    params["bias_ih_l0"][3:6] = 50.0
    c0 = rng.uniform(0.1, 1.0, (1, 2, 3)) * rng.choice([-1.0, 1.0], (1, 2, 3))

    _, _, c_n = forward(spec, params, rng.uniform(-1, 1, (6, 2, 2)), rng.uniform(-1, 1, (1, 2, 3)), c0)

    assert_same(c_n, c0, "c after six steps with f = 1 and i = 0")


def test_gru_with_update_gate_saturated_at_one_keeps_h() -> None:
    rng = np.random.default_rng(2)
    spec = Spec("GRU", 2, 3)
    params = random_params(spec, rng)
    params["bias_ih_l0"][3:6] = 50.0
    h0 = rng.uniform(-1, 1, (1, 2, 3))

    output, h_n, _ = forward(spec, params, rng.uniform(-1, 1, (5, 2, 2)), h0)

    assert_same(output, np.broadcast_to(h0, output.shape), "every output step with z = 1")
    assert_same(h_n, h0, "h_n with z = 1")


VARIANTS = [
    Spec("RNN", 2, 3, num_layers=2, bidirectional=True),
    Spec("RNN", 2, 3, num_layers=2, bidirectional=True, nonlinearity="relu"),
    Spec("LSTM", 2, 3, num_layers=2, bidirectional=True),
    Spec("LSTM", 2, 3, num_layers=2, bidirectional=True, proj_size=2),
    Spec("GRU", 2, 3, num_layers=2, bidirectional=True),
    Spec("RNNCell", 2, 3),
    Spec("RNNCell", 2, 3, nonlinearity="relu"),
    Spec("LSTMCell", 2, 3),
    Spec("GRUCell", 2, 3),
]


def result_names(spec: Spec) -> tuple[str, ...]:
    return ("h'", "c'") if spec.is_cell else ("output", "h_n", "c_n")


def run(spec: Spec, params: dict[str, np.ndarray], x: np.ndarray, states: tuple = ()) -> tuple:
    """forward for a full module, cell_forward for a cell."""
    return (cell_forward if spec.is_cell else forward)(spec, params, x, *states)


@pytest.mark.parametrize("spec", VARIANTS, ids=lambda spec: spec.variant)
def test_bias_false_equals_zero_biases(spec: Spec) -> None:
    rng = np.random.default_rng(3)
    unbiased = spec.with_(bias=False)
    weights = random_params(unbiased, rng)
    zero_biases = {name: np.zeros(shape) for name, shape in parameter_table(spec) if name.startswith("bias")}
    x = rng.uniform(-1, 1, (4, 3, 2) if not spec.is_cell else (3, 2))

    without = run(unbiased, weights, x)
    with_zeros = run(spec, weights | zero_biases, x)

    for name, a, b in zip(result_names(spec), without, with_zeros, strict=True):
        assert_same(a, b, f"{name} with bias=False and with zero biases")


@pytest.mark.parametrize("unbatched", [False, True], ids=["batched", "unbatched"])
@pytest.mark.parametrize("spec", VARIANTS, ids=lambda spec: spec.variant)
def test_omitted_initial_states_equal_zeros(spec: Spec, unbatched: bool) -> None:
    rng = np.random.default_rng(4)
    params = random_params(spec, rng)
    batch = () if unbatched else (3,)
    if spec.is_cell:
        x = rng.uniform(-1, 1, batch + (2,))
        zeros = (np.zeros(batch + (3,)), np.zeros(batch + (3,)))
    else:
        x = rng.uniform(-1, 1, (4,) + batch + (2,))
        rows = (spec.directions * spec.num_layers,)
        zeros = (np.zeros(rows + batch + (spec.out_size,)), np.zeros(rows + batch + (spec.hidden_size,)))

    omitted = run(spec, params, x)
    explicit = run(spec, params, x, zeros)

    for name, a, b in zip(result_names(spec), omitted, explicit, strict=True):
        assert_same(a, b, f"{name} with omitted initial states and with zeros")
