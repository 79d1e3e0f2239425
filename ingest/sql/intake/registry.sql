-- Services of the latest accepted plan of every project, with the monitoring window.
with latest as (
    select distinct on (project_id) file_id
    from raw.intake_files
    where kind = 'plan' and outcome <> 'rejected'
    order by project_id, version desc
)
select r.service_key, r.institution_code, r.base_year
from raw.intake_plan_rows as r
inner join latest using (file_id)
