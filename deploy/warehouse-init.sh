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
#   - the login roles `loader`, `transformer` and `publisher`, one per job (migration 0008 gives
#     each only what its job needs; the Airflow tasks connect as them, never as the owner), and
#     the owner's right to act as each (so migrations can hand them their tables);
#   - the database `warehouse`, owned by `warehouse`, UTF8.
# Passwords come from the environment (WAREHOUSE_PASSWORD, BI_READER_PASSWORD, LOADER_PASSWORD,
# TRANSFORMER_PASSWORD, PUBLISHER_PASSWORD, set from .env)
# and reach the server as SQL literals quoted by PostgreSQL itself (format %L), never by the shell.
#
# Safe to run again, e.g. after changing the passwords in .env (`docker compose up -d warehouse`
# first, so the container has the new values):
#   docker compose exec warehouse bash /docker-entrypoint-initdb.d/10-warehouse-init.sh
# Outside the container (tests/deploy/test_compose.py) libpq's PGHOST/PGPORT/PGPASSWORD apply.
set -euo pipefail

: "${WAREHOUSE_PASSWORD:?WAREHOUSE_PASSWORD is not set (see .env.example)}"
: "${BI_READER_PASSWORD:?BI_READER_PASSWORD is not set (see .env.example)}"
: "${LOADER_PASSWORD:?LOADER_PASSWORD is not set (see .env.example)}"
: "${TRANSFORMER_PASSWORD:?TRANSFORMER_PASSWORD is not set (see .env.example)}"
: "${PUBLISHER_PASSWORD:?PUBLISHER_PASSWORD is not set (see .env.example)}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet \
    --username "${POSTGRES_USER:-postgres}" --dbname postgres <<'SQL'
\getenv owner_password WAREHOUSE_PASSWORD
\getenv bi_password BI_READER_PASSWORD
\getenv loader_password LOADER_PASSWORD
\getenv transformer_password TRANSFORMER_PASSWORD
\getenv publisher_password PUBLISHER_PASSWORD

-- Create each login role, or reset its password when it exists already.
select format(
           case when exists (select from pg_roles where rolname = role_name)
                then 'alter role %I with login nosuperuser nocreatedb nocreaterole password %L'
                else 'create role %I login nosuperuser nocreatedb nocreaterole password %L'
           end,
           role_name, role_password)
  from (values ('warehouse', :'owner_password'), ('bi_reader', :'bi_password'),
               ('loader', :'loader_password'), ('transformer', :'transformer_password'),
               ('publisher', :'publisher_password'))
       as wanted (role_name, role_password)
\gexec

-- The owner may act as each job role: migration 0008 hands them their tables.
select format('grant %I to warehouse with inherit true, set true', role_name)
  from (values ('loader'), ('transformer'), ('publisher')) as job (role_name)
\gexec

select 'create database warehouse owner warehouse encoding ''UTF8'' template template0'
 where not exists (select from pg_database where datname = 'warehouse')
\gexec
SQL

echo "warehouse-init: database warehouse and login roles warehouse, bi_reader, loader," \
     "transformer and publisher are ready"
