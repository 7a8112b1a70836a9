"""The small library every Souk service imports: app factory pieces, database, auth, errors."""

SERVICES = ("auth", "products", "cart", "orders", "inventory", "reviews", "shipping", "activity")
