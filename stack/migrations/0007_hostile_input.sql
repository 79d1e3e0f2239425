-- 0007: loads that cannot vanish or silently delete (step 7).
--
-- * A batch row is committed when a load starts and names the PostgreSQL backend doing the
--   load; a later run marks it `abandoned` when that backend is gone (the loader was killed).
-- * A portal reload that would shrink what it replaces beyond a limit is `held`: nothing
--   changes until it is forced. Every replacing batch records the rows and requests before
--   and after.
-- * Accepted versions are unique per project (plans) and per institution-year (submissions);
--   plans accepted twice as version 1 (a bug: the lookup ignored the institution) are
--   renumbered by the time they were received.

alter table audit.load_batches drop constraint if exists load_batches_status_check;
alter table audit.load_batches
    add constraint load_batches_status_check
        check (status in ('running', 'succeeded', 'failed', 'skipped', 'abandoned', 'held')),
    add column if not exists backend_pid integer,
    add column if not exists rows_before bigint,
    add column if not exists requests_before bigint,
    add column if not exists rows_after bigint,
    add column if not exists requests_after bigint;

comment on column audit.load_batches.backend_pid is
    'PostgreSQL backend that ran the load; a running batch whose backend is gone was abandoned.';
comment on column audit.load_batches.rows_before is
    'Portal: rows of the periods this batch replaced, before it (rows_after: after it).';
comment on column audit.load_batches.requests_before is
    'Portal: requests of the periods this batch replaced, before it (requests_after: after it).';

create index if not exists load_batches_running_idx
    on audit.load_batches (loader) where status = 'running';

with ranked as (
    select
        file_id,
        row_number() over (
            partition by project_id order by version, received_at, file_id
        ) as renumbered
    from raw.intake_files
    where kind = 'plan' and outcome <> 'rejected'
)
update raw.intake_files as f
set version = ranked.renumbered
from ranked
where f.file_id = ranked.file_id and f.version <> ranked.renumbered;

create unique index if not exists intake_files_plan_version_key
    on raw.intake_files (project_id, version)
    where kind = 'plan' and outcome <> 'rejected';
create unique index if not exists intake_files_submission_version_key
    on raw.intake_files (institution_code, reporting_year, version)
    where kind = 'submission' and outcome <> 'rejected';
