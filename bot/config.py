"""Settings: one frozen object read from the environment, with embedded defaults."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

WECHAT_API = "https://api.weixin.qq.com"
ENVIRONMENTS = ("development", "production", "test")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    env: str
    data_dir: Path
    database_url: str
    redis_url: str | None  # None: `tiaojie serve` starts the embedded Redis
    secret_key: str
    wechat_appid: str = ""
    wechat_secret: str = ""
    wechat_token: str = ""
    wechat_aes_key: str = ""
    wechat_api_base: str = WECHAT_API
    max_text_chars: int = 2000  # longer chat messages are refused with a clear error
    max_body_bytes: int = 64 * 1024
    session_days: int = 30  # lifetime of a login token

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def dev_login(self) -> bool:
        return not self.production

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read TIAOJIE_* / DATABASE_URL / REDIS_URL; raise ConfigError on anything invalid."""
        env = dict(os.environ if environ is None else environ)
        mode = env.get("TIAOJIE_ENV", "development").strip() or "development"
        if mode not in ENVIRONMENTS:
            raise ConfigError(f"TIAOJIE_ENV must be one of {', '.join(ENVIRONMENTS)}, not {mode!r}")
        data_dir = Path(env.get("TIAOJIE_DATA_DIR") or platformdirs.user_data_dir("tiaojie"))
        if mode == "production":
            _require(env, "DATABASE_URL", "REDIS_URL", "TIAOJIE_SECRET_KEY")
        settings = cls(
            env=mode,
            data_dir=data_dir,
            database_url=env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'tiaojie.db'}",
            redis_url=env.get("REDIS_URL") or None,
            secret_key=env.get("TIAOJIE_SECRET_KEY") or _embedded_secret(data_dir),
            wechat_appid=env.get("TIAOJIE_WECHAT_APPID", ""),
            wechat_secret=env.get("TIAOJIE_WECHAT_SECRET", ""),
            wechat_token=env.get("TIAOJIE_WECHAT_TOKEN", ""),
            wechat_aes_key=env.get("TIAOJIE_WECHAT_AES_KEY", ""),
            wechat_api_base=(env.get("TIAOJIE_WECHAT_API_BASE") or WECHAT_API).rstrip("/"),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        if not self.database_url.startswith(("sqlite:///", "postgresql", "postgres://")):
            raise ConfigError("DATABASE_URL must be postgresql://… or sqlite:///…")
        if self.redis_url and not self.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError("REDIS_URL must be redis://…, rediss://… or unix://…")
        if len(self.secret_key) < 32:
            raise ConfigError("TIAOJIE_SECRET_KEY must be at least 32 characters")
        if self.wechat_aes_key and len(self.wechat_aes_key) != 43:
            raise ConfigError("TIAOJIE_WECHAT_AES_KEY (EncodingAESKey) must be 43 characters")
        if not self.wechat_api_base.startswith(
            ("https://", "http://127.0.0.1", "http://localhost")
        ):
            raise ConfigError("TIAOJIE_WECHAT_API_BASE must be https://… (or a local fake)")


def _require(env: Mapping[str, str], *names: str) -> None:
    missing = [name for name in names if not env.get(name)]
    if missing:
        raise ConfigError(f"production needs {', '.join(missing)} to be set")


def _embedded_secret(data_dir: Path) -> str:
    """A random secret generated once and kept (mode 0600) in the data dir."""
    path = data_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process of ours wrote it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret
