"""The composition root: builds careergate's parts from settings, starts and stops them.

The HTTP app, the CLI and in-process library users all get their parts from here, so
each part is constructed in exactly one place and nothing is wired through globals.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from types import TracebackType
from typing import Any, Self

from careergate.audit.log import AuditLog
from careergate.auth.admin import KeyAdmin
from careergate.auth.authenticator import Authenticator
from careergate.auth.platform_tokens import TokenVerifier
from careergate.auth.sessions import SessionKeeper
from careergate.auth.store import KeyStore
from careergate.background import repeat_every
from careergate.batches.files import FileService
from careergate.batches.follower import BatchFollower
from careergate.batches.holds import BatchHolds
from careergate.batches.intake import IntakeLimits, LineChecks
from careergate.batches.metering import BatchMeter
from careergate.batches.plan import Plans
from careergate.batches.service import BatchService
from careergate.batches.store import BatchStore
from careergate.batches.upstream import BatchUpstream
from careergate.budgets.ledger import BudgetLedger
from careergate.budgets.owners import LeaseOwner
from careergate.budgets.reaper import LeaseReaper
from careergate.cache.config import CacheConfig
from careergate.cache.detached import cache_keys
from careergate.cache.erasures import ErasureFollower
from careergate.cache.key_terms import KeyTerms, occupation_words
from careergate.cache.memory import MemoryStore
from careergate.cache.policy import CachePolicy
from careergate.cache.redis_store import RedisStore
from careergate.cache.response_cache import ResponseCache
from careergate.cache.semantic import SemanticIndex
from careergate.cache.store import CacheStore
from careergate.config.deployments import (
    ConfigError,
    DeploymentConfig,
    GatewayConfig,
    load_gateway_config,
)
from careergate.core.admission import Admission
from careergate.core.gateway import Gateway
from careergate.core.settlement import (
    ChargeBudgets,
    CountMetrics,
    LogRequest,
    Settlement,
    Settler,
    WatchPerformance,
    WriteRecords,
)
from careergate.core.steps import (
    BoundRequest,
    ChargeTokens,
    ChooseModel,
    Forward,
    KeepConversation,
    KeepSecrets,
    LimitRate,
    LookUpCache,
    ProtectPersonalData,
    ReserveBudget,
    RouteCall,
    Step,
)
from careergate.core.steps.reserve import ExtendLease
from careergate.core.stored_responses import StoredResponses
from careergate.core.worst_cost import WorstCost
from careergate.errors import NameModelUnavailable, NotFound
from careergate.features.service import FeatureService
from careergate.governance.retention import purge_forever
from careergate.models.aliases import AliasTable, configured
from careergate.models.chooser import ModelChooser
from careergate.models.deprecations import upcoming_shutdowns
from careergate.models.listing import ModelListing
from careergate.models.policy import PolicyBook
from careergate.models.snapshots import SnapshotCatalogue
from careergate.observability.alerts import Alert, AlertCenter
from careergate.observability.fleet import FleetPerformance
from careergate.observability.key_monitor import KeyMonitor
from careergate.observability.logs import RequestLog
from careergate.observability.metrics import GatewayMetrics
from careergate.observability.performance import PerformanceMonitor
from careergate.pricing.catalogue import PriceCatalogue
from careergate.privacy.detector import PiiDetector
from careergate.privacy.names import NameFinder
from careergate.privacy.policy import PrivacyConfig, PrivacyPolicy
from careergate.privacy.shield import HANDLED, PrivacyShield
from careergate.privacy.subject_directory import SubjectDirectory
from careergate.ratelimit.limiter import RateLimiter
from careergate.ratelimit.request_cap import RequestCap
from careergate.ratelimit.rules import RuleBook
from careergate.records.buffer import BufferedWriter, RecordSink
from careergate.records.calls import CallRecord
from careergate.records.journal import JournalOwner
from careergate.records.kinds import AUDIT, CALL, USAGE, RecordKind
from careergate.records.offloaded import OffloadedWriter
from careergate.records.process import RecordProcess
from careergate.records.replay import adopt
from careergate.records.wire import ChildConfig
from careergate.reports.rollup import roll_up_forever
from careergate.security.prompt_secrets import PromptSecrets, SecretsPolicy
from careergate.security.secrets import SecretScanner
from careergate.settings import PrivacyMode, Settings
from careergate.state import alert_center as alert_center  # built there; found here too
from careergate.state import envelope as envelope
from careergate.state import key_admin as key_admin
from careergate.state import key_store as key_store
from careergate.state import master_key as master_key
from careergate.state import open_database as open_database
from careergate.state import vault as vault
from careergate.storage.database import Database
from careergate.tasks.queue import TaskQueue
from careergate.tasks.recovery import Recovery
from careergate.tasks.runner import WEBHOOK_KEY, ItemRunner, TaskEnds
from careergate.tasks.service import TaskService
from careergate.tasks.store import TaskStore
from careergate.tasks.webhooks import WebhookSender
from careergate.tasks.workers import TaskWorkers
from careergate.tokenizer import TokenCounter
from careergate.upstream.breaker_metrics import BreakerCollector
from careergate.upstream.client import UpstreamClient
from careergate.upstream.failover import Failover
from careergate.upstream.health import HealthBoard
from careergate.upstream.keyring import KeyRing
from careergate.upstream.probes import probe_forever
from careergate.upstream.retry import RetryPolicy
from careergate.upstream.router import Router
from careergate.upstream.shared_health import SharedBreakers
from careergate.upstream.tls import UpstreamTls
from careergate.usage.checks import UsageCheck
from careergate.vault.conversations import Conversations
from careergate.vault.store import Vault

log = logging.getLogger("careergate")
NAME_MODEL_START_SECONDS = 30.0
"""How long start-up waits for the name model (a second or two as a rule): one that
hangs leaves the gateway to start without it, not to be restarted by its orchestrator."""


async def session_keeper(settings: Settings, database: Database, keys: KeyStore) -> SessionKeeper:
    """Dashboard sessions, signed with a key sealed in the vault: every replica sharing
    the database signs and checks with the same one, and none is ever configured."""
    signing_key = await vault(settings, database).internal_secret("dashboard-session")
    lifetime = timedelta(hours=settings.dashboard.session_hours)
    return SessionKeeper(keys, database, signing_key, lifetime)


@dataclass
class Runtime:
    """Everything a running gateway needs. Use ``async with Runtime.start(settings)``."""

    settings: Settings
    database: Database
    keys: KeyStore
    auth: Authenticator
    router: Router
    upstream: UpstreamClient
    gateway: Gateway
    models: ModelListing
    admin: KeyAdmin
    alerts: AlertCenter
    monitor: KeyMonitor
    metrics: GatewayMetrics
    health: HealthBoard
    privacy: PrivacyShield
    conversations: Conversations
    stored_responses: StoredResponses
    admin_cap: RequestCap
    cache: ResponseCache | None
    """The response cache (``None``: turned off in the config file)."""
    budgets: BudgetLedger
    prices: PriceCatalogue
    features: FeatureService
    """The platform features, over this gateway's request path (ESCO and the embedder
    load on first use, once for the HTTP API, the library and the tasks alike)."""
    tasks: TaskService
    files: FileService
    """The Files API: batch inputs checked and sent where they run; outputs restored."""
    batches: BatchService
    """The Batch API: batches on upstreams' Batch APIs or run here, followed and metered."""
    performance: FleetPerformance
    """The latency and error objectives, judged over every process's requests."""
    sessions: SessionKeeper
    """Dashboard sessions."""
    _stack: AsyncExitStack

    @classmethod
    async def start(cls, settings: Settings, owner_kind: str = "gateway") -> Runtime:
        """Everything started; ``owner_kind`` names what this process is as the owner
        of budget leases (``gateway``, or ``worker`` for ``careergate worker``)."""
        stack = AsyncExitStack()
        try:
            return await cls._build(settings, stack, owner_kind)
        except BaseException:
            await stack.aclose()
            raise

    @classmethod
    async def _build(cls, settings: Settings, stack: AsyncExitStack, owner_kind: str) -> Runtime:
        database = await open_database(settings)
        stack.push_async_callback(database.close)
        keys = await key_store(settings, database)
        config = load_gateway_config(settings.config, settings.upstream_env)
        alerts = alert_center(settings, database)
        stack.push_async_callback(alerts.close)
        prices = PriceCatalogue.shipped(config.prices)
        metrics = GatewayMetrics(known_model=lambda model: prices.price(model) is not None)
        performance = PerformanceMonitor(settings.objectives, alerts)
        every = settings.objectives.check_seconds
        fleet = FleetPerformance(database, performance, every)
        _run_until_closed(stack, _watch_performance(fleet, every))
        watch = Watchers(alerts, metrics, performance)
        upstreams = await _start_upstreams(config, settings, database, watch, stack)
        monitor = KeyMonitor(database, keys, alerts, settings.alerts)
        _start_housekeeping(settings, database, monitor, stack)
        auth = Authenticator(keys, await _token_verifier(settings))
        chooser = await _model_chooser(
            config, upstreams.router, prices, database, upstreams.health, settings
        )
        if chooser.aliases is not None:
            stack.push_async_callback(chooser.aliases.close)
        _run_until_closed(stack, _watch_models(chooser, upstreams.router, config, alerts))
        limiter = _rate_limiter(settings, database, RuleBook(config.rate_limits))
        stack.push_async_callback(limiter.close)
        privacy = await _privacy_shield(
            _privacy_config(config, settings), vault(settings, database), stack
        )
        conversations = Conversations(vault(settings, database), settings.retention.responses_days)
        canonical = chooser.snapshots.canonical
        cache = await response_cache(config.cache, settings, database, stack, canonical)
        parts = PathParts(
            auth,
            upstreams,
            chooser,
            limiter,
            privacy,
            SecretsPolicy.from_config(config.secrets),
            prices,
            metrics,
            performance,
            await _start_budgets(settings, database, alerts, stack, owner_kind),
            conversations,
            await _start_writers(database, settings, stack),
            _request_log(settings, stack),
            cache,
        )
        gateway = request_path(settings, parts)
        tasks = await _task_service(settings, database, parts, stack)
        return cls(
            settings,
            database,
            keys,
            auth,
            upstreams.router,
            upstreams.upstream,
            gateway,
            ModelListing(upstreams.router, upstreams.upstream),
            KeyAdmin(keys, AuditLog(database)),
            alerts,
            monitor,
            metrics,
            upstreams.health,
            privacy,
            conversations,
            StoredResponses(
                auth, conversations, upstreams.router, upstreams.upstream, upstreams.secrets
            ),
            RequestCap(limiter.stores, "admin", settings.admin_rpm),
            cache,
            parts.budgets,
            prices,
            _feature_service(settings, gateway, upstreams.router.sandboxed),
            tasks,
            *_batch_services(settings, database, parts, tasks, stack),
            fleet,
            await session_keeper(settings, database, keys),
            stack,
        )

    async def start_task_workers(self, count: int) -> TaskWorkers:
        """``count`` threads running task items in this process, until it closes."""
        tasks = self.tasks
        runner = ItemRunner(
            tasks.store,
            tasks.ends,
            self.gateway.run,
            self.features,
            self.prices,
            self.settings.tasks,
        )
        stale = self.settings.lease_stale_seconds
        recovery = Recovery(
            tasks.store, tasks.queue, tasks.ends, self.settings.tasks, stale, runner.in_hand
        )
        workers = TaskWorkers(tasks.queue, runner, recovery, self.settings.tasks, count)
        await workers.start()
        self._stack.push_async_callback(workers.close)  # before the rest closes
        return workers

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The event loop it runs on (handing it over spares a system call per lookup)."""
        return self.upstream.loop

    async def close(self) -> None:
        await self._stack.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


@dataclass(frozen=True)
class Watchers:
    """What is told of upstream events: alerts (a breaker opened), metrics and the
    performance objectives (how long each answer took)."""

    alerts: AlertCenter
    metrics: GatewayMetrics
    performance: PerformanceMonitor

    def answered(self, deployment: str, seconds: float) -> None:
        self.metrics.observe_upstream(deployment, seconds)
        self.performance.observe_upstream(deployment, seconds)


@dataclass(frozen=True)
class Upstreams:
    """Where model calls go: deployments and their routes, health, and the client."""

    router: Router
    health: HealthBoard
    upstream: UpstreamClient
    secrets: SecretScanner
    """The secret detector that knows every upstream key in use."""


@dataclass(frozen=True)
class PathParts:
    """The started parts the request path is made of."""

    auth: Authenticator
    upstreams: Upstreams
    chooser: ModelChooser
    limiter: RateLimiter
    privacy: PrivacyShield
    secrets: SecretsPolicy
    prices: PriceCatalogue
    metrics: GatewayMetrics
    performance: PerformanceMonitor
    budgets: BudgetLedger
    conversations: Conversations
    records: RecordSink[CallRecord]
    """Each request's usage record and audit entry."""
    request_log: RequestLog
    cache: ResponseCache | None


