"""Wires the suite's options into its own tests: the Hypothesis profile, devices, kernels, dtypes."""

from __future__ import annotations

import pytest

from conformance.gate import controller, profiles, threads
from conformance.gate.plugin import DEVICES, PROFILE

SCHEDULE_CHUNK = 4
"""Checks pytest-xdist sends a worker at a time, unless --maxschedchunk says otherwise. A worker runs
every check it was sent before it stops, so under -x the run ends a few checks after the first
failure, not a whole default chunk (a quarter of the worker's share) after it."""


def pytest_configure(config: pytest.Config) -> None:
    if getattr(config.option, "maxschedchunk", False) is None:
        config.option.maxschedchunk = SCHEDULE_CHUNK
    if controller.is_controller(config):
        _configure_controller(config)
        return
    from conformance.draw import calls

    config.stash[PROFILE] = profiles.load(
        config.getoption("rnn_profile"), config.getoption("rnn_max_examples"), config.getoption("rnn_example_db")
    )
    config.stash[DEVICES], pins = _devices_and_pins(config)
    calls.pinned.update(pins)
    worker = getattr(config, "workerinput", None)
    threads.share_cores(int(worker["workercount"]) if worker else 1)


def _configure_controller(config: pytest.Config) -> None:
    """The controller checks only the options it would otherwise leave each worker to refuse, importing
    Hypothesis and torch only for an option that needs them, or for -v, whose header names the profile."""
    name = profiles.choose(config.getoption("rnn_profile"))
    checks_profile = config.getoption("rnn_max_examples") is not None or config.getoption("rnn_example_db")
    if config.option.verbose >= 1 or checks_profile:
        config.stash[PROFILE] = profiles.load(
            name, config.getoption("rnn_max_examples"), config.getoption("rnn_example_db")
        )
    else:
        config.stash[PROFILE] = name
    if config.getoption("rnn_device") or config.getoption("rnn_pin"):
        _devices_and_pins(config)


def _devices_and_pins(config: pytest.Config) -> tuple[list[str], dict[str, str]]:
    """The devices --rnn-device names and the axes --rnn-pin fixes; a bad one is a usage error."""
    from conformance.draw import calls
    from conformance.run import devices

    try:
        return devices.parse(config.getoption("rnn_device")), calls.pin(config.getoption("rnn_pin") or [])
    except calls.PinError as exc:
        raise pytest.UsageError(str(exc)) from None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every check that takes a device runs on each device, and on CUDA once per kernel path."""
    if "device" not in metafunc.fixturenames:
        return
    from conformance.run import precision

    pairs = [(d, k) for d in metafunc.config.stash[DEVICES] for k in precision.kernel_choices(d)]
    ids = [d if k is None else f"{d}-{k}" for d, k in pairs]
    metafunc.parametrize(["device", "kernel"], pairs, ids=ids, indirect=["kernel"])


@pytest.fixture(autouse=True)
def kernel(request: pytest.FixtureRequest):
    """Skips unavailable devices and unsupported dtypes; runs with the chosen kernels and TF32 off."""
    import torch

    from conformance.run import devices, dtypes, platform, precision

    params = request.node.callspec.params if hasattr(request.node, "callspec") else {}
    device, dtype, variant = params.get("device"), params.get("dtype"), params.get("variant")
    if device is not None and (reason := devices.unavailable_reason(device)):
        platform.skip(reason)
    probed = isinstance(dtype, torch.dtype) and device is not None and variant is not None
    if probed and (reason := dtypes.unsupported_reason(str(device), dtype, str(variant))):  # type: ignore[arg-type]
        platform.skip(reason)
    only = request.node.get_closest_marker("rnn_device_types")
    if only and device is not None and torch.device(device).type not in only.args:
        pytest.skip(only.kwargs.get("reason", f"this claim concerns {', '.join(only.args)} devices only"))
    choice = getattr(request, "param", None)
    with precision.kernels(choice), precision.tf32(params.get("tf32", False)):
        yield choice
