"""The pytest plugin of the suite (entry point `pytest11`): options, markers, xfails and the report.

It loads in every pytest run of an environment where the suite is installed, so everything here is
additive: its options and markers start with rnn-, its hooks act only on checks that carry the
`rnn_claim` marker, and torch is imported only once such checks exist.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from conformance.claims import claim_of
from conformance.gate import (
    controller,
    emulate,
    examples,
    guard,
    journal,
    junit,
    options,
    order,
    platform_facts,
    resume,
    shard,
    xfails,
)
from conformance.gate import report as report_module

XFAILS = pytest.StashKey[list]()
PROFILE = pytest.StashKey[str]()
"""Set by the suite's conftest to the Hypothesis profile it loaded."""
DEVICES = pytest.StashKey[list]()
"""Set by the suite's conftest (not on xdist's controller) to the devices the checks run on."""
BUILTIN_XFAILS = Path(__file__).with_name("known_deviations.txt")
ONEDNN_PROJECTION_WARNING = "ignore:LSTM with projections is not supported with oneDNN:UserWarning"


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add(parser)


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> int | None:
    """With --rnn-emulate-cpu, the run is remade in a process started at that tier (gate/emulate.py)."""
    return emulate.rerun_if_needed(config)


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    if hasattr(config, "workerinput") or not platform_facts.suite_in_scope(config):
        return None
    from conformance.run import platform

    if controller.is_controller(config):
        return platform.unprobed_header_lines(platform.unprobed())
    return platform.header_lines(platform.facts())


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "rnn_claim(key): the documented claim this check verifies")
    config.addinivalue_line("markers", "rnn_device_types(*types, reason): run this check on these device types only")
    config.addinivalue_line("markers", "rnn_slow_compile: a torch.compile check, run with --rnn-compile")
    config.addinivalue_line(
        "markers",
        "rnn_slow_autograd: a double backward, forward-mode AD or torch.func check, run with --rnn-autograd",
    )
    config.addinivalue_line(
        "markers", "rnn_slow_deploy: a deployment path's check (export, ONNX, quantized), run with --rnn-deploy"
    )
    resume.register(config)
    for path in resume.report_paths(config):
        _check_writable(path)
    try:
        paths = config.getoption("rnn_xfails_file") or []
        config.stash[XFAILS] = [entry for path in paths for entry in xfails.load(path)]
    except xfails.XfailsFileError as exc:
        raise pytest.UsageError(str(exc)) from None
    if name := config.getoption("rnn_implementation"):
        from conformance.run import implementation

        try:
            implementation.use(implementation.resolve(name))
        except implementation.ImplementationError as exc:
            raise pytest.UsageError(str(exc)) from None
    if path := config.getoption("rnn_baseline"):
        from conformance.gate import baseline

        try:
            config.stash[BASELINE] = baseline.load(path)
        except baseline.BaselineError as exc:
            raise pytest.UsageError(str(exc)) from None
    elif config.getoption("rnn_fail_on") == "regressions":
        raise pytest.UsageError("--rnn-fail-on=regressions needs --rnn-baseline=REPORT.json to compare with")
    config.pluginmanager.register(Recorder(config), "rnn-conformance-recorder")
    guard.register(config)
    shard.register(config)
    if config.option.xmlpath and not hasattr(config, "workerinput"):
        config.pluginmanager.register(junit.PartialJunit(config.option.xmlpath), "rnn-conformance-junit")


BASELINE = pytest.StashKey[dict]()


def _check_writable(path: str) -> None:
    target = Path(path)
    if target.is_dir() or not target.parent.is_dir():
        raise pytest.UsageError(f"--rnn-report {path!r}: no such directory to write the report in")
    try:
        with open(target, "a"):
            pass
    except OSError as exc:
        raise pytest.UsageError(f"--rnn-report {path!r} cannot be written: {exc.strerror}") from None


def claim_properties(item: pytest.Item) -> dict[str, object] | None:
    """The report fields of a check: its claim, variant, device, dtype and kernel; None for other tests."""
    claim = claim_of(item)
    if claim is None:
        return None
    params = getattr(item, "callspec", None)
    params = params.params if params else {}
    dtype = params.get("dtype")
    return {
        "claim": claim.id_for(params.get("variant")),
        "doc": claim.doc,
        "since": claim.since,
        "device": params.get("device"),
        "dtype": str(dtype).removeprefix("torch.") if dtype is not None else None,
        "kernel": params.get("kernel"),
        "mode": params.get("mode", claim.mode),
    }


def _builtin_entries(config: pytest.Config) -> list[xfails.Entry]:
    if config.getoption("rnn_no_builtin_xfails"):
        return []
    return xfails.load(str(BUILTIN_XFAILS))


