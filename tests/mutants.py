"""Deliberately broken torch behaviours, each the way a backend or module bug would break a claim.

Each mutant is a context manager that patches torch in-process. Kernels are patched through the
`_VF` object that torch.nn.modules.rnn calls, so the modules' own Python code runs unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
import torch
from torch.nn.modules import rnn as rnn_module

Kernel = Callable[..., object]


class _Proxy:
    """Delegates to `real` except for the attributes given as overrides."""

    def __init__(self, real: object, overrides: dict[str, object]) -> None:
        self._real, self._overrides = real, overrides

    def __getattr__(self, name: str) -> object:
        return self._overrides[name] if name in self._overrides else getattr(self._real, name)


@contextmanager
def kernels(**overrides: Callable[[Kernel], Kernel]) -> Iterator[None]:
    """Replace _VF.<name> by overrides[name](real kernel)."""
    real = rnn_module._VF
    wrapped = {name: make(getattr(real, name)) for name, make in overrides.items()}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(rnn_module, "_VF", _Proxy(real, wrapped))
        yield


def _is_packed(args: tuple) -> bool:
    return isinstance(args[1], torch.Tensor) and args[1].dtype == torch.int64


def with_weights(
    transform: Callable[[list[torch.Tensor], int], list[torch.Tensor]],
) -> Callable[[Kernel], Kernel]:
    """A full-module kernel calling the real one on transform(flat weights, weights per layer-direction)."""

    def make(real: Kernel) -> Kernel:
        def kernel(*args):
            args = list(args)
            i = 3 if _is_packed(tuple(args)) else 2
            num_layers, directions = args[i + 2], 2 if args[i + 5] else 1
            args[i] = transform(list(args[i]), len(args[i]) // (num_layers * directions))
            return real(*args)

        return kernel

    return make


def _permute_gates(w: torch.Tensor, order: list[int], gates: int) -> torch.Tensor:
    chunks = w.chunk(gates, 0)
    return torch.cat([chunks[k] for k in order], 0)


def gates_permuted(order: list[int], gates: int) -> Callable[[list[torch.Tensor], int], list[torch.Tensor]]:
    """Weights and biases (not weight_hr) with their gate blocks read in `order`."""

    def transform(weights: list[torch.Tensor], group: int) -> list[torch.Tensor]:
        out = []
        for k, w in enumerate(weights):
            is_projection = group in (3, 5) and k % group == group - 1
            out.append(w if is_projection else _permute_gates(w, order, gates))
        return out

    return transform


# Full-module kernels -------------------------------------------------------------------------


@contextmanager
def lstm_gates_i_f_swapped() -> Iterator[None]:
    with kernels(lstm=with_weights(gates_permuted([1, 0, 2, 3], 4))):
        yield


def _z_negated(weights: list[torch.Tensor], group: int) -> list[torch.Tensor]:
    """Negating the z block's pre-activation turns z into 1 - z: h' = z*n + (1-z)*h."""
    sign = None
    out = []
    for w in weights:
        sign = torch.ones(w.shape[0], dtype=w.dtype, device=w.device)
        third = w.shape[0] // 3
        sign[third : 2 * third] = -1
        out.append(w * (sign[:, None] if w.dim() == 2 else sign))
    return out


@contextmanager
def gru_update_gate_reversed() -> Iterator[None]:
    with kernels(gru=with_weights(_z_negated)):
        yield


@contextmanager
def rnn_relu_computes_tanh() -> Iterator[None]:
    with kernels(
        rnn_relu=lambda real: rnn_module._VF.rnn_tanh, rnn_relu_cell=lambda real: rnn_module._VF.rnn_tanh_cell
    ):
        yield


def _directions_swapped(weights: list[torch.Tensor], group: int) -> list[torch.Tensor]:
    out = []
    for start in range(0, len(weights), 2 * group):
        block = weights[start : start + 2 * group]
        out += block[group:] + block[:group] if len(block) == 2 * group else block
    return out


@contextmanager
def reverse_direction_uses_forward_weights() -> Iterator[None]:
    """Bidirectional modules run each direction with the other's weights."""

    def only_bidirectional(real: Kernel) -> Kernel:
        def kernel(*args):
            i = 3 if _is_packed(args) else 2
            return with_weights(_directions_swapped)(real)(*args) if args[i + 5] else real(*args)

        return kernel

    with kernels(lstm=only_bidirectional, gru=only_bidirectional, rnn_tanh=only_bidirectional):
        yield


