-- Rows the load brings for a year, and the rows the year has now (from the loader's totals).
select
    (select count(*) from {fresh}) as incoming,
    (
        select coalesce(sum(rows_loaded), 0)::bigint
        from audit.portal_period_totals
        where period_start >= {first} and period_start < {next}
    ) as current
