-- A succeeded load of the same bytes with the same parameters: nothing new to load.
select batch_id
from audit.load_batches
where loader = %(loader)s
  and source_sha256 = %(source_sha256)s
  and status = 'succeeded'
  and coalesce(params, '{}'::jsonb) = %(params)s::jsonb
order by started_at desc
limit 1
