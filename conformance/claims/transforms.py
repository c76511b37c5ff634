"""The torch.func transforms over the recurrent layers, through torch.func.functional_call."""

from __future__ import annotations
