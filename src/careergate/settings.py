"""All of careergate's configuration, in one settings object.

Values come from ``CAREERGATE_*`` environment variables (and the usual ``OPENAI_*`` and
``AZURE_OPENAI_*`` ones for the upstream), with the YAML file named by
``CAREERGATE_CONFIG`` for what does not fit in a variable (named deployments).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal, Self

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class PrivacyMode(StrEnum):
    """What happens to personal data in a request (``careergate.privacy.policy`` says what
    each mode does). Defined with the settings, the lowest layer, because the settings,
    keys, the config file and the privacy step all name it: the privacy package builds
    on the settings, not the other way round."""

    OFF = "off"
    PSEUDONYMISE = "pseudonymise"
    MASK = "mask"
    REFUSE = "refuse"

    @property
    def strictness(self) -> int:
        return _STRICTNESS[self]


_STRICTNESS = {
    PrivacyMode.OFF: 0,
    PrivacyMode.PSEUDONYMISE: 1,
    PrivacyMode.MASK: 2,
    PrivacyMode.REFUSE: 3,
}


class TimeoutSettings(BaseSettings):
    """Upstream timeouts in seconds. ``total`` is the default deadline of a request."""

    model_config = SettingsConfigDict(env_prefix="CAREERGATE_TIMEOUT_")

    connect: float = 5.0
    read: float = 120.0
    total: float = 600.0
    attempt: float = 60.0
    """The longest one deployment may take when another on the route could answer."""


class RetrySettings(BaseSettings):
    """How the gateway retries failed upstream attempts (exponential backoff, full jitter).

    What bounds retries is the request's deadline and each deployment's retry budget;
    ``max_attempts`` is only a ceiling per request against a storm.
    """

    model_config = SettingsConfigDict(env_prefix="CAREERGATE_RETRY_")

    max_attempts: int = Field(default=10, ge=1, le=10)
    backoff_base: float = 0.25
    backoff_cap: float = 8.0
    retry_after_cap: float = 60.0
    """A ``retry-after`` longer than this is not waited for: the error goes to the caller."""
    budget_ratio: float = Field(default=0.5, ge=0)
    """Retries may add at most this share of a deployment's requests over the window."""
    budget_min_per_second: float = Field(default=10.0, ge=0)
    """Retries allowed per second on top of the ratio, so quiet deployments can retry."""
    budget_window: float = Field(default=10.0, gt=0)
    """Seconds over which requests and retries are counted against the budget."""


class BreakerSettings(BaseSettings):
    """When a deployment's circuit breaker opens, and for how long (``upstream.health``)."""

    model_config = SettingsConfigDict(env_prefix="CAREERGATE_BREAKER_")

    consecutive_failures: int = Field(default=5, ge=1)
    error_rate: float = Field(default=0.5, gt=0, le=1)
    min_requests: int = Field(default=10, ge=1)
    window: int = Field(default=50, ge=1)
    open_seconds: float = Field(default=30.0, gt=0)
    probe_seconds: float = Field(default=10.0, gt=0)
    """How often deployments that are not closed are probed."""


class UpstreamEnvironment(BaseSettings):
    """The upstream as the OpenAI and Azure OpenAI SDKs read it from the environment."""

    model_config = SettingsConfigDict(env_prefix="")

    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    azure_openai_endpoint: str | None = None
    azure_openai_api_key: SecretStr | None = None
    azure_openai_api_version: str | None = Field(
        default=None,
        validation_alias=AliasChoices("AZURE_OPENAI_API_VERSION", "OPENAI_API_VERSION"),
    )
    azure_openai_deployments: str | None = None
    """Comma-separated ``model=deployment`` pairs, e.g. ``gpt-4o=prod-gpt4o``."""


PUBLIC_KEY_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES256K",
    "ES384",
    "ES512",
    "EdDSA",
)
"""Signature algorithms checked with a public key, the only kind a JWKS should publish."""


