#!/bin/sh
# The postgres-init job (official PostgreSQL image, run as the unprivileged souk uid):
# create or update one role per service, each owning only its own schema (roles.sql, then
# service-role.sql once per service).
#
# Reads the superuser's and every role's password from the PostgreSQL secrets volume and
# hands them to psql on standard input, so they never appear in a process listing.
# Connection settings come from the usual PGHOST, PGPORT, PGUSER and PGDATABASE.
set -eu

here=$(dirname "$0")
secrets=${SOUK_SECRETS_DIR:-/var/lib/souk/secrets}
services="auth products cart orders inventory reviews shipping activity"

read_secret() {
    value=$(cat "$secrets/$1")
    # psql's \set takes the value as one word; the secrets job makes URL-safe ones.
    case $value in
        "" | *[!A-Za-z0-9_-]*)
            echo "init-roles: $secrets/$1 is empty or has characters other than A-Z a-z 0-9 _ -" >&2
            exit 1
            ;;
    esac
    printf '%s' "$value"
}

PGPASSWORD=$(read_secret postgres_password)
export PGPASSWORD

script="\\i '$here/roles.sql'
"
for service in $services; do
    password=$(read_secret "${service}_password")
    script="$script\\set role souk_$service
\\set schema $service
\\set password $password
\\i '$here/service-role.sql'
"
done

printf '%s' "$script" | psql --no-psqlrc --quiet --set ON_ERROR_STOP=1 --file -

echo "init-roles: a role for each of: $services"
