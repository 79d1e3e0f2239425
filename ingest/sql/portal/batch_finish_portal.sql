-- Close a portal batch: 'succeeded', or 'held' (a reload that would shrink what it replaces
-- beyond the limit: nothing was applied, rows_loaded is 0).
update audit.load_batches
set status = %(status)s,
    rows_read = %(rows_read)s,
    rows_loaded = %(rows_loaded)s,
    rows_quarantined = %(rows_quarantined)s,
    rows_outside_range = %(rows_outside_range)s,
    transactions_counted = %(transactions_counted)s,
    periods = %(periods)s,
    params = %(params)s::jsonb,
    message = %(message)s,
    is_synthetic = %(is_synthetic)s,
    rows_before = %(rows_before)s,
    requests_before = %(requests_before)s,
    rows_after = %(rows_after)s,
    requests_after = %(requests_after)s,
    finished_at = clock_timestamp()
where batch_id = %(batch_id)s
