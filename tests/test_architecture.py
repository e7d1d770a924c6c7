"""The product does not depend on its test kit: ``careergate.testing`` builds on the product
(the sandbox upstream), never the other way round."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import careergate

PACKAGE = Path(careergate.__file__).parent
TEST_KIT = "careergate.testing"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(source: str, package: str) -> Iterator[str]:
    """Every module ``source`` (a module of ``package``) imports, relative imports resolved,
    ``from a import b`` as both ``a`` and ``a.b`` (``b`` may be a module)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _imported_by(path: Path) -> Iterator[str]:
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    return _imported(path.read_text(encoding="utf-8"), package)


def _is_test_kit(name: str) -> bool:
    return name == TEST_KIT or name.startswith(TEST_KIT + ".")


def test_no_product_module_imports_the_test_kit() -> None:
    kit = PACKAGE / "testing"
    offenders = sorted(
        f"{path.relative_to(PACKAGE.parent)} imports {name}"
        for path in PACKAGE.rglob("*.py")
        if kit not in path.parents
        for name in _imported_by(path)
        if _is_test_kit(name)
    )
    assert offenders == []


def test_the_import_check_sees_every_form_of_import() -> None:
    """The check above would pass vacuously if it missed a form; each one here is caught."""
    forms = [
        "import careergate.testing",
        "import careergate.testing.pytest_plugin as plugin",
        "from careergate.testing import FakeOpenAI",
        "from careergate import testing",
        "from ..testing import FakeOpenAI",
        "from .. import testing",
        "def lazily():\n    from careergate.testing import FakeOpenAI",
    ]
    for form in forms:
        assert any(_is_test_kit(name) for name in _imported(form, "careergate.cli")), form
    assert not any(_is_test_kit(n) for n in _imported("from . import testing", "careergate.cli"))


def test_importing_the_sandbox_loads_no_test_dependency() -> None:
    """``careergate serve`` builds its sandbox upstream without the test kit or test tools."""
    probe = "import sys, careergate.sandbox\nprint('\\n'.join(sorted(m for m in sys.modules)))\n"
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", probe], check=True, capture_output=True, text=True
        ).stdout.split()
    )
    test_only = {TEST_KIT, "pytest", "_pytest", "openai", "hypothesis", "schemathesis"}
    assert loaded & test_only == set()
    assert "careergate.sandbox.server" in loaded
