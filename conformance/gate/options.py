"""The plugin's command-line options. Every one starts with --rnn-, so none can clash with the
options of the project whose pytest run loads the plugin (it loads in every run of an environment
where the suite is installed)."""

from __future__ import annotations

import pytest

GROUP = ("rnn-conformance", "torch recurrent-layer conformance")


def add(parser: pytest.Parser) -> None:
    group = parser.getgroup(*GROUP)
    group.addoption(
        "--rnn-device",
        action="append",
        default=None,
        help="torch device to check (repeatable, or a comma list); default: cpu, plus cuda when available",
    )
    group.addoption(
        "--rnn-profile",
        choices=["dev", "ci", "thorough"],
        default=None,
        help="Hypothesis profile of the suite; default: ci when $CI is set, else dev",
    )
    group.addoption("--rnn-max-examples", type=int, default=None, help="override the profile's examples per check")
    group.addoption(
        "--rnn-report",
        metavar="PATH",
        action="append",
        default=None,
        help="write the conformance report to PATH: Markdown if it ends in .md, else JSON (repeatable)",
    )
    group.addoption(
        "--rnn-xfails-file",
        metavar="PATH",
        action="append",
        default=None,
        help="more known deviations: claim or test IDs expected to fail, one per line (repeatable)",
    )
    group.addoption(
        "--rnn-no-builtin-xfails",
        action="store_true",
        default=False,
        help="do not apply the known deviations of torch that ship with the suite",
    )
    group.addoption(
        "--rnn-implementation",
        metavar="MODULE",
        default=None,
        help="judge MODULE's (or MODULE:ATTRIBUTE's) RNN, LSTM, GRU and cells instead of torch.nn's",
    )
    group.addoption(
        "--rnn-baseline",
        metavar="REPORT",
        default=None,
        help="a JSON report of an earlier run: classify each check as regressed, fixed, still failing, new or gone",
    )
    group.addoption(
        "--rnn-fail-on",
        choices=["any", "regressions"],
        default="any",
        help="which failures fail the run: any (default) or only regressions against --rnn-baseline",
    )
    group.addoption(
        "--rnn-compile",
        action="store_true",
        default=False,
        help="also run the torch.compile group (marker rnn_slow_compile), left out by default",
    )
    group.addoption(
        "--rnn-autograd",
        action="store_true",
        default=False,
        help="also run the higher-order autograd group: double backward, forward-mode AD and the torch.func "
        "transforms (marker rnn_slow_autograd), left out by default",
    )
    group.addoption(
        "--rnn-deploy",
        action="store_true",
        default=False,
        help="also run the deployment paths' group (marker rnn_slow_deploy), left out by default",
    )
    group.addoption(
        "--rnn-pin",
        metavar="AXIS=VALUE",
        action="append",
        default=None,
        help="fix a way of calling torch that is otherwise drawn per example (repeatable), e.g. "
        "cpu_kernel=native, input_layout=contiguous, grad_mode=no_grad",
    )
    group.addoption(
        "--rnn-emulate-cpu",
        metavar="TIER",
        default=None,
        help="run as if on a lesser CPU: aten=default|avx2|avx512 and/or onednn=sse41|avx2|avx512_core|..., "
        "comma-separated (python -m conformance.facts lists the tiers this CPU can emulate)",
    )
    group.addoption(
        "--rnn-check-timeout",
        metavar="SECONDS",
        type=float,
        default=None,
        help="a test that runs longer fails as hung, and the run goes on (default 600; 0: no limit)",
    )
    group.addoption(
        "--rnn-no-crash-guard",
        action="store_true",
        default=False,
        help="run the tests in the pytest process itself, not in a forked executor that may die alone "
        "(a crash then ends the run; implied by --pdb)",
    )
    group.addoption(
        "--rnn-resume",
        metavar="REPORT",
        default=None,
        help="a JSON report of a run that died or was stopped: run only the checks it has no verdict for, "
        "and complete it",
    )
    group.addoption(
        "--rnn-shard",
        metavar="K/N",
        default=None,
        help="run the K-th of N deterministic shares of the tests (one per machine; python -m conformance.merge "
        "joins their reports)",
    )
    group.addoption(
        "--rnn-example-db",
        metavar="DIR|github:OWNER/REPO[/ARTIFACT]",
        action="append",
        default=None,
        help="Hypothesis's example database: a directory, or a GitHub Actions artifact (read-only); "
        "repeatable (multiplexed), so that a failure found on one machine replays on another",
    )
