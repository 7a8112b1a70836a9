"""Secrets made on first start under var/secrets/ (mode 0600), never committed."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

JWT_PRIVATE_KEY = "jwt_private.pem"
JWT_PUBLIC_KEY = "jwt_public.pem"
SERVICE_TOKEN = "service_token"
ADMIN_PASSWORD = "admin_password"


@dataclass(frozen=True)
class Credentials:
    jwt_private_key_file: Path
    jwt_public_key_file: Path
    service_token: str


@dataclass(frozen=True)
class AdminPassword:
    value: str
    generated_now: bool
    stored_in: Path | None


def ensure_credentials(secrets_dir: Path) -> Credentials:
    """The JWT key pair and the service token, created when missing."""
    _ensure_dir(secrets_dir)
    private_file = secrets_dir / JWT_PRIVATE_KEY
    public_file = secrets_dir / JWT_PUBLIC_KEY
    if not (private_file.exists() and public_file.exists()):
        key = Ed25519PrivateKey.generate()
        private_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        public_pem = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        _write_secret(private_file, private_pem)
        _write_secret(public_file, public_pem)
    token = _read_or_create(secrets_dir / SERVICE_TOKEN, lambda: secrets.token_urlsafe(32))
    return Credentials(private_file, public_file, token)


def ensure_admin_password(secrets_dir: Path, configured: str | None) -> AdminPassword:
    """The configured admin password, or one generated once and kept in var/secrets/."""
    if configured:
        return AdminPassword(configured, generated_now=False, stored_in=None)
    _ensure_dir(secrets_dir)
    path = secrets_dir / ADMIN_PASSWORD
    existed = path.exists()
    value = _read_or_create(path, lambda: secrets.token_urlsafe(18))
    return AdminPassword(value, generated_now=not existed, stored_in=path)


def _ensure_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)


def _read_or_create(path: Path, make: Callable[[], str]) -> str:
    if not path.exists():
        _write_secret(path, make().encode())
    return path.read_text().strip()


def _write_secret(path: Path, content: bytes) -> None:
    # O_EXCL + 0600 at creation: the secret is never readable by others, not even briefly.
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(content)
    os.replace(tmp, path)
