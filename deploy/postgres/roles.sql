-- One login role per service, each owning its own schema and nothing else.
--
-- init-roles.sh runs this as the superuser on every `docker compose up`, before the
-- migrations, so every statement is idempotent: a new service gets its role, and a role's
-- password follows its secrets volume. The passwords arrive as psql variables
-- (`:'<service>_password'`) on standard input, never on a command line.
--
-- A role may connect to this database and owns its schema, so it creates and alters its own
-- tables and Alembic's version table there; it has no privilege on any other schema, the
-- public schema included, and may not create roles or databases.
--
-- CREATE on the database is granted only because souk_kit's migrations run
-- `CREATE SCHEMA IF NOT EXISTS`, which PostgreSQL refuses without it even when the schema
-- exists. It lets a role make a new schema of its own, never enter another one; drop those
-- grants once the migrations skip an existing schema.

SET client_min_messages = warning;

-- Only the roles granted below may connect; nobody may use the public schema.
REVOKE ALL ON DATABASE :"DBNAME" FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM PUBLIC;

-- auth
SELECT 'CREATE ROLE souk_auth' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'souk_auth') \gexec
ALTER ROLE souk_auth WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS PASSWORD :'auth_password';
ALTER ROLE souk_auth IN DATABASE :"DBNAME" SET search_path = auth;
GRANT CONNECT ON DATABASE :"DBNAME" TO souk_auth;
CREATE SCHEMA IF NOT EXISTS auth AUTHORIZATION souk_auth;
ALTER SCHEMA auth OWNER TO souk_auth;
REVOKE ALL ON SCHEMA auth FROM PUBLIC;

-- products
SELECT 'CREATE ROLE souk_products' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'souk_products') \gexec
ALTER ROLE souk_products WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS PASSWORD :'products_password';
ALTER ROLE souk_products IN DATABASE :"DBNAME" SET search_path = products;
GRANT CONNECT ON DATABASE :"DBNAME" TO souk_products;
CREATE SCHEMA IF NOT EXISTS products AUTHORIZATION souk_products;
ALTER SCHEMA products OWNER TO souk_products;
REVOKE ALL ON SCHEMA products FROM PUBLIC;

-- cart
SELECT 'CREATE ROLE souk_cart' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'souk_cart') \gexec
ALTER ROLE souk_cart WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS PASSWORD :'cart_password';
ALTER ROLE souk_cart IN DATABASE :"DBNAME" SET search_path = cart;
GRANT CONNECT ON DATABASE :"DBNAME" TO souk_cart;
CREATE SCHEMA IF NOT EXISTS cart AUTHORIZATION souk_cart;
ALTER SCHEMA cart OWNER TO souk_cart;
REVOKE ALL ON SCHEMA cart FROM PUBLIC;

-- orders
SELECT 'CREATE ROLE souk_orders' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'souk_orders') \gexec
ALTER ROLE souk_orders WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS PASSWORD :'orders_password';
ALTER ROLE souk_orders IN DATABASE :"DBNAME" SET search_path = orders;
GRANT CONNECT ON DATABASE :"DBNAME" TO souk_orders;
CREATE SCHEMA IF NOT EXISTS orders AUTHORIZATION souk_orders;
ALTER SCHEMA orders OWNER TO souk_orders;
REVOKE ALL ON SCHEMA orders FROM PUBLIC;

-- inventory
SELECT 'CREATE ROLE souk_inventory' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'souk_inventory') \gexec
ALTER ROLE souk_inventory WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS PASSWORD :'inventory_password';
ALTER ROLE souk_inventory IN DATABASE :"DBNAME" SET search_path = inventory;
GRANT CONNECT ON DATABASE :"DBNAME" TO souk_inventory;
CREATE SCHEMA IF NOT EXISTS inventory AUTHORIZATION souk_inventory;
ALTER SCHEMA inventory OWNER TO souk_inventory;
REVOKE ALL ON SCHEMA inventory FROM PUBLIC;

-- reviews
SELECT 'CREATE ROLE souk_reviews' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'souk_reviews') \gexec
ALTER ROLE souk_reviews WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS PASSWORD :'reviews_password';
ALTER ROLE souk_reviews IN DATABASE :"DBNAME" SET search_path = reviews;
GRANT CONNECT ON DATABASE :"DBNAME" TO souk_reviews;
CREATE SCHEMA IF NOT EXISTS reviews AUTHORIZATION souk_reviews;
ALTER SCHEMA reviews OWNER TO souk_reviews;
REVOKE ALL ON SCHEMA reviews FROM PUBLIC;

-- shipping
SELECT 'CREATE ROLE souk_shipping' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'souk_shipping') \gexec
ALTER ROLE souk_shipping WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS PASSWORD :'shipping_password';
ALTER ROLE souk_shipping IN DATABASE :"DBNAME" SET search_path = shipping;
GRANT CONNECT ON DATABASE :"DBNAME" TO souk_shipping;
CREATE SCHEMA IF NOT EXISTS shipping AUTHORIZATION souk_shipping;
ALTER SCHEMA shipping OWNER TO souk_shipping;
REVOKE ALL ON SCHEMA shipping FROM PUBLIC;

-- activity
SELECT 'CREATE ROLE souk_activity' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'souk_activity') \gexec
ALTER ROLE souk_activity WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS PASSWORD :'activity_password';
ALTER ROLE souk_activity IN DATABASE :"DBNAME" SET search_path = activity;
GRANT CONNECT ON DATABASE :"DBNAME" TO souk_activity;
CREATE SCHEMA IF NOT EXISTS activity AUTHORIZATION souk_activity;
ALTER SCHEMA activity OWNER TO souk_activity;
REVOKE ALL ON SCHEMA activity FROM PUBLIC;
