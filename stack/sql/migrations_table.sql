-- Bookkeeping of stack/migrate.py: which numbered migration ran, when, with which checksum.
create schema if not exists audit;
create table if not exists audit.schema_migrations (
    version     integer primary key,
    name        text        not null,
    sha256      text        not null,
    applied_at  timestamptz not null default now()
);
