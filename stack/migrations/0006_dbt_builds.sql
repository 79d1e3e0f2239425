-- 0006: every successful `dbt build` of the marts and the state it was built from, so a
-- refresh can skip the rebuild when nothing it depends on changed (no raw load batch newer
-- than the last build, same dbt project, same as-of date).

create table if not exists audit.dbt_builds (
    invocation_id       text        primary key,
    as_of_date          date,
    project_sha256      text        not null,
    raw_watermark       timestamptz,
    started_at          timestamptz not null,
    finished_at         timestamptz not null default now()
);
create index if not exists dbt_builds_finished_idx on audit.dbt_builds (finished_at desc);

comment on table audit.dbt_builds is
    'Successful dbt builds: as-of date, dbt project fingerprint and the newest raw load batch '
    'they saw (raw_watermark). A refresh with the same inputs reuses the marts.';