def request_path(settings: Settings, parts: PathParts) -> Gateway:
    """The gateway: admission, then the steps in the order every request takes them, and
    what settles each request. docs/architecture.md lists the same steps in this order
    (a test checks it)."""
    counter = TokenCounter()
    upstreams, snapshots = parts.upstreams, parts.chooser.snapshots

    def context_window(model: str) -> int | None:
        info = snapshots.info(model)  # unknown: perhaps larger, so worth trying
        return info.context_window if info else None

    failover = Failover(upstreams.health, settings.timeouts.attempt, context_window=context_window)
    steps: list[Step] = [
        ChooseModel(parts.chooser),
        BoundRequest(snapshots, settings.max_choices),
        LimitRate(parts.limiter, counter),
        RouteCall(upstreams.router, parts.chooser),
        KeepConversation(parts.conversations),
        KeepSecrets(PromptSecrets(parts.secrets, upstreams.secrets)),
        ProtectPersonalData(parts.privacy),
        LookUpCache(parts.cache, snapshots, parts.conversations),
        ChargeTokens(),
        ReserveBudget(
            parts.budgets,
            WorstCost(parts.prices, snapshots, counter, settings.budget_max_output_tokens),
        ),
        Forward(
            upstreams.upstream,
            failover,
            UsageCheck(counter),
            snapshots.facts,
            upstreams.secrets,
            settings.budget_max_output_tokens,
            ExtendLease(parts.budgets, parts.prices),
        ),
    ]
    settlers: list[Settler] = [
        WriteRecords(parts.records),
        CountMetrics(parts.metrics),
        WatchPerformance(parts.performance),
        ChargeBudgets(parts.budgets),
        LogRequest(parts.request_log),
    ]
    admission = Admission(parts.auth, settings.timeouts.total, upstreams.secrets)
    return Gateway(admission, steps, Settlement(parts.prices, settlers))


