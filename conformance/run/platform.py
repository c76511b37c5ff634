"""Platform facts: what torch runs on, probed once per process, never guessed.

What torch does depends on its build and the hardware under it: the CPU's instruction sets pick
ATen's and oneDNN's kernels, a CUDA device's architecture and cuDNN's version pick the GPU's. The
facts go into the report's header and its records, and the known deviations may be conditioned on
them (gate/conditions.py). A fact this torch cannot tell is "unknown".
"""

from __future__ import annotations

import platform as _platform
import re
import sys
from collections.abc import Callable
from functools import cache
from typing import NoReturn

from conformance.run import cpu

UNKNOWN = "unknown"
FACTS = {
    "torch": "torch's version",
    "torch_build": "cpu, cuda or rocm",
    "torch_git": "the git hash torch was built from",
    "cuda_runtime": "the CUDA (or HIP) version torch was built with, or none",
    "cpu": "the CPU's model name",
    "cpu_isa": "the highest oneDNN ISA the CPU's flags allow",
    "aten_capability": "ATen's CPU capability in force (torch.backends.cpu.get_cpu_capability())",
    "onednn": "whether torch has oneDNN (yes/no)",
    "onednn_version": "oneDNN's version",
    "onednn_bf16": "whether oneDNN runs bfloat16 on this CPU (yes/no)",
    "onednn_fp16": "whether oneDNN runs float16 on this CPU (yes/no)",
    "emulated": "the lesser CPU emulated (ATEN_CPU_CAPABILITY, ONEDNN_MAX_CPU_ISA), or native",
    "cuda_devices": "how many CUDA devices torch sees",
    "cuda_name": "the current CUDA device's name, or none",
    "cuda_capability": "the current CUDA device's compute capability, or none",
    "cudnn": "cuDNN's version, or none",
    "cuda_all": "every CUDA device: index, name and compute capability, or none",
    "python": "Python's version",
    "numpy": "NumPy's version",
    "hypothesis": "Hypothesis's version",
    "onnx": "onnx's version, or none (the deployment paths' extra)",
    "onnxscript": "onnxscript's version, or none",
    "onnxruntime": "onnxruntime's version, or none",
    "os": "the operating system",
}
"""Every fact, by the name a known deviation's condition uses, with what it means."""
DEPLOY_EXTRA = ("onnx", "onnxscript", "onnxruntime")
"""The packages of the deployment paths' extra (torch-rnn-conformance[onnx]), each a fact."""


def _guarded(probe: Callable[[], object]) -> str:
    try:
        value = probe()
    except Exception:
        return UNKNOWN
    if isinstance(value, bool):
        return "yes" if value else "no"
    return UNKNOWN if value is None else str(value)


def _config_line(pattern: str) -> str:
    import torch

    found = re.search(pattern, torch.__config__.show())
    return found.group(1) if found else UNKNOWN


def _build() -> str:
    import torch

    if getattr(torch.version, "hip", None):
        return "rocm"
    return "cuda" if torch.version.cuda else "cpu"


def _aten_capability() -> str:
    import torch

    get = getattr(getattr(torch.backends, "cpu", None), "get_cpu_capability", None)
    value = get() if get is not None else _config_line(r"CPU capability usage: (\S+)")
    return str(value).lower()


def _cpu_model() -> str:
    from pathlib import Path

    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            name, _, value = line.partition(":")
            if name.strip() == "model name":
                return value.strip()
    except OSError:
        pass
    return _platform.processor() or UNKNOWN


def _cuda(attribute: str) -> str:
    import torch

    if not torch.cuda.is_available():
        return "none"
    index = torch.cuda.current_device()
    if attribute == "name":
        return str(torch.cuda.get_device_name(index))
    major, minor = torch.cuda.get_device_capability(index)
    return f"{major}.{minor}"


def _every_cuda_device() -> str:
    import torch

    if not torch.cuda.is_available():
        return "none"
    devices = []
    for index in range(torch.cuda.device_count()):
        major, minor = torch.cuda.get_device_capability(index)
        devices.append(f"{index}: {torch.cuda.get_device_name(index)} ({major}.{minor})")
    return "; ".join(devices)


