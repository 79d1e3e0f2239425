insert into audit.dbt_builds (invocation_id, as_of_date, project_sha256, raw_watermark, started_at)
values (%(invocation_id)s, %(as_of_date)s, %(project_sha256)s, %(raw_watermark)s, %(started_at)s)
on conflict (invocation_id) do nothing