def cache_store(config: CacheConfig, settings: Settings) -> CacheStore:
    """Redis when the settings name one (every process and replica shares it), else
    this process's memory."""
    if settings.redis_url:
        return RedisStore(settings.redis_url)
    return MemoryStore(config.max_bytes)


async def response_cache(
    config: CacheConfig,
    settings: Settings,
    database: Database,
    stack: AsyncExitStack,
    canonical: Callable[[str], str],
) -> ResponseCache | None:
    """The response cache the config file describes (``None`` when it turns it off),
    following the erasures other processes write; ``canonical``: the snapshot a model
    name stands for."""
    if not config.enabled and not any(
        rule.enabled for rule in (*config.models.values(), *config.features.values())
    ):
        return None
    semantic = None
    if config.semantic.enabled:
        from careergate.features.embeddings import E5Embedder

        semantic = SemanticIndex(
            E5Embedder(),
            config.semantic.threshold,
            config.semantic.max_entries,
            semantic_key_terms(),
        )
    cache = ResponseCache(
        CachePolicy(config, canonical),
        cache_keys(settings),
        cache_store(config, settings),
        semantic,
    )
    stack.push_async_callback(cache.close)
    follower = ErasureFollower(database, cache.forget_here)
    stack.push_async_callback(follower.close)
    await follower.start()
    return cache


