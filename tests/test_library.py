"""The library face: README's example runs as written, in a process of its own, against
the sandbox upstream (careergate's fake OpenAI on loopback, offline)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from careergate.security.master_key import MasterKey
from conftest import cli_env, run_cli

README = Path(__file__).resolve().parent.parent / "README.md"


def library_example() -> str:
    """The Python block of README's "Use it as a library" section."""
    section = README.read_text().split("## Use it as a library", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert found is not None, "README's library section has no Python example"
    return found.group(1)


def test_the_readme_library_example_runs_against_the_sandbox_upstream(tmp_path: Path) -> None:
    env = cli_env(
        CAREERGATE_DATA_DIR=str(tmp_path / "data"),
        CAREERGATE_MASTER_KEY=MasterKey.generate().to_base64(),
        CAREERGATE_PRIVACY_MODE="off",  # the privacy step has tests of its own
    )
    run_cli(env, "db", "init")
    created = run_cli(env, "keys", "create", "--user", "u1", "--json").stdout
    env["CAREERGATE_KEY"] = str(json.loads(created)["key"])
    example = tmp_path / "example.py"
    example.write_text(library_example())
    done = subprocess.run(
        [sys.executable, str(example)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    reply, skills = done.stdout.strip().splitlines()[-2:]
    assert reply, done.stdout  # the sandbox's deterministic answer
    assert "Python" in skills
    assert "SQL" in skills


def test_the_root_package_loads_its_entry_points_on_first_use() -> None:
    code = (
        "import sys, careergate;"
        "before = {m for m in sys.modules if m.startswith('careergate.')};"
        "careergate.open_gateway;"
        "print(sorted(before), 'careergate.runtime' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[] True"


def test_the_root_package_names_the_library_entry_points() -> None:
    import careergate
    from careergate.errors import GatewayError
    from careergate.library import LocalGateway, open_gateway
    from careergate.runtime import Runtime
    from careergate.settings import Settings

    assert (careergate.open_gateway, careergate.LocalGateway) == (open_gateway, LocalGateway)
    assert (careergate.Settings, careergate.Runtime) == (Settings, Runtime)
    assert careergate.GatewayError is GatewayError
    assert set(careergate.__all__) <= set(dir(careergate))
