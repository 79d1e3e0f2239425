-- 0001: schemas, audit tables and the provisional raw tables of the reference path (step 1).
-- Later steps change these through new numbered files; never edit an applied migration.

create schema if not exists raw;
create schema if not exists audit;

comment on schema raw is 'Data as received, with lineage; written only by the ingest library.';
comment on schema audit is 'Load batches, extract attempts and schema migrations.';

create table if not exists audit.load_batches (
    batch_id        uuid primary key default gen_random_uuid(),
    loader          text        not null,
    source_uri      text        not null,
    source_sha256   text        not null,
    status          text        not null check (status in ('running', 'succeeded', 'failed', 'skipped')),
    rows_read       integer,
    rows_loaded     integer,
    message         text,
    is_synthetic    boolean     not null default false,
    started_at      timestamptz not null default now(),
    finished_at     timestamptz
);
create index if not exists load_batches_loader_idx on audit.load_batches (loader, started_at desc);

-- One row per project that funded e-services (the header of an implementation plan).
create table if not exists raw.implementation_plans (
    project_id              text primary key,
    institution_code        text    not null,
    institution_name_lv     text    not null,
    institution_alias_lv    text,
    project_name_lv         text    not null,
    funding_programme       text,
    project_start_year      integer not null,
    project_end_year        integer not null,
    base_year               integer not null,
    forecast_year           integer not null,
    responsible_authority   text,
    batch_id                uuid        not null references audit.load_batches (batch_id),
    source_file             text        not null,
    source_sha256           text        not null,
    loaded_at               timestamptz not null,
    is_synthetic            boolean     not null default false,
    check (base_year = project_end_year + 1)
);

-- One row per planned e-service: the yearly forecast that applies to every window year.
create table if not exists raw.plan_services (
    project_id              text    not null references raw.implementation_plans (project_id) on delete cascade,
    service_key             text    not null,
    institution_code        text    not null,
    service_no              integer not null,
    service_name_lv         text    not null,
    portal_service_code     text,
    forecast_total_users    integer not null check (forecast_total_users >= 0),
    forecast_e_users        integer not null check (forecast_e_users >= 0),
    planned_activities_lv   text,
    batch_id                uuid        not null references audit.load_batches (batch_id),
    source_file             text        not null,
    source_sha256           text        not null,
    loaded_at               timestamptz not null,
    is_synthetic            boolean     not null default false,
    primary key (project_id, service_key),
    unique (service_key)
);

-- One row per institution, reporting year and service: the yearly indicator submission.
create table if not exists raw.yearly_submissions (
    institution_code                text    not null,
    reporting_year                  integer not null,
    service_key                     text    not null,
    total_users                     integer check (total_users >= 0),
    electronic_requests             integer check (electronic_requests >= 0),
    electronic_requests_origin      text,
    received_date                   date,
    received_date_is_approximate    boolean not null default false,
    batch_id                        uuid        not null references audit.load_batches (batch_id),
    source_file                     text        not null,
    source_sha256                   text        not null,
    loaded_at                       timestamptz not null,
    is_synthetic                    boolean     not null default false,
    primary key (institution_code, reporting_year, service_key)
);

-- Every attempt to produce a validated yearly extract, passed or not.
create table if not exists audit.submission_log (
    attempt_id          uuid primary key default gen_random_uuid(),
    reporting_year      integer     not null,
    institution_code    text        not null,
    outcome             text        not null check (outcome in ('written', 'unchanged', 'failed')),
    extract_version     integer,
    extract_path        text,
    manifest_sha256     text,
    expectations_total  integer,
    expectations_failed integer,
    message             text,
    attempted_at        timestamptz not null default now()
);
