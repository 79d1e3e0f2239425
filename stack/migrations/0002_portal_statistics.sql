-- 0002: the state portal's e-service statistics (step 2): raw rows, quarantine, resources seen.

alter table audit.load_batches
    add column if not exists rows_quarantined integer,
    add column if not exists rows_outside_range integer,
    add column if not exists periods text,
    add column if not exists params jsonb,
    add column if not exists duration_seconds numeric
        generated always as (extract(epoch from finished_at - started_at)) stored;

comment on column audit.load_batches.rows_outside_range is
    'Rows read but outside the requested period range (not loaded, not bad). '
    'rows_read = rows_loaded + rows_quarantined + rows_outside_range.';

-- One row per portal e-service, period, institution and electronic sub-channel.
create table if not exists raw.portal_requests (
    institution_code        text        not null,
    portal_service_code     text        not null,
    service_name            text,
    period_grain            text        not null check (period_grain in ('day', 'month')),
    period_start            date        not null,
    channel                 text        not null
        check (channel in ('portal', 'institution_website', 'api_e_address')),
    request_count           bigint      not null check (request_count >= 0),
    -- No foreign key to audit.load_batches: a per-row check costs minutes on national-scale
    -- loads; the loader writes the batch row in the same transaction as its rows.
    batch_id                uuid        not null,
    source_uri              text        not null,
    source_sha256           text        not null,
    source_line             bigint      not null,
    loaded_at               timestamptz not null,
    is_synthetic            boolean     not null default false,
    primary key (institution_code, period_grain, period_start, portal_service_code, channel),
    check (period_grain = 'day' or period_start = date_trunc('month', period_start)::date)
);
-- No secondary indexes: every one slows national-scale loads, and the marts scan anyway.

-- Rows that could not be loaded, one per source line, with the reason. Never dropped.
create table if not exists raw.portal_requests_quarantine (
    quarantine_id   bigint generated always as identity primary key,
    batch_id        uuid        not null,
    source_uri      text        not null,
    source_line     bigint      not null,
    column_name     text,
    reason          text        not null,
    raw_record      jsonb       not null,
    quarantined_at  timestamptz not null default now()
);
create index if not exists portal_quarantine_batch_idx on raw.portal_requests_quarantine (batch_id);

-- Remote resources (CKAN) already loaded, so an unchanged resource is not downloaded again.
create table if not exists audit.portal_resources (
    resource_id     text primary key,
    url             text,
    last_modified   text,
    content_hash    text,
    source_sha256   text,
    batch_id        uuid references audit.load_batches (batch_id),
    seen_at         timestamptz not null default now()
);

-- The portal code as the warehouse keeps it: 'EP72' from 'ep72', ' EP72 ' or a full
-- 'URN:IVIS:100001:EP-EP72-V1-0'; other codes (e.g. synthetic 'SYN-VDI-02') upper-cased as is.
create or replace function raw.normalise_portal_code(code text) returns text
language sql immutable parallel safe
return nullif(
    upper(coalesce(substring(btrim(code) from '(?i)^URN:IVIS:\d+:EP-(EP\d+)(?:-V[0-9-]+)?$'), btrim(code))),
    ''
);