@contextmanager
def float64_computed_in_float32() -> Iterator[None]:
    """A kernel that silently computes double-precision inputs in single precision."""

    def downcast(real: Kernel) -> Kernel:
        def kernel(*args):
            if _is_packed(args):
                return real(*args)
            cast = lambda a: a.float() if isinstance(a, torch.Tensor) and a.is_floating_point() else a
            args = [cast(a) if not isinstance(a, (list, tuple)) else type(a)(cast(t) for t in a) for a in args]
            return tuple(r.double() for r in real(*args))

        return kernel

    with kernels(lstm=downcast, gru=downcast, rnn_tanh=downcast, rnn_relu=downcast):
        yield


@contextmanager
def corrupted_when(dimension: str, broken: Callable[[int], bool]) -> Iterator[None]:
    """Like a kernel that takes a broken code path for some sizes: when broken(size) holds.

    `dimension` is "batch" (1 for unbatched input), "seq_len" or "features" (D*H_out).
    """

    def corrupt(real: Kernel) -> Kernel:
        def kernel(*args):
            result = real(*args)
            if _is_packed(args):
                return result
            output, batch_first = result[0], args[-1]
            sizes = {
                "batch": output.shape[0 if batch_first else 1],
                "seq_len": output.shape[1 if batch_first else 0],
                "features": output.shape[-1],
            }
            if not broken(sizes[dimension]):
                return result
            output = output.clone()
            output[..., -1] += 0.05
            return (output, *result[1:])

        return kernel

    with kernels(lstm=corrupt, gru=corrupt, rnn_tanh=corrupt, rnn_relu=corrupt):
        yield


def corrupted_above_batch_100() -> AbstractContextManager[None]:
    """The shape of a real ROCm LSTM bug, which appeared only for batches larger than 100."""
    return corrupted_when("batch", lambda n: n > 100)


def corrupted_above_seq_len_40() -> AbstractContextManager[None]:
    return corrupted_when("seq_len", lambda n: n > 40)


def corrupted_above_features_48() -> AbstractContextManager[None]:
    return corrupted_when("features", lambda n: n > 48)


def corrupted_at_batch_1() -> AbstractContextManager[None]:
    """A broken path for the smallest batch only: a batch of one, or an unbatched input."""
    return corrupted_when("batch", lambda n: n == 1)


def corrupted_at_seq_len_1() -> AbstractContextManager[None]:
    return corrupted_when("seq_len", lambda n: n == 1)


@contextmanager
def h_n_batch_first() -> Iterator[None]:
    """h_n laid out batch-first when batch_first=True, against the documentation."""

    def transpose(real: Kernel) -> Kernel:
        def kernel(*args):
            result = real(*args)
            if _is_packed(args) or not args[-1]:
                return result
            return (result[0], *(state.transpose(0, 1).contiguous() for state in result[1:]))

        return kernel

    with kernels(lstm=transpose, gru=transpose, rnn_tanh=transpose, rnn_relu=transpose):
        yield


# Cell kernels ------------------------------------------------------------------------------


@contextmanager
def lstm_cell_returns_c_h() -> Iterator[None]:
    with kernels(lstm_cell=lambda real: lambda *args: tuple(reversed(real(*args)))):
        yield


@contextmanager
def gru_cell_reset_before_product() -> Iterator[None]:
    """The paper's GRU, n = tanh(W_in x + b_in + W_hn (r * h) + b_hn), which torch says it does not do."""

    def gru_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
        gi = torch.nn.functional.linear(x, w_ih, b_ih)
        gh = torch.nn.functional.linear(h, w_hh, b_hh)
        i_r, i_z, i_n = gi.chunk(3, -1)
        h_r, h_z, _ = gh.chunk(3, -1)
        r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
        w_hn = w_hh.chunk(3, 0)[2]
        b_hn = 0 if b_hh is None else b_hh.chunk(3, 0)[2]
        n = torch.tanh(i_n + torch.nn.functional.linear(r * h, w_hn) + b_hn)
        return (1 - z) * n + z * h

    with kernels(gru_cell=lambda real: gru_cell):
        yield


