-- A batch that did no loading (skipped as unchanged, or failed before its transaction).
insert into audit.load_batches (
    loader, source_uri, source_sha256, status, rows_read, rows_loaded, message, is_synthetic,
    params, finished_at
)
values (
    %(loader)s, %(source_uri)s, %(source_sha256)s, %(status)s, %(rows_read)s, %(rows_loaded)s,
    %(message)s, %(is_synthetic)s, %(params)s::jsonb, clock_timestamp()
)
returning batch_id
