"""Settings, read from the environment (prefix ``LEDGERLINE_``) and ``.env``."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SUPPORTED_JWT_ALGORITHMS = frozenset({"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512"})


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEDGERLINE_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    # Plain DATABASE_URL is honoured because every PaaS and compose file sets that name.
    database_url: str = Field(
        default="sqlite:///./ledgerline.db",
        validation_alias=AliasChoices("DATABASE_URL", "LEDGERLINE_DATABASE_URL"),
    )
    sql_echo: bool = False
    # The database URL goes through a pooler in transaction mode (PgBouncer pool_mode=transaction): a
    # client's next transaction may run on another server connection, so psycopg prepares nothing.
    database_transaction_pooler: bool = False
    # A hot standby of the primary for GETs that may be slightly stale (lists, credit status); see
    # read_routing.py. None: every request reads the primary.
    read_database_url: str | None = None
    # Such a GET reads the primary instead while the standby is further behind than this.
    read_max_lag_seconds: float = Field(default=5.0, gt=0)
    # How long a client's "read your writes" cookie lasts after its last write.
    read_your_writes_seconds: int = Field(default=60, ge=1)

    jwt_secret: SecretStr | None = None
    jwt_algorithms: str = "HS256"
    jwt_public_key: str | None = None
    jwt_private_key: SecretStr | None = None
    jwt_audience: str = "ledgerline"
    jwt_issuer: str | None = None
    # Elevate's login tokens live 15 minutes (vendor notes).
    login_token_ttl_seconds: int = Field(default=900, ge=60)
    # How long a process trusts what it cached of the database without looking again (several hosts share
    # one database): a tenant's policy (its settings_version) and a login user's token version (revoked or
    # changed users). The money path reads the policy version under its customer lock anyway. 0: every request.
    cache_check_seconds: float = Field(default=1.0, ge=0, le=300)

    idempotency_ttl_hours: int = Field(default=24, ge=1)
    # A reservation older than this is treated as abandoned (its request crashed).
    idempotency_lock_seconds: int = Field(default=60, ge=1)
    # How often each process deletes expired keys (0: never; reserving does not need it).
    idempotency_sweep_seconds: float = Field(default=60, ge=0)

    # Per-currency shortfall tolerance default, e.g. {"GBP": "1.00"}; tenants may override.
    shortfall_tolerance: dict[str, Decimal] = Field(default_factory=dict)

    # Largest sub-brand logo accepted; request bodies carrying one are cut off a little above it.
    max_logo_bytes: int = Field(default=1024 * 1024, ge=1, le=64 * 1024 * 1024)
    # Largest request body any other route reads (JSON documents are small); beyond it: 413.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, le=64 * 1024 * 1024)

    # Operating (README "Operating"): `GET /metrics`, the request log line, the log format and level.
    metrics_enabled: bool = True
    log_requests: bool = True
    # auto: plain text when stderr is a terminal, JSON lines otherwise; none: install no handler.
    log_format: Literal["auto", "json", "text", "none"] = "auto"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # Payment providers (README "Payment providers"). Credentials and webhook secrets are encrypted with a
    # key derived from this (else from the JWT secret).
    provider_secrets_key: SecretStr | None = None
    # The public base URL of this server, for the hosted mandate and pay pages (default: the request's).
    public_url: str | None = None
    # The sandbox provider settles a collection this long after it is submitted.
    sandbox_settle_seconds: float = Field(default=1.0, ge=0, le=86400)
    # How far a webhook's signed timestamp may be from now.
    webhook_tolerance_seconds: int = Field(default=300, ge=1)
    # The server's janitor task runs this often (0: not in the server; run `ledgerline janitor`).
    janitor_interval_seconds: float = Field(default=0, ge=0)
    # A collection or refund still pending this long after submission is resolved by asking its provider.
    janitor_deadline_seconds: float = Field(default=3600, ge=0)

    @field_validator("jwt_algorithms")
    @classmethod
    def _known_algorithms(cls, value: str) -> str:
        names = [name.strip().upper() for name in value.split(",") if name.strip()]
        unknown = [name for name in names if name not in SUPPORTED_JWT_ALGORITHMS]
        if not names or unknown:
            raise ValueError(f"unsupported JWT algorithm(s): {unknown or value!r}")
        return ",".join(names)

    @property
    def allowed_jwt_algorithms(self) -> list[str]:
        return self.jwt_algorithms.split(",")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
