"""The products use cases, by area: `catalogue` (reads), `products` (a seller's writes and
moderation), `images`, `offers` and `read_model` (numbers pushed by other services)."""
