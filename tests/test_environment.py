"""Guards of the test environment itself."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch


def test_installed_torch_is_the_one_the_tox_env_names() -> None:
    expected = os.environ.get("TORCH_EXPECTED")
    if not expected:
        pytest.skip("TORCH_EXPECTED is not set (it is set by the tox envs)")
    assert torch.__version__.startswith(expected + "."), f"the env expects torch {expected}, found {torch.__version__}"


def test_reference_imports_without_torch() -> None:
    """The oracle must stay independent of what it judges: it imports with torch blocked."""
    code = "import sys; sys.modules['torch'] = None; import reference; print(sorted(reference.__all__)[0])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, f"reference/ needs torch to import:\n{result.stderr}"
