-- Running batches of a loader whose PostgreSQL backend is gone: the process was killed or
-- lost its connection mid-load, and PostgreSQL rolled its transaction back.
update audit.load_batches as b
set status = 'abandoned',
    finished_at = clock_timestamp(),
    message = 'the load stopped without finishing (process killed or connection lost); '
        || 'its changes were rolled back and the previous data is intact'
where b.loader = %(loader)s
  and b.status = 'running'
  and not exists (
      select from pg_stat_activity as a
      where a.pid = b.backend_pid and a.backend_start <= b.started_at
  )
returning b.batch_id, b.source_uri
