#!/usr/bin/env bash
# The warehouse container's roles and database (docker-compose.yml, service `warehouse`).
#
# The postgres image runs this once, as its superuser, when it initialises an empty data
# directory (mounted as /docker-entrypoint-initdb.d/10-warehouse-init.sh). It creates what the
# embedded warehouse creates at bootstrap (stack/warehouse.py):
#   - the login role `warehouse`, owner of the database (Airflow, dbt and the migrations use it;
#     not a superuser, cannot create roles or databases);
#   - the login role `bi_reader` for BI tools (read-only: migration 0004 and dbt grants give it
#     connect and select on the marts, nothing else);
#   - the database `warehouse`, owned by `warehouse`, UTF8.
# Passwords come from the environment (WAREHOUSE_PASSWORD, BI_READER_PASSWORD, set from .env)
# and reach the server as SQL literals quoted by PostgreSQL itself (format %L), never by the shell.
#
# Safe to run again, e.g. after changing the passwords in .env (`docker compose up -d warehouse`
# first, so the container has the new values):
#   docker compose exec warehouse bash /docker-entrypoint-initdb.d/10-warehouse-init.sh
# Outside the container (tests/deploy/test_compose.py) libpq's PGHOST/PGPORT/PGPASSWORD apply.
set -euo pipefail

: "${WAREHOUSE_PASSWORD:?WAREHOUSE_PASSWORD is not set (see .env.example)}"
: "${BI_READER_PASSWORD:?BI_READER_PASSWORD is not set (see .env.example)}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet \
    --username "${POSTGRES_USER:-postgres}" --dbname postgres <<'SQL'
\getenv owner_password WAREHOUSE_PASSWORD
\getenv bi_password BI_READER_PASSWORD

-- Create each login role, or reset its password when it exists already.
select format(
           case when exists (select from pg_roles where rolname = role_name)
                then 'alter role %I with login nosuperuser nocreatedb nocreaterole password %L'
                else 'create role %I login nosuperuser nocreatedb nocreaterole password %L'
           end,
           role_name, role_password)
  from (values ('warehouse', :'owner_password'), ('bi_reader', :'bi_password'))
       as wanted (role_name, role_password)
\gexec

select 'create database warehouse owner warehouse encoding ''UTF8'' template template0'
 where not exists (select from pg_database where datname = 'warehouse')
\gexec
SQL

echo "warehouse-init: database warehouse, login roles warehouse and bi_reader are ready"
