-- Codes this file loaded that map to no service of any accepted plan: loaded, and reported.
with planned as (
    select r.service_key, raw.normalise_portal_code(r.portal_service_code) as portal_service_code
    from raw.intake_plan_rows as r
    inner join raw.intake_files as f using (file_id)
    where f.outcome <> 'rejected'
)

select c.portal_service_code
from unnest(%(codes)s::text[]) as c (portal_service_code)
where not exists (
    select from planned as p
    where
        p.portal_service_code = c.portal_service_code
        or %(synthetic_prefix)s || p.service_key = c.portal_service_code
)
order by 1
