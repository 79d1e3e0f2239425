-- Replace whole partitions (institution, grain, period) present in the file: a corrected
-- export for a month supersedes every row of that month, including rows it no longer has.
delete from raw.portal_requests as r
using (
    select distinct institution_code, period_grain, period_start
    from tmp_portal_checked
    where is_loadable
) as p
where r.institution_code = p.institution_code
  and r.period_grain = p.period_grain
  and r.period_start = p.period_start
