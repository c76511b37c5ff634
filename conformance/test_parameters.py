"""Parameters: the documented names, registration order and shapes."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from reference import parameter_table

from .claims import claim
from .compare import assert_equal
from .reproducer import construction_snippet
from .strategies import specs
from .torch_modules import build_module
from .variants import FULL_VARIANTS, VARIANTS

NAMES = claim(
    "parameters.names",
    "Parameters are named weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k} (and weight_hr_l{k} "
    "with proj_size > 0), with the suffix _reverse for the reverse direction, registered layer by layer, "
    "forward direction first; a cell's are weight_ih, weight_hh, bias_ih, bias_hh; bias=False registers no "
    "biases.",
)
SHAPES = claim(
    "parameters.shapes",
    "weight_ih_l0 is (G*hidden_size, input_size), weight_ih_l{k>0} (G*hidden_size, D*H_out), weight_hh "
    "(G*hidden_size, H_out), the biases (G*hidden_size,), weight_hr (proj_size, hidden_size), with G = 1 "
    "(RNN), 3 (GRU), 4 (LSTM).",
)
FLAT = claim(
    "parameters.flat_weights",
    "The module's _flat_weights_names and state_dict list the parameters in registration order.",
    torch_nn_only="_flat_weights_names is an attribute of torch.nn's RNNBase",
)


@NAMES.mark
@pytest.mark.parametrize("variant", VARIANTS)
@given(data=st.data())
def test_parameter_names_and_order(variant: str, data: st.DataObject) -> None:
    spec = data.draw(specs(variant), label="spec")
    module = build_module(spec, torch.float32, "cpu")
    actual = [name for name, _ in module.named_parameters()]
    repro = construction_snippet(spec, "[name for name, _ in module.named_parameters()]")
    assert_equal(
        NAMES, variant, f"named_parameters() of {spec}", actual, [n for n, _ in parameter_table(spec)], None, repro
    )
    if spec.is_cell and not spec.bias:
        assert_equal(
            NAMES,
            variant,
            "(bias_ih, bias_hh) with bias=False",
            (module.bias_ih, module.bias_hh),
            (None, None),
        )


@SHAPES.mark
@pytest.mark.parametrize("variant", VARIANTS)
@given(data=st.data())
def test_parameter_shapes(variant: str, data: st.DataObject) -> None:
    spec = data.draw(specs(variant), label="spec")
    module = build_module(spec, torch.float32, "cpu")
    actual = {name: tuple(p.shape) for name, p in module.named_parameters()}
    for name, shape in parameter_table(spec):
        repro = construction_snippet(spec, f"tuple(module.{name}.shape)")
        assert_equal(SHAPES, variant, f"the shape of {name} in {spec}", actual.get(name), shape, None, repro)


@FLAT.mark
@pytest.mark.parametrize("variant", FULL_VARIANTS)
@given(data=st.data())
def test_flat_weights_and_state_dict_order(variant: str, data: st.DataObject) -> None:
    spec = data.draw(specs(variant), label="spec")
    module = build_module(spec, torch.float32, "cpu")
    expected = [n for n, _ in parameter_table(spec)]
    names, keys = list(module._flat_weights_names), list(module.state_dict())
    repro = construction_snippet(spec, "module._flat_weights_names, list(module.state_dict())")
    assert_equal(FLAT, variant, f"_flat_weights_names of {spec}", names, expected, None, repro)
    assert_equal(FLAT, variant, f"state_dict() keys of {spec}", keys, expected, None, repro)
