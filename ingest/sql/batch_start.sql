-- Committed before the load's own transaction, so a killed loader leaves a visible attempt;
-- backend_pid lets a later run see that the attempt's connection is gone (abandoned).
insert into audit.load_batches (loader, source_uri, source_sha256, status, is_synthetic, backend_pid)
values (%(loader)s, %(source_uri)s, %(source_sha256)s, 'running', %(is_synthetic)s, pg_backend_pid())
returning batch_id, started_at