@cache
def semantic_key_terms() -> KeyTerms:
    """The semantic cache's key terms, with the skill taxonomies the features read skills
    with (ESCO, Lightcast, the curated aliases): read once per process."""
    from careergate.features.documents import Segment
    from careergate.features.extraction.finder import SkillFinder

    finder = SkillFinder.shipped()

    def skills(text: str) -> list[tuple[int, str]]:
        return [(found.start, found.skill.uri) for found in finder.find([Segment("q", text)])]

    return KeyTerms(skills, occupation_words())


async def _start_upstreams(
    config: GatewayConfig,
    settings: Settings,
    database: Database,
    watch: Watchers,
    stack: AsyncExitStack,
) -> Upstreams:
    """The deployments (the sandbox when none is configured), their breakers, upstream
    keys and client, and the probes that watch their health."""
    deployments = config.deployments or [await _start_sandbox(stack)]
    router = Router(deployments, config.fallbacks)
    alerts = watch.alerts
    health = HealthBoard(
        [d.name for d in router.deployments],
        settings.breaker,
        on_answer=watch.answered,
        on_open=lambda deployment, reason: alerts.raise_soon(
            Alert(
                "upstream_breaker_open",
                deployment,
                f"Deployment '{deployment}' is failing and is skipped for now: {reason}.",
            )
        ),
    )
    keyring = KeyRing(
        router.deployments,
        vault(settings, database),
        alert=lambda kind, subject, message: alerts.raise_soon(Alert(kind, subject, message)),
        refresh_seconds=settings.vault_refresh_seconds,
        secrets=SecretScanner(),
    )
    watch.metrics.include(BreakerCollector(health))
    await keyring.start()
    stack.push_async_callback(keyring.close)
    upstream = UpstreamClient(
        settings.timeouts,
        RetryPolicy.from_settings(settings.retry),
        keyring,
        UpstreamTls(settings.upstream_ca_file, deployments),
    )
    await upstream.start()
    stack.push_async_callback(upstream.close)
    _run_until_closed(stack, probe_forever(router.deployments, upstream, health))
    if settings.redis_url:
        shared = SharedBreakers(health, settings.redis_url)
        await shared.start()
        stack.push_async_callback(shared.close)
    return Upstreams(router, health, upstream, keyring.secrets)


