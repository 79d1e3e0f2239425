select
    count(*) as rows_read,
    count(*) filter (where is_loadable) as rows_loaded,
    count(*) filter (where reason is not null) as rows_quarantined,
    count(*) filter (where is_outside_range) as rows_outside_range,
    min(period_start) filter (where is_loadable) as first_period,
    max(period_start) filter (where is_loadable) as last_period,
    coalesce(bool_or(is_synthetic) filter (where is_loadable), false) as any_synthetic
from tmp_portal_checked
