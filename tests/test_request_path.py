"""The request path as built, against the order docs/architecture.md gives it."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from careergate.runtime import Runtime
from careergate.settings import Settings
from conftest import gateway_settings

ARCHITECTURE = Path(__file__).resolve().parent.parent / "docs" / "architecture.md"


def _documented(section: str) -> list[str]:
    """The class names in the second column of a marked table, in order."""
    text = ARCHITECTURE.read_text()
    table = text.split(f"<!-- {section}:start -->")[1].split(f"<!-- {section}:end -->")[0]
    names = [
        re.findall(r"`(\w+)`", row.split("|")[2 if section == "request-path" else 1])
        for row in table.splitlines()[3:]
        if row.startswith("|")
    ]
    return [found[0] for found in names]


def _built(settings: Settings) -> tuple[list[str], list[str]]:
    async def main() -> tuple[list[str], list[str]]:
        async with await Runtime.start(settings) as runtime:
            gateway = runtime.gateway
            steps = [type(gateway.admission).__name__]
            steps += [type(step).__name__ for step in gateway.steps]
            settlers = [type(settler).__name__ for settler in gateway.settlement.settlers]
            return steps, settlers

    return asyncio.run(main())


def test_the_documented_steps_are_the_running_gateways_in_order(tmp_path: Path) -> None:
    steps, settlers = _built(gateway_settings(tmp_path, []))
    assert _documented("request-path") == steps
    assert _documented("settlement") == settlers
