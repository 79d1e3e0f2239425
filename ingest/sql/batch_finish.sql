update audit.load_batches
set status = %(status)s,
    rows_read = %(rows_read)s,
    rows_loaded = %(rows_loaded)s,
    rows_quarantined = %(rows_quarantined)s,
    message = %(message)s,
    finished_at = clock_timestamp()
where batch_id = %(batch_id)s
