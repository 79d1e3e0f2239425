-- Codes this file loaded that map to no service of any accepted plan: loaded, and reported.
-- The planned codes (real, normalised, and the invented '<prefix><service key>') are listed
-- once, so the check is one hash anti-join, not a function call per code and planned service.
with planned_codes as materialized (
    select raw.normalise_portal_code(r.portal_service_code) as portal_service_code
    from raw.intake_plan_rows as r
    inner join raw.intake_files as f using (file_id)
    where f.outcome <> 'rejected' and r.portal_service_code is not null
    union
    select %(synthetic_prefix)s || r.service_key
    from raw.intake_plan_rows as r
    inner join raw.intake_files as f using (file_id)
    where f.outcome <> 'rejected'
)

select c.portal_service_code
from unnest(%(codes)s::text[]) as c (portal_service_code)
where not exists (
    select from planned_codes as p
    where p.portal_service_code = c.portal_service_code
)
order by 1
