from pydantic import Field, SecretStr
from souk_kit.settings import ServiceSettings


class ActivitySettings(ServiceSettings):
    """Activity settings (env `SOUK_CLIENT_EVENTS_PER_MINUTE`, `SOUK_CO_VIEW_WINDOW_HOURS`, …)."""

    # Events one user (or, signed out, one IP) may post per minute to one process; the
    # gateway's per-IP limit sits in front of this.
    client_events_per_minute: int = Field(120, ge=1)
    metadata_max_bytes: int = Field(2048, ge=2)
    metadata_max_keys: int = Field(20, ge=1)
    # Objects and arrays inside one another, the metadata object itself counting as 1.
    metadata_max_depth: int = Field(8, ge=1)
    # Two products viewed by the same user this close together count as viewed together.
    co_view_window_hours: float = Field(24.0, gt=0)
    stats_default_days: int = Field(30, ge=1)
    stats_max_days: int = Field(366, ge=1)
    # Live updates (GET /api/activity/stream): a comment this often keeps an idle stream
    # open through nginx and proxies; a reconnecting client is sent at most
    # `stream_backlog_limit` missed events (more → one `reset` event: reload the page).
    stream_heartbeat_seconds: float = Field(15.0, gt=0)
    stream_backlog_limit: int = Field(1000, ge=1)
    stream_max_products: int = Field(50, ge=1)
    live_keep_hours: float = Field(24.0, gt=0)
    # The Flask routes run in this many threads of the ASGI worker (a stream takes none).
    request_threads: int = Field(4, ge=1)
    # Notification e-mails go through this SMTP server; an empty host turns e-mail off (none
    # is queued). `make up` and the tests run a local sink (aiosmtpd) and set it.
    smtp_host: str = ""
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = False
    smtp_timeout: float = Field(10.0, gt=0)
    mail_from: str = "Souk <no-reply@souk.localhost>"
    # Where the links in e-mails point: the gateway's public address.
    public_url: str = "http://localhost:8080"
    # The mailer runs this often and whenever a notification queues an e-mail; a failed
    # e-mail is retried after `mail_retry_seconds`, then twice as long each time, and given
    # up after `mail_max_attempts`.
    mail_poll_seconds: float = Field(30.0, gt=0)
    # Woken by a new e-mail, the mailer first waits this long for others, so one round (one
    # accounts lookup, one SMTP session) sends what several checkouts queued.
    mail_gather_seconds: float = Field(1.0, ge=0)
    mail_retry_seconds: float = Field(30.0, gt=0)
    mail_max_attempts: int = Field(8, ge=1)
    # Shop webhooks: each request waits at most `webhook_timeout` for its answer; a failed
    # delivery is retried after `webhook_retry_seconds`, then twice as long each time, and
    # given up after `webhook_max_attempts`; an endpoint is disabled after
    # `webhook_disable_after` failed attempts in a row. `webhooks_allow_loopback` lets
    # endpoints be plain http:// and internal addresses: for tests and development only.
    webhook_poll_seconds: float = Field(10.0, gt=0)
    webhook_timeout: float = Field(10.0, gt=0)
    webhook_retry_seconds: float = Field(30.0, gt=0)
    webhook_max_attempts: int = Field(10, ge=1)
    webhook_disable_after: int = Field(20, ge=1)
    webhooks_allow_loopback: bool = False
