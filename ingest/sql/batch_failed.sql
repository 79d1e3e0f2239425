-- A started batch whose load raised: its transaction was rolled back.
update audit.load_batches
set status = 'failed',
    message = %(message)s,
    finished_at = clock_timestamp()
where batch_id = %(batch_id)s and status = 'running'
