select
    coalesce(sum(rows_after), 0)::bigint as rows_loaded,
    coalesce(sum(requests_after), 0)::bigint as requests_loaded,
    min(period_start) as first_period,
    max(period_start) as last_period,
    coalesce(bool_or(any_synthetic), false) as any_synthetic
from tmp_portal_incoming