class JwtSettings(BaseSettings):
    """Tokens of the platform's authentication service, accepted instead of a key or to
    name the end user a service key speaks for."""

    model_config = SettingsConfigDict(env_prefix="CAREERGATE_JWT_")

    jwks_file: Path | None = None
    jwks_url: str | None = None
    issuer: str | None = None
    audience: str | None = None
    algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256"])
    """Public-key algorithms only (``PUBLIC_KEY_ALGORITHMS``): keys come from a JWKS."""
    user_claim: str = "sub"
    team_claim: str = "team"
    models: list[str] | None = None
    """Models a token holder may use; ``None`` allows all."""
    refresh_seconds: float = 300.0

    @field_validator("algorithms")
    @classmethod
    def _public_key_algorithms(cls, names: list[str]) -> list[str]:
        # Refused at start: at request time HS256 would verify a token with the JWKS's
        # public key as its shared secret (anyone could sign), and "none" needs no signature.
        refused = [name for name in names if name not in PUBLIC_KEY_ALGORITHMS]
        if refused or not names:
            raise ValueError(
                f"CAREERGATE_JWT_ALGORITHMS may name only public-key algorithms, since the "
                f"keys come from a JWKS; refused: {', '.join(refused) or 'an empty list'} "
                f"(allowed: {', '.join(PUBLIC_KEY_ALGORITHMS)})"
            )
        return names

    @property
    def enabled(self) -> bool:
        return self.jwks_file is not None or self.jwks_url is not None


class AlertSettings(BaseSettings):
    """Where alerts go and when the key rules fire."""

    model_config = SettingsConfigDict(env_prefix="CAREERGATE_ALERT_")

    webhooks: list[str] = Field(default_factory=list)
    """Slack-compatible incoming-webhook URLs (JSON ``{"text": ...}``), as a JSON list."""
    quiet_hours: float = 24.0
    """An alert is sent again for the same subject only after this long."""
    check_seconds: float = 300.0
    unused_days: float = 30.0
    expiring_days: float = 7.0
    error_rate: float = 0.2
    """Over the last hour, with at least ``error_rate_min_requests`` requests."""
    error_rate_min_requests: int = 20
    spike_factor: float = 5.0
    """Spend in the last hour above this many times the key's hourly average of the
    previous week."""


class ObjectiveSettings(BaseSettings):
    """The gateway's service-level objectives, and when missing them raises an alert
    (``observability/performance.py``).

    Each objective allows a share of requests to be bad (slower than the latency
    objective, or failed with a server error). The burn rate is the bad share seen over a
    window divided by the allowed share: 1 spends the error budget exactly as fast as the
    objective allows, ``burn_rate`` (14.4: two per cent of a 30-day budget in an hour)
    is an outage. An alert needs that rate over both the last 5 minutes and the last hour,
    so that a short spike does not page and a recovered one stops paging within minutes.
    """

    model_config = SettingsConfigDict(env_prefix="CAREERGATE_SLO_")

    latency_ms: float = Field(default=40_000.0, gt=0)
    """The gateway's latency objective: ``latency_percentile`` per cent of requests
    within this many milliseconds (arrival to last byte). The defaults are bounds of the
    latency histograms' buckets, which the Prometheus rules in ``deploy/prometheus/``
    need to judge the same objective; change both together."""
    latency_percentile: float = Field(default=99.0, gt=0, lt=100)
    error_rate: float = Field(default=0.01, gt=0, lt=1)
    """The share of requests that may fail with a server error (5xx)."""
    upstream_latency_ms: float = Field(default=20_000.0, gt=0)
    """Each deployment's latency objective (the upstream's answer, at the same
    percentile), so a slow upstream is told apart from a slow gateway."""
    burn_rate: float = Field(default=14.4, gt=0)
    min_requests: int = Field(default=20, ge=1)
    """Requests the last 5 minutes must hold before a burn rate counts."""
    check_seconds: float = Field(default=30.0, gt=0)

    @property
    def slow_share(self) -> float:
        """The share of requests allowed to miss a latency objective."""
        return 1 - self.latency_percentile / 100


class DashboardSettings(BaseSettings):
    """The dashboard served at ``/dashboard`` (``careergate.dashboard``)."""

    model_config = SettingsConfigDict(env_prefix="CAREERGATE_DASHBOARD_")

    enabled: bool = True
    session_hours: float = Field(default=8.0, gt=0, le=24 * 30)
    """How long a login lasts; the key is checked again on every request, so revoking
    it ends the session at once."""


