-- The distinct raw values of the landed file that ingest.rules judges in Python (one call
-- per distinct value, not per row): counts, institution codes and normalised portal codes.
select 'request_count' as kind, request_count as raw_value, null as normalised
from (select distinct coalesce(request_count, '') as request_count from tmp_portal_stage) as v
union all
select 'institution_code', institution_code, upper(btrim(institution_code))
from (select distinct coalesce(institution_code, '') as institution_code from tmp_portal_stage) as v
union all
select 'portal_service_code', portal_service_code, raw.normalise_portal_code(portal_service_code)
from (
    select distinct coalesce(portal_service_code, '') as portal_service_code from tmp_portal_stage
) as v
