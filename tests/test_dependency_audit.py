"""``make lint``'s dependency audit: it fails on a known-vulnerable pin where PyPI's
vulnerability API answers, and says plainly that it was skipped where it does not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "audit_dependencies.py"


def _audit(requirements: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(requirements)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def vulnerable(tmp_path: Path) -> Path:
    pins = tmp_path / "requirements.lock"
    pins.write_text("requests==2.19.0\n")  # CVE-2018-18074, among others
    return pins


def test_without_the_vulnerability_api_the_audit_is_skipped_and_says_why(
    vulnerable: Path,
) -> None:
    # A proxy that refuses every connection: as on a machine that reaches no PyPI at all.
    done = _audit(vulnerable, HTTPS_PROXY="http://127.0.0.1:1", NO_PROXY="", no_proxy="")
    assert done.returncode == 0
    assert "pip-audit SKIPPED" in done.stdout
    assert "were not audited" in done.stdout


def test_a_known_vulnerable_pin_fails_the_audit(vulnerable: Path) -> None:
    done = _audit(vulnerable)
    if "pip-audit SKIPPED" in done.stdout:
        pytest.skip(f"PyPI's vulnerability API is unavailable here: {done.stdout.strip()}")
    assert done.returncode != 0
    assert "requests" in done.stdout + done.stderr
