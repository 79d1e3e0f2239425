-- Codes in this file that map to no planned service: loaded, and reported.
select distinct c.portal_service_code
from tmp_portal_checked as c
where c.is_loadable
  and not exists (
    select from raw.plan_services as ps
    where ps.portal_service_code = c.portal_service_code
       or %(synthetic_prefix)s || ps.service_key = c.portal_service_code
  )
order by 1
