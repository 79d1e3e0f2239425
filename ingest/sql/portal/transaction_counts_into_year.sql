-- One year of spilled transaction counts, summed per key, into the batch's year table; the
-- first line of a key stays its source line.
insert into {table} (
    institution_code, portal_service_code, service_name, period_grain, period_start, channel,
    request_count, source_line, is_synthetic
)
select
    institution_code,
    portal_service_code,
    null,
    'day',
    period_start,
    channel,
    sum(request_count),
    min(source_line),
    bool_or(is_synthetic)
from tmp_portal_transaction_counts
where period_start >= %(first)s and period_start < %(next)s
group by institution_code, portal_service_code, period_start, channel
