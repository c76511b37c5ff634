"""The devices the suite runs on: parsed from --rnn-device, checked, and probed for availability."""

from __future__ import annotations

import pytest
import torch


def default_devices() -> list[str]:
    return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def parse(values: list[str] | None) -> list[str]:
    """Devices named by repeated or comma-separated --rnn-device options; a bad name is a usage error."""
    if not values:
        return default_devices()
    devices = [d.strip() for value in values for d in value.split(",") if d.strip()]
    for name in devices:
        try:
            torch.device(name)
        except (RuntimeError, ValueError) as exc:
            raise pytest.UsageError(f"--rnn-device {name!r} is not a torch device: {exc}".splitlines()[0]) from None
    return list(dict.fromkeys(devices))


def unavailable_reason(name: str) -> str | None:
    """Why `name` cannot run here, or None if it can."""
    device = torch.device(name)
    if device.type == "cpu":
        return None
    backend = getattr(torch, device.type, None)
    available = getattr(backend, "is_available", None)
    if available is None or not available():
        return f"device {name!r} is not available in this torch build or on this machine"
    count = getattr(backend, "device_count", lambda: 1)()
    if device.index is not None and device.index >= count:
        return f"device {name!r} does not exist: this machine has {count} {device.type} device(s)"
    return None
