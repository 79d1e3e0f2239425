-- What the annual gate will cross-check a submission against: the portal periods of its
-- institution and year loaded so far, and whether any of them is synthetic (demo) data.
select
    count(*) as periods,
    coalesce(bool_or(b.is_synthetic), false) as any_synthetic
from audit.portal_period_totals as t
inner join audit.load_batches as b on t.batch_id = b.batch_id
where t.institution_code = %(institution)s
  and extract(year from t.period_start) = %(year)s