MAX_RETENTION_DAYS = 36_500.0
"""A hundred years: the longest retention period (a longer one overflows a date)."""


class RetentionSettings(BaseSettings):
    """How long each kind of record is kept, in days (``never`` in the environment: for
    ever), and how often the gateway purges what is older (``careergate privacy purge``
    does it at once).

    A period is above 0 and at most a hundred years: 0 or less would purge every record
    of its kind at once (the whole audit log), and a longer one overflows a date."""

    model_config = SettingsConfigDict(
        env_prefix="CAREERGATE_RETENTION_", env_parse_none_str="never"
    )

    usage_days: float | None = Field(default=90.0, gt=0, le=MAX_RETENTION_DAYS)
    """Usage records; only days already summed for reports go, so totals stay."""
    audit_days: float | None = Field(default=730.0, gt=0, le=MAX_RETENTION_DAYS)
    feedback_days: float | None = Field(default=365.0, gt=0, le=MAX_RETENTION_DAYS)
    eval_days: float | None = Field(default=365.0, gt=0, le=MAX_RETENTION_DAYS)
    """``careergate eval`` results."""
    dead_letter_days: float | None = Field(default=30.0, gt=0, le=MAX_RETENTION_DAYS)
    """Records the database refused (``<data dir>/dead-letter/``)."""
    responses_days: float | None = Field(default=30.0, gt=0, le=MAX_RETENTION_DAYS)
    """What the gateway keeps of each answer kept upstream for continuation (Responses
    API, ``store`` on: its placeholders and context size): as long as the upstream keeps
    the answer (OpenAI: 30 days)."""
    tasks_days: float | None = Field(default=30.0, gt=0, le=MAX_RETENTION_DAYS)
    """Background tasks (their inputs, results and items), counted from when they ended;
    running ones are never purged. As long as OpenAI keeps a batch's output."""
    purge_seconds: float = Field(default=3600.0, gt=0, le=MAX_RETENTION_DAYS * 86_400)


class TaskSettings(BaseSettings):
    """Background tasks (``careergate.tasks``): their queue, the workers that drain it,
    and where their completion webhooks may go."""

    model_config = SettingsConfigDict(env_prefix="CAREERGATE_TASKS_")

    queue_url: str | None = None
    """Where the job queue lives: ``sqlite:///PATH`` (default: ``task-queue.db`` in the
    data directory) or ``redis://host:6379/0``, shared by every gateway and worker."""
    gateway_workers: int = Field(default=2, ge=0, le=64)
    """Items a gateway process runs at once besides serving requests; 0: it only
    submits, and ``careergate worker`` processes run the items."""
    poll_seconds: float = Field(default=1.0, gt=0)
    """Longest pause between two looks at an empty file-backed queue (Redis blocks), and
    between two looks for items whose retry is due (at most a second either way)."""
    retries: int = Field(default=3, ge=0, le=20)
    """Further tries of an item that failed for a reason that may pass (5xx, 429)."""
    retry_delay: float = Field(default=1.0, ge=0)
    """Seconds before the first retry of an item; each later one waits twice as long."""
    sweep_seconds: float = Field(default=2.0, gt=0)
    """How often a process running items looks for items of dead workers to run again."""
    orphan_seconds: float = Field(default=30.0, gt=0)
    """A waiting item queued this long ago is checked for a message in the queue (one
    lost with a worker killed between taking it and claiming the item is sent again)."""
    max_items: int = Field(default=10_000, gt=0)
    """The most items one task may have."""
    max_body_bytes: int = Field(default=64 * 1024 * 1024, gt=0)
    """The largest task submission (thousands of postings are larger than a request)."""
    webhook_allow: list[str] = Field(default_factory=list)
    """Networks (CIDR) or host names a webhook may reach although private, loopback or
    link-local, as a JSON list; public addresses are always allowed."""
    webhook_attempts: int = Field(default=5, ge=1, le=20)
    webhook_backoff: float = Field(default=1.0, ge=0)
    """Seconds before the second delivery attempt; each later one waits twice as long."""
    webhook_timeout: float = Field(default=10.0, gt=0)


