"""Settings read from environment variables, with embedded defaults for development.

Every variable is listed, with its meaning, in `.env.example`. `Settings.from_env()` is the only
place that reads `os.environ`; the rest of the code receives a `Settings`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"

PLACEHOLDER_SECRETS = frozenset({"", "dev", "change-me", "changeme", "secret", "dev-secret-change-me"})
# The embedded admin-API signing key: fine on a laptop, refused in production (`Settings.check`).
DEV_JWT_SECRET = "dev-jwt-secret-change-me-0123456789abcdef"
# Hosts of the secureimage plugin's URLs (real 2023 payload: http://secure.kakaocdn.net/dna/...).
KAKAO_IMAGE_HOSTS = ("secure.kakaocdn.net", "k.kakaocdn.net", "*.kakaocdn.net")


class ConfigError(RuntimeError):
    """A setting is missing or unsafe for the chosen `APP_ENV` (raised at start-up, never later)."""


def _env_bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(value: str | None) -> tuple[str, ...]:
    return tuple(item.strip() for item in (value or "").split(",") if item.strip())


def _env_map(value: str | None) -> dict[str, str]:
    """`"a=1, b=2"` -> `{"a": "1", "b": "2"}`; raises `ValueError` on an item without `=`."""
    pairs = {}
    for item in _env_list(value):
        key, sep, val = item.partition("=")
        if not sep or not key.strip() or not val.strip():
            raise ValueError(f"expected name=value, got {item!r}")
        pairs[key.strip()] = val.strip()
    return pairs


def weak_jwt_secret(secret: str) -> bool:
    """True when `secret` is unfit to sign admin JWTs: shorter than 32 bytes (RFC 7518 §3.2 wants a
    key at least as long as the HS256 output), a known placeholder, or with fewer than 10 distinct
    characters (a repeated or trivially patterned string)."""
    folded = secret.strip().lower()
    return (
        len(secret.encode()) < 32
        or folded in PLACEHOLDER_SECRETS
        or folded == DEV_JWT_SECRET
        or "change-me" in folded
        or "changeme" in folded
        or len(set(secret)) < 10
    )


@dataclass(frozen=True)
class Settings:
    """Runtime configuration.

    Attributes are plain values (str, int, float seconds, tuples); `from_env` documents the variable
    each one comes from. `None` for `redis_url` means "use an in-process fakeredis".
    """

    app_env: str = "development"
    secret_key: str = "dev-secret-change-me"
    database_url: str = f"sqlite:///{INSTANCE_DIR / 'junggyenara.db'}"
    redis_url: str | None = None
    # Open Builder edge auth: header `X-Skill-Token` must equal this when set.
    skill_token: str = ""
    # Optional allow-list of `bot.id` values (with or without the dev-channel `!`).
    kakao_bot_ids: tuple[str, ...] = ()
    # Open Builder blockId per skill name, so our quickReplies can call a block directly (with
    # clientExtra); a skill without one is reached by a message quickReply instead.
    kakao_block_ids: dict[str, str] = field(default_factory=dict)
    # Seconds a skill may run before we answer "잠시 후 다시 시도해 주세요" (Kakao gives up at 5 s).
    skill_time_budget: float = 3.5
    # Seconds the hot-deal snapshot lives in Redis before it is rebuilt from the DB. Short by default
    # with the in-process cache so a crawl run in another process shows up quickly.
    hotdeals_cache_ttl: int = 0
    # Crawler politeness.
    crawler_user_agent: str = "junggyenara-hotdeals/0.1 (+https://github.com/junggyenara/junggyenara)"
    crawler_min_interval: float = 60.0
    crawler_jitter: float = 15.0
    crawler_sources: tuple[str, ...] = ()
    # Absolute base of the URLs we hand to Kakao for our own files (the no-photo placeholder).
    public_base_url: str = "http://127.0.0.1:8000"
    # Listing photos (chatbot.storage, chatbot.services.images): where they are kept and how they are
    # fetched from Kakao's CDN. Sizes in bytes, times in seconds.
    storage_backend: str = "local"  # "local" (media_dir, served at /media/) or "s3"
    media_dir: str = str(INSTANCE_DIR / "media")
    media_public_base_url: str = ""  # "" = PUBLIC_BASE_URL/media (local) or presigned URLs (s3)
    s3_bucket: str = ""
    s3_prefix: str = ""
    s3_region: str = ""
    s3_endpoint_url: str = ""  # MinIO or moto; "" = AWS
    s3_presign_expires: int = 86400
    image_host_allowlist: tuple[str, ...] = KAKAO_IMAGE_HOSTS
    image_max_bytes: int = 10 * 1024 * 1024
    image_fetch_timeout: float = 10.0
    image_allow_private_hosts: bool = False  # tests only: lets the local image-host stand-in through
    image_ca_bundle: str = ""  # CA bundle path for the image host ("" = certifi)
    # Operations (chatbot.logs, chatbot.metrics): log lines as "text" or "json"; the port the crawler
    # loop serves its own /metrics on (0 = none; the web app serves /metrics itself).
    log_format: str = "text"
    metrics_port: int = 0
    # KakaoPay (chatbot.kakaopay). No secret key = the local stand-in mounted at /_kakaopay.
    kakaopay_api: str = "current"  # "current" (SECRET_KEY, JSON) or "legacy" (KakaoAK, form)
    kakaopay_secret_key: str = ""  # current: Secret key(dev|prod); legacy: the app's admin key
    kakaopay_cid: str = "TC0ONETIME"
    kakaopay_base_url: str = ""  # "" = the real host of the API, or the stand-in without a key
    kakaopay_connect_timeout: float = 3.0  # seconds
    kakaopay_read_timeout: float = 10.0  # seconds
    # Seconds a ready payment (and a 결제대기 order) may wait for the buyer before
    # `flask payments reconcile` settles it. Our choice: KakaoPay states no limit (fixtures INDEX).
    kakaopay_ready_ttl: int = 1200
    # Admin API (admin_api): HS256 key (≥ 32 bytes, RFC 7518 §3.2), `iss`/`aud` claims, lifetimes in
    # seconds; login throttling counts in `rate_limit_storage` (RATELIMIT_STORAGE_URI, else REDIS_URL).
    jwt_secret: str = DEV_JWT_SECRET
    jwt_issuer: str = "junggyenara"
    jwt_audience: str = "junggyenara-admin"
    jwt_access_ttl: int = 900
    jwt_refresh_ttl: int = 14 * 24 * 3600
    ratelimit_storage_uri: str = ""

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def kakaopay_standin(self) -> bool:
        """True when payments go to the local stand-in (no `KAKAOPAY_SECRET_KEY`; never in production)."""
        return not self.kakaopay_secret_key

    @property
    def snapshot_ttl(self) -> int:
        """Seconds the Redis snapshot lives: the configured value, else 5 (embedded) or 3600 (Redis)."""
        if self.hotdeals_cache_ttl > 0:
            return self.hotdeals_cache_ttl
        return 5 if self.redis_url is None else 3600

    @property
    def rate_limit_storage(self) -> str:
        """Where flask-limiter counts: RATELIMIT_STORAGE_URI, else REDIS_URL, else `memory://`."""
        return self.ratelimit_storage_uri or self.redis_url or "memory://"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from `environ` (default `os.environ`); raises `ConfigError` on bad values."""
        env = os.environ if environ is None else environ
        defaults = cls()
        try:
            settings = cls(
                app_env=env.get("APP_ENV", defaults.app_env),
                secret_key=env.get("SECRET_KEY", defaults.secret_key),
                database_url=env.get("DATABASE_URL") or defaults.database_url,
                redis_url=env.get("REDIS_URL") or None,
                skill_token=env.get("SKILL_TOKEN", ""),
                kakao_bot_ids=_env_list(env.get("KAKAO_BOT_IDS")),
                kakao_block_ids=_env_map(env.get("KAKAO_BLOCK_IDS")),
                skill_time_budget=float(env.get("SKILL_TIME_BUDGET", defaults.skill_time_budget)),
                hotdeals_cache_ttl=int(env.get("HOTDEALS_CACHE_TTL", defaults.hotdeals_cache_ttl)),
                crawler_user_agent=env.get("CRAWLER_USER_AGENT", defaults.crawler_user_agent),
                crawler_min_interval=float(env.get("CRAWLER_MIN_INTERVAL", defaults.crawler_min_interval)),
                crawler_jitter=float(env.get("CRAWLER_JITTER", defaults.crawler_jitter)),
                crawler_sources=_env_list(env.get("CRAWLER_SOURCES")),
                public_base_url=(env.get("PUBLIC_BASE_URL") or defaults.public_base_url).rstrip("/"),
                storage_backend=env.get("STORAGE_BACKEND") or defaults.storage_backend,
                media_dir=env.get("MEDIA_DIR") or defaults.media_dir,
                media_public_base_url=env.get("MEDIA_PUBLIC_BASE_URL", "").rstrip("/"),
                s3_bucket=env.get("S3_BUCKET", ""),
                s3_prefix=env.get("S3_PREFIX", ""),
                s3_region=env.get("S3_REGION", ""),
                s3_endpoint_url=env.get("S3_ENDPOINT_URL", ""),
                s3_presign_expires=int(env.get("S3_PRESIGN_EXPIRES", defaults.s3_presign_expires)),
                image_host_allowlist=_env_list(env.get("IMAGE_HOST_ALLOWLIST")) or KAKAO_IMAGE_HOSTS,
                image_max_bytes=int(env.get("IMAGE_MAX_BYTES", defaults.image_max_bytes)),
                image_fetch_timeout=float(env.get("IMAGE_FETCH_TIMEOUT", defaults.image_fetch_timeout)),
                image_allow_private_hosts=_env_bool(env.get("IMAGE_ALLOW_PRIVATE_HOSTS"), False),
                image_ca_bundle=env.get("IMAGE_CA_BUNDLE", ""),
                log_format=env.get("LOG_FORMAT") or defaults.log_format,
                metrics_port=int(env.get("METRICS_PORT") or defaults.metrics_port),
                kakaopay_api=env.get("KAKAOPAY_API") or defaults.kakaopay_api,
                kakaopay_secret_key=env.get("KAKAOPAY_SECRET_KEY", ""),
                kakaopay_cid=env.get("KAKAOPAY_CID") or defaults.kakaopay_cid,
                kakaopay_base_url=env.get("KAKAOPAY_BASE_URL", "").rstrip("/"),
                kakaopay_connect_timeout=float(
                    env.get("KAKAOPAY_CONNECT_TIMEOUT") or defaults.kakaopay_connect_timeout
                ),
                kakaopay_read_timeout=float(
                    env.get("KAKAOPAY_READ_TIMEOUT") or defaults.kakaopay_read_timeout
                ),
                kakaopay_ready_ttl=int(env.get("KAKAOPAY_READY_TTL") or defaults.kakaopay_ready_ttl),
                jwt_secret=env.get("JWT_SECRET") or defaults.jwt_secret,
                jwt_issuer=env.get("JWT_ISSUER") or defaults.jwt_issuer,
                jwt_audience=env.get("JWT_AUDIENCE") or defaults.jwt_audience,
                jwt_access_ttl=int(env.get("JWT_ACCESS_TTL") or defaults.jwt_access_ttl),
                jwt_refresh_ttl=int(env.get("JWT_REFRESH_TTL") or defaults.jwt_refresh_ttl),
                ratelimit_storage_uri=env.get("RATELIMIT_STORAGE_URI", ""),
            )
        except ValueError as exc:
            raise ConfigError(f"invalid numeric setting: {exc}") from exc
        settings.check()
        return settings

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with some attributes replaced; unknown names raise `TypeError`."""
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(f"unknown settings: {sorted(unknown)}")
        updated = replace(self, **overrides)
        updated.check()
        return updated

    def check(self) -> None:
        """Refuse unsafe production settings; raises `ConfigError`."""
        if self.skill_time_budget <= 0 or self.skill_time_budget >= 5:
            raise ConfigError("SKILL_TIME_BUDGET must be between 0 and 5 seconds (Kakao's skill timeout)")
        if self.crawler_min_interval < 60 and self.app_env != "test":
            raise ConfigError(
                "CRAWLER_MIN_INTERVAL must be at least 60 seconds: deal boards are read politely"
            )
        if self.log_format not in ("text", "json"):
            raise ConfigError("LOG_FORMAT must be text or json")
        if self.storage_backend not in ("local", "s3"):
            raise ConfigError("STORAGE_BACKEND must be local or s3")
        if self.storage_backend == "s3" and not self.s3_bucket:
            raise ConfigError("STORAGE_BACKEND=s3 needs S3_BUCKET")
        if not 0 < self.jwt_access_ttl <= 3600 or self.jwt_refresh_ttl <= self.jwt_access_ttl:
            raise ConfigError("JWT_ACCESS_TTL must be 1..3600 s and JWT_REFRESH_TTL longer than it")
        if self.kakaopay_api not in ("current", "legacy"):
            raise ConfigError("KAKAOPAY_API must be current or legacy")
        if not self.is_production:
            return
        if not self.kakaopay_secret_key:
            raise ConfigError("KAKAOPAY_SECRET_KEY is required in production (the stand-in is for dev only)")
        if self.image_allow_private_hosts:
            raise ConfigError("IMAGE_ALLOW_PRIVATE_HOSTS is for tests only")
        if self.secret_key.strip().lower() in PLACEHOLDER_SECRETS or len(self.secret_key) < 32:
            raise ConfigError("SECRET_KEY must be a random string of at least 32 characters in production")
        if weak_jwt_secret(self.jwt_secret) or self.jwt_secret == self.secret_key:
            raise ConfigError(
                "JWT_SECRET must be a random string of at least 32 bytes in production, not SECRET_KEY"
                " (e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if not self.skill_token:
            raise ConfigError("SKILL_TOKEN is required in production (set it as a header in Open Builder)")
        if self.redis_url is None:
            raise ConfigError("REDIS_URL is required in production")
        if self.database_url.startswith("sqlite"):
            raise ConfigError("DATABASE_URL must point at MariaDB in production")
