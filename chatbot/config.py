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

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def snapshot_ttl(self) -> int:
        """Seconds the Redis snapshot lives: the configured value, else 5 (embedded) or 3600 (Redis)."""
        if self.hotdeals_cache_ttl > 0:
            return self.hotdeals_cache_ttl
        return 5 if self.redis_url is None else 3600

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
        if self.storage_backend not in ("local", "s3"):
            raise ConfigError("STORAGE_BACKEND must be local or s3")
        if self.storage_backend == "s3" and not self.s3_bucket:
            raise ConfigError("STORAGE_BACKEND=s3 needs S3_BUCKET")
        if not self.is_production:
            return
        if self.image_allow_private_hosts:
            raise ConfigError("IMAGE_ALLOW_PRIVATE_HOSTS is for tests only")
        if self.secret_key.strip().lower() in PLACEHOLDER_SECRETS or len(self.secret_key) < 32:
            raise ConfigError("SECRET_KEY must be a random string of at least 32 characters in production")
        if not self.skill_token:
            raise ConfigError("SKILL_TOKEN is required in production (set it as a header in Open Builder)")
        if self.redis_url is None:
            raise ConfigError("REDIS_URL is required in production")
        if self.database_url.startswith("sqlite"):
            raise ConfigError("DATABASE_URL must point at MariaDB in production")
