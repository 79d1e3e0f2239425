-- What loading this file would do to the partitions (institution, grain, period) it replaces:
-- rows and requests before (audit.portal_period_totals) and after (tmp_portal_incoming).
-- One row per partition losing more than %(max_shrink)s of its rows or requests (the worst 5),
-- each carrying the totals over all replaced partitions and how many shrink; one row with
-- NULL partition columns when none does. Bounded output whatever the file's size.
with incoming as (
    select institution_code, period_grain, period_start, rows_after, requests_after
    from tmp_portal_incoming
),

-- What is there now, per partition: the totals the loader keeps beside the rows
-- (audit.portal_period_totals), not an aggregate over millions of raw rows. Read over the
-- load's period range and hash-joined (a national year: 55 000 partitions on each side).
existing as materialized (
    select
        institution_code,
        period_grain,
        period_start,
        rows_loaded as rows_before,
        requests as requests_before
    from audit.portal_period_totals
    where period_start >= %(first)s::date and period_start <= %(last)s::date
),

parts as (
    select
        i.institution_code,
        i.period_grain,
        i.period_start,
        coalesce(e.rows_before, 0) as rows_before,
        coalesce(e.requests_before, 0) as requests_before,
        i.rows_after,
        i.requests_after
    from incoming as i
    left join existing as e
        on
            i.institution_code = e.institution_code
            and i.period_grain = e.period_grain
            and i.period_start = e.period_start
),

measured as (
    select
        *,
        greatest(
            case when rows_before > 0 then 1 - rows_after::numeric / rows_before else 0 end,
            case
                when requests_before > 0 then 1 - requests_after::numeric / requests_before
                else 0
            end
        ) as loss
    from parts
),

totals as (
    select
        coalesce(sum(rows_before), 0) as rows_before,
        coalesce(sum(requests_before), 0) as requests_before,
        coalesce(sum(rows_after), 0) as rows_after,
        coalesce(sum(requests_after), 0) as requests_after,
        count(*) filter (where loss > %(max_shrink)s) as shrinking
    from measured
)

select
    t.rows_before,
    t.requests_before,
    t.rows_after,
    t.requests_after,
    t.shrinking,
    w.institution_code,
    w.period_grain,
    w.period_start,
    w.rows_before,
    w.requests_before,
    w.rows_after,
    w.requests_after
from totals as t
left join lateral (
    select *
    from measured
    where loss > %(max_shrink)s
    order by loss desc, institution_code asc, period_start asc
    limit 5
) as w on true