def _run_until_closed(stack: AsyncExitStack, work: Coroutine[Any, Any, None]) -> None:
    """Run ``work`` in the background until the runtime closes."""
    task = asyncio.create_task(work)
    stack.callback(task.cancel)


def _start_housekeeping(
    settings: Settings, database: Database, monitor: KeyMonitor, stack: AsyncExitStack
) -> None:
    """Key alert rules, the daily usage rollup and the retention purge, in the background."""
    _run_until_closed(stack, _watch_keys(monitor, settings.alerts.check_seconds))
    _run_until_closed(stack, roll_up_forever(database, settings.rollup_seconds))
    _run_until_closed(stack, purge_forever(database, settings.retention, settings.dead_letter_dir))


async def _token_verifier(settings: Settings) -> TokenVerifier | None:
    """The platform's token verifier, its keys loaded, when JWTs are configured."""
    if not settings.jwt.enabled:
        return None
    verifier = TokenVerifier(settings.jwt)
    await verifier.load()
    return verifier


async def _start_budgets(
    settings: Settings,
    database: Database,
    alerts: AlertCenter,
    stack: AsyncExitStack,
    owner_kind: str,
) -> BudgetLedger:
    """The ledger, its reservations leased by this process (alive by its heartbeat), and
    the reaper of leases other processes abandoned (those of an earlier crash at once)."""
    owner = LeaseOwner(database, owner_kind, settings.lease_heartbeat_seconds)
    await owner.start()
    stack.push_async_callback(owner.close)  # after the ledger's last settlements
    reaper = LeaseReaper(database, owner.id, settings.lease_stale_seconds)
    await reaper.start()
    stack.push_async_callback(reaper.close)
    budgets = BudgetLedger(database, alerts, settings.budget_refresh_seconds, owner.id)
    await budgets.start()
    stack.push_async_callback(budgets.close)
    return budgets


