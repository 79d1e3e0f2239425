-- Whether the load replaces every partition the year has now (then a swap keeps nothing of
-- the old partition and need not read it).
select not exists (
    select
    from audit.portal_period_totals as t
    where
        t.period_start >= %(first)s
        and t.period_start < %(next)s
        and (t.institution_code, t.period_grain, t.period_start) not in (
            select i.institution_code, i.period_grain, i.period_start
            from tmp_portal_incoming as i
        )
) as fully_replaced
