from souk_kit.settings import ServiceSettings


class ReviewsSettings(ServiceSettings):
    """Reviews settings (env `SOUK_ANONYMOUS_AUTHOR`)."""

    # Shown as the author when the reviewer has no display name.
    anonymous_author: str = "Anonymous"
