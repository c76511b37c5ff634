"""Platform facts, conditions on them, the lesser CPU tiers, and baselines across machines."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.gate import baseline, conditions, platform_facts, xfails
from conformance.gate.matrix import column_header
from conformance.gate.plugin import BUILTIN_XFAILS
from conformance.run import cpu, platform

AVX2_ONLY = frozenset({"sse4_1", "avx", "avx2", "fma"})
"""The flags that matter of a CPU like AMD Zen 3."""


def test_every_fact_is_probed_as_text() -> None:
    found = platform.facts()
    assert list(found) == list(platform.FACTS)
    assert all(isinstance(value, str) and value for value in found.values())
    assert found["onednn"] in ("yes", "no") and found["torch_build"] in ("cpu", "cuda", "rocm")
    assert found["emulated"] == str(cpu.caps_in_force())


def test_the_header_names_the_facts_a_deviation_turns_on() -> None:
    text = "\n".join(platform.header_lines(platform.facts()))
    for fact in ("onednn_bf16", "onednn_fp16", "aten_capability", "emulated", "cudnn", "cuda_capability"):
        assert platform.facts()[fact] in text


@pytest.mark.parametrize(
    ("text", "facts", "holds"),
    [
        ("onednn_bf16=no", {"onednn_bf16": "no"}, True),
        ("onednn_bf16=no", {"onednn_bf16": "yes"}, False),
        ("onednn_bf16=NO", {"onednn_bf16": "no"}, True),
        ("onednn_bf16!=no", {"onednn_bf16": "yes"}, True),
        ("cuda_capability>=8.0", {"cuda_capability": "9.0"}, True),
        ("cuda_capability>=8.0", {"cuda_capability": "7.5"}, False),
        ("cuda_capability>=8.0", {"cuda_capability": "none"}, False),
        ("cudnn<9.1", {"cudnn": "8.9.7"}, True),
        ("cudnn<9.1", {"cudnn": "9.1.0"}, False),
        ("onednn_bf16=no", {"onednn_bf16": "unknown"}, False),
        ("onednn_bf16=unknown", {}, True),
        ("torch>2.13", {"torch": "2.14.1+cu128"}, True),
    ],
)
def test_a_condition_holds_both_ways(text: str, facts: dict[str, str], holds: bool) -> None:
    (condition,) = conditions.parse(text)
    assert condition.holds(facts) is holds


def test_conditions_are_and_ed_and_the_first_failing_one_is_named() -> None:
    found = conditions.parse("onednn=yes, onednn_bf16=no cudnn<9.1")
    assert [str(c) for c in found] == ["onednn=yes", "onednn_bf16=no", "cudnn<9.1"]
    here = {"onednn": "yes", "onednn_bf16": "yes", "cudnn": "none"}
    failing = conditions.first_failing(found, here)
    assert failing is not None and failing.ruling(here) == "onednn_bf16=no (here onednn_bf16=yes)"
    assert conditions.first_failing(found, {"onednn": "yes", "onednn_bf16": "no", "cudnn": "9.0"}) is None


def test_an_entry_with_versions_and_conditions_reads_back_as_written() -> None:
    entry = xfails.parse_line("*.outputs.autocast @ >=2.2 [ onednn=yes, onednn_bf16=no ] -- why", "f:1")
    assert entry is not None and entry.pattern == "*.outputs.autocast" and entry.reason == "why"
    assert entry.describe() == "*.outputs.autocast @ >=2.2 [ onednn=yes, onednn_bf16=no ]"
    holding = {"onednn": "yes", "onednn_bf16": "no"}
    assert entry.ruled_out_by("2.13.0", holding) is None
    assert entry.ruled_out_by("2.1.2", holding) == "torch >=2.2 (here torch=2.1.2)"
    assert entry.ruled_out_by("2.13.0", {**holding, "onednn_bf16": "yes"}) == "onednn_bf16=no (here onednn_bf16=yes)"
    assert platform_facts.deviation_of(entry, "2.1.2", holding)["ruled_out_by_fact"] is False
    assert platform_facts.deviation_of(entry, "2.13.0", {**holding, "onednn_bf16": "yes"})["ruled_out_by_fact"] is True


def _holding(entry: xfails.Entry) -> dict[str, str]:
    """Facts under which every condition of `entry` holds."""
    return {c.fact: c.value for c in entry.conditions if c.op == "="}


def _flipped(condition: conditions.Condition) -> str:
    return {"yes": "no", "no": "yes"}.get(condition.value, condition.value + "-not")


def test_every_shipped_condition_applies_where_it_holds_and_is_ruled_out_where_it_does_not() -> None:
    """Each condition of the shipped known deviations, shown both ways: the entry applies under facts
    that meet all its conditions, and with any one of them flipped it is ruled out, naming that fact."""
    conditioned = [entry for entry in xfails.load(str(BUILTIN_XFAILS)) if entry.conditions]
    assert conditioned, "the shipped known deviations have platform conditions"
    for entry in conditioned:
        holding = _holding(entry)
        assert len(holding) == len(entry.conditions), f"{entry.describe()}: only = conditions are shown both ways here"
        # a version the entry's own versions take, so that only its conditions can rule it out
        version = next(v for v in ("2.13.0", "2.0.1") if entry.versions is None or entry.versions.contains(v))
        assert entry.ruled_out_by(version, holding) is None
        for condition in entry.conditions:
            flipped = {**holding, condition.fact: _flipped(condition)}
            assert entry.ruled_out_by(version, flipped) == condition.ruling(flipped)


def test_the_deviation_table_counts_matched_checks() -> None:
    entry = xfails.parse_line("X.a.b [ onednn=yes ] -- r", "f:1")
    assert entry is not None
    records = [{"deviation": {"where": "f:1"}}, {"deviation": {"where": "f:1"}}, {"deviation": None}]
    (row,) = platform_facts.deviations_table([entry], records, "2.13.0", {"onednn": "no"})
    assert row["checks"] == 2 and row["applies"] is False and row["ruled_out_by"] == "onednn=yes (here onednn=no)"
    assert row["ruled_out_by_fact"] is True
    text = platform_facts.markdown({"onednn": "no"}, [row])
    assert "| `onednn` | no |" in text and "| `X.a.b [ onednn=yes ]` | 2 | no | onednn=yes (here onednn=no) |" in text


@pytest.mark.parametrize(
    ("spec", "environment"),
    [
        ("onednn=avx2", {"ONEDNN_MAX_CPU_ISA": "AVX2"}),
        ("aten=default", {"ATEN_CPU_CAPABILITY": "default"}),
        ("aten=default, onednn=AVX512_core", {"ATEN_CPU_CAPABILITY": "default", "ONEDNN_MAX_CPU_ISA": "AVX512_CORE"}),
        ("native", {}),
    ],
)
def test_a_tier_sets_the_variables_torch_reads(spec: str, environment: dict[str, str]) -> None:
    tier = cpu.parse(spec)
    assert tier.environment() == environment
    assert tier.in_force(environment) and cpu.caps_in_force(environment) == tier


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("aten=avx1024", "is not one of aten=default|avx2|avx512"),
        ("mkl=avx2", "is not aten=LEVEL or onednn=LEVEL"),
        ("onednn=avx2,onednn=sse41", "capped twice"),
    ],
)
def test_a_malformed_tier_is_refused(spec: str, message: str) -> None:
    with pytest.raises(cpu.TierError, match=message):
        cpu.parse(spec)


def test_a_tier_above_the_cpu_is_refused() -> None:
    cpu.check_against(cpu.parse("aten=avx2,onednn=avx2"), AVX2_ONLY)
    with pytest.raises(cpu.TierError, match=r"aten=avx512 is above this CPU \(it lacks avx512bw"):
        cpu.check_against(cpu.parse("aten=avx512"), AVX2_ONLY)
    with pytest.raises(cpu.TierError, match="its highest is onednn=avx2"):
        cpu.check_against(cpu.parse("onednn=avx512_core_bf16"), AVX2_ONLY)
    with pytest.raises(cpu.TierError, match="cannot be read"):
        cpu.check_against(cpu.parse("onednn=avx2"), None)
    cpu.check_against(cpu.parse("aten=default"), None)
    assert [str(t) for t in cpu.emulable(AVX2_ONLY)] == [
        "aten=default",
        "aten=avx2",
        "onednn=sse41",
        "onednn=avx",
        "onednn=avx2",
    ]
    assert cpu.lowest(AVX2_ONLY) == cpu.Tier("default", "avx2")
    assert cpu.lowest(frozenset({"sse4_1"})) == cpu.Tier("default", None)


def _rec(outcome: str, *, applies: bool | None = None, ruled: str | None = None, message: str = "") -> dict:
    """A check's record as the gate writes it; `ruled` names a fact, or a torch version ("torch ...")."""
    by_fact = ruled is not None and not ruled.startswith("torch ")
    deviation = (
        None
        if applies is None
        else {"where": "f:1", "applies": applies, "ruled_out_by": ruled, "ruled_out_by_fact": by_fact}
    )
    return {"id": "LSTM.outputs.autocast", "check": "c", "outcome": outcome, "deviation": deviation, "message": message}


