-- The newest successful build of the marts and the state it was built from.
select invocation_id, as_of_date, project_sha256, raw_watermark
from audit.dbt_builds
order by finished_at desc
limit 1
