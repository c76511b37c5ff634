"""The checks' order (gate.order): every check's first case before any check's second, spread over the
variants and dtypes; other tests keep their places."""

from __future__ import annotations

from types import SimpleNamespace

from conformance.gate.order import interleaved, taking_turns

VARIANTS, DTYPES = ["RNN_TANH", "LSTM", "GRU"], ["f64", "f32"]


def case(check: str, variant: str, dtype: str) -> SimpleNamespace:
    params = SimpleNamespace(params={"variant": variant, "dtype": dtype})
    nodeid = f"conformance/test_x.py::{check}[{variant}-{dtype}]"
    return SimpleNamespace(nodeid=nodeid, name=nodeid.split("::")[1], originalname=check, callspec=params)


def test_groups_take_turns() -> None:
    assert taking_turns([[1, 2, 3], [4], [5, 6]]) == [1, 4, 5, 2, 6, 3]


def test_each_round_runs_every_check_and_the_first_cases_every_variant_and_dtype() -> None:
    other = SimpleNamespace(nodeid="tests/test_other.py::test_other", name="test_other", originalname="test_other")
    checks = {name: [case(name, v, d) for v in VARIANTS for d in DTYPES] for name in ("test_a", "test_b")}
    items = [other, *checks["test_a"], *checks["test_b"]]
    ordered = interleaved(items, lambda item: item is not other)  # type: ignore[arg-type]
    assert ordered[0] is other and sorted(map(id, ordered)) == sorted(map(id, items))
    first = ordered[1:3]
    assert {item.originalname for item in first} == {"test_a", "test_b"}
    a = [item.callspec.params for item in ordered if getattr(item, "originalname", "") == "test_a"]
    assert {p["variant"] for p in a[:3]} == set(VARIANTS)
    assert {p["dtype"] for p in a[:3]} == set(DTYPES)


def test_leading_checks_run_a_case_of_each_variant_before_any_other_check() -> None:
    checks = {name: [case(name, v, d) for v in VARIANTS for d in DTYPES] for name in ("test_a", "test_b", "test_c")}
    items = [*checks["test_a"], *checks["test_b"], *checks["test_c"]]
    ordered = interleaved(items, lambda item: True, lambda item: item.originalname != "test_a")  # type: ignore[arg-type]
    assert sorted(map(id, ordered)) == sorted(map(id, items))
    lead = ordered[: 2 * len(VARIANTS)]
    assert {item.originalname for item in lead} == {"test_b", "test_c"}
    for name in ("test_b", "test_c"):
        assert {item.callspec.params["variant"] for item in lead if item.originalname == name} == set(VARIANTS)
    assert ordered[len(lead)].originalname == "test_a"