def _privacy_config(config: GatewayConfig, settings: Settings) -> PrivacyConfig:
    """The config file's privacy section, its mode overridden by CAREERGATE_PRIVACY_MODE."""
    if settings.privacy_mode is None:
        return config.privacy
    return config.privacy.model_copy(update={"mode": settings.privacy_mode})


def _rate_limiter(settings: Settings, database: Database, rules: RuleBook) -> RateLimiter:
    """The rate limiter on its storage. A database shared with other processes and no
    Redis: each process counts the limits alone (so N replicas let N times a limit
    through), as README says; said at start, since nothing else shows it."""
    storage = settings.resolved_rate_limit_storage
    if not database.is_sqlite and storage.startswith("async+memory"):
        log.warning(
            "rate limits are counted by each process apart: set CAREERGATE_REDIS_URL "
            "to share them between the processes and replicas of this database"
        )
    return RateLimiter(storage, rules)


def _feature_service(settings: Settings, gateway: Gateway, sandboxed: bool) -> FeatureService:
    """The platform features over this gateway's request path."""
    return FeatureService(
        gateway.run, settings.feature_model, settings.matching_embeddings, sandboxed=sandboxed
    )


async def _task_service(
    settings: Settings, database: Database, parts: PathParts, stack: AsyncExitStack
) -> TaskService:
    """Tasks over the job queue: submitted here, run by whichever process has workers
    (its lease owner is the one its items' claims and webhooks name)."""
    owner = parts.budgets.owner
    assert owner is not None
    queue = TaskQueue(settings.resolved_task_queue_url)
    stack.callback(queue.close)
    sealed = vault(settings, database)
    sender = WebhookSender(settings.tasks, await sealed.internal_secret(WEBHOOK_KEY))
    store = TaskStore(database)
    secrets = PromptSecrets(parts.secrets, parts.upstreams.secrets)
    ends = TaskEnds(store, sealed, sender, owner)
    tasks = TaskService(store, queue, ends, secrets, settings.tasks)
    stack.push_async_callback(tasks.close)
    return tasks