class BatchSettings(BaseSettings):
    """The Files and Batch APIs (``careergate.batches``): how open batches are followed,
    how large an input may be, and how long their outputs' placeholders are kept."""

    model_config = SettingsConfigDict(env_prefix="CAREERGATE_BATCHES_")

    poll_seconds: float = Field(default=30.0, gt=0)
    """How often an open batch is looked at (its upstream asked, or its task read) by
    whichever gateway or worker process gets to it first."""
    max_file_bytes: int = Field(default=200 * 1024 * 1024, gt=0)
    """The largest input file accepted (OpenAI's own limit: 200 MB)."""
    max_lines: int = Field(default=50_000, gt=0)
    """The most lines one input file may hold (OpenAI's own limit)."""
    output_grace_seconds: float = Field(default=3600.0, ge=0)
    """How long a batch's placeholders stay after its output was first downloaded, so
    that a download cut short can be made again; then they are erased."""
    keep_days: float = Field(default=30.0, gt=0)
    """How long after a batch ended its placeholders are kept when its output is never
    downloaded (OpenAI keeps output files 30 days)."""
    completion_window_seconds: float = Field(default=86_400.0, gt=0)
    """How long a batch the gateway runs itself has to finish (its ``completion_window``,
    24 hours): past it, the lines not yet run are not run, the batch ends ``expired``
    and what it still holds in budgets is released. A batch on an upstream's Batch API
    keeps the upstream's own window."""


