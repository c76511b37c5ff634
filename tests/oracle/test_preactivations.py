"""reference.preactivations: what each nonlinearity was fed, and the magnitude sum of its terms."""

from __future__ import annotations

import numpy as np
import pytest

from reference import Spec, cell_forward, forward, preactivations

from .helpers import assert_same, random_params, random_states, with_layer_suffix

MODULES = [
    Spec("RNN", 2, 3, num_layers=2, bidirectional=True),
    Spec("RNN", 2, 3, num_layers=2, bidirectional=True, nonlinearity="relu", batch_first=True),
    Spec("LSTM", 2, 3, num_layers=2, bidirectional=True, proj_size=2),
    Spec("GRU", 2, 3, num_layers=2, bidirectional=True, bias=False),
]
CELLS = [Spec("RNNCell", 2, 3, nonlinearity="relu"), Spec("LSTMCell", 2, 3), Spec("GRUCell", 2, 3)]


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def test_relu_sequence_is_worked_by_hand() -> None:
    params = {
        "weight_ih": np.array([[1.5]]),
        "weight_hh": np.array([[0.5]]),
        "bias_ih": np.array([-0.25]),
        "bias_hh": np.array([0.05]),
    }
    spec = Spec("RNN", 1, 1, nonlinearity="relu")

    found = preactivations(spec, with_layer_suffix(params), np.array([[-1.0], [2.0]]), np.array([[0.2]]))

    # step 1: 1.5 * -1 - 0.25 + 0.5 * 0.2 + 0.05; step 2 reads relu(-1.6) = 0: 1.5 * 2 - 0.25 + 0.5 * 0 + 0.05
    np.testing.assert_allclose(found.values, [-1.6, 2.8], rtol=1e-12, err_msg="the pre-activations of both steps")
    np.testing.assert_allclose(found.magnitudes, [1.9, 3.3], rtol=1e-12, err_msg="the sums of |term|")


def test_a_single_layer_rnn_outputs_its_nonlinearity_of_the_preactivations() -> None:
    rng = np.random.default_rng(0)
    spec = Spec("RNN", 2, 3, nonlinearity="relu")
    params = random_params(spec, rng)
    h0, _ = random_states(spec, rng, 4)
    x = rng.uniform(-1.0, 1.0, (5, 4, 2))

    output, _, _ = forward(spec, params, x, h0)
    found = preactivations(spec, params, x, h0)

    assert_same(np.maximum(found.values, 0.0).reshape(output.shape), output, "relu of the pre-activations")


@pytest.mark.parametrize("spec", CELLS, ids=lambda spec: spec.variant)
def test_a_cell_step_is_its_gates_applied_to_the_preactivations(spec: Spec) -> None:
    rng = np.random.default_rng(1)
    params = random_params(spec, rng)
    x, h, c = rng.uniform(-1.0, 1.0, (3, 2)), rng.uniform(-1.0, 1.0, (3, 3)), rng.uniform(-1.0, 1.0, (3, 3))
    c = c if spec.has_cell_state else None

    h_next, c_next = cell_forward(spec, params, x, h, c)
    pre = preactivations(spec, params, x, h, c).values.reshape(3, spec.gates * 3)

    if spec.family == "RNN":
        np.testing.assert_allclose(np.maximum(pre, 0.0), h_next, rtol=1e-12, atol=1e-12)
    elif spec.family == "LSTM":
        i, f, g, o = np.split(pre, 4, axis=-1)
        c_expected = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        np.testing.assert_allclose(c_next, c_expected, rtol=1e-12, atol=1e-12, err_msg="c' from i | f | g")
        np.testing.assert_allclose(h_next, sigmoid(o) * np.tanh(c_expected), rtol=1e-12, atol=1e-12)
    else:
        r, z, n = np.split(pre, 3, axis=-1)
        expected = (1.0 - sigmoid(z)) * np.tanh(n) + sigmoid(z) * h
        np.testing.assert_allclose(h_next, expected, rtol=1e-12, atol=1e-12, err_msg="h' from z and n")


@pytest.mark.parametrize("spec", MODULES + CELLS, ids=lambda spec: spec.variant)
def test_magnitudes_bound_the_preactivations_and_equal_them_for_nonnegative_terms(spec: Spec) -> None:
    rng = np.random.default_rng(2)
    params = random_params(spec, rng)
    batch = (4,)
    if spec.is_cell:
        x, h, c = rng.uniform(-1, 1, batch + (2,)), rng.uniform(-1, 1, batch + (3,)), rng.uniform(-1, 1, batch + (3,))
        h0, c0 = h, (c if spec.has_cell_state else None)
    else:
        x = rng.uniform(-1.0, 1.0, (4, 5, 2) if spec.batch_first else (5, 4, 2))
        h0, c0 = random_states(spec, rng, 4)

    found = preactivations(spec, params, x, h0, c0)
    assert found.values.shape == found.magnitudes.shape, "one magnitude for every pre-activation"
    assert np.all(found.magnitudes >= np.abs(found.values)), "a sum of |terms| is at least |the sum|"

    def positive(a: np.ndarray | None) -> np.ndarray | None:
        return None if a is None else np.abs(a)

    positive_params = {name: np.abs(value) for name, value in params.items()}
    same = preactivations(spec, positive_params, np.abs(x), positive(h0), positive(c0))
    assert_same(same.magnitudes, same.values, "the magnitudes of non-negative terms")


def test_only_the_steps_each_sequence_runs_count() -> None:
    rng = np.random.default_rng(3)
    spec = Spec("GRU", 2, 3, bidirectional=True)
    params = random_params(spec, rng)
    h0, _ = random_states(spec, rng, 3)
    x = rng.uniform(-1.0, 1.0, (4, 3, 2))
    lengths = [4, 1, 2]

    found = preactivations(spec, params, x, h0, lengths=lengths)
    alone = [preactivations(spec, params, x[:n, b : b + 1], h0[:, b : b + 1]) for b, n in enumerate(lengths)]

    per_step = spec.gates * spec.hidden_size
    assert found.values.size == spec.directions * sum(lengths) * per_step, "a value per running step only"
    assert np.allclose(np.sort(found.values), np.sort(np.concatenate([a.values for a in alone])), rtol=1e-12), (
        "the pre-activations of a packed batch and of its sequences run alone"
    )
