update audit.load_batches
set status = 'succeeded',
    rows_read = %(rows_read)s,
    rows_loaded = %(rows_loaded)s,
    rows_quarantined = %(rows_quarantined)s,
    rows_outside_range = %(rows_outside_range)s,
    periods = %(periods)s,
    params = %(params)s::jsonb,
    message = %(message)s,
    is_synthetic = %(is_synthetic)s,
    finished_at = clock_timestamp()
where batch_id = %(batch_id)s
