"""Parameters: the documented names, registration order and shapes."""

from __future__ import annotations

import torch
from hypothesis import strategies as st

from conformance.claims.parameters import FLAT, NAMES, SHAPES
from conformance.draw.strategies import specs
from conformance.judge.compare import assert_equal
from conformance.judge.reproducer import construction_snippet
from conformance.run.modules import build_module
from reference import parameter_table


@NAMES.check()
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


@SHAPES.check()
def test_parameter_shapes(variant: str, data: st.DataObject) -> None:
    spec = data.draw(specs(variant), label="spec")
    module = build_module(spec, torch.float32, "cpu")
    actual = {name: tuple(p.shape) for name, p in module.named_parameters()}
    for name, shape in parameter_table(spec):
        repro = construction_snippet(spec, f"tuple(module.{name}.shape)")
        assert_equal(SHAPES, variant, f"the shape of {name} in {spec}", actual.get(name), shape, None, repro)


@FLAT.check()
def test_flat_weights_and_state_dict_order(variant: str, data: st.DataObject) -> None:
    spec = data.draw(specs(variant), label="spec")
    module = build_module(spec, torch.float32, "cpu")
    expected = [n for n, _ in parameter_table(spec)]
    names, keys = list(getattr(module, "_flat_weights_names")), list(module.state_dict())  # noqa: B009
    repro = construction_snippet(spec, "module._flat_weights_names, list(module.state_dict())")
    assert_equal(FLAT, variant, f"_flat_weights_names of {spec}", names, expected, None, repro)
    assert_equal(FLAT, variant, f"state_dict() keys of {spec}", keys, expected, None, repro)
