"""--rnn-pin names an axis of the ways of calling torch and one of its values (the end-to-end effect,
and the report's counts, are checked in tests/test_plugin.py)."""

from __future__ import annotations

import pytest

from conformance.draw.calls import AXES, PinError, pin

VALUES_CHECK = "conformance/test_values.py::test_output_values"


def test_pins_name_an_axis_and_one_of_its_values() -> None:
    assert pin(["cpu_kernel=native", " input_layout = strided "]) == {
        "cpu_kernel": "native",
        "input_layout": "strided",
    }
    with pytest.raises(PinError, match="no axis 'layout'; the axes are"):
        pin(["layout=strided"])
    with pytest.raises(PinError, match=f"grad_mode takes one of {', '.join(AXES['grad_mode'])}"):
        pin(["grad_mode=sometimes"])
