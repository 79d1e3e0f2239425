-- 0013: corrective action plans (issue 15). A third intake template: per activity the service,
-- type, dates and responsible unit; each accepted file is a new version of the institution's
-- whole action plan. Yearly submissions may name the activities they carried out.
alter table raw.intake_files drop constraint if exists intake_files_kind_check;
alter table raw.intake_files
    add constraint intake_files_kind_check
    check (kind in ('plan', 'submission', 'action_plan'));
comment on column raw.intake_files.version is
    'Accepted versions per institution-year (submissions), project (plans) or institution '
    '(action plans): 1, 2, …; NULL when rejected.';

create table if not exists raw.intake_action_plan_rows (
    file_id                     uuid    not null references raw.intake_files (file_id),
    row_no                      integer not null,
    institution_code            text    not null,
    service_key                 text    not null,
    activity_id                 text    not null,
    activity                    text    not null,
    activity_type               text    not null check (activity_type in (
        'communication', 'training', 'regulation', 'cooperation', 'manuals',
        'data_exchange', 'other'
    )),
    start_date                  date    not null,
    start_date_is_approximate   boolean,
    end_date                    date,
    responsible_unit            text,
    notes                       text,
    primary key (file_id, row_no),
    check (end_date is null or end_date >= start_date)
);

-- "VDI-RP2017-01;VDI-RP2017-02": the action-plan activities a yearly row carried out.
alter table raw.intake_submission_rows add column if not exists activity_ids text;

grant select, insert, update, delete on raw.intake_action_plan_rows to loader;
grant select on raw.intake_action_plan_rows to transformer;

-- Early-warning alerts sent (issue 15): one per service when its outlook turns
-- projected_to_miss; a rerun for the same as-of date finds it here and sends nothing again.
create table if not exists audit.outlook_alerts (
    service_key      text        not null,
    reporting_year   integer     not null,
    as_of_date       date        not null,
    previous_status  text,
    alerted_at       timestamptz not null default now(),
    primary key (service_key, reporting_year, as_of_date)
);
grant select, insert on audit.outlook_alerts to publisher;
grant select on audit.outlook_alerts to transformer;