def _not_applicable(item: pytest.Item, impl: object) -> str | None:
    """Why a check does not apply to the implementation under test, or None."""
    from conformance.run.implementation import Implementation
    from conformance.variants import VARIANTS

    assert isinstance(impl, Implementation)
    claim = claim_of(item)
    if claim is not None and claim.torch_nn_only and not impl.is_torch_nn:
        return f"concerns torch.nn's own classes ({claim.torch_nn_only}); the implementation is {impl.name}"
    params = getattr(item, "callspec", None)
    variant = params.params.get("variant") if params else None
    if variant in VARIANTS:
        return impl.missing_reason(str(VARIANTS[variant]["kind"]))
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Label every check with its claim; skip what does not apply; mark known deviations; order the
    checks to fail early (gate.order)."""
    _deselect_slow_groups(config, items)
    checks = [(item, props) for item in items if (props := claim_properties(item)) is not None]
    if not checks:
        return
    import torch

    from conformance.run import implementation, platform

    impl = implementation.current()
    installed = Version(torch.__version__.split("+")[0])
    builtin, given = _builtin_entries(config), config.stash.get(XFAILS, [])
    found = platform.facts()
    used: set[xfails.Entry] = set()
    for item, props in checks:
        item.user_properties.extend(props.items())
        item.user_properties.append(("implementation", impl.name))
        item.add_marker(pytest.mark.filterwarnings(ONEDNN_PROJECTION_WARNING))
        examples.counting(getattr(item, "obj", None))
        since = props["since"]
        if since and installed < Version(str(since)):
            item.add_marker(pytest.mark.skip(reason=f"documented since torch {since}; this is {torch.__version__}"))
        if reason := _not_applicable(item, impl):
            item.add_marker(pytest.mark.skip(reason=reason))
        standings = []
        for entry in [*builtin, *given] if impl.is_torch_nn else given:
            if not entry.matches(str(props["claim"]), item.nodeid):
                continue
            used.add(entry)
            standings.append(deviation := platform_facts.deviation_of(entry, torch.__version__, found))
            if deviation["applies"]:
                item.add_marker(pytest.mark.xfail(reason=f"{entry.reason} ({entry.where})", strict=False))
        if standings:
            applying = [deviation for deviation in standings if deviation["applies"]]
            item.user_properties.append(("deviation", (applying or standings)[0]))
    for entry in given:
        if entry not in used:
            warnings.warn(
                pytest.PytestConfigWarning(
                    f"xfails entry {entry.pattern!r} ({entry.where}) matches no check collected in this run"
                ),
                stacklevel=1,
            )
    labelled = {id(item) for item, _ in checks}
    items[:] = order.interleaved(
        items,
        lambda item: id(item) in labelled and not any(item.get_closest_marker(m) for m, _ in SLOW_GROUPS),
        lambda item: bool((claim := claim_of(item)) and claim.leads),
    )


SLOW_GROUPS = (
    ("rnn_slow_compile", "rnn_compile"),
    ("rnn_slow_autograd", "rnn_autograd"),
    ("rnn_slow_deploy", "rnn_deploy"),
)
"""The groups left out of a default run, by marker, each with the option that runs it."""


def _deselect_slow_groups(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The torch.compile group runs with --rnn-compile, the higher-order autograd group with --rnn-autograd,
    the deploy group with --rnn-deploy, or all when a -m expression selects by marker."""
    if config.getoption("markexpr", ""):
        return
    for marker, option in SLOW_GROUPS:
        if config.getoption(option):
            continue
        slow = [item for item in items if item.get_closest_marker(marker)]
        if slow:
            config.hook.pytest_deselected(items=slow)
            items[:] = [item for item in items if not item.get_closest_marker(marker)]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    examples.reset()
    unshrunk = _without_shrinking(item) if item.get_closest_marker("xfail") and claim_of(item) else None
    try:
        return (yield)
    finally:
        if unshrunk:
            unshrunk()
        if claim_of(item) is not None:
            item.user_properties.append(("examples", examples.count))
            if examples.axes:
                item.user_properties.append(("axes", dict(sorted(examples.axes.items()))))


def _without_shrinking(item: pytest.Item):
    """An expected failure needs no minimal example: the check runs without Hypothesis's shrink phase
    (which otherwise takes most of its time). Returns what undoes it, or None."""
    from hypothesis import Phase, settings

    function = getattr(item, "obj", None)
    current = getattr(function, "_hypothesis_internal_use_settings", None)
    if not isinstance(current, settings) or Phase.shrink not in current.phases:
        return None
    function._hypothesis_internal_use_settings = settings(  # type: ignore[union-attr]
        current, phases=[phase for phase in current.phases if phase != Phase.shrink]
    )

    def undo() -> None:
        function._hypothesis_internal_use_settings = current  # type: ignore[union-attr]

    return undo


