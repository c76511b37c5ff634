"""The documented initialisation of every recurrent module: each parameter drawn from U(-sqrt(k), sqrt(k)),
k = 1/hidden_size (weight_hr included)."""

from __future__ import annotations

import math

import torch


class UniformInit(torch.nn.Module):
    hidden_size: int

    def init_range(self) -> tuple[float, float]:
        bound = 1.0 / math.sqrt(self.hidden_size)
        return -bound, bound

    def reset_parameters(self) -> None:
        low, high = self.init_range()
        with torch.no_grad():
            for p in self.parameters():
                p.uniform_(low, high)
