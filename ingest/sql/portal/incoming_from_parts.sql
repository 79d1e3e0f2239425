-- What the load brings per partition, from the fast reader's totals and the rows the exact
-- validation let through (same result as incoming.sql, without re-reading millions of rows).
create temp table tmp_portal_incoming on commit drop as
select
    institution_code,
    period_grain,
    period_start,
    sum(rows_after) as rows_after,
    sum(requests_after) as requests_after,
    bool_or(any_synthetic) as any_synthetic
from (
    select
        i.institution_code,
        case when p.is_month then 'month' else 'day' end as period_grain,
        p.period_start,
        p.rows_after,
        p.requests_after::numeric as requests_after,
        p.any_synthetic
    from tmp_portal_incoming_parts as p
    inner join tmp_portal_incoming_institutions as i on p.institution_id = i.institution_id
    union all
    select
        institution_code,
        period_grain,
        period_start,
        count(*),
        sum(request_count),
        bool_or(is_synthetic)
    from tmp_portal_checked
    where is_loadable
    group by institution_code, period_grain, period_start
) as parts
group by institution_code, period_grain, period_start