class Settings(BaseSettings):
    """The gateway's settings. Construct once at start and pass it down."""

    model_config = SettingsConfigDict(env_prefix="CAREERGATE_", env_nested_delimiter="__")

    data_dir: Path = Path(".careergate")
    database_url: str | None = None
    """SQLAlchemy async URL; the default is a SQLite file in ``data_dir``."""
    config: Path | None = None
    """YAML file with named upstream deployments."""
    master_key: SecretStr | None = None
    """Base64 of 32 random bytes. Without it, ``data_dir/master.key`` is used (created once)."""
    previous_master_key: SecretStr | None = None
    """During a master-key rotation: the old key, so secrets it sealed still open."""
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65_535)
    drain_seconds: float = Field(default=0.0, ge=0)
    """On SIGTERM, how long a serving process keeps answering (``/readyz`` failing, every
    answer closing its connection) before it stops accepting, so that the load balancer
    takes it out first (``http/drain.py``). 0: stop accepting at once."""
    heap_trim_seconds: float = Field(default=30.0, ge=0)
    """How often a serving process gives the C heap's free memory back to the system
    (``heap.py``); 0: never."""
    shutdown_grace_seconds: int = Field(default=30, gt=0)
    """After that, how long requests and streams in flight may take to finish before
    they are cancelled; then records are flushed and the process exits."""
    worker_healthcheck_seconds: int = Field(default=30, gt=0)
    """With several workers, how long a worker may leave the supervisor's health ping
    unanswered before it is taken for hung, killed and replaced. uvicorn's 5 s is shorter
    than a worker's start on a busy 2-core host (its imports run before it can answer),
    and a worker killed while starting is started again from scratch, for ever."""
    forwarded_allow_ips: str | None = None
    """Comma-separated addresses of TLS-terminating proxies whose X-Forwarded-* headers
    are believed (uvicorn's ``forwarded_allow_ips``); none by default."""
    ssl_certfile: Path | None = None
    """PEM certificate (chain) to serve TLS with; ``ssl_keyfile`` is its private key."""
    ssl_keyfile: Path | None = None
    upstream_ca_file: Path | None = None
    """PEM bundle of CA certificates trusted for upstreams, on top of the system's (a
    deployment may add its own with ``ca_file`` in the config file)."""
    max_body_bytes: int = 8 * 1024 * 1024
    admin_max_body_bytes: int = Field(default=64 * 1024, gt=0)
    """Largest body the admin API accepts (413 over it)."""
    admin_rpm: int = Field(default=300, gt=0)
    """Admin API requests per minute per key (429 over it)."""
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: str = "INFO"
    key_cache_seconds: float = 1.0
    """How long a caller key's lookup is reused; bounds how late a revocation takes effect."""
    vault_refresh_seconds: float = 1.0
    """How often upstream keys are re-read from the vault (added, drained, removed)."""
    rate_limit_storage: str = "async+memory://"
    """Where rate-limit windows live: process memory, or ``async+redis://host:6379/0``
    shared by every process."""
    redis_url: str | None = None
    """``redis://host:6379/0``: state every process shares (breakers; and rate-limit
    windows, unless ``rate_limit_storage`` names another place)."""

    @property
    def resolved_rate_limit_storage(self) -> str:
        if self.redis_url and self.rate_limit_storage == "async+memory://":
            return "async+" + self.redis_url
        return self.rate_limit_storage

    budget_refresh_seconds: float = 1.0
    """How soon a budget created or removed anywhere applies in this process."""
    lease_heartbeat_seconds: float = 1.0
    """How often this process renews its heartbeat as the owner of budget leases."""
    lease_stale_seconds: float = 5.0
    """How long a lease owner's heartbeat may go unrenewed before the other processes
    take it for dead and settle its leases for their worst case (``budgets/reaper.py``)."""
    budget_max_output_tokens: int = Field(default=4096, gt=0)
    """Under a hard budget, a request without ``max_tokens`` is capped at this many output
    tokens (sent upstream as ``max_completion_tokens``), so its worst case is known."""
    max_choices: int = Field(default=128, gt=0)
    """The largest ``n`` (completions per request) accepted: OpenAI's own maximum."""
    max_output_tokens: int = Field(default=128_000, gt=0)
    """The largest output ceiling accepted for a model the catalogue gives no maximum
    output for (a catalogued model's own maximum applies to it)."""
    privacy_mode: PrivacyMode | None = None
    """Overrides the config file's ``privacy.mode`` (the default for every request)."""
    feature_model: str = "gpt-4o-mini"
    """The model (or alias) the platform features ask, e.g. ``skill-extractor``."""
    matching_embeddings: bool = False
    """Job matching's fallback re-ranks its best candidates by local embeddings
    (``features/embeddings.py``). Off by default: on the evaluation splits the re-ranking
    lowered nDCG@10 (``docs/benchmarks.md``)."""
    alias_refresh_seconds: float = 1.0
    """How soon an alias changed with the CLI reaches every gateway process."""
    rollup_seconds: float = 3600.0
    """How often closed days of usage are summed for reports (``reports/rollup.py``)."""
    usage_flush_seconds: float = 0.5
    usage_batch_size: int = 500
    record_process: bool = True
    """Usage records and audit entries are written by a process of the gateway's own
    (``records/``), off its event loop; off, by the gateway's process itself."""
    record_journal: bool = True
    """Each record is appended to a journal file (``<data dir>/journal/``) before its
    request is answered, so that a gateway killed mid-load loses none
    (``records/journal.py``); off, a crash loses the records of the last flush."""
    journal_adopt_seconds: float = 10.0
    """How often a running gateway looks for journals of processes that died, and
    writes their records (it also does at start)."""
    timeouts: TimeoutSettings = Field(default_factory=TimeoutSettings)
    retry: RetrySettings = Field(default_factory=RetrySettings)
    breaker: BreakerSettings = Field(default_factory=BreakerSettings)
    upstream_env: UpstreamEnvironment = Field(default_factory=UpstreamEnvironment)
    jwt: JwtSettings = Field(default_factory=JwtSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    objectives: ObjectiveSettings = Field(default_factory=ObjectiveSettings)
    dashboard: DashboardSettings = Field(default_factory=DashboardSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    tasks: TaskSettings = Field(default_factory=TaskSettings)
    batches: BatchSettings = Field(default_factory=BatchSettings)

    @property
    def dead_letter_dir(self) -> Path:
        return self.data_dir / "dead-letter"

    @property
    def journal_dir(self) -> Path:
        return self.data_dir / "journal"

    @property
    def resolved_task_queue_url(self) -> str:
        return self.tasks.queue_url or f"sqlite:///{self.data_dir / 'task-queue.db'}"

    @model_validator(mode="after")
    def _certificate_with_key(self) -> Self:
        if (self.ssl_certfile is None) != (self.ssl_keyfile is None):
            raise ValueError("serving TLS needs both ssl_certfile and ssl_keyfile")
        return self

    @property
    def serves_tls(self) -> bool:
        return self.ssl_certfile is not None

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'careergate.db'}"
