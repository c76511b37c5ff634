"""--rnn-implementation: what it resolves, the one-line errors, and the skips of what an implementation lacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.run.implementation import ImplementationError, resolve

from .test_plugin import NAMES_CHECK, run_suite


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("no_such_package.rnn", "cannot be imported"),
        ("tests.plain_rnn:Nothing", "has no attribute 'Nothing'"),
        ("json", "defines none of RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell"),
    ],
)
def test_an_unusable_implementation_is_refused(name: str, message: str) -> None:
    with pytest.raises(ImplementationError, match=message):
        resolve(name)


def test_module_and_attribute_forms_name_the_same_classes() -> None:
    plain, attribute = resolve("tests.plain_rnn"), resolve("tests:plain_rnn")
    assert plain.cls("LSTM") is attribute.cls("LSTM") is not None
    assert attribute.expression("LSTM") == "tests.plain_rnn.LSTM"


@pytest.mark.spawns_pytest
def test_a_missing_class_skips_its_checks_and_the_summary_names_the_implementation(tmp_path: Path) -> None:
    """tests.plain_rnn.cells has the three cells only: the full modules' checks skip, saying why."""
    result = run_suite(tmp_path, NAMES_CHECK, "--rnn-implementation=tests.plain_rnn.cells", "-rs")
    out = result.stdout
    assert result.returncode == pytest.ExitCode.OK, out + result.stderr
    assert "implementation 'tests.plain_rnn.cells' has no class LSTM" in out
    assert "implementation judged: tests.plain_rnn.cells" in out
    assert "passed" in out.splitlines()[-1]
