"""The CPU's instruction sets, and the lesser CPUs a run can emulate by capping what torch uses.

Two libraries inside torch pick their kernels by the CPU: ATen (`ATEN_CPU_CAPABILITY`: default, avx2,
avx512) and oneDNN (`ONEDNN_MAX_CPU_ISA`: sse41, avx, avx2, avx512_core, ...). Both read their
variable once, when torch starts, so a tier is set in the environment of a new process. Neither may
be set above what the CPU has: ATen would run instructions the CPU lacks (SIGILL), and oneDNN would
silently stay lower than the tier says. What the CPU has is read from the flags the kernel reports.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ATEN_VARIABLE = "ATEN_CPU_CAPABILITY"
ONEDNN_VARIABLES = ("ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA")
"""oneDNN reads the first; releases before oneDNN 2.0 read the second."""

_AVX512 = frozenset({"avx512f", "avx512bw", "avx512vl", "avx512dq"})
ATEN_LEVELS: dict[str, frozenset[str]] = {
    "default": frozenset(),
    "avx2": frozenset({"avx2", "fma"}),
    "avx512": _AVX512 | {"fma"},
}
"""ATen's capabilities, lowest first, with the CPU flags each needs."""
ONEDNN_LEVELS: dict[str, frozenset[str]] = {
    "sse41": frozenset({"sse4_1"}),
    "avx": frozenset({"avx"}),
    "avx2": frozenset({"avx2"}),
    "avx2_vnni": frozenset({"avx2", "avx_vnni"}),
    "avx512_core": _AVX512,
    "avx512_core_vnni": _AVX512 | {"avx512_vnni"},
    "avx512_core_bf16": _AVX512 | {"avx512_vnni", "avx512_bf16"},
    "avx512_core_fp16": _AVX512 | {"avx512_vnni", "avx512_bf16", "avx512_fp16"},
    "avx512_core_amx": _AVX512 | {"avx512_vnni", "avx512_bf16", "amx_bf16", "amx_int8"},
}
"""oneDNN's x86 ISA caps, lowest first, with the CPU flags each needs."""


class TierError(ValueError):
    """A tier that cannot be emulated here; the message is one line."""


@cache
def flags() -> frozenset[str] | None:
    """The CPU's flags as the kernel reports them (Linux), or None where they cannot be read."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return None


def highest(levels: Mapping[str, frozenset[str]], have: frozenset[str] | None) -> str:
    """The highest of `levels` the CPU has, or "unknown" where its flags cannot be read."""
    if have is None:
        return "unknown"
    reached = [name for name, needs in levels.items() if needs <= have]
    return reached[-1] if reached else "none"


@dataclass(frozen=True)
class Tier:
    """A lesser CPU: ATen's capability and oneDNN's ISA capped (None: left as the CPU has them)."""

    aten: str | None = None
    onednn: str | None = None

    def __str__(self) -> str:
        parts = [f"aten={self.aten}" if self.aten else "", f"onednn={self.onednn}" if self.onednn else ""]
        return ",".join(part for part in parts if part) or "native"

    def environment(self) -> dict[str, str]:
        """The variables a process must start with to run at this tier."""
        env = {ATEN_VARIABLE: self.aten} if self.aten else {}
        if self.onednn:
            env[ONEDNN_VARIABLES[0]] = self.onednn.upper()
        return env

    def in_force(self, environ: Mapping[str, str] = os.environ) -> bool:
        return all(environ.get(name, "").lower() == value.lower() for name, value in self.environment().items())


def parse(spec: str) -> Tier:
    """`aten=default`, `onednn=avx2` or both, comma-separated; `native` for none."""
    if spec.strip().lower() == "native":
        return Tier()
    chosen: dict[str, str] = {}
    for part in spec.split(","):
        library, equals, level = (text.strip().lower() for text in part.partition("="))
        levels = {"aten": ATEN_LEVELS, "onednn": ONEDNN_LEVELS}.get(library)
        if not equals or levels is None:
            raise TierError(f"{part.strip()!r} is not aten=LEVEL or onednn=LEVEL")
        if level not in levels:
            raise TierError(f"{library}={level} is not one of {library}={'|'.join(levels)}")
        if library in chosen:
            raise TierError(f"{library} is capped twice in {spec!r}")
        chosen[library] = level
    return Tier(chosen.get("aten"), chosen.get("onednn"))


def check_below_cpu(tier: Tier) -> None:
    """Raises TierError if `tier` asks for an instruction set this CPU lacks (or cannot tell)."""
    check_against(tier, flags())


def check_against(tier: Tier, have: frozenset[str] | None) -> None:
    """Raises TierError if `tier` asks for an instruction set missing from the CPU flags `have`."""
    for library, level, levels in (("aten", tier.aten, ATEN_LEVELS), ("onednn", tier.onednn, ONEDNN_LEVELS)):
        if level is None or not levels[level]:
            continue
        if have is None:
            raise TierError(f"{library}={level}: this machine's CPU flags cannot be read, so only aten=default is safe")
        if missing := sorted(levels[level] - have):
            raise TierError(
                f"{library}={level} is above this CPU (it lacks {', '.join(missing)}; "
                f"its highest is {library}={highest(levels, have)})"
            )


def lowest(have: frozenset[str] | None) -> Tier:
    """The lowest tier .ci/run emulates: ATen's portable kernels, and oneDNN at AVX2 where the CPU has it."""
    onednn = "avx2" if have is not None and ONEDNN_LEVELS["avx2"] <= have else None
    return Tier("default", onednn)


def emulable(have: frozenset[str] | None) -> list[Tier]:
    """The tiers a CPU with the flags `have` can emulate, one library capped at a time, lowest first."""
    tiers = [Tier(aten=level) for level, needs in ATEN_LEVELS.items() if have is not None and needs <= have]
    tiers += [Tier(onednn=level) for level, needs in ONEDNN_LEVELS.items() if have is not None and needs <= have]
    return tiers


def caps_in_force(environ: Mapping[str, str] = os.environ) -> Tier:
    """The caps this process started with (whoever set them)."""
    onednn = next((environ[name] for name in ONEDNN_VARIABLES if environ.get(name)), None)
    aten = environ.get(ATEN_VARIABLE) or None
    return Tier(aten.lower() if aten else None, onednn.lower() if onednn else None)
