"""A failure's reproducer replays the example: run as a script, it computes what the suite's run of
torch computed, bit for bit, for values, packed sequences and gradients, under every way of calling
torch (layouts, grad mode, the CPU kernel). Checked by executing the snippets the judge writes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.draw import sizes
from conformance.draw.example import Example, with_tangents
from conformance.draw.gradients import gradient_examples
from conformance.draw.packing import packed_examples
from conformance.judge.reproducer import TOO_LARGE, snippet
from conformance.run.differentials import FORWARD_AD
from conformance.run.layouts import placed
from conformance.run.torch_run import run
from conformance.test_values import draw_example
from conformance.variants import VARIANTS

FULL = [v for v in VARIANTS if not str(VARIANTS[v]["kind"]).endswith("Cell")]


pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def replays(example: Example, compared: str, actual: np.ndarray) -> None:
    """The snippet that checks `compared` against torch's own answer passes with no tolerance, with
    the inputs and parameters laid out as the call says and the CPU kernel it names."""
    source = snippet(example, compared, actual, 0.0)
    if source == TOO_LARGE:
        return
    names: dict[str, object] = {}
    onednn = torch.backends.mkldnn.enabled
    try:
        exec(compile(source, "<reproducer>", "exec"), names)
        kernel = "onednn" if torch.backends.mkldnn.enabled else "native"
    except AssertionError as exc:
        pytest.fail(f"the reproducer does not replay {compared} of {example.describe()}:\n{exc}\n{source}")
    finally:
        setattr(torch.backends.mkldnn, "enabled", onednn)  # noqa: B010
    how = example.call

    def laid(t: torch.Tensor) -> tuple[tuple[int, ...], bool]:
        return t.stride(), t.storage_offset() > 0

    assert kernel == (how.cpu_kernel or "onednn"), source
    for name, layout in (("x", how.input_layout), ("h0", how.state_layout)):
        given = names.get(name)
        if isinstance(given, torch.Tensor):
            assert laid(given) == laid(placed(given.contiguous(), layout)), (name, layout, source)
    module = names["module"]
    assert isinstance(module, torch.nn.Module)
    for p in module.parameters():
        assert laid(p) == laid(placed(p.detach().contiguous(), how.parameter_layout)), source


@settings(max_examples=30)
@given(variant=st.sampled_from(list(VARIANTS)), dtype=st.sampled_from([torch.float64, torch.float32]), data=st.data())
def test_reproducers_replay_the_outputs(variant: str, dtype: torch.dtype, data: st.DataObject) -> None:
    example = draw_example(data, variant, dtype, "cpu", sizes.SMALL)
    for name, actual in run(example).outputs.items():
        replays(example, name, actual)


@settings(max_examples=20)
@given(variant=st.sampled_from(FULL), data=st.data())
def test_reproducers_replay_packed_outputs(variant: str, data: st.DataObject) -> None:
    with sizes.using(sizes.SMALL):
        example = data.draw(packed_examples(variant, torch.float64, "cpu"))
    for name, actual in run(example).outputs.items():
        replays(example, name, actual)


@settings(max_examples=20)
@given(variant=st.sampled_from(list(VARIANTS)), data=st.data())
def test_reproducers_replay_the_gradients(variant: str, data: st.DataObject) -> None:
    with sizes.using(sizes.SMALL):
        example = data.draw(gradient_examples(variant, torch.float64, "cpu"))
    gradients = run(example).gradients
    assert gradients is not None
    for name in example.compared_gradients:
        replays(example, name, gradients[name])


@settings(max_examples=20)
@given(variant=st.sampled_from(list(VARIANTS)), data=st.data())
def test_reproducers_replay_the_second_order_derivatives(variant: str, data: st.DataObject) -> None:
    with sizes.using(sizes.SMALL):
        example = data.draw(gradient_examples(variant, torch.float64, "cpu"))
    example = with_tangents(example, data.draw(st.integers(0, 2**32 - 1)))
    second = run(example).second_order
    assert second is not None
    for name in example.compared_gradients:
        replays(example, name, second[name])


@settings(max_examples=20)
@given(variant=st.sampled_from(list(VARIANTS)), data=st.data())
def test_reproducers_replay_the_forward_mode_derivatives(variant: str, data: st.DataObject) -> None:
    with sizes.using(sizes.SMALL):
        example = data.draw(gradient_examples(variant, torch.float64, "cpu", packed=False))
    call = replace(example.call, input_layout="contiguous", state_layout="contiguous")
    forward_ad = data.draw(st.sampled_from(FORWARD_AD))
    example = replace(
        with_tangents(example, data.draw(st.integers(0, 2**32 - 1)), forward_ad), upstream=None, call=call
    )
    tangents = run(example).tangents
    assert tangents is not None
    for name, value in tangents.items():
        replays(example, name, value)
