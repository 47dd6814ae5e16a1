"""Settings: one frozen object read from the environment, with embedded defaults."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

WECHAT_API = "https://api.weixin.qq.com"
ENVIRONMENTS = ("development", "production", "test")
MINIPROGRAM_STATES = ("developer", "trial", "formal")  # subscribeMessage.send miniprogram_state
CONTENT_CHECK_MODES = ("closed", "open", "off")  # msgSecCheck failing: hold, relay, or no check
TEMPLATE_VALUES = ("title", "summary", "time", "case_id")  # what a template field may show


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


# --- privacy and limits -----------------------------------------------------------

LOG_FORMATS = ("text", "json")


@dataclass(frozen=True)
class RateLimits:
    """Requests per minute, counted in Redis for all processes together (0: no limit)."""

    messages_per_party: int = 30  # POST /api/v1/messages, per logged-in party
    messages_per_ip: int = 120
    login_per_ip: int = 20  # WeChat and dev login
    api_per_party: int = 120  # every other API call
    api_per_ip: int = 600
    push_per_openid: int = 30  # the WeChat push: WeChat's servers share IPs, so per sender


@dataclass(frozen=True)
class Retention:
    """How long data is kept before the daily purge erases it (bot/retention.py)."""

    # Closed cases' chat text and personal data, counted from the case's last change.
    # LDMAL-27: a worker may apply for arbitration within one year, and the limitation
    # restarts when interrupted, so the records stay well beyond that year; the seeds ask
    # mediation organizations to keep 档案 but set no period, so three years by default and
    # never less than the one-year limitation. After that PIPL-19: no longer than needed.
    case_days: int = 3 * 365
    outbound_days: int = 180  # delivered notifications outside cases (a case keeps its own)
    push_days: int = 30  # the WeChat push log (WeChat redelivers within seconds)


MIN_CASE_RETENTION_DAYS = 365  # LDMAL-27: the one-year limitation for arbitration


def _count(env: Mapping[str, str], name: str, default: int, maximum: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) > maximum:
        raise ConfigError(f"{name} must be a whole number between 0 and {maximum}")
    return int(raw)


def _rate_limits(env: Mapping[str, str]) -> RateLimits:
    """TIAOJIE_RATE_<NAME>, e.g. TIAOJIE_RATE_MESSAGES_PER_PARTY=30 (per minute; 0: off)."""
    defaults = RateLimits()
    values = {
        name: _count(env, f"TIAOJIE_RATE_{name.upper()}", getattr(defaults, name), 1_000_000)
        for name in defaults.__dataclass_fields__
    }
    return RateLimits(**values)


def _retention(env: Mapping[str, str]) -> Retention:
    defaults = Retention()
    retention = Retention(
        case_days=_count(env, "TIAOJIE_RETENTION_DAYS", defaults.case_days, 36_500),
        outbound_days=_count(
            env, "TIAOJIE_RETENTION_OUTBOUND_DAYS", defaults.outbound_days, 36_500
        ),
        push_days=_count(env, "TIAOJIE_RETENTION_PUSH_DAYS", defaults.push_days, 36_500),
    )
    if retention.case_days < MIN_CASE_RETENTION_DAYS:
        raise ConfigError(
            f"TIAOJIE_RETENTION_DAYS must be at least {MIN_CASE_RETENTION_DAYS} "
            "(the one-year limitation for arbitration, LDMAL-27)"
        )
    if not retention.outbound_days or not retention.push_days:
        raise ConfigError("TIAOJIE_RETENTION_OUTBOUND_DAYS and _PUSH_DAYS must be at least 1")
    return retention


def _log_format(env: Mapping[str, str], mode: str) -> str:
    """TIAOJIE_LOG_FORMAT: json (default in production) or text (readable, the default)."""
    value = env.get("TIAOJIE_LOG_FORMAT", "").strip().lower()
    if not value:
        return "json" if mode == "production" else "text"
    if value not in LOG_FORMATS:
        raise ConfigError(f"TIAOJIE_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
    return value


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
    # Privacy and limits: requests per minute, log format, retention (bot/retention.py)
    rate_limits: RateLimits = field(default_factory=RateLimits)
    trusted_proxies: int = 0  # reverse proxies in front whose X-Forwarded-For is believed
    log_format: str = "text"  # "json" in production: one JSON object a line
    retention: Retention = field(default_factory=Retention)
    wechat_stable_token: bool = False  # fetch access tokens from cgi-bin/stable_token
    # Subscribe-message templates by purpose ("notice"): {"id", "page", "fields": {key: value}}
    wechat_templates: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    wechat_miniprogram_state: str = "formal"
    wechat_content_check: str = "closed"  # relays when msgSecCheck fails: closed holds them
    collective_to_township: bool = False  # a local rule: collective cases to the street centre
    console_idle_hours: int = 8  # a web-console session ends after this long without a request

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def embedded_database(self) -> bool:
        """The default SQLite file in the data dir (not a configured DATABASE_URL)."""
        return self.database_url == f"sqlite:///{self.data_dir / 'tiaojie.db'}"

    @property
    def dev_login(self) -> bool:
        return not self.production

    @property
    def wechat_enabled(self) -> bool:
        """The server APIs (token, subscribe, custom send, msgSecCheck) can be called."""
        return bool(self.wechat_appid and self.wechat_secret)

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
            rate_limits=_rate_limits(env),
            trusted_proxies=_count(env, "TIAOJIE_TRUSTED_PROXIES", 0, 5),
            log_format=_log_format(env, mode),
            retention=_retention(env),
            wechat_appid=env.get("TIAOJIE_WECHAT_APPID", ""),
            wechat_secret=env.get("TIAOJIE_WECHAT_SECRET", ""),
            wechat_token=env.get("TIAOJIE_WECHAT_TOKEN", ""),
            wechat_aes_key=env.get("TIAOJIE_WECHAT_AES_KEY", ""),
            wechat_api_base=(env.get("TIAOJIE_WECHAT_API_BASE") or WECHAT_API).rstrip("/"),
            wechat_stable_token=_flag(env, "TIAOJIE_WECHAT_STABLE_TOKEN"),
            wechat_templates=_templates(env.get("TIAOJIE_WECHAT_TEMPLATES", "")),
            wechat_miniprogram_state=env.get("TIAOJIE_WECHAT_MINIPROGRAM_STATE")
            or ("formal" if mode == "production" else "developer"),
            wechat_content_check=env.get("TIAOJIE_WECHAT_CONTENT_CHECK") or "closed",
            collective_to_township=_flag(env, "TIAOJIE_COLLECTIVE_TO_TOWNSHIP"),
            console_idle_hours=_hours(env, "TIAOJIE_CONSOLE_IDLE_HOURS", 8),
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
        if self.wechat_miniprogram_state not in MINIPROGRAM_STATES:
            raise ConfigError(
                f"TIAOJIE_WECHAT_MINIPROGRAM_STATE must be one of {', '.join(MINIPROGRAM_STATES)}"
            )
        if self.wechat_content_check not in CONTENT_CHECK_MODES:
            raise ConfigError(
                f"TIAOJIE_WECHAT_CONTENT_CHECK must be one of {', '.join(CONTENT_CHECK_MODES)}"
            )
        for purpose, template in self.wechat_templates.items():
            _check_template(purpose, template)


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value not in ("", "0", "1", "true", "false", "yes", "no"):
        raise ConfigError(f"{name} must be 1/0 (or true/false)")
    return value in ("1", "true", "yes")


def _hours(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= 24 * 30:
        raise ConfigError(f"{name} must be a whole number of hours between 1 and 720")
    return int(raw)


def _templates(raw: str) -> dict[str, Any]:
    """TIAOJIE_WECHAT_TEMPLATES: JSON, e.g. {"notice": {"id": "…", "page":
    "pages/case/detail?id={case_id}", "fields": {"thing1": "title", "thing2": "summary",
    "time3": "time"}}}: which template each purpose uses and what each of its keys shows."""
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError as error:
        raise ConfigError("TIAOJIE_WECHAT_TEMPLATES must be a JSON object") from error
    if not isinstance(value, dict):
        raise ConfigError("TIAOJIE_WECHAT_TEMPLATES must be a JSON object")
    return value


def _check_template(purpose: str, template: Any) -> None:
    where = f"TIAOJIE_WECHAT_TEMPLATES[{purpose!r}]"
    if not isinstance(template, Mapping) or not isinstance(template.get("id"), str):
        raise ConfigError(f'{where} needs an "id" (the template id from the mp console)')
    fields = template.get("fields")
    if not isinstance(fields, Mapping) or not fields:
        raise ConfigError(f'{where} needs "fields": {{template key: one of {TEMPLATE_VALUES}}}')
    for key, source in fields.items():
        if source not in TEMPLATE_VALUES:
            raise ConfigError(
                f"{where} field {key!r} must show one of {', '.join(TEMPLATE_VALUES)}"
            )
    if not isinstance(template.get("page", ""), str):
        raise ConfigError(f'{where} "page" must be a mini-program page path')


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
