-- The load batches behind one institution's year (dbt: exports.export_source_batches).
select
    source_kind as source,
    batch_id::text as batch_id,
    source_uri,
    source_sha256,
    file_version as version,
    is_synthetic
from exports.export_source_batches
where institution_code = %(institution)s
  and reporting_year = %(year)s
order by source_kind, source_uri, source_sha256, batch_id
