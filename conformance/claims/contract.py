"""The generic module contract: what torch promises of every nn.Module, judged on the recurrent layers."""

from __future__ import annotations