def _batch_services(
    settings: Settings,
    database: Database,
    parts: PathParts,
    tasks: TaskService,
    stack: AsyncExitStack,
) -> tuple[FileService, BatchService]:
    """The Files and Batch APIs, and the follower of open batches, which runs in every
    process until it closes (any of them may meter a batch; exactly one does)."""
    upstreams = parts.upstreams
    store = BatchStore(database)
    plans = Plans(vault(settings, database))
    upstream = BatchUpstream(upstreams.upstream, upstreams.secrets)
    limits = IntakeLimits(settings.max_choices, settings.budget_max_output_tokens)
    counter = TokenCounter()
    secrets = PromptSecrets(parts.secrets, upstreams.secrets)
    checks = LineChecks(
        upstreams.router, parts.chooser, secrets, parts.privacy, parts.budgets, counter, limits
    )
    meter = BatchMeter(database, parts.prices, counter, settings.batches.keep_days)
    follower = BatchFollower(
        store, plans, upstream, upstreams.router, tasks, meter, settings.batches
    )
    _run_until_closed(stack, follower.follow_forever())
    files = FileService(store, plans, checks, upstream, upstreams.router, settings.batches)
    costs = WorstCost(
        parts.prices, parts.chooser.snapshots, counter, settings.budget_max_output_tokens
    )
    holds = BatchHolds(parts.budgets, parts.prices, costs, upstreams.router)
    batches = BatchService(
        store, plans, upstream, upstreams.router, holds, tasks, follower, settings.batches
    )
    return files, batches


def _request_log(settings: Settings, stack: AsyncExitStack) -> RequestLog:
    request_log = RequestLog.for_format(settings.log_format)
    stack.callback(request_log.close)
    return request_log


async def _privacy_shield(
    config: PrivacyConfig, sealed: Vault, stack: AsyncExitStack
) -> PrivacyShield:
    """The privacy step. The name model loads now when the config's policy can apply;
    otherwise on the first request whose key asks for privacy."""
    policy = PrivacyPolicy.from_config(config)
    exceptions = ", ".join(f"{name}: {mode.value}" for name, mode in config.features.items())
    log.info(
        "privacy: personal data is %s by default%s%s",
        "sent as it is" if config.mode is PrivacyMode.OFF else HANDLED[config.mode],
        f" ({exceptions})" if exceptions else "",
        "" if config.names else "; names are found only when known",
    )
    names = NameFinder() if config.names else None
    if names is not None:
        stack.callback(names.close)
        if policy.may_apply:
            try:
                await asyncio.wait_for(names.load(), NAME_MODEL_START_SECONDS)
            except (NameModelUnavailable, TimeoutError):
                # Serve all the same: what needs no name model works, a request that
                # does is refused (503, nothing sent), and /readyz fails until it loads.
                log.error("privacy: the name model could not be loaded; /readyz fails until it is")
    return PrivacyShield(policy, PiiDetector(names), SubjectDirectory(sealed))


async def _start_writers(
    database: Database, settings: Settings, stack: AsyncExitStack
) -> BufferedWriter[CallRecord]:
    """The batched writer of the requests' records (usage record and audit entry),
    running until the stack closes: in the record process (``records/``) unless the
    settings keep it here; journalled (and adopting dead processes' journals) unless the
    settings say not. Writers of the other kinds stand by for journals a process of an
    earlier version left (usage records and audit entries apart)."""
    batching = (settings.usage_flush_seconds, settings.usage_batch_size, settings.dead_letter_dir)
    owner = JournalOwner(settings.journal_dir) if settings.record_journal else None
    if owner is not None:
        stack.callback(owner.close)  # after the writers' last batches
    process: RecordProcess | None = None
    if settings.record_process:
        process = RecordProcess(
            ChildConfig(
                settings.resolved_database_url,
                settings.log_format,
                settings.log_level,
                settings.heap_trim_seconds,
            )
        )
        await process.start()
        stack.push_async_callback(process.close)  # after the writers' last batches

    def writer(kind: RecordKind[Any]) -> BufferedWriter[Any]:
        journal = owner.journal(kind.name) if owner is not None else None
        if process is not None:
            return OffloadedWriter(kind, process, *batching, journal)
        return kind.writer(database, *batching, journal)  # type: ignore[call-arg]

    writers = {kind.name: writer(kind) for kind in (CALL, USAGE, AUDIT)}
    for each in writers.values():
        await each.start()
        stack.push_async_callback(each.close)
    if owner is not None:
        _run_until_closed(stack, _adopt_forever(owner, writers, settings))
    calls: BufferedWriter[CallRecord] = writers[CALL.name]
    return calls


