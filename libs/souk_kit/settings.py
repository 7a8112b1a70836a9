from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class ServiceSettings(BaseSettings):
    """Settings every service reads from the environment.

    A service subclasses this for its own settings; `SOUK_` variables map to fields
    (`SOUK_INTERNAL_URL` ↔ `internal_url`), `DATABASE_URL` is read as is.
    """

    model_config = SettingsConfigDict(env_prefix="SOUK_", extra="ignore")

    database_url: str = Field(
        default="postgresql+psycopg2://postgres@localhost/souk",
        validation_alias="DATABASE_URL",
    )
    db_pool_size: int = 5
    db_max_overflow: int = 10
    # Plan prepared statements once, generically, instead of again for each run's values (a
    # service that prepares only statements whose plan fits every value turns this on).
    db_generic_plans: bool = False
    internal_url: str = "http://127.0.0.1:8081"
    # Required: without it a service would start, refuse every internal call with a 404 and
    # read each refusal as "nothing there" (orders would see every cart empty).
    service_token: SecretStr = Field(min_length=16)
    jwt_public_key_file: Path = REPO_ROOT / "var" / "secrets" / "jwt_public.pem"
    jwt_private_key_file: Path | None = None
    access_token_minutes: int = 15
    refresh_token_days: int = 14
    revocation_refresh_seconds: float = 2.0
    http_connect_timeout: float = 1.0
    http_read_timeout: float = 5.0
    var_dir: Path = REPO_ROOT / "var"
    log_dir: Path = REPO_ROOT / "var" / "log"
    media_dir: Path = REPO_ROOT / "var" / "media"
    background_workers: bool = True
    outbox_poll_seconds: float = 0.5
    # A receiver remembers the messages it applied this long (a sender retries for minutes at
    # most), and forgets older ones once per `processed_prune_seconds`.
    processed_keep_days: float = 30.0
    processed_prune_seconds: float = 3600.0
