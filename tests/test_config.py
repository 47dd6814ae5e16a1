"""Settings from the environment: embedded defaults, production requirements, clear errors."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings


def test_embedded_defaults_keep_a_generated_secret_in_the_data_dir(tmp_path: Path) -> None:
    first = Settings.from_env({"TIAOJIE_DATA_DIR": str(tmp_path)})
    again = Settings.from_env({"TIAOJIE_DATA_DIR": str(tmp_path)})
    assert first.database_url == f"sqlite:///{tmp_path / 'tiaojie.db'}"
    assert first.redis_url is None and first.dev_login
    assert first.secret_key == again.secret_key and len(first.secret_key) >= 32
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_production_needs_database_redis_and_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL, REDIS_URL, TIAOJIE_SECRET_KEY"):
        Settings.from_env({"TIAOJIE_ENV": "production", "TIAOJIE_DATA_DIR": str(tmp_path)})
    settings = Settings.from_env(
        {
            "TIAOJIE_ENV": "production",
            "TIAOJIE_DATA_DIR": str(tmp_path),
            "DATABASE_URL": "postgresql://app@db/tiaojie",
            "REDIS_URL": "redis://cache:6379/0",
            "TIAOJIE_SECRET_KEY": "s" * 40,
        }
    )
    assert settings.production and not settings.dev_login


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TIAOJIE_ENV", "staging", "TIAOJIE_ENV must be one of"),
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL must be"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL must be"),
        ("TIAOJIE_SECRET_KEY", "short", "at least 32"),
        ("TIAOJIE_WECHAT_AES_KEY", "abc", "43 characters"),
        ("TIAOJIE_WECHAT_API_BASE", "http://api.example.com", "https://"),
    ],
)
def test_invalid_settings_fail_with_a_message_naming_the_setting(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({"TIAOJIE_DATA_DIR": str(tmp_path), name: value})
