insert into audit.portal_resources (
    resource_id, url, last_modified, content_hash, source_sha256, batch_id, seen_at
)
values (
    %(resource_id)s, %(url)s, %(last_modified)s, %(content_hash)s, %(source_sha256)s,
    (select batch_id from audit.load_batches
     where source_sha256 = %(source_sha256)s and status = 'succeeded'
     order by started_at desc limit 1),
    now()
)
on conflict (resource_id) do update set
    url = excluded.url,
    last_modified = excluded.last_modified,
    content_hash = excluded.content_hash,
    source_sha256 = excluded.source_sha256,
    batch_id = excluded.batch_id,
    seen_at = excluded.seen_at
