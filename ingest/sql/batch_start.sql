insert into audit.load_batches (loader, source_uri, source_sha256, status, is_synthetic)
values (%(loader)s, %(source_uri)s, %(source_sha256)s, 'running', %(is_synthetic)s)
returning batch_id, started_at
