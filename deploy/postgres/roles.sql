-- One login role per service, each owning its own schema and nothing else.
--
-- init-roles.sh runs this as the superuser on every `docker compose up`, before the
-- migrations, and then service-role.sql once per service, so every statement is idempotent:
-- a new service gets its role, and a role's password follows its secrets volume. The
-- passwords arrive as psql variables on standard input, never on a command line.
--
-- A role may connect to this database and owns its schema, so it creates and alters its own
-- tables and Alembic's version table there; it has no privilege on any other schema, the
-- public schema included, and may not create roles or databases.

SET client_min_messages = warning;

-- Only the service roles may connect; nobody may use the public schema.
REVOKE ALL ON DATABASE :"DBNAME" FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
