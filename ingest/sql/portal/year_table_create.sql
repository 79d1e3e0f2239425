-- The load's own table for one year (ingest/portal/year_tables.py): the shape of
-- raw.portal_requests, a CHECK on the year (so attaching it as the year's partition needs no
-- scan) and this batch as every row's batch_id. Created in the loading transaction: on the
-- embedded server (wal_level = minimal) its rows are written without WAL.
create table {table} (
    like raw.portal_requests including defaults including constraints,
    constraint year_bounds check (period_start >= {first} and period_start < {next})
);
alter table {table} alter column batch_id set default {batch_id}
