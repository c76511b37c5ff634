"""Switches that decide how float32 is computed on a device: TF32 on or off, cuDNN or native kernels."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def tf32(allowed: bool) -> Iterator[None]:
    """Allow or forbid TF32 in CUDA matmuls and cuDNN, through whichever API this torch provides."""
    matmul, cudnn = torch.backends.cuda.matmul, torch.backends.cudnn
    if _has_fp32_precision(matmul) and _has_fp32_precision(cudnn):
        saved = matmul.fp32_precision, cudnn.fp32_precision
        matmul.fp32_precision = cudnn.fp32_precision = "tf32" if allowed else "ieee"
        try:
            yield
        finally:
            matmul.fp32_precision, cudnn.fp32_precision = saved
        return
    saved_flags = matmul.allow_tf32, cudnn.allow_tf32
    matmul.allow_tf32 = cudnn.allow_tf32 = allowed
    try:
        yield
    finally:
        matmul.allow_tf32, cudnn.allow_tf32 = saved_flags


def _has_fp32_precision(backend: object) -> bool:
    """Whether this torch has the fp32_precision API (2.9+); older ones raise AssertionError for it."""
    try:
        _ = backend.fp32_precision  # type: ignore[attr-defined]
    except (AttributeError, AssertionError):
        return False
    return True


@contextmanager
def kernels(kind: str | None) -> Iterator[None]:
    """Run with cuDNN enabled ("cudnn"), disabled ("native"), or as torch chooses (None)."""
    if kind is None:
        yield
        return
    with torch.backends.cudnn.flags(enabled=kind == "cudnn"):
        yield


def kernel_choices(device: str) -> list[str | None]:
    """CUDA runs every claim with cuDNN and with the native kernels; other devices have one path."""
    return ["cudnn", "native"] if torch.device(device).type == "cuda" else [None]