@pytest.mark.parametrize(
    ("before", "now", "expected"),
    [
        (_rec("passed", applies=False, ruled="onednn_bf16=no (here onednn_bf16=yes)"), _rec("xfailed", applies=True),
         "explained_by_platform"),
        (_rec("xfailed", applies=True), _rec("failed", applies=False, ruled="onednn_bf16=no (here onednn_bf16=yes)"),
         "explained_by_platform"),
        (_rec("xfailed", applies=True), _rec("passed", applies=False, ruled="torch <2.1 (here torch=2.13.0)"), "fixed"),
        (_rec("passed"), _rec("skipped", message="platform: torch cannot run LSTM in float16 on cpu"),
         "explained_by_platform"),
        (_rec("passed"), _rec("failed"), "regressed"),
        (_rec("passed", applies=False, ruled="onednn_bf16=no (here onednn_bf16=yes)"),
         _rec("failed", applies=False, ruled="onednn_bf16=no (here onednn_bf16=yes)"), "regressed"),
    ],
)  # fmt: skip
def test_a_baseline_from_another_machine_counts_platform_differences_apart(before, now, expected) -> None:
    comparison = baseline.classify([before], [now], {"onednn_bf16": "yes", "torch": "1"}, {"onednn_bf16": "no"})
    assert comparison.counts()[expected] == 1, comparison.counts()
    assert comparison.facts_differing == {"onednn_bf16": ("yes", "no")}
    assert "platform differs from the baseline's: onednn_bf16 yes -> no" in baseline.summary_lines(comparison, "2")


