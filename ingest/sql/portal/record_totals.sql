-- Keep audit.portal_period_totals equal to raw.portal_requests: the partitions this batch
-- replaced now hold exactly what it brought (after record_totals_clear.sql removed them; a
-- plain insert is several times faster than an upsert of a national year's 55 000 rows).
insert into audit.portal_period_totals (
    institution_code, period_grain, period_start, rows_loaded, requests, batch_id
)
select institution_code, period_grain, period_start, rows_after, requests_after, %(batch_id)s
from tmp_portal_incoming
