-- The months this batch replaced, for the incremental portal mart (fct_service_month).
insert into audit.portal_batch_periods (batch_id, institution_code, period_month, rows_loaded)
select
    %(batch_id)s,
    institution_code,
    date_trunc('month', period_start)::date,
    sum(rows_after)
from tmp_portal_incoming
group by institution_code, date_trunc('month', period_start)::date
