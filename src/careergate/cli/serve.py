"""``careergate serve``: run the gateway."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.panel import Panel

from careergate.audit.log import Actor
from careergate.auth.permissions import KeySpec
from careergate.auth.principal import Role
from careergate.cli import flags
from careergate.cli.common import first_line, load_settings, run, safe_url, with_database
from careergate.cli.guard import CliFailure
from careergate.cli.ports import ensure_free
from careergate.config.deployments import load_gateway_config
from careergate.observability.logs import configure_logging
from careergate.observability.metrics import MULTIPROCESS_DIR
from careergate.settings import Settings
from careergate.state import key_admin
from careergate.storage.database import Database
from careergate.upstream.providers import provider_for

console = Console(stderr=True)


async def _first_admin_key(settings: Settings) -> str | None:
    """Create an admin key if none exists; its secret, to be shown once."""

    async def work(database: Database) -> str | None:
        admin = await key_admin(settings, database)
        if await admin.keys.count_active(Role.ADMIN):
            return None
        spec = KeySpec(role=Role.ADMIN, name="first admin key")
        created = await admin.create(Actor.command_line(), spec)
        return created.secret

    # ``serve`` is how a data directory comes to be: it creates what is missing.
    return await with_database(settings, work, master_key=True, create=True)


def _announce(settings: Settings, admin_secret: str | None, sandbox: bool) -> None:
    scheme = "https" if settings.serves_tls else "http"
    base = f"{scheme}://{settings.host}:{settings.port}"
    if sandbox:
        console.print(
            Panel(
                "No upstream is configured (OPENAI_API_KEY, OPENAI_BASE_URL, AZURE_OPENAI_ENDPOINT "
                "or a config file).\nAnswers come from careergate's [bold]fake OpenAI[/bold], not "
                "a real model. Responses carry the header x-careergate-sandbox: true.",
                title="[bold red]SANDBOX MODE[/bold red]",
                border_style="red",
            )
        )
    if admin_secret is None:
        console.print(
            f"careergate serving at [bold]{base}/v1[/bold]. Create keys with "
            "[bold]careergate keys create --user USER --json[/bold]."
        )
        return
    # Plain lines, not a panel: the key and the call must survive copy and paste.
    print(f"\ncareergate is serving at {base}/v1", flush=True)
    print(f"Admin key (shown once, store it now): {admin_secret}\n", flush=True)
    print("Try it:", flush=True)
    print(
        f"curl {base}/v1/chat/completions -H 'Authorization: Bearer {admin_secret}' "
        "-H 'Content-Type: application/json' -d "
        '\'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello"}]}\'\n',
        flush=True,
    )


def _share_metrics(directory: Path) -> None:
    """Have the workers' metrics written to files that a scrape of any worker adds up.

    Emptied at start: the files of an earlier run would count twice.
    """
    if os.environ.get(MULTIPROCESS_DIR):
        return  # the operator chose the directory
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    os.environ[MULTIPROCESS_DIR] = str(directory)


def _reach_redis(url: str) -> None:
    """A Redis named (``CAREERGATE_REDIS_URL``) but out of reach ends the command in one
    line, its password never shown, before anything serves: the gateways' shared state
    lives there."""
    import redis
    from redis.exceptions import RedisError

    try:
        with redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5) as shared:
            shared.ping()
    except (RedisError, OSError) as error:
        raise CliFailure(f"cannot reach Redis at {safe_url(url)}: {first_line(error)}") from None


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[
        int | None, typer.Option(parser=flags.PORT, help="Port to listen on (1 to 65535).")
    ] = None,
    workers: Annotated[
        int, typer.Option(parser=flags.whole_number(1, 256), help="Worker processes.")
    ] = 1,
    config: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="YAML config file.")
    ] = None,
    ssl_certfile: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Serve TLS with this PEM certificate."),
    ] = None,
    ssl_keyfile: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="The certificate's PEM private key."),
    ] = None,
) -> None:
    """Start the OpenAI-compatible gateway."""
    # Worker processes read their settings from the environment; put the options there.
    for name, value in (
        ("HOST", host),
        ("PORT", port),
        ("CONFIG", config),
        ("SSL_CERTFILE", ssl_certfile),
        ("SSL_KEYFILE", ssl_keyfile),
    ):
        if value is not None:
            os.environ[f"CAREERGATE_{name}"] = str(value)
    settings = load_settings()
    ensure_free(settings.host, settings.port, "--port")
    if settings.redis_url:
        _reach_redis(settings.redis_url)
    configure_logging(settings.log_format, settings.log_level)
    if workers > 1:
        _share_metrics(settings.data_dir / "metrics")
    deployments = load_gateway_config(settings.config, settings.upstream_env).deployments
    for deployment in deployments:
        provider_for(deployment)  # a deployment no upstream can be built from fails here
    sandbox = not deployments
    admin_secret = run(lambda: _first_admin_key(settings))
    _announce(settings, admin_secret, sandbox)
    from careergate.http.protocol import GatewayHttpProtocol

    uvicorn.run(
        "careergate.http.app:app_factory",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        loop="uvloop",
        http=GatewayHttpProtocol,  # httptools, a response's head and body in one write
        log_config=None,
        access_log=False,
        # X-Forwarded-For is believed only from the proxies named in the settings.
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=settings.forwarded_allow_ips,
        ssl_certfile=settings.ssl_certfile,
        ssl_keyfile=settings.ssl_keyfile,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        timeout_worker_healthcheck=settings.worker_healthcheck_seconds,
    )
