"""``careergate fake-upstream``: the fake OpenAI server, for benchmarks and manual tests."""

from __future__ import annotations

from typing import Annotated

import typer

from careergate.cli.common import err_console
from careergate.sandbox import FakeOpenAI, Fault


def _parse_rate(spec: str, retry_after: float | None) -> tuple[Fault, float]:
    """``503:0.1`` -> 10% of requests answered 503; ``latency=0.5:0.2`` -> 20% wait 0.5 s."""
    what, _, rate = spec.partition(":")
    if not rate:
        raise typer.BadParameter(f"{spec!r}: expected STATUS:RATE or latency=SECONDS:RATE")
    if what.startswith("latency="):
        return Fault(delay=float(what.removeprefix("latency="))), float(rate)
    return Fault(status=int(what), retry_after=retry_after), float(rate)


def fake_upstream(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8081,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    fault_rate: Annotated[
        list[str] | None,
        typer.Option("--fault-rate", help="STATUS:RATE or latency=SECONDS:RATE; repeatable."),
    ] = None,
    retry_after: Annotated[
        float | None, typer.Option(help="retry-after seconds sent with injected errors.")
    ] = None,
    api_key: Annotated[str | None, typer.Option(help="Require this key (default: any).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the fault draws.")] = 0,
) -> None:
    """Serve the fake OpenAI API (deterministic answers, exact usage, injected faults)."""
    fake = FakeOpenAI(host=host, port=port, api_key=api_key, seed=seed)
    for spec in fault_rate or []:
        fault, rate = _parse_rate(spec, retry_after)
        fake.faults.add_rate(fault, rate)
    err_console.print(f"fake OpenAI listening on {fake.base_url} (control: POST /_fake/faults)")
    fake.serve_forever()