async def _adopt_forever(
    owner: JournalOwner, writers: dict[str, BufferedWriter[Any]], settings: Settings
) -> None:
    """Write the records dead processes journalled: at once, then now and then."""

    async def look() -> None:
        adopt(owner.directory, owner.name, writers)

    await repeat_every(
        settings.journal_adopt_seconds,
        look,
        failure="could not replay the journals of stopped processes",
        log=log,
        first_now=True,
    )


async def _watch_performance(fleet: FleetPerformance, every: float) -> None:
    """Share this process's counts and check the latency and error objectives now and
    then, for as long as the gateway runs."""
    await repeat_every(
        every, fleet.check, failure="the performance objectives could not be checked", log=log
    )


async def _watch_keys(monitor: KeyMonitor, every: float) -> None:
    """Evaluate the key alert rules now and then, for as long as the gateway runs."""
    await repeat_every(
        every, monitor.check, failure="the key alert rules could not be evaluated", log=log
    )


async def _model_chooser(
    config: GatewayConfig,
    router: Router,
    prices: PriceCatalogue,
    database: Database,
    health: HealthBoard,
    settings: Settings,
) -> ModelChooser:
    """Aliases (config, then the database), snapshots and feature policies, checked
    against what the deployments serve."""
    models = config.models
    snapshots = SnapshotCatalogue.shipped(
        models.snapshots, prices.snapshot, settings.max_output_tokens
    )
    for name, alias in models.aliases.items():
        for target in (alias.model, alias.canary.model if alias.canary else None):
            if target is not None:
                _served(router, target, f"alias {name!r}")

    def latency_of(model: str) -> float | None:
        return health[router.route(model).primary.deployment.name].latency_ms(0.5)

    policies = None
    if models.features:
        for name, policy in models.features.items():
            for candidate in policy.candidates:
                _served(router, candidate, f"feature {name!r}")
        policies = PolicyBook(models.features, snapshots, prices, latency_of)
    aliases = AliasTable(configured(models.aliases), database, settings.alias_refresh_seconds)
    await aliases.start()
    return ModelChooser(aliases, snapshots, policies)


def _served(router: Router, model: str, by: str) -> None:
    try:
        router.route(model)
    except NotFound:
        raise ConfigError(f"{by} names model {model!r}, which no deployment serves") from None


async def _watch_models(
    chooser: ModelChooser, router: Router, config: GatewayConfig, alerts: AlertCenter
) -> None:
    """Alert ahead of the shutdown of any snapshot this gateway can send to (twice a day)."""

    async def check() -> None:
        in_use: set[str] = set(router.named_models())
        for alias in chooser.aliases.all() if chooser.aliases else []:
            in_use.update(m for m in (alias.model, alias.canary_model) if m)
        for alternatives in config.fallbacks.values():
            in_use.update(alternatives)
        for policy in config.models.features.values():
            in_use.update(policy.candidates)
        for alert in upcoming_shutdowns(chooser.snapshots, in_use, datetime.now(UTC).date()):
            await alerts.raise_alert(alert)

    await repeat_every(
        12 * 3600, check, failure="could not check for model shutdowns", log=log, first_now=True
    )


async def _start_sandbox(stack: AsyncExitStack) -> DeploymentConfig:
    """No upstream is configured: serve from the fake OpenAI, clearly labelled."""
    from careergate.sandbox import FakeOpenAI

    fake = FakeOpenAI()
    await fake.start_async()
    stack.push_async_callback(fake.stop_async)
    log.warning(
        "SANDBOX MODE: no upstream is configured (no OPENAI_API_KEY, OPENAI_BASE_URL or "
        "config deployments). Answers come from careergate's fake OpenAI, not a real model."
    )
    return DeploymentConfig(
        name="sandbox", provider="openai-compatible", base_url=fake.base_url, sandbox=True
    )
