from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from souk_kit.settings import REPO_ROOT, ServiceSettings


class PasswordHashing(BaseSettings):
    """How passwords are hashed; all the launcher's commands need to create the first admin."""

    model_config = SettingsConfigDict(env_prefix="SOUK_", extra="ignore")

    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536


class AuthSettings(ServiceSettings, PasswordHashing):
    jwt_private_key_file: Path | None = REPO_ROOT / "var" / "secrets" / "jwt_private.pem"
    # The auth service reads revocations from its own tables, so it can check every request.
    revocation_refresh_seconds: float = Field(
        0.0, validation_alias="SOUK_AUTH_REVOCATION_REFRESH_SECONDS"
    )
    login_max_failures: int = 5
    login_lockout_seconds: int = 300
