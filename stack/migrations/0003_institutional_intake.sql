-- 0003: institutional intake (step 3). Plans and yearly submissions arrive as filled
-- templates; every file, version, issue and rejected row is kept. Replaces the provisional
-- reference tables of step 1 (the VDI reference data now arrives through this intake).

create table if not exists raw.intake_files (
    file_id                         uuid primary key default gen_random_uuid(),
    kind                            text check (kind in ('plan', 'submission')),
    original_name                   text        not null,
    file_format                     text,
    sha256                          text        not null unique,
    institution_code                text,
    reporting_year                  integer,
    project_id                      text,
    version                         integer,
    outcome                         text        not null
        check (outcome in ('accepted', 'accepted_with_warnings', 'rejected')),
    submitter_name                  text,
    submitter_email                 text,
    received_at                     timestamptz not null,
    declared_received_date          date,
    received_date_is_approximate    boolean     not null default false,
    rows_total                      integer     not null default 0,
    rows_with_errors                integer     not null default 0,
    warnings                        integer     not null default 0,
    archived_path                   text,
    receipt_path                    text,
    batch_id                        uuid        not null references audit.load_batches (batch_id),
    loaded_at                       timestamptz not null,
    is_synthetic                    boolean     not null default false,
    check ((outcome = 'rejected') = (version is null))
);
comment on column raw.intake_files.version is
    'Accepted versions per institution-year (submissions) or project (plans): 1, 2, …; NULL when rejected.';

create table if not exists raw.intake_plan_rows (
    file_id                     uuid    not null references raw.intake_files (file_id),
    row_no                      integer not null,
    project_id                  text    not null,
    institution_code            text    not null,
    institution_name            text    not null,
    project_end_year            integer not null,
    base_year                   integer not null,
    forecast_year               integer not null,
    service_key                 text    not null,
    portal_service_code         text,
    service_name                text    not null,
    forecast_total_users        integer,
    forecast_total_users_state  text    not null,
    forecast_e_users            integer,
    forecast_e_users_state      text    not null,
    planned_activities          text,
    primary key (file_id, row_no)
);

create table if not exists raw.intake_submission_rows (
    file_id                     uuid    not null references raw.intake_files (file_id),
    row_no                      integer not null,
    institution_code            text    not null,
    reporting_year              integer not null,
    service_key                 text    not null,
    total_users                 integer,
    total_users_state           text    not null,
    electronic_requests         integer,
    electronic_requests_state   text    not null,
    assisted_vpvkac             integer,
    assisted_vpvkac_state       text    not null,
    in_person                   integer,
    in_person_state             text    not null,
    paper_post                  integer,
    paper_post_state            text    not null,
    phone                       integer,
    phone_state                 text    not null,
    other_channels              integer,
    other_channels_state        text    not null,
    activities_done             text,
    notes                       text,
    primary key (file_id, row_no)
);

-- Every problem found in a file (errors and warnings), in both languages.
create table if not exists raw.intake_issues (
    issue_id    bigint generated always as identity primary key,
    file_id     uuid    not null references raw.intake_files (file_id),
    row_no      integer,
    column_name text,
    value       text,
    severity    text    not null check (severity in ('error', 'warning')),
    reason_en   text    not null,
    reason_lv   text    not null
);

-- Every row of a rejected file, exactly as received: nothing is lost.
create table if not exists raw.intake_quarantine (
    file_id     uuid    not null references raw.intake_files (file_id),
    row_no      integer not null,
    raw_record  jsonb   not null,
    primary key (file_id, row_no)
);

drop table if exists raw.yearly_submissions;
drop table if exists raw.plan_services;
drop table if exists raw.implementation_plans;