# Module construction -------------------------------------------------------------------------


@contextmanager
def patched_init(cls: type, after: Callable[[torch.nn.Module], None]) -> Iterator[None]:
    real_init = cls.__init__

    def init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        after(self)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cls, "__init__", init)
        yield


def _bias_hh_first(module: torch.nn.Module) -> None:
    items = list(module._parameters.items())
    for k, (name, _) in enumerate(items[:-1]):
        if name.startswith("bias_ih") and items[k + 1][0].startswith("bias_hh"):
            items[k], items[k + 1] = items[k + 1], items[k]
    module._parameters.clear()
    module._parameters.update(items)


@contextmanager
def bias_hh_registered_first() -> Iterator[None]:
    with (
        patched_init(rnn_module.RNNBase, _bias_hh_first),
        patched_init(rnn_module.RNNCellBase, _bias_hh_first),
    ):
        yield


def _zero_biases_when_disabled(module: torch.nn.Module) -> None:
    if module.bias_ih is None:
        gh = module.weight_ih.shape[0]
        module.bias_ih = torch.nn.Parameter(torch.zeros(gh))
        module.bias_hh = torch.nn.Parameter(torch.zeros(gh))


@contextmanager
def cell_registers_zero_biases_without_bias() -> Iterator[None]:
    with patched_init(rnn_module.RNNCellBase, _zero_biases_when_disabled):
        yield


def _upper_layers_ignore_projection(module: torch.nn.Module) -> None:
    for layer in range(1, module.num_layers):
        for suffix in ("", "_reverse")[: 2 if module.bidirectional else 1]:
            name = f"weight_ih_l{layer}{suffix}"
            w = getattr(module, name)
            if module.proj_size:
                wider = (w.shape[0], (2 if module.bidirectional else 1) * module.hidden_size)
                setattr(module, name, torch.nn.Parameter(torch.zeros(wider, dtype=w.dtype)))


@contextmanager
def upper_weight_ih_ignores_proj_size() -> Iterator[None]:
    with patched_init(rnn_module.RNNBase, _upper_layers_ignore_projection):
        yield


def _reverse_listed_first(module: torch.nn.Module) -> None:
    if module.bidirectional:
        names, per_group = module._flat_weights_names, len(module._all_weights[0])
        module._flat_weights_names = _directions_swapped(names, per_group)


@contextmanager
def flat_weights_names_reverse_first() -> Iterator[None]:
    with patched_init(rnn_module.RNNBase, _reverse_listed_first):
        yield


@contextmanager
def default_state_not_zero() -> Iterator[None]:
    """An omitted h_0 (and c_0) filled with 0.25 instead of zeros."""
    real_zeros = torch.zeros
    fake_torch = _Proxy(torch, {"zeros": lambda *a, **k: real_zeros(*a, **k).fill_(0.25)})
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(rnn_module, "torch", fake_torch)
        yield


@contextmanager
def every_other_call_perturbed() -> Iterator[None]:
    """A device whose kernels disagree with the CPU's: every second call is off by 0.05."""
    calls = [0]

    def alternate(real: Kernel) -> Kernel:
        def kernel(*args):
            result = real(*args)
            calls[0] += 1
            if calls[0] % 2 or _is_packed(args):
                return result
            return (result[0] + 0.05, *result[1:])

        return kernel

    with kernels(lstm=alternate, gru=alternate, rnn_tanh=alternate, rnn_relu=alternate):
        yield


@contextmanager
def h_n_returned_in_float32() -> Iterator[None]:
    """Full modules return h_n in float32 whatever their dtype, as a kernel keeping its state in float32 would."""

    def make(real: Kernel) -> Kernel:
        def kernel(*args):
            output, h_n, *rest = real(*args)
            return (output, h_n.float(), *rest)

        return kernel

    with kernels(rnn_tanh=make, rnn_relu=make, gru=make):
        yield