class Recorder:
    """Collects one report record per check (on the xdist controller too) and writes the report."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.records: list[dict[str, object]] = resume.records(config)
        self.resumed = len(self.records)
        """Records of the report resumed (--rnn-resume), before this run's."""
        self.journals = journal.Journals(resume.report_paths(config))
        self.probed: dict[str, Any] | None = None
        """What torch told the workers (controller.send); on the controller, from their first verdicts."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not any(key == "claim" for key, _ in report.user_properties):
            return
        worker = hasattr(self.config, "workerinput")
        if worker and self.probed is None:
            mine = self._probed()
            controller.send(report, mine["facts"], mine["devices"])
        if not worker and (sent := controller.received(report)) is not None and self.probed is None:
            self.probed = sent
        if not self.records and not worker:
            platform_facts.add_junit_properties(self.config, self.facts())
        outcome = report_module.outcome_of(report)
        if outcome is not None:
            self.records.append(report_module.record(report, outcome))
            if not worker:
                self.journals.add(self.records, lambda: self.payload() | shard.fields(self.config))

    def _probed(self) -> dict[str, Any]:
        """The platform facts and the devices, as this process's torch tells them, or as the workers did."""
        if self.probed is None:
            from conformance.run import devices, platform

            found = self.config.stash.get(DEVICES, None)
            listed = devices.parse(self.config.getoption("rnn_device")) if found is None else found
            self.probed = {"facts": platform.facts(), "devices": listed}
        return self.probed

    def facts(self) -> dict[str, str]:
        return dict(self._probed()["facts"])

    def payload(self) -> dict[str, object]:
        from conformance.run import implementation, platform

        facts = self.facts()
        payload: dict[str, object] = {
            "torch": facts["torch"],
            "implementation": implementation.current_name(),
            "devices": self._probed()["devices"],
            "profile": self.config.stash.get(PROFILE, None),
            "platform": facts,
            "deviations": self.deviations(),
            "deploy_packages": platform.deploy_packages(facts),
            "claims": self.records,
        }
        if BASELINE in self.config.stash:
            payload["baseline_torch"] = self.config.stash[BASELINE].get("torch")
        return payload

    def deviations(self) -> list[dict[str, object]]:
        """Every known deviation this run had, whether it applied here, and the checks it matched."""
        from conformance.run import implementation

        given = self.config.stash.get(XFAILS, [])
        torch_nn = implementation.current_name() == implementation.TORCH_NN
        entries = [*_builtin_entries(self.config), *given] if torch_nn else given
        facts = self.facts()
        return platform_facts.deviations_table(entries, self.records, facts["torch"], facts)

    def comparison(self):
        from conformance.gate import baseline

        before = self.config.stash[BASELINE]
        return baseline.classify(list(before.get("claims", [])), self.records, before.get("platform"), self.facts())

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.records:
            return
        from conformance.run import implementation, platform

        terminalreporter.section("rnn conformance")
        if (name := implementation.current_name()) != implementation.TORCH_NN:
            terminalreporter.write_line(f"implementation judged: {name}")
        for line in report_module.summary(self.records) + report_module.deviation_lines(self.deviations()):
            terminalreporter.write_line(line)
        lines = platform.header_lines(self.facts())
        # A distributed run's header could not show torch's probes: the summary does.
        for line in lines if controller.is_controller(self.config) else lines[1:2]:
            terminalreporter.write_line(line)
        if BASELINE in self.config.stash:
            from conformance.gate import baseline

            torch_before = str(self.config.stash[BASELINE].get("torch", "?"))
            for line in baseline.summary_lines(self.comparison(), torch_before):
                terminalreporter.write_line(line)
        for path in self.config.getoption("rnn_report") or []:
            terminalreporter.write_line(f"report written to {path}")

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if hasattr(self.config, "workerinput"):
            return
        paths = resume.report_paths(self.config)
        self.journals.close()
        if paths:
            payload = self.payload() | shard.fields(self.config)
            payload["complete"] = exitstatus in (0, 1) and not (session.shouldfail or session.shouldstop)
            facts = platform_facts.markdown(payload["platform"], payload["deviations"])  # type: ignore[arg-type]
            extra = facts + self._markdown_changes()
            for path in paths:
                if path in self.journals.paths:
                    journal.finish(path, payload)
                else:
                    report_module.write(path, payload, extra)
        gate = self.config.getoption("rnn_fail_on") == "regressions"
        if gate and exitstatus == pytest.ExitCode.TESTS_FAILED and self._only_known_failures(session):
            session.exitstatus = pytest.ExitCode.OK

    def _markdown_changes(self) -> str:
        if BASELINE not in self.config.stash:
            return ""
        from conformance.gate import baseline

        return baseline.markdown_section(self.comparison(), str(self.config.stash[BASELINE].get("torch", "?")))

    def _only_known_failures(self, session: pytest.Session) -> bool:
        """Every failure of the run is a check, and none of them is a regression against the baseline."""
        failed_checks = sum(1 for r in self.records[self.resumed :] if r["outcome"] == "failed")
        if failed_checks != session.testsfailed:
            return False
        comparison = self.comparison()
        return not comparison.regressions
