-- The load batches behind one institution's year: the accepted plan and submission files the
-- marts use, and the portal batches whose rows of that year are in the warehouse now.
select
    'intake:' || f.kind as source,
    f.batch_id::text as batch_id,
    f.original_name as source_uri,
    f.sha256 as source_sha256,
    f.version,
    f.is_synthetic
from raw.intake_files as f
where f.file_id in (
    select p.plan_file_id
    from intermediate.int_plan_services_latest as p
    where p.institution_code = %(institution)s
    union
    select s.submission_file_id
    from intermediate.int_submissions_latest_version as s
    where s.institution_code = %(institution)s and s.reporting_year = %(year)s
)
union all
select
    'portal' as source,
    b.batch_id::text,
    b.source_uri,
    b.source_sha256,
    null,
    b.is_synthetic
from audit.load_batches as b
where b.batch_id in (
    select distinct r.batch_id
    from raw.portal_requests as r
    where r.institution_code = %(institution)s
      and r.period_start >= make_date(%(year)s, 1, 1)
      and r.period_start < make_date(%(year)s + 1, 1, 1)
)
order by source, source_uri