def installed(distribution: str) -> str:
    """An installed distribution's version, read without importing it, or none."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "none"


def _cudnn() -> str:
    import torch

    version = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
    if not version:
        return "none"
    major, rest = divmod(int(version), 10000 if version >= 90000 else 1000)
    minor, patch = divmod(rest, 100)
    return f"{major}.{minor}.{patch}"


@cache
def unprobed() -> dict[str, str]:
    """The facts read without importing torch (its version from its distribution's metadata): what a
    process that runs no check (pytest-xdist's controller) knows before its workers report."""
    return {
        "torch": installed("torch"),
        "cpu": _guarded(_cpu_model),
        "cpu_isa": cpu.highest(cpu.ONEDNN_LEVELS, cpu.flags()),
        "emulated": str(cpu.caps_in_force()),
        "python": _platform.python_version(),
        "numpy": installed("numpy"),
        "hypothesis": installed("hypothesis"),
        **{name: installed(name) for name in DEPLOY_EXTRA},
        "os": _platform.platform(terse=True) or sys.platform,
    }


@cache
def facts() -> dict[str, str]:
    """Every fact of `FACTS`, as text."""
    import hypothesis
    import numpy
    import torch

    mkldnn_ops = torch.ops.mkldnn
    probed = {
        "torch": torch.__version__,
        "torch_build": _guarded(_build),
        "torch_git": _guarded(lambda: torch.version.git_version),
        "cuda_runtime": _guarded(lambda: torch.version.cuda or getattr(torch.version, "hip", None) or "none"),
        "aten_capability": _guarded(_aten_capability),
        "onednn": _guarded(torch.backends.mkldnn.is_available),
        "onednn_version": _guarded(lambda: _config_line(r"MKL-DNN v(\S+)")),
        "onednn_bf16": _guarded(lambda: mkldnn_ops._is_mkldnn_bf16_supported()),
        "onednn_fp16": _guarded(lambda: mkldnn_ops._is_mkldnn_fp16_supported()),
        "cuda_devices": _guarded(torch.cuda.device_count),
        "cuda_name": _guarded(lambda: _cuda("name")),
        "cuda_capability": _guarded(lambda: _cuda("capability")),
        "cudnn": _guarded(_cudnn),
        "cuda_all": _guarded(_every_cuda_device),
        "numpy": numpy.__version__,
        "hypothesis": hypothesis.__version__,
    }
    found = unprobed() | probed
    return {name: str(found[name]) for name in FACTS}


def deploy_packages(found: dict[str, str]) -> dict[str, str]:
    """The versions of the deployment extra's packages that are installed, from the facts."""
    return {name: found[name] for name in DEPLOY_EXTRA if found[name] != "none"}


def header_lines(found: dict[str, str]) -> list[str]:
    """The facts as the few lines a run's header shows."""
    return [
        f"rnn platform: torch {found['torch']} ({found['torch_build']} build, git {found['torch_git'][:12]}), "
        f"Python {found['python']}, NumPy {found['numpy']}, Hypothesis {found['hypothesis']}, {found['os']}; "
        f"onnx {found['onnx']}, onnxscript {found['onnxscript']}, onnxruntime {found['onnxruntime']}",
        f"rnn cpu: {found['cpu']} (ISA {found['cpu_isa']}); ATen {found['aten_capability']}; "
        f"oneDNN {found['onednn_version'] if found['onednn'] == 'yes' else 'absent'} "
        f"(bfloat16 {found['onednn_bf16']}, float16 {found['onednn_fp16']}); emulated: {found['emulated']}",
        f"rnn cuda: {found['cuda_devices']} device(s): {found['cuda_all']}; current {found['cuda_name']} "
        f"(capability {found['cuda_capability']}); cuDNN {found['cudnn']}",
    ]


def unprobed_header_lines(found: dict[str, str]) -> list[str]:
    """The header of a process that runs no check: the facts read without torch; its probes follow
    in the summary, as the workers report them."""
    return [
        f"rnn platform: torch {found['torch']}, Python {found['python']}, NumPy {found['numpy']}, "
        f"Hypothesis {found['hypothesis']}, {found['os']}; "
        f"onnx {found['onnx']}, onnxscript {found['onnxscript']}, onnxruntime {found['onnxruntime']}",
        f"rnn cpu: {found['cpu']} (ISA {found['cpu_isa']}); emulated: {found['emulated']}; "
        "torch's probes (ATen, oneDNN, CUDA) as its workers report them: in the summary",
    ]


PLATFORM_SKIP = "platform: "
"""How a skip for a reason of the platform (a device or dtype it lacks) begins, so that a baseline
from another machine counts the difference as the platform's."""


def skip(reason: str) -> NoReturn:
    """Skips the running check for a reason of the platform."""
    import pytest

    pytest.skip(PLATFORM_SKIP + reason)


def unfaithful_emulation(device: str, dtype_name: str) -> str | None:
    """Why the emulated CPU tier cannot stand for a real CPU in `dtype_name` on `device`, or None.

    Capping oneDNN below AVX-512 takes bfloat16 away from it; a torch that decides its bfloat16
    kernels by the CPU's own flags instead of asking oneDNN (its bfloat16 probe missing, or saying
    yes under the cap: torch 2.0, for one) then hands oneDNN bfloat16 work it refuses, which no real
    CPU with that ISA would see. Such a tier's bfloat16 checks on the CPU are skipped.
    """
    cap = cpu.caps_in_force().onednn
    if device.split(":")[0] != "cpu" or dtype_name != "bfloat16" or cap is None:
        return None
    levels = list(cpu.ONEDNN_LEVELS)
    if cap not in levels or levels.index(cap) >= levels.index("avx512_core"):
        return None
    said = facts()["onednn_bf16"]
    if said == "no":
        return None
    return (
        f"oneDNN is capped at {cap} (no bfloat16), but torch {facts()['torch']} reports oneDNN bfloat16 as {said}: "
        "it picks its bfloat16 kernels by the CPU's own flags, so this tier emulates no real CPU in bfloat16"
    )
