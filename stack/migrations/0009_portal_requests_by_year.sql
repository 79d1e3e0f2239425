-- 0009: national scale (step 8). raw.portal_requests becomes a table partitioned by the year
-- of period_start, without indexes, and its per-row lineage narrows to batch_id + source_line.
--
-- Why:
-- * A national daily year is 2.19 M rows; maintaining a five-column text primary key while
--   inserting them cost more than everything else in the load together. The loader already
--   guarantees one row per institution, grain, period, code and sub-channel (duplicates in a
--   file are quarantined; a load replaces whole periods), and the raw suite checks it on what
--   each night loaded.
-- * A load that replaces most of a year builds that year's partition beside the table, with
--   no WAL on the embedded server (wal_level = minimal: a table created in the loading
--   transaction), and swaps it in; a small load (a night's day) deletes and inserts inside the
--   year's partition. Either way the work is bounded by one year, never by the history.
-- * source_uri, source_sha256 and loaded_at were the same for every row of a batch: they live
--   in audit.load_batches (join on batch_id); each row keeps its source line.
--
-- The loader creates the partition of a year when it first loads one (it owns the table and
-- may create in raw, 0008); this migration creates those the existing rows need.

-- dbt's views over the table (staging, and the views built on them) would keep the old table
-- alive and block its drop: they are dropped here, and the next dbt build (make run, the
-- nightly transform) creates them again. Marts are tables and stay. A view of anyone else's
-- over raw.portal_requests stops this migration with PostgreSQL's own message.
do $$
declare
    dependent record;
begin
    for dependent in
        select distinct n.nspname as schema_name, c.relname as view_name, c.relkind
        from pg_depend as d
        inner join pg_rewrite as r on r.oid = d.objid
        inner join pg_class as c on c.oid = r.ev_class
        inner join pg_namespace as n on n.oid = c.relnamespace
        where d.refobjid = 'raw.portal_requests'::regclass
          and c.oid <> 'raw.portal_requests'::regclass
          and n.nspname in ('staging', 'intermediate', 'marts', 'exports')
    loop
        execute format(
            'drop %s if exists %I.%I cascade',
            case when dependent.relkind = 'm' then 'materialized view' else 'view' end,
            dependent.schema_name, dependent.view_name
        );
    end loop;
end
$$;

alter table raw.portal_requests rename to portal_requests_before_0009;

create table raw.portal_requests (
    institution_code        text        not null,
    portal_service_code     text        not null,
    service_name            text,
    period_grain            text        not null check (period_grain in ('day', 'month')),
    period_start            date        not null,
    channel                 text        not null
        check (channel in ('portal', 'institution_website', 'api_e_address')),
    request_count           bigint      not null check (request_count >= 0),
    -- Lineage: the load batch (audit.load_batches: file, checksum, time) and the file's line.
    batch_id                uuid        not null,
    source_line             bigint      not null,
    is_synthetic            boolean     not null default false,
    check (period_grain = 'day' or period_start = date_trunc('month', period_start)::date)
) partition by range (period_start);

comment on table raw.portal_requests is
    'Portal requests per institution, period, portal code and sub-channel; one partition per '
    'year of period_start (raw.portal_requests_yYYYY), no indexes (national-scale loads). '
    'Unique on (institution_code, period_grain, period_start, portal_service_code, channel): '
    'the loader guarantees it, the raw suite checks it.';
comment on column raw.portal_requests.batch_id is
    'The load batch (audit.load_batches) that wrote the row: its file, checksum and time.';
comment on column raw.portal_requests.source_line is 'Line of the row in the batch''s file.';

do $$
declare
    y integer;
begin
    for y in
        select distinct extract(year from period_start)::integer
        from raw.portal_requests_before_0009
        order by 1
    loop
        execute format(
            'create table raw.%I partition of raw.portal_requests '
            'for values from (%L) to (%L)',
            'portal_requests_y' || y, make_date(y, 1, 1), make_date(y + 1, 1, 1)
        );
    end loop;
end
$$;

insert into raw.portal_requests (
    institution_code, portal_service_code, service_name, period_grain, period_start, channel,
    request_count, batch_id, source_line, is_synthetic
)
select
    institution_code, portal_service_code, service_name, period_grain, period_start, channel,
    request_count, batch_id, source_line, is_synthetic
from raw.portal_requests_before_0009;

drop table raw.portal_requests_before_0009;

-- The loader owns the table and its partitions (it detaches, drops and attaches them).
do $$
declare
    part record;
begin
    execute 'alter table raw.portal_requests owner to loader';
    for part in
        select c.relname
        from pg_inherits as i
        inner join pg_class as c on c.oid = i.inhrelid
        where i.inhparent = 'raw.portal_requests'::regclass
    loop
        execute format('alter table raw.%I owner to loader', part.relname);
    end loop;
end
$$;

grant select on raw.portal_requests to transformer, publisher;

-- What raw.portal_requests holds per partition it replaces (institution, grain, period), kept
-- by the loader in the transaction that changes the rows: a load compares what it brings with
-- what is there (the shrink guard) and learns whether it replaces a whole year, by reading
-- these ~55 000 rows a national year has instead of aggregating its 2.2 million.
create table audit.portal_period_totals (
    institution_code    text        not null,
    period_grain        text        not null,
    period_start        date        not null,
    rows_loaded         bigint      not null,
    requests            numeric     not null,
    batch_id            uuid        not null,
    primary key (institution_code, period_grain, period_start)
);
comment on table audit.portal_period_totals is
    'Rows and requests of raw.portal_requests per institution, grain and period; kept by the '
    'portal loader in the same transaction as the rows (checked by the tests and make bench).';

insert into audit.portal_period_totals
select institution_code, period_grain, period_start, count(*), sum(request_count),
       (array_agg(batch_id order by batch_id))[1]
from raw.portal_requests
group by institution_code, period_grain, period_start;

grant select, insert, update, delete on audit.portal_period_totals to loader;
grant select on audit.portal_period_totals to transformer;

-- A quarantined portal row as kept in raw.portal_requests_quarantine.raw_record: one place
-- for the shape, used by the exact path's quarantine and by the duplicate check.
create or replace function raw.portal_raw_record(
    portal_service_code text, institution_code text, period text, channel text,
    request_count text, service_name text, period_grain text, is_synthetic text
) returns jsonb
language sql immutable parallel safe
return jsonb_build_object(
    'portal_service_code', portal_service_code,
    'institution_code', institution_code,
    'period', period,
    'channel', channel,
    'request_count', request_count,
    'service_name', service_name,
    'period_grain', period_grain,
    'is_synthetic', is_synthetic
);
