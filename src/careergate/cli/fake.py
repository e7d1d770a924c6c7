"""``careergate fake-upstream``: the fake OpenAI server, for benchmarks and manual tests."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated

import typer

from careergate.cli import flags
from careergate.cli.common import err_console
from careergate.cli.ports import ensure_free

if TYPE_CHECKING:
    from careergate.sandbox import Fault

FAULT_FORMS = "STATUS:RATE (503:0.1) or latency=SECONDS:RATE (latency=0.5:0.2), RATE from 0 to 1"


def _parse_rate(spec: str, retry_after: float | None) -> tuple[Fault, float]:
    """``503:0.1`` -> 10% of requests answered 503; ``latency=0.5:0.2`` -> 20% wait 0.5 s."""
    from careergate.sandbox import Fault

    refusal = typer.BadParameter(
        f"expects {FAULT_FORMS}; got {spec!r}", param_hint="'--fault-rate'"
    )
    what, _, rate_text = spec.partition(":")
    try:
        rate = float(rate_text)
        if what.startswith("latency="):
            delay = float(what.removeprefix("latency="))
            fault, valid = Fault(delay=delay), math.isfinite(delay) and delay >= 0
        else:
            status = int(what)
            fault, valid = Fault(status=status, retry_after=retry_after), 100 <= status <= 599
    except ValueError:
        raise refusal from None
    if not valid or not 0 <= rate <= 1:
        raise refusal
    return fault, rate


def fake_upstream(
    port: Annotated[int, typer.Option(parser=flags.PORT, help="Port to listen on.")] = 8081,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    fault_rate: Annotated[
        list[str] | None,
        typer.Option("--fault-rate", help="STATUS:RATE or latency=SECONDS:RATE; repeatable."),
    ] = None,
    retry_after: Annotated[
        float | None,
        typer.Option(
            parser=flags.number(0, 3600, unit="seconds", above_minimum=False),
            help="retry-after seconds sent with injected errors.",
        ),
    ] = None,
    api_key: Annotated[str | None, typer.Option(help="Require this key (default: any).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the fault draws.")] = 0,
) -> None:
    """Serve the fake OpenAI API (deterministic answers, exact usage, injected faults)."""
    from careergate.sandbox import FakeOpenAI

    faults = [_parse_rate(spec, retry_after) for spec in fault_rate or []]
    ensure_free(host, port, "--port")
    fake = FakeOpenAI(host=host, port=port, api_key=api_key, seed=seed)
    for fault, rate in faults:
        fake.faults.add_rate(fault, rate)
    err_console.print(f"fake OpenAI listening on {fake.base_url} (control: POST /_fake/faults)")
    fake.serve_forever()
