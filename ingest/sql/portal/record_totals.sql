-- Keep audit.portal_period_totals equal to raw.portal_requests: the partitions this batch
-- replaced now hold exactly what it brought.
insert into audit.portal_period_totals (
    institution_code, period_grain, period_start, rows_loaded, requests, batch_id
)
select institution_code, period_grain, period_start, rows_after, requests_after, %(batch_id)s
from tmp_portal_incoming
on conflict (institution_code, period_grain, period_start) do update
set
    rows_loaded = excluded.rows_loaded,
    requests = excluded.requests,
    batch_id = excluded.batch_id
