-- Rows the exact validation (check_stage.sql) found loadable, into the batch's table of a year.
insert into {table} (
    institution_code, portal_service_code, service_name, period_grain, period_start, channel,
    request_count, source_line, is_synthetic
)
select
    institution_code, portal_service_code, service_name, period_grain, period_start, channel,
    request_count, line_no, is_synthetic
from tmp_portal_checked
where is_loadable and period_start >= %(first)s and period_start < %(next)s
