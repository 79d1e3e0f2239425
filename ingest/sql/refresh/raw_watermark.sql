-- The newest change to the raw tables: every load (portal or intake, accepted or rejected) is
-- a batch in audit.load_batches. A batch skipped because its file was unchanged changed
-- nothing, so it does not count.
select max(coalesce(finished_at, started_at)) as raw_watermark
from audit.load_batches
where status <> 'skipped'
