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


_DECLARED_ONLY = """
import importlib, pkgutil, sys
from importlib import metadata
from packaging.requirements import Requirement

def runtime_closure():
    # careergate's [project] dependencies and theirs, extras named included
    # ("sqlalchemy[asyncio]" brings greenlet), as `pip install careergate` installs them.
    allowed, todo = set(), [(r, "") for r in metadata.requires("careergate") or []]
    while todo:
        text, extra = todo.pop()
        requirement = Requirement(text)
        if requirement.marker and not requirement.marker.evaluate({"extra": extra}):
            continue
        name = requirement.name.lower().replace("_", "-")
        wanted = {(name, e) for e in requirement.extras | {""}}
        for key in wanted - allowed:
            allowed.add(key)
            try:
                todo.extend((r, key[1]) for r in metadata.requires(key[0]) or [])
            except metadata.PackageNotFoundError:
                pass
    return {name for name, _ in allowed}

allowed = runtime_closure() | {"careergate"}
owners = metadata.packages_distributions()
blocked = {
    top for top, dists in owners.items()
    if not {d.lower().replace("_", "-") for d in dists} & allowed
}

class Undeclared:
    # Import as an install without the dev extras would: those modules are absent
    # (a library's optional import falls back, as it would there).
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Undeclared())
import careergate
TEST_KIT, MIGRATIONS = "careergate.testing", "careergate.storage.migrations."
failed = []
for module in pkgutil.walk_packages(careergate.__path__, "careergate."):
    name = module.name
    if name.endswith("__main__") or name.startswith((TEST_KIT, MIGRATIONS)):
        continue
    try:
        importlib.import_module(name)
    except ImportError as exc:
        failed.append(f"{name}: {exc}")
print("\\n".join(failed))
"""


def test_every_product_module_imports_with_only_the_declared_dependencies() -> None:
    """The image and a plain ``pip install careergate`` have the ``[project]``
    dependencies only: a product module importing a dev tool fails there, not here."""
    done = subprocess.run(
        [sys.executable, "-c", _DECLARED_ONLY], check=True, capture_output=True, text=True
    )
    assert done.stdout.strip() == ""
