"""The activity service's errors: what its routes answer, and what its parts raise to each other."""

from souk_kit.errors import PayloadTooLargeError


class MetadataTooLargeError(PayloadTooLargeError):
    code = "metadata_too_large"
    message = "The event's metadata is too large"


class WebhookTargetError(ValueError):
    """The URL is not one Souk sends webhooks to."""
