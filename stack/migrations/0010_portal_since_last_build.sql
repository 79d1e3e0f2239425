-- What the night changed, in one definition for the raw GX suite and the dbt tests: the portal
-- periods (institution, grain, period start) that load batches finished after the last
-- successful build's raw watermark wrote, and their rows. Checking these instead of the whole
-- history keeps a nightly run's cost independent of how many years are loaded (issue 13).
-- Before the first build every period counts (the watermark is -infinity).
-- The night's batches find their periods through this index, not by reading every period of
-- ten years.
create index portal_period_totals_batch_idx on audit.portal_period_totals (batch_id);

create view audit.portal_periods_since_last_build as
select
    t.institution_code,
    t.period_grain,
    t.period_start
from audit.portal_period_totals as t
inner join audit.load_batches as b
    on t.batch_id = b.batch_id
where b.finished_at > coalesce(
    (select max(d.raw_watermark) from audit.dbt_builds as d), '-infinity'::timestamptz
);

comment on view audit.portal_periods_since_last_build is
    'Portal periods written by load batches that finished after the last successful dbt '
    'build''s raw watermark: what the raw suite and the staging tests check each night.';

-- The min / max sub-selects let PostgreSQL prune the yearly partitions of raw.portal_requests
-- at run time, so only the years the night touched are read.
create view audit.portal_requests_since_last_build as
select r.*
from raw.portal_requests as r
where r.period_start >= (select min(p.period_start) from audit.portal_periods_since_last_build as p)
  and r.period_start <= (select max(p.period_start) from audit.portal_periods_since_last_build as p)
  and (r.institution_code, r.period_grain, r.period_start) in (
      select p.institution_code, p.period_grain, p.period_start
      from audit.portal_periods_since_last_build as p
  );

comment on view audit.portal_requests_since_last_build is
    'Rows of raw.portal_requests in the periods of audit.portal_periods_since_last_build.';

grant select on audit.portal_periods_since_last_build, audit.portal_requests_since_last_build
    to transformer, publisher;
