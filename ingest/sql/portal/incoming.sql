-- What the load brings, per partition it replaces (institution, grain, period): from the
-- batch's year tables (their union is substituted below), after duplicates were quarantined.
create temp table tmp_portal_incoming on commit drop as
select
    institution_code,
    period_grain,
    period_start,
    count(*) as rows_after,
    sum(request_count) as requests_after,
    bool_or(is_synthetic) as any_synthetic
from ({rows}) as r
group by institution_code, period_grain, period_start
