-- A reload that would shrink what it replaces beyond the limit: nothing was applied.
update audit.load_batches
set status = 'held',
    rows_read = %(rows_read)s,
    rows_loaded = 0,
    rows_quarantined = %(rows_quarantined)s,
    rows_outside_range = %(rows_outside_range)s,
    periods = %(periods)s,
    params = %(params)s::jsonb,
    message = %(message)s,
    rows_before = %(rows_before)s,
    requests_before = %(requests_before)s,
    rows_after = %(rows_after)s,
    requests_after = %(requests_after)s,
    finished_at = clock_timestamp()
where batch_id = %(batch_id)s
