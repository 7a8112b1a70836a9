"""What runs Souk under docker compose: container entrypoints, one-shot jobs, database roles.

Every module here runs inside the one image the Dockerfile builds (`python -m deploy.<name>`),
except `postgres/`, which the official PostgreSQL image runs with its own psql.
"""
