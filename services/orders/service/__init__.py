"""The orders use cases: checkout saga, order lifecycle, views, analytics and recovery."""
