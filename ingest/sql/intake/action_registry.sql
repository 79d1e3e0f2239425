-- Activities of every institution's latest accepted action plan: activity id -> service key
-- (a yearly submission names the activities it carried out).
with latest as (
    select distinct on (institution_code) file_id
    from raw.intake_files
    where kind = 'action_plan' and outcome <> 'rejected'
    order by institution_code, version desc
)
select r.activity_id, r.service_key
from raw.intake_action_plan_rows as r
inner join latest using (file_id)