def test_each_tier_is_a_column_of_the_matrix() -> None:
    native = {"emulated": "native", "aten_capability": "avx512", "onednn_bf16": "yes"}
    lowest = {"emulated": "aten=default,onednn=avx2", "aten_capability": "default", "onednn_bf16": "no"}
    assert "native CPU (ATen avx512, oneDNN bf16 yes)" in column_header({"claims": [], "platform": native})
    assert "emulated aten=default,onednn=avx2 (ATen default" in column_header({"claims": [], "platform": lowest})


def test_the_readme_lists_every_fact() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    table = readme[readme.index("## Platform facts and lesser CPUs") :]
    table = table[: table.index("`--rnn-emulate-cpu=TIER` runs")]
    missing = [name for name in platform.FACTS if f"`{name}`" not in table]
    assert not missing, f"README's platform facts table lacks {missing}"


@pytest.mark.parametrize(
    ("cap", "said", "device", "dtype", "faithful"),
    [
        ("AVX2", "yes", "cpu", "bfloat16", False),
        ("AVX2", "unknown", "cpu", "bfloat16", False),
        ("AVX2", "no", "cpu", "bfloat16", True),
        ("AVX512_CORE", "yes", "cpu", "bfloat16", True),
        ("AVX2", "yes", "cpu", "float16", True),
        ("AVX2", "yes", "cuda", "bfloat16", True),
        (None, "unknown", "cpu", "bfloat16", True),
    ],
)
def test_a_tier_that_torch_cannot_follow_in_bfloat16_is_named(
    monkeypatch: pytest.MonkeyPatch, cap: str | None, said: str, device: str, dtype: str, faithful: bool
) -> None:
    """torch 2.0 picks bfloat16 kernels by the CPU's own flags: with oneDNN capped below AVX-512 it
    hands oneDNN bfloat16 work that no real CPU of that ISA would see, so those checks are skipped."""
    monkeypatch.delenv("DNNL_MAX_CPU_ISA", raising=False)
    if cap is None:
        monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    else:
        monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", cap)
    monkeypatch.setattr(platform, "facts", lambda: {"onednn_bf16": said, "torch": "2.0.1"})
    reason = platform.unfaithful_emulation(device, dtype)
    assert (reason is None) is faithful
    if reason:
        assert f"reports oneDNN bfloat16 as {said}" in reason
