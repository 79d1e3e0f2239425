-- Rows the load brings for a year, and the rows the year has now (both from totals: the
-- batch's per partition, and the loader's audit.portal_period_totals).
select
    (
        select coalesce(sum(rows_after), 0)::bigint
        from tmp_portal_incoming
        where period_start >= {first} and period_start < {next}
    ) as incoming,
    (
        select coalesce(sum(rows_loaded), 0)::bigint
        from audit.portal_period_totals
        where period_start >= {first} and period_start < {next}
    ) as current
