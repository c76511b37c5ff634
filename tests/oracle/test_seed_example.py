"""Seed 000, a worked example of a one-layer tanh nn.RNN, recomputed by hand and run through the reference.

Source: the seed document 000_eea05747d50b2183.txt (a blog post, "Pytorch中的RNN,RNN的计算流程"), found
in shared/seeds/ beside this checkout (../shared/seeds/ from the repository root): an
nn.RNN(input_size=3, hidden_size=2, num_layers=1, batch_first=True) fed one batch of three steps, with the
h0 and the parameters it printed. Its outputs were shown only as images, so they are recomputed here.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from reference import Spec, forward

SEED_DOCUMENT = "000_*.txt"
"""The seed document's file name (000_eea05747d50b2183.txt), by its number."""
REPOSITORY = Path(__file__).resolve().parents[2]
SEED_FOLDERS = (REPOSITORY.parent / "shared" / "seeds", REPOSITORY / "shared" / "seeds")
"""Where the seed documents are looked for: shared/ beside the checkout, or inside it."""

X1 = [1.0, 2.0, 3.0]
X2 = [2.0, 3.0, 4.0]
X3 = [3.0, 4.0, 5.0]
H0 = [0.5359, 0.0779]
W_IH = [[-0.4972, 0.3496, 0.5487], [-0.4084, -0.4077, 0.6224]]
W_HH = [[-0.3578, 0.4884], [0.0690, 0.3947]]
B_IH = [-0.5241, -0.7034]
B_HH = [-0.1865, -0.3288]

SPEC = Spec("RNN", 3, 2, batch_first=True)


def hand_step(x: list[float], h: list[float]) -> list[float]:
    """h'_j = tanh(sum_k W_ih[j][k] x_k + b_ih[j] + sum_k W_hh[j][k] h_k + b_hh[j])."""
    return [
        math.tanh(
            W_IH[j][0] * x[0]
            + W_IH[j][1] * x[1]
            + W_IH[j][2] * x[2]
            + B_IH[j]
            + W_HH[j][0] * h[0]
            + W_HH[j][1] * h[1]
            + B_HH[j]
        )
        for j in range(2)
    ]


H1 = hand_step(X1, H0)
H2 = hand_step(X2, H1)
H3 = hand_step(X3, H2)


def seed_params() -> dict[str, np.ndarray]:
    return {
        "weight_ih_l0": np.array(W_IH),
        "weight_hh_l0": np.array(W_HH),
        "bias_ih_l0": np.array(B_IH),
        "bias_hh_l0": np.array(B_HH),
    }


def seed_document() -> str:
    """The seed document's text; the test skips, saying where it looked, when shared/ is absent."""
    for folder in SEED_FOLDERS:
        for path in sorted(folder.glob(SEED_DOCUMENT)):
            return path.read_text(encoding="utf-8")
    looked = " and ".join(str(folder) for folder in SEED_FOLDERS)
    pytest.skip(f"seed document {SEED_DOCUMENT} not found: no shared/seeds/ in {looked}")


def test_the_seed_document_prints_the_values_transcribed_here() -> None:
    printed = [float(v) for v in re.findall(r"-?\d+\.\d+", seed_document())]

    for name, values in (("X1", X1), ("X2", X2), ("X3", X3), ("H0", H0), ("B_IH", B_IH), ("B_HH", B_HH)):
        assert all(v in printed for v in values), f"{name} = {values} should be printed in {SEED_DOCUMENT}"
    for name, matrix in (("W_IH", W_IH), ("W_HH", W_HH)):
        assert all(v in printed for row in matrix for v in row), f"{name} should be printed in {SEED_DOCUMENT}"


def test_hand_worked_steps_keep_their_values_to_four_decimals() -> None:
    rounded = [[round(v, 4) for v in h] for h in (H1, H2, H3)]

    assert rounded == [[0.7547, -0.3105], [0.8065, -0.5737], [0.8789, -0.7384]], (
        "the hand-worked steps should keep the values recorded here, to four decimals as torch prints them"
    )


def test_reference_forward_reproduces_the_hand_worked_steps() -> None:
    output, h_n, c_n = forward(SPEC, seed_params(), np.array([[X1, X2, X3]]), np.array([[H0]]))

    assert output.shape == (1, 3, 2), "a batch-first output should be (batch, seq_len, hidden)"
    assert h_n.shape == (1, 1, 2), "h_n should be (num_layers, batch, hidden) despite batch_first"
    assert c_n is None, "an RNN has no cell state"
    np.testing.assert_allclose(
        output[0],
        [H1, H2, H3],
        rtol=1e-12,
        atol=1e-12,
        err_msg="each output step should equal the hand-worked h_t",
    )
    np.testing.assert_array_equal(h_n[0, 0], output[0, -1], err_msg="h_n should be the output's last step")


def test_torch_rnn_with_the_seed_weights_gives_the_hand_worked_steps() -> None:
    torch = pytest.importorskip("torch")
    rnn = torch.nn.RNN(input_size=3, hidden_size=2, num_layers=1, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        for name, value in seed_params().items():
            getattr(rnn, name).copy_(torch.from_numpy(value))

    x = torch.tensor([[X1, X2, X3]], dtype=torch.float64)

    output, h_n = rnn(x, torch.tensor([[H0]], dtype=torch.float64))

    assert tuple(output.shape) == (1, 3, 2), "torch's batch-first output should be (batch, seq_len, hidden)"
    assert tuple(h_n.shape) == (1, 1, 2), "torch's h_n should be (num_layers, batch, hidden)"
    np.testing.assert_allclose(
        output.detach().numpy()[0],
        [H1, H2, H3],
        rtol=1e-12,
        atol=1e-12,
        err_msg="torch's float64 steps should equal the hand-worked h_t",
    )
    np.testing.assert_allclose(
        h_n.detach().numpy()[0, 0],
        H3,
        rtol=1e-12,
        atol=1e-12,
        err_msg="torch's h_n should equal the hand-worked h_3",
    )
